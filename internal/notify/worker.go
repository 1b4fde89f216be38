package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

// xaddArgs builds the XADD of one announcement; the stream is capped, the
// outbox being the record.
func xaddArgs(stream, id string) *redis.XAddArgs {
	return &redis.XAddArgs{Stream: stream, Values: map[string]any{"id": id}, MaxLen: 100000, Approx: true}
}

// Run consumes announcements until ctx ends: this replica joins the
// consumer group under a name of its own, so each announcement reaches one
// replica. It also sweeps the outbox every sweepEvery under a Redis lock,
// re-announcing messages whose announcement was lost, whose retry is due,
// or whose worker died holding them.
func (s *Service) Run(ctx context.Context, sweepEvery time.Duration) error {
	err := s.rdb.XGroupCreateMkStream(ctx, s.stream, s.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("notify: create consumer group: %w", err)
	}
	host, _ := os.Hostname()
	consumer := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomID()[:6])
	lastSweep := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastSweep) >= sweepEvery {
			if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("notify: sweep failed", "err", err)
			}
			lastSweep = time.Now()
		}
		res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: s.group, Consumer: consumer,
			Streams: []string{s.stream, ">"}, Count: 32, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Warn("notify: read stream", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for _, st := range res {
			for _, msg := range st.Messages {
				id, _ := msg.Values["id"].(string)
				if id != "" {
					if err := s.Deliver(ctx, id); err != nil && ctx.Err() == nil {
						s.log.Warn("notify: deliver", "notification", id, "err", err)
					}
				}
				s.rdb.XAck(context.WithoutCancel(ctx), s.stream, s.group, msg.ID)
			}
		}
	}
	return nil
}

// Deliver sends one outbox message if it is due and nobody else holds it.
// It is safe to call for the same id from many replicas at once: only the
// one that claims the message sends it.
func (s *Service) Deliver(ctx context.Context, id string) error {
	m, ok, err := s.claim(ctx, id)
	if err != nil || !ok {
		return err
	}
	openid, err := s.recipient(ctx, m.UserID)
	if err != nil {
		return s.retry(ctx, m, err)
	}
	if openid == "" {
		return s.finish(ctx, m, StatusSkipped, "no WeChat identity")
	}
	if err := s.send(ctx, openid, m); err != nil {
		if errors.Is(err, ErrPermanent) {
			return s.finish(ctx, m, StatusSkipped, err.Error())
		}
		return s.retry(ctx, m, err)
	}
	return s.finish(ctx, m, StatusSent, "")
}

// claim moves a due pending message to sending with a lease. The status
// and lease are in the filter (atomic on MongoDB); the Locker makes the
// same true on the embedded store.
func (s *Service) claim(ctx context.Context, id string) (Message, bool, error) {
	defer s.locks.Lock(id)()
	now := s.now().UTC()
	var m Message
	err := s.coll.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "status", Value: StatusPending}, {Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}}},
			bson.D{{Key: "status", Value: StatusSending}, {Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}}},
		}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: StatusSending}, {Key: "lease_until", Value: now.Add(s.opt.Lease)}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}}},
	).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("notify claim: %w", err)
	}
	m.Attempts++
	return m, true, nil
}

func (s *Service) finish(ctx context.Context, m Message, st Status, reason string) error {
	defer s.locks.Lock(m.ID)()
	set := bson.D{{Key: "status", Value: st}, {Key: "last_error", Value: reason}}
	if st == StatusSent {
		set = append(set, bson.E{Key: "sent_at", Value: s.now().UTC()})
	}
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "status", Value: StatusSending}}, bson.D{{Key: "$set", Value: set}})
	return err
}

func (s *Service) retry(ctx context.Context, m Message, cause error) error {
	if m.Attempts >= s.opt.MaxAttempts {
		_ = s.finish(ctx, m, StatusFailed, cause.Error())
		return cause
	}
	defer s.locks.Lock(m.ID)()
	delay := s.opt.Backoff << (m.Attempts - 1)
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "status", Value: StatusSending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: StatusPending}, {Key: "next_at", Value: s.now().UTC().Add(delay)},
			{Key: "last_error", Value: cause.Error()}}}})
	if err != nil {
		return err
	}
	return cause
}

// Sweep re-announces due pending messages and expired leases, on one
// replica at a time. It returns how many it announced.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	unlock, ok, err := s.rdb.TryLock(ctx, "notify-sweep", time.Minute)
	if err != nil || !ok {
		return 0, err
	}
	defer unlock()
	now := s.now().UTC()
	cur, err := s.coll.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "status", Value: StatusPending}, {Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "status", Value: StatusSending}, {Key: "lease_until", Value: bson.D{{Key: "$lt", Value: now}}}},
	}}})
	if err != nil {
		return 0, fmt.Errorf("notify sweep: %w", err)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		var m Message
		if err := cur.Decode(&m); err != nil {
			return n, err
		}
		if err := s.announce(ctx, m.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, cur.Err()
}

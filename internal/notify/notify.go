// Package notify sends notifications to users (WeChat subscribe messages)
// through a durable outbox: Notify writes the message to the store first,
// then announces it on a Redis stream; workers in a consumer group send it,
// so many replicas never send one message twice and a lost Redis entry is
// recovered from the outbox by a sweeper. In development mode the WeChat
// client only logs and keeps what it would send.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

// Notification is one message to one user.
type Notification struct {
	UserID string
	// Kind names the template, e.g. "complaint_status".
	Kind  string
	Title string
	Body  string
	// Page is the mini-program page opened from the message.
	Page string
	Data map[string]string
}

// Status of an outbox entry.
type Status string

// The statuses.
const (
	StatusPending Status = "pending" // waiting to be sent (or retried)
	StatusSending Status = "sending" // claimed by a worker until lease_until
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed"  // gave up after MaxAttempts
	StatusSkipped Status = "skipped" // no channel: the user has no WeChat identity or refused
)

// Message is an outbox entry as users see it.
type Message struct {
	ID        string            `bson:"_id" json:"id"`
	UserID    string            `bson:"user_id" json:"-"`
	Kind      string            `bson:"kind" json:"kind"`
	Title     string            `bson:"title" json:"title"`
	Body      string            `bson:"body" json:"body"`
	Page      string            `bson:"page,omitempty" json:"page,omitempty"`
	Data      map[string]string `bson:"data,omitempty" json:"data,omitempty"`
	Status    Status            `bson:"status" json:"status"`
	Attempts  int               `bson:"attempts" json:"-"`
	NextAt    time.Time         `bson:"next_at" json:"-"`
	LeaseTill time.Time         `bson:"lease_until,omitempty" json:"-"`
	LastError string            `bson:"last_error,omitempty" json:"-"`
	CreatedAt time.Time         `bson:"created_at" json:"created_at"`
	SentAt    *time.Time        `bson:"sent_at,omitempty" json:"sent_at,omitempty"`
}

const collection = "notifications"

// Indexes are created by the schema steps.
var Indexes = []mongodb.Index{
	{Collection: collection, Name: "user", Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "created_at", Value: -1}}},
	{Collection: collection, Name: "due", Keys: bson.D{{Key: "status", Value: 1}, {Key: "next_at", Value: 1}}},
}

// Recipient resolves a user to the WeChat openid to send to ("" when the
// user has none, e.g. staff).
type Recipient func(ctx context.Context, userID string) (openid string, err error)

// Sender delivers one message to an openid.
type Sender func(ctx context.Context, openid string, m Message) error

// ErrPermanent marks a send error not worth retrying (e.g. the user
// refused subscriptions); wrap it.
var ErrPermanent = errors.New("permanent")

// Options tune the Service.
type Options struct {
	MaxAttempts int           // default 5
	Lease       time.Duration // how long a worker may hold a message; default 1m
	Backoff     time.Duration // first retry delay, doubled each time; default 30s
}

// Service is the outbox and its workers.
type Service struct {
	coll      *mongo.Collection
	rdb       *redisx.Client
	recipient Recipient
	send      Sender
	log       *slog.Logger
	opt       Options
	locks     *mongodb.Locker
	now       func() time.Time
	stream    string
	group     string
}

// NewService returns the outbox over db and rdb.
func NewService(db *mongo.Database, rdb *redisx.Client, recipient Recipient, send Sender, log *slog.Logger, opt Options) *Service {
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 5
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 30 * time.Second
	}
	return &Service{coll: db.Collection(collection), rdb: rdb, recipient: recipient, send: send, log: log, opt: opt,
		locks: mongodb.NewLocker(), now: time.Now, stream: rdb.Key("notify", "stream"), group: "senders"}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Notify stores n in the outbox and announces it to the workers. Once it
// returns nil the message will be delivered or marked failed, even if
// Redis loses the announcement.
func (s *Service) Notify(ctx context.Context, n Notification) error {
	if n.UserID == "" || n.Kind == "" {
		return errs.ErrValidation.WithMessage("通知缺少接收人或类型")
	}
	now := s.now().UTC()
	m := Message{ID: "n_" + randomID(), UserID: n.UserID, Kind: n.Kind, Title: n.Title, Body: n.Body, Page: n.Page,
		Data: n.Data, Status: StatusPending, NextAt: now, CreatedAt: now}
	if _, err := s.coll.InsertOne(ctx, m); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if err := s.announce(ctx, m.ID); err != nil {
		// The sweeper will announce it again.
		s.log.Warn("notify: announce failed; the sweeper will retry", "notification", m.ID, "err", err)
	}
	return nil
}

func (s *Service) announce(ctx context.Context, id string) error {
	return s.rdb.XAdd(ctx, xaddArgs(s.stream, id)).Err()
}

// Mine lists a user's notifications, newest first.
func (s *Service) Mine(ctx context.Context, userID string, limit int) ([]Message, error) {
	cur, err := s.coll.Find(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	out := []Message{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return out, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

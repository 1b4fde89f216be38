package cell

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/registry"
)

// Time-driven transitions, and how they are made:
//
//   - Expiry is computed on read: a certificate (and its application) reads
//     as expired from its expiry instant on, so nothing has to run for it and
//     indicator 41 drops the unit at that instant on every replica.
//   - The end of publicity is a real move (certification issues a numbered
//     certificate), so CertifyDue makes it, run by Run every interval under a
//     Redis lock: one replica at a time, and the per-application guard makes a
//     second run harmless anyway. Until then the admin may certify at once.

// CertifyDue certifies every application whose publicity has ended with no
// open objection, as the system. It returns how many it certified.
func (s *Service) CertifyDue(ctx context.Context) (int, error) {
	docs, err := s.st.appsWhere(ctx, bson.D{{Key: "status", Value: string(StatusPublicity)}})
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for _, d := range docs {
		if d.PublicityEnd == nil || now.Before(*d.PublicityEnd) || hasOpenObjection(d) {
			continue
		}
		if _, err := s.Certify(ctx, account.Actor{}, d.ID); err != nil {
			s.log.Warn("cell auto-certification skipped", "application", d.ID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

func hasOpenObjection(d appDoc) bool {
	for _, o := range d.Objections {
		if o.Status == ObjectionOpen {
			return true
		}
	}
	return false
}

// jobLockKey is the Redis lock of the certification job.
const jobLockKey = "cell:certify-due"

// Run calls CertifyDue every interval until ctx ends, holding lock (when
// given) so that only one replica works at a time.
func (s *Service) Run(ctx context.Context, interval time.Duration, lock TryLocker) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.RunOnce(ctx, interval, lock)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce is one round of Run: it takes the lock, or skips the round when
// another replica holds it.
func (s *Service) RunOnce(ctx context.Context, ttl time.Duration, lock TryLocker) (ran bool) {
	if lock != nil {
		unlock, ok, err := lock.TryLock(ctx, jobLockKey, ttl)
		if err != nil {
			s.log.Error("cell job lock", "err", err)
			return false
		}
		if !ok {
			return false
		}
		defer unlock()
	}
	if n, err := s.CertifyDue(ctx); err != nil {
		s.log.Error("cell certification job", "err", err)
	} else if n > 0 {
		s.log.Info("cell certification job", "certified", n)
	}
	return true
}

// Figures are indicator 41's live numbers.
type Figures struct {
	Certified  int             `json:"certified"`   // units holding a valid certificate
	ByType     []TypeCount     `json:"by_type"`     // as in Counts
	ByDistrict []DistrictCount `json:"by_district"` // as in Counts
	InProgress int             `json:"in_progress"` // submitted, under review, returned or in publicity
	Drafts     int             `json:"drafts"`
}

// Figures computes indicator 41 now (from the snapshot, see snapshot).
func (s *Service) Figures(ctx context.Context) (Figures, error) {
	sn, err := s.snapshot(ctx)
	if err != nil {
		return Figures{}, err
	}
	c := sn.counts
	return Figures{Certified: c.Total, ByType: c.ByType, ByDistrict: c.ByDistrict, InProgress: sn.inProgress, Drafts: sn.drafts}, nil
}

// Feed is indicator 41 for the registry: the number of units holding a
// valid certificate, with the figures beside it.
func (s *Service) Feed() registry.Feed {
	return registry.FeedFunc(func(ctx context.Context) (registry.FeedValue, error) {
		f, err := s.Figures(ctx)
		if err != nil {
			return registry.FeedValue{}, err
		}
		v := float64(f.Certified)
		now := s.now()
		return registry.FeedValue{Value: &v, Period: strconv.Itoa(now.In(shanghai).Year()), AsOf: now.UTC(), Details: map[string]any{
			"certified": f.Certified, "by_type": f.ByType, "by_district": f.ByDistrict, "in_progress": f.InProgress, "drafts": f.Drafts}}, nil
	})
}

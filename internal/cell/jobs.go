package cell

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/notify"
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
//   - A review past its due date is derived on read (review_overdue), and
//     escalated once by EscalateOverdue, in the same job: a review_overdue
//     history entry (so once per level reached) and a notification to the
//     reviewers (the district's staff for its review) and the city's admins.

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
	if n, err := s.EscalateOverdue(ctx); err != nil {
		s.log.Error("cell review escalation job", "err", err)
	} else if n > 0 {
		s.log.Info("cell review escalation job", "escalated", n)
	}
	return true
}

// errEscalated: the review was escalated already (by another round).
var errEscalated = errors.New("cell: review already escalated")

// EscalateOverdue records every pending review past its due date, once per
// level reached, and tells its reviewers: the district's staff and the
// city's admins for a district review, the admins for the city's. It
// returns how many it escalated.
func (s *Service) EscalateOverdue(ctx context.Context) (int, error) {
	docs, err := s.st.appsWhere(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in",
		Value: bson.A{string(StatusSubmitted), string(StatusDistrictPassed)}}}}})
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for _, d := range docs {
		if due, escalated, ok := s.reviewDue(d); !ok || escalated != nil || now.Before(due) {
			continue
		}
		var due time.Time
		app, err := s.change(ctx, account.Actor{}, d.ID, ActReviewOverdue, func(account.Actor, appDoc) error { return nil },
			func(d *appDoc, _ time.Time) (string, error) {
				var escalated *time.Time
				var ok bool
				due, escalated, ok = s.reviewDue(*d)
				if !ok || escalated != nil || s.now().Before(due) {
					return "", errEscalated
				}
				return "审核已超期（应于 " + due.In(shanghai).Format("2006-01-02") + " 前完成），已提醒审核人和市无废办", nil
			})
		switch {
		case errors.Is(err, errEscalated), errors.Is(err, ErrWrongStatus):
			continue // moved on meanwhile
		case err != nil:
			s.log.Warn("cell review escalation skipped", "application", d.ID, "err", err)
			continue
		}
		s.notifyOverdue(ctx, app, due)
		n++
	}
	return n, nil
}

// notifyOverdue tells the reviewers of app's pending review, and the
// city's admins, that it is overdue. Failures are logged: the escalation
// stands in the history either way.
func (s *Service) notifyOverdue(ctx context.Context, app Application, due time.Time) {
	if s.notifier == nil {
		return
	}
	level := "市级审核"
	var ids []string
	if app.Status == StatusSubmitted {
		level = "旗区审核"
		if s.districtStaff != nil {
			staff, err := s.districtStaff(ctx, app.Unit.District)
			if err != nil {
				s.log.Error("cell review escalation: district staff unknown", "application", app.ID, "err", err)
			}
			ids = append(ids, staff...)
		}
	}
	if s.supervisors != nil {
		admins, err := s.supervisors(ctx)
		if err != nil {
			s.log.Error("cell review escalation: supervisors unknown", "application", app.ID, "err", err)
		}
		ids = append(ids, admins...)
	}
	slices.Sort(ids)
	for _, uid := range slices.Compact(ids) {
		err := s.notifier.Notify(ctx, notify.Notification{UserID: uid, Kind: "cell_review_overdue", Title: "无废细胞审核超期",
			Body: fmt.Sprintf("%s（%s）的%s已超期（应于 %s 前完成），请尽快审核", app.Unit.Name, app.ID, level, due.In(shanghai).Format("2006-01-02")),
			Page: "/console/cells/" + app.ID, Data: map[string]string{"application_id": app.ID, "status": string(app.Status)}})
		if err != nil {
			s.log.Error("cell review escalation: notify failed", "application", app.ID, "user_id", uid, "err", err)
		}
	}
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

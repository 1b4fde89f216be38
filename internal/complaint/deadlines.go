package complaint

import (
	"context"
	"errors"
	"fmt"
	"github.com/ordos-wufei/wufei/internal/notify"
	"slices"
	"time"

	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// TryLocker takes a cluster-wide lock (redisx.Client.TryLock), so that with
// several replicas one of them runs each deadline check.
type TryLocker interface {
	TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// DeadlineReport counts what one check did.
type DeadlineReport struct {
	Checked, Warned, Overdue, AutoClosed int
}

// DeadlineLockKey is the lock the periodic check runs under.
const DeadlineLockKey = "complaint:deadlines"

// Tick runs one deadline check if this replica gets the lock; ran is false
// when another replica holds it.
func (s *Service) Tick(ctx context.Context, l TryLocker, ttl time.Duration) (rep DeadlineReport, ran bool, err error) {
	unlock, ok, err := l.TryLock(ctx, DeadlineLockKey, ttl)
	if err != nil || !ok {
		return rep, false, err
	}
	defer unlock()
	rep, err = s.CheckDeadlines(ctx)
	return rep, true, err
}

// RunDeadlines checks deadlines every interval until ctx ends. Safe to run
// on every replica: each tick takes the Redis lock first.
func (s *Service) RunDeadlines(ctx context.Context, l TryLocker, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, ran, err := s.Tick(ctx, l, every)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("complaint deadline check failed", "err", err)
		case ran && rep.Warned+rep.Overdue+rep.AutoClosed > 0:
			s.log.Info("complaint deadlines checked", "checked", rep.Checked, "warned", rep.Warned, "overdue", rep.Overdue, "auto_closed", rep.AutoClosed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckDeadlines looks at every open case once: it warns when the
// configured share of the working time has passed, marks a passed deadline
// overdue and escalates the case, and closes resolved cases the reporter
// did not rate within the configured days. Each mark is recorded once, so
// a rerun (or a second replica) changes nothing.
func (s *Service) CheckDeadlines(ctx context.Context) (DeadlineReport, error) {
	var rep DeadlineReport
	now := s.now()
	var todo []Complaint
	err := s.scanOpen(ctx, func(c Complaint) bool {
		rep.Checked++
		if _, _, what := s.due(c, now); what != "" {
			todo = append(todo, c)
		}
		return true
	})
	if err != nil {
		return rep, err
	}
	for _, c := range todo {
		what, err := s.mark(ctx, c.ID, now)
		if err != nil {
			return rep, err
		}
		switch what {
		case ActWarn:
			rep.Warned++
		case ActEscalate:
			rep.Overdue++
		case ActAutoClose:
			rep.AutoClosed++
		}
	}
	return rep, nil
}

// due says which deadline of c applies (accept or resolve) and what is due
// at now: a warning, an escalation, an automatic closing, or nothing.
func (s *Service) due(c Complaint, now time.Time) (kind string, deadline time.Time, what Action) {
	var start time.Time
	switch {
	case c.Status == StatusSubmitted:
		kind, start, deadline = "accept", c.SubmittedAt, c.AcceptDue
	case c.Status == StatusResolved:
		if c.ResolvedAt != nil && !now.Before(c.ResolvedAt.Add(time.Duration(s.cfg.Settings.AutoCloseDays)*24*time.Hour)) {
			return "", time.Time{}, ActAutoClose
		}
		return "", time.Time{}, ""
	case c.ResolveDue != nil && c.AcceptedAt != nil:
		kind, start, deadline = "resolve", *c.AcceptedAt, *c.ResolveDue
	default:
		return "", time.Time{}, ""
	}
	if !now.Before(deadline) {
		if !slices.Contains(c.Overdue, kind) {
			return kind, deadline, ActEscalate
		}
		return kind, deadline, ""
	}
	if s.cal.Fraction(start, deadline, now) >= s.cfg.Settings.WarnFraction && !slices.Contains(c.Warned, kind) {
		return kind, deadline, ActWarn
	}
	return kind, deadline, ""
}

// mark applies what is due to one case under its lock, re-reading it so a
// move made since the scan is respected.
func (s *Service) mark(ctx context.Context, id string, now time.Time) (Action, error) {
	defer s.locks.Lock("complaint:" + id)()
	for attempt := 0; attempt < 5; attempt++ {
		c, err := s.st.get(ctx, id)
		if err != nil {
			return "", err
		}
		kind, deadline, what := s.due(c, now)
		if what == "" {
			return "", nil
		}
		before := c.Status
		ev := Event{At: now.UTC(), Action: string(what), From: before, To: before, ByRole: audit.System.Role, ByName: audit.System.Name, Handler: c.Handler}
		switch what {
		case ActWarn:
			c.Warned = append(c.Warned, kind)
			ev.Note = map[string]string{"accept": "受理", "resolve": "办理"}[kind] + "期限将至：" + deadline.In(shanghaiLoc).Format("2006-01-02")
		case ActEscalate:
			c.Overdue = append(c.Overdue, kind)
			c.Escalated = true
			ev.Note = map[string]string{"accept": "受理", "resolve": "办理"}[kind] + "已超期，提请市无废办督办"
		case ActAutoClose:
			t := now.UTC()
			c.Status, c.ClosedAt = StatusClosed, &t
			ev.To, ev.Note = StatusClosed, "办结后未在规定时间内评价，自动结案"
		}
		c.UpdatedAt = now.UTC()
		c.History = append(c.History, ev)
		c, err = s.st.replace(ctx, c)
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return "", err
		}
		s.invalidateClosure()
		_ = s.audit.Record(ctx, audit.Entry{Actor: audit.System, Action: "complaint." + string(what), ObjectType: "complaint", ObjectID: id,
			Before: map[string]any{"status": before}, After: map[string]any{"status": c.Status, "deadline": kind}})
		if what == ActAutoClose {
			s.notifyPeople(ctx, c, what)
		}
		if what == ActEscalate {
			s.log.Warn("complaint overdue", "complaint", id, "deadline", kind)
			s.notifySupervisors(ctx, c, kind, deadline)
		}
		return what, nil
	}
	return "", errs.ErrConflict
}

// notifySupervisors tells the admins that a case went overdue, through the
// outbox (their consoles list it; they have no WeChat channel). A failure is
// logged: the case is marked escalated either way.
func (s *Service) notifySupervisors(ctx context.Context, c Complaint, kind string, deadline time.Time) {
	if s.supervisor == nil || s.notifier == nil {
		return
	}
	ids, err := s.supervisor(ctx)
	if err != nil {
		s.log.Error("complaint escalation: supervisors unknown", "complaint", c.ID, "err", err)
		return
	}
	stage := map[string]string{"accept": "受理", "resolve": "办理"}[kind]
	for _, uid := range ids {
		err := s.notifier.Notify(ctx, notify.Notification{UserID: uid, Kind: "complaint_overdue", Title: "投诉举报超期督办",
			Body: fmt.Sprintf("%s %s已超期（期限 %s），请督办", c.ID, stage, deadline.In(shanghaiLoc).Format("2006-01-02")),
			Page: "/console/complaints/" + c.ID})
		if err != nil {
			s.log.Error("complaint escalation: notify failed", "complaint", c.ID, "user_id", uid, "err", err)
		}
	}
}

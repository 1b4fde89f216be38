package complaint

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/workday"
)

var shanghaiLoc = workday.Location()

// Closure is the 办结率 of a period with what stands beside it.
type Closure struct {
	Period       string
	Accepted     int      // cases accepted in the period
	Closed       int      // of those, closed
	Rate         *float64 // Closed ÷ Accepted, percent; nil without cases
	OnTime       int      // of those resolved, resolved by the deadline
	Resolved     int      // of those, resolved at least once (closed or awaiting rating)
	OnTimeRate   *float64 // OnTime ÷ Resolved, percent
	Rated        int      // cases with a rating
	AvgRating    *float64 // mean of the latest rating, 1–5
	SatisfiedPct *float64 // share of rated cases whose latest rating is 4 or 5, percent
	Reopened     int      // reopenings among them
}

// ClosureRate computes indicator 48 for the CST calendar year of at: cases
// accepted that year, how many are closed, on time, and how they were rated.
// Computed in Go from the list index (tally, shared with Stats): the
// embedded store has no usable multi-accumulator $group.
func (s *Service) ClosureRate(ctx context.Context, year int) (Closure, error) {
	if err := s.idx.ready(ctx); err != nil {
		return Closure{}, err
	}
	var cl Closure
	s.idx.view(func(rows []*row, _ uint64) { cl = closureOf(rows, year) })
	return cl, nil
}

// closureOf is indicator 48 of year over rows.
func closureOf(rows []*row, year int) Closure {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, shanghaiLoc).UnixMilli()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, shanghaiLoc).UnixMilli()
	var t tally
	for _, r := range rows {
		if r.accepted != 0 && r.accepted >= from && r.accepted < to {
			t.addAccepted(r)
		}
	}
	cl := t.closure()
	cl.Period = strconv.Itoa(year)
	return cl
}

// tally counts one group of cases; every figure of indicator 48 and of the
// statistics is defined here once.
type tally struct {
	// Of the cases filed in the period (addSubmitted):
	Submitted   int
	Open        int // still open (not closed, rejected or merged)
	OverdueOpen int // open and past their current deadline now
	// Of the cases accepted in the period (addAccepted), indicator 48's:
	Accepted  int
	Closed    int // closed
	Resolved  int // resolved at least once (closed, or awaiting rating)
	OnTime    int // of those resolved, resolved before the deadline
	Rated     int // with a rating
	Reopened  int // reopenings
	ratingSum int // of the latest ratings
	satisfied int // latest rating 4 or 5
}

// addSubmitted counts r among the cases filed in the period.
func (t *tally) addSubmitted(r *row, now int64) {
	t.Submitted++
	if r.status.Open() {
		t.Open++
		if overdueNow(r, now) {
			t.OverdueOpen++
		}
	}
}

// addAccepted counts r among the cases accepted in the period.
func (t *tally) addAccepted(r *row) {
	t.Accepted++
	t.Reopened += int(r.reopened)
	if r.status == StatusClosed {
		t.Closed++
	}
	if r.resolved != 0 {
		t.Resolved++
		if r.resolveDue != 0 && r.resolved < r.resolveDue { // Complaint.OnTime
			t.OnTime++
		}
	}
	if r.rating > 0 {
		t.Rated++
		t.ratingSum += int(r.rating)
		if r.rating >= 4 {
			t.satisfied++
		}
	}
}

// overdueNow reports whether the deadline that applies to r now (the
// deadline job's: acceptance while submitted, resolution from acceptance
// until resolved) has passed.
func overdueNow(r *row, now int64) bool {
	switch {
	case r.status == StatusSubmitted:
		return r.acceptDue != 0 && now >= r.acceptDue
	case r.status == StatusResolved || !r.status.Open():
		return false
	default:
		return r.accepted != 0 && r.resolveDue != 0 && now >= r.resolveDue
	}
}

// closure is indicator 48 of the tally.
func (t tally) closure() Closure {
	out := Closure{Accepted: t.Accepted, Closed: t.Closed, OnTime: t.OnTime, Resolved: t.Resolved, Rated: t.Rated, Reopened: t.Reopened,
		Rate: pct(t.Closed, t.Accepted), OnTimeRate: pct(t.OnTime, t.Resolved), SatisfiedPct: pct(t.satisfied, t.Rated)}
	if t.Rated > 0 {
		v := math.Round(float64(t.ratingSum)/float64(t.Rated)*100) / 100
		out.AvgRating = &v
	}
	return out
}

func pct(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := math.Round(float64(n)/float64(d)*10000) / 100
	return &v
}

type cachedClosure struct {
	gen uint64 // the list index's change count it was computed at
	c   Closure
}

// invalidateClosure drops the cached indicator 48 after a move.
func (s *Service) invalidateClosure() {
	s.closureMu.Lock()
	s.closure = nil
	s.closureMu.Unlock()
}

// currentClosure is ClosureRate of the current year, cached until the list
// index changes (on any replica: the index is synced first).
func (s *Service) currentClosure(ctx context.Context, now time.Time) (Closure, error) {
	year := strconv.Itoa(now.In(shanghaiLoc).Year())
	if err := s.idx.ready(ctx); err != nil {
		return Closure{}, err
	}
	var cl Closure
	s.idx.view(func(rows []*row, gen uint64) {
		s.closureMu.Lock()
		defer s.closureMu.Unlock()
		if c := s.closure; c != nil && c.gen == gen && c.c.Period == year {
			cl = c.c
			return
		}
		cl = closureOf(rows, now.In(shanghaiLoc).Year())
		s.closure = &cachedClosure{gen: gen, c: cl}
	})
	return cl, nil
}

// Feed is indicator 48's live feed for the registry: this year's 办结率,
// with the on-time rate and satisfaction in the details.
func (s *Service) Feed() registry.FeedFunc {
	return func(ctx context.Context) (registry.FeedValue, error) {
		now := s.now()
		cl, err := s.currentClosure(ctx, now)
		if err != nil {
			return registry.FeedValue{}, err
		}
		return registry.FeedValue{Value: cl.Rate, Period: cl.Period, AsOf: now.UTC(), Details: map[string]any{
			"accepted": cl.Accepted, "closed": cl.Closed, "resolved": cl.Resolved, "on_time": cl.OnTime,
			"on_time_rate": cl.OnTimeRate, "rated": cl.Rated, "average_rating": cl.AvgRating,
			"satisfied_rate": cl.SatisfiedPct, "reopened": cl.Reopened, "method": "本年受理案件中已结案件数 ÷ 本年受理案件数",
		}}, nil
	}
}

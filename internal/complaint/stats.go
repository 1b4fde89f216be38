package complaint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Granularity is the length of the trend's periods.
type Granularity string

// The granularities. Periods are CST calendar days, ISO weeks (Monday to
// Sunday) and calendar months, each named by its first day.
const (
	ByDay   Granularity = "day"
	ByWeek  Granularity = "week"
	ByMonth Granularity = "month"
)

// Valid reports whether g is one of the granularities.
func (g Granularity) Valid() bool { return g == ByDay || g == ByWeek || g == ByMonth }

// MaxTrendPeriods bounds the trend (400 days, about 7 years of weeks).
const MaxTrendPeriods = 400

// StatsQuery asks for the statistics of the CST calendar days From to To,
// both included (only their dates count). A zero To is today, a zero From
// 29 days before To.
type StatsQuery struct {
	From, To    time.Time
	Granularity Granularity
}

// Figures are the counts and rates of one group of cases. Cases filed in
// the period give Submitted, Open and OverdueOpen; cases accepted in the
// period give the rest, exactly as indicator 48 counts them (tally).
type Figures struct {
	Submitted      int
	Open           int // of those filed, still open now
	OverdueOpen    int // of those open, past the deadline that applies now
	Accepted       int
	Closed         int      // of those accepted, closed
	CompletionRate *float64 // Closed ÷ Accepted, percent (indicator 48)
	Resolved       int      // of those accepted, resolved at least once
	OnTime         int      // of those resolved, before the deadline
	OnTimeRate     *float64 // OnTime ÷ Resolved, percent
	Rated          int
	AverageRating  *float64 // mean latest rating, 1–5
}

func figuresOf(t tally) Figures {
	cl := t.closure()
	return Figures{Submitted: t.Submitted, Open: t.Open, OverdueOpen: t.OverdueOpen, Accepted: t.Accepted, Closed: t.Closed,
		CompletionRate: cl.Rate, Resolved: t.Resolved, OnTime: t.OnTime, OnTimeRate: cl.OnTimeRate, Rated: t.Rated, AverageRating: cl.AvgRating}
}

// GroupFigures are the figures of one department or district.
type GroupFigures struct {
	Code, Name string // department name twice, or district adcode and name
	Figures
}

// TrendPoint is one period of the trend.
type TrendPoint struct {
	Period      string // its first day, 2006-01-02
	Submitted   int
	Accepted    int
	Closed      int // of those accepted in the period, closed
	OverdueOpen int // of those filed in the period, open and overdue now
}

// Stats are the handling statistics of a period for a member of staff.
type Stats struct {
	From, To    string // 2006-01-02
	Granularity Granularity
	Figures
	// ByDepartment groups by the department in charge: the one assigned,
	// or, until the case is assigned, its category's department; cases
	// assigned to a district are not in it.
	ByDepartment []GroupFigures
	// ByDistrict groups by where the case is (its district).
	ByDistrict []GroupFigures
	Trend      []TrendPoint
}

// Stats computes the handling statistics of a period over the cases a may
// see in the staff list (all for the admin, the list's scope for
// departments and districts), from the list index.
func (s *Service) Stats(ctx context.Context, a account.Actor, q StatsQuery) (Stats, error) {
	scope, err := s.staffScope(a)
	if err != nil {
		return Stats{}, err
	}
	if q.Granularity == "" {
		q.Granularity = ByDay
	}
	// The last 30 days up to today by default.
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = day(q.To).AddDate(0, 0, -29)
	}
	if !q.Granularity.Valid() {
		return Stats{}, errs.Invalid(errs.Field("granularity", "invalid", "granularity 须为 day、week 或 month"))
	}
	from := day(q.From)
	to := day(q.To)
	if to.Before(from) {
		return Stats{}, errs.Invalid(errs.Field("to", "before_from", "结束日期早于开始日期"))
	}
	starts := periodStarts(from, to, q.Granularity)
	if len(starts) > MaxTrendPeriods {
		return Stats{}, errs.Invalid(errs.Field("granularity", "too_many_periods",
			fmt.Sprintf("统计周期过多（最多 %d 个），请缩短区间或改用更长的周期", MaxTrendPeriods)))
	}
	if err := s.idx.ready(ctx); err != nil {
		return Stats{}, err
	}
	lo, hi := from.UnixMilli(), to.AddDate(0, 0, 1).UnixMilli()
	bounds := make([]int64, len(starts))
	for i, t := range starts {
		bounds[i] = t.UnixMilli()
	}
	bucket := func(ms int64) int { // the trend period of ms in [lo, hi)
		i, found := slices.BinarySearch(bounds, ms)
		if !found {
			i--
		}
		return i
	}
	now := s.now().UnixMilli()
	var total tally
	trend := make([]tally, len(starts))
	depts, dists := map[string]*tally{}, map[string]*tally{}
	group := func(m map[string]*tally, k string) *tally {
		t := m[k]
		if t == nil {
			t = &tally{}
			m[k] = t
		}
		return t
	}
	s.idx.view(func(rows []*row, _ uint64) {
		for _, r := range rows {
			sub := r.submitted >= lo && r.submitted < hi
			acc := r.accepted != 0 && r.accepted >= lo && r.accepted < hi
			if !sub && !acc || !scope(r) {
				continue
			}
			targets := [3]*tally{&total, group(dists, r.district)}
			if dept := s.departmentOf(r); dept != "" { // "": assigned to a district
				targets[2] = group(depts, dept)
			}
			for _, t := range targets {
				if t == nil {
					continue
				}
				if sub {
					t.addSubmitted(r, now)
				}
				if acc {
					t.addAccepted(r)
				}
			}
			if sub {
				trend[bucket(r.submitted)].addSubmitted(r, now)
			}
			if acc {
				trend[bucket(r.accepted)].addAccepted(r)
			}
		}
	})
	out := Stats{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Granularity: q.Granularity, Figures: figuresOf(total)}
	// The caller's own units are listed even without cases; the admin's
	// are every category's department and every district.
	switch {
	case a.Is(account.RoleAdmin):
		for _, c := range s.cfg.Categories {
			group(depts, c.Department)
		}
		for _, d := range geo.Districts() {
			group(dists, d.Adcode)
		}
	case a.Is(account.RoleDepartment):
		for _, d := range a.Departments {
			group(depts, d)
		}
	case a.Is(account.RoleDistrict):
		for _, d := range a.Districts {
			group(dists, d)
		}
	}
	for code, t := range depts {
		out.ByDepartment = append(out.ByDepartment, GroupFigures{Code: code, Name: code, Figures: figuresOf(*t)})
	}
	slices.SortFunc(out.ByDepartment, func(a, b GroupFigures) int { return strings.Compare(a.Code, b.Code) })
	names := map[string]string{}
	for _, d := range geo.Districts() {
		names[d.Adcode] = d.Name
	}
	for code, t := range dists {
		name := names[code]
		if name == "" {
			name = code
		}
		out.ByDistrict = append(out.ByDistrict, GroupFigures{Code: code, Name: name, Figures: figuresOf(*t)})
	}
	slices.SortFunc(out.ByDistrict, func(a, b GroupFigures) int { return strings.Compare(a.Code, b.Code) })
	for i, t := range trend {
		out.Trend = append(out.Trend, TrendPoint{Period: starts[i].Format(time.DateOnly), Submitted: t.Submitted, Accepted: t.Accepted,
			Closed: t.Closed, OverdueOpen: t.OverdueOpen})
	}
	return out, nil
}

// departmentOf is the department in charge of r ("" when a district is).
func (s *Service) departmentOf(r *row) string {
	switch r.hKind {
	case "department":
		return r.hCode
	case "district":
		return ""
	}
	return s.categories[r.category].Department
}

// day is the CST midnight starting t's CST date.
func day(t time.Time) time.Time {
	t = t.In(shanghaiLoc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shanghaiLoc)
}

// periodStarts lists the first days of the periods from the one holding
// from to the one holding to, stopping once past MaxTrendPeriods.
func periodStarts(from, to time.Time, g Granularity) []time.Time {
	start := from
	switch g {
	case ByWeek:
		start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7)) // back to Monday
	case ByMonth:
		start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, shanghaiLoc)
	}
	var out []time.Time
	for t := start; !t.After(to) && len(out) <= MaxTrendPeriods; {
		out = append(out, t)
		switch g {
		case ByDay:
			t = t.AddDate(0, 0, 1)
		case ByWeek:
			t = t.AddDate(0, 0, 7)
		default:
			t = t.AddDate(0, 1, 0)
		}
	}
	return out
}

package complaint

import (
	"context"
	"math"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/bson"

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
// Computed in Go from the documents: the embedded store has no usable
// multi-accumulator $group.
func (s *Service) ClosureRate(ctx context.Context, year int) (Closure, error) {
	from := time.Date(year, 1, 1, 0, 0, 0, 0, shanghaiLoc).UTC()
	to := time.Date(year+1, 1, 1, 0, 0, 0, 0, shanghaiLoc).UTC()
	out := Closure{Period: strconv.Itoa(year)}
	var ratingSum, satisfied int
	filter := bson.D{{Key: "accepted_at", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}}}
	err := s.st.find(ctx, filter, 0, func(c Complaint) bool {
		out.Accepted++
		out.Reopened += c.Reopened
		if c.Status == StatusClosed {
			out.Closed++
		}
		if c.ResolvedAt != nil {
			out.Resolved++
			if c.OnTime() {
				out.OnTime++
			}
		}
		if n := len(c.Feedback); n > 0 {
			r := c.Feedback[n-1].Rating
			out.Rated++
			ratingSum += r
			if r >= 4 {
				satisfied++
			}
		}
		return true
	})
	if err != nil {
		return out, err
	}
	out.Rate = pct(out.Closed, out.Accepted)
	out.OnTimeRate = pct(out.OnTime, out.Resolved)
	out.SatisfiedPct = pct(satisfied, out.Rated)
	if out.Rated > 0 {
		v := math.Round(float64(ratingSum)/float64(out.Rated)*100) / 100
		out.AvgRating = &v
	}
	return out, nil
}

func pct(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := math.Round(float64(n)/float64(d)*10000) / 100
	return &v
}

// closureTTL bounds how stale a cached indicator 48 may be.
const closureTTL = time.Minute

type cachedClosure struct {
	at time.Time
	c  Closure
}

// invalidateClosure drops the cached indicator 48 after a move.
func (s *Service) invalidateClosure() {
	s.closureMu.Lock()
	s.closure = nil
	s.closureMu.Unlock()
}

// currentClosure is ClosureRate of the current year, cached.
func (s *Service) currentClosure(ctx context.Context, now time.Time) (Closure, error) {
	year := now.In(shanghaiLoc).Year()
	s.closureMu.Lock()
	if c := s.closure; c != nil && c.c.Period == strconv.Itoa(year) && now.Sub(c.at) < closureTTL && !now.Before(c.at) {
		s.closureMu.Unlock()
		return c.c, nil
	}
	s.closureMu.Unlock()
	cl, err := s.ClosureRate(ctx, year)
	if err != nil {
		return cl, err
	}
	s.closureMu.Lock()
	s.closure = &cachedClosure{at: now, c: cl}
	s.closureMu.Unlock()
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

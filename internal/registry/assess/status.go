package assess

import (
	"math"
	"time"
)

// Status is where an indicator stands, derived from its latest measurement.
type Status string

// The statuses. The first four are also the assessments a person may give a
// qualitative indicator.
const (
	StatusAchieved Status = "achieved"
	StatusOnTrack  Status = "on_track"
	StatusAtRisk   Status = "at_risk"
	StatusLagging  Status = "lagging"
	StatusNoData   Status = "no_data"
)

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusAchieved, StatusOnTrack, StatusAtRisk, StatusLagging, StatusNoData:
		return true
	}
	return false
}

// ValidAssessment reports whether a is an assessment a person may record for
// a qualitative indicator: any status but no_data, which is what having no
// assessment means.
func ValidAssessment(a string) bool {
	s := Status(a)
	return s.Valid() && s != StatusNoData
}

// AtRiskTolerance is the share of the baseline→target distance a value may
// fall behind the expected path and still be at_risk rather than lagging.
const AtRiskTolerance = 0.10

// Measurement is what Assess needs of the latest measurement.
type Measurement struct {
	// Period is the reporting period, e.g. "2025" or "2025-Q3".
	Period string
	// Value is the figure; nil for a measurement of a qualitative indicator.
	Value *float64
	// Assessment is the person's judgement of a qualitative indicator: one
	// of achieved, on_track, at_risk, lagging.
	Assessment string
}

// Input is one indicator with its latest measurement.
type Input struct {
	// Baseline is the seed's 2020 cell, e.g. "6.00" or "-".
	Baseline string
	Target   Target
	// Direction is the indicator's direction. It decides only for targets
	// without a directional comparator ("80", "=80"): "<6.00" is always
	// lower-is-better and "≥90" higher-is-better. When it is not valid the
	// package's default rule is applied to Baseline and Target.
	Direction Direction
	// Latest is the latest measurement, nil when there is none.
	Latest *Measurement
	// Now places a measurement whose period cannot be parsed.
	Now time.Time
}

// Result is the derived state of an indicator.
type Result struct {
	Status Status
	// Progress is 0–100, nil when it cannot be computed meaningfully.
	Progress *float64
}

// Assess derives status and progress by the rules in the package doc. It is
// total: every input, however malformed, gives a Result with a valid Status.
func Assess(in Input) Result {
	m := in.Latest
	if m == nil {
		return Result{Status: StatusNoData}
	}
	if !in.Target.IsNumeric() {
		if !ValidAssessment(m.Assessment) {
			return Result{Status: StatusNoData}
		}
		s := Status(m.Assessment)
		if s == StatusAchieved {
			return Result{Status: s, Progress: percent(100)}
		}
		return Result{Status: s}
	}
	if m.Value == nil || !finite(*m.Value) || !finite(in.Target.Value) {
		return Result{Status: StatusNoData}
	}
	v, t := *m.Value, in.Target
	dir := in.Direction
	switch t.Comparator {
	case Less, LessEqual:
		// A written comparator states the direction itself; a contradicting
		// Input.Direction would make the path point the wrong way.
		dir = Lower
	case Greater, GreaterEqual:
		dir = Higher
	default:
		if !dir.Valid() {
			dir = defaultDirection(in.Baseline, t)
		}
	}
	if t.Met(v, dir) {
		return Result{Status: StatusAchieved, Progress: percent(100)}
	}

	at := in.Now
	if p, err := ParsePeriod(m.Period); err == nil {
		at = p.End
	}
	programmeEnd := endOfYear(TargetYear)
	if at.After(programmeEnd) {
		return Result{Status: StatusLagging, Progress: progress(in.Baseline, t, dir, v)}
	}
	b, ok := ParseNumber(in.Baseline)
	if !ok {
		return Result{Status: StatusAtRisk, Progress: progress(in.Baseline, t, dir, v)}
	}

	// sign turns "how far above" into "how far better" for the direction, so
	// the rest is written once for both.
	sign := 1.0
	if dir == Lower {
		sign = -1
	}
	distance := sign * (t.Value - b)
	expected := t.Value // a baseline already at or past the target: flat path
	if distance > 0 {
		expected = b + pathShare(at)*(t.Value-b)
	}
	shortfall := sign * (expected - v)
	eps := 1e-9 * math.Max(1, math.Abs(t.Value))
	tolerance := AtRiskTolerance * math.Abs(distance)

	var s Status
	switch {
	case shortfall <= eps && at.Before(programmeEnd):
		s = StatusOnTrack
	case shortfall <= tolerance+eps:
		s = StatusAtRisk
	default:
		s = StatusLagging
	}
	return Result{Status: s, Progress: progress(in.Baseline, t, dir, v)}
}

// pathShare is how far along the 2020→2025 path the instant at lies, 0–1.
func pathShare(at time.Time) float64 {
	start, end := endOfYear(BaselineYear), endOfYear(TargetYear)
	f := float64(at.Sub(start)) / float64(end.Sub(start))
	return math.Min(1, math.Max(0, f))
}

// progress computes the progress of a value that does not meet the target.
func progress(baseline string, t Target, dir Direction, v float64) *float64 {
	if b, ok := ParseNumber(baseline); ok {
		sign := 1.0
		if dir == Lower {
			sign = -1
		}
		distance := sign * (t.Value - b)
		if distance <= 0 {
			return nil
		}
		return percent(100 * sign * (v - b) / distance)
	}
	if t.Value <= 0 {
		return nil
	}
	if dir == Lower {
		if v <= 0 {
			// Unmet at or below zero only when a written comparator
			// contradicts the direction; the ratio would mean nothing.
			return nil
		}
		return percent(100 * t.Value / v)
	}
	return percent(100 * v / t.Value)
}

// percent returns p clamped to 0–100.
func percent(p float64) *float64 {
	p = math.Min(100, math.Max(0, p))
	return &p
}

// Package stats computes the official survey figures of DESIGN.md §4:
// 满意率, 满意度得分 and 普及率, weighted to the 2020 census, with 95%
// intervals, unweighted figures beside them and a per-district breakdown
// that flags districts too thin to trust.
//
// The package is pure arithmetic: no I/O besides reading the census file
// it is handed, no clocks, no randomness, no maps iterated into results. The
// same input in the same order gives bit-identical output; sums use
// compensated (Neumaier) summation so that reordering the input changes a
// result by at most a few units in the last place, not by the accumulated
// rounding of 100,000 additions.
//
// Workflow: Weight(census, respondents) gives one weight per respondent;
// each item's answers, carrying those weights, go to Proportion (普及率,
// any yes/no share) or Satisfaction (满意率 and 满意度得分).
package stats

import (
	"errors"
	"math"
)

// The errors of the package. Callers (the survey service) map them to the
// service's error kinds; they are never reported as NaN figures.
var (
	// ErrEmpty: there is nothing to estimate from. A figure of no answers
	// is unknown, not 0% and not NaN.
	ErrEmpty = errors.New("stats: no responses")
	// ErrUnknownDistrict: a respondent's district is not in the census.
	ErrUnknownDistrict = errors.New("unknown district")
	// ErrInvalidWeight: a weight is zero, negative, NaN or infinite.
	ErrInvalidWeight = errors.New("invalid weight")
	// ErrInvalidValue: an answer or a respondent attribute is out of range.
	ErrInvalidValue = errors.New("invalid value")
)

// Z is the standard normal quantile for a two-sided 95% interval, to the
// precision DESIGN.md fixes so that figures reproduce exactly elsewhere.
const Z = 1.959964

// Flags of a district (or overall) estimate.
const (
	// FlagSmallSample: fewer than SmallSampleN answers.
	FlagSmallSample = "small_sample"
	// FlagWideMargin: the weighted interval's half-width exceeds 5 points:
	// WideMarginRate for shares, WideMarginScore for 满意度得分.
	FlagWideMargin = "wide_margin"
)

// Flag thresholds, DESIGN.md §4.
const (
	SmallSampleN = 30
	// WideMarginRate is 5 percentage points. For p = 0.5 the Wilson
	// half-width first falls to it at n = 381 (the normal approximation's
	// 385 is slightly conservative).
	WideMarginRate = 0.05
	// WideMarginScore is 5 points on the 20–100 score scale.
	WideMarginScore = 5.0
)

// EffectiveSize returns Kish's effective sample size (Σw)²/Σw²: the number
// of equally weighted answers that would give the same precision. It equals
// n for equal weights, lies in [1, n] for positive weights, and is 0 for no
// weights.
func EffectiveSize(weights []float64) float64 {
	var s, s2 kahan
	for _, w := range weights {
		s.add(w)
		s2.add(w * w)
	}
	if s2.sum() == 0 {
		return 0
	}
	return s.sum() * s.sum() / s2.sum()
}

// Wilson returns the Wilson score interval for a proportion p observed on n
// answers (n may be an effective size, so it is a float), at Z:
//
//	centre = (p + z²/2n) / (1 + z²/n)
//	half   = z/(1 + z²/n) · √(p(1−p)/n + z²/4n²)
//
// Unlike p ± z√(p(1−p)/n) it never leaves [0, 1] and is not empty at p = 0
// or p = 1, where it returns exactly 0 or 1 as the closed end. p is clamped
// to [0, 1]; n ≤ 0 or NaN gives the uninformative [0, 1], n = +Inf gives [p, p];
// a NaN p gives [0, 1].
func Wilson(p, n float64) Interval {
	if !(n > 0) || math.IsNaN(p) {
		return Interval{Low: 0, High: 1}
	}
	p = min(1, max(0, p))
	z2 := Z * Z
	d := 1 + z2/n
	centre := (p + z2/(2*n)) / d
	half := Z / d * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	lo, hi := max(0, centre-half), min(1, centre+half)
	// At the ends centre and half are equal in exact arithmetic; rounding
	// must not turn a closed 0 or 1 into 1e-17.
	if p == 0 {
		lo = 0
	}
	if p == 1 {
		hi = 1
	}
	return Interval{Low: lo, High: hi}
}

// kahan is Neumaier's compensated sum: its error does not grow with the
// number of terms, which makes results nearly independent of input order.
type kahan struct{ s, c float64 }

func (k *kahan) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *kahan) sum() float64 { return k.s + k.c }

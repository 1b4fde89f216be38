package stats

import (
	"math"
)

// Answer is one respondent's answer to the item being estimated. Answers of
// respondents who did not see or skip the item are simply not passed.
type Answer struct {
	District string  // the respondent's adcode
	Weight   float64 // the respondent's weight from Weight: finite and > 0
	Value    float64 // see Proportion and Satisfaction
}

// Interval is a closed confidence interval [Low, High].
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Figure is one estimate with its 95% interval.
type Figure struct {
	Value  float64  `json:"value"`  // a share in [0, 1], or a mean on its scale
	CI     Interval `json:"ci"`     // contains Value
	Margin float64  `json:"margin"` // (CI.High − CI.Low)/2, the "± points" of the figure
	N      int      `json:"n"`      // answers counted
	// NEff is Kish's effective size of the weights (N for an unweighted
	// figure); the interval is computed with it in place of N.
	NEff float64 `json:"n_eff"`
}

// Estimate is a weighted figure with its unweighted counterpart, which
// DESIGN.md §4 requires to be shown beside it, and the flags that warn
// against trusting it.
type Estimate struct {
	Weighted   Figure `json:"weighted"`
	Unweighted Figure `json:"unweighted"`
	// Flags holds FlagSmallSample when N < SmallSampleN and FlagWideMargin
	// when the weighted Margin exceeds the threshold, in that order; nil
	// when there is nothing to warn about.
	Flags []string `json:"flags"`
}

// DistrictEstimate is the estimate within one district. Within a district
// post-stratified weights are all equal, so weighted and unweighted agree
// unless the weights were raked.
type DistrictEstimate struct {
	Adcode string `json:"adcode"`
	Estimate
}

// Breakdown is an estimate for the whole sample and per district.
type Breakdown struct {
	Overall Estimate `json:"overall"`
	// Districts lists the districts with at least one answer, in adcode
	// order. Districts without answers are absent: see Weighting.Uncovered.
	Districts []DistrictEstimate `json:"districts"`
}

// SatisfactionResult holds both satisfaction indicators of one Likert item.
type SatisfactionResult struct {
	Rate  Breakdown `json:"rate"`  // 满意率: share answering 4 or 5, in [0, 1]
	Score Breakdown `json:"score"` // 满意度得分: mean of 20·answer, in [20, 100]
}

// Proportion estimates a share, such as 普及率, the share answering yes to
// an awareness item: Value is 1 for yes and 0 for no. A Value between 0 and
// 1 is allowed for a respondent's share of yes over several items, pooled
// per respondent; the Wilson interval then is conservative.
//
// Weighted: p = Σwy/Σw with the interval Wilson(p, n_eff), n_eff =
// (Σw)²/Σw². Unweighted: the same with every w = 1. Flags: FlagWideMargin
// when the weighted half-width exceeds WideMarginRate.
//
// It returns ErrEmpty for no answers, ErrInvalidWeight or ErrInvalidValue
// (with the answer's index) for bad input, ErrUnknownDistrict for an empty
// district.
func Proportion(answers []Answer) (Breakdown, error) {
	return estimate(answers, share, proportion, WideMarginRate)
}

// Satisfaction estimates 满意率 and 满意度得分 from answers to a 5-point
// Likert item, Value 5 = 非常满意 … 1 = 非常不满意 (DESIGN.md §4).
//
// 满意率 is a Proportion of y = 1 for answers 4 and 5.
//
// 满意度得分 is the mean of the scores x = 20·answer (100/80/60/40/20):
//
//	x̄  = Σwx / Σw
//	s² = [Σw(x − x̄)² / Σw] · n_eff/(n_eff − 1)
//	CI = x̄ ± Z · s/√n_eff, clipped to [20, 100]
//
// With all w = 1 this is the textbook interval with the n−1 sample
// variance; with weights, n_eff stands in for n in both the bias correction
// and the standard error, so unequal weights widen the interval as they
// do for shares. When n_eff ≤ 1 (a single answer) the variance is unknown
// and the interval is the whole scale [20, 100]. Flags: FlagWideMargin when
// the half-width exceeds WideMarginScore points.
//
// Values must be exactly 1, 2, 3, 4 or 5; errors are as for Proportion.
func Satisfaction(answers []Answer) (SatisfactionResult, error) {
	return satisfaction(asGroups(answers), "answer")
}

// likert reports whether v is a 5-point answer.
func likert(v float64) bool { return v == 1 || v == 2 || v == 3 || v == 4 || v == 5 }

// satisfiedShare is y = 1 for 4 and 5 (满意率).
func satisfiedShare(v float64) (float64, bool) {
	if v >= 4 {
		return 1, likert(v)
	}
	return 0, likert(v)
}

// satisfactionScore is x = 20·answer (满意度得分).
func satisfactionScore(v float64) (float64, bool) { return 20 * v, likert(v) }

// share is a yes/no value in [0, 1] (普及率 and other shares).
func share(v float64) (float64, bool) { return v, v >= 0 && v <= 1 }

type figureKind int

const (
	proportion figureKind = iota
	scoreMean             // a mean on the 20–100 score scale
)

const scoreMin, scoreMax = 20.0, 100.0

// sums accumulates one group (the whole sample or a district).
type sums struct {
	n                int
	w, w2, wx, x     kahan
	wdev2, dev2      kahan // Σw(x−x̄_w)², Σ(x−x̄)² (second pass, means only)
	meanW, meanPlain float64
}

func estimate(answers []Answer, value func(float64) (float64, bool), kind figureKind, wide float64) (Breakdown, error) {
	return estimateGroups(asGroups(answers), "answer", value, kind, wide)
}

// asGroups makes each answer a group of one. Multiplying by a count of 1.0
// is exact, so results are bit-for-bit those of a per-answer computation;
// the service itself works from counted tallies (ProportionGroups,
// SatisfactionGroups).
func asGroups(answers []Answer) []Group {
	groups := make([]Group, len(answers))
	for i, a := range answers {
		groups[i] = Group{District: a.District, Weight: a.Weight, Value: a.Value, Count: 1}
	}
	return groups
}

func (s *sums) estimate(kind figureKind, wide float64) Estimate {
	n := float64(s.n)
	w, w2 := s.w.sum(), s.w2.sum()
	var e Estimate
	switch kind {
	case proportion:
		e.Weighted = proportionFigure(s.wx.sum()/w, w*w/w2, s.n)
		e.Unweighted = proportionFigure(s.x.sum()/n, n, s.n)
	case scoreMean:
		e.Weighted = meanFigure(s.meanW, s.wdev2.sum()/w, w*w/w2, s.n)
		e.Unweighted = meanFigure(s.meanPlain, s.dev2.sum()/n, n, s.n)
	}
	if s.n < SmallSampleN {
		e.Flags = append(e.Flags, FlagSmallSample)
	}
	if e.Weighted.Margin > wide {
		e.Flags = append(e.Flags, FlagWideMargin)
	}
	return e
}

func proportionFigure(p, neff float64, n int) Figure {
	p = min(1, max(0, p)) // Σwy may exceed Σw by an ulp
	ci := Wilson(p, neff)
	return Figure{Value: p, CI: ci, Margin: (ci.High - ci.Low) / 2, N: n, NEff: neff}
}

// meanFigure builds the score figure from the mean, the weighted
// population variance Σw(x−x̄)²/Σw and the effective size (see Satisfaction).
func meanFigure(mean, popVar, neff float64, n int) Figure {
	mean = min(scoreMax, max(scoreMin, mean))
	ci := Interval{Low: scoreMin, High: scoreMax}
	if neff > 1 {
		// SE² = s²/n_eff = popVar·n_eff/(n_eff−1)/n_eff = popVar/(n_eff−1).
		se := math.Sqrt(popVar / (neff - 1))
		ci = Interval{Low: max(scoreMin, mean-Z*se), High: min(scoreMax, mean+Z*se)}
	}
	return Figure{Value: mean, CI: ci, Margin: (ci.High - ci.Low) / 2, N: n, NEff: neff}
}

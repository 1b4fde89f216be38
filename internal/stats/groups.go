package stats

import (
	"fmt"
	"math"
	"slices"
)

// Group is Count respondents of one district who share a weight and a
// value. Counting instead of listing is what lets a survey's live figures
// come from tallies: with post-stratified weights every respondent of a
// district weighs the same, so a survey of a million answers is a few dozen
// groups (district × answer).
type Group struct {
	District string
	Weight   float64 // finite and > 0
	Value    float64 // as Answer.Value
	Count    int     // > 0
}

// ProportionGroups is Proportion over grouped answers: the result equals
// Proportion over the expanded answers up to rounding in the last places
// (the sums multiply instead of repeating additions).
func ProportionGroups(groups []Group) (Breakdown, error) {
	return estimateGroups(groups, "group", share, proportion, WideMarginRate)
}

// SatisfactionGroups is Satisfaction over grouped answers (see
// ProportionGroups).
func SatisfactionGroups(groups []Group) (SatisfactionResult, error) {
	return satisfaction(groups, "group")
}

func satisfaction(groups []Group, noun string) (SatisfactionResult, error) {
	rate, err := estimateGroups(groups, noun, satisfiedShare, proportion, WideMarginRate)
	if err != nil {
		return SatisfactionResult{}, err
	}
	score, err := estimateGroups(groups, noun, satisfactionScore, scoreMean, WideMarginScore)
	if err != nil {
		return SatisfactionResult{}, err
	}
	return SatisfactionResult{Rate: rate, Score: score}, nil
}

// WeightCounts is Weight's district post-stratification from counts of
// respondents per district instead of a list of respondents: the Strata,
// Uncovered and Population of Weight, without per-respondent Weights and
// without raking. Districts with a zero count are uncovered.
func WeightCounts(c *Census, counts map[string]int) (*Weighting, error) {
	n := 0
	byIndex := make([]int, len(c.Districts))
	for d, k := range counts {
		j, ok := c.index[d]
		if !ok {
			return nil, fmt.Errorf("stats: %w %q", ErrUnknownDistrict, d)
		}
		if k < 0 {
			return nil, fmt.Errorf("stats: %w: count %d for %s", ErrInvalidValue, k, d)
		}
		byIndex[j] = k
		n += k
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	w := &Weighting{}
	for j, d := range c.Districts {
		if byIndex[j] == 0 {
			w.Uncovered = append(w.Uncovered, d.Adcode)
			continue
		}
		w.Population += d.Population
	}
	for j, d := range c.Districts {
		if byIndex[j] == 0 {
			continue
		}
		// The same expression as Weight, so both give bit-identical weights.
		sw := float64(d.Population) * float64(n) / (float64(w.Population) * float64(byIndex[j]))
		w.Strata = append(w.Strata, Stratum{Adcode: d.Adcode, Population: d.Population, Respondents: byIndex[j], Weight: sw})
	}
	return w, nil
}

// estimateGroups computes a Breakdown over counted answers; noun names an
// item in errors ("answer" for the per-answer API, "group").
func estimateGroups(groups []Group, noun string, value func(float64) (float64, bool), kind figureKind, wide float64) (Breakdown, error) {
	xs := make([]float64, len(groups))
	var all sums
	byDistrict := make(map[string]*sums)
	var order []string
	for i, g := range groups {
		if g.District == "" {
			return Breakdown{}, fmt.Errorf("stats: %s %d: %w: empty", noun, i, ErrUnknownDistrict)
		}
		if !(g.Weight > 0) || math.IsInf(g.Weight, 1) {
			return Breakdown{}, fmt.Errorf("stats: %s %d: %w %v", noun, i, ErrInvalidWeight, g.Weight)
		}
		if g.Count <= 0 {
			return Breakdown{}, fmt.Errorf("stats: %s %d: %w: count %d", noun, i, ErrInvalidValue, g.Count)
		}
		x, ok := value(g.Value)
		if !ok {
			return Breakdown{}, fmt.Errorf("stats: %s %d: %w %v", noun, i, ErrInvalidValue, g.Value)
		}
		xs[i] = x
		s := byDistrict[g.District]
		if s == nil {
			s = &sums{}
			byDistrict[g.District] = s
			order = append(order, g.District)
		}
		k := float64(g.Count)
		for _, t := range [2]*sums{&all, s} {
			t.n += g.Count
			t.w.add(k * g.Weight)
			t.w2.add(k * g.Weight * g.Weight)
			t.wx.add(k * g.Weight * x)
			t.x.add(k * x)
		}
	}
	if all.n == 0 {
		return Breakdown{}, ErrEmpty
	}
	if kind == scoreMean {
		all.meanW, all.meanPlain = all.wx.sum()/all.w.sum(), all.x.sum()/float64(all.n)
		for _, s := range byDistrict {
			s.meanW, s.meanPlain = s.wx.sum()/s.w.sum(), s.x.sum()/float64(s.n)
		}
		for i, g := range groups {
			k := float64(g.Count)
			for _, t := range [2]*sums{&all, byDistrict[g.District]} {
				d, dp := xs[i]-t.meanW, xs[i]-t.meanPlain
				t.wdev2.add(k * g.Weight * d * d)
				t.dev2.add(k * dp * dp)
			}
		}
	}
	slices.SortFunc(order, compareAdcode)
	b := Breakdown{Overall: all.estimate(kind, wide), Districts: make([]DistrictEstimate, len(order))}
	for i, d := range order {
		b.Districts[i] = DistrictEstimate{Adcode: d, Estimate: byDistrict[d].estimate(kind, wide)}
	}
	return b, nil
}

package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomSample draws n respondents over the first k districts of c, skewed
// so that some districts are thin, with Likert answers 1–5.
func randomSample(c *Census, rng *rand.Rand, n, k int) ([]Respondent, []float64) {
	rs := make([]Respondent, n)
	vals := make([]float64, n)
	for i := range rs {
		rs[i] = Respondent{District: c.Districts[min(rng.IntN(k), rng.IntN(k))].Adcode}
		vals[i] = float64(1 + rng.IntN(5))
	}
	return rs, vals
}

func answersOf(rs []Respondent, w []float64, vals []float64) []Answer {
	out := make([]Answer, len(rs))
	for i, r := range rs {
		out[i] = Answer{District: r.District, Weight: w[i], Value: vals[i]}
	}
	return out
}

// TestPropertyWeightsRenormalise: whatever districts are covered, the
// weights sum to n, the covered population shares are reproduced exactly,
// and uncovered districts are reported.
func TestPropertyWeightsRenormalise(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(500)
		rs, _ := randomSample(c, rng, n, 1+rng.IntN(len(c.Districts)))
		w, err := Weight(c, rs, WeightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		byDistrict := map[string]float64{}
		for i, x := range w.Weights {
			sum += x
			byDistrict[rs[i].District] += x
		}
		if math.Abs(sum-float64(n)) > 1e-9*float64(n) {
			t.Fatalf("trial %d: weights sum to %v, want %d", trial, sum, n)
		}
		for _, s := range w.Strata {
			want := float64(s.Population) / float64(w.Population)
			if got := byDistrict[s.Adcode] / sum; math.Abs(got-want) > 1e-12 {
				t.Fatalf("trial %d: %s share %v, want %v", trial, s.Adcode, got, want)
			}
		}
		if len(w.Strata)+len(w.Uncovered) != len(c.Districts) {
			t.Fatalf("trial %d: %d strata + %d uncovered", trial, len(w.Strata), len(w.Uncovered))
		}
		// WeightCounts, from counts alone, agrees bit for bit.
		counts := map[string]int{}
		for _, r := range rs {
			counts[r.District]++
		}
		wc, err := WeightCounts(c, counts)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range w.Strata {
			if wc.Strata[i] != s {
				t.Fatalf("trial %d: WeightCounts stratum %+v, Weight %+v", trial, wc.Strata[i], s)
			}
		}
	}
}

// TestPropertyEstimatesInRangeAndInsideInterval: shares lie in [0, 1],
// scores in [20, 100], every interval contains its estimate, and n_eff is
// within [1, n].
func TestPropertyEstimatesInRangeAndInsideInterval(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(trial int, name string, e Estimate, lo, hi float64) {
		for _, f := range []Figure{e.Weighted, e.Unweighted} {
			if f.Value < lo || f.Value > hi || f.CI.Low < lo || f.CI.High > hi {
				t.Fatalf("trial %d %s: %+v outside [%v, %v]", trial, name, f, lo, hi)
			}
			if !(f.CI.Low <= f.Value && f.Value <= f.CI.High) {
				t.Fatalf("trial %d %s: interval %+v does not contain %v", trial, name, f.CI, f.Value)
			}
			if f.NEff < 1-1e-9 || f.NEff > float64(f.N)+1e-9 {
				t.Fatalf("trial %d %s: n_eff %v, n %d", trial, name, f.NEff, f.N)
			}
		}
	}
	for trial := range 300 {
		n := 1 + rng.IntN(400)
		rs, vals := randomSample(c, rng, n, 1+rng.IntN(len(c.Districts)))
		if rng.IntN(4) == 0 { // degenerate answers: all equal
			for i := range vals {
				vals[i] = vals[0]
			}
		}
		w, err := Weight(c, rs, WeightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Satisfaction(answersOf(rs, w.Weights, vals))
		if err != nil {
			t.Fatal(err)
		}
		check(trial, "rate", res.Rate.Overall, 0, 1)
		check(trial, "score", res.Score.Overall, 20, 100)
		for _, d := range res.Rate.Districts {
			check(trial, "rate "+d.Adcode, d.Estimate, 0, 1)
		}
		for _, d := range res.Score.Districts {
			check(trial, "score "+d.Adcode, d.Estimate, 20, 100)
		}
		shares := make([]float64, n)
		for i := range shares {
			shares[i] = float64(rng.IntN(4)) / 3
		}
		p, err := Proportion(answersOf(rs, w.Weights, shares))
		if err != nil {
			t.Fatal(err)
		}
		check(trial, "proportion", p.Overall, 0, 1)
	}
}

// TestPropertyProportionalSampleIsSelfWeighting: when every district's
// share of the sample equals its share of the population, all weights are
// 1 and the weighted figures equal the unweighted ones.
func TestPropertyProportionalSampleIsSelfWeighting(t *testing.T) {
	t.Parallel()
	c := testCensus(t) // populations 600, 400, 1000: samples of 3k, 2k, 5k are proportional
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 100 {
		k := 1 + rng.IntN(20)
		var rs []Respondent
		for _, d := range []struct {
			adcode string
			n      int
		}{{"100001", 3 * k}, {"100002", 2 * k}, {"100003", 5 * k}} {
			for range d.n {
				rs = append(rs, Respondent{District: d.adcode})
			}
		}
		vals := make([]float64, len(rs))
		for i := range vals {
			vals[i] = float64(1 + rng.IntN(5))
		}
		w, err := Weight(c, rs, WeightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range w.Weights {
			if math.Abs(x-1) > 1e-15 {
				t.Fatalf("trial %d: weight %v in a proportional sample", trial, x)
			}
		}
		res, err := Satisfaction(answersOf(rs, w.Weights, vals))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []Estimate{res.Rate.Overall, res.Score.Overall} {
			if !near(e.Weighted.Value, e.Unweighted.Value, 1e-12) || !near(e.Weighted.CI.Low, e.Unweighted.CI.Low, 1e-12) ||
				!near(e.Weighted.CI.High, e.Unweighted.CI.High, 1e-12) || !near(e.Weighted.NEff, float64(len(rs)), 1e-12) {
				t.Fatalf("trial %d: weighted %+v, unweighted %+v", trial, e.Weighted, e.Unweighted)
			}
		}
	}
}

// TestPropertyGroupsEqualExpanded: grouped answers (the tallies' form) give
// the figures of the same answers listed one by one.
func TestPropertyGroupsEqualExpanded(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 100 {
		n := 1 + rng.IntN(2000)
		rs, vals := randomSample(c, rng, n, 1+rng.IntN(len(c.Districts)))
		w, err := Weight(c, rs, WeightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		answers := answersOf(rs, w.Weights, vals)
		type key struct {
			d string
			v float64
		}
		counts := map[key]int{}
		weight := map[string]float64{}
		var order []key
		for _, a := range answers {
			k := key{a.District, a.Value}
			if counts[k] == 0 {
				order = append(order, k)
			}
			counts[k]++
			weight[a.District] = a.Weight
		}
		groups := make([]Group, len(order))
		for i, k := range order {
			groups[i] = Group{District: k.d, Weight: weight[k.d], Value: k.v, Count: counts[k]}
		}
		want, err := Satisfaction(answers)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SatisfactionGroups(groups)
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]Breakdown{{want.Rate, got.Rate}, {want.Score, got.Score}} {
			w, g := pair[0], pair[1]
			for _, f := range [][2]Figure{{w.Overall.Weighted, g.Overall.Weighted}, {w.Overall.Unweighted, g.Overall.Unweighted}} {
				if f[0].N != f[1].N || !near(f[0].Value, f[1].Value, 1e-12) || !near(f[0].NEff, f[1].NEff, 1e-12) ||
					!near(f[0].CI.Low, f[1].CI.Low, 1e-12) || !near(f[0].CI.High, f[1].CI.High, 1e-12) {
					t.Fatalf("trial %d: expanded %+v, grouped %+v", trial, f[0], f[1])
				}
			}
			if len(w.Districts) != len(g.Districts) {
				t.Fatalf("trial %d: %d vs %d districts", trial, len(w.Districts), len(g.Districts))
			}
		}
	}
}

func TestGroupErrors(t *testing.T) {
	t.Parallel()
	tests := map[string][]Group{
		"empty":        nil,
		"no district":  {{Weight: 1, Value: 1, Count: 1}},
		"zero weight":  {{District: "1", Weight: 0, Value: 1, Count: 1}},
		"zero count":   {{District: "1", Weight: 1, Value: 1, Count: 0}},
		"likert value": {{District: "1", Weight: 1, Value: 6, Count: 1}},
	}
	for name, groups := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := SatisfactionGroups(groups); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := ProportionGroups([]Group{{District: "1", Weight: 1, Value: 1.5, Count: 1}}); err == nil {
		t.Fatal("share above 1 accepted")
	}
	c := testCensus(t)
	if _, err := WeightCounts(c, map[string]int{"999": 1}); err == nil {
		t.Fatal("unknown district accepted")
	}
	if _, err := WeightCounts(c, map[string]int{"100001": 0}); err == nil {
		t.Fatal("no respondents accepted")
	}
}

package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func sum(xs []float64) float64 {
	var k kahan
	for _, x := range xs {
		k.add(x)
	}
	return k.sum()
}

func TestWeightPostStratification(t *testing.T) {
	t.Parallel()
	c := testCensus(t)
	resp := func(ds ...string) []Respondent {
		rs := make([]Respondent, len(ds))
		for i, d := range ds {
			rs[i] = Respondent{District: d}
		}
		return rs
	}
	tests := map[string]struct {
		rs        []Respondent
		weights   []float64
		uncovered []string
		pop       int
	}{
		// N = 2000, n = 4: w_A = (600/2000)/(1/4) = 1.2, w_B = (400/2000)/(1/4)
		// = 0.8, w_C = (1000/2000)/(2/4) = 1.
		"all covered": {rs: resp("100001", "100002", "100003", "100003"), weights: []float64{1.2, 0.8, 1, 1}, pop: 2000},
		// C uncovered: N = 1000, n = 10 → 3 and 0.5 (the hand sample).
		"C uncovered": {rs: resp("100001", "100002", "100002", "100002", "100002", "100002", "100002", "100002", "100002", "100001"),
			weights: []float64{3, .5, .5, .5, .5, .5, .5, .5, .5, 3}, uncovered: []string{"100003"}, pop: 1000},
		// All weight in one district: it stands for itself, weights are 1.
		"one district":   {rs: resp("100002", "100002", "100002"), weights: []float64{1, 1, 1}, uncovered: []string{"100001", "100003"}, pop: 400},
		"one respondent": {rs: resp("100003"), weights: []float64{1}, uncovered: []string{"100001", "100002"}, pop: 1000},
		// (600·3)/(1000·1) = 1.8 and (400·3)/(1000·2) = 0.6.
		"thirds": {rs: resp("100002", "100001", "100002"), weights: []float64{0.6, 1.8, 0.6}, uncovered: []string{"100003"}, pop: 1000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, err := Weight(c, tc.rs, WeightOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(w.Weights, tc.weights) {
				t.Errorf("weights %v, want %v", w.Weights, tc.weights)
			}
			if !slices.Equal(w.Uncovered, tc.uncovered) || w.Population != tc.pop {
				t.Errorf("uncovered %v population %d", w.Uncovered, w.Population)
			}
			if s := sum(w.Weights); !near(s, float64(len(tc.rs)), 1e-15) {
				t.Errorf("Σw = %v, want n = %d", s, len(tc.rs))
			}
			if w.Raking != nil {
				t.Error("raking reported without being asked for")
			}
		})
	}
}

func TestWeightErrors(t *testing.T) {
	t.Parallel()
	c := testCensus(t)
	tests := map[string]struct {
		rs   []Respondent
		opt  WeightOptions
		want error
	}{
		"empty":            {rs: nil, want: ErrEmpty},
		"unknown district": {rs: []Respondent{{District: "100001"}, {District: "150602"}}, want: ErrUnknownDistrict},
		"no district":      {rs: []Respondent{{}}, want: ErrUnknownDistrict},
		"bad sex":          {rs: []Respondent{{District: "100001", Sex: 7}}, want: ErrInvalidValue},
		"bad age":          {rs: []Respondent{{District: "100001", Age: -1}}, want: ErrInvalidValue},
		// The test census has nobody aged 0-14: a child respondent
		// contradicts it, and raking would have to zero its weight.
		"category the census lacks": {rs: []Respondent{{District: "100001", Age: Age0to14}}, opt: WeightOptions{Rake: true}, want: ErrInvalidValue},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, err := Weight(c, tc.rs, tc.opt)
			if !errors.Is(err, tc.want) || w != nil {
				t.Fatalf("Weight = %v, %v; want %v", w, err, tc.want)
			}
		})
	}
}

// margins returns the weighted shares of districts (by census index), sexes
// and age bands among respondents whose category is known.
func margins(c *Census, rs []Respondent, w []float64) (district, sex, age map[string]float64) {
	district, sex, age = map[string]float64{}, map[string]float64{}, map[string]float64{}
	var total, sexKnown, ageKnown float64
	for i, r := range rs {
		total += w[i]
		district[r.District] += w[i]
		if r.Sex != SexUnknown {
			sex[r.Sex.String()] += w[i]
			sexKnown += w[i]
		}
		if r.Age != AgeUnknown {
			age[r.Age.String()] += w[i]
			ageKnown += w[i]
		}
	}
	for k := range district {
		district[k] /= total
	}
	for k := range sex {
		sex[k] /= sexKnown
	}
	for k := range age {
		age[k] /= ageKnown
	}
	return district, sex, age
}

// naiveRake is an independent IPF: per respondent, margins in the order
// age, sex, district, until every share is within tol. All respondents must
// have known sex and age.
func naiveRake(c *Census, rs []Respondent, w []float64, tol float64) []float64 {
	w = slices.Clone(w)
	covered := map[string]bool{}
	for _, r := range rs {
		covered[r.District] = true
	}
	dT, sT, aT := map[string]float64{}, map[string]float64{}, map[string]float64{}
	present := map[string]bool{}
	for _, r := range rs {
		present["s"+r.Sex.String()] = true
		present["a"+r.Age.String()] = true
	}
	var N, sN, aN float64
	for _, d := range c.Districts {
		if !covered[d.Adcode] {
			continue
		}
		N += float64(d.Population)
		dT[d.Adcode] = float64(d.Population)
		for _, s := range []Sex{Male, Female} {
			if present["s"+s.String()] {
				sT[s.String()] += float64(d.BySex(s))
				sN += float64(d.BySex(s))
			}
		}
		for _, a := range []AgeBand{Age0to14, Age15to59, Age60Plus} {
			if present["a"+a.String()] {
				aT[a.String()] += float64(d.ByAge(a))
				aN += float64(d.ByAge(a))
			}
		}
	}
	keyFns := []func(Respondent) string{
		func(r Respondent) string { return r.Age.String() },
		func(r Respondent) string { return r.Sex.String() },
		func(r Respondent) string { return r.District },
	}
	targets := []map[string]float64{aT, sT, dT}
	totals := []float64{aN, sN, N}
	n := float64(len(rs))
	for range 100000 {
		for m, key := range keyFns {
			cur := map[string]float64{}
			for i, r := range rs {
				cur[key(r)] += w[i]
			}
			for i, r := range rs {
				k := key(r)
				w[i] *= targets[m][k] / totals[m] * n / cur[k]
			}
		}
		d, s, a := margins(c, rs, w)
		dev := 0.0
		for k, v := range d {
			dev = max(dev, math.Abs(v-dT[k]/N))
		}
		for k, v := range s {
			dev = max(dev, math.Abs(v-sT[k]/sN))
		}
		for k, v := range a {
			dev = max(dev, math.Abs(v-aT[k]/aN))
		}
		if dev < tol {
			break
		}
	}
	return w
}

func TestRakeMatchesMarginsAndNaiveIPF(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	tests := map[string]struct {
		seed     uint64
		children bool // include 0-14 respondents
		skip     int  // districts left without respondents
		dropped  []string
	}{
		"adults, all districts":   {seed: 1, dropped: []string{"age:0-14"}},
		"with children":           {seed: 2, children: true},
		"two districts uncovered": {seed: 3, skip: 2, dropped: []string{"age:0-14"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(tc.seed, 99))
			rs := make([]Respondent, 3000)
			for i := range rs {
				// Deliberately unrepresentative: too many women and old.
				sex := Female
				if rng.Float64() < 0.35 {
					sex = Male
				}
				age := Age60Plus
				if rng.Float64() < 0.6 {
					age = Age15to59
				}
				if tc.children && rng.Float64() < 0.05 {
					age = Age0to14
				}
				rs[i] = Respondent{District: c.Districts[rng.IntN(len(c.Districts)-tc.skip)].Adcode, Sex: sex, Age: age}
			}
			const tol = 1e-12
			w, err := Weight(c, rs, WeightOptions{Rake: true, Tolerance: tol, MaxIterations: 10000})
			if err != nil {
				t.Fatal(err)
			}
			r := w.Raking
			if r == nil || !r.Converged || r.MaxDeviation > tol || r.Iterations < 1 {
				t.Fatalf("raking %+v", r)
			}
			if !slices.Equal(r.Dropped, tc.dropped) {
				t.Errorf("dropped %v, want %v", r.Dropped, tc.dropped)
			}
			if s := sum(w.Weights); !near(s, float64(len(rs)), 1e-13) {
				t.Errorf("Σw = %v", s)
			}
			for _, x := range w.Weights {
				if !(x > 0) {
					t.Fatalf("weight %v", x)
				}
			}
			// Margins: district N_d/N; sex and age over the covered districts,
			// renormalised over the categories present.
			d, s, a := margins(c, rs, w.Weights)
			var N, male, female, kids, mid, old float64
			for _, cd := range c.Districts[:len(c.Districts)-tc.skip] {
				N += float64(cd.Population)
				male += float64(cd.Male)
				female += float64(cd.Female)
				kids += float64(cd.Age0to14)
				mid += float64(cd.Age15to59)
				old += float64(cd.Age60Plus)
			}
			for _, cd := range c.Districts[:len(c.Districts)-tc.skip] {
				if got, want := d[cd.Adcode], float64(cd.Population)/N; math.Abs(got-want) > 1e-11 {
					t.Errorf("district %s share %v, want %v", cd.Adcode, got, want)
				}
			}
			if got, want := s["male"], male/(male+female); math.Abs(got-want) > 1e-11 {
				t.Errorf("male share %v, want %v", got, want)
			}
			if !tc.children {
				kids = 0
			}
			if got, want := a["60+"], old/(kids+mid+old); math.Abs(got-want) > 1e-11 {
				t.Errorf("60+ share %v, want %v", got, want)
			}
			// The IPF limit does not depend on the order of the margins.
			naive := naiveRake(c, rs, initialWeights(t, c, rs), tol)
			for i := range naive {
				if !near(w.Weights[i], naive[i], 1e-9) {
					t.Fatalf("weight %d = %v, naive IPF %v", i, w.Weights[i], naive[i])
				}
			}
		})
	}
}

func initialWeights(t *testing.T, c *Census, rs []Respondent) []float64 {
	t.Helper()
	w, err := Weight(c, rs, WeightOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return w.Weights
}

func TestRakeCases(t *testing.T) {
	t.Parallel()
	c := testCensus(t)
	r := func(d string, s Sex, a AgeBand) Respondent { return Respondent{District: d, Sex: s, Age: a} }
	tests := map[string]struct {
		rs         []Respondent
		opt        WeightOptions
		converged  bool
		iterations int // -1: do not check
		dropped    []string
		check      func(t *testing.T, rs []Respondent, w *Weighting)
	}{
		// Every cell of A and B in census proportion: the district weights
		// (1.2 and 0.8) already match sex (½) and age (½ among adults).
		"already matching": {
			rs: []Respondent{
				r("100001", Male, Age15to59), r("100001", Male, Age60Plus), r("100001", Female, Age15to59), r("100001", Female, Age60Plus),
				r("100002", Male, Age15to59), r("100002", Male, Age60Plus), r("100002", Female, Age15to59), r("100002", Female, Age60Plus),
			},
			opt: WeightOptions{Rake: true}, converged: true, iterations: 0, dropped: []string{"age:0-14"},
			check: func(t *testing.T, _ []Respondent, w *Weighting) {
				if !slices.Equal(w.Weights, []float64{1.2, 1.2, 1.2, 1.2, 0.8, 0.8, 0.8, 0.8}) {
					t.Errorf("weights %v", w.Weights)
				}
			},
		},
		// A has only men and C only women, but C's census is 70% men and the
		// district margin pins A at 600/1600: men can be at most 37.5%
		// while the target is (300+700)/1600 = 62.5%. No weights satisfy
		// both, so raking must stop at MaxIterations and say so.
		"infeasible": {
			rs: []Respondent{
				r("100001", Male, Age15to59), r("100001", Male, Age60Plus),
				r("100003", Female, Age15to59), r("100003", Female, Age60Plus),
			},
			opt: WeightOptions{Rake: true, MaxIterations: 50}, converged: false, iterations: 50, dropped: []string{"age:0-14"},
		},
		"max iterations 1": {
			rs: []Respondent{
				r("100001", Male, Age15to59), r("100001", Female, Age60Plus), r("100001", Female, Age60Plus),
				r("100003", Female, Age15to59), r("100003", Male, Age60Plus), r("100003", Male, Age60Plus), r("100003", Male, Age15to59),
			},
			opt: WeightOptions{Rake: true, MaxIterations: 1, Tolerance: 1e-15}, converged: false, iterations: 1, dropped: []string{"age:0-14"},
		},
		// Nobody is female: the sex margin has one category left, and its
		// renormalised target (100%) holds trivially.
		"no women": {
			rs:  []Respondent{r("100001", Male, Age15to59), r("100001", Male, Age60Plus), r("100002", Male, Age60Plus), r("100002", Male, Age15to59), r("100002", Male, Age15to59)},
			opt: WeightOptions{Rake: true}, converged: true, iterations: -1, dropped: []string{"sex:female", "age:0-14"},
		},
		// Unknown sex keeps its weight in the sex step; the known ones
		// reach the target among themselves.
		"unknown sex and age": {
			rs: []Respondent{
				r("100001", Male, Age15to59), r("100001", Female, Age60Plus), r("100001", Female, Age60Plus), r("100001", SexUnknown, AgeUnknown),
				r("100002", Female, Age15to59), r("100002", Male, AgeUnknown), r("100002", SexUnknown, Age15to59),
				r("100003", Male, Age60Plus), r("100003", Female, Age15to59), r("100003", SexUnknown, Age60Plus),
			},
			opt: WeightOptions{Rake: true, Tolerance: 1e-12, MaxIterations: 1000}, converged: true, iterations: -1, dropped: []string{"age:0-14"},
			check: func(t *testing.T, rs []Respondent, w *Weighting) {
				d, s, a := margins(testCensus(t), rs, w.Weights)
				// Over A+B+C: N = 2000, men 1200/2000, adults 15-59 1000/2000.
				if math.Abs(d["100003"]-0.5) > 1e-11 || math.Abs(s["male"]-0.6) > 1e-11 || math.Abs(a["15-59"]-0.5) > 1e-11 {
					t.Errorf("margins %v %v %v", d, s, a)
				}
			},
		},
		"everybody unknown": {
			rs:  []Respondent{r("100001", SexUnknown, AgeUnknown), r("100002", SexUnknown, AgeUnknown)},
			opt: WeightOptions{Rake: true}, converged: true, iterations: 0,
			dropped: []string{"sex:male", "sex:female", "age:0-14", "age:15-59", "age:60+"},
			check: func(t *testing.T, _ []Respondent, w *Weighting) {
				if !slices.Equal(w.Weights, []float64{1.2, 0.8}) {
					t.Errorf("weights %v", w.Weights)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w, err := Weight(c, tc.rs, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			rk := w.Raking
			if rk.Converged != tc.converged || (tc.iterations >= 0 && rk.Iterations != tc.iterations) {
				t.Errorf("raking %+v, want converged %v after %d", rk, tc.converged, tc.iterations)
			}
			if rk.Converged != (rk.MaxDeviation <= DefaultTolerance || (tc.opt.Tolerance > 0 && rk.MaxDeviation <= tc.opt.Tolerance)) {
				t.Errorf("Converged %v disagrees with MaxDeviation %v", rk.Converged, rk.MaxDeviation)
			}
			if !slices.Equal(rk.Dropped, tc.dropped) {
				t.Errorf("dropped %v, want %v", rk.Dropped, tc.dropped)
			}
			if s := sum(w.Weights); !near(s, float64(len(tc.rs)), 1e-14) {
				t.Errorf("Σw = %v", s)
			}
			for _, x := range w.Weights {
				if !(x > 0) || math.IsInf(x, 0) {
					t.Fatalf("weight %v", x)
				}
			}
			if tc.check != nil {
				tc.check(t, tc.rs, w)
			}
		})
	}
}

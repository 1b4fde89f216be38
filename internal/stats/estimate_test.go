package stats

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// near reports whether got is within tol of want, relative to max(1, |want|).
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

func checkFigure(t *testing.T, label string, got, want Figure) {
	t.Helper()
	if got.N != want.N ||
		!near(got.Value, want.Value, 1e-14) || !near(got.NEff, want.NEff, 1e-14) ||
		!near(got.CI.Low, want.CI.Low, 1e-14) || !near(got.CI.High, want.CI.High, 1e-14) ||
		!near(got.Margin, want.Margin, 1e-14) {
		t.Errorf("%s = %+v\n%s want %+v", label, got, label, want)
	}
}

func fig(value, lo, hi float64, n int, neff float64) Figure {
	return Figure{Value: value, CI: Interval{lo, hi}, Margin: (hi - lo) / 2, N: n, NEff: neff}
}

// handSample is the sample worked by hand below: on the test census, A
// (N=600) has 2 respondents answering 5 and 4, B (N=400) has 8 answering
// 5,4,3,3,2,2,1,1, and C has none, so N = 600+400 = 1000, n = 10.
func handSample(t *testing.T) ([]Answer, *Weighting) {
	t.Helper()
	rs := []Respondent{{District: "100001"}, {District: "100001"}}
	for range 8 {
		rs = append(rs, Respondent{District: "100002"})
	}
	w, err := Weight(testCensus(t), rs, WeightOptions{})
	if err != nil {
		t.Fatal(err)
	}
	values := []float64{5, 4, 5, 4, 3, 3, 2, 2, 1, 1}
	answers := make([]Answer, len(rs))
	for i, r := range rs {
		answers[i] = Answer{District: r.District, Weight: w.Weights[i], Value: values[i]}
	}
	return answers, w
}

func TestSatisfactionByHand(t *testing.T) {
	t.Parallel()
	answers, w := handSample(t)

	// w_A = (600/1000)/(2/10) = 3, w_B = (400/1000)/(8/10) = 0.5.
	// Σw = 2·3 + 8·0.5 = 10 = n; Σw² = 2·9 + 8·0.25 = 20; n_eff = 100/20 = 5.
	wantStrata := []Stratum{
		{Adcode: "100001", Population: 600, Respondents: 2, Weight: 3},
		{Adcode: "100002", Population: 400, Respondents: 8, Weight: 0.5},
	}
	if !slices.Equal(w.Strata, wantStrata) || !slices.Equal(w.Uncovered, []string{"100003"}) || w.Population != 1000 {
		t.Fatalf("weighting = %+v", w)
	}

	got, err := Satisfaction(answers)
	if err != nil {
		t.Fatal(err)
	}
	// 满意率: weighted p = (3+3+0.5+0.5)/10 = 0.7, Wilson(0.7, 5):
	// z² = 3.841459, d = 1 + z²/5 = 1.768292, centre = (0.7 + z²/10)/d =
	// 0.613104, half = z/d·√(0.21/5 + z²/100) = 0.314312 → [0.298791, 0.927416].
	// Unweighted p = 4/10, Wilson(0.4, 10) = [0.168180, 0.687326].
	checkFigure(t, "rate weighted", got.Rate.Overall.Weighted, fig(0.7, 0.2987910517879228, 0.9274159607483199, 10, 5))
	checkFigure(t, "rate unweighted", got.Rate.Overall.Unweighted, fig(0.4, 0.16818032852640696, 0.6873262320788046, 10, 10))
	// 满意度得分: x = 100,80 | 100,80,60,60,40,40,20,20.
	// Weighted x̄ = (3·180 + 0.5·420)/10 = 75. Σw(x−75)² = 3·(625+25) +
	// 0.5·(625+25+225+225+1225+1225+3025+3025) = 1950 + 4800 = 6750;
	// population variance 675; s² = 675·5/4; SE = √(675/4) = 12.990381;
	// 75 ± 1.959964·12.990381 = 75 ± 25.460679 → [49.539321, 100 (clipped)].
	checkFigure(t, "score weighted", got.Score.Overall.Weighted, fig(75, 49.53932078245555, 100, 10, 5))
	// Unweighted x̄ = 600/10 = 60; Σ(x−60)² = 8000; s² = 8000/9;
	// SE = √(8000/90) = 9.428090; 60 ± 18.478719 → [41.521282, 78.478718].
	checkFigure(t, "score unweighted", got.Score.Overall.Unweighted, fig(60, 41.52128219624653, 78.47871780375347, 10, 10))
	// n = 10 < 30 and the margins are wide.
	if !slices.Equal(got.Rate.Overall.Flags, []string{FlagSmallSample, FlagWideMargin}) {
		t.Errorf("overall flags %v", got.Rate.Overall.Flags)
	}

	// Districts: equal weights within each, so weighted = unweighted.
	if len(got.Rate.Districts) != 2 || got.Rate.Districts[0].Adcode != "100001" || got.Rate.Districts[1].Adcode != "100002" {
		t.Fatalf("districts %+v", got.Rate.Districts)
	}
	// A: p = 2/2 = 1, Wilson(1, 2) = [2/(2+z²), 1] = [0.342380, 1].
	a := got.Rate.Districts[0]
	checkFigure(t, "A rate weighted", a.Weighted, fig(1, 0.34238022395464934, 1, 2, 2))
	checkFigure(t, "A rate unweighted", a.Unweighted, fig(1, 0.34238022395464934, 1, 2, 2))
	// A score: x̄ = 90, Σ(x−90)² = 200, s² = 200, SE = √(200/2) = 10,
	// 90 ± 19.59964 → [70.40036, 100 (clipped)].
	checkFigure(t, "A score", got.Score.Districts[0].Weighted, fig(90, 70.40036, 100, 2, 2))
	// B: p = 2/8, Wilson(0.25, 8) = [0.071479, 0.590725]; score x̄ = 52.5,
	// Σ(x−52.5)² = 5550, SE = √(5550/56) = 9.955, → [32.988055, 72.011945].
	checkFigure(t, "B rate", got.Rate.Districts[1].Weighted, fig(0.25, 0.0714792120979556, 0.5907245720727482, 8, 8))
	checkFigure(t, "B score", got.Score.Districts[1].Unweighted, fig(52.5, 32.98805457858077, 72.01194542141923, 8, 8))
	for _, d := range got.Rate.Districts {
		if !slices.Contains(d.Flags, FlagSmallSample) {
			t.Errorf("district %s not flagged small", d.Adcode)
		}
	}
}

func TestEffectiveSize(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		w    []float64
		want float64
	}{
		"empty":            {w: nil, want: 0},
		"one":              {w: []float64{7}, want: 1},
		"equal":            {w: []float64{2, 2, 2, 2}, want: 4},
		"hand sample":      {w: []float64{3, 3, .5, .5, .5, .5, .5, .5, .5, .5}, want: 5},
		"one dominant":     {w: []float64{1000, 1e-3, 1e-3}, want: (1000.002 * 1000.002) / (1e6 + 2e-6)},
		"scale invariance": {w: []float64{6, 6, 1, 1, 1, 1, 1, 1, 1, 1}, want: 5},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := EffectiveSize(tc.w); !near(got, tc.want, 1e-15) {
				t.Fatalf("EffectiveSize = %v, want %v", got, tc.want)
			}
		})
	}
}

// wilsonQuadratic solves (p̂ − p)² = z²p(1−p)/n for p: the Wilson interval by
// its definition, with the quadratic formula, independent of Wilson's
// centre-and-half-width form.
func wilsonQuadratic(ph, n float64) (float64, float64) {
	z2 := Z * Z
	a := 1 + z2/n
	b := -(2*ph + z2/n)
	c := ph * ph
	disc := math.Sqrt(b*b - 4*a*c)
	return (-b - disc) / (2 * a), (-b + disc) / (2 * a)
}

func TestWilson(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		p, n   float64
		lo, hi float64
	}{
		"hand sample":          {p: 0.7, n: 5, lo: 0.2987910517879228, hi: 0.9274159607483199},
		"p=0 closes at 0":      {p: 0, n: 10, lo: 0, hi: 0.2775328030260577},
		"p=1 closes at 1":      {p: 1, n: 1, lo: 0.2065493117918027, hi: 1}, // 1/(1+z²)
		"p=0.5 n=385":          {p: 0.5, n: 385, lo: 0.5 - 0.04969718810986474, hi: 0.5 + 0.04969718810986474},
		"fractional n_eff":     {p: 0.5, n: 2.5, lo: 0.1108441992773741, hi: 0.8891558007226259},
		"n zero":               {p: 0.5, n: 0, lo: 0, hi: 1},
		"n NaN":                {p: 0.5, n: math.NaN(), lo: 0, hi: 1},
		"p NaN":                {p: math.NaN(), n: 10, lo: 0, hi: 1},
		"n infinite":           {p: 0.3, n: math.Inf(1), lo: 0.3, hi: 0.3},
		"p above 1 is clamped": {p: 1 + 1e-16, n: 1, lo: 0.2065493117918027, hi: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Wilson(tc.p, tc.n)
			const tol = 1e-14
			if !near(got.Low, tc.lo, tol) || !near(got.High, tc.hi, tol) {
				t.Fatalf("Wilson(%v, %v) = %+v, want [%v, %v]", tc.p, tc.n, got, tc.lo, tc.hi)
			}
			if tc.p == 0 && got.Low != 0 || tc.p >= 1 && got.High != 1 {
				t.Fatalf("closed end not exact: %+v", got)
			}
		})
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 10000 {
		p, n := rng.Float64(), 1+rng.Float64()*1000
		got := Wilson(p, n)
		lo, hi := wilsonQuadratic(p, n)
		if !near(got.Low, lo, 1e-12) || !near(got.High, hi, 1e-12) {
			t.Fatalf("Wilson(%v, %v) = %+v, quadratic [%v, %v]", p, n, got, lo, hi)
		}
		if got.Low > p || got.High < p {
			t.Fatalf("Wilson(%v, %v) = %+v excludes p", p, n, got)
		}
	}
}

func TestEstimateEdgeCases(t *testing.T) {
	t.Parallel()
	one := func(v float64, n int, district string, w float64) []Answer {
		a := make([]Answer, n)
		for i := range a {
			a[i] = Answer{District: district, Weight: w, Value: v}
		}
		return a
	}
	tests := map[string]struct {
		answers          []Answer
		rate, score      Figure // weighted, overall
		rateFlags        []string
		scoreFlags       []string
		districtsCovered int
	}{
		// Wilson(0, 50) = [0, z²/(50+z²)] = [0, 3.841459/53.841459] = [0, 0.071348]; scores all 20.
		"p=0": {answers: one(1, 50, "150602", 1.7),
			rate:  fig(0, 0, 0.07134760017861413, 50, 50),
			score: fig(20, 20, 20, 50, 50), districtsCovered: 1, rateFlags: nil, scoreFlags: nil},
		"p=1": {answers: one(5, 50, "150602", 0.3),
			rate:  fig(1, 1-0.07134760017861413, 1, 50, 50),
			score: fig(100, 100, 100, 50, 50), districtsCovered: 1},
		// A single answer: n_eff = 1, the score interval is the whole scale.
		"n_eff one": {answers: one(4, 1, "150602", 2),
			rate:       fig(1, 0.2065493117918027, 1, 1, 1),
			score:      fig(80, 20, 100, 1, 1),
			rateFlags:  []string{FlagSmallSample, FlagWideMargin},
			scoreFlags: []string{FlagSmallSample, FlagWideMargin}, districtsCovered: 1},
		// One weight dwarfs the others: n_eff ≈ 1 although n = 40, so the
		// weighted figure follows the big answer and is flagged wide while
		// the unweighted one is not.
		"n_eff small": {answers: append(one(1, 39, "150603", 0.001), Answer{District: "150602", Weight: 1000, Value: 5}),
			rate: Figure{Value: 1000 / 1000.039, N: 40, NEff: 1000.039 * 1000.039 / (1e6 + 39e-6)},
			score: Figure{Value: (1000*100 + 0.039*20) / 1000.039, N: 40,
				NEff: 1000.039 * 1000.039 / (1e6 + 39e-6)},
			rateFlags: []string{FlagWideMargin}, scoreFlags: []string{FlagWideMargin}, districtsCovered: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Satisfaction(tc.answers)
			if err != nil {
				t.Fatal(err)
			}
			r, s := got.Rate.Overall.Weighted, got.Score.Overall.Weighted
			if tc.rate.CI != (Interval{}) {
				checkFigure(t, "rate", r, tc.rate)
				checkFigure(t, "score", s, tc.score)
			} else if !near(r.Value, tc.rate.Value, 1e-14) || !near(r.NEff, tc.rate.NEff, 1e-12) || !near(s.Value, tc.score.Value, 1e-14) {
				t.Errorf("rate %+v score %+v, want value %v / %v, n_eff %v", r, s, tc.rate.Value, tc.score.Value, tc.rate.NEff)
			}
			if !slices.Equal(got.Rate.Overall.Flags, tc.rateFlags) || !slices.Equal(got.Score.Overall.Flags, tc.scoreFlags) {
				t.Errorf("flags %v / %v, want %v / %v", got.Rate.Overall.Flags, got.Score.Overall.Flags, tc.rateFlags, tc.scoreFlags)
			}
			if len(got.Rate.Districts) != tc.districtsCovered {
				t.Errorf("%d districts", len(got.Rate.Districts))
			}
			for _, f := range []Figure{r, s, got.Rate.Overall.Unweighted, got.Score.Overall.Unweighted} {
				if math.IsNaN(f.Value) || math.IsNaN(f.CI.Low) || math.IsNaN(f.CI.High) || f.CI.Low > f.Value || f.CI.High < f.Value {
					t.Errorf("bad figure %+v", f)
				}
			}
		})
	}
}

func TestEstimateErrors(t *testing.T) {
	t.Parallel()
	ok := Answer{District: "150602", Weight: 1, Value: 1}
	tests := map[string]struct {
		answers []Answer
		sat     error // from Satisfaction
		prop    error // from Proportion
	}{
		"empty":           {answers: nil, sat: ErrEmpty, prop: ErrEmpty},
		"zero weight":     {answers: []Answer{ok, {District: "150602", Weight: 0, Value: 1}}, sat: ErrInvalidWeight, prop: ErrInvalidWeight},
		"negative weight": {answers: []Answer{{District: "150602", Weight: -1, Value: 1}}, sat: ErrInvalidWeight, prop: ErrInvalidWeight},
		"NaN weight":      {answers: []Answer{{District: "150602", Weight: math.NaN(), Value: 1}}, sat: ErrInvalidWeight, prop: ErrInvalidWeight},
		"Inf weight":      {answers: []Answer{{District: "150602", Weight: math.Inf(1), Value: 1}}, sat: ErrInvalidWeight, prop: ErrInvalidWeight},
		"no district":     {answers: []Answer{{Weight: 1, Value: 1}}, sat: ErrUnknownDistrict, prop: ErrUnknownDistrict},
		"likert 0":        {answers: []Answer{{District: "150602", Weight: 1, Value: 0}}, sat: ErrInvalidValue},
		"likert 6":        {answers: []Answer{{District: "150602", Weight: 1, Value: 6}}, sat: ErrInvalidValue, prop: ErrInvalidValue},
		"likert 3.5":      {answers: []Answer{{District: "150602", Weight: 1, Value: 3.5}}, sat: ErrInvalidValue, prop: ErrInvalidValue},
		"value NaN":       {answers: []Answer{{District: "150602", Weight: 1, Value: math.NaN()}}, sat: ErrInvalidValue, prop: ErrInvalidValue},
		"share 0.5":       {answers: []Answer{{District: "150602", Weight: 1, Value: 0.5}}, sat: ErrInvalidValue},
		"share negative":  {answers: []Answer{{District: "150602", Weight: 1, Value: -0.1}}, sat: ErrInvalidValue, prop: ErrInvalidValue},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Satisfaction(tc.answers); !errors.Is(err, tc.sat) || (tc.sat == nil) != (err == nil) {
				t.Errorf("Satisfaction error %v, want %v", err, tc.sat)
			}
			if _, err := Proportion(tc.answers); !errors.Is(err, tc.prop) || (tc.prop == nil) != (err == nil) {
				t.Errorf("Proportion error %v, want %v", err, tc.prop)
			}
		})
	}
}

func TestFlagThresholds(t *testing.T) {
	t.Parallel()
	half := func(n int) []Answer {
		a := make([]Answer, n)
		for i := range a {
			a[i] = Answer{District: "150602", Weight: 1, Value: float64(i % 2)}
		}
		return a
	}
	tests := map[string]struct {
		n    int
		want []string
	}{
		// Wilson half-width at p = 0.5: n = 380 → 0.050020, n = 381 → 0.049955.
		"380 is wide":   {n: 380, want: []string{FlagWideMargin}},
		"381 is enough": {n: 381, want: nil},
		"385":           {n: 385, want: nil},
		"29 is small":   {n: 29, want: []string{FlagSmallSample, FlagWideMargin}},
		"30 is not":     {n: 30, want: []string{FlagWideMargin}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := Proportion(half(tc.n))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.Overall.Flags, tc.want) || !slices.Equal(b.Districts[0].Flags, tc.want) {
				t.Fatalf("flags %v / %v, want %v", b.Overall.Flags, b.Districts[0].Flags, tc.want)
			}
		})
	}
}

// TestBruteForce recomputes post-stratified weights, 满意率, 满意度得分 and
// n_eff in exact rational arithmetic for random samples on the real census
// and compares them with the float results, overall and per district.
func TestBruteForce(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	rng := rand.New(rand.NewPCG(13, 14))
	for trial := range 20 {
		n := 50 + rng.IntN(3000)
		// Skewed district choice, some districts left out on some trials.
		k := 3 + rng.IntN(len(c.Districts)-2)
		rs := make([]Respondent, n)
		vals := make([]int, n)
		for i := range rs {
			rs[i] = Respondent{District: c.Districts[min(rng.IntN(k), rng.IntN(k))].Adcode}
			vals[i] = 1 + rng.IntN(5)
		}
		w, err := Weight(c, rs, WeightOptions{})
		if err != nil {
			t.Fatal(err)
		}
		answers := make([]Answer, n)
		for i := range rs {
			answers[i] = Answer{District: rs[i].District, Weight: w.Weights[i], Value: float64(vals[i])}
		}
		got, err := Satisfaction(answers)
		if err != nil {
			t.Fatal(err)
		}

		// Exact: n_d, N over covered districts, w_d = N_d·n / (N·n_d).
		nd := map[string]int64{}
		for _, r := range rs {
			nd[r.District]++
		}
		var bigN int64
		for _, d := range c.Districts {
			if nd[d.Adcode] > 0 {
				bigN += int64(d.Population)
			}
		}
		exactW := map[string]*big.Rat{}
		for _, d := range c.Districts {
			if nd[d.Adcode] > 0 {
				exactW[d.Adcode] = big.NewRat(int64(d.Population)*int64(n), bigN*nd[d.Adcode])
			}
		}
		check := func(label, district string) {
			var sw, sw2, swy, swx, sx2w big.Rat
			count := 0
			for i, r := range rs {
				if district != "" && r.District != district {
					continue
				}
				count++
				wi := exactW[r.District]
				if f, _ := wi.Float64(); f != w.Weights[i] {
					t.Fatalf("trial %d: weight %v, exact %v", trial, w.Weights[i], f)
				}
				var t1 big.Rat
				sw.Add(&sw, wi)
				sw2.Add(&sw2, t1.Mul(wi, wi))
				if vals[i] >= 4 {
					swy.Add(&swy, wi)
				}
				x := big.NewRat(int64(20*vals[i]), 1)
				swx.Add(&swx, new(big.Rat).Mul(wi, x))
				sx2w.Add(&sx2w, new(big.Rat).Mul(wi, new(big.Rat).Mul(x, x)))
			}
			p, _ := new(big.Rat).Quo(&swy, &sw).Float64()
			neffR := new(big.Rat).Quo(new(big.Rat).Mul(&sw, &sw), &sw2)
			neff, _ := neffR.Float64()
			meanR := new(big.Rat).Quo(&swx, &sw)
			mean, _ := meanR.Float64()
			// Population variance Σwx²/Σw − x̄², exact in rationals.
			popVarR := new(big.Rat).Sub(new(big.Rat).Quo(&sx2w, &sw), new(big.Rat).Mul(meanR, meanR))
			popVar, _ := popVarR.Float64()

			var est SatisfactionResult
			est.Rate.Overall, est.Score.Overall = got.Rate.Overall, got.Score.Overall
			if district != "" {
				for j, d := range got.Rate.Districts {
					if d.Adcode == district {
						est.Rate.Overall, est.Score.Overall = d.Estimate, got.Score.Districts[j].Estimate
					}
				}
			}
			rw, sw_ := est.Rate.Overall.Weighted, est.Score.Overall.Weighted
			if rw.N != count || !near(rw.Value, p, 1e-14) || !near(rw.NEff, neff, 1e-13) {
				t.Fatalf("trial %d %s: rate %+v, exact p %v n_eff %v n %d", trial, label, rw, p, neff, count)
			}
			lo, hi := wilsonQuadratic(p, neff)
			if !near(rw.CI.Low, lo, 1e-12) || !near(rw.CI.High, hi, 1e-12) {
				t.Fatalf("trial %d %s: rate CI %+v, quadratic [%v, %v]", trial, label, rw.CI, lo, hi)
			}
			if !near(sw_.Value, mean, 1e-14) {
				t.Fatalf("trial %d %s: score %v, exact %v", trial, label, sw_.Value, mean)
			}
			if neff > 1 {
				se := math.Sqrt(popVar / (neff - 1))
				wantLo, wantHi := max(20, mean-Z*se), min(100, mean+Z*se)
				if !near(sw_.CI.Low, wantLo, 1e-12) || !near(sw_.CI.High, wantHi, 1e-12) {
					t.Fatalf("trial %d %s: score CI %+v, want [%v, %v]", trial, label, sw_.CI, wantLo, wantHi)
				}
			}
		}
		check("overall", "")
		for d := range nd {
			check(d, d)
		}
		if len(got.Rate.Districts) != len(nd) {
			t.Fatalf("trial %d: %d districts, %d with answers", trial, len(got.Rate.Districts), len(nd))
		}
	}
}

// TestOrderIndependence shuffles the input: compensated sums keep every
// figure within a few ulps, and the district order is by adcode.
func TestOrderIndependence(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	rng := rand.New(rand.NewPCG(15, 16))
	rs := make([]Respondent, 20000)
	vals := make([]float64, len(rs))
	for i := range rs {
		rs[i] = Respondent{District: c.Districts[rng.IntN(len(c.Districts))].Adcode, Sex: Sex(1 + rng.IntN(2)), Age: AgeBand(2 + rng.IntN(2))}
		vals[i] = float64(1 + rng.IntN(5))
	}
	run := func(perm []int) SatisfactionResult {
		prs := make([]Respondent, len(rs))
		for i, j := range perm {
			prs[i] = rs[j]
		}
		w, err := Weight(c, prs, WeightOptions{Rake: true})
		if err != nil {
			t.Fatal(err)
		}
		answers := make([]Answer, len(rs))
		for i, j := range perm {
			answers[i] = Answer{District: rs[j].District, Weight: w.Weights[i], Value: vals[j]}
		}
		got, err := Satisfaction(answers)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := run(rng.Perm(len(rs)))
	b := run(rng.Perm(len(rs)))
	for _, pair := range [][2]Figure{
		{a.Rate.Overall.Weighted, b.Rate.Overall.Weighted},
		{a.Score.Overall.Weighted, b.Score.Overall.Weighted},
		{a.Rate.Districts[4].Weighted, b.Rate.Districts[4].Weighted},
	} {
		if !near(pair[0].Value, pair[1].Value, 1e-13) || !near(pair[0].CI.Low, pair[1].CI.Low, 1e-12) || !near(pair[0].NEff, pair[1].NEff, 1e-12) {
			t.Fatalf("order changed the result: %+v vs %+v", pair[0], pair[1])
		}
	}
	// Same order, same bits.
	perm := rng.Perm(len(rs))
	x, y := run(perm), run(perm)
	if !reflect.DeepEqual(x, y) {
		t.Fatal("same input gave different bits")
	}
}

func TestProportion(t *testing.T) {
	t.Parallel()
	// 普及率 over two awareness items pooled per respondent: shares 1, 0.5, 0.
	answers := []Answer{
		{District: "150602", Weight: 2, Value: 1},
		{District: "150602", Weight: 2, Value: 0.5},
		{District: "150621", Weight: 1, Value: 0},
		{District: "150621", Weight: 1, Value: 1},
	}
	got, err := Proportion(answers)
	if err != nil {
		t.Fatal(err)
	}
	// Weighted p = (2 + 1 + 0 + 1)/6 = 2/3; n_eff = 36/10 = 3.6.
	// Unweighted p = 2.5/4 = 0.625.
	w := got.Overall.Weighted
	lo, hi := wilsonQuadratic(2.0/3, 3.6)
	checkFigure(t, "weighted", w, fig(2.0/3, lo, hi, 4, 3.6))
	if u := got.Overall.Unweighted; u.Value != 0.625 || u.NEff != 4 {
		t.Errorf("unweighted %+v", u)
	}
	if len(got.Districts) != 2 || got.Districts[0].Weighted.Value != 0.75 || got.Districts[1].Weighted.Value != 0.5 {
		t.Errorf("districts %+v", got.Districts)
	}
}

func BenchmarkWeightedEstimate(b *testing.B) {
	c := realCensus(b)
	rng := rand.New(rand.NewPCG(17, 18))
	const n = 100_000
	rs := make([]Respondent, n)
	vals := make([]float64, n)
	for i := range rs {
		rs[i] = Respondent{District: c.Districts[rng.IntN(len(c.Districts))].Adcode, Sex: Sex(1 + rng.IntN(2)), Age: AgeBand(2 + rng.IntN(2))}
		vals[i] = float64(1 + rng.IntN(5))
	}
	answers := make([]Answer, n)
	for _, opt := range []struct {
		name string
		opt  WeightOptions
	}{{"poststratified", WeightOptions{}}, {"raked", WeightOptions{Rake: true}}} {
		b.Run(opt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w, err := Weight(c, rs, opt.opt)
				if err != nil {
					b.Fatal(err)
				}
				for i, r := range rs {
					answers[i] = Answer{District: r.District, Weight: w.Weights[i], Value: vals[i]}
				}
				if _, err := Satisfaction(answers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

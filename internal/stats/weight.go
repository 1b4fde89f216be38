package stats

import (
	"fmt"
	"math"
)

// Respondent is what weighting needs to know about one response: the
// district it speaks for and, for raking, sex and age band.
type Respondent struct {
	District string // adcode; must be in the Census
	Sex      Sex
	Age      AgeBand
}

// WeightOptions chooses the weighting method.
type WeightOptions struct {
	// Rake adds iterative proportional fitting on sex and age band to the
	// district post-stratification.
	Rake bool
	// Tolerance ends raking once no margin category's weighted share is
	// further than this from its target share. Zero means DefaultTolerance.
	Tolerance float64
	// MaxIterations bounds the raking cycles (each adjusts district, sex and
	// age once). Zero means DefaultMaxIterations.
	MaxIterations int
}

// Raking defaults: shares within 1e-6 are far inside any survey's sampling
// error, and real samples get there in a few dozen cycles or never.
const (
	DefaultTolerance     = 1e-6
	DefaultMaxIterations = 100
)

// Stratum is one district of the sample frame.
type Stratum struct {
	Adcode      string  `json:"adcode"`
	Population  int     `json:"population"`  // N_d, 2020 census
	Respondents int     `json:"respondents"` // n_d
	Weight      float64 `json:"weight"`      // w_d = (N_d/N)/(n_d/n)
}

// Weighting is the result of Weight.
type Weighting struct {
	// Weights are aligned with the respondents passed in. They are positive
	// and sum to the number of respondents n (up to rounding), so a weight
	// reads as "counts as this many respondents".
	Weights []float64 `json:"-"`
	// Strata lists the covered districts (with respondents) in adcode order.
	Strata []Stratum `json:"strata"`
	// Uncovered lists, in adcode order, the census districts without a
	// single respondent. They are left out of N, so the weighted figures
	// describe the population of the covered districts only; a report must
	// show these next to the figure.
	Uncovered []string `json:"uncovered"`
	// Population is N, the census population of the covered districts.
	Population int `json:"population"`
	// Raking reports the raking step; nil when it was not asked for.
	Raking *Raking `json:"raking,omitempty"`
}

// Raking reports how iterative proportional fitting went.
type Raking struct {
	Converged  bool `json:"converged"`
	Iterations int  `json:"iterations"` // full cycles run; 0 if the margins already matched
	// MaxDeviation is the largest |weighted share − target share| over all
	// margin categories when raking stopped.
	MaxDeviation float64 `json:"max_deviation"`
	// Dropped lists margin categories no respondent is in, as "sex:female"
	// or "age:0-14". Their census share cannot be reached, so the targets of
	// that margin are renormalised over the categories present: an adult
	// survey is raked to the adult age structure.
	Dropped []string `json:"dropped"`
}

// Weight computes survey weights, DESIGN.md §4.
//
// Post-stratification by district: every respondent of district d gets
// w_d = (N_d/N) / (n_d/n), N_d the district's census population, n_d its
// respondents, n all respondents and N the population of the districts
// that have respondents. A district with no respondents cannot be
// represented by anyone: it is reported in Uncovered and left out of N
// rather than having its share silently spread over the others. Each w_d is
// computed as (N_d·n)/(N·n_d) from exact integer products, so it is the
// correctly rounded value.
//
// With opt.Rake the district weights are the starting point of iterative
// proportional fitting on three margins: district (N_d/N), sex and age band
// (census counts summed over the covered districts, over N). Each cycle
// scales the weights so that each margin in turn matches; a respondent whose
// sex or age is unknown keeps its weight in that margin's step, and the
// known respondents are matched to the target shares among themselves.
// Raking keeps Σw = n. It stops when every share is within the tolerance
// (Converged) or after MaxIterations cycles, returning the last weights
// either way: inconsistent samples (say, only men in one district) cannot
// converge, and the caller decides whether to publish them.
//
// Errors: ErrEmpty for no respondents, ErrUnknownDistrict for a district not
// in the census, ErrInvalidValue for an undeclared Sex or AgeBand, or for a
// respondent in a category the census says is empty.
func Weight(c *Census, rs []Respondent, opt WeightOptions) (*Weighting, error) {
	if len(rs) == 0 {
		return nil, ErrEmpty
	}
	counts := make([]int, len(c.Districts))
	idx := make([]int, len(rs)) // census index of each respondent
	for i, r := range rs {
		j, ok := c.index[r.District]
		if !ok {
			return nil, fmt.Errorf("stats: respondent %d: %w %q", i, ErrUnknownDistrict, r.District)
		}
		if !r.Sex.Valid() || !r.Age.Valid() {
			return nil, fmt.Errorf("stats: respondent %d: %w: sex %d, age %d", i, ErrInvalidValue, r.Sex, r.Age)
		}
		counts[j]++
		idx[i] = j
	}
	w := &Weighting{Weights: make([]float64, len(rs))}
	for j, d := range c.Districts {
		if counts[j] == 0 {
			w.Uncovered = append(w.Uncovered, d.Adcode)
			continue
		}
		w.Population += d.Population
	}
	n := len(rs)
	stratumWeight := make([]float64, len(c.Districts))
	for j, d := range c.Districts {
		if counts[j] == 0 {
			continue
		}
		// Both products are integers below 2^53 for any real census and
		// sample, so only the division rounds.
		sw := float64(d.Population) * float64(n) / (float64(w.Population) * float64(counts[j]))
		stratumWeight[j] = sw
		w.Strata = append(w.Strata, Stratum{Adcode: d.Adcode, Population: d.Population, Respondents: counts[j], Weight: sw})
	}
	for i := range rs {
		w.Weights[i] = stratumWeight[idx[i]]
	}
	if opt.Rake {
		r, err := rake(c, rs, idx, counts, w, opt)
		if err != nil {
			return nil, err
		}
		w.Raking = r
	}
	return w, nil
}

// A cell is one combination of district, sex and age. Every respondent of a
// cell has the same weight at every step (they start equal within a
// district and every factor depends on the cell only), so raking works on
// the ≤ 9·3·4 cells instead of on every respondent.
type cell struct {
	district int // census index
	sex      Sex
	age      AgeBand
	count    int
	total    float64 // current weight of the cell: count × weight of one respondent
}

// margin is one raking dimension: which category a cell falls in (-1 when
// unknown) and the target shares of the categories.
type margin struct {
	name     string
	category func(cell) int
	target   []float64 // census counts; renormalised over present categories
	present  []bool
}

func rake(c *Census, rs []Respondent, idx, counts []int, w *Weighting, opt WeightOptions) (*Raking, error) {
	tol, maxIter := opt.Tolerance, opt.MaxIterations
	if tol <= 0 {
		tol = DefaultTolerance
	}
	if maxIter <= 0 {
		maxIter = DefaultMaxIterations
	}

	cellOf := make(map[[3]int]int)
	var cells []cell
	member := make([]int, len(rs))
	for i, r := range rs {
		k := [3]int{idx[i], int(r.Sex), int(r.Age)}
		ci, ok := cellOf[k]
		if !ok {
			ci = len(cells)
			cellOf[k] = ci
			cells = append(cells, cell{district: idx[i], sex: r.Sex, age: r.Age})
		}
		cells[ci].count++
		cells[ci].total += w.Weights[i]
		member[i] = ci
	}

	margins := []margin{
		{name: "district", category: func(x cell) int { return x.district }, target: make([]float64, len(c.Districts))},
		{name: "sex", category: func(x cell) int { return int(x.sex) - 1 }, target: make([]float64, 2)},
		{name: "age", category: func(x cell) int { return int(x.age) - 1 }, target: make([]float64, 3)},
	}
	for j, d := range c.Districts {
		if counts[j] == 0 {
			continue
		}
		margins[0].target[j] = float64(d.Population)
		for s := Male; s <= Female; s++ {
			margins[1].target[s-1] += float64(d.BySex(s))
		}
		for a := Age0to14; a <= Age60Plus; a++ {
			margins[2].target[a-1] += float64(d.ByAge(a))
		}
	}
	r := &Raking{}
	for mi := range margins {
		m := &margins[mi]
		m.present = make([]bool, len(m.target))
		for _, x := range cells {
			if k := m.category(x); k >= 0 {
				m.present[k] = true
			}
		}
		sum := 0.0
		for k, t := range m.target {
			if !m.present[k] {
				if mi > 0 {
					r.Dropped = append(r.Dropped, m.name+":"+categoryName(mi, k))
				}
				continue
			}
			if t == 0 {
				return nil, fmt.Errorf("stats: %w: respondents in %s %s, which the census says is empty", ErrInvalidValue, m.name, categoryName(mi, k))
			}
			sum += t
		}
		for k := range m.target {
			if m.present[k] {
				m.target[k] /= sum
			} else {
				m.target[k] = 0
			}
		}
	}

	cur := make([]float64, len(c.Districts))
	// shares fills cur with the weighted totals of m's categories and
	// returns the total weight of cells whose category is known.
	shares := func(m *margin) float64 {
		clear(cur[:len(m.target)])
		known := 0.0
		for _, x := range cells {
			if k := m.category(x); k >= 0 {
				cur[k] += x.total
				known += x.total
			}
		}
		return known
	}
	deviation := func() float64 {
		dev := 0.0
		for mi := range margins {
			m := &margins[mi]
			known := shares(m)
			if known == 0 {
				continue
			}
			for k, t := range m.target {
				if m.present[k] {
					dev = max(dev, math.Abs(cur[k]/known-t))
				}
			}
		}
		return dev
	}

	r.MaxDeviation = deviation()
	for r.Iterations < maxIter && r.MaxDeviation > tol {
		for mi := range margins {
			m := &margins[mi]
			known := shares(m)
			if known == 0 {
				continue // nobody answered this margin's question
			}
			for ci := range cells {
				if k := m.category(cells[ci]); k >= 0 {
					cells[ci].total *= m.target[k] * known / cur[k]
				}
			}
		}
		r.Iterations++
		r.MaxDeviation = deviation()
	}
	r.Converged = r.MaxDeviation <= tol

	// Undo the drift of repeated products so that Σw = n holds tightly.
	var total kahan
	for _, x := range cells {
		total.add(x.total)
	}
	scale := float64(len(rs)) / total.sum()
	for i := range rs {
		x := cells[member[i]]
		w.Weights[i] = x.total / float64(x.count) * scale
	}
	return r, nil
}

func categoryName(margin, k int) string {
	switch margin {
	case 1:
		return Sex(k + 1).String()
	case 2:
		return AgeBand(k + 1).String()
	}
	return fmt.Sprint(k)
}

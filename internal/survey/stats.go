package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/stats"
)

// Figure is one estimate with its 95% interval: a share in [0, 1] for
// rates, a mean in [20, 100] for scores.
type Figure struct {
	Estimate float64 `json:"estimate"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	N        int     `json:"n"`
	NEff     float64 `json:"n_eff"`
}

// DistrictFigure is a measure within one district.
type DistrictFigure struct {
	Adcode   string  `json:"adcode"`
	Name     string  `json:"name"`
	N        int     `json:"n"`
	Estimate float64 `json:"estimate"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	// Weight is the district's mean respondent weight (w_d itself without
	// raking).
	Weight      float64 `json:"weight"`
	SmallSample bool    `json:"small_sample"`
	WideMargin  bool    `json:"wide_margin"`
}

// MeasureStats is the official figure of one measure.
type MeasureStats struct {
	Questions  []string         `json:"questions"`
	Measure    string           `json:"measure"` // rate or score
	Unweighted Figure           `json:"unweighted"`
	Weighted   Figure           `json:"weighted"`
	Flags      []string         `json:"flags"`
	ByDistrict []DistrictFigure `json:"by_district"`
}

// OptionCount is one answer value's count among valid responses.
type OptionCount struct {
	Value string  `json:"value"`
	Label string  `json:"label"`
	Count int64   `json:"count"`
	Share float64 `json:"share"` // of the question's valid answers (respondents for multiple)
}

// QuestionStats is a question's distribution over valid responses.
type QuestionStats struct {
	ID       string        `json:"id"`
	Type     Type          `json:"type"`
	Title    string        `json:"title"`
	Answered int64         `json:"answered"`
	Counts   []OptionCount `json:"counts"`
}

// DistrictCount is the participation of one district.
type DistrictCount struct {
	Adcode string `json:"adcode"`
	Name   string `json:"name"`
	NTotal int64  `json:"n_total"`
	NValid int64  `json:"n_valid"`
}

// Stats is a survey's statistics, DESIGN.md §4.
type Stats struct {
	SurveyID string `json:"survey_id"`
	Version  int    `json:"version"`
	// Source is "tallies" (kept live as responses arrive) or "responses"
	// (recomputed from the stored responses: the official figures).
	Source       string             `json:"source"`
	Method       string             `json:"method"`
	NTotal       int64              `json:"n_total"`
	NValid       int64              `json:"n_valid"`
	Excluded     map[string]int64   `json:"excluded"`
	Districts    []DistrictCount    `json:"districts"`
	Questions    []QuestionStats    `json:"questions"`
	Satisfaction *MeasureStats      `json:"satisfaction"`
	Awareness    *MeasureStats      `json:"awareness"`
	Weighting    *stats.Weighting   `json:"weighting"`
	Warnings     []string           `json:"warnings"`
	ComputedAt   time.Time          `json:"computed_at"`
	counts       counts             `json:"-"`
	weights      map[string]float64 // by cell, for exports
}

// StatsOptions choose the source and weighting.
type StatsOptions struct {
	Recompute bool // from stored responses instead of tallies
	Rake      bool // rake on sex and age band as well
}

// Method descriptions, stored with sign-offs.
const (
	methodPost = "post-stratification by district to the 2020 census; Kish n_eff; Wilson 95% (z=1.959964) for rates, mean ± z·s/√n_eff for scores; flagged responses excluded"
	methodRake = "post-stratification by district, raked on sex and age band to the 2020 census; Kish n_eff; Wilson 95% (z=1.959964) for rates, mean ± z·s/√n_eff for scores; flagged responses excluded"
)

// Stats returns the survey's statistics, from the live tallies unless
// opt.Recompute.
func (s *Service) Stats(ctx context.Context, id string, opt StatsOptions) (*Stats, error) {
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft {
		return nil, ErrNotPublished
	}
	if opt.Rake && !slices.ContainsFunc(sv.Questions, func(q Question) bool { return q.Demographic != "" }) {
		return nil, errs.Invalid(errs.Field("rake", "not_available", "问卷未询问性别或年龄段，无法加权调整"))
	}
	var t counts
	source := "tallies"
	if opt.Recompute {
		source = "responses"
		t, err = s.storedCounts(ctx, sv)
	} else {
		t, err = s.liveCounts(ctx, id)
		if errors.Is(err, errTalliesIncomplete) {
			// Redis lost them: answer exactly from the record, and say so.
			s.log.Warn("survey tallies incomplete; recomputing from stored responses (RebuildTallies restores them)", "survey", id)
			source = "responses"
			t, err = s.storedCounts(ctx, sv)
		}
	}
	if err != nil {
		return nil, err
	}
	st, err := compute(sv, t, s.census, opt.Rake)
	if err != nil {
		return nil, err
	}
	st.Source, st.ComputedAt = source, s.now().UTC()
	return st, nil
}

// cellKey is "<adcode>:<sex>:<age>".
type cellKey struct {
	district string
	sex      stats.Sex
	age      stats.AgeBand
}

func parseCell(p []string) (cellKey, bool) {
	sex, err1 := strconv.Atoi(p[1])
	age, err2 := strconv.Atoi(p[2])
	c := cellKey{district: p[0], sex: stats.Sex(sex), age: stats.AgeBand(age)}
	return c, err1 == nil && err2 == nil && c.sex.Valid() && c.age.Valid()
}

func (c cellKey) String() string {
	return c.district + ":" + strconv.Itoa(int(c.sex)) + ":" + strconv.Itoa(int(c.age))
}

// compute turns counts into the statistics. It is pure: the same counts
// give the same figures, whichever path produced them.
func compute(sv *Survey, t counts, census *stats.Census, rake bool) (*Stats, error) {
	st := &Stats{SurveyID: sv.ID, Version: sv.Version, Method: methodPost, NTotal: t["n"], NValid: t["v"],
		Excluded: map[string]int64{}, Warnings: []string{}, counts: t, Districts: []DistrictCount{}, Questions: []QuestionStats{}}
	if rake {
		st.Method = methodRake
	}
	for _, f := range Flags {
		st.Excluded[f] = t["f:"+f]
	}
	cells := map[cellKey]int64{}
	validByDistrict := map[string]int64{}
	for k, n := range t {
		if p, ok := splitKey(k, "c:", 3); ok && n > 0 {
			c, ok := parseCell(p)
			if !ok {
				return nil, fmt.Errorf("survey stats: bad tally field %q", k)
			}
			cells[c] += n
			validByDistrict[c.district] += n
		}
	}
	for _, d := range census.Districts {
		if t["d:"+d.Adcode] > 0 {
			st.Districts = append(st.Districts, DistrictCount{Adcode: d.Adcode, Name: d.Name, NTotal: t["d:"+d.Adcode], NValid: validByDistrict[d.Adcode]})
		}
	}
	for _, q := range sv.Questions {
		qs := QuestionStats{ID: q.ID, Type: q.Type, Title: q.Title, Answered: t["q:"+q.ID], Counts: []OptionCount{}}
		for _, v := range questionValues(q, census) {
			n := t["o:"+q.ID+":"+v]
			oc := OptionCount{Value: v, Label: q.label(v, census), Count: n}
			if qs.Answered > 0 {
				oc.Share = float64(n) / float64(qs.Answered)
			}
			qs.Counts = append(qs.Counts, oc)
		}
		st.Questions = append(st.Questions, qs)
	}
	if st.NValid == 0 {
		st.Warnings = append(st.Warnings, "尚无有效回答，无法计算加权估计")
		return st, nil
	}

	// Weights per cell.
	weight := map[cellKey]float64{}
	order := make([]cellKey, 0, len(cells))
	for c := range cells {
		order = append(order, c)
	}
	slices.SortFunc(order, func(a, b cellKey) int { return strings.Compare(a.String(), b.String()) })
	if rake {
		var rs []stats.Respondent
		first := map[cellKey]int{}
		for _, c := range order {
			first[c] = len(rs)
			for range cells[c] {
				rs = append(rs, stats.Respondent{District: c.district, Sex: c.sex, Age: c.age})
			}
		}
		w, err := stats.Weight(census, rs, stats.WeightOptions{Rake: true})
		if err != nil {
			return nil, statsError(err)
		}
		for _, c := range order {
			weight[c] = w.Weights[first[c]]
		}
		w.Weights = nil
		st.Weighting = w
	} else {
		byDistrict := map[string]int{}
		for d, n := range validByDistrict {
			byDistrict[d] = int(n)
		}
		w, err := stats.WeightCounts(census, byDistrict)
		if err != nil {
			return nil, statsError(err)
		}
		sw := map[string]float64{}
		for _, x := range w.Strata {
			sw[x.Adcode] = x.Weight
		}
		for _, c := range order {
			weight[c] = sw[c.district]
		}
		st.Weighting = w
	}
	st.weights = map[string]float64{}
	for c, w := range weight {
		st.weights[c.String()] = w
	}
	if len(st.Weighting.Uncovered) > 0 {
		var names []string
		for _, a := range st.Weighting.Uncovered {
			d, _ := census.District(a)
			names = append(names, d.Name)
		}
		st.Warnings = append(st.Warnings, "以下旗区没有有效回答，未纳入加权，权重已在其余旗区间重新归一："+strings.Join(names, "、"))
	}

	m := sv.Measures
	if m.Satisfaction != "" {
		groups := groupsOf(t, "s:", 4, weight, func(p []string) (float64, bool) {
			v, err := strconv.Atoi(p[3])
			return float64(v), err == nil
		})
		if len(groups) > 0 {
			res, err := stats.SatisfactionGroups(groups)
			if err != nil {
				return nil, statsError(err)
			}
			b := res.Rate
			if m.SatisfactionMeasure == MeasureScore {
				b = res.Score
			}
			st.Satisfaction = measureStats([]string{m.Satisfaction}, m.SatisfactionMeasure, b, groups, census)
		}
	}
	if len(m.Awareness) > 0 {
		groups := groupsOf(t, "a:", 5, weight, func(p []string) (float64, bool) {
			yes, err1 := strconv.Atoi(p[3])
			of, err2 := strconv.Atoi(p[4])
			return float64(yes) / float64(of), err1 == nil && err2 == nil && of > 0 && yes >= 0 && yes <= of
		})
		if len(groups) > 0 {
			b, err := stats.ProportionGroups(groups)
			if err != nil {
				return nil, statsError(err)
			}
			st.Awareness = measureStats(m.Awareness, MeasureRate, b, groups, census)
		}
	}
	return st, nil
}

func statsError(err error) error {
	if errors.Is(err, stats.ErrEmpty) {
		return ErrNoValidResponses
	}
	return fmt.Errorf("survey stats: %w", err)
}

// groupsOf reads the grouped answers under prefix, in field order so the
// sums run in the same order on every path.
func groupsOf(t counts, prefix string, parts int, weight map[cellKey]float64, value func([]string) (float64, bool)) []stats.Group {
	var keys []string
	for k, n := range t {
		if strings.HasPrefix(k, prefix) && n > 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var groups []stats.Group
	for _, k := range keys {
		p, ok := splitKey(k, prefix, parts)
		if !ok {
			continue
		}
		c, ok := parseCell(p)
		w := weight[c]
		v, vok := value(p)
		if !ok || !vok || w == 0 {
			continue
		}
		groups = append(groups, stats.Group{District: c.district, Weight: w, Value: v, Count: int(t[k])})
	}
	return groups
}

func measureStats(questions []string, measure string, b stats.Breakdown, groups []stats.Group, census *stats.Census) *MeasureStats {
	fig := func(f stats.Figure) Figure {
		return Figure{Estimate: f.Value, CILow: f.CI.Low, CIHigh: f.CI.High, N: f.N, NEff: f.NEff}
	}
	ms := &MeasureStats{Questions: questions, Measure: measure, Unweighted: fig(b.Overall.Unweighted), Weighted: fig(b.Overall.Weighted),
		Flags: b.Overall.Flags, ByDistrict: []DistrictFigure{}}
	if ms.Flags == nil {
		ms.Flags = []string{}
	}
	sumW, n := map[string]float64{}, map[string]int{}
	for _, g := range groups {
		sumW[g.District] += g.Weight * float64(g.Count)
		n[g.District] += g.Count
	}
	for _, d := range b.Districts {
		cd, _ := census.District(d.Adcode)
		ms.ByDistrict = append(ms.ByDistrict, DistrictFigure{Adcode: d.Adcode, Name: cd.Name, N: d.Weighted.N,
			Estimate: d.Weighted.Value, CILow: d.Weighted.CI.Low, CIHigh: d.Weighted.CI.High, Weight: sumW[d.Adcode] / float64(n[d.Adcode]),
			SmallSample: slices.Contains(d.Flags, stats.FlagSmallSample), WideMargin: slices.Contains(d.Flags, stats.FlagWideMargin)})
	}
	return ms
}

// questionValues lists a question's possible answers in display order;
// nil for text.
func questionValues(q Question, census *stats.Census) []string {
	var out []string
	switch q.Type {
	case Single, Multiple:
		for _, o := range q.Options {
			out = append(out, o.Value)
		}
	case Likert5:
		for v := 5; v >= 1; v-- {
			out = append(out, strconv.Itoa(v))
		}
	case Rating10:
		for v := 0; v <= 10; v++ {
			out = append(out, strconv.Itoa(v))
		}
	case District:
		for _, d := range census.Districts {
			out = append(out, d.Adcode)
		}
	}
	return out
}

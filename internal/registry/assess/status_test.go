package assess

import (
	"math"
	"testing"
	"time"
)

func ptr(v float64) *float64 { return &v }

func TestAssess(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 3, 1, 9, 0, 0, 0, shanghai)
	val := func(period string, v float64) *Measurement { return &Measurement{Period: period, Value: &v} }
	judged := func(a string) *Measurement { return &Measurement{Period: "2024", Assessment: a} }
	// Straight-path shares at the end of each year, from the end of 2020:
	// 2022 → 730/1826, 2023 → 1095/1826, 2023-Q2 → 911/1826.
	cases := map[string]struct {
		baseline string
		target   string
		dir      Direction
		latest   *Measurement
		now      time.Time
		want     Status
		progress *float64
	}{
		"no measurement":                   {baseline: "6.00", target: "<6.00", dir: Lower, want: StatusNoData},
		"no measurement, qualitative":      {baseline: "-", target: "逐年提高", want: StatusNoData},
		"qualitative achieved":             {baseline: "-", target: "纳入考核体系", latest: judged("achieved"), want: StatusAchieved, progress: ptr(100)},
		"qualitative on track":             {baseline: "-", target: "使用量负增长", latest: judged("on_track"), want: StatusOnTrack},
		"qualitative at risk":              {baseline: "-", target: "逐年提高", latest: judged("at_risk"), want: StatusAtRisk},
		"qualitative lagging":              {baseline: "-", target: "逐年提高", latest: judged("lagging"), want: StatusLagging},
		"qualitative not judged":           {baseline: "-", target: "逐年提高", latest: judged(""), want: StatusNoData},
		"qualitative judged no_data":       {baseline: "-", target: "逐年提高", latest: judged("no_data"), want: StatusNoData},
		"qualitative unknown judgement":    {baseline: "-", target: "逐年提高", latest: judged("done"), want: StatusNoData},
		"qualitative value ignored":        {baseline: "-", target: "逐年提高", latest: val("2024", 90), want: StatusNoData},
		"numeric without value":            {baseline: "-", target: "80", latest: judged("achieved"), want: StatusNoData},
		"numeric NaN value":                {baseline: "-", target: "80", latest: val("2024", math.NaN()), want: StatusNoData},
		"numeric infinite value":           {baseline: "-", target: "80", latest: val("2024", math.Inf(1)), want: StatusNoData},
		"<6.00: 5.9 achieved":              {baseline: "6.00", target: "<6.00", dir: Lower, latest: val("2023", 5.9), want: StatusAchieved, progress: ptr(100)},
		"<6.00: 6.0 mid-way holds level":   {baseline: "6.00", target: "<6.00", dir: Lower, latest: val("2023", 6.0), want: StatusOnTrack},
		"<6.00: 6.0 at programme end":      {baseline: "6.00", target: "<6.00", dir: Lower, latest: val("2025", 6.0), want: StatusAtRisk},
		"<6.00: 6.0 after programme":       {baseline: "6.00", target: "<6.00", dir: Lower, latest: val("2026", 6.0), want: StatusLagging},
		"<6.00: 6.1 worse than baseline":   {baseline: "6.00", target: "<6.00", dir: Lower, latest: val("2023", 6.1), want: StatusLagging},
		"25.39→20: reached":                {baseline: "25.39", target: "20", dir: Lower, latest: val("2024", 20), want: StatusAchieved, progress: ptr(100)},
		"25.39→20: beaten":                 {baseline: "25.39", target: "20", dir: Lower, latest: val("2022", 19), want: StatusAchieved, progress: ptr(100)},
		"25.39→20: ahead of path 2023":     {baseline: "25.39", target: "20", dir: Lower, latest: val("2023", 22.0), want: StatusOnTrack, progress: ptr(100 * 3.39 / 5.39)},
		"25.39→20: within tolerance 2023":  {baseline: "25.39", target: "20", dir: Lower, latest: val("2023", 22.5), want: StatusAtRisk, progress: ptr(100 * 2.89 / 5.39)},
		"25.39→20: behind 2023":            {baseline: "25.39", target: "20", dir: Lower, latest: val("2023", 23), want: StatusLagging, progress: ptr(100 * 2.39 / 5.39)},
		"25.39→20: quarter end counts":     {baseline: "25.39", target: "20", dir: Lower, latest: val("2023-Q2", 22.6), want: StatusOnTrack, progress: ptr(100 * 2.79 / 5.39)},
		"25.39→20: same value, full year":  {baseline: "25.39", target: "20", dir: Lower, latest: val("2023", 22.6), want: StatusAtRisk, progress: ptr(100 * 2.79 / 5.39)},
		"25.39→20: month end counts":       {baseline: "25.39", target: "20", dir: Lower, latest: val("2021-01", 25.39), want: StatusAtRisk, progress: ptr(0)},
		"25.39→20: worse, progress 0":      {baseline: "25.39", target: "20", dir: Lower, latest: val("2022", 26), want: StatusLagging, progress: ptr(0)},
		"25.39→20: baseline year":          {baseline: "25.39", target: "20", dir: Lower, latest: val("2020", 25.39), want: StatusOnTrack, progress: ptr(0)},
		"25.39→20: first quarter of 2020":  {baseline: "25.39", target: "20", dir: Lower, latest: val("2020-Q1", 25.0), want: StatusOnTrack, progress: ptr(100 * 0.39 / 5.39)},
		">35: 35 not achieved, level":      {baseline: "35", target: ">35", dir: Higher, latest: val("2023", 35), want: StatusOnTrack},
		">35: 35.1 achieved":               {baseline: "35", target: ">35", dir: Higher, latest: val("2023", 35.1), want: StatusAchieved, progress: ptr(100)},
		">35: 34 fell":                     {baseline: "35", target: ">35", dir: Higher, latest: val("2023", 34), want: StatusLagging},
		"≥90: 90 achieved":                 {baseline: "86", target: "≥90", dir: Higher, latest: val("2023", 90), want: StatusAchieved, progress: ptr(100)},
		"≥90: ahead of path":               {baseline: "86", target: "≥90", dir: Higher, latest: val("2023", 88.5), want: StatusOnTrack, progress: ptr(62.5)},
		"≥90: within tolerance":            {baseline: "86", target: "≥90", dir: Higher, latest: val("2023", 88.1), want: StatusAtRisk, progress: ptr(52.5)},
		"≥90: behind":                      {baseline: "86", target: "≥90", dir: Higher, latest: val("2023", 87.5), want: StatusLagging, progress: ptr(37.5)},
		"≥90: final year within tolerance": {baseline: "86", target: "≥90", dir: Higher, latest: val("2025", 89.7), want: StatusAtRisk, progress: ptr(92.5)},
		"≥90: final quarter behind":        {baseline: "86", target: "≥90", dir: Higher, latest: val("2025-Q4", 89.5), want: StatusLagging, progress: ptr(87.5)},
		"100→100: at target":               {baseline: "100", target: "100", dir: Higher, latest: val("2023", 100), want: StatusAchieved, progress: ptr(100)},
		"100→100: any fall lags":           {baseline: "100", target: "100", dir: Higher, latest: val("2023", 99), want: StatusLagging},
		"growth 3.5→2 higher: achieved":    {baseline: "3.5", target: "2", dir: Higher, latest: val("2023", 2.5), want: StatusAchieved, progress: ptr(100)},
		"growth 3.5→2 higher: slightly":    {baseline: "3.5", target: "2", dir: Higher, latest: val("2023", 1.9), want: StatusAtRisk},
		"growth 3.5→2 higher: negative":    {baseline: "3.5", target: "2", dir: Higher, latest: val("2023", -1.2), want: StatusLagging},
		"growth 3.5→2, no direction":       {baseline: "3.5", target: "2", latest: val("2023", 2.5), want: StatusOnTrack, progress: ptr(100 / 1.5)},
		"no baseline: reached":             {baseline: "-", target: "80", dir: Higher, latest: val("2023", 80), want: StatusAchieved, progress: ptr(100)},
		"no baseline: short in programme":  {baseline: "-", target: "80", dir: Higher, latest: val("2023", 70), want: StatusAtRisk, progress: ptr(87.5)},
		"no baseline: short in 2025":       {baseline: "-", target: "80", dir: Higher, latest: val("2025", 70), want: StatusAtRisk, progress: ptr(87.5)},
		"no baseline: short after":         {baseline: "-", target: "80", dir: Higher, latest: val("2026-Q1", 70), want: StatusLagging, progress: ptr(87.5)},
		"no baseline, lower":               {baseline: "-", target: "≤20", dir: Lower, latest: val("2023", 25), want: StatusAtRisk, progress: ptr(80)},
		"word baseline":                    {baseline: "国家固体废物管理信息系统", target: "5", dir: Higher, latest: val("2023", 3), want: StatusAtRisk, progress: ptr(60)},
		"下降幅度 negative, no baseline":       {baseline: "-", target: "10", dir: Higher, latest: val("2023", -5), want: StatusAtRisk, progress: ptr(0)},
		"下降幅度 negative, after":             {baseline: "-", target: "10", dir: Higher, latest: val("2026", -5), want: StatusLagging, progress: ptr(0)},
		"target 0, no baseline, higher":    {baseline: "-", target: "0", dir: Higher, latest: val("2023", -1), want: StatusAtRisk},
		"target 0, no baseline, lower":     {baseline: "-", target: "0", dir: Lower, latest: val("2023", 1), want: StatusAtRisk},
		"target 0, baseline 5, lower":      {baseline: "5", target: "0", dir: Lower, latest: val("2023", 1), want: StatusOnTrack, progress: ptr(80)},
		"target 0, zero reached":           {baseline: "5", target: "0", dir: Lower, latest: val("2023", 0), want: StatusAchieved, progress: ptr(100)},
		"negative target, no baseline":     {baseline: "-", target: "-5", dir: Lower, latest: val("2023", -1), want: StatusAtRisk},
		"baseline 0 (seed I25)":            {baseline: "0", target: "55", dir: Higher, latest: val("2022", 22), want: StatusOnTrack, progress: ptr(40)},
		"strict bound reached, not beyond": {baseline: "6.5", target: "<6.00", dir: Lower, latest: val("2023", 6.0), want: StatusOnTrack, progress: ptr(100)},
		"cap target (seed I14 lower)":      {baseline: "48.3", target: "56", dir: Lower, latest: val("2023", 50), want: StatusAchieved, progress: ptr(100)},
		"cap target exceeded":              {baseline: "48.3", target: "56", dir: Lower, latest: val("2023", 57), want: StatusLagging},
		"cap target barely exceeded":       {baseline: "48.3", target: "56", dir: Lower, latest: val("2023", 56.5), want: StatusAtRisk},
		"bad period uses now, in time":     {baseline: "-", target: "80", dir: Higher, latest: val("2023年", 70), now: now, want: StatusAtRisk, progress: ptr(87.5)},
		"bad period uses now, late":        {baseline: "-", target: "80", dir: Higher, latest: val("", 70), now: time.Date(2026, 2, 1, 0, 0, 0, 0, shanghai), want: StatusLagging, progress: ptr(87.5)},
		"comparator overrules direction":   {baseline: "6.5", target: "<6", dir: Higher, latest: val("2023", 6.1), want: StatusOnTrack, progress: ptr(80)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Assess(Input{
				Baseline:  tc.baseline,
				Target:    ParseTarget(tc.target),
				Direction: tc.dir,
				Latest:    tc.latest,
				Now:       tc.now,
			})
			if got.Status != tc.want {
				t.Errorf("Status = %s, want %s", got.Status, tc.want)
			}
			switch {
			case tc.progress == nil && got.Progress != nil:
				t.Errorf("Progress = %v, want nil", *got.Progress)
			case tc.progress != nil && got.Progress == nil:
				t.Errorf("Progress = nil, want %v", *tc.progress)
			case tc.progress != nil && math.Abs(*got.Progress-*tc.progress) > 1e-9:
				t.Errorf("Progress = %v, want %v", *got.Progress, *tc.progress)
			}
		})
	}
}

// TestAssessZeroTarget checks that a Target built by hand without Kind is
// judged as qualitative, as documented on Target.IsNumeric.
func TestAssessZeroTarget(t *testing.T) {
	t.Parallel()
	got := Assess(Input{Latest: &Measurement{Period: "2024", Value: ptr(3), Assessment: "on_track"}})
	if got.Status != StatusOnTrack || got.Progress != nil {
		t.Errorf("Assess = %+v, want on_track with nil progress", got)
	}
}

func TestStatusValid(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		s                 string
		valid, assessment bool
	}{
		"achieved": {"achieved", true, true},
		"on_track": {"on_track", true, true},
		"at_risk":  {"at_risk", true, true},
		"lagging":  {"lagging", true, true},
		"no_data":  {"no_data", true, false},
		"empty":    {"", false, false},
		"spaced":   {"on track", false, false},
		"upper":    {"ACHIEVED", false, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Status(tc.s).Valid(); got != tc.valid {
				t.Errorf("Valid = %v, want %v", got, tc.valid)
			}
			if got := ValidAssessment(tc.s); got != tc.assessment {
				t.Errorf("ValidAssessment = %v, want %v", got, tc.assessment)
			}
		})
	}
}

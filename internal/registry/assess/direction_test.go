package assess

import "testing"

func TestDefaultDirection(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		baseline, target string
		want             Direction
	}{
		"strict less (seed I01)":             {"6.00", "<6.00", Lower},
		"at most":                            {"-", "≤10", Lower},
		"ascii at most":                      {"12", "<=10", Lower},
		"greater (seed I08)":                 {"35", ">35", Higher},
		"at least (seed I21)":                {"86", "≥90", Higher},
		"at least below baseline":            {"95", "≥90", Higher},
		"bare below baseline (seed I02)":     {"25.39", "20", Lower},
		"bare below baseline (seed I27)":     {"3.5", "2", Lower},
		"bare above baseline (seed I14)":     {"48.3", "56", Higher},
		"bare equal baseline (seed I10)":     {"100", "100", Higher},
		"bare, dash baseline (seed I30)":     {"-", "10", Higher},
		"bare, zero baseline (seed I25)":     {"0", "55", Higher},
		"bare, word baseline (seed I45)":     {"国家固体废物管理信息系统", "5", Higher},
		"qualitative (seed I11)":             {"-", "使用量负增长", Higher},
		"qualitative with numeric baseline":  {"3", "逐年提高", Higher},
		"full-width less":                    {"6", "＜6", Lower},
		"word comparator 不超过":                {"40", "不超过56", Lower},
		"negative bare below baseline":       {"0", "-5", Lower},
		"explicit equal below baseline":      {"25", "=20", Lower},
		"percent baseline and bare target":   {"30%", "20", Lower},
		"empty cells":                        {"", "", Higher},
		"bare target below, baseline spaced": {" 25.39 ", "20", Lower},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := DefaultDirection(tc.baseline, tc.target); got != tc.want {
				t.Errorf("DefaultDirection(%q, %q) = %s, want %s", tc.baseline, tc.target, got, tc.want)
			}
		})
	}
}

func TestIndicatorDirection(t *testing.T) {
	t.Parallel()
	ov := map[string]Override{
		"I27": {Code: "I27", Direction: Higher, Reason: "增长率越高越好"},
		"I30": {Code: "I30", Reason: "仅放宽数值", Rule: ValueRule{AllowNegative: true}},
	}
	cases := map[string]struct {
		code, baseline, target string
		overrides              map[string]Override
		want                   Direction
	}{
		"override wins":                  {"I27", "3.5", "2", ov, Higher},
		"value-only override keeps rule": {"I30", "15", "10", ov, Lower},
		"no override":                    {"I02", "25.39", "20", ov, Lower},
		"nil map":                        {"I27", "3.5", "2", nil, Lower},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := IndicatorDirection(tc.code, tc.baseline, tc.target, tc.overrides); got != tc.want {
				t.Errorf("IndicatorDirection = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestDirectionValid(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		d    Direction
		want bool
	}{
		"higher": {Higher, true},
		"lower":  {Lower, true},
		"empty":  {"", false},
		"case":   {"Higher", false},
		"other":  {"up", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.d.Valid(); got != tc.want {
				t.Errorf("%q.Valid() = %v, want %v", tc.d, got, tc.want)
			}
		})
	}
}

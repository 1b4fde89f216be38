package assess

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		yaml    string
		want    map[string]Override
		wantErr string // substring; empty means success
	}{
		"empty document": {yaml: "", want: map[string]Override{}},
		"empty list":     {yaml: "overrides: []\n", want: map[string]Override{}},
		"direction only": {
			yaml: "overrides:\n  - code: I27\n    direction: higher\n    reason: 增长率越高越好\n",
			want: map[string]Override{"I27": {Code: "I27", Direction: Higher, Reason: "增长率越高越好"}},
		},
		"value rule only": {
			yaml: "overrides:\n  - code: I30\n    allow_negative: true\n    reason: 可能为负\n",
			want: map[string]Override{"I30": {Code: "I30", Reason: "可能为负", Rule: ValueRule{AllowNegative: true}}},
		},
		"both and two entries": {
			yaml: "overrides:\n" +
				"  - {code: I27, direction: higher, allow_negative: true, allow_over_100: true, reason: 增长率}\n" +
				"  - {code: I14, direction: lower, reason: 源头减量}\n",
			want: map[string]Override{
				"I27": {Code: "I27", Direction: Higher, Reason: "增长率", Rule: ValueRule{AllowNegative: true, AllowOver100: true}},
				"I14": {Code: "I14", Direction: Lower, Reason: "源头减量"},
			},
		},
		"three-digit code": {
			yaml: "overrides:\n  - {code: I100, direction: lower, reason: 新增指标}\n",
			want: map[string]Override{"I100": {Code: "I100", Direction: Lower, Reason: "新增指标"}},
		},
		"bad code lower case":   {yaml: "overrides:\n  - {code: i27, direction: higher, reason: x}\n", wantErr: "code must look like I01"},
		"bad code one digit":    {yaml: "overrides:\n  - {code: I7, direction: higher, reason: x}\n", wantErr: "code must look like I01"},
		"bad code zero":         {yaml: "overrides:\n  - {code: I00, direction: higher, reason: x}\n", wantErr: "code must look like I01"},
		"missing code":          {yaml: "overrides:\n  - {direction: higher, reason: x}\n", wantErr: "code must look like I01"},
		"bad direction":         {yaml: "overrides:\n  - {code: I27, direction: up, reason: x}\n", wantErr: `direction "up"`},
		"capitalised direction": {yaml: "overrides:\n  - {code: I27, direction: Higher, reason: x}\n", wantErr: `direction "Higher"`},
		"changes nothing":       {yaml: "overrides:\n  - {code: I27, reason: x}\n", wantErr: "neither a direction nor a value rule"},
		"missing reason":        {yaml: "overrides:\n  - {code: I27, direction: higher}\n", wantErr: "reason is required"},
		"blank reason":          {yaml: "overrides:\n  - {code: I27, direction: higher, reason: \"  \"}\n", wantErr: "reason is required"},
		"duplicate":             {yaml: "overrides:\n  - {code: I27, direction: higher, reason: x}\n  - {code: I27, direction: lower, reason: y}\n", wantErr: "duplicate code"},
		"unknown key":           {yaml: "overrides:\n  - {code: I27, direction: higher, reason: x, allow_over100: true}\n", wantErr: "allow_over100"},
		"unknown top-level":     {yaml: "override:\n  - {code: I27, direction: higher, reason: x}\n", wantErr: "override"},
		"not yaml":              {yaml: "overrides: [", wantErr: "invalid indicator overrides"},
		"wrong type":            {yaml: "overrides:\n  - {code: I27, allow_negative: maybe, reason: x}\n", wantErr: "maybe"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadOverrides([]byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalidOverrides) {
					t.Fatalf("err = %v, want one wrapping ErrInvalidOverrides containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d overrides, want %d: %+v", len(got), len(tc.want), got)
			}
			for code, w := range tc.want {
				if got[code] != w {
					t.Errorf("%s = %+v, want %+v", code, got[code], w)
				}
			}
		})
	}
}

// TestOverridesFile checks the committed configs/registry/overrides.yaml:
// it loads, every code names one of the 52 seed indicators, and the reviewed
// decisions are all there.
func TestOverridesFile(t *testing.T) {
	t.Parallel()
	ov := loadRealOverrides(t)
	known := map[string]bool{}
	for _, in := range seedIndicators {
		known[in.code] = true
	}
	for code := range ov {
		if !known[code] {
			t.Errorf("override for %s, which is not a seed indicator", code)
		}
	}
	want := map[string]Override{
		"I11": {Code: "I11", Direction: Lower},
		"I14": {Code: "I14", Direction: Lower},
		"I27": {Code: "I27", Direction: Higher, Rule: ValueRule{AllowNegative: true, AllowOver100: true}},
		"I30": {Code: "I30", Direction: Higher, Rule: ValueRule{AllowNegative: true}},
		"I33": {Code: "I33", Direction: Higher, Rule: ValueRule{AllowNegative: true}},
	}
	if len(ov) != len(want) {
		t.Errorf("file has %d overrides, want %d; update this test with the review", len(ov), len(want))
	}
	for code, w := range want {
		got, ok := ov[code]
		if !ok {
			t.Errorf("%s missing", code)
			continue
		}
		got.Reason = ""
		if got != w {
			t.Errorf("%s = %+v, want %+v", code, got, w)
		}
	}
}

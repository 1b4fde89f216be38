package assess

import (
	"errors"
	"math"
	"testing"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

func TestCheckValue(t *testing.T) {
	t.Parallel()
	growth := ValueRule{AllowNegative: true, AllowOver100: true}
	reduction := ValueRule{AllowNegative: true}
	cases := map[string]struct {
		unit, target string
		rule         ValueRule
		v            float64
		wantCode     string // empty means accepted
	}{
		"percent in range":             {unit: "%", target: "80", v: 55.5},
		"percent zero":                 {unit: "%", target: "80", v: 0},
		"percent hundred":              {unit: "%", target: "100", v: 100},
		"percent over 100":             {unit: "%", target: "80", v: 100.1, wantCode: ValueCodeOver100},
		"percent negative":             {unit: "%", target: "80", v: -0.1, wantCode: ValueCodeNegativePercent},
		"full-width percent":           {unit: "％", target: "80", v: 101, wantCode: ValueCodeOver100},
		"percent unit with spaces":     {unit: " % ", target: "80", v: 101, wantCode: ValueCodeOver100},
		"growth rate negative":         {unit: "%", target: "2", rule: growth, v: -3.2},
		"growth rate doubled":          {unit: "%", target: "2", rule: growth, v: 150},
		"reduction negative":           {unit: "%", target: "10", rule: reduction, v: -5},
		"reduction over 100":           {unit: "%", target: "10", rule: reduction, v: 120, wantCode: ValueCodeOver100},
		"target over 100 widens":       {unit: "%", target: "≥120", v: 130},
		"negative target widens":       {unit: "%", target: "-5", v: -3},
		"qualitative target, percent":  {unit: "%", target: "逐年提高", v: 101, wantCode: ValueCodeOver100},
		"count":                        {unit: "个", target: "35", v: 20},
		"count zero":                   {unit: "个", target: "3", v: 0},
		"count fraction":               {unit: "个", target: "35", v: 20.5, wantCode: ValueCodeNotInteger},
		"count negative":               {unit: "个", target: "35", v: -1, wantCode: ValueCodeNegativeCount},
		"count above target is fine":   {unit: "个", target: "300", v: 1200},
		"intensity":                    {unit: "吨/万元", target: "<6.00", v: 5.2},
		"intensity negative":           {unit: "千克/万元", target: "20", v: -1, wantCode: ValueCodeNegative},
		"tonnes over 100 is fine":      {unit: "万吨", target: "56", v: 120},
		"yuan":                         {unit: "亿元", target: "300", v: 450.25},
		"no unit negative":             {unit: "", target: "5", v: -1, wantCode: ValueCodeNegative},
		"dash unit negative allowed":   {unit: "-", target: "5", rule: reduction, v: -1},
		"NaN":                          {unit: "%", target: "80", rule: growth, v: math.NaN(), wantCode: ValueCodeNotFinite},
		"infinity":                     {unit: "万吨", target: "56", rule: growth, v: math.Inf(1), wantCode: ValueCodeNotFinite},
		"negative infinity":            {unit: "个", target: "3", rule: growth, v: math.Inf(-1), wantCode: ValueCodeNotFinite},
		"negative zero is zero":        {unit: "个", target: "3", v: math.Copysign(0, -1)},
		"negative allowed, count rule": {unit: "个", target: "3", rule: reduction, v: -2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.rule.Check(tc.unit, ParseTarget(tc.target), tc.v)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Check(%q, %v) = %v, want nil", tc.unit, tc.v, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("err = %v, want one wrapping ErrInvalidValue", err)
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("err = %#v, want an invalid errs.Error", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "value" || e.Fields[0].Code != tc.wantCode {
				t.Errorf("fields = %+v, want value/%s", e.Fields, tc.wantCode)
			}
			if e.Message == "" || e.Message == ErrInvalidValue.Message || e.Fields[0].Message != e.Message {
				t.Errorf("message = %q, want the problem's own Chinese message", e.Message)
			}
		})
	}
}

// TestCheckValueIsStrictRule checks that CheckValue is ValueRule{}.Check, so
// callers without an override get the strict default.
func TestCheckValueIsStrictRule(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		unit string
		v    float64
		ok   bool
	}{
		"negative percent": {"%", -1, false},
		"percent over 100": {"%", 101, false},
		"percent":          {"%", 50, true},
		"count fraction":   {"个", 1.5, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := CheckValue(tc.unit, ParseTarget("80"), tc.v)
			if (err == nil) != tc.ok {
				t.Errorf("CheckValue(%q, %v) = %v, want ok=%v", tc.unit, tc.v, err, tc.ok)
			}
		})
	}
}

// TestSentinelsDoNotChange guards the sentinels against WithMessage and
// WithFields, which must copy rather than modify them.
func TestSentinelsDoNotChange(t *testing.T) {
	t.Parallel()
	_ = CheckValue("%", ParseTarget("80"), 200)
	if len(ErrInvalidValue.Fields) != 0 || ErrInvalidValue.Message != "指标数值不符合要求" {
		t.Errorf("ErrInvalidValue was modified: %+v", ErrInvalidValue)
	}
}

package assess

import (
	"math"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	t.Parallel()
	num := func(c Comparator, v float64, text string) Target {
		return Target{Kind: Numeric, Comparator: c, Value: v, Text: text}
	}
	qual := func(text string) Target { return Target{Kind: Qualitative, Text: text} }
	cases := map[string]struct {
		in   string
		want Target
	}{
		"strict less (seed I01)":          {"<6.00", num(Less, 6, "<6.00")},
		"strict greater (seed I08)":       {">35", num(Greater, 35, ">35")},
		"at least (seed I21)":             {"≥90", num(GreaterEqual, 90, "≥90")},
		"at most":                         {"≤20", num(LessEqual, 20, "≤20")},
		"bare number (seed I03)":          {"80", num(Equal, 80, "80")},
		"bare hundred (seed I10)":         {"100", num(Equal, 100, "100")},
		"bare decimal":                    {"25.39", num(Equal, 25.39, "25.39")},
		"zero":                            {"0", num(Equal, 0, "0")},
		"ascii at least":                  {">=90", num(GreaterEqual, 90, ">=90")},
		"ascii at most":                   {"<=1.5", num(LessEqual, 1.5, "<=1.5")},
		"explicit equal":                  {"=80", num(Equal, 80, "=80")},
		"full-width less":                 {"＜6.00", num(Less, 6, "＜6.00")},
		"full-width greater":              {"＞35", num(Greater, 35, "＞35")},
		"full-width less-equal pair":      {"＜＝5", num(LessEqual, 5, "＜＝5")},
		"full-width digits":               {"≥９０", num(GreaterEqual, 90, "≥９０")},
		"japanese-style less-equal":       {"≦3", num(LessEqual, 3, "≦3")},
		"japanese-style greater-equal":    {"≧3", num(GreaterEqual, 3, "≧3")},
		"percent sign":                    {"≥90%", num(GreaterEqual, 90, "≥90%")},
		"full-width percent":              {"85％", num(Equal, 85, "85％")},
		"spaces around and inside":        {"  ≥ 90 % ", num(GreaterEqual, 90, "  ≥ 90 % ")},
		"ideographic space":               {"\u300080\u3000", num(Equal, 80, "\u300080\u3000")},
		"negative bare":                   {"-5", num(Equal, -5, "-5")},
		"negative with comparator":        {"<-0.5", num(Less, -0.5, "<-0.5")},
		"unicode minus":                   {"−5", num(Equal, -5, "−5")},
		"leading dot":                     {".5", num(Equal, 0.5, ".5")},
		"word not lower than":             {"不低于90", num(GreaterEqual, 90, "不低于90")},
		"word not more than":              {"不超过56", num(LessEqual, 56, "不超过56")},
		"word more than":                  {"大于35", num(Greater, 35, "大于35")},
		"word less than":                  {"小于6", num(Less, 6, "小于6")},
		"suffix and above":                {"90%以上", num(GreaterEqual, 90, "90%以上")},
		"suffix and below":                {"20以下", num(LessEqual, 20, "20以下")},
		"negative growth (seed I11)":      {"使用量负增长", qual("使用量负增长")},
		"year on year (seed I20)":         {"逐年提高", qual("逐年提高")},
		"into assessment (seed I40)":      {"纳入考核体系", qual("纳入考核体系")},
		"sentence (seed I39)":             {"成立工作领导小组，建立工作专班，制定工作机制", qual("成立工作领导小组，建立工作专班，制定工作机制")},
		"dash":                            {"-", qual("-")},
		"empty":                           {"", qual("")},
		"comparator only":                 {"≥", qual("≥")},
		"percent only":                    {"%", qual("%")},
		"two comparators":                 {"<<6", qual("<<6")},
		"prefix and suffix":               {"≥90以上", qual("≥90以上")},
		"number with unit word":           {"300个", qual("300个")},
		"exponent refused":                {"1e3", qual("1e3")},
		"hex refused":                     {"0x10", qual("0x10")},
		"inf refused":                     {"inf", qual("inf")},
		"nan refused":                     {"NaN", qual("NaN")},
		"underscore refused":              {"1_000", qual("1_000")},
		"thousands separator refused":     {"1,000", qual("1,000")},
		"trailing dot refused":            {"6.", qual("6.")},
		"range refused":                   {"80-90", qual("80-90")},
		"too large for float64":           {"1" + strings.Repeat("9", 400), qual("1" + strings.Repeat("9", 400))},
		"number then sentence":            {"80，逐年提高", qual("80，逐年提高")},
		"comparator after number refused": {"90≥", qual("90≥")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ParseTarget(tc.in); got != tc.want {
				t.Errorf("ParseTarget(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		in   string
		want float64
		ok   bool
	}{
		"decimal (seed I01)":       {"6.00", 6, true},
		"decimal (seed I02)":       {"25.39", 25.39, true},
		"zero (seed I25)":          {"0", 0, true},
		"integer":                  {"100", 100, true},
		"percent":                  {"12.5%", 12.5, true},
		"spaces":                   {" 35 ", 35, true},
		"full-width":               {"４８．３", 48.3, true},
		"negative":                 {"-1.2", -1.2, true},
		"dash (seed)":              {"-", 0, false},
		"empty":                    {"", 0, false},
		"words (seed I45)":         {"国家固体废物管理信息系统", 0, false},
		"comparator is not a base": {"<6.00", 0, false},
		"exponent":                 {"1e2", 0, false},
		"inf":                      {"+Inf", 0, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseNumber(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTargetMet(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		target string
		dir    Direction
		v      float64
		want   bool
	}{
		"<6.00 below":                     {"<6.00", Lower, 5.9, true},
		"<6.00 equal is not met":          {"<6.00", Lower, 6.0, false},
		"<6.00 above":                     {"<6.00", Lower, 6.1, false},
		"<6.00 rounding noise not below":  {"<6.00", Lower, 6 - 1e-12, false},
		">35 equal is not met":            {">35", Higher, 35, false},
		">35 above":                       {">35", Higher, 35.1, true},
		"≥90 equal":                       {"≥90", Higher, 90, true},
		"≥90 rounding noise":              {"≥90", Higher, 89.99999999999999, true},
		"≥90 below":                       {"≥90", Higher, 89.9, false},
		"≤20 equal":                       {"≤20", Lower, 20, true},
		"≤20 above":                       {"≤20", Lower, 20.01, false},
		"bare higher reach":               {"80", Higher, 80, true},
		"bare higher beat":                {"80", Higher, 95, true},
		"bare higher short":               {"80", Higher, 79.9, false},
		"bare lower reach":                {"20", Lower, 20, true},
		"bare lower beat":                 {"20", Lower, 18, true},
		"bare lower short":                {"20", Lower, 20.5, false},
		"bare invalid direction = higher": {"80", "", 80, true},
		"bare zero lower":                 {"0", Lower, 0, true},
		"bare zero higher negative":       {"0", Higher, -1, false},
		"negative target lower":           {"-5", Lower, -6, true},
		"comparator beats direction":      {"<6.00", Higher, 7, false},
		"qualitative never":               {"逐年提高", Higher, 100, false},
		"NaN never":                       {"80", Higher, math.NaN(), false},
		"+Inf never":                      {"80", Higher, math.Inf(1), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ParseTarget(tc.target).Met(tc.v, tc.dir); got != tc.want {
				t.Errorf("ParseTarget(%q).Met(%v, %q) = %v, want %v", tc.target, tc.v, tc.dir, got, tc.want)
			}
		})
	}
}

func TestKindAndComparatorValid(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		got, want bool
	}{
		"numeric":        {Numeric.Valid(), true},
		"qualitative":    {Qualitative.Valid(), true},
		"empty kind":     {Kind("").Valid(), false},
		"other kind":     {Kind("text").Valid(), false},
		"less":           {Less.Valid(), true},
		"less equal":     {LessEqual.Valid(), true},
		"greater":        {Greater.Valid(), true},
		"greater equal":  {GreaterEqual.Valid(), true},
		"equal":          {Equal.Valid(), true},
		"empty cmp":      {Comparator("").Valid(), false},
		"unicode cmp":    {Comparator("≥").Valid(), false},
		"zero target":    {Target{}.IsNumeric(), false},
		"numeric target": {ParseTarget("80").IsNumeric(), true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

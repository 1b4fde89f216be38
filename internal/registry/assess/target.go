package assess

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Kind says whether a target is a number or a statement judged by a person.
type Kind string

// The kinds of target.
const (
	Numeric     Kind = "numeric"
	Qualitative Kind = "qualitative"
)

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool { return k == Numeric || k == Qualitative }

// Comparator is how a numeric target compares a value with its number.
type Comparator string

// The comparators. Equal is what a bare number gets: it means "reach or beat
// the value in the indicator's direction", not exact equality, because the
// seed writes 80 for "at least 80%" and 20 for "at most 20 kg/10,000 yuan".
const (
	Less         Comparator = "<"
	LessEqual    Comparator = "<="
	Greater      Comparator = ">"
	GreaterEqual Comparator = ">="
	Equal        Comparator = "="
)

// Valid reports whether c is one of the comparators.
func (c Comparator) Valid() bool {
	switch c {
	case Less, LessEqual, Greater, GreaterEqual, Equal:
		return true
	}
	return false
}

// Target is a parsed 2025 target. Text is always the original cell, so the
// registry can show it exactly as the seed wrote it. For Numeric targets
// Comparator is valid and Value finite; for Qualitative ones both are zero.
type Target struct {
	Kind       Kind
	Comparator Comparator
	Value      float64
	Text       string
}

// IsNumeric reports whether t can be compared with a value. The zero Target
// is not numeric, so a missing target reads as one for a person to judge.
func (t Target) IsNumeric() bool { return t.Kind == Numeric }

// Met reports whether v meets t for an indicator going in direction d. A
// written comparator is applied as written; Equal (a bare number) is met by
// reaching or beating the value in direction d, higher-is-better when d is not
// valid. Values within a relative 1e-9 of the target count as equal to it,
// so a computed 89.99999999999999 meets "≥90". Qualitative targets and
// non-finite values are never met.
func (t Target) Met(v float64, d Direction) bool {
	if !t.IsNumeric() || !finite(v) || !finite(t.Value) {
		return false
	}
	eps := 1e-9 * math.Max(1, math.Abs(t.Value))
	switch t.Comparator {
	case Less:
		return v < t.Value-eps
	case LessEqual:
		return v <= t.Value+eps
	case Greater:
		return v > t.Value+eps
	case GreaterEqual:
		return v >= t.Value-eps
	}
	if d == Lower {
		return v <= t.Value+eps
	}
	return v >= t.Value-eps
}

// decimal is the only number syntax accepted: no exponents, hex, "inf" or
// digit separators, which strconv.ParseFloat would otherwise let through from
// hand-edited data.
var decimal = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$`)

// widthFolder maps full-width digits and signs to ASCII, because cells typed
// with a Chinese input method often carry them.
var widthFolder = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "＋", "+", "－", "-", "−", "-", "％", "%",
	"＜", "<", "＞", ">", "＝", "=", "≦", "≤", "≧", "≥",
)

// prefixes maps a leading comparator, symbol or word, to its Comparator.
// Longer spellings come first so "<=" is not read as "<" followed by "=5".
var prefixes = []struct {
	text string
	cmp  Comparator
}{
	{"<=", LessEqual}, {">=", GreaterEqual},
	{"≤", LessEqual}, {"≥", GreaterEqual},
	{"<", Less}, {">", Greater}, {"=", Equal},
	{"不低于", GreaterEqual}, {"不少于", GreaterEqual},
	{"不高于", LessEqual}, {"不超过", LessEqual}, {"不多于", LessEqual},
	{"大于", Greater}, {"高于", Greater}, {"超过", Greater},
	{"小于", Less}, {"低于", Less},
}

// suffixes are the trailing forms, as in "90%以上".
var suffixes = []struct {
	text string
	cmp  Comparator
}{
	{"以上", GreaterEqual}, {"以下", LessEqual},
}

// ParseTarget reads a target cell. It never fails: text that is not a
// comparator and a number is a Qualitative target, which is what the seed's
// sentences are. Surrounding spaces, full-width digits and comparators, a
// space after the comparator and a trailing "%" are accepted.
func ParseTarget(text string) Target {
	qualitative := Target{Kind: Qualitative, Text: text}
	s := strings.TrimFunc(widthFolder.Replace(text), unicode.IsSpace)
	cmp := Equal
	found := false
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p.text); ok {
			cmp, s, found = p.cmp, rest, true
			break
		}
	}
	if !found {
		for _, p := range suffixes {
			if rest, ok := strings.CutSuffix(s, p.text); ok {
				cmp, s = p.cmp, rest
				break
			}
		}
	}
	v, ok := parseDecimal(s)
	if !ok {
		return qualitative
	}
	return Target{Kind: Numeric, Comparator: cmp, Value: v, Text: text}
}

// ParseNumber reads a baseline or value cell such as "6.00", "0" or "12.5%".
// It reports false for "-", empty cells and words (国家固体废物管理信息系统),
// which is how the seed writes "no figure".
func ParseNumber(text string) (float64, bool) {
	return parseDecimal(widthFolder.Replace(text))
}

// parseDecimal accepts an optional "%" and spaces around the number.
func parseDecimal(s string) (float64, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	s = strings.TrimSuffix(s, "%")
	s = strings.TrimFunc(s, unicode.IsSpace)
	if !decimal.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		// Only a number too large for float64 gets here.
		return 0, false
	}
	return v, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

package complaint

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/geo"
)

// Without a geocoder an address cannot be placed on the map; what can be
// resolved honestly is an address that names one of Ordos' nine divisions.
// That is enough to route the case (the district decides who handles it)
// and is what Open311 clients such as a hotline often know.

// traditional folds the traditional characters of the nine names (and of
// 鄂尔多斯) to simplified ones, so 東勝區 reads as 东胜区.
var traditional = strings.NewReplacer("東", "东", "勝", "胜", "區", "区", "達", "达", "爾", "尔", "準", "准",
	"錦", "锦", "烏", "乌", "審", "审")

// DistrictInAddress returns the division an address names, when it names
// exactly one. A full name (东胜区, 鄂托克前旗) counts wherever it appears;
// a short name (东胜, 鄂托克前) only as a whole word — at the start or after
// 市, space or punctuation, and at the end or before space or punctuation —
// so 鄂托克 inside 鄂托克前旗 and 准格尔 inside 准格尔召镇 (a town of 伊金霍洛旗)
// name nothing. An address naming none, or two different divisions, gives
// false.
func DistrictInAddress(address string) (geo.District, bool) {
	s := traditional.Replace(address)
	var found geo.District
	n := 0
	for _, d := range geo.Districts() {
		short := strings.TrimSuffix(strings.TrimSuffix(d.Name, "区"), "旗")
		if !strings.Contains(s, d.Name) && !containsWord(s, short) {
			continue
		}
		found, n = d.District, n+1
	}
	if n != 1 {
		return geo.District{}, false
	}
	return found, true
}

// containsWord reports whether w occurs in s with a word boundary on
// either side (see DistrictInAddress).
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || before == '市' || separator(before)) && (end == len(s) || separator(after)) {
			return true
		}
		i = end
	}
}

func separator(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

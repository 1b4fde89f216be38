package cell

import (
	"math"
	"testing"

	"github.com/ordos-wufei/wufei/internal/creditcode"
	"github.com/ordos-wufei/wufei/internal/geo"
)

// FuzzValidateUnit feeds the unit part of an application, as it comes from
// outside, to the validation: it must never panic, and whatever it accepts
// has a valid credit code, a known type and a location in the district it
// names.
func FuzzValidateUnit(f *testing.F) {
	rub, err := DefaultRubrics()
	if err != nil {
		f.Fatal(err)
	}
	s := &Service{rubrics: rub}
	f.Add("测试单位", "91150602MA0000001X", "factory", "", "东胜区", 39.828458, 109.75022, "张三", "13800000000")
	f.Add(" ", "９１１５０６０２ＭＡ００００００１Ｘ", "school", "150603", "x", 39.64346, 109.825115, "李", "0477-1234567")
	f.Add("a", "", "nope", "150602", "", math.NaN(), math.Inf(1), "", "1")
	f.Fuzz(func(t *testing.T, name, code, typ, district, address string, lat, lng float64, contact, phone string) {
		u, ty, fields := s.validateUnit(UnitInput{Name: name, CreditCode: code, Type: typ, District: district, Address: address,
			Lat: &lat, Lng: &lng, ContactName: contact, ContactPhone: phone})
		if len(fields) > 0 {
			return
		}
		if creditcode.Validate(u.CreditCode) != nil || ty.Code == "" || u.Name == "" {
			t.Fatalf("accepted %+v", u)
		}
		d, ok := geo.Locate(u.Lat, u.Lng)
		if !ok || d.Adcode != u.District || district != "" && district != u.District {
			t.Fatalf("accepted a unit whose district is wrong: %+v", u)
		}
	})
}

// FuzzValidateItems: scores outside 0–max, NaN and unknown items never pass.
func FuzzValidateItems(f *testing.F) {
	rub, err := DefaultRubrics()
	if err != nil {
		f.Fatal(err)
	}
	ty, _ := rub.Type("factory")
	f.Add("F01", 10.0, "up_abcdefgh")
	f.Add("F01", 10.5, "")
	f.Add("ZZ", math.NaN(), "../etc/passwd")
	f.Fuzz(func(t *testing.T, item string, score float64, ev string) {
		in := map[string]*ItemInput{item: {Score: &score, Evidence: []string{ev}}}
		if len(validateItems(ty, in, false)) > 0 {
			return
		}
		it, ok := ty.Item(item)
		if !ok || math.IsNaN(score) || score < 0 || score > it.MaxScore || !uploadIDPattern.MatchString(ev) {
			t.Fatalf("accepted %q %v %q", item, score, ev)
		}
	})
}

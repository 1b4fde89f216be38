package httpapi

import (
	"math"
	"net/url"
	"testing"

	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// FuzzComplaintBody: the intake decoder never panics, and either refuses
// with a client error or yields finite-or-absent coordinates it was given.
func FuzzComplaintBody(f *testing.F) {
	for _, s := range []string{
		`{"category":"other","description":"堆放垃圾","lat":39.6,"lng":109.8,"photos":["up_1"],"attributes":{"a":"b"}}`,
		`{"lat":1e400}`, `{"photos":"x"}`, `{}`, `[]`, `{"anonymous":true}{}`, `{"attributes":{"a":1}}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseComplaintBody(body)
		if err != nil {
			if k := errs.KindOf(err); k != errs.KindInvalid {
				t.Fatalf("kind %v for %q: %v", k, body, err)
			}
			return
		}
		for _, p := range []*float64{in.Lat, in.Lng} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
				t.Fatalf("non-finite coordinate from %q", body)
			}
		}
	})
}

// FuzzOpen311Form: the POST form parser never panics; accepted forms have
// a service code, in-range coordinates converted to GCJ-02 or else (no
// coordinates) a district its address_string names, and attribute codes
// without brackets.
func FuzzOpen311Form(f *testing.F) {
	for _, s := range []string{
		"api_key=k&service_code=other&lat=39.6&long=109.8&description=x&attribute[a]=1&attribute[m][]=x&attribute[m][]=y",
		"lat=NaN&long=1", "lat=91&long=0&service_code=a", "attribute[]=1&service_code=a&lat=1&long=1", "attribute[a[b]]=1",
		"address_string=东胜区&service_code=a", "address_string=鄂尔多斯市鄂托克前旗&service_code=a", "address_string=东胜区康巴什区&service_code=a", "%zz", "lat=1e999&long=-1e999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := parseOpen311Form(form)
		if err != nil {
			if errs.KindOf(err) != errs.KindInvalid {
				t.Fatalf("kind for %q: %v", raw, err)
			}
			return
		}
		in := p.Input
		if in.Lat == nil && in.Lng == nil {
			if d, ok := complaint.DistrictInAddress(form.Get("address_string")); in.Category == "" || !ok || in.District != d.Adcode {
				t.Fatalf("accepted %q without a point as %+v", raw, in)
			}
		} else if in.Category == "" || in.Lat == nil || in.Lng == nil || math.IsNaN(*in.Lat) || math.Abs(*in.Lat) > 91 || math.Abs(*in.Lng) > 181 {
			t.Fatalf("accepted %q as %+v", raw, in)
		}
		for k := range in.Attributes {
			if k == "" {
				t.Fatalf("empty attribute code from %q", raw)
			}
		}
	})
}

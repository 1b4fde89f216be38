package httpapi_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
)

// validateSchema checks v against the subset of JSON Schema the Open311
// schemas in testdata/open311 use: type, required, properties, items,
// enum, anyOf, maxLength, format date-time and uri, and $ref to a sibling
// file. It returns every violation with its path.
func validateSchema(t *testing.T, schemaFile string, v any) []string {
	t.Helper()
	var errs []string
	var check func(schema map[string]any, v any, path string)
	load := func(name string) map[string]any {
		data, err := os.ReadFile(filepath.Join("testdata", "open311", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	typeOK := func(typ string, v any) bool {
		switch typ {
		case "string":
			_, ok := v.(string)
			return ok
		case "number":
			_, ok := v.(float64)
			return ok
		case "integer":
			f, ok := v.(float64)
			return ok && f == float64(int64(f))
		case "boolean":
			_, ok := v.(bool)
			return ok
		case "array":
			_, ok := v.([]any)
			return ok
		case "object":
			_, ok := v.(map[string]any)
			return ok
		case "null":
			return v == nil
		}
		return false
	}
	check = func(schema map[string]any, v any, path string) {
		if ref, ok := schema["$ref"].(string); ok {
			check(load(ref), v, path)
			return
		}
		if anyOf, ok := schema["anyOf"].([]any); ok {
			saved := errs
			for _, alt := range anyOf {
				errs = nil
				check(alt.(map[string]any), v, path)
				if len(errs) == 0 {
					errs = saved
					return
				}
			}
			errs = append(saved, path+": matches no anyOf alternative")
			return
		}
		if typ, ok := schema["type"].(string); ok && !typeOK(typ, v) {
			errs = append(errs, fmt.Sprintf("%s: %v is not %s", path, v, typ))
			return
		}
		if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", path, v, enum))
		}
		if s, ok := v.(string); ok {
			if max, ok := schema["maxLength"].(float64); ok && float64(len([]rune(s))) > max {
				errs = append(errs, path+": too long")
			}
			switch schema["format"] {
			case "date-time":
				if _, err := time.Parse(time.RFC3339, s); err != nil {
					errs = append(errs, path+": not date-time: "+s)
				}
			case "uri":
				if u, err := url.Parse(s); err != nil || u.Scheme == "" {
					errs = append(errs, path+": not a URI: "+s)
				}
			}
		}
		if obj, ok := v.(map[string]any); ok {
			for _, r := range asList(schema["required"]) {
				if _, ok := obj[r.(string)]; !ok {
					errs = append(errs, path+": missing "+r.(string))
				}
			}
			props, _ := schema["properties"].(map[string]any)
			for k, pv := range obj {
				if ps, ok := props[k].(map[string]any); ok {
					check(ps, pv, path+"."+k)
				}
			}
		}
		if arr, ok := v.([]any); ok {
			if items, ok := schema["items"].(map[string]any); ok {
				for i, it := range arr {
					check(items, it, fmt.Sprintf("%s[%d]", path, i))
				}
			}
		}
	}
	check(load(schemaFile), v, "$")
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func (r response) wantSchema(t *testing.T, schemaFile string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("not JSON: %s", r.Body)
	}
	if errs := validateSchema(t, schemaFile, v); len(errs) > 0 {
		t.Fatalf("%s violations: %v\n%s", schemaFile, errs, r.Body)
	}
	return v
}

// The XML shapes of the specification.
type xmlServices struct {
	XMLName  xml.Name `xml:"services"`
	Services []struct {
		ServiceCode string `xml:"service_code"`
		ServiceName string `xml:"service_name"`
		Metadata    bool   `xml:"metadata"`
		Type        string `xml:"type"`
	} `xml:"service"`
}

type xmlDefinition struct {
	XMLName     xml.Name `xml:"service_definition"`
	ServiceCode string   `xml:"service_code"`
	Attributes  []struct {
		Code     string `xml:"code"`
		Datatype string `xml:"datatype"`
		Required bool   `xml:"required"`
		Values   []struct {
			Key  string `xml:"key"`
			Name string `xml:"name"`
		} `xml:"values>value"`
	} `xml:"attributes>attribute"`
}

type xmlRequests struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []struct {
		ID       string  `xml:"service_request_id"`
		Status   string  `xml:"status"`
		Code     string  `xml:"service_code"`
		Lat      float64 `xml:"lat"`
		Long     float64 `xml:"long"`
		Expected string  `xml:"expected_datetime"`
	} `xml:"request"`
}

type xmlErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

func xmlDecode(t *testing.T, r response, v any) {
	t.Helper()
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("content type %q", r.Header.Get("Content-Type"))
	}
	if err := xml.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("xml: %v\n%s", err, r.Body)
	}
}

// wantOpen311Error checks the specification's error list in JSON.
func (r response) wantOpen311Error(t *testing.T, status int) string {
	t.Helper()
	r.want(status)
	var list []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list) == 0 || list[0].Code != status || !containsHan(list[0].Description) {
		t.Fatalf("open311 error body: %s", r.Body)
	}
	return list[0].Description
}

func TestOpen311(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	admin := e.tokens[account.RoleAdmin]

	// Discovery, both formats.
	d := e.do("GET", "/open311/v2/discovery.json", "", nil).want(200).json()
	if eps, _ := d["endpoints"].([]any); len(eps) != 1 {
		t.Fatalf("discovery: %v", d)
	}
	var dx struct {
		XMLName   xml.Name `xml:"discovery"`
		Endpoints []struct {
			Specification string   `xml:"specification"`
			Formats       []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	xmlDecode(t, e.do("GET", "/open311/v2/discovery.xml", "", nil).want(200), &dx)
	if len(dx.Endpoints) != 1 || len(dx.Endpoints[0].Formats) != 2 {
		t.Fatalf("discovery xml: %+v", dx)
	}

	// Services and definitions.
	svcs := e.do("GET", "/open311/v2/services.json", "", nil).want(200).wantSchema(t, "services.json").([]any)
	if len(svcs) != 9 {
		t.Fatalf("%d services", len(svcs))
	}
	var sx xmlServices
	xmlDecode(t, e.do("GET", "/open311/v2/services.xml?jurisdiction_id=150600", "", nil).want(200), &sx)
	if len(sx.Services) != 9 || sx.Services[0].ServiceCode != "illegal_dumping" || !sx.Services[0].Metadata || sx.Services[0].Type != "realtime" {
		t.Fatalf("services xml: %+v", sx.Services)
	}
	def := e.do("GET", "/open311/v2/services/hazardous_waste.json", "", nil).want(200).wantSchema(t, "service-definition.json").(map[string]any)
	if attrs := def["attributes"].([]any); len(attrs) != 1 {
		t.Fatalf("definition: %v", def)
	}
	var defx xmlDefinition
	xmlDecode(t, e.do("GET", "/open311/v2/services/illegal_dumping.xml", "", nil).want(200), &defx)
	if defx.ServiceCode != "illegal_dumping" || len(defx.Attributes) != 2 || len(defx.Attributes[0].Values) != 4 {
		t.Fatalf("definition xml: %+v", defx)
	}
	e.do("GET", "/open311/v2/services/medical_waste.json", "", nil).want(200).wantSchema(t, "service-definition.json")

	// Errors in the specification's shape, both formats.
	e.do("GET", "/open311/v2/services/nope.json", "", nil).wantOpen311Error(t, 404)
	e.do("GET", "/open311/v2/services.json?jurisdiction_id=110000", "", nil).wantOpen311Error(t, 404)
	e.do("GET", "/open311/v2/services.csv", "", nil).wantOpen311Error(t, 404)
	var ex xmlErrors
	xmlDecode(t, e.do("GET", "/open311/v2/requests.xml?start_date=yesterday", "", nil).want(400), &ex)
	if len(ex.Errors) != 1 || ex.Errors[0].Code != 400 || !strings.Contains(ex.Errors[0].Description, "start_date") {
		t.Fatalf("xml error: %+v", ex)
	}
	e.do("GET", "/open311/v2/requests.json?end_date=2026-13-01", "", nil).wantOpen311Error(t, 400)
	e.do("GET", "/open311/v2/requests.json?status=pending", "", nil).wantOpen311Error(t, 400)

	// A complaint from the mini-program appears at once, without the person.
	lat, lng := ordosPoint(t, "150602", 0)
	c := e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": "household_waste", "description": "垃圾桶满溢", "lat": lat, "lng": lng,
		"address": "东胜区某小区", "contact_phone": "13700001234"}).want(201).complaint()
	res := e.do("GET", "/open311/v2/requests.json", "", nil).want(200)
	list := res.wantSchema(t, "requests.json").([]any)
	if len(list) != 1 || strings.Contains(string(res.Body), "13700001234") {
		t.Fatalf("requests: %s", res.Body)
	}
	r0 := list[0].(map[string]any)
	if r0["service_request_id"] != c.ID || r0["status"] != "open" || r0["detailed_status"] != "submitted" || r0["expected_datetime"] == nil {
		t.Fatalf("request: %v", r0)
	}
	// WGS-84, rounded: about 500 m from the GCJ-02 input in Ordos, on a 0.001° grid.
	if la, lo := r0["lat"].(float64), r0["long"].(float64); la*1000 != float64(int64(la*1000+0.5*sign(la))) ||
		lo*1000 != float64(int64(lo*1000+0.5*sign(lo))) || abs(la-lat) > 0.01 || abs(lo-lng) > 0.01 || (abs(la-lat) < 1e-4 && abs(lo-lng) < 1e-4) {
		t.Fatalf("public location %v,%v from %v,%v", la, lo, lat, lng)
	}
	e.do("GET", "/open311/v2/requests/"+c.ID+".json", "", nil).want(200).wantSchema(t, "requests.json")
	var rx xmlRequests
	xmlDecode(t, e.do("GET", "/open311/v2/requests/"+c.ID+".xml", "", nil).want(200), &rx)
	if len(rx.Requests) != 1 || rx.Requests[0].ID != c.ID || rx.Requests[0].Status != "open" || rx.Requests[0].Expected == "" {
		t.Fatalf("request xml: %+v", rx)
	}
	e.do("GET", "/open311/v2/requests/WF1.json", "", nil).wantOpen311Error(t, 404)
	e.do("GET", "/open311/v2/requests.json?status=closed", "", nil).want(200).wantSchema(t, "requests.json")
	var closed []any
	e.do("GET", "/open311/v2/requests.json?status=closed", "", nil).decode(&closed)
	if len(closed) != 0 {
		t.Fatalf("closed list: %v", closed)
	}
	e.do("GET", "/open311/v2/requests.json?service_request_id="+c.ID+",WF1", "", nil).want(200).wantSchema(t, "requests.json")

	// POST needs a key issued by the admin.
	form := url.Values{"service_code": {"illegal_dumping"}, "lat": {"39.6"}, "long": {"109.78"}, "description": {"路边倾倒建筑垃圾"},
		"attribute[waste_type]": {"construction"}, "first_name": {"三"}, "last_name": {"张"}, "phone": {"13600001111"},
		"media_url": {"https://example.org/a.jpg"}}
	post := func(f url.Values, format string) response {
		return e.doRaw("POST", "/open311/v2/requests."+format, "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	}
	post(form, "json").wantOpen311Error(t, 403)
	form.Set("api_key", "wrong")
	post(form, "json").wantOpen311Error(t, 403)
	e.do("POST", "/api/v1/admin/open311/keys", admin, map[string]string{"name": ""}).wantError(400, "validation_failed")
	key := e.do("POST", "/api/v1/admin/open311/keys", admin, map[string]string{"name": "12345 市民热线"}).want(201).json()["api_key"].(string)
	form.Set("api_key", key)
	created := post(form, "json").want(201)
	var ids []struct {
		ServiceRequestID string  `json:"service_request_id"`
		ServiceNotice    string  `json:"service_notice"`
		AccountID        *string `json:"account_id"`
	}
	created.decode(&ids)
	if len(ids) != 1 || !strings.HasPrefix(ids[0].ServiceRequestID, "WF") || ids[0].ServiceNotice == "" {
		t.Fatalf("created: %s", created.Body)
	}
	// The Open311 client's person is visible to the admin only, not publicly.
	full := e.do("GET", "/api/v1/complaints/"+ids[0].ServiceRequestID, admin, nil).want(200)
	if !strings.Contains(string(full.Body), "13600001111") || !strings.Contains(string(full.Body), "张三") {
		t.Fatalf("admin view lacks the contact: %s", full.Body)
	}
	pub := e.do("GET", "/open311/v2/requests/"+ids[0].ServiceRequestID+".json", "", nil).want(200)
	pub.wantSchema(t, "requests.json")
	if strings.Contains(string(pub.Body), "13600001111") || strings.Contains(string(pub.Body), "张三") {
		t.Fatalf("public view leaks the person: %s", pub.Body)
	}
	// The stored location is GCJ-02 of the WGS-84 input: back-converted for
	// Open311 it lands on the input, to the rounding grid.
	var one []map[string]any
	pub.decode(&one)
	if abs(one[0]["lat"].(float64)-39.6) > 0.0011 || abs(one[0]["long"].(float64)-109.78) > 0.0011 {
		t.Fatalf("round trip: %v", one[0])
	}
	// XML creation answer.
	form.Set("description", "另一处倾倒")
	var cx struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID string `xml:"service_request_id"`
		} `xml:"request"`
	}
	xmlDecode(t, post(form, "xml").want(201), &cx)
	if len(cx.Requests) != 1 || cx.Requests[0].ID == "" {
		t.Fatalf("xml created: %+v", cx)
	}
	// Bad posts: no location (an address that names no single district, or
	// an address_id), unknown service, outside Ordos, bad attribute, form type.
	noPoint := func(key, value string) func(url.Values) {
		return func(f url.Values) { f.Del("lat"); f.Del("long"); f.Set(key, value) }
	}
	for name, edit := range map[string]func(url.Values){
		"no location":     noPoint("address_string", "某小区东门"),
		"two districts":   noPoint("address_string", "东胜区与康巴什区交界处"),
		"address_id only": noPoint("address_id", "A-1024"),
		"unknown service": func(f url.Values) { f.Set("service_code", "nope") },
		"outside Ordos":   func(f url.Values) { f.Set("lat", "39.9"); f.Set("long", "116.4") },
		"bad attribute":   func(f url.Values) { f.Set("attribute[waste_type]", "gold") },
		"bad media_url":   func(f url.Values) { f.Set("media_url", "javascript:alert(1)") },
		"bad jurisdiction": func(f url.Values) {
			f.Set("jurisdiction_id", "110000")
		},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = slices.Clone(v)
		}
		edit(f)
		want := 400
		if name == "bad jurisdiction" {
			want = 404
		}
		t.Run(name, func(t *testing.T) {
			e.t = t
			post(f, "json").wantOpen311Error(t, want)
		})
	}
	e.t = t
	e.doRaw("POST", "/open311/v2/requests.json", "", `{"api_key":"x"}`, "Content-Type", "application/json").wantOpen311Error(t, 400)

	// A case rejected (not as abuse) is closed, with the reason as its notes.
	e.do("POST", "/api/v1/complaints/"+c.ID+"/reject", admin, map[string]any{"reason": "不属于固体废物问题"}).want(200)
	var cl, op []map[string]any
	e.do("GET", "/open311/v2/requests.json?status=closed", "", nil).want(200).decode(&cl)
	e.do("GET", "/open311/v2/requests.json?status=open", "", nil).want(200).decode(&op)
	if len(cl) != 1 || cl[0]["service_request_id"] != c.ID || cl[0]["status"] != "closed" || cl[0]["status_notes"] != "不属于固体废物问题" ||
		cl[0]["expected_datetime"] != nil || len(op) != 2 {
		t.Fatalf("closed %v; open %d", cl, len(op))
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/internal/account"
)

// TestOpen311AddressString: a request located by an address_string naming
// one banner or district is filed for it without a point: no duplicate
// search, no map point, lat/long null in JSON and absent in XML; any other
// address is a 400 saying a location is required.
func TestOpen311AddressString(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	key := e.do("POST", "/api/v1/admin/open311/keys", admin, map[string]string{"name": "12345 市民热线"}).want(201).json()["api_key"].(string)
	post := func(format string, f url.Values) response {
		f.Set("api_key", key)
		return e.doRaw("POST", "/open311/v2/requests."+format, "", f.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	}
	file := func(address string) string {
		var ids []struct {
			ID string `json:"service_request_id"`
		}
		post("json", url.Values{"service_code": {"other"}, "address_string": {address}, "description": {"有人倾倒垃圾"}}).want(201).decode(&ids)
		return ids[0].ID
	}

	cases := map[string]string{ // address → adcode
		"内蒙古自治区鄂尔多斯市东胜区天骄路 12 号": "150602",
		"東勝區": "150602",
		"东胜":  "150602",
		"鄂尔多斯市鄂托克前旗敖勒召其镇": "150623", // 鄂托克 (鄂托克旗) is only a prefix here
		"鄂托克旗乌兰镇":         "150624",
		"伊金霍洛旗准格尔召镇":      "150627", // 准格尔 inside a town's name names nothing
		"鄂托克前":            "150623", // a whole short name
	}
	var dongsheng string
	for address, adcode := range cases {
		id := file(address)
		var v struct {
			Located  bool     `json:"located"`
			Lat      *float64 `json:"lat"`
			Lng      *float64 `json:"lng"`
			Address  string   `json:"address"`
			District struct{ Adcode, Name string }
		}
		e.do("GET", "/api/v1/complaints/"+id, admin, nil).want(200).decode(&v)
		if v.Located || v.Lat != nil || v.Lng != nil || v.District.Adcode != adcode || v.Address != address {
			t.Fatalf("%s: %+v", address, v)
		}
		if address == "东胜" {
			dongsheng = id
		}
	}

	// Open311 output: schema-valid, lat/long null in JSON, absent in XML.
	res := e.do("GET", "/open311/v2/requests/"+dongsheng+".json", "", nil).want(200)
	res.wantSchema(t, "requests.json")
	var one []map[string]json.RawMessage
	res.decode(&one)
	if string(one[0]["lat"]) != "null" || string(one[0]["long"]) != "null" || string(one[0]["district"]) != `"东胜区"` {
		t.Fatalf("open311 json: %s", res.Body)
	}
	e.do("GET", "/open311/v2/requests.json", "", nil).want(200).wantSchema(t, "requests.json")
	x := e.do("GET", "/open311/v2/requests/"+dongsheng+".xml", "", nil).want(200)
	var rx xmlRequests
	xmlDecode(t, x, &rx)
	if len(rx.Requests) != 1 || strings.Contains(string(x.Body), "<lat>") || strings.Contains(string(x.Body), "<long>") {
		t.Fatalf("open311 xml: %s", x.Body)
	}

	// No duplicate search either way: a point at the district's centre
	// finds none of them, and filing there suggests none.
	lat, lng := ordosPoint(t, "150602", 0)
	alice := e.tokens[account.RoleCitizen]
	if body := string(e.do("GET", nearbyPath("other", lat, lng), alice, nil).want(200).Body); body != `{"items":[]}` {
		t.Fatalf("nearby: %s", body)
	}
	located := e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": "other", "description": "堆放垃圾", "lat": lat, "lng": lng}).want(201).complaint()
	if len(located.Duplicates) != 0 {
		t.Fatalf("duplicates: %+v", located.Duplicates)
	}

	// The district routes it: its staff see it and the workflow runs.
	district := e.tokens[account.RoleDistrict] // 150602
	e.do("GET", "/api/v1/complaints/"+dongsheng, district, nil).want(200)
	e.do("POST", "/api/v1/complaints/"+dongsheng+"/accept", admin, nil).want(200)
	e.do("POST", "/api/v1/complaints/"+dongsheng+"/assign", admin, map[string]string{"district": "150602"}).want(200)
	e.do("POST", "/api/v1/complaints/"+dongsheng+"/start", district, nil).want(200)
	var page struct {
		Items []struct {
			ID      string   `json:"id"`
			Located bool     `json:"located"`
			Lat     *float64 `json:"lat"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/complaints", district, nil).want(200).decode(&page)
	seen := false
	for _, it := range page.Items {
		if it.ID == dongsheng {
			seen = !it.Located && it.Lat == nil
		}
	}
	if !seen {
		t.Fatalf("district list: %+v", page.Items)
	}

	// Anything else: 400 saying a location is required, in both formats.
	for _, address := range []string{"", "某小区东门", "鄂尔多斯市", "东胜区与康巴什区交界", "准格尔召镇", "杭锦旗 乌审旗"} {
		f := url.Values{"service_code": {"other"}, "description": {"x"}}
		if address != "" {
			f.Set("address_string", address)
		}
		desc := post("json", f).wantOpen311Error(t, 400)
		if !strings.Contains(desc, "位置") {
			t.Fatalf("%q: %s", address, desc)
		}
	}
	var ex xmlErrors
	xmlDecode(t, post("xml", url.Values{"service_code": {"other"}, "address_id": {"A-1"}}).want(400), &ex)
	if len(ex.Errors) != 1 || ex.Errors[0].Code != 400 || !strings.Contains(ex.Errors[0].Description, "address_string") {
		t.Fatalf("xml error: %+v", ex)
	}
}

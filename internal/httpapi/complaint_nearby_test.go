package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/geo"
)

// nearbyPath is the nearby query for a category at a point.
func nearbyPath(category string, lat, lng float64) string {
	return fmt.Sprintf("/api/v1/complaints/nearby?category=%s&lat=%v&lng=%v", category, lat, lng)
}

// TestComplaintNearby: before filing, a citizen sees the open complaints
// intake would suggest, in the shape of intake's duplicates, with no person.
func TestComplaintNearby(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	bob := e.citizen("o_bob")
	admin := e.tokens[account.RoleAdmin]
	lat, lng := ordosPoint(t, "150602", 0)
	filed := e.do("POST", "/api/v1/complaints", alice, map[string]any{
		"category": "hazardous_waste", "description": "路边倾倒废机油桶", "lat": lat, "lng": lng, "address": "东胜区某路口",
		"contact_phone": "13800138000", "attributes": map[string]string{"leaking": "yes"},
	}).want(201).complaint()

	// Found: 60 m away, same category.
	lat2, lng2 := ordosPoint(t, "150602", 60)
	res := e.do("GET", nearbyPath("hazardous_waste", lat2, lng2), bob, nil).want(200)
	var got struct {
		Items []map[string]any `json:"items"`
	}
	res.decode(&got)
	if len(got.Items) != 1 {
		t.Fatalf("nearby: %s", res.Body)
	}
	it := got.Items[0]
	var keys []string
	for k := range it {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, " ") != "description distance_m id lat lng status status_label submitted_at" {
		t.Fatalf("item fields %v", keys)
	}
	if it["id"] != filed.ID || it["status"] != "submitted" || it["status_label"] != "待受理" || it["distance_m"] != 100.0 {
		t.Fatalf("item %v", it)
	}
	if rl, rg := geo.RoundForPublic(lat, lng); it["lat"] != rl || it["lng"] != rg {
		t.Fatalf("location %v,%v not the public rounding of %v,%v", it["lat"], it["lng"], lat, lng)
	}
	for _, secret := range []string{"13800138000", "o_citizen_1", "reporter", "user_id", "东胜区某路口"} {
		if strings.Contains(string(res.Body), secret) {
			t.Fatalf("answer leaks %q: %s", secret, res.Body)
		}
	}
	// The same shape as intake's duplicates: bob filing there gets the same item.
	dup := e.do("POST", "/api/v1/complaints", bob, map[string]any{
		"category": "hazardous_waste", "description": "这里有人倒废油", "lat": lat2, "lng": lng2, "attributes": map[string]string{"leaking": "no"},
	}).want(201).json()["duplicates"].([]any)
	if len(dup) != 1 || fmt.Sprint(dup[0]) != fmt.Sprint(it) {
		t.Fatalf("intake duplicates %v, nearby %v", dup, it)
	}

	// Not found: another category, far away; an empty list, not null.
	for _, path := range []string{nearbyPath("open_burning", lat2, lng2), nearbyPath("hazardous_waste", lat+0.02, lng)} {
		if body := string(e.do("GET", path, bob, nil).want(200).Body); body != `{"items":[]}` {
			t.Fatalf("%s: %s", path, body)
		}
	}
	// No longer open: rejected cases are not suggested.
	e.do("POST", "/api/v1/complaints/"+filed.ID+"/reject", admin, map[string]any{"reason": "已由其他部门处理"}).want(200)
	var after struct {
		Items []struct{ ID string } `json:"items"`
	}
	e.do("GET", nearbyPath("hazardous_waste", lat2, lng2), bob, nil).want(200).decode(&after)
	if len(after.Items) != 1 || after.Items[0].ID == filed.ID {
		t.Fatalf("after rejection: %+v", after.Items)
	}
}

// TestComplaintNearbyBadInput: the same field errors as intake, and only
// citizens may ask.
func TestComplaintNearbyBadInput(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	lat, lng := ordosPoint(t, "150602", 0)
	ok := fmt.Sprintf("lat=%v&lng=%v", lat, lng)
	cases := map[string]struct {
		query  string
		status int
		code   string
		fields map[string]string
	}{
		"unknown category": {"category=nope&" + ok, 400, "validation_failed", map[string]string{"category": "unknown"}},
		"no category":      {ok, 400, "validation_failed", map[string]string{"category": "unknown"}},
		"lat out of range": {fmt.Sprintf("category=other&lat=91&lng=%v", lng), 400, "validation_failed", map[string]string{"lat": "out_of_range"}},
		"lng out of range": {fmt.Sprintf("category=other&lat=%v&lng=-181", lat), 400, "validation_failed", map[string]string{"lng": "out_of_range"}},
		"NaN":              {fmt.Sprintf("category=other&lat=NaN&lng=%v", lng), 400, "validation_failed", map[string]string{"lat": "out_of_range"}},
		"no location":      {"category=other", 400, "validation_failed", map[string]string{"lat": "required", "lng": "required"}},
		"not a number":     {fmt.Sprintf("category=other&lat=39.6N&lng=%v", lng), 400, "validation_failed", map[string]string{"lat": "invalid_type"}},
		"outside Ordos":    {"category=other&lat=39.9042&lng=116.4074", 422, "location_outside_ordos", nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			res := e.do("GET", "/api/v1/complaints/nearby?"+tc.query, alice, nil).wantError(tc.status, tc.code)
			for f, code := range tc.fields {
				if res.fields()[f] != code {
					t.Fatalf("fields %v, want %s=%s", res.fields(), f, code)
				}
			}
		})
	}
	e.t = t
	path := "/api/v1/complaints/nearby?category=other&" + ok
	e.do("GET", path, "", nil).wantError(401, "unauthenticated")
	for _, role := range []account.Role{account.RoleAdmin, account.RoleDepartment, account.RoleDistrict, account.RoleEvaluator} {
		e.do("GET", path, e.tokens[role], nil).wantError(403, "forbidden")
	}
}

// TestComplaintNearbyRateLimited: 60 a minute per citizen, refused queries
// included; another citizen is not affected.
func TestComplaintNearbyRateLimited(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	lat, lng := ordosPoint(t, "150602", 0)
	path := nearbyPath("other", lat, lng)
	for i := 0; i < 60; i++ {
		e.do("GET", path, alice, nil).want(200)
	}
	res := e.do("GET", path, alice, nil).wantError(429, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	e.do("GET", path, e.citizen("o_other"), nil).want(200)
}

package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/geo"
)

// ordosPoint is a point well inside district adcode (its centroid), moved
// north by dNorth metres.
func ordosPoint(t *testing.T, adcode string, dNorth float64) (float64, float64) {
	t.Helper()
	for _, d := range geo.Districts() {
		if d.Adcode == adcode {
			return d.Centroid.Lat + dNorth/111195, d.Centroid.Lng
		}
	}
	t.Fatalf("no district %s", adcode)
	return 0, 0
}

// userID returns the id of the user behind token.
func (e *env) userID(token string) string {
	e.t.Helper()
	return e.do("GET", "/api/v1/me", token, nil).want(200).json()["id"].(string)
}

type complaintView struct {
	ID         string `json:"id"`
	TrackingNo string `json:"tracking_no"`
	Status     string `json:"status"`
	View       string `json:"view"`
	District   struct{ Adcode, Name string }
	Lat, Lng   float64
	Photos     []string `json:"photos"`
	Reporter   *struct {
		Name, Phone string
	} `json:"reporter"`
	Handler    *struct{ Kind, Code, Name string } `json:"handler"`
	AcceptDue  time.Time                          `json:"accept_due"`
	ResolveDue *time.Time                         `json:"resolve_due"`
	Extension  *struct {
		Days  int
		State string
	} `json:"extension"`
	Reopened   int `json:"reopened"`
	Duplicates []struct {
		ID        string  `json:"id"`
		DistanceM float64 `json:"distance_m"`
	} `json:"duplicates"`
	History []struct {
		Action, From, To string
	} `json:"history"`
}

func (r response) complaint() complaintView {
	r.t.Helper()
	var v complaintView
	r.decode(&v)
	return v
}

// TestComplaintWholePath walks the path through HTTP: report →
// duplicate suggested → accept → assign → transfer → extend → resolve →
// dissatisfied reopen → resolve → satisfied close, indicator 48 updated,
// with history, audit and notifications along the way.
func TestComplaintWholePath(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.tokens[account.RoleCitizen]
	bob := e.citizen("o_bob")
	admin := e.tokens[account.RoleAdmin]
	eco := e.tokens[account.RoleDepartment] // 市生态环境局: department of hazardous_waste
	agri := e.staff("agri", account.RoleDepartment, "市农牧局")
	dongsheng := e.tokens[account.RoleDistrict] // 150602

	photo := e.uploadFile(alice, "file", "a.png", pngBytes(t)).want(201).json()["id"].(string)
	lat, lng := ordosPoint(t, "150602", 0)
	first := e.do("POST", "/api/v1/complaints", alice, map[string]any{
		"category": "hazardous_waste", "description": "路边倾倒废机油桶，有刺鼻气味", "lat": lat, "lng": lng,
		"address": "东胜区某路口", "photos": []string{photo}, "contact_phone": "13800138000",
		"attributes": map[string]string{"leaking": "yes"},
	}).want(201).complaint()
	if !strings.HasPrefix(first.ID, "WF") || first.TrackingNo != first.ID || first.Status != "submitted" || first.District.Adcode != "150602" ||
		first.AcceptDue.IsZero() || len(first.Duplicates) != 0 || first.View != "full" {
		t.Fatalf("intake: %+v", first)
	}
	// Photos are visible to whoever sees the complaint, not to others.
	e.do("GET", "/api/v1/uploads/"+photo, admin, nil).want(200)
	e.do("GET", "/api/v1/uploads/"+photo, e.citizen("o_carol"), nil).want(404)

	// Bob reports the same thing 60 m away: alice's case is suggested.
	lat2, lng2 := ordosPoint(t, "150602", 60)
	second := e.do("POST", "/api/v1/complaints", bob, map[string]any{
		"category": "hazardous_waste", "description": "这里有人倒废油", "lat": lat2, "lng": lng2,
		"attributes": map[string]string{"leaking": "unknown"},
	}).want(201).complaint()
	if len(second.Duplicates) != 1 || second.Duplicates[0].ID != first.ID || second.Duplicates[0].DistanceM != 100 {
		t.Fatalf("duplicates: %+v", second.Duplicates)
	}
	// Another category at the same place is not a duplicate.
	third := e.do("POST", "/api/v1/complaints", bob, map[string]any{
		"category": "open_burning", "description": "有人焚烧垃圾", "lat": lat2, "lng": lng2,
	}).want(201).complaint()
	if len(third.Duplicates) != 0 {
		t.Fatalf("other category suggested: %+v", third.Duplicates)
	}
	// Bob follows alice's case and merges nothing himself; staff merge his.
	followed := e.do("POST", "/api/v1/complaints/"+first.ID+"/follow", bob, nil).want(200).complaint()
	if followed.View != "public" || followed.Reporter != nil {
		t.Fatalf("follower sees %+v", followed)
	}
	e.do("POST", "/api/v1/complaints/"+second.ID+"/merge", eco, map[string]string{"into": first.ID}).want(200)

	// Accept (the category's department), assign, transfer.
	acc := e.do("POST", "/api/v1/complaints/"+first.ID+"/accept", eco, nil).want(200).complaint()
	if acc.Status != "accepted" || acc.ResolveDue == nil {
		t.Fatalf("accept: %+v", acc)
	}
	e.do("POST", "/api/v1/complaints/"+first.ID+"/accept", eco, nil).wantError(409, "invalid_status")
	as := e.do("POST", "/api/v1/complaints/"+first.ID+"/assign", eco, map[string]string{"department": "市农牧局"}).want(200).complaint()
	if as.Status != "assigned" || as.Handler == nil || as.Handler.Code != "市农牧局" {
		t.Fatalf("assign: %+v", as)
	}
	// Not the handler: the district may not start it yet.
	e.do("POST", "/api/v1/complaints/"+first.ID+"/start", dongsheng, nil).wantError(403, "not_handler")
	e.do("POST", "/api/v1/complaints/"+first.ID+"/assign", agri, map[string]string{"district": "150602"}).want(400)
	tr := e.do("POST", "/api/v1/complaints/"+first.ID+"/assign", agri, map[string]string{"district": "150602", "reason": "属地处置"}).want(200).complaint()
	if tr.Handler == nil || tr.Handler.Code != "150602" || tr.Status != "assigned" {
		t.Fatalf("transfer: %+v", tr)
	}
	e.do("POST", "/api/v1/complaints/"+first.ID+"/start", agri, nil).wantError(403, "not_handler")

	// Extension: requested by the handler, approved once by the admin.
	e.do("POST", "/api/v1/complaints/"+first.ID+"/extend", dongsheng, map[string]any{"days": 5, "reason": "需检测废油成分"}).want(200)
	e.do("POST", "/api/v1/complaints/"+first.ID+"/extend", dongsheng, map[string]any{"days": 5, "reason": "再次"}).wantError(409, "extension_used")
	ext := e.do("POST", "/api/v1/complaints/"+first.ID+"/extension", admin, map[string]any{"approve": true}).want(200).complaint()
	if ext.Extension == nil || ext.Extension.State != "approved" || !ext.ResolveDue.After(*acc.ResolveDue) {
		t.Fatalf("extension: %+v (was due %v)", ext, acc.ResolveDue)
	}
	e.do("POST", "/api/v1/complaints/"+first.ID+"/extension", admin, map[string]any{"approve": true}).wantError(409, "no_extension_request")

	// Work, resolve with a photo, dissatisfied reopen, resolve, satisfied close.
	e.do("POST", "/api/v1/complaints/"+first.ID+"/resolve", dongsheng, map[string]any{"result": "已清理"}).wantError(409, "invalid_status")
	e.do("POST", "/api/v1/complaints/"+first.ID+"/start", dongsheng, nil).want(200)
	after := e.uploadFile(dongsheng, "file", "after.png", pngBytes(t)).want(201).json()["id"].(string)
	res := e.do("POST", "/api/v1/complaints/"+first.ID+"/resolve", dongsheng, map[string]any{"result": "已清运至有资质单位处置", "photos": []string{after}}).want(200).complaint()
	if res.Status != "resolved" {
		t.Fatalf("resolve: %+v", res)
	}
	e.do("POST", "/api/v1/complaints/"+first.ID+"/feedback", bob, map[string]any{"rating": 5}).wantError(403, "not_reporter")
	e.do("POST", "/api/v1/complaints/"+first.ID+"/feedback", alice, map[string]any{"rating": 5, "reopen": true}).wantError(400, "validation_failed")
	re := e.do("POST", "/api/v1/complaints/"+first.ID+"/feedback", alice, map[string]any{"rating": 2, "comment": "还有残留", "reopen": true}).want(200).complaint()
	if re.Status != "in_progress" || re.Reopened != 1 {
		t.Fatalf("reopen: %+v", re)
	}
	e.do("POST", "/api/v1/complaints/"+first.ID+"/resolve", dongsheng, map[string]any{"result": "残留已清理"}).want(200)
	closed := e.do("POST", "/api/v1/complaints/"+first.ID+"/feedback", alice, map[string]any{"rating": 5, "comment": "满意"}).want(200).complaint()
	if closed.Status != "closed" {
		t.Fatalf("close: %+v", closed)
	}
	var actions []string
	for _, h := range closed.History {
		actions = append(actions, h.Action)
	}
	want := "submit accept assign transfer extend extension start resolve reopen resolve close"
	if strings.Join(actions, " ") != want {
		t.Fatalf("history %v, want %s", actions, want)
	}

	// Audit: one record per move.
	n, err := e.db.Collection("audit").CountDocuments(ctx, bson.D{{Key: "object_type", Value: "complaint"}, {Key: "object_id", Value: first.ID}})
	if err != nil || n != int64(len(actions)+1) { // + bob's follow
		t.Fatalf("audit records %d (%v), want %d", n, err, len(actions)+1)
	}
	// Notifications reached the reporter and the follower.
	aliceMsgs, err := e.srv.Notify.Mine(ctx, e.userID(alice), 50)
	if err != nil || len(aliceMsgs) < 9 {
		t.Fatalf("alice notified %d times (%v)", len(aliceMsgs), err)
	}
	bobMsgs, _ := e.srv.Notify.Mine(ctx, e.userID(bob), 50)
	if len(bobMsgs) < 5 {
		t.Fatalf("follower notified %d times", len(bobMsgs))
	}
	for _, m := range aliceMsgs {
		if !strings.Contains(m.Body, first.ID) || m.Page == "" {
			t.Fatalf("notification %+v", m)
		}
	}

	// Indicator 48: one accepted case, closed → 100%, with details.
	ind := e.do("GET", "/api/v1/indicators/I48", "", nil).want(200).json()
	latest, _ := ind["latest"].(map[string]any)
	if latest == nil || latest["value"] != 100.0 || latest["source"] != "computed" {
		t.Fatalf("I48 latest: %v", ind["latest"])
	}
	fig, _ := ind["live_figures"].(map[string]any)
	if fig["accepted"] != 1.0 || fig["closed"] != 1.0 || fig["average_rating"] != 5.0 || fig["reopened"] != 1.0 {
		t.Fatalf("I48 figures: %v", fig)
	}

	// Mine: alice sees hers; bob sees his own and the followed one.
	var mine struct {
		Items []complaintView `json:"items"`
	}
	e.do("GET", "/api/v1/complaints/mine", bob, nil).want(200).decode(&mine)
	if len(mine.Items) != 3 {
		t.Fatalf("bob's list: %+v", mine.Items)
	}
}

// TestComplaintPrivacy checks who sees the reporter, per role.
func TestComplaintPrivacy(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	lat, lng := ordosPoint(t, "150602", 0)
	c := e.do("POST", "/api/v1/complaints", alice, map[string]any{
		"category": "other", "description": "小区旁堆放垃圾", "lat": lat, "lng": lng, "contact_phone": "13900001111",
	}).want(201).complaint()
	admin := e.tokens[account.RoleAdmin]
	e.do("POST", "/api/v1/complaints/"+c.ID+"/accept", admin, nil).want(200)
	e.do("POST", "/api/v1/complaints/"+c.ID+"/assign", admin, map[string]string{"district": "150602"}).want(200)
	other := e.staff("ejin", account.RoleDistrict, "150603")
	agri := e.staff("agri", account.RoleDepartment, "市农牧局")

	cases := map[string]struct {
		token string
		view  string // "" = 404
	}{
		"reporter":          {alice, "full"},
		"admin":             {admin, "full"},
		"assigned handler":  {e.tokens[account.RoleDistrict], "full"},
		"category dept":     {e.tokens[account.RoleDepartment], "staff"},
		"other district":    {other, ""},
		"other department":  {agri, ""},
		"other citizen":     {e.citizen("o_mallory"), ""},
		"evaluator (route)": {e.tokens[account.RoleEvaluator], "403"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			res := e.do("GET", "/api/v1/complaints/"+c.ID, tc.token, nil)
			switch tc.view {
			case "":
				res.wantError(404, "complaint_not_found")
				return
			case "403":
				res.wantError(403, "forbidden")
				return
			}
			v := res.want(200).complaint()
			if v.View != tc.view {
				t.Fatalf("view %q, want %q", v.View, tc.view)
			}
			hasPhone := strings.Contains(string(res.Body), "13900001111")
			if (tc.view == "full") != hasPhone || (tc.view == "full") != (v.Reporter != nil) {
				t.Fatalf("%s: phone shown %v, reporter %+v", tc.view, hasPhone, v.Reporter)
			}
			for _, secret := range []string{"o_citizen_1", "user_id", "openid"} {
				if strings.Contains(string(res.Body), secret) {
					t.Fatalf("body leaks %q: %s", secret, res.Body)
				}
			}
		})
	}
	e.t = t
	// Anonymous: even the assigned handler does not see the person.
	anon := e.do("POST", "/api/v1/complaints", alice, map[string]any{
		"category": "other", "description": "匿名反映", "lat": lat, "lng": lng, "anonymous": true, "contact_phone": "13900002222",
	}).want(201).complaint()
	e.do("POST", "/api/v1/complaints/"+anon.ID+"/accept", admin, nil).want(200)
	e.do("POST", "/api/v1/complaints/"+anon.ID+"/assign", admin, map[string]string{"district": "150602"}).want(200)
	res := e.do("GET", "/api/v1/complaints/"+anon.ID, e.tokens[account.RoleDistrict], nil).want(200)
	if v := res.complaint(); v.View != "staff" || strings.Contains(string(res.Body), "13900002222") {
		t.Fatalf("anonymous shown to handler: %s", res.Body)
	}
	// The staff list follows the same rule per item.
	var page struct {
		Items []complaintView `json:"items"`
	}
	e.do("GET", "/api/v1/complaints", e.tokens[account.RoleDistrict], nil).want(200).decode(&page)
	if len(page.Items) != 2 {
		t.Fatalf("district list: %d items", len(page.Items))
	}
	for _, it := range page.Items {
		if (it.ID == anon.ID) == (it.Reporter != nil) {
			t.Fatalf("list item %s: reporter %+v", it.ID, it.Reporter)
		}
	}
	e.do("GET", "/api/v1/complaints", other, nil).want(200).decode(&page)
	if len(page.Items) != 0 {
		t.Fatalf("other district sees %d", len(page.Items))
	}
}

// TestComplaintBadInput: each refusal is a clear error and stores nothing.
func TestComplaintBadInput(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	lat, lng := ordosPoint(t, "150602", 0)
	base := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"category": "other", "description": "问题描述", "lat": lat, "lng": lng}
		if edit != nil {
			edit(m)
		}
		return m
	}
	photo := e.uploadFile(alice, "file", "a.png", pngBytes(t)).want(201).json()["id"].(string)
	pdf := e.uploadFile(alice, "file", "a.pdf", pdfBytes).want(201).json()["id"].(string)
	bobPhoto := e.uploadFile(e.citizen("o_bob"), "file", "b.png", pngBytes(t)).want(201).json()["id"].(string)
	cases := map[string]struct {
		body          any
		status        int
		code, field   string
		fieldCodeWant string
	}{
		"unknown category":  {base(func(m map[string]any) { m["category"] = "nope" }), 400, "validation_failed", "category", "unknown"},
		"lat out of range":  {base(func(m map[string]any) { m["lat"] = 91.0 }), 400, "validation_failed", "lat", "out_of_range"},
		"no location":       {base(func(m map[string]any) { delete(m, "lng") }), 400, "validation_failed", "lng", "required"},
		"outside Ordos":     {base(func(m map[string]any) { m["lat"], m["lng"] = 39.9042, 116.4074 }), 422, "location_outside_ordos", "", ""},
		"oversize text":     {base(func(m map[string]any) { m["description"] = strings.Repeat("废", 4001) }), 400, "validation_failed", "description", "too_long"},
		"empty text":        {base(func(m map[string]any) { m["description"] = "  " }), 400, "validation_failed", "description", "required"},
		"too many photos":   {base(func(m map[string]any) { m["photos"] = strings.Split(strings.Repeat("x,", 10)[:19], ",") }), 400, "validation_failed", "photos", "too_many"},
		"unknown upload":    {base(func(m map[string]any) { m["photos"] = []string{"up_nonexistent1"} }), 400, "validation_failed", "photos[0]", "not_found"},
		"pdf as photo":      {base(func(m map[string]any) { m["photos"] = []string{pdf} }), 400, "validation_failed", "photos[0]", "wrong_kind"},
		"someone else's":    {base(func(m map[string]any) { m["photos"] = []string{photo, bobPhoto} }), 400, "validation_failed", "photos[1]", "not_owner"},
		"content security":  {base(func(m map[string]any) { m["description"] = "违规测试内容" }), 422, "content_rejected", "description", "content_rejected"},
		"bad phone":         {base(func(m map[string]any) { m["contact_phone"] = "12345" }), 400, "validation_failed", "contact_phone", "invalid"},
		"missing attribute": {base(func(m map[string]any) { m["category"] = "hazardous_waste" }), 400, "validation_failed", "attributes.leaking", "required"},
		"bad attribute":     {base(func(m map[string]any) { m["attributes"] = map[string]string{"x": "1"} }), 400, "validation_failed", "attributes.x", "unknown"},
		"unknown field":     {base(func(m map[string]any) { m["openid"] = "x" }), 400, "unknown_field", "openid", "unknown_field"},
		"wrong type":        {base(func(m map[string]any) { m["lat"] = "39" }), 400, "validation_failed", "lat", "invalid_type"},
		"trailing data":     {`{"category":"other"} {}`, 400, "invalid_json", "", ""},
		"attr not in values": {base(func(m map[string]any) {
			m["category"] = "hazardous_waste"
			m["attributes"] = map[string]string{"leaking": "maybe"}
		}), 400, "validation_failed", "attributes.leaking", "invalid"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e.t = t
			// A citizen per case: refused attempts count against the limit too.
			who := e.citizen("o_" + name)
			if strings.Contains(tc.fieldCodeWant, "wrong_kind") || strings.Contains(tc.fieldCodeWant, "not_owner") {
				who = alice // the owner of the uploads
			}
			res := e.do("POST", "/api/v1/complaints", who, tc.body).wantError(tc.status, tc.code)
			if tc.field != "" && res.fields()[tc.field] != tc.fieldCodeWant {
				t.Fatalf("fields %v, want %s=%s", res.fields(), tc.field, tc.fieldCodeWant)
			}
		})
	}
	e.t = t
	// Nothing was stored, and the good photo is still free to use.
	n, _ := e.db.Collection("complaints").CountDocuments(context.Background(), bson.D{})
	if n != 0 {
		t.Fatalf("%d complaints stored by refused requests", n)
	}
	e.do("POST", "/api/v1/complaints", alice, base(func(m map[string]any) { m["photos"] = []string{photo} })).want(201)

	// Staff list filters are checked.
	admin := e.tokens[account.RoleAdmin]
	for q, field := range map[string]string{"status=x": "status", "category=x": "category", "overdue=maybe": "overdue", "from=yesterday": "from"} {
		res := e.do("GET", "/api/v1/complaints?"+q, admin, nil).wantError(400, "validation_failed")
		if _, ok := res.fields()[field]; !ok {
			t.Fatalf("%s: fields %v", q, res.fields())
		}
	}
	e.do("GET", "/api/v1/complaints?cursor=zzz", admin, nil).wantError(400, "invalid_cursor")
	e.do("GET", "/api/v1/complaints/WF0", admin, nil).wantError(404, "complaint_not_found")
	e.do("POST", "/api/v1/complaints/WF0/accept", admin, nil).wantError(404, "complaint_not_found")
}

// TestComplaintListFilters checks filters, scope and pagination.
func TestComplaintListFilters(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	admin := e.tokens[account.RoleAdmin]
	lat, lng := ordosPoint(t, "150602", 0)
	lat3, lng3 := ordosPoint(t, "150603", 0)
	var ids []string
	for i := 0; i < 5; i++ {
		cat, la, ln := "other", lat, lng
		if i%2 == 1 {
			cat, la, ln = "agricultural_waste", lat3, lng3
		}
		ids = append(ids, e.do("POST", "/api/v1/complaints", alice, map[string]any{
			"category": cat, "description": fmt.Sprintf("问题 %d", i), "lat": la, "lng": ln,
		}).want(201).complaint().ID)
	}
	e.do("POST", "/api/v1/complaints/"+ids[0]+"/accept", admin, nil).want(200)
	count := func(token, q string) int {
		var page struct {
			Items []complaintView `json:"items"`
		}
		e.do("GET", "/api/v1/complaints?"+q, token, nil).want(200).decode(&page)
		return len(page.Items)
	}
	checks := []struct {
		token, q string
		want     int
	}{
		{admin, "", 5},
		{admin, "status=accepted", 1},
		{admin, "category=agricultural_waste", 2},
		{admin, "district=150603", 2},
		{admin, "overdue=true", 0},
		{admin, "from=2000-01-01&to=2000-01-02", 0},
		{e.tokens[account.RoleDepartment], "", 3},                // 市生态环境局: the "other" category
		{e.staff("agri", account.RoleDepartment, "市农牧局"), "", 2}, // agricultural waste
		{e.tokens[account.RoleDistrict], "", 3},                  // located in 150602
	}
	for _, c := range checks {
		if got := count(c.token, c.q); got != c.want {
			t.Errorf("list ?%s: %d, want %d", c.q, got, c.want)
		}
	}
	// Pages of two, newest first, without repeats.
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		var page struct {
			Items      []complaintView `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}
		e.do("GET", "/api/v1/complaints?limit=2&cursor="+cursor, admin, nil).want(200).decode(&page)
		for _, it := range page.Items {
			if seen[it.ID] {
				t.Fatalf("repeat %s", it.ID)
			}
			seen[it.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d", len(seen))
	}
}

// TestComplaintRejectAndMergeRules covers reject, abusive, and merge checks.
func TestComplaintRejectAndMergeRules(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	admin := e.tokens[account.RoleAdmin]
	lat, lng := ordosPoint(t, "150602", 0)
	mk := func(cat string) string {
		return e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": cat, "description": "问题", "lat": lat, "lng": lng}).want(201).complaint().ID
	}
	a, b, c := mk("other"), mk("other"), mk("open_burning")
	e.do("POST", "/api/v1/complaints/"+a+"/reject", admin, map[string]any{}).wantError(400, "validation_failed")
	// The department of another category may not accept or reject.
	agri := e.staff("agri", account.RoleDepartment, "市农牧局")
	e.do("POST", "/api/v1/complaints/"+a+"/accept", agri, nil).wantError(403, "not_handler")
	e.do("POST", "/api/v1/complaints/"+b+"/merge", admin, map[string]string{"into": c}).wantError(422, "invalid_merge_target")
	e.do("POST", "/api/v1/complaints/"+b+"/merge", admin, map[string]string{"into": b}).wantError(400, "validation_failed")
	e.do("POST", "/api/v1/complaints/"+a+"/reject", admin, map[string]any{"reason": "恶意重复提交", "abusive": true}).want(200)
	e.do("POST", "/api/v1/complaints/"+b+"/merge", admin, map[string]string{"into": a}).wantError(422, "invalid_merge_target")
	e.do("POST", "/api/v1/complaints/"+a+"/follow", e.citizen("o_bob"), nil).wantError(404, "complaint_not_found")
	// Rejected and abusive cases leave the Open311 list.
	var reqs []map[string]any
	e.do("GET", "/open311/v2/requests.json", "", nil).want(200).decode(&reqs)
	for _, r := range reqs {
		if r["service_request_id"] == a {
			t.Fatal("abusive case listed publicly")
		}
	}
	if len(reqs) != 2 {
		t.Fatalf("open311 lists %d", len(reqs))
	}
}

// TestComplaintIntakeRateLimited: 20 reports an hour per citizen, refused
// attempts included; another citizen is not affected.
func TestComplaintIntakeRateLimited(t *testing.T) {
	e := newEnv(t)
	alice := e.tokens[account.RoleCitizen]
	for i := 0; i < 20; i++ {
		e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": "nope"}).wantError(400, "validation_failed")
	}
	res := e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": "nope"}).wantError(429, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	e.do("POST", "/api/v1/complaints", e.citizen("o_other"), map[string]any{"category": "nope"}).wantError(400, "validation_failed")
}

package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/creditcode"
	"github.com/ordos-wufei/wufei/internal/httpapi"
	"github.com/ordos-wufei/wufei/internal/platform/wechat"
)

// newCellService builds the certification service for the harness: the
// real rubrics, uploads and outbox, WeChat in development mode (placeholder
// QR codes). Indicator 41 is registered by the tests that read it
// (cellClock), so the registry's own tests still see it without data.
func newCellService(t *testing.T, d httpapi.Deps) *cell.Service {
	t.Helper()
	rub, err := cell.LoadRubrics(configs.FS)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wechat.New(wechat.Config{KeyPrefix: d.Redis.Prefix + "wechat:"}, d.Redis.UniversalClient, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cell.NewService(d.Store.DB, d.Audit, cell.Options{Rubrics: rub, PublicityDays: cell.DefaultPublicityDays,
		Uploads: d.Uploads, Notifier: d.Notify, QR: wc, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	d.Uploads.RegisterVisibility(cell.RefType, s.MayView)
	return s
}

// cellClock is a settable clock for the certification service.
type cellClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *cellClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *cellClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// cellClock sets a test clock on the certification service and feeds
// indicator 41 from it, as the wiring does.
func (e *env) cellClock() *cellClock {
	c := &cellClock{t: time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)}
	e.srv.Cells.SetClock(c.now)
	e.registry.RegisterFeed("I41", e.srv.Cells.Feed())
	return c
}

// testCreditCode returns a valid 统一社会信用代码 numbered n.
func testCreditCode(t *testing.T, n int) string {
	first := fmt.Sprintf("91150602MA%07d", n)
	c, err := creditcode.CheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

// 东胜区 (150602) and 康巴什区 (150603).
var dongsheng, kangbashi = [2]float64{39.828458, 109.75022}, [2]float64{39.64346, 109.825115}

func cellUnit(t *testing.T, n int, typ string, at [2]float64) map[string]any {
	return map[string]any{"name": fmt.Sprintf("鄂尔多斯测试单位%d", n), "credit_code": testCreditCode(t, n), "type": typ,
		"address": "鄂尔多斯市测试路 1 号", "lat": at[0], "lng": at[1], "contact_name": "王经理", "contact_phone": "13900000001"}
}

// selfAssessment scores every item of typ at full marks with evidence of
// the right kind: img for photo items, pdf for document items. skip leaves
// items out.
func (e *env) selfAssessment(typ, img, pdf string, skip ...string) map[string]any {
	ty, _ := e.srv.Cells.Rubrics().Type(typ)
	out := map[string]any{}
	for _, it := range ty.Items {
		if contains(skip, it.Code) {
			continue
		}
		ev := img
		if it.Evidence == cell.EvidenceDocument {
			ev = pdf
		}
		out[it.Code] = map[string]any{"score": it.MaxScore, "evidence": []string{ev}}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *env) fullScores(typ string) map[string]float64 {
	ty, _ := e.srv.Cells.Rubrics().Type(typ)
	m := map[string]float64{}
	for _, it := range ty.Items {
		m[it.Code] = it.MaxScore
	}
	return m
}

func (e *env) i41() float64 {
	e.t.Helper()
	var ind struct {
		Latest *struct {
			Value *float64 `json:"value"`
		} `json:"latest"`
	}
	e.do("GET", "/api/v1/indicators/I41", "", nil).want(200).decode(&ind)
	if ind.Latest == nil || ind.Latest.Value == nil {
		e.t.Fatal("indicator 41 has no live value")
	}
	return *ind.Latest.Value
}

func TestCellTypes(t *testing.T) {
	e := newEnv(t)
	var body struct {
		Defaults bool `json:"defaults"`
		Items    []struct {
			Code, Name    string
			PassMark      float64 `json:"pass_mark"`
			ValidityYears int     `json:"validity_years"`
			Items         []struct {
				Code, Text, Category, Evidence string
				MaxScore                       float64 `json:"max_score"`
				Veto                           bool
			}
		}
	}
	e.do("GET", "/api/v1/cells/types", "", nil).want(200).decode(&body)
	if !body.Defaults || len(body.Items) != 8 {
		t.Fatalf("types: %+v", body)
	}
	for _, ty := range body.Items {
		if ty.PassMark <= 0 || ty.ValidityYears < 1 || len(ty.Items) == 0 || ty.Items[0].Text == "" || ty.Items[0].MaxScore <= 0 {
			t.Fatalf("type %+v", ty)
		}
	}
}

// TestCellWholePath walks two types through every step over HTTP: draft →
// submit refused → completed → submitted → returned → resubmitted →
// district pass → city pass → publicity with an objection → objection
// dismissed → certified → public verification → revoke.
func TestCellWholePath(t *testing.T) {
	for i, typ := range []string{"factory", "school"} {
		t.Run(typ, func(t *testing.T) {
			e := newEnv(t)
			clock := e.cellClock()
			ctx := context.Background()
			cit := e.tokens[account.RoleCitizen]
			adm := e.tokens[account.RoleAdmin]
			dist := e.tokens[account.RoleDistrict]
			me := e.do("GET", "/api/v1/me", cit, nil).want(200).json()["id"].(string)
			img := e.uploadFile(cit, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)
			pdf := e.uploadFile(cit, "file", "scan.pdf", pdfBytes).want(201).json()["id"].(string)
			ty, _ := e.srv.Cells.Rubrics().Type(typ)
			first := ty.Items[0].Code

			// A draft with one item missing cannot be submitted.
			res := e.do("POST", "/api/v1/cells/applications", cit, map[string]any{
				"unit": cellUnit(t, 10+i, typ, dongsheng), "self_assessment": e.selfAssessment(typ, img, pdf, first)}).want(201).json()
			id := res["id"].(string)
			if res["status"] != "draft" || res["unit"].(map[string]any)["district"] != "150602" {
				t.Fatalf("draft: %v", res)
			}
			base := "/api/v1/cells/applications/" + id
			f := e.do("POST", base+"/submit", cit, nil).wantError(422, "assessment_incomplete").fields()
			if f["self_assessment."+first] != "required" {
				t.Fatalf("fields %v", f)
			}
			e.do("PATCH", base, cit, map[string]any{"self_assessment": e.selfAssessment(typ, img, pdf)}).want(200)
			if sub := e.do("POST", base+"/submit", cit, nil).want(200).json(); sub["status"] != "submitted" || sub["review_due"] == nil || sub["review_overdue"] != false {
				t.Fatalf("submitted: %v", sub)
			}

			// Staff of another district may not decide; the district returns it.
			other := e.staff("kbs"+typ, account.RoleDistrict, "150603")
			e.do("POST", base+"/district-review", other, map[string]any{"decision": "pass", "scores": e.fullScores(typ)}).wantError(403, "not_your_district")
			e.do("GET", "/api/v1/uploads/"+img, other, nil).want(404)
			e.do("GET", "/api/v1/uploads/"+img, dist, nil).want(200)
			e.do("POST", base+"/district-review", dist, map[string]any{"decision": "return"}).wantError(400, "validation_failed")
			e.do("POST", base+"/district-review", dist, map[string]any{"decision": "return", "comment": "请补充台账照片"}).want(200)
			if st := e.do("GET", base, cit, nil).want(200).json()["status"]; st != "returned" {
				t.Fatal(st)
			}
			e.do("PATCH", base, cit, map[string]any{"unit": cellUnit(t, 10+i, typ, dongsheng)}).want(200)
			e.do("POST", base+"/submit", cit, nil).want(200)
			e.do("POST", base+"/city-review", adm, map[string]any{"decision": "pass", "scores": e.fullScores(typ)}).wantError(409, "invalid_status")
			e.do("POST", base+"/district-review", dist, map[string]any{"decision": "pass", "scores": e.fullScores(typ), "comment": "材料齐全"}).want(200)

			// The city passes it: publicity for 7 days.
			app := e.do("POST", base+"/city-review", adm, map[string]any{"decision": "pass", "scores": e.fullScores(typ)}).want(200).json()
			if app["status"] != "publicity" || !strings.HasPrefix(app["publicity_end"].(string), "2026-04-08T") {
				t.Fatalf("publicity: %v", app)
			}
			pub := e.do("GET", "/api/v1/cells/publicity", "", nil).want(200).json()["items"].([]any)
			if len(pub) != 1 || pub[0].(map[string]any)["application_id"] != id || strings.Contains(string(e.do("GET", "/api/v1/cells/publicity", "", nil).Body), "139") {
				t.Fatalf("publicity list %v", pub)
			}
			e.do("POST", base+"/certify", adm, nil).wantError(409, "publicity_running")

			// Anyone logged in may object; the applicant does not learn who.
			objector := e.citizen("o_objector_" + typ)
			oid := e.do("POST", base+"/objections", objector, map[string]any{"text": "该单位垃圾分类设施长期闲置"}).want(201).json()["id"].(string)
			seen := e.do("GET", base, cit, nil).want(200)
			if strings.Contains(string(seen.Body), "o_objector") || seen.json()["objections"].([]any)[0].(map[string]any)["by"] != nil {
				t.Fatalf("objector shown to applicant: %s", seen.Body)
			}
			if e.do("GET", base, adm, nil).want(200).json()["objections"].([]any)[0].(map[string]any)["by"] == nil {
				t.Fatal("objector hidden from the admin")
			}
			clock.add(8 * 24 * time.Hour)
			e.do("POST", base+"/objections", objector, map[string]any{"text": "迟到的异议"}).wantError(409, "publicity_ended")
			e.do("POST", base+"/certify", adm, nil).wantError(409, "objection_open")
			e.do("POST", base+"/objections/"+oid+"/resolve", adm, map[string]any{"decision": "dismiss", "resolution": "经现场核查，设施正常使用"}).want(200)
			e.do("POST", base+"/objections/"+oid+"/resolve", adm, map[string]any{"decision": "dismiss", "resolution": "重复"}).wantError(409, "objection_resolved")

			// Certified: a numbered certificate anyone can verify.
			cert := e.do("POST", base+"/certify", adm, nil).want(201).json()
			number := cert["number"].(string)
			if number != "WFXB-2026-0001" || cert["status"] != "valid" || !strings.Contains(cert["title"].(string), "无废"+ty.Name) {
				t.Fatalf("certificate %v", cert)
			}
			ver := e.do("GET", "/api/v1/cells/certificates/"+strings.ToLower(number), "", nil).want(200)
			if strings.Contains(string(ver.Body), "13900000001") || strings.Contains(string(ver.Body), "王经理") || ver.json()["unit_name"] == "" {
				t.Fatalf("verification leaks contact data: %s", ver.Body)
			}
			qr := e.do("GET", "/api/v1/cells/certificates/"+number+"/qrcode", "", nil).want(200)
			if qr.Header.Get("Content-Type") != "image/png" || len(qr.Body) < 8 {
				t.Fatalf("qr %v %d", qr.Header, len(qr.Body))
			}
			// The public list: counts keyed by the codes its filters take,
			// names beside them.
			type row struct {
				Code, Adcode, Name string
				Count              int
			}
			var listed struct {
				Items  []map[string]any `json:"items"`
				Counts struct {
					Total      int   `json:"total"`
					ByType     []row `json:"by_type"`
					ByDistrict []row `json:"by_district"`
				} `json:"counts"`
			}
			e.do("GET", "/api/v1/cells/certified?type="+typ, "", nil).want(200).decode(&listed)
			if len(listed.Items) != 1 || listed.Counts.Total != 1 ||
				!slices.Equal(listed.Counts.ByType, []row{{Code: typ, Name: ty.Name, Count: 1}}) ||
				!slices.Equal(listed.Counts.ByDistrict, []row{{Adcode: "150602", Name: "东胜区", Count: 1}}) {
				t.Fatalf("certified list %+v", listed)
			}
			if n := len(e.do("GET", "/api/v1/cells/certified?district=150603", "", nil).want(200).json()["items"].([]any)); n != 0 {
				t.Fatalf("%d certified in 康巴什区", n)
			}
			if v := e.i41(); v != 1 {
				t.Fatalf("I41 = %v", v)
			}

			// Revoked: the public sees it, and indicator 41 drops it.
			e.do("POST", "/api/v1/cells/certificates/"+number+"/revoke", adm, map[string]any{}).wantError(400, "validation_failed")
			rev := e.do("POST", "/api/v1/cells/certificates/"+number+"/revoke", adm, map[string]any{"reason": "复查发现危险废物未规范处置"}).want(200).json()
			if rev["status"] != "revoked" {
				t.Fatalf("revoke %v", rev)
			}
			e.do("POST", "/api/v1/cells/certificates/"+number+"/revoke", adm, map[string]any{"reason": "再次"}).wantError(409, "certificate_revoked")
			if st := e.do("GET", "/api/v1/cells/certificates/"+number, "", nil).want(200).json()["status"]; st != "revoked" {
				t.Fatal(st)
			}
			if st := e.do("GET", base, cit, nil).want(200).json()["status"]; st != "revoked" {
				t.Fatal(st)
			}
			if v := e.i41(); v != 0 {
				t.Fatalf("I41 after revoke = %v", v)
			}

			// The applicant was told of every change of status.
			msgs, err := e.srv.Notify.Mine(ctx, me, 50)
			if err != nil {
				t.Fatal(err)
			}
			kinds := 0
			for _, m := range msgs {
				if m.Kind == "cell_status" {
					kinds++
				}
			}
			// submitted, returned, submitted, district_passed, publicity, certified, revoked
			if kinds != 7 {
				t.Fatalf("%d notifications: %+v", kinds, msgs)
			}
			audit := e.do("GET", "/api/v1/admin/audit?object_type=cell_application&object_id="+id, adm, nil).want(200).json()["items"].([]any)
			if len(audit) < 10 {
				t.Fatalf("%d audit records", len(audit))
			}
		})
	}
}

// TestCellExpiry: indicator 41 counts units as they are certified and drops
// them when their certificates expire, with no job running.
func TestCellExpiry(t *testing.T) {
	e := newEnv(t)
	clock := e.cellClock()
	cit := e.tokens[account.RoleCitizen]
	adm := e.tokens[account.RoleAdmin]
	img := e.uploadFile(cit, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)
	pdf := e.uploadFile(cit, "file", "scan.pdf", pdfBytes).want(201).json()["id"].(string)
	id := e.do("POST", "/api/v1/cells/applications", cit, map[string]any{
		"unit": cellUnit(t, 1, "hotel", kangbashi), "self_assessment": e.selfAssessment("hotel", img, pdf)}).want(201).json()["id"].(string)
	base := "/api/v1/cells/applications/" + id
	e.do("POST", base+"/submit", cit, nil).want(200)
	kbs := e.staff("kbs", account.RoleDistrict, "150603")
	e.do("POST", base+"/district-review", e.tokens[account.RoleDistrict], map[string]any{"decision": "pass", "scores": e.fullScores("hotel")}).wantError(403, "not_your_district")
	e.do("POST", base+"/district-review", kbs, map[string]any{"decision": "pass", "scores": e.fullScores("hotel")}).want(200)
	e.do("POST", base+"/city-review", adm, map[string]any{"decision": "pass", "scores": e.fullScores("hotel")}).want(200)
	if v := e.i41(); v != 0 {
		t.Fatalf("I41 during publicity = %v", v)
	}
	clock.add(7 * 24 * time.Hour)
	number := e.do("POST", base+"/certify", adm, nil).want(201).json()["number"].(string)
	if v := e.i41(); v != 1 {
		t.Fatalf("I41 = %v", v)
	}
	clock.add(2 * 366 * 24 * time.Hour) // hotels: valid 2 years
	if st := e.do("GET", "/api/v1/cells/certificates/"+number, "", nil).want(200).json()["status"]; st != "expired" {
		t.Fatal(st)
	}
	if st := e.do("GET", base, cit, nil).want(200).json()["status"]; st != "expired" {
		t.Fatal(st)
	}
	if v := e.i41(); v != 0 {
		t.Fatalf("I41 after expiry = %v", v)
	}
	if n := len(e.do("GET", "/api/v1/cells/certified", "", nil).want(200).json()["items"].([]any)); n != 0 {
		t.Fatalf("%d certified after expiry", n)
	}
}

func TestCellBadInput(t *testing.T) {
	e := newEnv(t)
	cit := e.tokens[account.RoleCitizen]
	img := e.uploadFile(cit, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)
	pdf := e.uploadFile(cit, "file", "scan.pdf", pdfBytes).want(201).json()["id"].(string)
	good := func() map[string]any {
		return map[string]any{"unit": cellUnit(t, 1, "factory", dongsheng), "self_assessment": e.selfAssessment("factory", img, pdf)}
	}
	post := func(body any) response { return e.do("POST", "/api/v1/cells/applications", cit, body) }

	bad := good()
	bad["unit"].(map[string]any)["credit_code"] = "91150602MA0000001X"
	if f := post(bad).wantError(400, "validation_failed").fields(); f["unit.credit_code"] != "credit_code_check_digit" {
		t.Fatalf("credit code: %v", f)
	}
	bad = good()
	bad["unit"].(map[string]any)["lat"], bad["unit"].(map[string]any)["lng"] = 39.9042, 116.4074 // Beijing
	if f := post(bad).wantError(400, "validation_failed").fields(); f["unit.lat"] != "outside_ordos" {
		t.Fatalf("location: %v", f)
	}
	bad = good()
	bad["unit"].(map[string]any)["district"] = "150603"
	if f := post(bad).wantError(400, "validation_failed").fields(); f["unit.district"] != "mismatch" {
		t.Fatalf("district: %v", f)
	}
	bad = good()
	bad["self_assessment"].(map[string]any)["F01"] = map[string]any{"score": 11, "evidence": []string{pdf}}
	bad["self_assessment"].(map[string]any)["X99"] = map[string]any{"score": 1}
	if f := post(bad).wantError(400, "validation_failed").fields(); f["self_assessment.F01.score"] != "out_of_range" || f["self_assessment.X99"] != "unknown_item" {
		t.Fatalf("scores: %v", f)
	}
	// A PDF is no photo: F02 wants an image.
	bad = good()
	bad["self_assessment"].(map[string]any)["F02"] = map[string]any{"score": 15, "evidence": []string{pdf}}
	if f := post(bad).wantError(400, "validation_failed").fields(); f["self_assessment.F02.evidence[0]"] != "wrong_kind" {
		t.Fatalf("evidence kind: %v", f)
	}
	bad = good()
	bad["self_assessment"].(map[string]any)["F02"] = map[string]any{"score": 15, "evidence": []string{"up_doesnotexist00"}}
	if f := post(bad).wantError(400, "validation_failed").fields(); f["self_assessment.F02.evidence[0]"] != "not_found" {
		t.Fatalf("missing evidence: %v", f)
	}
	post(`{"unit": {}, "extra": 1}`).wantError(400, "unknown_field")
	e.do("POST", "/api/v1/cells/applications", e.tokens[account.RoleAdmin], good()).wantError(403, "forbidden")

	// Nothing was half-written: no application, and the files are still free.
	if n := len(e.do("GET", "/api/v1/cells/applications", cit, nil).want(200).json()["items"].([]any)); n != 0 {
		t.Fatalf("%d applications after refusals", n)
	}
	id := post(good()).want(201).json()["id"].(string)
	base := "/api/v1/cells/applications/" + id

	// Someone else's files cannot be claimed, nor someone else's unit.
	other := e.citizen("o_other")
	otherImg := e.uploadFile(other, "file", "x.png", pngBytes(t)).want(201).json()["id"].(string)
	if f := e.do("PATCH", base, cit, map[string]any{"self_assessment": map[string]any{"F02": map[string]any{"score": 15, "evidence": []string{otherImg}}}}).
		wantError(400, "validation_failed").fields(); f["self_assessment.F02.evidence[0]"] != "not_owner" {
		t.Fatalf("foreign file: %v", f)
	}
	e.do("POST", "/api/v1/cells/applications", other, map[string]any{"unit": cellUnit(t, 1, "factory", dongsheng)}).wantError(403, "unit_bound_to_others")
	e.do("PATCH", base, other, map[string]any{"unit": cellUnit(t, 1, "factory", dongsheng)}).wantError(404, "application_not_found")
	e.do("GET", "/api/v1/uploads/"+img, other, nil).want(404)
	post(good()).wantError(409, "application_in_progress")
	changed := cellUnit(t, 2, "factory", dongsheng)
	if f := e.do("PATCH", base, cit, map[string]any{"unit": changed}).wantError(400, "validation_failed").fields(); f["unit.credit_code"] != "immutable" {
		t.Fatalf("credit code change: %v", f)
	}
	e.do("PATCH", base, cit, map[string]any{}).wantError(400, "validation_failed")

	// A veto item below full marks blocks submission whatever the total.
	e.do("PATCH", base, cit, map[string]any{"self_assessment": map[string]any{"F04": map[string]any{"score": 5, "evidence": []string{pdf}}}}).want(200)
	if f := e.do("POST", base+"/submit", cit, nil).wantError(422, "assessment_incomplete").fields(); f["self_assessment.F04"] != "veto_failed" {
		t.Fatalf("veto: %v", f)
	}
	e.do("PATCH", base, cit, map[string]any{"self_assessment": map[string]any{"F04": map[string]any{"score": 10, "evidence": []string{pdf}}}}).want(200)
	e.do("POST", base+"/submit", cit, nil).want(200)
	e.do("PATCH", base, cit, map[string]any{"unit": cellUnit(t, 1, "factory", dongsheng)}).wantError(409, "invalid_status")
	dist := e.tokens[account.RoleDistrict]
	scores := e.fullScores("factory")
	scores["F01"] = 99
	if f := e.do("POST", base+"/district-review", dist, map[string]any{"decision": "pass", "scores": scores}).wantError(400, "validation_failed").fields(); f["scores.F01"] != "out_of_range" {
		t.Fatalf("review score: %v", f)
	}
	scores["F01"] = 0
	scores["F03"] = 0
	scores["F06"] = 0
	if f := e.do("POST", base+"/district-review", dist, map[string]any{"decision": "pass", "scores": scores}).wantError(422, "review_not_passing").fields(); f["scores"] != "below_pass_mark" {
		t.Fatalf("review total: %v", f)
	}
	e.do("POST", base+"/district-review", dist, map[string]any{"decision": "maybe"}).wantError(400, "validation_failed")
	e.do("POST", base+"/withdraw", cit, map[string]any{"reason": "暂不申报"}).want(200)
	res := e.do("POST", base+"/withdraw", cit, nil).wantError(409, "invalid_status")
	if f := res.fields(); f["status"] != "withdrawn" {
		t.Fatalf("409 without the current status: %s", res.Body)
	}
	e.do("POST", base+"/district-review", dist, map[string]any{"decision": "pass", "scores": e.fullScores("factory")}).wantError(409, "invalid_status")
	e.do("GET", "/api/v1/cells/certificates/WFXB-2026-0001", "", nil).wantError(404, "certificate_not_found")
	e.do("GET", "/api/v1/cells/certificates/nonsense", "", nil).wantError(404, "certificate_not_found")
	e.do("GET", "/api/v1/cells/applications?status=bogus", cit, nil).wantError(400, "validation_failed")
	// Once withdrawn, the unit may apply again (with files of its own: the
	// old ones stay attached to the withdrawn application's record).
	img = e.uploadFile(cit, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)
	pdf = e.uploadFile(cit, "file", "scan.pdf", pdfBytes).want(201).json()["id"].(string)
	post(good()).want(201)
}

// TestCellReviewRace: two district reviewers decide at once; one wins and
// the other gets 409 with the new status.
func TestCellReviewRace(t *testing.T) {
	e := newEnv(t)
	cit := e.tokens[account.RoleCitizen]
	img := e.uploadFile(cit, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)
	pdf := e.uploadFile(cit, "file", "scan.pdf", pdfBytes).want(201).json()["id"].(string)
	id := e.do("POST", "/api/v1/cells/applications", cit, map[string]any{
		"unit": cellUnit(t, 1, "community", dongsheng), "self_assessment": e.selfAssessment("community", img, pdf)}).want(201).json()["id"].(string)
	base := "/api/v1/cells/applications/" + id
	e.do("POST", base+"/submit", cit, nil).want(200)
	tokens := []string{e.tokens[account.RoleDistrict], e.staff("ds2", account.RoleDistrict, "150602")}
	bodies := []map[string]any{{"decision": "pass", "scores": e.fullScores("community")}, {"decision": "return", "comment": "请补充材料"}}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("POST", base+"/district-review", tokens[i], bodies[i]).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("statuses %v", statuses)
	}
	hist := e.do("GET", base, e.tokens[account.RoleAdmin], nil).want(200).json()["history"].([]any)
	if last := hist[len(hist)-1].(map[string]any); last["from"] != "submitted" || len(hist) != 3 {
		t.Fatalf("history %v", hist)
	}
}

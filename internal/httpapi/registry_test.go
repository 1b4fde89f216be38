package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/registry"
)

type indicatorPage struct {
	Items []struct {
		Code             string         `json:"code"`
		No               int            `json:"no"`
		Level1           string         `json:"level1"`
		Name             string         `json:"name"`
		NationalRequired bool           `json:"national_required"`
		Departments      []string       `json:"departments"`
		Status           string         `json:"status"`
		Progress         *float64       `json:"progress"`
		Latest           map[string]any `json:"latest"`
		Target           map[string]any `json:"target"`
		Direction        string         `json:"direction"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestIndicatorsListAndFilters(t *testing.T) {
	e := newEnv(t)
	var all indicatorPage
	seen := map[string]bool{}
	cursor := ""
	for {
		var p indicatorPage
		e.do("GET", "/api/v1/indicators?limit=20&cursor="+cursor, "", nil).want(200).decode(&p)
		for _, it := range p.Items {
			if seen[it.Code] {
				t.Fatalf("%s listed twice", it.Code)
			}
			seen[it.Code] = true
			all.Items = append(all.Items, it)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(all.Items) != 52 {
		t.Fatalf("%d indicators, want 52", len(all.Items))
	}
	for i, it := range all.Items {
		if it.No != i+1 || it.Status != "no_data" || it.Latest != nil {
			t.Fatalf("item %d: %+v", i, it)
		}
	}
	if all.Items[1].Name != "工业危险废物产生强度" || all.Items[1].Direction != "lower" || all.Items[1].Target["value"] != 20.0 {
		t.Fatalf("I02: %+v", all.Items[1])
	}
	count := func(query string) int {
		var p indicatorPage
		e.do("GET", "/api/v1/indicators?limit=100&"+query, "", nil).want(200).decode(&p)
		return len(p.Items)
	}
	if n := count("national_required=true"); n != 25 {
		t.Errorf("national_required=true: %d, want 25", n)
	}
	if n := count("level1=群众获得感"); n != 3 {
		t.Errorf("level1=群众获得感: %d, want 3", n)
	}
	if n := count("department=第三方测评机构"); n != 2 {
		t.Errorf("department=第三方测评机构: %d, want 2", n)
	}
	if n := count("q=煤矸石"); n < 2 {
		t.Errorf("q=煤矸石: %d", n)
	}
	if n := count("status=achieved"); n != 0 {
		t.Errorf("status=achieved: %d", n)
	}
	e.do("GET", "/api/v1/indicators?status=great", "", nil).wantError(400, "validation_failed")
	e.do("GET", "/api/v1/indicators?national_required=maybe", "", nil).wantError(400, "validation_failed")
	e.do("GET", "/api/v1/indicators?cursor=I99", "", nil).wantError(400, "invalid_cursor")
	e.do("GET", "/api/v1/indicators/I99", "", nil).wantError(404, "indicator_not_found")
	e.do("GET", "/api/v1/tasks/XX01", "", nil).wantError(404, "task_not_found")
}

func TestMeasurementsAndStatus(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	dept := e.tokens[account.RoleDepartment] // 市生态环境局
	other := e.staff("nongmu", account.RoleDepartment, "市农牧局")
	// I02 工业危险废物产生强度 (市生态环境局, 市统计局): 25.39 → 20, lower is better.
	e.do("POST", "/api/v1/indicators/I02/measurements", other, map[string]any{"period": "2024", "value": 21.0}).wantError(403, "not_responsible")
	// Not mine: the 市农牧局 user cannot, the 市生态环境局 user can.
	m := e.do("POST", "/api/v1/indicators/I02/measurements", dept, map[string]any{"period": "2023", "value": 24.0, "note": "年报", "evidence": []string{"https://example.org/report.pdf"}}).want(201).json()
	if m["source"] != "manual" || m["by"].(map[string]any)["department"] != "市生态环境局" {
		t.Fatalf("measurement: %v", m)
	}
	ind := e.do("GET", "/api/v1/indicators/I02", "", nil).want(200).json()
	// Path at end of 2023: 25.39 - 3/5*5.39 = 22.156; 24 is behind by 1.844, more than 10% of 5.39.
	if ind["status"] != "lagging" {
		t.Fatalf("I02 status %v", ind["status"])
	}
	e.do("POST", "/api/v1/indicators/I02/measurements", admin, map[string]any{"period": "2025-Q3", "value": 19.5}).want(201)
	ind = e.do("GET", "/api/v1/indicators/I02", "", nil).want(200).json()
	if ind["status"] != "achieved" || ind["progress"] != 100.0 || len(ind["measurements"].([]any)) != 2 {
		t.Fatalf("I02 after 19.5: %v %v", ind["status"], ind["progress"])
	}
	// An older period reported later does not become the latest.
	e.do("POST", "/api/v1/indicators/I02/measurements", admin, map[string]any{"period": "2022", "value": 30.0}).want(201)
	if got := e.do("GET", "/api/v1/indicators/I02", "", nil).json()["latest"].(map[string]any)["period"]; got != "2025-Q3" {
		t.Fatalf("latest period %v", got)
	}

	bad := []struct {
		name, code string
		body       map[string]any
		field      string
	}{
		{"malformed period", "I02", map[string]any{"period": "2025-Q5", "value": 1.0}, "period"},
		{"future period", "I02", map[string]any{"period": "2031", "value": 1.0}, "period"},
		{"missing value", "I02", map[string]any{"period": "2024"}, "value"},
		{"percentage over 100", "I03", map[string]any{"period": "2024", "value": 101.0}, "value"},
		{"negative percentage", "I03", map[string]any{"period": "2024", "value": -1.0}, "value"},
		{"fractional count", "I06", map[string]any{"period": "2024", "value": 1.5}, "value"},
		{"assessment on numeric", "I03", map[string]any{"period": "2024", "value": 50.0, "assessment": "on_track"}, "assessment"},
		{"qualitative without assessment", "I40", map[string]any{"period": "2024", "evidence": []string{"https://x.org/a"}}, "assessment"},
		{"qualitative without evidence", "I40", map[string]any{"period": "2024", "assessment": "on_track"}, "evidence"},
		{"bad evidence", "I03", map[string]any{"period": "2024", "value": 50.0, "evidence": []string{"javascript:alert(1)"}}, "evidence[0]"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			res := e.do("POST", "/api/v1/indicators/"+tc.code+"/measurements", admin, tc.body).wantError(400, "validation_failed")
			if res.fields()[tc.field] == "" {
				t.Fatalf("no field error for %s: %s", tc.field, res.Body)
			}
		})
	}
	e.t = t
	// Nothing of the refused requests was stored.
	for _, code := range []string{"I03", "I06", "I40"} {
		if n := len(e.do("GET", "/api/v1/indicators/"+code, "", nil).json()["measurements"].([]any)); n != 0 {
			t.Fatalf("%s has %d measurements after refused requests", code, n)
		}
	}
	// A qualitative indicator with an assessment and evidence.
	doc := e.uploadFile(admin, "file", "协调机制文件.pdf", pdfBytes).want(201).json()["id"].(string)
	e.do("POST", "/api/v1/indicators/I40/measurements", admin, map[string]any{"period": "2025", "assessment": "on_track", "evidence": []string{doc}}).want(201)
	if st := e.do("GET", "/api/v1/indicators/I40", "", nil).json()["status"]; st != "on_track" {
		t.Fatalf("I40 status %v", st)
	}
	// Live-fed indicators refuse manual values; 51 (figures) takes an assessment.
	e.do("POST", "/api/v1/indicators/I41/measurements", admin, map[string]any{"period": "2025", "value": 10.0}).wantError(409, "indicator_fed_live")
	e.do("POST", "/api/v1/indicators/I52/measurements", e.tokens[account.RoleEvaluator], map[string]any{"period": "2025", "value": 90.0}).wantError(409, "indicator_fed_live")
	e.do("POST", "/api/v1/indicators/I99/measurements", admin, map[string]any{"period": "2025", "value": 1.0}).wantError(404, "indicator_not_found")
}

func TestTaskUpdates(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	dept := e.tokens[account.RoleDepartment] // 市生态环境局
	// GY03 is led by 市生态环境局; GY01 by 市无废办 with 市委组织部 and 各成员单位.
	e.do("POST", "/api/v1/tasks/GY03/updates", dept, map[string]any{"status": "in_progress", "progress": 40.0, "note": "已印发"}).want(201)
	e.do("POST", "/api/v1/tasks/GY01/updates", dept, map[string]any{"status": "in_progress", "progress": 10.0}).want(201) // 各成员单位
	other := e.staff("nongmu", account.RoleDepartment, "市农牧局")
	var gy05 struct {
		Lead         []string `json:"lead"`
		Participants []string `json:"participants"`
	}
	e.do("GET", "/api/v1/tasks/GY05", "", nil).want(200).decode(&gy05)
	e.do("POST", "/api/v1/tasks/GY05/updates", other, map[string]any{"status": "in_progress", "progress": 10.0}).wantError(403, "not_responsible")
	e.do("POST", "/api/v1/tasks/GY05/updates", e.tokens[account.RoleDistrict], map[string]any{"status": "in_progress", "progress": 10.0}).wantError(403, "not_responsible")

	task := e.do("GET", "/api/v1/tasks/GY03", "", nil).want(200).json()
	if task["status"] != "in_progress" || task["progress"] != 40.0 || task["due"] != nil || task["continuous"] != true || len(task["updates"].([]any)) != 1 {
		t.Fatalf("GY03: %v", task)
	}
	// GY01 is due 2023年: overdue now, unless completed.
	if gy01 := e.do("GET", "/api/v1/tasks/GY01", "", nil).json(); gy01["overdue"] != true || gy01["due"] != "2023-12-31" {
		t.Fatalf("GY01: overdue %v due %v", gy01["overdue"], gy01["due"])
	}
	e.do("POST", "/api/v1/tasks/GY01/updates", admin, map[string]any{"status": "completed", "progress": 100.0}).want(201)
	if gy01 := e.do("GET", "/api/v1/tasks/GY01", "", nil).json(); gy01["overdue"] != false {
		t.Fatal("completed task still overdue")
	}
	for name, body := range map[string]map[string]any{
		"progress over 100":     {"status": "in_progress", "progress": 101.0},
		"negative progress":     {"status": "in_progress", "progress": -5.0},
		"missing progress":      {"status": "in_progress"},
		"bad status":            {"status": "done", "progress": 100.0},
		"completed below 100":   {"status": "completed", "progress": 90.0},
		"not started with work": {"status": "not_started", "progress": 20.0},
	} {
		e.do("POST", "/api/v1/tasks/GY04/updates", admin, body).wantError(400, "validation_failed")
		_ = name
	}
	if n := len(e.do("GET", "/api/v1/tasks/GY04", "", nil).json()["updates"].([]any)); n != 0 {
		t.Fatalf("GY04 has %d updates after refused requests", n)
	}
	var p struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/api/v1/tasks?limit=100&overdue=true&due_year=2023", "", nil).want(200).decode(&p)
	for _, it := range p.Items {
		if it["due"] != "2023-12-31" || it["overdue"] != true {
			t.Fatalf("filter overdue+due_year: %v", it)
		}
	}
	if len(p.Items) == 0 {
		t.Fatal("no overdue 2023 tasks")
	}
	e.do("GET", "/api/v1/tasks?limit=100&domain=农业领域固体废物", "", nil).want(200).decode(&p)
	if len(p.Items) != 11 {
		t.Fatalf("农业 tasks: %d", len(p.Items))
	}
	e.do("GET", "/api/v1/tasks?limit=100&department=市生态环境局&status=in_progress", "", nil).want(200).decode(&p)
	if len(p.Items) != 1 || p.Items[0]["code"] != "GY03" {
		t.Fatalf("department+status filter: %v", p.Items)
	}
	e.do("GET", "/api/v1/tasks?due_year=soon", "", nil).wantError(400, "validation_failed")
	e.do("GET", "/api/v1/tasks?overdue=perhaps", "", nil).wantError(400, "validation_failed")
}

func TestCorrectionsAreAuditedAndSurviveReload(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	e.do("PATCH", "/api/v1/indicators/I05", e.tokens[account.RoleDepartment], map[string]any{"name": "x", "reason": "y"}).wantError(403, "forbidden")
	e.do("PATCH", "/api/v1/indicators/I05", admin, map[string]any{"name": "开展绿色园区建设的工业园区占比（更正）"}).wantError(400, "validation_failed")
	e.do("PATCH", "/api/v1/indicators/I05", admin, map[string]any{"name": "开展绿色园区建设的工业园区占比（更正）", "reason": "文字勘误"}).want(200)
	e.do("PATCH", "/api/v1/tasks/WF08", admin, map[string]any{"lead": []string{"市交通运输局"}, "reason": "统一部门名称"}).want(200)
	e.do("PATCH", "/api/v1/tasks/WF08", admin, map[string]any{"deadline": "明年", "reason": "x"}).wantError(400, "validation_failed")
	e.do("POST", "/api/v1/indicators/I05/measurements", admin, map[string]any{"period": "2024", "value": 50.0}).want(201)

	// A restart reloads the seed: corrections and measurements stay.
	if err := e.registry.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	reg2, err := registry.NewService(e.db, e.audit, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg2.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	in, err := reg2.Indicator(t.Context(), "I05")
	if err != nil {
		t.Fatal(err)
	}
	if in.Name != "开展绿色园区建设的工业园区占比（更正）" || len(in.Measurements) != 1 || fmt.Sprint(in.Corrected) != "[name]" {
		t.Fatalf("after reload: name %q, %d measurements, corrected %v", in.Name, len(in.Measurements), in.Corrected)
	}
	task, _ := reg2.Task(t.Context(), "WF08")
	if fmt.Sprint(task.Lead) != "[市交通运输局]" {
		t.Fatalf("task lead after reload: %v", task.Lead)
	}
	inds, _ := reg2.Indicators(t.Context())
	tasks, _ := reg2.Tasks(t.Context())
	if len(inds) != 52 || len(tasks) != 83 {
		t.Fatalf("reload duplicated entries: %d indicators, %d tasks", len(inds), len(tasks))
	}
	var audit struct {
		Items []struct {
			Action string         `json:"action"`
			After  map[string]any `json:"after"`
			Before map[string]any `json:"before"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/admin/audit?object_type=indicator&object_id=I05", admin, nil).want(200).decode(&audit)
	if len(audit.Items) != 2 || audit.Items[1].Action != "indicator.correct" || audit.Items[1].After["reason"] != "文字勘误" ||
		audit.Items[1].Before["name"] != "开展绿色园区建设的工业园区占比" {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

func TestSummaryDepartmentsAndExports(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	e.do("POST", "/api/v1/indicators/I02/measurements", admin, map[string]any{"period": "2025-Q3", "value": 19.5}).want(201)
	e.do("POST", "/api/v1/tasks/GY03/updates", admin, map[string]any{"status": "completed", "progress": 100.0}).want(201)
	var sum registry.Summary
	e.do("GET", "/api/v1/registry/summary", "", nil).want(200).decode(&sum)
	if sum.Indicators.Total != 52 || sum.Indicators.Counts["achieved"] != 1 || sum.Indicators.Counts["no_data"] != 51 || len(sum.Indicators.ByGroup) != 5 {
		t.Fatalf("indicator summary: %+v", sum.Indicators)
	}
	if sum.Tasks.Total != 83 || sum.Tasks.Counts["completed"] != 1 || len(sum.Tasks.ByDomain) != 4 || sum.Tasks.ByDomain[0].Total != 37 {
		t.Fatalf("task summary: %+v", sum.Tasks)
	}
	var deps struct {
		Items []registry.Department `json:"items"`
	}
	e.do("GET", "/api/v1/departments", "", nil).want(200).decode(&deps)
	if len(deps.Items) != 33 {
		t.Fatalf("%d departments, want 33", len(deps.Items))
	}
	for _, d := range deps.Items {
		if d.Name == "第三方测评机构" && (d.Indicators != 2 || d.TasksLead+d.TasksParticipating != 0) {
			t.Fatalf("第三方测评机构: %+v", d)
		}
	}

	res := e.do("GET", "/api/v1/registry/export?format=xlsx", "", nil).want(200)
	if !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("content disposition %q", res.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	rows, _ := f.GetRows(registry.SheetIndicators)
	trows, _ := f.GetRows(registry.SheetTasks)
	if len(rows) != 53 || len(trows) != 84 {
		t.Fatalf("xlsx rows: %d indicators, %d tasks (with headers)", len(rows), len(trows))
	}
	if rows[2][0] != "I02" || rows[2][4] != "工业危险废物产生强度" || rows[2][13] != "19.5" || rows[2][17] != "已达标" {
		t.Fatalf("xlsx I02 row: %v", rows[2])
	}
	for _, table := range []string{"indicators", "tasks"} {
		res := e.do("GET", "/api/v1/registry/export?format=csv&table="+table, "", nil).want(200)
		if !bytes.HasPrefix(res.Body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("%s CSV has no BOM", table)
		}
		recs, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"indicators": 53, "tasks": 84}[table]
		if len(recs) != want {
			t.Fatalf("%s CSV: %d rows, want %d", table, len(recs), want)
		}
	}
	e.do("GET", "/api/v1/registry/export?format=pdf", "", nil).wantError(400, "validation_failed")
	e.do("GET", "/api/v1/registry/export?format=csv&table=users", "", nil).wantError(400, "validation_failed")
}

// TestEvidenceUploadsAreClaimed: upload ids in evidence must be the
// reporter's own files; once attached, any logged-in user may open them.
func TestEvidenceUploadsAreClaimed(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	dept := e.tokens[account.RoleDepartment]
	mine := e.uploadFile(dept, "file", "report.pdf", pdfBytes).want(201).json()["id"].(string)
	theirs := e.uploadFile(admin, "file", "photo.png", pngBytes(t)).want(201).json()["id"].(string)

	res := e.do("POST", "/api/v1/indicators/I03/measurements", dept, map[string]any{"period": "2024", "value": 40.0, "evidence": []string{theirs}})
	if res.wantError(400, "validation_failed").fields()["evidence[0]"] != "not_owner" {
		t.Fatalf("someone else's upload accepted: %s", res.Body)
	}
	res = e.do("POST", "/api/v1/indicators/I03/measurements", dept, map[string]any{"period": "2024", "value": 40.0, "evidence": []string{"up_doesnotexist1"}})
	if res.wantError(400, "validation_failed").fields()["evidence[0]"] != "not_found" {
		t.Fatalf("a missing upload accepted: %s", res.Body)
	}
	e.do("GET", "/api/v1/uploads/"+mine, e.tokens[account.RoleCitizen], nil).wantError(404, "upload_not_found")
	e.do("POST", "/api/v1/indicators/I03/measurements", dept, map[string]any{"period": "2024", "value": 40.0, "evidence": []string{mine, "https://example.org/a.pdf"}}).want(201)
	e.do("GET", "/api/v1/uploads/"+mine, e.tokens[account.RoleCitizen], nil).want(200)
	// The same file cannot be evidence of a task too.
	e.do("POST", "/api/v1/tasks/GY03/updates", dept, map[string]any{"status": "in_progress", "progress": 10.0, "evidence": []string{mine}}).wantError(400, "validation_failed")
}

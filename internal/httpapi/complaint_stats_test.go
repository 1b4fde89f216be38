package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
)

// statsFigures is the counts and rates of the statistics' answer (totals
// and groups).
type statsFigures struct {
	Code, Adcode, Name string
	Submitted          int      `json:"submitted"`
	Accepted           int      `json:"accepted"`
	Closed             int      `json:"closed"`
	CompletionRate     *float64 `json:"completion_rate"`
	Resolved           int      `json:"resolved"`
	OnTime             int      `json:"on_time"`
	OnTimeRate         *float64 `json:"on_time_rate"`
	Rated              int      `json:"rated"`
	AverageRating      *float64 `json:"average_rating"`
	Open               int      `json:"open"`
	OverdueOpen        int      `json:"overdue_open"`
}

type statsAnswer struct {
	From, To, Granularity string
	statsFigures
	ByDepartment []statsFigures `json:"by_department"`
	ByDistrict   []statsFigures `json:"by_district"`
	Trend        []struct {
		Period                                   string
		Submitted, Accepted, Closed, OverdueOpen int
	} `json:"trend"`
}

func (e *env) stats(token, q string) statsAnswer {
	e.t.Helper()
	var a statsAnswer
	e.do("GET", "/api/v1/complaints/stats?"+q, token, nil).want(200).decode(&a)
	return a
}

func group(gs []statsFigures, code string) statsFigures {
	for _, g := range gs {
		if g.Code == code || g.Adcode == code {
			return g
		}
	}
	return statsFigures{Code: "missing " + code}
}

func rate(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// statsCases files four complaints and moves them: c0 (other, 150602)
// closed with a 5 by 市生态环境局; c1 (agricultural waste, 150603) assigned
// to district 150603; c2 (other, 150602) accepted only; c3 (agricultural
// waste, 150603) rejected.
func statsCases(t *testing.T, e *env) []string {
	t.Helper()
	alice := e.tokens[account.RoleCitizen]
	admin := e.tokens[account.RoleAdmin]
	var ids []string
	for i, w := range []struct{ cat, district string }{{"other", "150602"}, {"agricultural_waste", "150603"}, {"other", "150602"}, {"agricultural_waste", "150603"}} {
		lat, lng := ordosPoint(t, w.district, float64(i*500))
		ids = append(ids, e.do("POST", "/api/v1/complaints", alice, map[string]any{"category": w.cat, "description": "统计测试", "lat": lat, "lng": lng}).want(201).complaint().ID)
	}
	for _, id := range ids[:3] {
		e.do("POST", "/api/v1/complaints/"+id+"/accept", admin, nil).want(200)
	}
	e.do("POST", "/api/v1/complaints/"+ids[0]+"/assign", admin, map[string]string{"department": "市生态环境局"}).want(200)
	e.do("POST", "/api/v1/complaints/"+ids[0]+"/start", admin, nil).want(200)
	e.do("POST", "/api/v1/complaints/"+ids[0]+"/resolve", admin, map[string]any{"result": "已清理"}).want(200)
	e.do("POST", "/api/v1/complaints/"+ids[0]+"/feedback", alice, map[string]any{"rating": 5}).want(200)
	e.do("POST", "/api/v1/complaints/"+ids[1]+"/assign", admin, map[string]string{"district": "150603"}).want(200)
	e.do("POST", "/api/v1/complaints/"+ids[3]+"/reject", admin, map[string]string{"reason": "重复"}).want(200)
	return ids
}

// TestComplaintStats: the statistics' figures, groups and trend for each
// staff scope; others are refused; bad dates and ranges are field errors;
// an empty range has null rates.
func TestComplaintStats(t *testing.T) {
	e := newEnv(t)
	statsCases(t, e)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	q := "from=" + today + "&to=" + today

	a := e.stats(e.tokens[account.RoleAdmin], q)
	if a.From != today || a.To != today || a.Granularity != "day" || a.Submitted != 4 || a.Accepted != 3 || a.Closed != 1 ||
		rate(a.CompletionRate) != "33.33" || a.Resolved != 1 || a.OnTime != 1 || rate(a.OnTimeRate) != "100" || a.Rated != 1 ||
		rate(a.AverageRating) != "5" || a.Open != 2 || a.OverdueOpen != 0 {
		t.Fatalf("admin totals: %+v completion %s on time %s rating %s", a, rate(a.CompletionRate), rate(a.OnTimeRate), rate(a.AverageRating))
	}
	// By department in charge: c0 (assigned) and c2 (its category's) are
	// 市生态环境局's, c3 (rejected unassigned) 市农牧局's, c1 is a district's.
	eco := group(a.ByDepartment, "市生态环境局")
	if eco.Name != "市生态环境局" || eco.Submitted != 2 || eco.Accepted != 2 || eco.Closed != 1 || rate(eco.CompletionRate) != "50" || eco.Open != 1 {
		t.Fatalf("市生态环境局: %+v", eco)
	}
	if agri := group(a.ByDepartment, "市农牧局"); agri.Submitted != 1 || agri.Accepted != 0 || agri.CompletionRate != nil || agri.Open != 0 {
		t.Fatalf("市农牧局: %+v", agri)
	}
	if law := group(a.ByDepartment, "市执法局"); law.Submitted != 0 || law.CompletionRate != nil { // listed for the admin, empty
		t.Fatalf("市执法局: %+v", law)
	}
	if d := group(a.ByDistrict, "150603"); d.Name == "" || d.Submitted != 2 || d.Accepted != 1 || d.Open != 1 || d.Closed != 0 {
		t.Fatalf("150603: %+v", d)
	}
	if len(a.ByDistrict) != 9 || len(a.Trend) != 1 || a.Trend[0].Period != today || a.Trend[0].Submitted != 4 || a.Trend[0].Accepted != 3 ||
		a.Trend[0].Closed != 1 {
		t.Fatalf("districts %d, trend %+v", len(a.ByDistrict), a.Trend)
	}

	// Scopes, as in the staff list.
	scopes := []struct {
		name, token                 string
		submitted, accepted, closed int
	}{
		{"department 市生态环境局 (the other category, c0 and c2)", e.tokens[account.RoleDepartment], 2, 2, 1},
		{"department 市农牧局 (agricultural waste, c1 and c3)", e.staff("agri", account.RoleDepartment, "市农牧局"), 2, 1, 0},
		{"district 150602 (c0 and c2 are there)", e.tokens[account.RoleDistrict], 2, 2, 1},
		{"district 150603 (c1 and c3)", e.staff("d603", account.RoleDistrict, "150603"), 2, 1, 0},
	}
	for _, sc := range scopes {
		got := e.stats(sc.token, q)
		if got.Submitted != sc.submitted || got.Accepted != sc.accepted || got.Closed != sc.closed {
			t.Errorf("%s: %+v", sc.name, got.statsFigures)
		}
	}
	if d := e.stats(e.tokens[account.RoleDistrict], q); len(d.ByDistrict) != 1 || d.ByDistrict[0].Adcode != "150602" {
		t.Errorf("district staff's districts: %+v", d.ByDistrict)
	}

	// Nobody else.
	e.do("GET", "/api/v1/complaints/stats", e.tokens[account.RoleCitizen], nil).wantError(403, "forbidden")
	e.do("GET", "/api/v1/complaints/stats", e.tokens[account.RoleEvaluator], nil).wantError(403, "forbidden")
	e.do("GET", "/api/v1/complaints/stats", "", nil).want(401)

	// Bad input.
	for q, field := range map[string]string{
		"from=2026-13-01":                                "from",
		"from=2026-11-01&to=yesterday":                   "to",
		"from=2026-11-20&to=2026-11-19":                  "to",
		"granularity=year":                               "granularity",
		"from=2000-01-01&to=2026-12-31":                  "granularity", // 9,862 days
		"from=1990-01-01&to=2026-12-31&granularity=week": "granularity",
	} {
		res := e.do("GET", "/api/v1/complaints/stats?"+q, e.tokens[account.RoleAdmin], nil).wantError(400, "validation_failed")
		if _, ok := res.fields()[field]; !ok {
			t.Errorf("?%s: fields %v, want %s", q, res.fields(), field)
		}
	}

	// An empty range: zeros, null rates, every period present.
	empty := e.stats(e.tokens[account.RoleAdmin], "from=2000-01-01&to=2000-01-31")
	if empty.Submitted != 0 || empty.CompletionRate != nil || empty.OnTimeRate != nil || empty.AverageRating != nil || len(empty.Trend) != 31 {
		t.Fatalf("empty range: %+v, %d periods", empty.statsFigures, len(empty.Trend))
	}
	// Weeks from Monday and months from the first, in China time.
	w := e.stats(e.tokens[account.RoleAdmin], "from=2026-11-25&to=2026-12-08&granularity=week")
	m := e.stats(e.tokens[account.RoleAdmin], "from=2026-01-15&to=2026-03-02&granularity=month")
	if len(w.Trend) != 3 || w.Trend[0].Period != "2026-11-23" || w.Trend[2].Period != "2026-12-07" ||
		len(m.Trend) != 3 || m.Trend[0].Period != "2026-01-01" || m.Trend[2].Period != "2026-03-01" {
		t.Fatalf("weeks %+v, months %+v", w.Trend, m.Trend)
	}
	// Defaults: the last 30 days, by day.
	if d := e.stats(e.tokens[account.RoleAdmin], ""); d.To != today || len(d.Trend) != 30 || d.Submitted != 4 {
		t.Fatalf("defaults: %s..%s, %d periods, %d submitted", d.From, d.To, len(d.Trend), d.Submitted)
	}
}

// TestComplaintStatsAgreeWithIndicator48: over this year, the statistics
// give the live indicator 48's figures on the same data.
func TestComplaintStatsAgreeWithIndicator48(t *testing.T) {
	e := newEnv(t)
	statsCases(t, e)
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	st := e.stats(e.tokens[account.RoleAdmin], fmt.Sprintf("from=%d-01-01&to=%d-12-31&granularity=month", year, year))
	ind := e.do("GET", "/api/v1/indicators/I48", "", nil).want(200).json()
	latest, _ := ind["latest"].(map[string]any)
	fig, _ := ind["live_figures"].(map[string]any)
	if latest == nil || fig == nil {
		t.Fatalf("I48: %v", ind)
	}
	num := func(v any) string {
		if v == nil {
			return "null"
		}
		return fmt.Sprint(v)
	}
	pairs := map[string][2]string{
		"value = completion_rate":         {num(latest["value"]), rate(st.CompletionRate)},
		"accepted":                        {num(fig["accepted"]), fmt.Sprint(st.Accepted)},
		"closed":                          {num(fig["closed"]), fmt.Sprint(st.Closed)},
		"resolved":                        {num(fig["resolved"]), fmt.Sprint(st.Resolved)},
		"on_time":                         {num(fig["on_time"]), fmt.Sprint(st.OnTime)},
		"on_time_rate":                    {num(fig["on_time_rate"]), rate(st.OnTimeRate)},
		"rated":                           {num(fig["rated"]), fmt.Sprint(st.Rated)},
		"average_rating":                  {num(fig["average_rating"]), rate(st.AverageRating)},
		"12 monthly periods of this year": {"12", fmt.Sprint(len(st.Trend))},
	}
	for name, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("%s: indicator 48 %s, statistics %s", name, p[0], p[1])
		}
	}
	if st.Accepted != 3 || st.Closed != 1 {
		t.Fatalf("statistics of the year: %+v", st.statsFigures)
	}
}

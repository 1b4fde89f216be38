package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/survey"
)

// testClock is real time plus an offset the test moves, so "two minutes
// later" needs no sleeping.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func (e *env) surveyClock() *testClock {
	c := &testClock{}
	e.srv.Surveys.SetClock(c.now)
	return c
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// surveyDefinition is a realistic survey: satisfaction (q1 and four more
// scale items), awareness (q2, with a follow-up shown only on yes), free
// text, an attention check and the two raking questions.
func surveyDefinition() map[string]any {
	likert := func(id, title string) map[string]any {
		return map[string]any{"id": id, "type": "likert5", "title": title, "required": true}
	}
	return map[string]any{
		"title":       "2026年“无废城市”建设公众满意度调查",
		"description": "了解市民对无废城市建设成效的评价",
		"opens_at":    rfc(time.Now().Add(-time.Hour)),
		"closes_at":   rfc(time.Now().Add(30 * 24 * time.Hour)),
		"questions": []any{
			likert("q1", "您对本市“无废城市”建设成效的总体满意程度"),
			map[string]any{"id": "q2", "type": "single", "title": "您是否听说过“无废城市”建设", "required": true,
				"options": []any{map[string]any{"value": "yes", "label": "听说过"}, map[string]any{"value": "no", "label": "没听说过"}}},
			map[string]any{"id": "q3", "type": "multiple", "title": "您通过哪些渠道了解", "required": true,
				"show_if": map[string]any{"question": "q2", "in": []string{"yes"}},
				"options": []any{map[string]any{"value": "tv", "label": "电视"}, map[string]any{"value": "web", "label": "网络"},
					map[string]any{"value": "community", "label": "社区宣传"}}},
			likert("q4", "生活垃圾分类"),
			likert("q5", "建筑垃圾管理"),
			likert("q6", "工业固废利用"),
			likert("q7", "危险废物监管"),
			map[string]any{"id": "q8", "type": "single", "title": "本题请选择“比较同意”", "required": true, "expect": "b",
				"options": []any{map[string]any{"value": "a", "label": "非常同意"}, map[string]any{"value": "b", "label": "比较同意"},
					map[string]any{"value": "c", "label": "不同意"}}},
			map[string]any{"id": "q9", "type": "text", "title": "您的意见和建议", "max_length": 100},
			map[string]any{"id": "sex", "type": "single", "title": "性别", "demographic": "sex",
				"options": []any{map[string]any{"value": "male", "label": "男"}, map[string]any{"value": "female", "label": "女"}}},
			map[string]any{"id": "age", "type": "single", "title": "年龄段", "demographic": "age",
				"options": []any{map[string]any{"value": "15-59", "label": "15–59岁"}, map[string]any{"value": "60+", "label": "60岁及以上"}}},
		},
		"measures": map[string]any{"satisfaction": "q1", "awareness": []string{"q2"}, "awareness_yes": []string{"yes"}},
	}
}

// goodAnswers is a valid, unflagged response with satisfaction s.
func goodAnswers(s int, aware bool) map[string]any {
	a := map[string]any{"q1": s, "q4": 4, "q5": 3, "q6": 5, "q7": 2, "q8": "b", "sex": "female", "age": "15-59"}
	if aware {
		a["q2"], a["q3"] = "yes", []string{"tv", "community"}
	} else {
		a["q2"] = "no"
	}
	return a
}

func (e *env) publishedSurvey(def map[string]any) string {
	e.t.Helper()
	admin := e.tokens[account.RoleAdmin]
	id := e.do("POST", "/api/v1/surveys", admin, def).want(201).json()["id"].(string)
	e.do("POST", "/api/v1/surveys/"+id+"/publish", admin, nil).want(200)
	return id
}

func (e *env) start(id, token string) string {
	e.t.Helper()
	return e.do("POST", "/api/v1/surveys/"+id+"/start", token, nil).want(200).json()["start_token"].(string)
}

func submitBody(answers map[string]any, district, startToken string) map[string]any {
	return map[string]any{"answers": answers, "district": district, "start_token": startToken}
}

func TestSurveyDesign(t *testing.T) {
	e := newEnv(t)
	admin, citizen := e.tokens[account.RoleAdmin], e.tokens[account.RoleCitizen]

	bad := func(mutate func(d map[string]any)) map[string]any {
		d := surveyDefinition()
		mutate(d)
		return d
	}
	qs := func(d map[string]any) []any { return d["questions"].([]any) }
	tests := map[string]struct {
		def   map[string]any
		field string
		code  string
	}{
		"no title":            {bad(func(d map[string]any) { d["title"] = " " }), "title", "required"},
		"closes before opens": {bad(func(d map[string]any) { d["closes_at"] = rfc(time.Now().Add(-2 * time.Hour)) }), "closes_at", "before_opens"},
		"no questions":        {bad(func(d map[string]any) { d["questions"] = []any{} }), "questions", "required"},
		"duplicate id":        {bad(func(d map[string]any) { qs(d)[3].(map[string]any)["id"] = "q1" }), "questions[3].id", "duplicate"},
		"bad id":              {bad(func(d map[string]any) { qs(d)[0].(map[string]any)["id"] = "Q 1" }), "questions[0].id", "invalid"},
		"unknown type":        {bad(func(d map[string]any) { qs(d)[0].(map[string]any)["type"] = "slider" }), "questions[0].type", "invalid"},
		"options on likert": {bad(func(d map[string]any) {
			qs(d)[0].(map[string]any)["options"] = []any{map[string]any{"value": "x", "label": "x"}}
		}), "questions[0].options", "not_allowed"},
		"one option": {bad(func(d map[string]any) {
			qs(d)[1].(map[string]any)["options"] = qs(d)[1].(map[string]any)["options"].([]any)[:1]
		}), "questions[1].options", "too_few"},
		"show_if unknown": {bad(func(d map[string]any) {
			qs(d)[2].(map[string]any)["show_if"] = map[string]any{"question": "zz", "in": []string{"yes"}}
		}), "questions[2].show_if.question", "unknown_question"},
		"show_if later": {bad(func(d map[string]any) {
			qs(d)[2].(map[string]any)["show_if"] = map[string]any{"question": "q4", "in": []string{"1"}}
		}), "questions[2].show_if.question", "unknown_question"},
		"show_if bad value": {bad(func(d map[string]any) {
			qs(d)[2].(map[string]any)["show_if"] = map[string]any{"question": "q2", "in": []string{"maybe"}}
		}), "questions[2].show_if.in[0]", "invalid_option"},
		"expect not an option": {bad(func(d map[string]any) { qs(d)[7].(map[string]any)["expect"] = "z" }), "questions[7].expect", "invalid_option"},
		"satisfaction single":  {bad(func(d map[string]any) { d["measures"].(map[string]any)["satisfaction"] = "q2" }), "measures.satisfaction", "invalid"},
		"awareness unknown":    {bad(func(d map[string]any) { d["measures"].(map[string]any)["awareness"] = []string{"q99"} }), "measures.awareness[0]", "unknown_question"},
		"awareness_yes bad":    {bad(func(d map[string]any) { d["measures"].(map[string]any)["awareness_yes"] = []string{"tv"} }), "measures.awareness_yes[0]", "invalid_option"},
		"bad measure":          {bad(func(d map[string]any) { d["measures"].(map[string]any)["satisfaction_measure"] = "median" }), "measures.satisfaction_measure", "invalid"},
		"quota district":       {bad(func(d map[string]any) { d["quotas"] = map[string]int{"110101": 10} }), "quotas.110101", "unknown_district"},
		"sex options": {bad(func(d map[string]any) {
			qs(d)[9].(map[string]any)["options"].([]any)[0].(map[string]any)["value"] = "m"
		}), "questions[9].options[0].value", "invalid_option"},
		"bad time": {bad(func(d map[string]any) { d["opens_at"] = "2026-01-01 08:00" }), "opens_at", "invalid_time"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := e.do("POST", "/api/v1/surveys", admin, tc.def).wantError(400, "validation_failed")
			if got := res.fields()[tc.field]; got != tc.code {
				t.Fatalf("field %s = %q, want %q; body %s", tc.field, got, tc.code, res.Body)
			}
		})
	}
	e.do("POST", "/api/v1/surveys", admin, `{"title": "x", "colour": "red"}`).wantError(400, "unknown_field")

	// Create, edit, publish; then the published survey is frozen.
	created := e.do("POST", "/api/v1/surveys", admin, surveyDefinition()).want(201).json()
	id := created["id"].(string)
	if created["status"] != "draft" || created["version"].(float64) != 1 || created["measures"].(map[string]any)["satisfaction_measure"] != "rate" {
		t.Fatalf("created %v", created)
	}
	e.do("GET", "/api/v1/surveys/"+id, citizen, nil).wantError(404, "survey_not_found")
	e.do("GET", "/api/v1/surveys/"+id, e.tokens[account.RoleEvaluator], nil).want(200)
	got := e.do("PATCH", "/api/v1/surveys/"+id, admin, map[string]any{"title": "修改后的标题", "quotas": map[string]int{"150602": 2}}).want(200).json()
	if got["title"] != "修改后的标题" || len(got["questions"].([]any)) != 11 {
		t.Fatalf("patched %v", got)
	}
	e.do("PATCH", "/api/v1/surveys/"+id, admin, map[string]any{"questions": []any{}}).wantError(400, "validation_failed")
	e.do("POST", "/api/v1/surveys/"+id+"/versions", admin, nil).wantError(409, "survey_not_published")
	pub := e.do("POST", "/api/v1/surveys/"+id+"/publish", admin, nil).want(200).json()
	if pub["status"] != "published" || pub["open"] != true {
		t.Fatalf("published %v", pub)
	}
	e.do("PATCH", "/api/v1/surveys/"+id, admin, map[string]any{"title": "再改"}).wantError(409, "survey_not_draft")
	e.do("POST", "/api/v1/surveys/"+id+"/publish", admin, nil).wantError(409, "survey_not_draft")
	v2 := e.do("POST", "/api/v1/surveys/"+id+"/versions", admin, nil).want(201).json()
	if v2["status"] != "draft" || v2["version"].(float64) != 2 || v2["family"] != id || v2["previous"] != id || v2["title"] != "修改后的标题" {
		t.Fatalf("version %v", v2)
	}
	e.do("PATCH", "/api/v1/surveys/"+v2["id"].(string), admin, map[string]any{"title": "第二版"}).want(200)
	if e.do("GET", "/api/v1/surveys/"+id, citizen, nil).want(200).json()["title"] != "修改后的标题" {
		t.Fatal("editing a new version changed the published one")
	}

	// Citizens list only open surveys; the admin lists every status.
	var page struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/api/v1/surveys", citizen, nil).want(200).decode(&page)
	if len(page.Items) != 1 || page.Items[0]["id"] != id {
		t.Fatalf("citizen list %v", page.Items)
	}
	e.do("GET", "/api/v1/surveys?status=draft", admin, nil).want(200).decode(&page)
	if len(page.Items) != 1 || page.Items[0]["id"] != v2["id"] {
		t.Fatalf("admin drafts %v", page.Items)
	}
	e.do("GET", "/api/v1/surveys?status=gone", admin, nil).wantError(400, "validation_failed")

	e.do("POST", "/api/v1/surveys/"+id+"/close", admin, nil).want(200)
	e.do("POST", "/api/v1/surveys/"+id+"/close", admin, nil).wantError(409, "survey_not_published")
	e.do("GET", "/api/v1/surveys", citizen, nil).want(200).decode(&page)
	if len(page.Items) != 0 {
		t.Fatalf("closed survey still listed: %v", page.Items)
	}
	e.do("GET", "/api/v1/surveys/nope", admin, nil).wantError(404, "survey_not_found")

	var n int64
	n, _ = e.db.Collection("audit").CountDocuments(context.Background(), bson.M{"object_type": "survey"})
	if n < 6 {
		t.Fatalf("%d audit records for surveys", n)
	}
}

func TestSurveyAnswering(t *testing.T) {
	e := newEnv(t)
	clock := e.surveyClock()
	admin, citizen := e.tokens[account.RoleAdmin], e.tokens[account.RoleCitizen]
	def := surveyDefinition()
	def["quotas"] = map[string]int{"150627": 1}
	id := e.publishedSurvey(def)
	path := "/api/v1/surveys/" + id + "/responses"

	tok := e.start(id, citizen)
	clock.advance(time.Minute)
	bad := map[string]struct {
		answers map[string]any
		field   string
		code    string
	}{
		"likert out of range":   {map[string]any{"q1": 6}, "answers.q1", "out_of_range"},
		"likert not a number":   {map[string]any{"q1": "5"}, "answers.q1", "invalid_type"},
		"likert fraction":       {map[string]any{"q1": 4.5}, "answers.q1", "invalid_type"},
		"unknown option":        {map[string]any{"q2": "maybe"}, "answers.q2", "invalid_option"},
		"multiple not array":    {map[string]any{"q3": "tv"}, "answers.q3", "invalid_type"},
		"multiple duplicate":    {map[string]any{"q3": []string{"tv", "tv"}}, "answers.q3", "invalid_option"},
		"required missing":      {map[string]any{"q1": nil}, "answers.q1", "required"},
		"required with show_if": {map[string]any{"q3": nil}, "answers.q3", "required"},
		"hidden answered":       {map[string]any{"q2": "no"}, "answers.q3", "not_shown"},
		"unknown question":      {map[string]any{"q42": 1}, "answers.q42", "unknown_question"},
		"text too long":         {map[string]any{"q9": strings.Repeat("长", 101)}, "answers.q9", "too_long"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			answers := goodAnswers(5, true)
			for k, v := range tc.answers {
				if v == nil {
					delete(answers, k)
				} else {
					answers[k] = v
				}
			}
			res := e.do("POST", path, citizen, submitBody(answers, "150602", tok)).wantError(400, "validation_failed")
			if got := res.fields()[tc.field]; got != tc.code {
				t.Fatalf("field %s = %q, want %q; body %s", tc.field, got, tc.code, res.Body)
			}
		})
	}
	e.do("POST", path, citizen, submitBody(goodAnswers(5, true), "", tok)).wantError(400, "validation_failed")
	e.do("POST", path, citizen, submitBody(goodAnswers(5, true), "110101", tok)).wantError(400, "validation_failed")
	e.do("POST", path, citizen, submitBody(goodAnswers(5, true), "150602", "forged")).wantError(400, "invalid_start_token")
	other := e.citizen("o_other")
	e.do("POST", path, citizen, submitBody(goodAnswers(5, true), "150602", e.start(id, other))).wantError(400, "invalid_start_token")
	risky := goodAnswers(5, true)
	risky["q9"] = "这是违规测试内容"
	e.do("POST", path, citizen, submitBody(risky, "150602", tok)).wantError(422, "text_rejected")
	e.do("POST", path, e.tokens[account.RoleAdmin], submitBody(goodAnswers(5, true), "150602", tok)).wantError(403, "forbidden")

	// Nothing half-written by the refusals: the respondent can still answer.
	ok := goodAnswers(5, true)
	ok["q9"] = "=希望多设回收点"
	rid := e.do("POST", path, citizen, submitBody(ok, "150602", tok)).want(201).json()["id"].(string)
	// A repeat is refused whatever token it carries, and so is a new start.
	e.do("POST", path, citizen, submitBody(ok, "150602", tok)).wantError(409, "already_responded")
	e.do("POST", path, citizen, submitBody(ok, "150602", "")).wantError(409, "already_responded")
	e.do("POST", "/api/v1/surveys/"+id+"/start", citizen, nil).wantError(409, "already_responded")
	// Redis is allowed to lose the fast check: the response's _id still
	// refuses the repeat, and the tallies do not count it.
	keys, err := e.rdb.Keys(context.Background(), e.rdb.Key("survey", "resp", "*")).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("reservation keys %v, %v", keys, err)
	}
	e.rdb.Del(context.Background(), keys...)
	e.do("POST", path, citizen, submitBody(ok, "150602", tok)).wantError(409, "already_responded")

	// Flags: too fast, straight-lining, failed attention check.
	submitAs := func(openid string, answers map[string]any, district string, after time.Duration) {
		t.Helper()
		tok := e.citizen(openid)
		st := e.start(id, tok)
		clock.advance(after)
		e.do("POST", path, tok, submitBody(answers, district, st)).want(201)
	}
	submitAs("o_fast", goodAnswers(4, true), "150603", 3*time.Second)
	straight := goodAnswers(4, false)
	for _, q := range []string{"q1", "q4", "q5", "q6", "q7"} {
		straight[q] = 3
	}
	submitAs("o_straight", straight, "150603", time.Minute)
	inattentive := goodAnswers(4, false)
	inattentive["q8"] = "a"
	submitAs("o_inattentive", inattentive, "150603", time.Minute)

	// Quota: one answer from 150627, the second is refused.
	submitAs("o_quota1", goodAnswers(2, false), "150627", time.Minute)
	tq := e.citizen("o_quota2")
	st := e.start(id, tq)
	e.do("POST", path, tq, submitBody(goodAnswers(2, false), "150627", st)).wantError(409, "quota_full")
	// Redis loses the quota counter: it is rebuilt from the stored
	// responses, and the quota still holds.
	qkeys, err := e.rdb.Keys(context.Background(), e.rdb.Key("survey", "q2", "*")).Result()
	if err != nil || len(qkeys) != 1 {
		t.Fatalf("quota keys %v, %v", qkeys, err)
	}
	e.rdb.Del(context.Background(), qkeys...)
	e.do("POST", path, tq, submitBody(goodAnswers(2, false), "150627", st)).wantError(409, "quota_full")

	flags := map[string]int{}
	cur, err := e.db.Collection("survey_responses").Find(context.Background(), bson.M{"survey_id": id})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 5 {
		t.Fatalf("%d responses stored", len(docs))
	}
	for _, d := range docs {
		raw, _ := bson.MarshalExtJSON(d, false, false)
		if strings.Contains(string(raw), "o_citizen_1") || strings.Contains(string(raw), "o_quota1") {
			t.Fatalf("an openid is stored: %s", raw)
		}
		for _, f := range d["flags"].(bson.A) {
			flags[f.(string)]++
		}
		// Answers are stored as plain values.
		if q1, ok := d["answers"].(bson.M)["q1"].(int32); !ok || q1 < 1 || q1 > 5 {
			t.Fatalf("stored answers %v", d["answers"])
		}
	}
	if flags["too_fast"] != 1 || flags["straight_lining"] != 1 || flags["attention_failed"] != 1 || len(flags) != 3 {
		t.Fatalf("stored flags %v", flags)
	}
	st2 := e.do("GET", "/api/v1/surveys/"+id+"/stats", admin, nil).want(200).json()
	ex := st2["excluded"].(map[string]any)
	if st2["n_total"].(float64) != 5 || st2["n_valid"].(float64) != 2 || ex["too_fast"].(float64) != 1 ||
		ex["straight_lining"].(float64) != 1 || ex["attention_failed"].(float64) != 1 {
		t.Fatalf("stats %v; flags %v", st2, flags)
	}
	if e.do("GET", "/api/v1/surveys/"+id, citizen, nil).want(200).json()["id"] != id || rid == "" {
		t.Fatal("get")
	}

	// Closed: not open any more.
	e.do("POST", "/api/v1/surveys/"+id+"/close", admin, nil).want(200)
	late := e.citizen("o_late")
	e.do("POST", "/api/v1/surveys/"+id+"/start", late, nil).wantError(409, "survey_not_open")
	e.do("POST", path, late, submitBody(goodAnswers(5, true), "150602", "x")).wantError(409, "survey_not_open")
}

func TestSurveyRateLimits(t *testing.T) {
	e := newEnv(t)
	limited, err := survey.New(context.Background(), e.db, e.rdb, e.audit, survey.Options{Registry: e.registry, Logger: quiet,
		PerRespondentPerMinute: 2, PerAddressPerMinute: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(limited.Close)
	id := e.publishedSurvey(surveyDefinition())
	e.srv.Surveys = limited
	path := "/api/v1/surveys/" + id + "/responses"
	c1 := e.tokens[account.RoleCitizen]
	e.do("POST", path, c1, submitBody(goodAnswers(5, true), "150602", "x")).wantError(400, "invalid_start_token")
	e.do("POST", path, c1, submitBody(goodAnswers(5, true), "150602", "x")).wantError(400, "invalid_start_token")
	res := e.do("POST", path, c1, submitBody(goodAnswers(5, true), "150602", "x")).wantError(429, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// The address limit counts every respondent behind it.
	c2 := e.citizen("o_second")
	e.do("POST", path, c2, submitBody(goodAnswers(5, true), "150602", "x")).wantError(400, "invalid_start_token")
	e.do("POST", path, c2, submitBody(goodAnswers(5, true), "150602", "x")).wantError(429, "rate_limited")
}

// TestSurveyRepeatsAndRefusalsDoNotCount: a repeat is refused as
// already_responded, never 429, and neither it nor a refused submission
// uses the respondent's allowance.
func TestSurveyRepeatsAndRefusalsDoNotCount(t *testing.T) {
	e := newEnv(t)
	clock := e.surveyClock()
	limited, err := survey.New(context.Background(), e.db, e.rdb, e.audit, survey.Options{Registry: e.registry, Logger: quiet,
		PerRespondentPerMinute: 2, PerAddressPerMinute: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(limited.Close)
	limited.SetClock(clock.now)
	a, b := e.publishedSurvey(surveyDefinition()), e.publishedSurvey(surveyDefinition())
	e.srv.Surveys = limited
	c := e.tokens[account.RoleCitizen]
	ta, tb := e.start(a, c), e.start(b, c)
	clock.advance(time.Minute)
	e.do("POST", "/api/v1/surveys/"+a+"/responses", c, submitBody(goodAnswers(5, true), "150602", ta)).want(201)
	for range 4 {
		e.do("POST", "/api/v1/surveys/"+a+"/responses", c, submitBody(goodAnswers(5, true), "150602", ta)).wantError(409, "already_responded")
	}
	// The second submission of the minute: allowed, the repeats did not count.
	e.do("POST", "/api/v1/surveys/"+b+"/responses", c, submitBody(goodAnswers(5, true), "150602", tb)).want(201)
}

func TestSurveyConcurrentDuplicatesAndTallies(t *testing.T) {
	e := newEnv(t)
	clock := e.surveyClock()
	admin := e.tokens[account.RoleAdmin]
	id := e.publishedSurvey(surveyDefinition())
	path := "/api/v1/surveys/" + id + "/responses"

	// The same respondent, twenty times at once: exactly one 201.
	citizen := e.tokens[account.RoleCitizen]
	tok := e.start(id, citizen)
	clock.advance(time.Minute)
	var created, dup atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			res := e.do("POST", path, citizen, submitBody(goodAnswers(5, true), "150602", tok))
			switch res.Status {
			case 201:
				created.Add(1)
			case 409:
				dup.Add(1)
			default:
				t.Errorf("status %d: %s", res.Status, res.Body)
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 || dup.Load() != 19 {
		t.Fatalf("%d created, %d duplicates", created.Load(), dup.Load())
	}

	// Many respondents at once; then the live tallies and the recomputation
	// from stored responses give identical statistics.
	districts := []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626"}
	type who struct{ token, start string }
	people := make([]who, 120)
	for i := range people {
		tk := e.devCitizen(fmt.Sprintf("o_conc_%d", i))
		people[i] = who{tk, e.start(id, tk)}
	}
	clock.advance(time.Minute)
	for i, p := range people {
		wg.Go(func() {
			a := goodAnswers(1+i%5, i%3 != 0)
			if i%17 == 0 {
				a["q8"] = "c" // attention failed: excluded
			}
			e.do("POST", path, p.token, submitBody(a, districts[i%len(districts)], p.start)).want(201)
		})
	}
	wg.Wait()
	live := e.do("GET", "/api/v1/surveys/"+id+"/stats", admin, nil).want(200).json()
	stored := e.do("GET", "/api/v1/surveys/"+id+"/stats?source=responses", admin, nil).want(200).json()
	if live["source"] != "tallies" || stored["source"] != "responses" {
		t.Fatalf("sources %v %v", live["source"], stored["source"])
	}
	for _, k := range []string{"source", "computed_at"} {
		delete(live, k)
		delete(stored, k)
	}
	lj, sj := mustJSON(t, live), mustJSON(t, stored)
	if lj != sj {
		t.Fatalf("tallies and stored responses disagree:\n%s\n%s", lj, sj)
	}
	if live["n_total"].(float64) != 121 {
		t.Fatalf("n_total %v", live["n_total"])
	}

	// Redis loses the tallies, then one more answer arrives: the live route
	// must not serve the partial count; it recomputes from the record until
	// the tallies are rebuilt.
	if err := e.rdb.Del(context.Background(), e.rdb.Key("survey", "tally", id)).Err(); err != nil {
		t.Fatal(err)
	}
	late := e.devCitizen("o_conc_late")
	lateStart := e.start(id, late)
	clock.advance(time.Minute)
	e.do("POST", path, late, submitBody(goodAnswers(4, true), "150602", lateStart)).want(201)
	after := e.do("GET", "/api/v1/surveys/"+id+"/stats", admin, nil).want(200).json()
	if after["source"] != "responses" || after["n_total"].(float64) != 122 {
		t.Fatalf("after losing the tallies: source %v, n_total %v", after["source"], after["n_total"])
	}
	rb := e.do("POST", "/api/v1/surveys/"+id+"/tallies/rebuild", admin, nil).want(200).json()
	if rb["survey_id"] != id || rb["responses"].(float64) != 122 {
		t.Fatalf("rebuild answered %v", rb)
	}
	rebuilt := e.do("GET", "/api/v1/surveys/"+id+"/stats", admin, nil).want(200).json()
	if rebuilt["source"] != "tallies" || rebuilt["n_total"].(float64) != 122 {
		t.Fatalf("after the rebuild: source %v, n_total %v", rebuilt["source"], rebuilt["n_total"])
	}
}

// devCitizen logs a dev-mode citizen in through the account service: the
// HTTP login route's per-address limit would stop a crowd from one test.
func (e *env) devCitizen(openid string) string {
	e.t.Helper()
	sess, _, err := e.accounts.LoginWeChat(context.Background(), "dev:"+openid)
	if err != nil {
		e.t.Fatal(err)
	}
	return sess.Token
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := jsonEncode(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSurveyEndToEnd is the "must show": design → publish → 1,000
// dev-mode citizens answer across districts → stats → sign-off → indicator
// 52 updated with provenance → export read back with the SHA-256 of the
// provenance.
func TestSurveyEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 respondents")
	}
	e := newEnv(t)
	clock := e.surveyClock()
	admin, evaluator := e.tokens[account.RoleAdmin], e.tokens[account.RoleEvaluator]
	id := e.publishedSurvey(surveyDefinition())
	path := "/api/v1/surveys/" + id + "/responses"

	// District sizes deliberately out of proportion to the census, so the
	// weights matter; 150627 answers nobody and is left out with a warning.
	quota := map[string]int{"150602": 300, "150603": 150, "150621": 100, "150622": 100, "150623": 80, "150624": 70, "150625": 120, "150626": 80}
	var order []string
	for _, d := range []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626"} {
		for range quota[d] {
			order = append(order, d)
		}
	}
	if len(order) != 1000 {
		t.Fatalf("%d respondents", len(order))
	}
	tokens := make([]string, len(order))
	starts := make([]string, len(order))
	t0 := time.Now()
	// Logins run one at a time: the account store looks citizens up by a
	// scan on the embedded store, and parallel logins only contend.
	var wg sync.WaitGroup
	each := func(fn func(i int)) {
		next := atomic.Int32{}
		for range 16 {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(order); i = int(next.Add(1)) - 1 {
					fn(i)
				}
			})
		}
		wg.Wait()
	}
	for i := range order {
		tokens[i] = e.devCitizen(fmt.Sprintf("o_e2e_%04d", i))
	}
	t1 := time.Now()
	each(func(i int) { starts[i] = e.start(id, tokens[i]) })
	t.Logf("logins %v, starts %v", t1.Sub(t0), time.Since(t1))
	t0 = time.Now()
	clock.advance(5 * time.Minute)
	each(func(i int) {
		a := goodAnswers(1+(i*7)%5, i%4 != 0)
		if i%50 == 0 {
			a["q8"] = "a" // 20 attention failures
		}
		if i%2 == 0 {
			a["sex"] = "male"
		}
		e.do("POST", path, tokens[i], submitBody(a, order[i], starts[i])).want(201)
	})
	t.Logf("submissions %v", time.Since(t0))

	var st survey.Stats
	e.do("GET", "/api/v1/surveys/"+id+"/stats", evaluator, nil).want(200).decode(&st)
	if st.NTotal != 1000 || st.NValid != 980 || st.Excluded["attention_failed"] != 20 {
		t.Fatalf("n_total %d n_valid %d excluded %v", st.NTotal, st.NValid, st.Excluded)
	}
	sat := st.Satisfaction
	if sat == nil || sat.Measure != "rate" || sat.Weighted.N != 980 || len(sat.ByDistrict) != 8 {
		t.Fatalf("satisfaction %+v", sat)
	}
	if !(sat.Weighted.CILow <= sat.Weighted.Estimate && sat.Weighted.Estimate <= sat.Weighted.CIHigh) ||
		sat.Weighted.NEff >= 980 || sat.Weighted.NEff < 500 || math.Abs(sat.Weighted.Estimate-sat.Unweighted.Estimate) > 0.2 {
		t.Fatalf("weighted %+v unweighted %+v", sat.Weighted, sat.Unweighted)
	}
	if len(st.Warnings) == 0 || !strings.Contains(st.Warnings[0], "准格尔旗") && !strings.Contains(st.Warnings[0], "伊金霍洛旗") {
		t.Fatalf("warnings %v", st.Warnings)
	}
	if st.Awareness == nil || st.Awareness.Weighted.N != 980 {
		t.Fatalf("awareness %+v", st.Awareness)
	}
	var raked survey.Stats
	e.do("GET", "/api/v1/surveys/"+id+"/stats?rake=sex,age", evaluator, nil).want(200).decode(&raked)
	if raked.Weighting.Raking == nil || raked.Satisfaction.Weighted.N != 980 {
		t.Fatalf("raked %+v", raked.Weighting)
	}

	// Sign-off needs a closed survey.
	e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "satisfaction", "period": "2026"}).wantError(409, "survey_not_closed")
	e.do("POST", "/api/v1/surveys/"+id+"/close", admin, nil).want(200)
	e.do("POST", "/api/v1/surveys/"+id+"/signoff", admin, map[string]string{"measure": "satisfaction", "period": "2026"}).wantError(403, "forbidden")
	e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "mood", "period": "2026"}).wantError(400, "validation_failed")
	so := e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "satisfaction", "period": "2026"}).want(201).json()
	sha := so["export_sha256"].(string)

	ind := e.do("GET", "/api/v1/indicators/I52", "", nil).want(200).json()
	latest := ind["latest"].(map[string]any)
	prov := latest["provenance"].(map[string]any)
	wantValue := math.Round(sat.Weighted.Estimate*100*100) / 100
	if latest["value"].(float64) != wantValue || latest["source"] != "evaluator" || prov["survey_id"] != id ||
		prov["export_sha256"] != sha || prov["n"].(float64) != 980 || prov["n_eff"].(float64) != sat.Weighted.NEff ||
		prov["ci_low"].(float64) != sat.Weighted.CILow || prov["method"] == "" {
		t.Fatalf("I52 latest %v (want value %v)", latest, wantValue)
	}

	// The export read back hashes to the provenance.
	res := e.do("GET", "/api/v1/surveys/"+id+"/export?format=csv", evaluator, nil).want(200)
	sum := sha256.Sum256(res.Body)
	if hex.EncodeToString(sum[:]) != sha || res.Header.Get("X-Content-SHA256") != sha {
		t.Fatalf("export sha %x, header %s, provenance %s", sum, res.Header.Get("X-Content-SHA256"), sha)
	}
	if !bytes.HasPrefix(res.Body, []byte("\uFEFF")) {
		t.Fatal("CSV without BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1001 || rows[0][0] != "respondent" || strings.Contains(string(res.Body), "o_e2e_") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	var weightSum float64
	for _, r := range rows[1:] {
		if r[6] == "1" {
			var w float64
			fmt.Sscan(r[7], &w)
			weightSum += w
		}
	}
	if math.Abs(weightSum-980) > 1e-6 {
		t.Fatalf("weights sum to %v, want n_valid", weightSum)
	}

	x := e.do("GET", "/api/v1/surveys/"+id+"/export?format=xlsx", evaluator, nil).want(200)
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 3 || got[1] != "编码表" || got[2] != "加权汇总" {
		t.Fatalf("sheets %v", got)
	}
	xrows, _ := f.GetRows("回答")
	if len(xrows) != 1001 {
		t.Fatalf("%d xlsx rows", len(xrows))
	}

	// A second sign-off for the period supersedes the first, with a reason.
	e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "satisfaction", "period": "2026"}).wantError(400, "validation_failed")
	again := e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "satisfaction", "period": "2026", "reason": "复核后重新签发"}).want(201).json()
	if again["measurement"].(map[string]any)["supersedes"] != latest["id"] {
		t.Fatalf("second sign-off %v", again)
	}
	e.do("POST", "/api/v1/surveys/"+id+"/signoff", evaluator, map[string]string{"measure": "awareness", "period": "2026"}).want(201)
	if e.do("GET", "/api/v1/indicators/I50", "", nil).want(200).json()["latest"].(map[string]any)["source"] != "evaluator" {
		t.Fatal("I50 not signed")
	}
	// I51 shows the participation figures.
	i51 := e.do("GET", "/api/v1/indicators/I51", "", nil).want(200).json()
	if figs, ok := i51["live_figures"].(map[string]any); !ok || figs["survey_responses"].(float64) != 1000 {
		t.Fatalf("I51 %v", i51["live_figures"])
	}
}

func jsonEncode(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

func TestSurveyTallyRebuildRoute(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	id := e.publishedSurvey(surveyDefinition())
	path := "/api/v1/surveys/" + id + "/tallies/rebuild"
	// Only the admin.
	e.do("POST", path, "", nil).wantError(401, "unauthenticated")
	for _, r := range []account.Role{account.RoleEvaluator, account.RoleDepartment, account.RoleDistrict, account.RoleCitizen} {
		e.do("POST", path, e.tokens[r], nil).wantError(403, "forbidden")
	}
	e.do("POST", "/api/v1/surveys/s_unknown/tallies/rebuild", admin, nil).wantError(404, "survey_not_found")
	draft := e.do("POST", "/api/v1/surveys", admin, surveyDefinition()).want(201).json()["id"].(string)
	e.do("POST", "/api/v1/surveys/"+draft+"/tallies/rebuild", admin, nil).wantError(409, "survey_not_published")
	// One rebuild at a time.
	unlock, ok, err := e.rdb.TryLock(context.Background(), "survey-tally-rebuild:"+id, time.Minute)
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	e.do("POST", path, admin, nil).wantError(409, "tally_rebuild_running")
	unlock()
	if got := e.do("POST", path, admin, nil).want(200).json()["responses"]; got != 0.0 {
		t.Fatalf("responses %v, want 0", got)
	}
	// Audited.
	var page struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/api/v1/admin/audit?action=survey.tallies_rebuild&object_id="+id, admin, nil).want(200).decode(&page)
	if len(page.Items) != 1 {
		t.Fatalf("audit entries %v", page.Items)
	}
}

// TestSurveyTallyRebuildDuringSubmissions: Redis loses the tallies; the
// admin rebuilds them (three times) while 150 citizens submit at once.
// Afterwards the live tallies equal the recomputation from the stored
// responses: nothing counted twice, nothing missed.
func TestSurveyTallyRebuildDuringSubmissions(t *testing.T) {
	e := newEnv(t)
	clock := e.surveyClock()
	admin := e.tokens[account.RoleAdmin]
	id := e.publishedSurvey(surveyDefinition())
	path := "/api/v1/surveys/" + id + "/responses"
	districts := []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"}
	type who struct{ token, start string }
	people := make([]who, 150)
	for i := range people {
		tk := e.devCitizen(fmt.Sprintf("o_rebuild_%d", i))
		people[i] = who{tk, e.start(id, tk)}
	}
	clock.advance(time.Minute)
	submit := func(i int) {
		a := goodAnswers(1+i%5, i%4 != 0)
		if i%13 == 0 {
			a["q8"] = "c" // attention failed: counted apart
		}
		e.do("POST", path, people[i].token, submitBody(a, districts[i%len(districts)], people[i].start)).want(201)
	}
	for i := range 30 {
		submit(i)
	}
	if err := e.rdb.Del(context.Background(), e.rdb.Key("survey", "tally", id)).Err(); err != nil {
		t.Fatal(err)
	}
	// Rebuilds one after another for as long as the submissions run; each
	// reads whatever is stored by then while batches keep committing.
	var done atomic.Bool
	rebuilds := make(chan int)
	go func() {
		n := 0
		for !done.Load() || n == 0 {
			res := e.do("POST", "/api/v1/surveys/"+id+"/tallies/rebuild", admin, nil)
			if res.Status != 200 {
				t.Errorf("rebuild: %d %s", res.Status, res.Body)
				break
			}
			n++
		}
		rebuilds <- n
	}()
	var wg sync.WaitGroup
	for i := 30; i < len(people); i++ {
		wg.Go(func() { submit(i) })
	}
	wg.Wait()
	done.Store(true)
	t.Logf("%d rebuilds ran during %d concurrent submissions", <-rebuilds, len(people)-30)
	live := e.do("GET", "/api/v1/surveys/"+id+"/stats", admin, nil).want(200).json()
	stored := e.do("GET", "/api/v1/surveys/"+id+"/stats?source=responses", admin, nil).want(200).json()
	if live["source"] != "tallies" {
		t.Fatalf("live source %v after the rebuilds", live["source"])
	}
	for _, k := range []string{"source", "computed_at"} {
		delete(live, k)
		delete(stored, k)
	}
	if lj, sj := mustJSON(t, live), mustJSON(t, stored); lj != sj {
		t.Fatalf("tallies and stored responses disagree after rebuilding during submissions:\n%s\n%s", lj, sj)
	}
	if live["n_total"].(float64) != float64(len(people)) {
		t.Fatalf("n_total %v, want %d", live["n_total"], len(people))
	}
}

package survey

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/stats"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func census(tb testing.TB) *stats.Census {
	tb.Helper()
	c, err := stats.LoadCensus(os.DirFS("../../configs"))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// testSurvey is a published survey with every question type.
func testSurvey(tb testing.TB) *Survey {
	tb.Helper()
	likert := func(id string) Question { return Question{ID: id, Type: Likert5, Title: id, Required: true} }
	d := Definition{
		Title: "测试问卷", OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(time.Hour),
		Questions: []Question{
			likert("q1"),
			{ID: "q2", Type: Single, Title: "知晓", Required: true, Options: []Option{{"yes", "是"}, {"no", "否"}}},
			{ID: "q3", Type: Multiple, Title: "渠道", Required: true, ShowIf: &ShowIf{Question: "q2", In: []string{"yes"}},
				Options: []Option{{"tv", "电视"}, {"web", "网络"}}},
			likert("q4"), likert("q5"), likert("q6"), likert("q7"),
			{ID: "q8", Type: Rating10, Title: "打分"},
			{ID: "q9", Type: Text, Title: "建议", MaxLength: 50},
			{ID: "q10", Type: District, Title: "旗区"},
			{ID: "q11", Type: Single, Title: "请选是", Expect: "yes", Options: []Option{{"yes", "是"}, {"no", "否"}}},
		},
		Measures: Measures{Satisfaction: "q1", Awareness: []string{"q2"}, AwarenessYes: []string{"yes"}},
	}
	if err := validateDefinition(&d, census(tb)); err != nil {
		tb.Fatal(err)
	}
	return &Survey{ID: "s_test", Family: "s_test", Version: 1, Status: StatusPublished, Definition: d}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	sv := testSurvey(t)
	n := func(v int) *int { return &v }
	base := func() map[string]Answer {
		return map[string]Answer{"q1": {N: n(5)}, "q2": {S: "no"}, "q4": {N: n(4)}, "q5": {N: n(3)}, "q6": {N: n(4)}, "q7": {N: n(2)}, "q11": {S: "yes"}}
	}
	straight := base()
	for _, q := range []string{"q1", "q4", "q5", "q6", "q7"} {
		straight[q] = Answer{N: n(3)}
	}
	inattentive := base()
	inattentive["q11"] = Answer{S: "no"}
	tests := map[string]struct {
		answers map[string]Answer
		took    time.Duration
		want    []string
	}{
		"clean":             {base(), time.Minute, []string{}},
		"too fast":          {base(), 13 * time.Second, []string{FlagTooFast}}, // 7 answers × 2 s
		"just in time":      {base(), 14 * time.Second, []string{}},
		"straight lining":   {straight, time.Minute, []string{FlagStraightLining}},
		"attention failed":  {inattentive, time.Minute, []string{FlagAttentionFailed}},
		"attention skipped": {func() map[string]Answer { a := base(); delete(a, "q11"); return a }(), time.Minute, []string{FlagAttentionFailed}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := flags(sv, tc.answers, tc.took)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("flags %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParseAnswers feeds arbitrary JSON bodies to the answer checker: it
// must not panic, and whatever it accepts must be valid for its question.
func FuzzParseAnswers(f *testing.F) {
	sv := testSurvey(f)
	c := census(f)
	for _, s := range []string{
		`{"q1": 5, "q2": "yes", "q3": ["tv"], "q4": 1, "q5": 2, "q6": 3, "q7": 4, "q8": 10, "q9": "好", "q10": "150602"}`,
		`{"q1": 6}`, `{"q3": "tv"}`, `{"q1": 1e400}`, `{"q1": -0}`, `{"q9": "\u0000"}`, `{"q2": null}`, `{}`, `{"q3": [1, 2]}`,
	} {
		f.Add([]byte(s), "150602")
	}
	f.Fuzz(func(t *testing.T, body []byte, district string) {
		var raw map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&raw) != nil {
			return
		}
		answers, d, _, err := parseAnswers(sv, Submission{Answers: raw, District: district}, c)
		if err != nil {
			return
		}
		if _, ok := c.District(d); !ok {
			t.Fatalf("accepted district %q", d)
		}
		for id, a := range answers {
			q, ok := sv.Question(id)
			if !ok || !sv.shown(q, answers) {
				t.Fatalf("accepted answer to %s (known %v)", id, ok)
			}
			for _, v := range a.strings(q.Type) {
				if q.Type != Text && !q.validValue(v, c) {
					t.Fatalf("accepted %s = %q", id, v)
				}
			}
		}
		for _, q := range sv.Questions {
			if _, ok := answers[q.ID]; q.Required && !ok && sv.shown(q, answers) {
				t.Fatalf("required %s missing but accepted", q.ID)
			}
		}
	})
}

// FuzzDefinition feeds arbitrary definitions to the validator: no panic,
// and an accepted definition's references all resolve.
func FuzzDefinition(f *testing.F) {
	c := census(f)
	good, _ := json.Marshal(testSurvey(f).Definition)
	f.Add(good)
	f.Add([]byte(`{"title": "x", "questions": [{"id": "a", "type": "single", "show_if": {"question": "a", "in": ["x"]}}]}`))
	f.Add([]byte(`{"questions": [{"id": "a", "type": "likert5", "expect": "9"}], "measures": {"satisfaction": "a"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var d Definition
		if json.Unmarshal(body, &d) != nil {
			return
		}
		if validateDefinition(&d, c) != nil {
			return
		}
		sv := &Survey{Definition: d}
		for i, q := range d.Questions {
			if q.ShowIf != nil {
				dep, ok := sv.Question(q.ShowIf.Question)
				if !ok || dep.Type == Text {
					t.Fatalf("question %d: show_if %+v accepted", i, q.ShowIf)
				}
			}
		}
		if m := d.Measures.Satisfaction; m != "" {
			if q, ok := sv.Question(m); !ok || q.Type != Likert5 {
				t.Fatalf("satisfaction %q accepted", m)
			}
		}
	})
}

// FuzzStartToken: forged tokens never pass.
func FuzzStartToken(f *testing.F) {
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	s := &Service{startKey: []byte("k"), now: func() time.Time { return at.Add(time.Minute) }}
	good := s.startToken("s1", "r1", at)
	if _, err := s.checkStart(good, "s1", "r1"); err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := s.checkStart(token, "s1", "r1"); err == nil && token != good {
			t.Fatalf("forged token %q accepted", token)
		}
	})
}

// manyCounts builds the tallies of n responses spread over the districts.
func manyCounts(sv *Survey, c *stats.Census, n int) counts {
	rng := rand.New(rand.NewPCG(1, 2))
	t := counts{}
	v := func(x int) *int { return &x }
	// Tallies are additive: a few thousand distinct responses, each counted
	// n/k times, give the counts of n responses.
	const k = 5000
	for i := range k {
		d := c.Districts[rng.IntN(len(c.Districts))].Adcode
		r := &Response{District: d, Flags: []string{}, Answers: map[string]Answer{
			"q1": {N: v(1 + rng.IntN(5))}, "q2": {S: []string{"yes", "no"}[rng.IntN(2)]}, "q4": {N: v(3)}, "q5": {N: v(4)},
			"q6": {N: v(2)}, "q7": {N: v(5)}, "q8": {N: v(rng.IntN(11))}, "q10": {S: d}, "q11": {S: "yes"}}}
		if r.Answers["q2"].S == "yes" {
			r.Answers["q3"] = Answer{L: []string{"tv"}}
		}
		if i%40 == 0 {
			r.Flags = []string{FlagTooFast}
		}
		one := counts{}
		tallyFields(sv, r, one)
		for f, x := range one {
			t[f] += x * int64(n/k)
		}
	}
	return t
}

// BenchmarkStatsFromTallies: the stats of a survey of 1,000,000 responses
// from its tallies (the Redis read is one HGETALL of a few hundred fields).
func BenchmarkStatsFromTallies(b *testing.B) {
	sv := testSurvey(b)
	c := census(b)
	t := manyCounts(sv, c, 1_000_000)
	if t["n"] != 1_000_000 {
		b.Fatalf("n = %d", t["n"])
	}
	b.ReportAllocs()
	for b.Loop() {
		st, err := compute(sv, t, c, false)
		if err != nil || st.Satisfaction == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecomputeGoPart: the Go side of the official recomputation,
// per stored response (decode from BSON, count), apart from the store.
func BenchmarkRecomputeGoPart(b *testing.B) {
	sv := testSurvey(b)
	c := census(b)
	v := func(x int) *int { return &x }
	r := &Response{ID: "s_test:0123456789abcdef0123456789abcdef", SurveyID: "s_test", Respondent: "0123456789abcdef0123456789abcdef",
		District: "150602", Flags: []string{}, StartedAt: time.Now(), SubmittedAt: time.Now(),
		Answers: map[string]Answer{"q1": {N: v(4)}, "q2": {S: "yes"}, "q3": {L: []string{"tv", "web"}}, "q4": {N: v(3)}, "q5": {N: v(4)},
			"q6": {N: v(2)}, "q7": {N: v(5)}, "q8": {N: v(7)}, "q9": {S: "希望多设置回收点"}, "q10": {S: "150602"}, "q11": {S: "yes"}}}
	raw, err := marshalBSON(r)
	if err != nil {
		b.Fatal(err)
	}
	t := counts{}
	b.ReportAllocs()
	for b.Loop() {
		var d Response
		if err := decodeResponse(raw, &d); err != nil {
			b.Fatal(err)
		}
		tallyFields(sv, &d, t)
	}
	b.StopTimer()
	if _, err := compute(sv, t, c, false); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkStoredCounts: the whole recomputation over 20,000 stored
// responses, store read included (compare with the Go part above).
func BenchmarkStoredCounts(b *testing.B) {
	s := newTestService(b)
	sv := testSurvey(b)
	ctx := context.Background()
	if _, err := s.st.surveys.InsertOne(ctx, sv); err != nil {
		b.Fatal(err)
	}
	const n = 20_000
	v := func(x int) *int { return &x }
	docs := make([]any, 0, 1000)
	for i := range n {
		docs = append(docs, &Response{ID: fmt.Sprintf("s_test:%08d", i), SurveyID: sv.ID, Respondent: fmt.Sprintf("%08d", i),
			District: s.census.Districts[i%9].Adcode, Flags: []string{}, Answers: map[string]Answer{"q1": {N: v(1 + i%5)}, "q2": {S: "no"},
				"q4": {N: v(3)}, "q5": {N: v(4)}, "q6": {N: v(2)}, "q7": {N: v(5)}, "q11": {S: "yes"}}})
		if len(docs) == cap(docs) {
			if _, err := s.st.responses.InsertMany(ctx, docs); err != nil {
				b.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	b.ResetTimer()
	for b.Loop() {
		t, err := s.storedCounts(ctx, sv)
		if err != nil || t["n"] != n {
			b.Fatal(err, t["n"])
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "responses/s")
}

func newTestService(tb testing.TB) *Service {
	tb.Helper()
	db := testenv.DB(tb)
	if err := mongodb.EnsureIndexes(context.Background(), db, Indexes...); err != nil {
		tb.Fatal(err)
	}
	s, err := New(context.Background(), db, testenv.Redis(tb), audit.New(db, quiet), Options{Logger: quiet, Census: census(tb),
		PerAddressPerMinute: 1 << 30, PerRespondentPerMinute: 1 << 30})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

var _ = account.RoleCitizen

func marshalBSON(v any) ([]byte, error)   { return bson.Marshal(v) }
func unmarshalBSON(b []byte, v any) error { return bson.Unmarshal(b, v) }

// TestWriterMapsErrorsToRequests: in one batch, a duplicate _id fails only
// its own request, and only the stored documents reach the tallies.
func TestWriterMapsErrorsToRequests(t *testing.T) {
	s := newTestService(t)
	var committed []*Response
	var mu sync.Mutex
	w := newWriter(s.st.responses, 64, 50*time.Millisecond, 1, func(rs []*Response) {
		mu.Lock()
		committed = append(committed, rs...)
		mu.Unlock()
	})
	defer w.close()
	ctx := context.Background()
	errsOf := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errsOf {
		wg.Go(func() {
			id := fmt.Sprintf("s:%d", i%4) // 4 and 5 repeat 0 and 1
			errsOf[i] = w.write(ctx, &Response{ID: id, SurveyID: "s", Flags: []string{}})
		})
	}
	wg.Wait()
	failed := 0
	for _, err := range errsOf {
		if err != nil {
			if !mongo.IsDuplicateKeyError(err) {
				t.Fatalf("unexpected error %v", err)
			}
			failed++
		}
	}
	n, err := s.st.responses.CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if failed != 2 || n != 4 || len(committed) != 4 {
		t.Fatalf("%d failed, %d stored, %d committed", failed, n, len(committed))
	}
}

// BenchmarkStatsEndToEndFromTallies: Service.Stats for a survey of
// 1,000,000 responses, with the survey read from the store and the
// tallies from Redis (one HGETALL), as the stats route does.
func BenchmarkStatsEndToEndFromTallies(b *testing.B) {
	s := newTestService(b)
	sv := testSurvey(b)
	ctx := context.Background()
	if _, err := s.st.surveys.InsertOne(ctx, sv); err != nil {
		b.Fatal(err)
	}
	t := manyCounts(sv, s.census, 1_000_000)
	args := []any{tallyComplete, 1}
	for k, v := range t {
		args = append(args, k, v)
	}
	if err := s.rdb.HSet(ctx, s.tallyKey(sv.ID), args...).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st, err := s.Stats(ctx, sv.ID, StatsOptions{})
		if err != nil || st.NTotal != 1_000_000 {
			b.Fatal(err)
		}
	}
}

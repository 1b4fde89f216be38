package cell_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/creditcode"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/upload"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	svc     *cell.Service
	uploads *upload.Service
	clock   *clock
}

func newFixture(t testing.TB, days int) *fixture { return newFixtureWith(t, days, nil) }

// newFixtureWith is newFixture with more options set by with.
func newFixtureWith(t testing.TB, days int, with func(*cell.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := mongodb.Migrate(ctx, db, schema.Steps, quiet); err != nil {
		t.Fatal(err)
	}
	rub, err := cell.LoadRubrics(configs.FS)
	if err != nil {
		t.Fatal(err)
	}
	up := upload.NewService(db, upload.DirStorage{Root: t.TempDir()}, 1<<20, quiet)
	c := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	o := cell.Options{Rubrics: rub, PublicityDays: days, Uploads: up, Now: c.now, Logger: quiet}
	if with != nil {
		with(&o)
	}
	s, err := cell.NewService(db, audit.New(db, quiet), o)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: s, uploads: up, clock: c}
}

var (
	admin    = account.Actor{UserID: "u_admin", Role: account.RoleAdmin, Username: "admin"}
	reviewer = account.Actor{UserID: "u_dist", Role: account.RoleDistrict, Username: "dongsheng", Districts: []string{"150602"}}
)

func citizen(n int) account.Actor {
	return account.Actor{UserID: fmt.Sprintf("u_cit_%d", n), Role: account.RoleCitizen}
}

// code returns a valid credit code numbered n.
func code(t testing.TB, n int) string {
	first := fmt.Sprintf("91150602MA%07d", n)
	c, err := creditcode.CheckChar(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func pngData(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func ptr(v float64) *float64 { return &v }

// passing builds a complete self-assessment at full marks for a type, with
// one image as evidence of every item.
func (f *fixture) passing(t testing.TB, a account.Actor, typ string) map[string]*cell.ItemInput {
	u, err := f.uploads.Create(context.Background(), a, bytes.NewReader(pngData(t)))
	if err != nil {
		t.Fatal(err)
	}
	ty, _ := f.svc.Rubrics().Type(typ)
	out := map[string]*cell.ItemInput{}
	for _, it := range ty.Items {
		out[it.Code] = &cell.ItemInput{Score: ptr(it.MaxScore), Evidence: []string{u.ID}}
	}
	return out
}

func fullScores(t cell.Type) map[string]float64 {
	m := map[string]float64{}
	for _, it := range t.Items {
		m[it.Code] = it.MaxScore
	}
	return m
}

func unit(t testing.TB, n int, typ string) cell.UnitInput {
	return cell.UnitInput{Name: fmt.Sprintf("测试单位%d", n), CreditCode: code(t, n), Type: typ, Address: "东胜区测试路1号",
		Lat: ptr(39.828458), Lng: ptr(109.75022), ContactName: "张三", ContactPhone: "13800000000"}
}

// toPublicity takes a new application of unit n through both reviews. It
// reports failures with t.Error so goroutines may call it.
func (f *fixture) toPublicity(t testing.TB, n int, typ string) cell.Application {
	t.Helper()
	return f.toPublicityOf(t, citizen(n), unit(t, n, typ), reviewer)
}

// toPublicityOf is toPublicity for unit in, applied for by a and reviewed
// in its district by district.
func (f *fixture) toPublicityOf(t testing.TB, a account.Actor, in cell.UnitInput, district account.Actor) cell.Application {
	t.Helper()
	ctx := context.Background()
	u, err := f.uploads.Create(ctx, a, bytes.NewReader(pngData(t)))
	if err != nil {
		t.Error(err)
		return cell.Application{}
	}
	ty, _ := f.svc.Rubrics().Type(in.Type)
	self := map[string]*cell.ItemInput{}
	for _, it := range ty.Items {
		self[it.Code] = &cell.ItemInput{Score: ptr(it.MaxScore), Evidence: []string{u.ID}}
	}
	app, err := f.svc.Create(ctx, a, cell.CreateInput{Unit: in, SelfAssessment: self})
	if err == nil {
		_, err = f.svc.Submit(ctx, a, app.ID)
	}
	if err == nil {
		_, err = f.svc.DistrictReview(ctx, district, app.ID, cell.ReviewInput{Decision: "pass", Scores: fullScores(ty)})
	}
	if err == nil {
		app, err = f.svc.CityReview(ctx, admin, app.ID, cell.ReviewInput{Decision: "pass", Scores: fullScores(ty)})
	}
	if err != nil {
		t.Error(err)
	}
	return app
}

func TestRubricsShipped(t *testing.T) {
	r, err := cell.LoadRubrics(configs.FS)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Default {
		t.Fatal("shipped rubrics must be marked as defaults")
	}
	var names []string
	for _, ty := range r.Types {
		names = append(names, ty.Name)
		veto := false
		for _, it := range ty.Items {
			veto = veto || it.Veto
		}
		if !veto || ty.MaxTotal() != 100 {
			t.Errorf("%s: want at least one veto item and 100 points, got %v", ty.Code, ty.MaxTotal())
		}
	}
	for _, want := range []string{"工厂", "学校", "餐饮单位", "酒店", "商场", "社区", "景区", "医院"} {
		if !slices.Contains(names, want) {
			t.Errorf("type %s missing", want)
		}
	}
}

func TestParseRubricsRejectsBadFiles(t *testing.T) {
	for name, y := range map[string]string{
		"empty":        "types: []",
		"dup type":     "types: [{code: a, name: A, pass_mark: 1, validity_years: 1, items: [{code: x, text: t, max_score: 1}]}, {code: a, name: B, pass_mark: 1, validity_years: 1, items: [{code: x, text: t, max_score: 1}]}]",
		"unreachable":  "types: [{code: a, name: A, pass_mark: 5, validity_years: 1, items: [{code: x, text: t, max_score: 1}]}]",
		"bad evidence": "types: [{code: a, name: A, pass_mark: 1, validity_years: 1, items: [{code: x, text: t, max_score: 1, evidence: video}]}]",
		"no validity":  "types: [{code: a, name: A, pass_mark: 1, validity_years: 0, items: [{code: x, text: t, max_score: 1}]}]",
	} {
		if _, err := cell.ParseRubrics([]byte(y)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNumbers(t *testing.T) {
	if got := cell.FormatNumber(2026, 7); got != "WFXB-2026-0007" {
		t.Fatal(got)
	}
	for in, want := range map[string]string{"WFXB-2026-0001": "WFXB-2026-0001", " wfxb-2026-0012 ": "WFXB-2026-0012", "WFXB-2026-12345": "WFXB-2026-12345"} {
		if _, _, got, ok := cell.ParseNumber(in); !ok || got != want {
			t.Errorf("ParseNumber(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "WFXB-2026-0000", "WFXB-26-0001", "X-2026-0001", "WFXB-2026-0001/../x"} {
		if _, _, _, ok := cell.ParseNumber(in); ok {
			t.Errorf("ParseNumber(%q) accepted", in)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"WFXB-2026-0001", "wfxb-2026-9999", "WFXB-0000-0000", "", "ＷＦＸＢ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, n, num, ok := cell.ParseNumber(s)
		if !ok {
			return
		}
		// An accepted number round-trips and is a valid WeChat scene.
		if cell.FormatNumber(y, n) != num || len(num) > 32 {
			t.Fatalf("%q → %q", s, num)
		}
		if _, _, again, ok := cell.ParseNumber(num); !ok || again != num {
			t.Fatalf("not idempotent: %q", num)
		}
	})
}

func FuzzParseRubrics(f *testing.F) {
	data, _ := configs.FS.ReadFile(cell.RubricPath)
	f.Add(data)
	f.Add([]byte("types: [{code: a, name: A, pass_mark: 1, validity_years: 1, items: [{code: x, text: t, max_score: 1}]}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := cell.ParseRubrics(b)
		if err != nil {
			return
		}
		// Whatever is accepted can be passed: the pass mark is reachable.
		for _, ty := range r.Types {
			total := 0.0
			for _, it := range ty.Items {
				total += it.MaxScore
			}
			if ty.PassMark <= 0 || ty.PassMark > total || ty.ValidityYears < 1 {
				t.Fatalf("accepted unpassable type %+v", ty)
			}
		}
	})
}

// TestConcurrentReviews: two reviewers deciding at once; one wins.
func TestConcurrentReviews(t *testing.T) {
	f := newFixture(t, 7)
	ctx := context.Background()
	a := citizen(1)
	app, err := f.svc.Create(ctx, a, cell.CreateInput{Unit: unit(t, 1, "hotel"), SelfAssessment: f.passing(t, a, "hotel")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(ctx, a, app.ID); err != nil {
		t.Fatal(err)
	}
	// The district's review is due in 10 working days, overdue after.
	got, _ := f.svc.Get(ctx, admin, app.ID)
	if got.ReviewDue == nil || got.ReviewOverdue || got.ReviewDue.Sub(f.clock.now()) < 12*24*time.Hour {
		t.Fatalf("review due %v (overdue %v)", got.ReviewDue, got.ReviewOverdue)
	}
	f.clock.add(20 * 24 * time.Hour)
	if got, _ := f.svc.Get(ctx, admin, app.ID); !got.ReviewOverdue {
		t.Fatal("review not overdue")
	}
	ty, _ := f.svc.Rubrics().Type("hotel")
	other := reviewer
	other.UserID = "u_dist2"
	results := make(chan error, 2)
	for _, r := range []account.Actor{reviewer, other} {
		go func() {
			_, err := f.svc.DistrictReview(ctx, r, app.ID, cell.ReviewInput{Decision: "pass", Scores: fullScores(ty)})
			results <- err
		}()
	}
	var ok, conflict int
	for range 2 {
		switch err := <-results; {
		case err == nil:
			ok++
		case errors.Is(err, cell.ErrWrongStatus):
			conflict++
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 || conflict != 1 {
		t.Fatalf("ok %d conflict %d", ok, conflict)
	}
}

// TestExpiryAndRenewal: expiry is derived from the clock; a renewal
// continues the old certificate without a gap.
func TestExpiryAndRenewal(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	app := f.toPublicity(t, 1, "restaurant") // valid for 2 years
	c, err := f.svc.Certify(ctx, admin, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.ExpiresAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04") != "2028-03-02 00:00" {
		t.Fatalf("expires %v", c.ExpiresAt)
	}
	// A second application while the certificate is valid must be a renewal.
	a := citizen(1)
	if _, err := f.svc.Create(ctx, a, cell.CreateInput{Unit: unit(t, 1, "restaurant")}); !errors.Is(err, cell.ErrAlreadyCertified) {
		t.Fatalf("second application: %v", err)
	}
	f.clock.add(700 * 24 * time.Hour)
	renewal, err := f.svc.Create(ctx, a, cell.CreateInput{Unit: unit(t, 1, "restaurant"), SelfAssessment: f.passing(t, a, "restaurant"), Renews: c.Number})
	if err != nil {
		t.Fatal(err)
	}
	if renewal.Renews != c.Number {
		t.Fatalf("renews %q", renewal.Renews)
	}
	f.clock.add(40 * 24 * time.Hour) // past the old expiry
	got, err := f.svc.Certificate(ctx, c.Number)
	if err != nil || got.Status != cell.CertExpired {
		t.Fatalf("old certificate %+v %v", got, err)
	}
	old, _ := f.svc.Get(ctx, admin, app.ID)
	if old.Status != cell.StatusExpired {
		t.Fatalf("old application %s", old.Status)
	}
	if fig, _ := f.svc.Figures(ctx); fig.Certified != 0 || fig.InProgress != 0 || fig.Drafts != 1 {
		t.Fatalf("figures after expiry %+v", fig)
	}
	// A revoked certificate cannot be revoked or renewed; an expired one
	// cannot be revoked either.
	if _, err := f.svc.Revoke(ctx, admin, c.Number, "测试"); !errors.Is(err, cell.ErrWrongStatus) {
		t.Fatalf("revoke expired: %v", err)
	}
}

// TestJob: the periodic job certifies ended publicity under the lock and
// leaves running or objected ones alone.
func TestJob(t *testing.T) {
	f := newFixture(t, 7)
	ctx := context.Background()
	rdb := testenv.Redis(t)
	a1 := f.toPublicity(t, 1, "mall")
	a2 := f.toPublicity(t, 2, "mall")
	if _, _, err := f.svc.Object(ctx, citizen(9), a2.ID, "该商场仍在使用不可降解塑料袋"); err != nil {
		t.Fatal(err)
	}
	if !f.svc.RunOnce(ctx, time.Minute, rdb) {
		t.Fatal("job did not run")
	}
	if fig, _ := f.svc.Figures(ctx); fig.Certified != 0 {
		t.Fatal("certified during publicity")
	}
	f.clock.add(7 * 24 * time.Hour)
	// Another replica holds the lock: this one skips the round.
	unlock, ok, err := rdb.TryLock(ctx, "cell:certify-due", time.Minute)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if f.svc.RunOnce(ctx, time.Minute, rdb) {
		t.Fatal("ran while another replica held the lock")
	}
	unlock()
	if !f.svc.RunOnce(ctx, time.Minute, rdb) {
		t.Fatal("job did not run")
	}
	got1, _ := f.svc.Get(ctx, admin, a1.ID)
	got2, _ := f.svc.Get(ctx, admin, a2.ID)
	if got1.Status != cell.StatusCertified || got1.Certificate != "WFXB-2026-0001" || got2.Status != cell.StatusPublicity {
		t.Fatalf("after job: %s %s %s", got1.Status, got1.Certificate, got2.Status)
	}
	if h := got1.History[len(got1.History)-1]; h.By.Role != "system" || h.Action != cell.ActCertify {
		t.Fatalf("history %+v", h)
	}
}

// TestCertifiedCounts: the public list's counts are keyed by the codes its
// filters take, with the names beside them, types in the configured order
// and districts by adcode; indicator 41's figures carry the same rows.
func TestCertifiedCounts(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	both := account.Actor{UserID: "u_dist2", Role: account.RoleDistrict, Username: "two", Districts: []string{"150602", "150603"}}
	kangbashi := func(u cell.UnitInput) cell.UnitInput { u.Lat, u.Lng = ptr(39.64346), ptr(109.825115); return u }
	for n, u := range []cell.UnitInput{unit(t, 1, "school"), kangbashi(unit(t, 2, "school")), kangbashi(unit(t, 3, "factory"))} {
		app := f.toPublicityOf(t, citizen(n+1), u, both)
		if _, err := f.svc.Certify(ctx, admin, app.ID); err != nil {
			t.Fatal(err)
		}
	}
	items, _, counts, err := f.svc.Certified(ctx, cell.Filter{}, 10, "")
	if err != nil || len(items) != 3 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	want := cell.Counts{Total: 3,
		ByType:     []cell.TypeCount{{Code: "factory", Name: "工厂", Count: 1}, {Code: "school", Name: "学校", Count: 2}},
		ByDistrict: []cell.DistrictCount{{Adcode: "150602", Name: "东胜区", Count: 1}, {Adcode: "150603", Name: "康巴什区", Count: 2}}}
	if !reflect.DeepEqual(counts, want) {
		t.Fatalf("counts\n got %+v\nwant %+v", counts, want)
	}
	// Every row's code filters to exactly its count.
	for _, r := range counts.ByType {
		if got, _, _, _ := f.svc.Certified(ctx, cell.Filter{Type: r.Code}, 10, ""); len(got) != r.Count {
			t.Fatalf("type %s: %d listed, counted %d", r.Code, len(got), r.Count)
		}
	}
	for _, r := range counts.ByDistrict {
		if got, _, c, _ := f.svc.Certified(ctx, cell.Filter{District: r.Adcode}, 10, ""); len(got) != r.Count || c.Total != 3 {
			t.Fatalf("district %s: %d listed, counted %d (total %d)", r.Adcode, len(got), r.Count, c.Total)
		}
	}
	fig, err := f.svc.Figures(ctx)
	if err != nil || fig.Certified != 3 || !reflect.DeepEqual(fig.ByType, want.ByType) || !reflect.DeepEqual(fig.ByDistrict, want.ByDistrict) {
		t.Fatalf("figures %+v %v", fig, err)
	}
}

// noteBox records notifications.
type noteBox struct {
	mu    sync.Mutex
	notes []notify.Notification
}

func (b *noteBox) Notify(_ context.Context, n notify.Notification) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notes = append(b.notes, n)
	return nil
}

func (b *noteBox) take(kind string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var to []string
	rest := b.notes[:0]
	for _, n := range b.notes {
		if n.Kind == kind {
			to = append(to, n.UserID)
		} else {
			rest = append(rest, n)
		}
	}
	b.notes = rest
	slices.Sort(to)
	return to
}

// TestOverdueReviewsAreEscalated: a review past its due date is recorded
// once per level and its reviewers are told (the district's staff and the
// admins for the district's review, the admins for the city's); the due
// date does not move, and a review made in time is not escalated.
func TestOverdueReviewsAreEscalated(t *testing.T) {
	ctx := context.Background()
	box := &noteBox{}
	f := newFixtureWith(t, 7, func(o *cell.Options) {
		o.Notifier = box
		o.Supervisors = func(context.Context) ([]string, error) { return []string{"u_admin", "u_admin2"}, nil }
		o.DistrictStaff = func(_ context.Context, adcode string) ([]string, error) {
			return map[string][]string{"150602": {"u_dist", "u_admin"}}[adcode], nil // one is both
		}
	})
	s, c := f.svc, f.clock
	a := citizen(1)
	late, err := s.Create(ctx, a, cell.CreateInput{Unit: unit(t, 1, "hotel"), SelfAssessment: f.passing(t, a, "hotel")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, a, late.ID); err != nil {
		t.Fatal(err)
	}
	b := citizen(2)
	onTime, err := s.Create(ctx, b, cell.CreateInput{Unit: unit(t, 2, "hotel"), SelfAssessment: f.passing(t, b, "hotel")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, b, onTime.ID); err != nil {
		t.Fatal(err)
	}
	ty, _ := s.Rubrics().Type("hotel")
	if _, err := s.DistrictReview(ctx, reviewer, onTime.ID, cell.ReviewInput{Decision: "pass", Scores: fullScores(ty)}); err != nil {
		t.Fatal(err)
	}
	box.take("cell_status")
	before, _ := s.Get(ctx, admin, late.ID)

	if n, err := s.EscalateOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("EscalateOverdue before any due date = %d, %v", n, err)
	}
	c.add(20 * 24 * time.Hour) // past both due dates
	if n, err := s.EscalateOverdue(ctx); err != nil || n != 2 {
		t.Fatalf("EscalateOverdue = %d, %v; want both pending reviews", n, err)
	}
	got, _ := s.Get(ctx, admin, late.ID)
	if got.ReviewEscalatedAt == nil || !got.ReviewOverdue || !got.ReviewDue.Equal(*before.ReviewDue) {
		t.Errorf("escalated review: due %v (was %v), overdue %v, escalated at %v", got.ReviewDue, before.ReviewDue, got.ReviewOverdue, got.ReviewEscalatedAt)
	}
	if last := got.History[len(got.History)-1]; last.Action != cell.ActReviewOverdue || last.From != cell.StatusSubmitted || last.To != cell.StatusSubmitted {
		t.Errorf("last history entry %+v, want review_overdue keeping submitted", last)
	}
	// District review: the district's staff and the admins, each once;
	// city review: the admins.
	if to := box.take("cell_review_overdue"); !slices.Equal(to, []string{"u_admin", "u_admin", "u_admin2", "u_admin2", "u_dist"}) {
		t.Errorf("told %v", to)
	}
	if n, err := s.EscalateOverdue(ctx); err != nil || n != 0 {
		t.Errorf("second EscalateOverdue = %d, %v; want none", n, err)
	}
	if to := box.take("cell_review_overdue"); len(to) != 0 {
		t.Errorf("told again: %v", to)
	}

	// The district passes the late one: the city's review starts its own
	// due date, and is escalated in its turn.
	if _, err := s.DistrictReview(ctx, reviewer, late.ID, cell.ReviewInput{Decision: "pass", Scores: fullScores(ty)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, admin, late.ID)
	if got.ReviewOverdue || got.ReviewEscalatedAt != nil {
		t.Errorf("city review just begun: overdue %v, escalated %v", got.ReviewOverdue, got.ReviewEscalatedAt)
	}
	c.add(20 * 24 * time.Hour)
	if n, err := s.EscalateOverdue(ctx); err != nil || n != 1 {
		t.Fatalf("EscalateOverdue of the late one's city review = %d, %v; want 1 (the other's was escalated already)", n, err)
	}
	if to := box.take("cell_review_overdue"); !slices.Equal(to, []string{"u_admin", "u_admin2"}) {
		t.Errorf("city review overdue: told %v, want the admins", to)
	}
	// Withdrawn or decided applications are left alone.
	if _, err := s.Withdraw(ctx, a, late.ID, "不再申报"); err != nil {
		t.Fatal(err)
	}
	c.add(20 * 24 * time.Hour)
	if n, err := s.EscalateOverdue(ctx); err != nil || n != 0 {
		t.Errorf("EscalateOverdue after withdrawal = %d, %v", n, err)
	}
}

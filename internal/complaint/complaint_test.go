package complaint_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/workday"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder is a Notifier that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	sent []notify.Notification
}

func (r *recorder) Notify(_ context.Context, n notify.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	db    *mongo.Database
	svc   *complaint.Service
	rdb   *redisx.Client
	clock *clock
	sent  *recorder
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := mongodb.Migrate(ctx, db, schema.Steps, quiet); err != nil {
		t.Fatal(err)
	}
	rdb := testenv.Redis(t)
	rec := &recorder{}
	// On the embedded store (one process) moves take the single-process
	// path serve uses there; CI's pass on a shared store takes the other.
	svc, err := complaint.NewService(complaint.Options{DB: db, Redis: rdb, Audit: audit.New(db, quiet), Logger: quiet, Notifier: rec,
		Supervisors:        func(context.Context) ([]string, error) { return []string{"u_admin"}, nil },
		SingleProcessStore: os.Getenv("MONGODB_URI") == ""})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	svc.SetClock(c.now)
	return fixture{db: db, svc: svc, rdb: rdb, clock: c, sent: rec}
}

var (
	citizen = account.Actor{UserID: "u_alice", Role: account.RoleCitizen, DisplayName: "alice"}
	admin   = account.Actor{UserID: "u_admin", Role: account.RoleAdmin, DisplayName: "管理员"}
	eco     = account.Actor{UserID: "u_eco", Role: account.RoleDepartment, Departments: []string{"市生态环境局"}}
)

func cst(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, workday.Location())
}

func point(t testing.TB) (*float64, *float64) {
	for _, d := range geo.Districts() {
		if d.Adcode == "150602" {
			lat, lng := d.Centroid.Lat, d.Centroid.Lng
			return &lat, &lng
		}
	}
	t.Fatal("no 150602")
	return nil, nil
}

func (f fixture) submit(t testing.TB, category string) complaint.Complaint {
	t.Helper()
	lat, lng := point(t)
	in := complaint.Input{Category: category, Description: "测试问题", Lat: lat, Lng: lng}
	if category == "hazardous_waste" {
		in.Attributes = map[string]string{"leaking": "no"}
	}
	c, _, err := f.svc.Submit(context.Background(), citizen, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDeadlinesAcrossHolidays: accept and resolve deadlines count Chinese
// working days through National Day and the Spring Festival, with their
// adjusted working Saturdays, and urgent categories are shorter.
func TestDeadlinesAcrossHolidays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := map[string]struct {
		submitted  time.Time
		category   string
		acceptDue  time.Time
		acceptedAt time.Time
		resolveDue time.Time
	}{
		// Wed 30 Sep; 1–7 Oct off: 8 and 9 Oct are the two working days.
		"national day": {cst(2026, 9, 30, 10, 0), "other", cst(2026, 10, 10, 0, 0),
			// Accepted Fri 9 Oct: Sat 10 Oct is worked (调休), so 15 days end Thu 29 Oct.
			cst(2026, 10, 9, 9, 0), cst(2026, 10, 30, 0, 0)},
		// Fri 13 Feb; Sat 14 Feb is worked, 15–23 Feb off: Tue 24 Feb is the second day.
		"spring festival": {cst(2026, 2, 13, 16, 0), "other", cst(2026, 2, 25, 0, 0),
			// Accepted Tue 24 Feb; Sat 28 Feb is worked: 15 days end Mon 16 Mar.
			cst(2026, 2, 24, 9, 0), cst(2026, 3, 17, 0, 0)},
		// Urgent: 1 day to accept, 5 to resolve. Submitted Thu 31 Dec 2026 evening:
		// the first working day of 2027 (no 2027 data: weekdays) is Fri 1 Jan.
		"year end, urgent": {cst(2026, 12, 31, 20, 0), "hazardous_waste", cst(2027, 1, 2, 0, 0),
			cst(2027, 1, 1, 9, 0), cst(2027, 1, 9, 0, 0)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f.clock.set(tc.submitted)
			c := f.submit(t, tc.category)
			if !c.AcceptDue.Equal(tc.acceptDue) {
				t.Fatalf("accept due %v, want %v", c.AcceptDue.In(workday.Location()), tc.acceptDue)
			}
			f.clock.set(tc.acceptedAt)
			c, err := f.svc.Accept(ctx, admin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !c.ResolveDue.Equal(tc.resolveDue) {
				t.Fatalf("resolve due %v, want %v", c.ResolveDue.In(workday.Location()), tc.resolveDue)
			}
		})
	}
}

// TestDeadlineJob: warn at 80%, mark overdue and escalate, auto-close
// resolved cases, each once, and never on two replicas at a time.
func TestDeadlineJob(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clock.set(cst(2026, 9, 30, 10, 0))
	c := f.submit(t, "other") // accept due 10 Oct 00:00 CST; 62 working hours

	step := func(at time.Time, want complaint.DeadlineReport) {
		t.Helper()
		f.clock.set(at)
		rep, err := f.svc.CheckDeadlines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rep.Checked = 0
		if rep != want {
			t.Fatalf("at %v: %+v, want %+v", at, rep, want)
		}
	}
	step(cst(2026, 10, 7, 23, 0), complaint.DeadlineReport{})          // the holiday does not count: 14 h of 62
	step(cst(2026, 10, 9, 12, 0), complaint.DeadlineReport{Warned: 1}) // 50 h of 62 = 81%
	step(cst(2026, 10, 9, 13, 0), complaint.DeadlineReport{})          // once only
	step(cst(2026, 10, 10, 0, 0), complaint.DeadlineReport{Overdue: 1})
	step(cst(2026, 10, 10, 1, 0), complaint.DeadlineReport{})
	overdueNotices := 0
	f.sent.mu.Lock()
	for _, n := range f.sent.sent {
		if n.Kind == "complaint_overdue" {
			overdueNotices++
			if n.UserID != "u_admin" || !strings.Contains(n.Body, c.ID) {
				t.Fatalf("overdue notice: %+v", n)
			}
		}
	}
	f.sent.mu.Unlock()
	if overdueNotices != 1 {
		t.Fatalf("%d overdue notices to the admin, want 1", overdueNotices)
	}
	got, _, err := f.svc.Get(ctx, admin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Escalated || !slices.Equal(got.Overdue, []string{"accept"}) || !slices.Equal(got.Warned, []string{"accept"}) {
		t.Fatalf("marks: %+v %+v %v", got.Warned, got.Overdue, got.Escalated)
	}
	// The staff filter finds it.
	yes := true
	items, _, err := f.svc.List(ctx, admin, complaint.Filter{Overdue: &yes}, 10, "")
	if err != nil || len(items) != 1 {
		t.Fatalf("overdue list %d (%v)", len(items), err)
	}

	// Resolve it, then let the rating period pass: closed automatically.
	for _, mv := range []func() (complaint.Complaint, error){
		func() (complaint.Complaint, error) { return f.svc.Accept(ctx, admin, c.ID) },
		func() (complaint.Complaint, error) {
			return f.svc.Assign(ctx, admin, c.ID, complaint.Target{Department: "市生态环境局"}, "")
		},
		func() (complaint.Complaint, error) { return f.svc.Start(ctx, eco, c.ID) },
		func() (complaint.Complaint, error) { return f.svc.Resolve(ctx, eco, c.ID, "已处理", nil) },
	} {
		if _, err := mv(); err != nil {
			t.Fatal(err)
		}
	}
	resolvedAt := f.clock.now()
	step(resolvedAt.Add(6*24*time.Hour), complaint.DeadlineReport{})
	// Two replicas: the one without the lock does nothing.
	f.clock.set(resolvedAt.Add(7 * 24 * time.Hour))
	unlock, ok, err := f.rdb.TryLock(ctx, complaint.DeadlineLockKey, time.Minute)
	if err != nil || !ok {
		t.Fatal("lock", err)
	}
	if _, ran, err := f.svc.Tick(ctx, f.rdb, time.Minute); ran || err != nil {
		t.Fatalf("ran while another replica held the lock (%v)", err)
	}
	unlock()
	rep, ran, err := f.svc.Tick(ctx, f.rdb, time.Minute)
	if !ran || err != nil || rep.AutoClosed != 1 {
		t.Fatalf("tick: %+v %v %v", rep, ran, err)
	}
	got, _, _ = f.svc.Get(ctx, admin, c.ID)
	if got.Status != complaint.StatusClosed || got.History[len(got.History)-1].Action != string(complaint.ActAutoClose) {
		t.Fatalf("auto close: %s %+v", got.Status, got.History[len(got.History)-1])
	}
	// The reporter was told about the closing.
	last := f.sent.sent[len(f.sent.sent)-1]
	if last.UserID != citizen.UserID || last.Kind != "complaint_auto_close" {
		t.Fatalf("last notice %+v", last)
	}
}

// TestConcurrentMoves: of many simultaneous accepts, exactly one wins.
func TestConcurrentMoves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.submit(t, "other")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.Accept(ctx, admin, c.ID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errs.KindOf(err) == errs.KindFailedPrecondition:
				conflicts++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _, _ := f.svc.Get(ctx, admin, c.ID)
	if wins != 1 || conflicts != 7 || len(got.History) != 2 {
		t.Fatalf("wins %d conflicts %d history %d", wins, conflicts, len(got.History))
	}
}

// TestClosureRate computes indicator 48 from cases of the year.
func TestClosureRate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.clock.set(cst(2026, 3, 2, 9, 0))
	var ids []string
	for i := 0; i < 4; i++ {
		ids = append(ids, f.submit(t, "other").ID)
	}
	f.submit(t, "other") // never accepted: not counted
	for _, id := range ids {
		if _, err := f.svc.Accept(ctx, admin, id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Assign(ctx, admin, id, complaint.Target{Department: "市生态环境局"}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Start(ctx, eco, id); err != nil {
			t.Fatal(err)
		}
	}
	// Two resolved on time and rated 5 and 3; one resolved late, unrated.
	for i, rating := range []int{5, 3} {
		if _, err := f.svc.Resolve(ctx, eco, ids[i], "已处理", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Feedback(ctx, citizen, ids[i], complaint.FeedbackInput{Rating: rating}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.set(cst(2026, 4, 30, 9, 0))
	if _, err := f.svc.Resolve(ctx, eco, ids[2], "已处理", nil); err != nil {
		t.Fatal(err)
	}
	cl, err := f.svc.ClosureRate(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Accepted != 4 || cl.Closed != 2 || *cl.Rate != 50 || cl.Resolved != 3 || math.Abs(*cl.OnTimeRate-66.67) > 0.001 ||
		*cl.AvgRating != 4 || *cl.SatisfiedPct != 50 {
		t.Fatalf("closure: %+v rate %v on-time %v avg %v sat %v", cl, *cl.Rate, *cl.OnTimeRate, *cl.AvgRating, *cl.SatisfiedPct)
	}
	none, _ := f.svc.ClosureRate(ctx, 2025)
	if none.Rate != nil || none.Accepted != 0 {
		t.Fatalf("2025: %+v", none)
	}
	v, err := f.svc.Feed()(ctx)
	if err != nil || v.Period != "2026" || *v.Value != 50 {
		t.Fatalf("feed %+v %v", v, err)
	}
	// The stored rows of the list index are derived: lost, a replica
	// starting now loads none, and a rebuild from the complaints makes
	// every replica reload.
	if _, err := f.db.Collection("complaint_index").DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}
	fresh := f.replica(t)
	if cl, _ := fresh.ClosureRate(ctx, 2026); cl.Accepted != 0 {
		t.Fatalf("stored rows not emptied: %+v", cl)
	}
	if n, err := f.svc.RebuildIndex(ctx); err != nil || n != 5 {
		t.Fatalf("rebuilt %d (%v)", n, err)
	}
	for _, svc := range []*complaint.Service{f.svc, fresh} {
		if cl, _ := svc.ClosureRate(ctx, 2026); cl.Accepted != 4 || cl.Closed != 2 {
			t.Fatalf("after rebuild: %+v", cl)
		}
	}
	items, _, err := f.svc.List(ctx, admin, complaint.Filter{}, 10, "")
	if err != nil || len(items) != 5 || items[0].Description != "测试问题" {
		t.Fatalf("list after rebuild: %d %v", len(items), err)
	}
}

func TestTransitionTable(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		action complaint.Action
		from   complaint.Status
		to     complaint.Status
		ok     bool
	}{
		"accept submitted":       {complaint.ActAccept, complaint.StatusSubmitted, complaint.StatusAccepted, true},
		"accept twice":           {complaint.ActAccept, complaint.StatusAccepted, "", false},
		"assign accepted":        {complaint.ActAssign, complaint.StatusAccepted, complaint.StatusAssigned, true},
		"assign submitted":       {complaint.ActAssign, complaint.StatusSubmitted, "", false},
		"transfer in progress":   {complaint.ActTransfer, complaint.StatusInProgress, complaint.StatusAssigned, true},
		"resolve assigned":       {complaint.ActResolve, complaint.StatusAssigned, "", false},
		"extend keeps status":    {complaint.ActExtend, complaint.StatusInProgress, complaint.StatusInProgress, true},
		"reopen resolved":        {complaint.ActReopen, complaint.StatusResolved, complaint.StatusInProgress, true},
		"close closed":           {complaint.ActClose, complaint.StatusClosed, "", false},
		"merge resolved":         {complaint.ActMerge, complaint.StatusResolved, "", false},
		"auto close in progress": {complaint.ActAutoClose, complaint.StatusInProgress, "", false},
		"unknown action":         {complaint.Action("fly"), complaint.StatusSubmitted, "", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			to, ok := complaint.Next(tc.action, tc.from)
			if ok != tc.ok || to != tc.to {
				t.Fatalf("Next(%s, %s) = %s, %v", tc.action, tc.from, to, ok)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	c, err := complaint.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Categories) != 9 || c.Settings.JurisdictionID != "150600" {
		t.Fatalf("config: %d categories, %+v", len(c.Categories), c.Settings)
	}
	for name, bad := range map[string]string{
		"no categories": "settings: {jurisdiction_id: x, auto_close_days: 1, warn_fraction: 0.8, duplicate_radius_m: 1, duplicate_days: 1, max_extension_days: 1}",
		"bad datatype": `settings: {jurisdiction_id: x, auto_close_days: 1, warn_fraction: 0.8, duplicate_radius_m: 1, duplicate_days: 1, max_extension_days: 1}
categories: [{code: a, name: A, department: D, accept_days: 1, resolve_days: 1, attributes: [{code: x, datatype: color}]}]`,
		"zero deadline": `settings: {jurisdiction_id: x, auto_close_days: 1, warn_fraction: 0.8, duplicate_radius_m: 1, duplicate_days: 1, max_extension_days: 1}
categories: [{code: a, name: A, department: D, accept_days: 0, resolve_days: 1}]`,
		"bad settings": `settings: {warn_fraction: 2}`,
	} {
		if _, err := complaint.ParseConfig([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestGCJ02(t *testing.T) {
	t.Parallel()
	// Published reference: WGS-84 (39.9087, 116.3975) ≈ GCJ-02 (39.91011, 116.40374) (Tiananmen).
	glat, glng := complaint.WGS84ToGCJ02(39.9087, 116.3975)
	if math.Abs(glat-39.91011) > 2e-4 || math.Abs(glng-116.40374) > 2e-4 {
		t.Fatalf("forward: %v, %v", glat, glng)
	}
	for _, p := range [][2]float64{{39.6, 109.78}, {37.7, 107.0}, {40.8, 111.4}} {
		g1, g2 := complaint.WGS84ToGCJ02(p[0], p[1])
		w1, w2 := complaint.GCJ02ToWGS84(g1, g2)
		if geo.Distance(w1, w2, p[0], p[1]) > 0.001 {
			t.Fatalf("round trip of %v: %v, %v", p, w1, w2)
		}
		if d := geo.Distance(g1, g2, p[0], p[1]); d < 100 || d > 1000 {
			t.Fatalf("offset %v m in Ordos", d)
		}
	}
	if lat, lng := complaint.WGS84ToGCJ02(48.85, 2.35); lat != 48.85 || lng != 2.35 {
		t.Fatal("outside China must be unchanged")
	}
}

package complaint_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/workday"
)

// replica is a second Service on the fixture's store and Redis: another
// API replica.
func (f fixture) replica(t testing.TB) *complaint.Service {
	t.Helper()
	svc, err := complaint.NewService(complaint.Options{DB: f.db, Redis: f.rdb, Audit: audit.New(f.db, quiet), Logger: quiet, Notifier: f.sent})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetClock(f.clock.now)
	return svc
}

// stored reads every complaint document straight from the store.
func (f fixture) stored(t testing.TB) []complaint.Complaint {
	t.Helper()
	cur, err := f.db.Collection("complaints").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var all []complaint.Complaint
	if err := cur.All(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b complaint.Complaint) int { return strings.Compare(b.ID, a.ID) }) // newest first
	return all
}

func ids[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

// allPages walks a list to its end with pages of limit.
func allPages(t testing.TB, limit int, list func(cursor string) ([]complaint.Item, string, error)) []string {
	t.Helper()
	var out []string
	cursor := ""
	for pages := 0; ; pages++ {
		items, next, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > limit || next != "" && len(items) != limit {
			t.Fatalf("page of %d items (limit %d, next %q)", len(items), limit, next)
		}
		out = append(out, ids(items, func(it complaint.Item) string { return it.ID })...)
		if next == "" {
			return out
		}
		if pages > 1000 {
			t.Fatal("list does not end")
		}
		cursor = next
	}
}

// randomHistory files complaints and moves them at random through the
// service, with the clock advancing and the deadline job running, so the
// store holds every status, handler kind, escalations, ratings, reopenings,
// followers, merges, abusive rejections and unlocated Open311 requests.
func randomHistory(t *testing.T, f fixture, r *rand.Rand, n, moves int) {
	t.Helper()
	ctx := context.Background()
	cfg, _ := complaint.LoadConfig()
	dists := geo.Districts()
	citizens := []account.Actor{citizen}
	for i := 1; i < 5; i++ {
		citizens = append(citizens, account.Actor{UserID: fmt.Sprintf("u_c%d", i), Role: account.RoleCitizen, DisplayName: "c"})
	}
	f.clock.set(cst(2026, 3, 2, 9, 0))
	advance := func(max time.Duration) { f.clock.set(f.clock.now().Add(time.Duration(r.Int64N(int64(max))))) }
	var filed []string
	file := func() {
		cat := cfg.Categories[r.IntN(len(cfg.Categories))]
		d := dists[r.IntN(len(dists))]
		lat, lng := d.Centroid.Lat, d.Centroid.Lng
		in := complaint.Input{Category: cat.Code, Description: "随机测试", Lat: &lat, Lng: &lng}
		if cat.Code == "hazardous_waste" {
			in.Attributes = map[string]string{"leaking": "no"}
		}
		a := citizens[r.IntN(len(citizens))]
		switch r.IntN(8) {
		case 0: // an Open311 client
			a, in.Client = account.Actor{}, "测试客户端"
		case 1: // an Open311 client naming only the district
			a, in.Client, in.Lat, in.Lng, in.District = account.Actor{}, "测试客户端", nil, nil, d.Adcode
		}
		c, _, err := f.svc.Submit(ctx, a, in)
		if err != nil {
			t.Fatalf("submit %+v: %v", in, err)
		}
		filed = append(filed, c.ID)
	}
	var depts []string
	for _, c := range cfg.Categories {
		if !slices.Contains(depts, c.Department) {
			depts = append(depts, c.Department)
		}
	}
	for i := 0; len(filed) < n || i < moves; i++ {
		advance(6 * time.Hour)
		if len(filed) < n && (len(filed) == 0 || r.IntN(n+moves) < n) {
			file()
			continue
		}
		if r.IntN(6) == 0 {
			if _, err := f.svc.CheckDeadlines(ctx); err != nil {
				t.Fatal(err)
			}
			continue
		}
		id := filed[r.IntN(len(filed))]
		if r.IntN(3) > 0 { // mostly the recent ones, so not every case goes overdue
			id = filed[len(filed)-1-r.IntN(min(len(filed), 6))]
		}
		c, _, err := f.svc.Get(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		target := complaint.Target{Department: depts[r.IntN(len(depts))]}
		if r.IntN(2) == 0 {
			target = complaint.Target{District: dists[r.IntN(len(dists))].Adcode}
		}
		switch c.Status {
		case complaint.StatusSubmitted:
			switch r.IntN(10) {
			case 0:
				_, err = f.svc.Reject(ctx, admin, id, "不属于受理范围", r.IntN(2) == 0)
			case 1:
				_, err = f.svc.Merge(ctx, admin, id, filed[r.IntN(len(filed))])
			default:
				_, err = f.svc.Accept(ctx, admin, id)
			}
		case complaint.StatusAccepted:
			_, err = f.svc.Assign(ctx, admin, id, target, "")
		case complaint.StatusAssigned, complaint.StatusInProgress:
			switch r.IntN(5) {
			case 0:
				_, err = f.svc.Assign(ctx, admin, id, target, "转办")
			case 1:
				if c.Extension == nil {
					_, err = f.svc.RequestExtension(ctx, admin, id, 1+r.IntN(5), "需要时间")
				} else {
					_, err = f.svc.DecideExtension(ctx, admin, id, r.IntN(2) == 0, "")
				}
			default:
				if c.Status == complaint.StatusAssigned {
					_, err = f.svc.Start(ctx, admin, id)
				} else {
					_, err = f.svc.Resolve(ctx, admin, id, "已处理", nil)
				}
			}
		case complaint.StatusResolved:
			full, _, _ := f.svc.Get(ctx, admin, id)
			rep := account.Actor{UserID: full.Reporter.UserID, Role: account.RoleCitizen}
			rating := 1 + r.IntN(5)
			_, err = f.svc.Feedback(ctx, rep, id, complaint.FeedbackInput{Rating: rating, Reopen: rating < 4 && r.IntN(2) == 0})
		}
		if c.Status.Open() && r.IntN(5) == 0 {
			_, err = f.svc.Follow(ctx, citizens[r.IntN(len(citizens))], id)
		}
		if err != nil && !isRefusal(err) {
			t.Fatalf("move on %s (%s): %v", id, c.Status, err)
		}
	}
}

// isRefusal: a move the workflow refuses (wrong status, not the reporter,
// bad merge target, same handler): expected from random moves.
func isRefusal(err error) bool {
	for _, e := range []error{complaint.ErrWrongStatus, complaint.ErrNotReporter, complaint.ErrMergeTarget, complaint.ErrExtensionUsed,
		complaint.ErrNoExtension, complaint.ErrNotFound} {
		if errors.Is(err, e) {
			return true
		}
	}
	return strings.Contains(err.Error(), "unchanged") || strings.Contains(err.Error(), "invalid")
}

// TestListIndexMatchesStore: after random complaints and random moves
// through the service, every list (staff with every filter and scope,
// mine, Open311), indicator 48 and the statistics agree with a brute-force
// filter over the store's documents, on the replica that made the moves
// and on a replica loading from the store.
func TestListIndexMatchesStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	randomHistory(t, f, r, 40, 280)
	all := f.stored(t)
	cfg, _ := complaint.LoadConfig()
	dists := geo.Districts()
	byStatus := map[complaint.Status]int{}
	var escalated, unlocated, followed, rated int
	for _, c := range all {
		byStatus[c.Status]++
		escalated += boolInt(c.Escalated)
		unlocated += boolInt(c.Unlocated)
		followed += boolInt(len(c.Followers) > 0)
		rated += boolInt(len(c.Feedback) > 0)
	}
	t.Logf("%d complaints by status %v; escalated %d, unlocated %d, followed %d, rated %d", len(all), byStatus, escalated, unlocated, followed, rated)

	actors := []account.Actor{admin, eco,
		{UserID: "u_law", Role: account.RoleDepartment, Departments: []string{"市执法局", "市卫健委"}},
		{UserID: "u_d1", Role: account.RoleDistrict, Districts: []string{dists[0].Adcode}},
		{UserID: "u_d2", Role: account.RoleDistrict, Districts: []string{dists[1].Adcode, dists[2].Adcode}}}
	inScope := func(a account.Actor, c complaint.Complaint) bool {
		h := c.Handler
		switch a.Role {
		case account.RoleAdmin:
			return true
		case account.RoleDepartment:
			for _, k := range cfg.Categories {
				if k.Code == c.Category && slices.Contains(a.Departments, k.Department) {
					return true
				}
			}
			return h != nil && h.Kind == "department" && slices.Contains(a.Departments, h.Code)
		default:
			return slices.Contains(a.Districts, c.District) || h != nil && h.Kind == "district" && slices.Contains(a.Districts, h.Code)
		}
	}
	statuses := []complaint.Status{"", complaint.StatusSubmitted, complaint.StatusAccepted, complaint.StatusRejected, complaint.StatusAssigned,
		complaint.StatusInProgress, complaint.StatusResolved, complaint.StatusClosed, complaint.StatusMerged}
	yes, no := true, false
	mid := all[len(all)/2].SubmittedAt
	times := []*time.Time{nil, &mid, ptr(mid.Add(-72 * time.Hour)), ptr(mid.Add(100 * time.Hour))}

	for _, svc := range []*complaint.Service{f.svc, f.replica(t)} {
		for i := 0; i < 90; i++ {
			a := actors[r.IntN(len(actors))]
			fl := complaint.Filter{Status: statuses[r.IntN(len(statuses))], From: times[r.IntN(len(times))], To: times[r.IntN(len(times))]}
			if r.IntN(3) == 0 {
				fl.Category = cfg.Categories[r.IntN(len(cfg.Categories))].Code
			}
			if r.IntN(3) == 0 {
				fl.District = dists[r.IntN(len(dists))].Adcode
			}
			if r.IntN(4) == 0 {
				fl.Department = []string{"市生态环境局", "市执法局", dists[r.IntN(len(dists))].Adcode}[r.IntN(3)]
			}
			fl.Overdue = []*bool{nil, &yes, &no}[r.IntN(3)]
			var want []string
			for _, c := range all {
				h := c.Handler
				if inScope(a, c) && (fl.Status == "" || c.Status == fl.Status) && (fl.Category == "" || c.Category == fl.Category) &&
					(fl.District == "" || c.District == fl.District) && (fl.Department == "" || h != nil && h.Code == fl.Department) &&
					(fl.Overdue == nil || c.Escalated == *fl.Overdue) &&
					(fl.From == nil || !c.SubmittedAt.Before(*fl.From)) && (fl.To == nil || c.SubmittedAt.Before(*fl.To)) {
					want = append(want, c.ID)
				}
			}
			limit := 1 + r.IntN(12)
			got := allPages(t, limit, func(cursor string) ([]complaint.Item, string, error) { return svc.List(ctx, a, fl, limit, cursor) })
			if !slices.Equal(got, nonNilIDs(want)) {
				t.Fatalf("list as %s %v with %+v (limit %d):\n got %v\nwant %v", a.Role, append(a.Departments, a.Districts...), fl, limit, got, want)
			}
		}
		for _, u := range []string{citizen.UserID, "u_c1", "u_c2", "u_c3", "u_c4", "u_nobody"} {
			var want []string
			for _, c := range all {
				if c.Reporter.UserID == u && c.Source == "miniprogram" || slices.Contains(c.Followers, u) {
					want = append(want, c.ID)
				}
			}
			a := account.Actor{UserID: u, Role: account.RoleCitizen}
			got := allPages(t, 4, func(cursor string) ([]complaint.Item, string, error) { return svc.Mine(ctx, a, 4, cursor) })
			if !slices.Equal(got, nonNilIDs(want)) {
				t.Fatalf("mine of %s:\n got %v\nwant %v", u, got, want)
			}
		}
		for i := 0; i < 30; i++ {
			pf := complaint.PublicFilter{Limit: 1000, From: times[r.IntN(len(times))], To: times[r.IntN(len(times))], Open: []*bool{nil, &yes, &no}[r.IntN(3)]}
			if r.IntN(2) == 0 {
				pf.Category = cfg.Categories[r.IntN(len(cfg.Categories))].Code
			}
			if r.IntN(5) == 0 {
				pf.Limit = 1 + r.IntN(5)
			}
			var want []string
			for _, c := range all {
				if c.Status != complaint.StatusMerged && !(c.Status == complaint.StatusRejected && c.Abusive) &&
					(pf.Category == "" || c.Category == pf.Category) && (pf.Open == nil || c.Status.Open() == *pf.Open) &&
					(pf.From == nil || !c.SubmittedAt.Before(*pf.From)) && (pf.To == nil || !c.SubmittedAt.After(*pf.To)) && len(want) < pf.Limit {
					want = append(want, c.ID)
				}
			}
			got, err := svc.Public(ctx, pf)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got, func(c complaint.Complaint) string { return c.ID }); !slices.Equal(g, nonNilIDs(want)) {
				t.Fatalf("public %+v:\n got %v\nwant %v", pf, g, want)
			}
		}
		// Indicator 48 by brute force.
		var want complaint.Closure
		var ratingSum float64
		for _, c := range all {
			if c.AcceptedAt == nil || c.AcceptedAt.In(workday.Location()).Year() != 2026 {
				continue
			}
			want.Accepted++
			want.Reopened += c.Reopened
			if c.Status == complaint.StatusClosed {
				want.Closed++
			}
			if c.ResolvedAt != nil {
				want.Resolved++
				if c.OnTime() {
					want.OnTime++
				}
			}
			if n := len(c.Feedback); n > 0 {
				want.Rated++
				ratingSum += float64(c.Feedback[n-1].Rating)
			}
		}
		got, err := svc.ClosureRate(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if got.Accepted != want.Accepted || got.Closed != want.Closed || got.Resolved != want.Resolved || got.OnTime != want.OnTime ||
			got.Rated != want.Rated || got.Reopened != want.Reopened || want.Rated > 0 && *got.AvgRating != round2(ratingSum/float64(want.Rated)) {
			t.Fatalf("indicator 48: got %+v, want %+v", got, want)
		}
		// The statistics' totals by brute force, for every scope.
		now := f.clock.now()
		from, to := all[len(all)-1].SubmittedAt, now
		for _, a := range actors {
			st, err := svc.Stats(ctx, a, complaint.StatsQuery{From: from, To: to, Granularity: complaint.ByWeek})
			if err != nil {
				t.Fatal(err)
			}
			var w complaint.Figures
			for _, c := range all {
				if !inScope(a, c) {
					continue
				}
				if !c.SubmittedAt.Before(dayStart(from)) && c.SubmittedAt.Before(dayStart(to).AddDate(0, 0, 1)) {
					w.Submitted++
					if c.Status.Open() {
						w.Open++
						var due *time.Time
						switch {
						case c.Status == complaint.StatusSubmitted:
							due = &c.AcceptDue
						case c.Status != complaint.StatusResolved && c.AcceptedAt != nil:
							due = c.ResolveDue
						}
						if due != nil && !now.Before(*due) {
							w.OverdueOpen++
						}
					}
				}
				if c.AcceptedAt != nil && !c.AcceptedAt.Before(dayStart(from)) && c.AcceptedAt.Before(dayStart(to).AddDate(0, 0, 1)) {
					w.Accepted++
					if c.Status == complaint.StatusClosed {
						w.Closed++
					}
					if c.ResolvedAt != nil {
						w.Resolved++
						if c.OnTime() {
							w.OnTime++
						}
					}
					if len(c.Feedback) > 0 {
						w.Rated++
					}
				}
			}
			g := st.Figures
			g.CompletionRate, g.OnTimeRate, g.AverageRating = nil, nil, nil
			if g != w {
				t.Fatalf("stats of %s %v: got %+v, want %+v", a.Role, append(a.Departments, a.Districts...), g, w)
			}
			var sum complaint.TrendPoint
			for _, p := range st.Trend {
				sum.Submitted += p.Submitted
				sum.Accepted += p.Accepted
				sum.Closed += p.Closed
				sum.OverdueOpen += p.OverdueOpen
			}
			if sum.Submitted != w.Submitted || sum.Accepted != w.Accepted || sum.Closed != w.Closed || sum.OverdueOpen != w.OverdueOpen {
				t.Fatalf("trend sums %+v, totals %+v", sum, w)
			}
			var dsum int
			for _, d := range st.ByDistrict {
				dsum += d.Submitted
			}
			if dsum != w.Submitted {
				t.Fatalf("by district %d submitted, total %d", dsum, w.Submitted)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNilIDs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

func dayStart(t time.Time) time.Time {
	t = t.In(workday.Location())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, workday.Location())
}

// listed is the ids of the admin's unfiltered staff list.
func listed(t testing.TB, svc *complaint.Service, fl complaint.Filter) []string {
	t.Helper()
	items, _, err := svc.List(context.Background(), admin, fl, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	return ids(items, func(it complaint.Item) string { return it.ID })
}

// TestReplicasSeeEachOthersWrites: two services on one store and one Redis
// (two API replicas): a write on either shows in the other's lists at once,
// without a reload.
func TestReplicasSeeEachOthersWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.replica(t)
	first := f.submit(t, "other")
	if got := listed(t, b, complaint.Filter{}); !slices.Equal(got, []string{first.ID}) {
		t.Fatalf("b lists %v", got)
	}
	loads := complaint.IndexLoads(b)
	// A filing on a, a move on b, a follow on a: each visible on the other.
	second := f.submit(t, "other")
	if got := listed(t, b, complaint.Filter{}); !slices.Equal(got, []string{second.ID, first.ID}) {
		t.Fatalf("b lists %v", got)
	}
	if _, err := b.Accept(ctx, admin, first.ID); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, f.svc, complaint.Filter{Status: complaint.StatusAccepted}); !slices.Equal(got, []string{first.ID}) {
		t.Fatalf("a lists accepted %v", got)
	}
	bob := account.Actor{UserID: "u_bob", Role: account.RoleCitizen}
	if _, err := f.svc.Follow(ctx, bob, second.ID); err != nil {
		t.Fatal(err)
	}
	mine, _, err := b.Mine(ctx, bob, 10, "")
	if err != nil || len(mine) != 1 || mine[0].ID != second.ID || mine[0].Access != complaint.AccessPublic {
		t.Fatalf("b's mine for the follower: %+v (%v)", mine, err)
	}
	if cl, err := b.ClosureRate(ctx, f.clock.now().In(workday.Location()).Year()); err != nil || cl.Accepted != 1 {
		t.Fatalf("b's indicator 48 %+v (%v)", cl, err)
	}
	if complaint.IndexLoads(b) != loads {
		t.Fatalf("b reloaded (%d loads, had %d): the stream should have sufficed", complaint.IndexLoads(b), loads)
	}
}

// storeBehindTheBack writes a complaint (and its stored row) straight into
// the store, as if a replica had written it and its announcement were lost:
// only a reload from the store can show it.
func storeBehindTheBack(t testing.TB, f fixture, id string) {
	t.Helper()
	ctx := context.Background()
	now := f.clock.now().UTC()
	c := complaint.Complaint{ID: id, Category: "other", Description: "绕过服务写入", District: "150602", Status: complaint.StatusSubmitted,
		Source: "miniprogram", SubmittedAt: now, UpdatedAt: now, AcceptDue: now.Add(48 * time.Hour),
		Photos: []string{}, Followers: []string{}, Feedback: []complaint.Feedback{}, Warned: []string{}, Overdue: []string{}}
	if _, err := f.db.Collection("complaints").InsertOne(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Collection("complaint_index").InsertOne(ctx, complaint.Summary(c)); err != nil {
		t.Fatal(err)
	}
}

// TestIndexReloadsWhenRedisLosesTheStream: after Redis lost its data, a
// replica notices that its stream position is gone and reloads from the
// store, on the next list, whether or not anything was written since.
func TestIndexReloadsWhenRedisLosesTheStream(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.replica(t)
	first := f.submit(t, "other")
	if got := listed(t, b, complaint.Filter{}); len(got) != 1 {
		t.Fatalf("b lists %v", got)
	}
	loads := complaint.IndexLoads(b)
	storeBehindTheBack(t, f, "WF2099010100001")
	if got := listed(t, b, complaint.Filter{}); len(got) != 1 {
		t.Fatalf("b lists %v before the loss", got) // nothing told it yet
	}
	flushRedis(t, f)
	if got := listed(t, b, complaint.Filter{}); !slices.Equal(got, []string{"WF2099010100001", first.ID}) {
		t.Fatalf("b lists %v after Redis lost the stream", got)
	}
	if complaint.IndexLoads(b) != loads+1 {
		t.Fatalf("b: %d loads, want %d", complaint.IndexLoads(b), loads+1)
	}
	// Lost again, and a write lands in the new stream before b looks.
	flushRedis(t, f)
	second := f.submit(t, "other")
	if got := listed(t, b, complaint.Filter{}); !slices.Equal(got, []string{"WF2099010100001", second.ID, first.ID}) {
		t.Fatalf("b lists %v", got)
	}
	if complaint.IndexLoads(b) != loads+2 {
		t.Fatalf("b: %d loads, want %d", complaint.IndexLoads(b), loads+2)
	}
	// Then the stream serves again without reloads.
	if _, err := f.svc.Accept(ctx, admin, second.ID); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, b, complaint.Filter{Status: complaint.StatusAccepted}); !slices.Equal(got, []string{second.ID}) {
		t.Fatalf("b lists accepted %v", got)
	}
	if complaint.IndexLoads(b) != loads+2 {
		t.Fatalf("b reloaded again: %d loads", complaint.IndexLoads(b))
	}
}

// flushRedis drops every key of the test's Redis (its prefix on a shared
// server).
func flushRedis(t testing.TB, f fixture) {
	t.Helper()
	ctx := context.Background()
	iter := f.rdb.Scan(ctx, 0, f.rdb.Prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if err := f.rdb.Del(ctx, iter.Val()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestIndexReloadsWhenTheStreamIsTrimmed: a replica whose position was
// trimmed out of the bounded stream reloads; one that kept up does not.
func TestIndexReloadsWhenTheStreamIsTrimmed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.replica(t)
	first := f.submit(t, "other")
	listed(t, b, complaint.Filter{})
	listed(t, f.svc, complaint.Filter{})
	loadsA, loadsB := complaint.IndexLoads(f.svc), complaint.IndexLoads(b)
	storeBehindTheBack(t, f, "WF2099010100001")
	second := f.submit(t, "other")
	listed(t, f.svc, complaint.Filter{}) // a keeps up: its position is the last entry
	// Trim to the last entry: b's position goes, a's stays.
	if err := f.rdb.XTrimMaxLen(ctx, complaint.IndexStream(f.svc), 1).Err(); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, b, complaint.Filter{}); !slices.Equal(got, []string{"WF2099010100001", second.ID, first.ID}) {
		t.Fatalf("b lists %v after the trim", got)
	}
	if complaint.IndexLoads(b) != loadsB+1 {
		t.Fatalf("b: %d loads, want %d", complaint.IndexLoads(b), loadsB+1)
	}
	if got := listed(t, f.svc, complaint.Filter{}); !slices.Equal(got, []string{second.ID, first.ID}) {
		t.Fatalf("a lists %v", got) // it kept its position: no reload, so it cannot know
	}
	if complaint.IndexLoads(f.svc) != loadsA {
		t.Fatalf("a reloaded: %d loads", complaint.IndexLoads(f.svc))
	}
}

// TestListWaitsForTheInitialLoad: a list asked for while the index is still
// loading waits for the load (bounded by its context) instead of answering
// from an empty index, and a write made during the load is in the answer.
func TestListWaitsForTheInitialLoad(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var filed []string
	for i := 0; i < 5; i++ {
		filed = append(filed, f.submit(t, "other").ID)
	}
	b := f.replica(t)
	entered, release := make(chan struct{}), make(chan struct{})
	complaint.SetIndexLoadHook(b, func() {
		entered <- struct{}{}
		<-release
	})
	type answer struct {
		ids []string
		err error
	}
	first := make(chan answer, 1)
	go func() {
		items, _, err := b.List(ctx, admin, complaint.Filter{}, 100, "")
		first <- answer{ids(items, func(it complaint.Item) string { return it.ID }), err}
	}()
	<-entered // the load has begun and is held
	// A list with a deadline gives up with its context's error, not an
	// empty page.
	cctx, cancel := context.WithCancel(ctx)
	second := make(chan answer, 1)
	go func() {
		items, _, err := b.List(cctx, admin, complaint.Filter{}, 100, "")
		second <- answer{ids(items, func(it complaint.Item) string { return it.ID }), err}
	}()
	cancel()
	if got := <-second; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("list during the load answered %v (%v)", got.ids, got.err)
	}
	// A filing on b during the load.
	lat, lng := point(t)
	c, _, err := b.Submit(ctx, citizen, complaint.Input{Category: "other", Description: "加载期间", Lat: lat, Lng: lng})
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	got := <-first
	slices.Reverse(filed)
	if want := append([]string{c.ID}, filed...); got.err != nil || !slices.Equal(got.ids, want) {
		t.Fatalf("list after the load: %v (%v), want %v", got.ids, got.err, want)
	}
}

// TestRunIndexLoadsInTheBackground: RunIndex loads before anyone asks and
// returns when its context ends.
func TestRunIndexLoadsInTheBackground(t *testing.T) {
	f := newFixture(t)
	f.submit(t, "other")
	b := f.replica(t)
	loaded := make(chan struct{})
	complaint.SetIndexLoadHook(b, func() { close(loaded) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.RunIndex(ctx, time.Hour); close(done) }()
	<-loaded // without any reader
	if got := listed(t, b, complaint.Filter{}); len(got) != 1 {
		t.Fatalf("b lists %v", got)
	}
	cancel()
	<-done
}

// TestIndexRebuildsStoredRowsOfAnOlderFormat: after an upgrade the stored
// rows are in the previous shape (the complaint's fields); the first load
// rebuilds them from the complaints.
func TestIndexRebuildsStoredRowsOfAnOlderFormat(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.submit(t, "other"), f.submit(t, "open_burning")
	coll := f.db.Collection("complaint_index")
	for _, c := range []complaint.Complaint{a, b} {
		old := bson.D{{Key: "_id", Value: c.ID}, {Key: "status", Value: c.Status}, {Key: "category", Value: c.Category},
			{Key: "district", Value: c.District}, {Key: "submitted_at", Value: c.SubmittedAt}}
		if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, old); err != nil {
			t.Fatal(err)
		}
	}
	fresh := f.replica(t)
	if got := listed(t, fresh, complaint.Filter{Category: "open_burning"}); !slices.Equal(got, []string{b.ID}) {
		t.Fatalf("lists %v", got)
	}
	n, err := coll.CountDocuments(ctx, bson.D{{Key: "r", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil || n != 2 {
		t.Fatalf("%d stored rows in the current format (%v)", n, err)
	}
}

// changeBehindTheBack moves complaint id to accepted in the store as a
// writer that died would leave it: the complaint written, and its row
// written too only when rowToo, never announced.
func changeBehindTheBack(t testing.TB, f fixture, id string, rowToo bool) {
	t.Helper()
	ctx := context.Background()
	var c complaint.Complaint
	if err := f.db.Collection("complaints").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		t.Fatal(err)
	}
	now := f.clock.now().UTC().Truncate(time.Millisecond)
	c.Status, c.Version, c.UpdatedAt, c.AcceptedAt = complaint.StatusAccepted, c.Version+1, now, &now
	if _, err := f.db.Collection("complaints").ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, c); err != nil {
		t.Fatal(err)
	}
	if rowToo {
		if _, err := f.db.Collection("complaint_index").ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, complaint.Summary(c)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckIndexRepairsRowsAWriterLeftBehind: a replica that died after
// writing a complaint, before writing its row or before announcing it,
// leaves rows behind; the check repairs them in the store and in every
// replica, and leaves alone what changed in the last minute.
func TestCheckIndexRepairsRowsAWriterLeftBehind(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.replica(t)
	noRow := f.submit(t, "other")
	notAnnounced := f.submit(t, "other")
	recent := f.submit(t, "other")
	accepted := complaint.Filter{Status: complaint.StatusAccepted}
	for _, svc := range []*complaint.Service{f.svc, b} { // both loaded before the changes
		if got := listed(t, svc, accepted); len(got) != 0 {
			t.Fatalf("lists accepted %v", got)
		}
	}
	changeBehindTheBack(t, f, noRow.ID, false)
	changeBehindTheBack(t, f, notAnnounced.ID, true)
	f.clock.set(f.clock.now().Add(2 * time.Minute))
	changeBehindTheBack(t, f, recent.ID, false)
	for name, svc := range map[string]*complaint.Service{"a": f.svc, "b": b} {
		if got := listed(t, svc, accepted); len(got) != 0 {
			t.Fatalf("%s lists accepted %v before the check; nothing told it", name, got)
		}
	}

	n, err := b.CheckIndex(ctx)
	if err != nil || n != 2 {
		t.Fatalf("CheckIndex = %d, %v; want the 2 rows changed over a minute ago", n, err)
	}
	want := []string{notAnnounced.ID, noRow.ID}
	for name, svc := range map[string]*complaint.Service{"a (told through the stream)": f.svc, "b": b, "a new replica (from the store)": f.replica(t)} {
		if got := listed(t, svc, accepted); !slices.Equal(got, want) {
			t.Errorf("%s lists accepted %v, want %v", name, got, want)
		}
	}
	if n, err := b.CheckIndex(ctx); err != nil || n != 0 {
		t.Errorf("second CheckIndex = %d, %v; want nothing left", n, err)
	}

	// A minute on, the recent change is repaired too.
	f.clock.set(f.clock.now().Add(2 * time.Minute))
	if n, err := f.svc.CheckIndex(ctx); err != nil || n != 1 {
		t.Fatalf("CheckIndex later = %d, %v; want 1", n, err)
	}
	if got := listed(t, b, accepted); !slices.Equal(got, []string{recent.ID, notAnnounced.ID, noRow.ID}) {
		t.Errorf("b lists accepted %v after the later check", got)
	}
}

// TestRunIndexChecksAtStart: a process that restarts after dying between
// a complaint and its row loads the stale row, and its first round of
// RunIndex repairs it (the single-process embedded store's only check).
func TestRunIndexChecksAtStart(t *testing.T) {
	f := newFixture(t)
	c := f.submit(t, "other")
	changeBehindTheBack(t, f, c.ID, false)
	f.clock.set(f.clock.now().Add(2 * time.Minute))
	checked := make(chan struct{}, 4)
	restarted, err := complaint.NewService(complaint.Options{DB: f.db, Redis: f.rdb, Audit: audit.New(f.db, quiet), Logger: quiet,
		Notifier: f.sent, SingleProcessStore: true, IndexChecked: func() { checked <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	restarted.SetClock(f.clock.now)
	checks := make(chan int, 4)
	complaint.SetIndexCheckHook(restarted, func(n int) { checks <- n })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { restarted.RunIndex(ctx, time.Hour); close(done) }()
	if n := <-checks; n != 1 {
		t.Errorf("the start check repaired %d rows, want 1", n)
	}
	<-checked // and reported itself done (the embedded store may then close clean)
	if got := listed(t, restarted, complaint.Filter{Status: complaint.StatusAccepted}); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("after the start check the restarted process lists accepted %v", got)
	}
	cancel()
	<-done
}

package complaint_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// benchSize is how many complaints the benchmarks load (COMPLAINT_BENCH_N).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("COMPLAINT_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// seed writes n complaints spread over the last 60 days, the nine
// categories, every district and every status, straight into the store.
func seed(b *testing.B, f fixture, n int) { seedT(b, f, n) }

func seedT(b testing.TB, f fixture, n int) {
	b.Helper()
	ctx := context.Background()
	cfg, _ := complaint.LoadConfig()
	dists := geo.Districts()
	statuses := []complaint.Status{complaint.StatusSubmitted, complaint.StatusAccepted, complaint.StatusAssigned, complaint.StatusInProgress,
		complaint.StatusResolved, complaint.StatusClosed, complaint.StatusClosed, complaint.StatusClosed, complaint.StatusRejected}
	r := rand.New(rand.NewPCG(1, 2))
	now := f.clock.now().UTC()
	coll := f.db.Collection("complaints")
	index := f.db.Collection("complaint_index")
	batch := make([]any, 0, 1000)
	slim := make([]any, 0, 1000)
	for i := 0; i < n; i++ {
		d := dists[r.IntN(len(dists))]
		cat := cfg.Categories[r.IntN(len(cfg.Categories))]
		at := now.Add(-time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
		st := statuses[r.IntN(len(statuses))]
		c := complaint.Complaint{ID: fmt.Sprintf("WF%s%05d", at.In(workdayLoc).Format("20060102"), i), Category: cat.Code,
			Description: "基准测试数据：路边堆放固体废物，影响通行", Lat: d.Centroid.Lat + (r.Float64()-0.5)*0.05, Lng: d.Centroid.Lng + (r.Float64()-0.5)*0.05,
			Address: "测试地址", District: d.Adcode, DistName: d.Name, Photos: []string{}, Attributes: map[string]string{},
			Reporter: complaint.Reporter{UserID: "u_" + strconv.Itoa(r.IntN(20000)), Phone: "13800000000"}, Source: "miniprogram",
			Followers: []string{}, Status: st, ResultPix: []string{}, SubmittedAt: at, UpdatedAt: at, AcceptDue: at.Add(48 * time.Hour),
			Feedback: []complaint.Feedback{}, Warned: []string{}, Overdue: []string{}, Escalated: r.IntN(10) == 0,
			History: []complaint.Event{{At: at, Action: "submit", To: complaint.StatusSubmitted, ByRole: "citizen"}}}
		if st != complaint.StatusSubmitted && st != complaint.StatusRejected {
			c.AcceptedAt = &at
			c.Handler = &complaint.Handler{Kind: "department", Code: cat.Department, Name: cat.Department}
		}
		batch = append(batch, c)
		slim = append(slim, complaint.Summary(c))
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := coll.InsertMany(ctx, batch); err != nil {
				b.Fatal(err)
			}
			if _, err := index.InsertMany(ctx, slim); err != nil {
				b.Fatal(err)
			}
			batch, slim = batch[:0], slim[:0]
		}
	}
	// What the service adds to its embedded store at start.
	testenv.IndexIDLookups(b, f.db)
	if _, err := f.svc.RebuildDuplicateIndex(ctx); err != nil {
		b.Fatal(err)
	}
}

// latencies runs op b.N times and reports p50 and p99 in milliseconds.
func latencies(b *testing.B, op func() error) {
	b.Helper()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*99/100)].Microseconds())/1000, "p99_ms")
}

// staffCases are the staff list benchmarks' filters.
func staffCases(f fixture) ([]string, map[string]struct {
	a account.Actor
	f complaint.Filter
}) {
	yes := true
	dept := account.Actor{UserID: "d", Role: account.RoleDepartment, Departments: []string{"市生态环境局"}}
	dist := account.Actor{UserID: "x", Role: account.RoleDistrict, Districts: []string{"150602"}}
	return []string{"admin_all", "admin_status", "admin_overdue_cat", "department_scope", "district_scope_range"}, map[string]struct {
		a account.Actor
		f complaint.Filter
	}{
		"admin_all":            {admin, complaint.Filter{}},
		"admin_status":         {admin, complaint.Filter{Status: complaint.StatusInProgress}},
		"admin_overdue_cat":    {admin, complaint.Filter{Overdue: &yes, Category: "open_burning"}},
		"department_scope":     {dept, complaint.Filter{Status: complaint.StatusAssigned}},
		"district_scope_range": {dist, complaint.Filter{From: ptr(f.clock.now().Add(-7 * 24 * time.Hour))}},
	}
}

// BenchmarkStaffList: one page (20) of the staff list with filters over
// the seeded complaints, on whatever store the test environment provides:
// select_* is the list index's part (which ids, and the next cursor), page_*
// the whole call, which then reads the page's documents by _id.
func BenchmarkStaffList(b *testing.B) {
	f := newFixture(b)
	seed(b, f, benchSize())
	ctx := context.Background()
	names, cases := staffCases(f)
	for _, name := range names {
		tc := cases[name]
		b.Run("select_"+name, func(b *testing.B) {
			latencies(b, func() error {
				_, _, err := complaint.ListIDs(ctx, f.svc, tc.a, tc.f, 20, "")
				return err
			})
		})
	}
	for _, name := range names {
		tc := cases[name]
		b.Run("page_"+name, func(b *testing.B) {
			latencies(b, func() error {
				_, _, err := f.svc.List(ctx, tc.a, tc.f, 20, "")
				return err
			})
		})
	}
}

// BenchmarkComplaintIndex: the list index's other readers over the seeded
// complaints (a citizen's "mine", the Open311 requests list, the
// statistics, indicator 48), one page's documents by _id, and the full
// load of a replica starting, with the memory its rows take.
func BenchmarkComplaintIndex(b *testing.B) {
	f := newFixture(b)
	n := benchSize()
	seed(b, f, n)
	ctx := context.Background()
	now := f.clock.now()
	// The seed's reporters are u_0 … u_19999: about n/20000 cases each.
	me := account.Actor{UserID: "u_4242", Role: account.RoleCitizen}
	b.Run("select_mine", func(b *testing.B) {
		latencies(b, func() error {
			_, err := complaint.MineIDs(ctx, f.svc, me, 20)
			return err
		})
	})
	b.Run("page_mine", func(b *testing.B) {
		latencies(b, func() error {
			_, _, err := f.svc.Mine(ctx, me, 20, "")
			return err
		})
	})
	// GET requests: the default window (90 days), up to 1000 requests;
	// and a narrow one.
	from90 := now.Add(-90 * 24 * time.Hour)
	closed := false
	b.Run("select_open311_default", func(b *testing.B) {
		latencies(b, func() error {
			_, err := complaint.PublicIDs(ctx, f.svc, complaint.PublicFilter{Limit: 1000, From: &from90})
			return err
		})
	})
	b.Run("select_open311_closed_category", func(b *testing.B) {
		latencies(b, func() error {
			_, err := complaint.PublicIDs(ctx, f.svc, complaint.PublicFilter{Limit: 1000, From: &from90, Category: "medical_waste", Open: &closed})
			return err
		})
	})
	b.Run("page_open311_20", func(b *testing.B) {
		latencies(b, func() error {
			_, err := f.svc.Public(ctx, complaint.PublicFilter{Limit: 20, From: &from90})
			return err
		})
	})
	dept := account.Actor{UserID: "d", Role: account.RoleDepartment, Departments: []string{"市生态环境局"}}
	b.Run("stats_admin_30d_day", func(b *testing.B) {
		latencies(b, func() error {
			_, err := f.svc.Stats(ctx, admin, complaint.StatsQuery{From: now.AddDate(0, 0, -29), To: now, Granularity: complaint.ByDay})
			return err
		})
	})
	b.Run("stats_department_90d_week", func(b *testing.B) {
		latencies(b, func() error {
			_, err := f.svc.Stats(ctx, dept, complaint.StatsQuery{From: now.AddDate(0, 0, -89), To: now, Granularity: complaint.ByWeek})
			return err
		})
	})
	year := now.In(workdayLoc).Year()
	b.Run("indicator48", func(b *testing.B) {
		latencies(b, func() error {
			_, err := f.svc.ClosureRate(ctx, year)
			return err
		})
	})
	// The check against the complaints' versions (RunIndex: at start, and
	// hourly on a shared store), with nothing to repair: its scan.
	b.Run("check_index", func(b *testing.B) {
		latencies(b, func() error {
			n, err := f.svc.CheckIndex(ctx)
			if err == nil && n != 0 {
				err = fmt.Errorf("CheckIndex repaired %d rows of a consistent index", n)
			}
			return err
		})
	})
	// A replica starting: its first list waits for the full load.
	b.Run("initial_load", func(b *testing.B) {
		var rows int
		latencies(b, func() error {
			r := f.replica(b)
			cl, err := r.ClosureRate(ctx, year)
			rows = cl.Accepted
			return err
		})
		_ = rows
	})
	b.Run("memory", func(b *testing.B) {
		var before, after runtime.MemStats
		for i := 0; i < b.N; i++ {
			runtime.GC()
			runtime.ReadMemStats(&before)
			r := f.replica(b)
			if _, err := r.ClosureRate(ctx, year); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap_B/row")
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heap_MB")
			b.ReportMetric(rssMB(), "process_RSS_MB")
			runtime.KeepAlive(r)
		}
	})
}

// rssMB is this process's resident set (the benchmark, its seed data and
// the embedded store all live in it).
func rssMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkDuplicateSearch: the duplicate suggestion of intake among the
// seeded complaints (Redis GEO on the window's day sets, then the
// candidates by _id), and a whole intake with it.
func BenchmarkDuplicateSearch(b *testing.B) {
	f := newFixture(b)
	seed(b, f, benchSize())
	ctx := context.Background()
	lat, lng := point(b)
	b.Run("suggest", func(b *testing.B) {
		found := 0
		latencies(b, func() error {
			dups, err := f.svc.Suggest(ctx, "other", *lat, *lng)
			found += len(dups)
			return err
		})
		b.ReportMetric(float64(found)/float64(b.N), "dups/op")
	})
	b.Run("submit", func(b *testing.B) {
		latencies(b, func() error {
			_, _, err := f.svc.Submit(ctx, citizen, complaint.Input{Category: "other", Description: "基准", Lat: lat, Lng: lng})
			return err
		})
	})
}

func ptr[T any](v T) *T { return &v }

var workdayLoc = time.FixedZone("CST", 8*3600)

// BenchmarkMove: one handling move (accept) among the seeded complaints:
// the guarded read-check-write of a case by _id.
func BenchmarkMove(b *testing.B) {
	f := newFixture(b)
	seed(b, f, benchSize())
	ctx := context.Background()
	lat, lng := point(b)
	ids := make([]string, b.N)
	for i := range ids {
		c, _, err := f.svc.Submit(ctx, citizen, complaint.Input{Category: "other", Description: "基准", Lat: lat, Lng: lng})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = c.ID
	}
	i := 0
	latencies(b, func() error {
		_, err := f.svc.Accept(ctx, admin, ids[i])
		i++
		return err
	})
}

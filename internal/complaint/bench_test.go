package complaint_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/geo"
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

// BenchmarkStaffList: one page of the staff list with filters over the
// seeded complaints, on whatever store the test environment provides.
func BenchmarkStaffList(b *testing.B) {
	f := newFixture(b)
	seed(b, f, benchSize())
	ctx := context.Background()
	yes := true
	dept := account.Actor{UserID: "d", Role: account.RoleDepartment, Departments: []string{"市生态环境局"}}
	dist := account.Actor{UserID: "x", Role: account.RoleDistrict, Districts: []string{"150602"}}
	cases := map[string]struct {
		a account.Actor
		f complaint.Filter
	}{
		"admin_all":            {admin, complaint.Filter{}},
		"admin_status":         {admin, complaint.Filter{Status: complaint.StatusInProgress}},
		"admin_overdue_cat":    {admin, complaint.Filter{Overdue: &yes, Category: "open_burning"}},
		"department_scope":     {dept, complaint.Filter{Status: complaint.StatusAssigned}},
		"district_scope_range": {dist, complaint.Filter{From: ptr(f.clock.now().Add(-7 * 24 * time.Hour))}},
	}
	for _, name := range []string{"admin_all", "admin_status", "admin_overdue_cat", "department_scope", "district_scope_range"} {
		tc := cases[name]
		b.Run(name, func(b *testing.B) {
			latencies(b, func() error {
				_, _, err := f.svc.List(ctx, tc.a, tc.f, 20, "")
				return err
			})
		})
	}
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

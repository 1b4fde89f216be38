package registry_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/registry/assess"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newService(t *testing.T) *registry.Service {
	t.Helper()
	db := testenv.DB(t)
	s, err := registry.NewService(db, audit.New(db, quiet), quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	admin     = account.Actor{UserID: "s_admin", Role: account.RoleAdmin, Username: "admin"}
	evaluator = account.Actor{UserID: "s_eval", Role: account.RoleEvaluator, Username: "eval"}
)

func ptr(v float64) *float64 { return &v }

// TestConcurrentWritersAllLand: parallel reports of one indicator and one
// task are all kept. Without the service's per-document lock the embedded
// store loses some of them (its guarded updates are not atomic).
func TestConcurrentWritersAllLand(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	const n = 12
	var wg sync.WaitGroup
	errc := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			_, err := s.RecordMeasurement(ctx, admin, "I03", registry.MeasurementInput{Period: "2024", Value: ptr(float64(i))})
			errc <- err
		}(i)
		go func(i int) {
			defer wg.Done()
			_, err := s.UpdateTask(ctx, admin, "GY02", registry.TaskUpdateInput{Status: assess.TaskInProgress, Progress: ptr(float64(i))})
			errc <- err
		}(i)
	}
	wg.Wait()
	close(errc)
	conflicts := 0
	for err := range errc {
		if err != nil {
			if errs.KindOf(err) != errs.KindConflict {
				t.Fatal(err)
			}
			conflicts++
		}
	}
	in, _ := s.Indicator(ctx, "I03")
	task, _ := s.Task(ctx, "GY02")
	if len(in.Measurements) != n || len(task.Updates) != n || conflicts != 0 {
		t.Fatalf("%d measurements, %d updates, %d conflicts; want %d, %d, 0", len(in.Measurements), len(task.Updates), conflicts, n, n)
	}
}

func TestFeeds(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	in, _ := s.Indicator(ctx, "I41")
	if in.Status != assess.StatusNoData || in.Latest != nil {
		t.Fatalf("I41 without a feed: %v", in.Status)
	}
	s.RegisterFeed("I41", registry.FeedFunc(func(context.Context) (registry.FeedValue, error) {
		return registry.FeedValue{Value: ptr(120), Period: "2025", Details: map[string]any{"by_type": map[string]int{"学校": 40}}}, nil
	}))
	in, _ = s.Indicator(ctx, "I41")
	// Target 300 from a baseline of "-": 120 is not met → at_risk during the programme.
	if in.Latest == nil || *in.Latest.Value != 120 || in.Latest.Source != registry.SourceComputed || in.Status != assess.StatusAtRisk {
		t.Fatalf("I41 with a feed: latest %+v status %v", in.Latest, in.Status)
	}
	s.RegisterFeed("I48", registry.FeedFunc(func(context.Context) (registry.FeedValue, error) {
		return registry.FeedValue{Value: ptr(100), Period: "2025"}, nil
	}))
	if in, _ = s.Indicator(ctx, "I48"); in.Status != assess.StatusAchieved {
		t.Fatalf("I48 at 100%%: %v", in.Status)
	}
	s.RegisterFeed("I51", registry.FeedFunc(func(context.Context) (registry.FeedValue, error) {
		return registry.FeedValue{Details: map[string]any{"survey_responses": 12}}, nil
	}))
	in, _ = s.Indicator(ctx, "I51")
	if in.LiveFigures["survey_responses"] != 12 || in.Status != assess.StatusNoData {
		t.Fatalf("I51 figures: %v %v", in.LiveFigures, in.Status)
	}
	// I51 still takes a person's assessment.
	if _, err := s.RecordMeasurement(ctx, admin, "I51", registry.MeasurementInput{Period: "2025", Assessment: "on_track", Evidence: []string{"https://x.org/r"}}); err != nil {
		t.Fatal(err)
	}
	if in, _ = s.Indicator(ctx, "I51"); in.Status != assess.StatusOnTrack || in.LiveFigures == nil {
		t.Fatalf("I51 after assessment: %v", in.Status)
	}
}

func TestSignedOffValuesAreImmutableAndSuperseded(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if _, err := s.RecordSignedOff(ctx, account.Actor{UserID: "d", Role: account.RoleDepartment}, "I52", registry.SignedOff{Period: "2025", Value: 85}); err == nil {
		t.Fatal("a department signed off")
	}
	if _, err := s.RecordSignedOff(ctx, evaluator, "I02", registry.SignedOff{Period: "2025", Value: 85}); err == nil {
		t.Fatal("signed off an indicator that is not evaluator-fed")
	}
	first, err := s.RecordSignedOff(ctx, evaluator, "I52", registry.SignedOff{Period: "2025", Value: 78.4,
		Provenance: map[string]any{"survey": "sv1", "n": 1200, "sha256": "ab12"}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.Indicator(ctx, "I52")
	if in.Latest.ID != first.ID || in.Latest.Source != registry.SourceEvaluator || in.Latest.Provenance["survey"] != "sv1" {
		t.Fatalf("latest %+v", in.Latest)
	}
	if _, err := s.RecordSignedOff(ctx, evaluator, "I52", registry.SignedOff{Period: "2025", Value: 81.2, Supersedes: first.ID}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("supersede without a reason: %v", err)
	}
	second, err := s.RecordSignedOff(ctx, evaluator, "I52", registry.SignedOff{Period: "2025", Value: 81.2, Supersedes: first.ID, Reason: "剔除重复样本后重算"})
	if err != nil {
		t.Fatal(err)
	}
	in, _ = s.Indicator(ctx, "I52")
	if len(in.Measurements) != 2 || in.Measurements[0].SupersededBy != second.ID || in.Measurements[0].Value == nil || *in.Measurements[0].Value != 78.4 {
		t.Fatalf("history %+v", in.Measurements)
	}
	if in.Latest.ID != second.ID || in.Status != assess.StatusAchieved {
		t.Fatalf("latest %v status %v", in.Latest.ID, in.Status)
	}
	if _, err := s.RecordSignedOff(ctx, evaluator, "I52", registry.SignedOff{Period: "2025", Value: 82, Supersedes: first.ID, Reason: "again"}); err == nil {
		t.Fatal("superseded the same value twice")
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if _, err := s.UpdateTask(ctx, admin, "SH01", registry.TaskUpdateInput{Status: assess.TaskInProgress, Progress: ptr(30)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	inds, _ := s.Indicators(ctx)
	tasks, _ := s.Tasks(ctx)
	task, _ := s.Task(ctx, "SH01")
	if len(inds) != 52 || len(tasks) != 83 || len(task.Updates) != 1 {
		t.Fatalf("after reloads: %d indicators, %d tasks, %d updates", len(inds), len(tasks), len(task.Updates))
	}
}

func TestOverdueIsDerivedFromTheClock(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	s.SetClock(func() time.Time { return time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC) })
	if task, _ := s.Task(ctx, "GY01"); task.Overdue {
		t.Fatal("GY01 (2023年) overdue in June 2023")
	}
	s.SetClock(func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) })
	if task, _ := s.Task(ctx, "GY01"); !task.Overdue {
		t.Fatal("GY01 (2023年) not overdue in 2024")
	}
}

// TestCacheIsCoherentAcrossReplicas: two services on one store and one
// Redis (two replicas); a write on one is seen by the other's next read.
func TestCacheIsCoherentAcrossReplicas(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	ctx := context.Background()
	replica := func() *registry.Service {
		s, err := registry.NewService(db, audit.New(db, quiet), quiet)
		if err != nil {
			t.Fatal(err)
		}
		s.EnableCache(rdb)
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := replica(), replica()
	status := func(s *registry.Service, code string) assess.Status {
		inds, err := s.Indicators(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inds {
			if in.Code == code {
				return in.Status
			}
		}
		t.Fatalf("%s missing", code)
		return ""
	}
	if status(a, "I02") != assess.StatusNoData || status(b, "I02") != assess.StatusNoData {
		t.Fatal("fresh registry has data")
	}
	if _, err := b.RecordMeasurement(ctx, admin, "I02", registry.MeasurementInput{Period: "2025-Q3", Value: ptr(19)}); err != nil {
		t.Fatal(err)
	}
	if st := status(a, "I02"); st != assess.StatusAchieved {
		t.Fatalf("replica a still shows %s after replica b's write", st)
	}
	if _, err := a.UpdateTask(ctx, admin, "GY02", registry.TaskUpdateInput{Status: assess.TaskCompleted, Progress: ptr(100)}); err != nil {
		t.Fatal(err)
	}
	tasks, _ := b.Tasks(ctx)
	for _, tk := range tasks {
		if tk.Code == "GY02" && tk.Status != assess.TaskCompleted {
			t.Fatalf("replica b shows GY02 %s", tk.Status)
		}
	}
}

package ratelimit

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// fakeClock is a settable clock for the limiter's now field.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newLimiter(t *testing.T) (*Limiter, *redisx.Client) {
	t.Helper()
	rdb := testenv.Redis(t)
	return New(rdb), rdb
}

func TestAllowUpToLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	key := rdb.Key("rl", "allow")
	const limit = 5
	window := time.Minute
	for i := 1; i <= limit; i++ {
		r, err := l.Allow(ctx, key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Allowed || r.Count != i || r.RetryAfter != 0 {
			t.Fatalf("event %d: %+v, want allowed with count %d", i, r, i)
		}
	}
	for i := 0; i < 3; i++ {
		r, err := l.Allow(ctx, key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed {
			t.Fatalf("event %d past the limit allowed: %+v", limit+i+1, r)
		}
		if r.Count != limit {
			t.Errorf("refused events were recorded: count %d, want %d", r.Count, limit)
		}
		if r.RetryAfter <= 0 || r.RetryAfter > window {
			t.Errorf("RetryAfter = %v, want in (0, %v]", r.RetryAfter, window)
		}
	}
	// The key must expire by itself, or idle keys would pile up in Redis.
	ttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > window {
		t.Errorf("key TTL = %v, want in (0, %v]", ttl, window)
	}
	// Another key is counted on its own.
	if r, err := l.Allow(ctx, rdb.Key("rl", "other"), limit, window); err != nil || !r.Allowed || r.Count != 1 {
		t.Errorf("other key: %+v, %v; want allowed with count 1", r, err)
	}
}

func TestCheckDoesNotRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	key := rdb.Key("rl", "check")
	for i := 0; i < 5; i++ {
		r, err := l.Check(ctx, key, 1, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Allowed || r.Count != 0 {
			t.Fatalf("check %d: %+v, want allowed with count 0", i, r)
		}
	}
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("Check created the key (exists=%d, err=%v)", n, err)
	}
	if r, err := l.Allow(ctx, key, 1, time.Minute); err != nil || !r.Allowed {
		t.Fatalf("Allow after checks: %+v, %v; want allowed", r, err)
	}
	r, err := l.Check(ctx, key, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if r.Allowed || r.Count != 1 || r.RetryAfter <= 0 || r.RetryAfter > time.Minute {
		t.Errorf("Check at the limit: %+v, want refused with count 1 and RetryAfter in (0, 1m]", r)
	}
}

func TestRecordThenCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	clock := &fakeClock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)}
	l.now = clock.Now
	key := rdb.Key("rl", "record")
	// Several events in the same millisecond must all count.
	for i := 0; i < 3; i++ {
		if err := l.Record(ctx, key, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	r, err := l.Check(ctx, key, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if r.Allowed || r.Count != 3 {
		t.Errorf("Check(limit 3) after 3 records: %+v, want refused with count 3", r)
	}
	if r.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v, want the full window (no time passed)", r.RetryAfter)
	}
	r, err = l.Check(ctx, key, 4, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed || r.Count != 3 {
		t.Errorf("Check(limit 4) after 3 records: %+v, want allowed with count 3", r)
	}
	// Record ignores the limit.
	if err := l.Record(ctx, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	if r, _ := l.Check(ctx, key, 10, time.Minute); r.Count != 4 {
		t.Errorf("count after a 4th record = %d, want 4", r.Count)
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	key := rdb.Key("rl", "reset")
	for i := 0; i < 2; i++ {
		if _, err := l.Allow(ctx, key, 2, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := l.Allow(ctx, key, 2, time.Minute); r.Allowed {
		t.Fatal("third event allowed with limit 2")
	}
	if err := l.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	r, err := l.Allow(ctx, key, 2, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Allowed || r.Count != 1 {
		t.Errorf("after Reset: %+v, want allowed with count 1", r)
	}
	// Resetting a key that does not exist is fine.
	if err := l.Reset(ctx, rdb.Key("rl", "never")); err != nil {
		t.Errorf("Reset of an absent key: %v", err)
	}
}

func TestWindowSlides(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	l.now = clock.Now
	key := rdb.Key("rl", "slide")
	const limit = 3
	window := time.Minute

	steps := []struct {
		at        time.Duration // since t0
		allowed   bool
		count     int
		retryAftr time.Duration
	}{
		{at: 0, allowed: true, count: 1},
		{at: 10 * time.Second, allowed: true, count: 2},
		{at: 20 * time.Second, allowed: true, count: 3},
		// Full: the oldest event (t0) leaves the window at t0+60s.
		{at: 30 * time.Second, allowed: false, count: 3, retryAftr: 30 * time.Second},
		{at: 59*time.Second + 999*time.Millisecond, allowed: false, count: 3, retryAftr: time.Millisecond},
		// At exactly t0+60s the t0 event is out: a fixed-bucket limiter
		// would differ here.
		{at: 60 * time.Second, allowed: true, count: 3},
		// Now t0+10s is the oldest; it leaves at t0+70s.
		{at: 61 * time.Second, allowed: false, count: 3, retryAftr: 9 * time.Second},
		{at: 70 * time.Second, allowed: true, count: 3},
		// Long after everything: empty window again.
		{at: 10 * time.Minute, allowed: true, count: 1},
	}
	for _, s := range steps {
		clock.Set(t0.Add(s.at))
		r, err := l.Allow(ctx, key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed != s.allowed || r.Count != s.count || r.RetryAfter != s.retryAftr {
			t.Errorf("at t0+%v: %+v, want allowed=%v count=%d retry=%v", s.at, r, s.allowed, s.count, s.retryAftr)
		}
	}
}

func TestConcurrentAllowNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, rdb := newLimiter(t)
	key := rdb.Key("rl", "race")
	const (
		limit      = 10
		goroutines = 40
		perG       = 5
	)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errc := make(chan error, goroutines*perG)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perG; i++ {
				r, err := l.Allow(ctx, key, limit, time.Minute)
				if err != nil {
					errc <- err
					return
				}
				if r.Allowed {
					allowed.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if got := allowed.Load(); got != limit {
		t.Errorf("%d of %d concurrent events allowed, want exactly %d", got, goroutines*perG, limit)
	}
	if n, err := rdb.ZCard(ctx, key).Result(); err != nil || n != limit {
		t.Errorf("events stored = %d (err %v), want %d", n, err, limit)
	}
}

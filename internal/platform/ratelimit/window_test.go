package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// newWindow returns a window limiter whose clock starts at a window
// boundary (t0 is a whole minute) and moves only when the test says.
func newWindow(t *testing.T) (*Window, *redisx.Client, *fakeClock, time.Time) {
	t.Helper()
	rdb := testenv.Redis(t)
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	w := NewWindow(rdb)
	w.now = clock.Now
	return w, rdb, clock, t0
}

func TestWindowSlidesOverTheLastWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, rdb, clock, t0 := newWindow(t)
	key := rdb.Key("rlw", "slide")
	const limit = 4
	window := time.Minute
	steps := []struct {
		at      time.Duration // since t0
		allowed bool
		count   int
		retry   time.Duration
	}{
		{at: 0, allowed: true, count: 1},
		{at: 10 * time.Second, allowed: true, count: 2},
		{at: 20 * time.Second, allowed: true, count: 3},
		{at: 30 * time.Second, allowed: true, count: 4},
		// Full; refused events do not count. The next window starts at
		// t0+60s with these 4 as its previous one, fully weighted; one more
		// fits once a quarter of them has slid out, at t0+75s.
		{at: 40 * time.Second, allowed: false, count: 5, retry: 35 * time.Second},
		{at: 59 * time.Second, allowed: false, count: 5, retry: 16 * time.Second},
		{at: 60 * time.Second, allowed: false, count: 5, retry: 15 * time.Second},
		{at: 75 * time.Second, allowed: true, count: 4},
		// Now 4 × (1 - 15/60) + 1 = 4 exactly: the next one waits until
		// another quarter has slid out (1 × 60s × 0.25 = t0+90s).
		{at: 76 * time.Second, allowed: false, count: 5, retry: 14 * time.Second},
		{at: 90 * time.Second, allowed: true, count: 4},
		// Two windows later nothing is left.
		{at: 3 * time.Minute, allowed: true, count: 1},
	}
	for _, s := range steps {
		clock.Set(t0.Add(s.at))
		r, err := w.Allow(ctx, key, limit, window)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed != s.allowed || r.Count != s.count || r.RetryAfter != s.retry {
			t.Errorf("at t0+%v: %+v, want allowed=%v count=%d retry=%v", s.at, r, s.allowed, s.count, s.retry)
		}
	}
}

// TestWindowRetryAfterIsEnough: whenever an event is refused, one sent
// after RetryAfter is admitted (nothing else happening meanwhile), and one
// sent a millisecond before it is not, for many limits and starting points.
func TestWindowRetryAfterIsEnough(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, limit := range []int{1, 2, 3, 7, 10, 300} {
		for _, offset := range []time.Duration{0, 7 * time.Second, 31 * time.Second, 59 * time.Second} {
			w, rdb, clock, t0 := newWindow(t)
			key := rdb.Key("rlw", "retry")
			now := t0.Add(offset)
			clock.Set(now)
			var refused Result
			for i := 0; ; i++ {
				r, err := w.Allow(ctx, key, limit, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Allowed {
					refused = r
					break
				}
				if i > 3*limit {
					t.Fatalf("limit %d: never refused", limit)
				}
			}
			if refused.RetryAfter <= 0 || refused.RetryAfter > 2*time.Minute {
				t.Fatalf("limit %d offset %v: RetryAfter %v out of (0, 2m]", limit, offset, refused.RetryAfter)
			}
			if refused.RetryAfter > time.Millisecond {
				clock.Set(now.Add(refused.RetryAfter - time.Millisecond))
				if r, _ := w.Allow(ctx, key, limit, time.Minute); r.Allowed {
					t.Errorf("limit %d offset %v: admitted 1ms before RetryAfter %v", limit, offset, refused.RetryAfter)
				}
			}
			clock.Set(now.Add(refused.RetryAfter))
			if r, _ := w.Allow(ctx, key, limit, time.Minute); !r.Allowed {
				t.Errorf("limit %d offset %v: refused after RetryAfter %v: %+v", limit, offset, refused.RetryAfter, r)
			}
		}
	}
}

func TestWindowKeysExpireAndKeysAreSeparate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, rdb, _, t0 := newWindow(t)
	key := rdb.Key("rlw", "a")
	if _, err := w.Allow(ctx, key, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	if r, _ := w.Allow(ctx, key, 1, time.Minute); r.Allowed {
		t.Fatal("second event allowed with limit 1")
	}
	if r, err := w.Allow(ctx, rdb.Key("rlw", "b"), 1, time.Minute); err != nil || !r.Allowed {
		t.Errorf("another key: %+v, %v; want allowed", r, err)
	}
	// Idle counters must not pile up: each lives two windows at most, and
	// a refused event (taken back) leaves the count where it was.
	counter := key + ":" + strconv.FormatInt(t0.UnixMilli()/time.Minute.Milliseconds(), 10)
	ttl, err := rdb.PTTL(ctx, counter).Result()
	if err != nil || ttl <= 0 || ttl > 2*time.Minute {
		t.Errorf("counter TTL = %v (%v), want in (0, 2m]", ttl, err)
	}
	if n, err := rdb.Get(ctx, counter).Int(); err != nil || n != 1 {
		t.Errorf("counter = %d (%v), want 1", n, err)
	}
}

func TestWindowConcurrentAllowNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, rdb, _, _ := newWindow(t)
	key := rdb.Key("rlw", "race")
	const (
		limit      = 10
		goroutines = 40
		perG       = 5
	)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errc := make(chan error, goroutines*perG)
	for range goroutines {
		wg.Go(func() {
			<-start
			for range perG {
				r, err := w.Allow(ctx, key, limit, time.Minute)
				if err != nil {
					errc <- err
					return
				}
				if r.Allowed {
					allowed.Add(1)
				}
			}
		})
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
}

// TestWindowSharesAPipeline: several limits queued into one pipeline with
// other commands give each its own verdict; Undo takes an event back.
func TestWindowSharesAPipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, rdb, _, _ := newWindow(t)
	a, b := rdb.Key("rlw", "pa"), rdb.Key("rlw", "pb")
	run := func() (Result, Result, *Event) {
		t.Helper()
		pipe := rdb.Pipeline()
		ea := w.Queue(ctx, pipe, a, 2, time.Minute)
		pipe.Set(ctx, rdb.Key("rlw", "other"), "x", time.Minute)
		eb := w.Queue(ctx, pipe, b, 1, time.Minute)
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		ra, err := ea.Result()
		if err != nil {
			t.Fatal(err)
		}
		rb, err := eb.Result()
		if err != nil {
			t.Fatal(err)
		}
		return ra, rb, ea
	}
	ra, rb, _ := run()
	if !ra.Allowed || !rb.Allowed {
		t.Fatalf("first: %+v %+v, want both allowed", ra, rb)
	}
	ra, rb, ea := run()
	if !ra.Allowed || rb.Allowed {
		t.Fatalf("second: %+v %+v, want a allowed (2) and b refused (1)", ra, rb)
	}
	// Take a's second event back: a third one then fits.
	undo := rdb.Pipeline()
	ea.Undo(ctx, undo)
	if _, err := undo.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := w.Allow(ctx, a, 2, time.Minute); err != nil || !r.Allowed || r.Count != 2 {
		t.Errorf("after Undo: %+v, %v; want allowed with count 2", r, err)
	}
}

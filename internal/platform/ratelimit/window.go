package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Window is a sliding-window limiter without scripts, for hot paths: it
// counts events in fixed windows (one Redis counter each) and estimates the
// sliding window as the current window's count plus the previous window's
// count weighted by how much of the previous window the sliding one still
// covers. Its commands (INCR, PEXPIRE, MGET) can join a caller's pipeline,
// so several limits and other checks share one round trip, and they run on
// any Redis, Cluster included, with no Lua (which the embedded miniredis
// interprets slowly).
//
// The estimate assumes the previous window's events were spread evenly. On
// average it admits the limit per window; in the worst case (the previous
// window's events all at its end) it admits up to twice the limit within
// one window's length. Limiter is exact where that matters (login lockout).
type Window struct {
	rdb redis.UniversalClient
	now func() time.Time
}

// NewWindow returns a window limiter on rdb.
func NewWindow(rdb redis.UniversalClient) *Window {
	return &Window{rdb: rdb, now: time.Now}
}

// Event is one event counted through a pipeline: Queue adds its commands,
// Result reads the verdict once the pipeline has run, Undo takes it back.
type Event struct {
	key     string // the current fixed window's counter
	limit   int
	window  time.Duration
	elapsed time.Duration // time since the current fixed window began
	incr    *redis.IntCmd
	prev    *redis.SliceCmd
}

// Queue adds to pipe the commands that count one event under key (a prefix:
// each fixed window has its own counter key under it, kept for two windows).
// The event is counted whatever the verdict; Undo a refused one.
func (w *Window) Queue(ctx context.Context, pipe redis.Pipeliner, key string, limit int, window time.Duration) *Event {
	now := w.now().UnixMilli()
	ms := window.Milliseconds()
	if ms <= 0 {
		ms = 1
	}
	idx := now / ms
	e := &Event{key: key + ":" + strconv.FormatInt(idx, 10), limit: limit, window: time.Duration(ms) * time.Millisecond,
		elapsed: time.Duration(now-idx*ms) * time.Millisecond}
	e.incr = pipe.Incr(ctx, e.key)
	// The counter must outlive its window: it is the next one's previous.
	pipe.PExpire(ctx, e.key, 2*e.window)
	// MGET, not GET: a missing key is a nil entry rather than redis.Nil,
	// which would otherwise surface as the whole pipeline's error.
	e.prev = pipe.MGet(ctx, key+":"+strconv.FormatInt(idx-1, 10))
	return e
}

// Result is the verdict of a queued event after its pipeline ran.
func (e *Event) Result() (Result, error) {
	cur, err := e.incr.Result()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	vals, err := e.prev.Result()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	var prev int64
	if len(vals) == 1 && vals[0] != nil {
		s, _ := vals[0].(string)
		prev, _ = strconv.ParseInt(s, 10, 64)
	}
	// In whole milliseconds and integers, so the verdict and RetryAfter
	// agree exactly: the estimate times the window is
	// prev × (window − elapsed) + cur × window.
	w, el := e.window.Milliseconds(), e.elapsed.Milliseconds()
	weighted := prev*(w-el) + cur*w
	r := Result{Allowed: weighted <= int64(e.limit)*w, Count: int(ceilDiv(weighted, w))}
	if !r.Allowed {
		r.RetryAfter = time.Duration(e.retryAfterMs(prev, cur-1)) * time.Millisecond
	}
	return r, nil
}

// retryAfterMs is how long until one more event would be admitted, given
// the counts without the refused event, at least 1 ms.
func (e *Event) retryAfterMs(prev, cur int64) int64 {
	w, el := e.window.Milliseconds(), e.elapsed.Milliseconds()
	room := int64(e.limit) - 1 // what the others may weigh for one more to fit
	var wait int64
	switch {
	case cur <= room && prev > 0:
		// Within this window, once enough of the previous one has slid
		// out: prev × (w − t) ≤ (room − cur) × w.
		wait = ceilDiv(w*(prev-room+cur), prev) - el
	case cur <= room:
		wait = 0
	default:
		// In the next window, once enough of this one has slid out.
		wait = w - el + ceilDiv(w*(cur-room), cur)
	}
	return max(wait, 1)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// Undo adds to pipe the commands that take the event back: a refused event
// must not count against later ones.
func (e *Event) Undo(ctx context.Context, pipe redis.Pipeliner) {
	pipe.Decr(ctx, e.key)
	// Should the counter have expired meanwhile, DECR recreated it: give it
	// its lifetime back rather than leave a key that never expires.
	pipe.PExpire(ctx, e.key, 2*e.window)
}

// Allow counts one event under key in one round trip, and takes it back
// (a second round trip) when refused.
func (w *Window) Allow(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	pipe := w.rdb.Pipeline()
	e := w.Queue(ctx, pipe, key, limit, window)
	if _, err := pipe.Exec(ctx); err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	r, err := e.Result()
	if err != nil || r.Allowed {
		return r, err
	}
	undo := w.rdb.Pipeline()
	e.Undo(ctx, undo)
	if _, err := undo.Exec(ctx); err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	return r, nil
}

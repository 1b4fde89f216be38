// Package ratelimit is a sliding-window limiter over Redis sorted sets: each
// event is a member scored by its time, so "at most N in the last W" is exact,
// not an approximation of fixed buckets. One Lua script per call keeps the
// check and the record atomic across replicas (the script touches one key, so
// it is safe on Redis Cluster).
package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts events per key in a sliding window.
type Limiter struct {
	rdb redis.UniversalClient
	now func() time.Time
}

// New returns a limiter on rdb.
func New(rdb redis.UniversalClient) *Limiter {
	return &Limiter{rdb: rdb, now: time.Now}
}

// Result says whether an event is allowed and, when not, when to retry.
type Result struct {
	Allowed bool
	// Count is the number of events in the window, this one included when
	// it was recorded.
	Count int
	// RetryAfter is how long until the oldest event leaves the window.
	RetryAfter time.Duration
}

// KEYS[1] = key; ARGV = now_ms, window_ms, limit, member, record(1|0)
var script = redis.NewScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local retry = window
  if oldest[2] then retry = tonumber(oldest[2]) + window - now end
  return {0, count, retry}
end
if ARGV[5] == '1' then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  count = count + 1
end
return {1, count, 0}
`)

// Allow records one event under key if fewer than limit happened in the
// last window, and reports the outcome.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return l.run(ctx, key, limit, window, true)
}

// Check reports whether an event would be allowed, without recording one.
// Use it with Record for "count only failures" rules such as login lockout.
func (l *Limiter) Check(ctx context.Context, key string, limit int, window time.Duration) (Result, error) {
	return l.run(ctx, key, limit, window, false)
}

// Record adds one event under key regardless of the limit.
func (l *Limiter) Record(ctx context.Context, key string, window time.Duration) error {
	now := l.now().UnixMilli()
	pipe := l.rdb.TxPipeline()
	pipe.ZAdd(ctx, key, redis.Z{Score: float64(now), Member: member(now)})
	pipe.PExpire(ctx, key, window)
	_, err := pipe.Exec(ctx)
	if err != nil {
		return fmt.Errorf("rate limit record: %w", err)
	}
	return nil
}

// Reset forgets the events under key.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.rdb.Del(ctx, key).Err()
}

func (l *Limiter) run(ctx context.Context, key string, limit int, window time.Duration, record bool) (Result, error) {
	now := l.now().UnixMilli()
	rec := "0"
	if record {
		rec = "1"
	}
	vals, err := script.Run(ctx, l.rdb, []string{key}, now, window.Milliseconds(), limit, member(now), rec).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit: %w", err)
	}
	r := Result{Allowed: vals[0] == 1, Count: int(vals[1])}
	if !r.Allowed {
		r.RetryAfter = time.Duration(vals[2]) * time.Millisecond
		if r.RetryAfter <= 0 {
			r.RetryAfter = time.Millisecond
		}
	}
	return r, nil
}

// member makes each event unique even within one millisecond.
func member(now int64) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d-%s", now, hex.EncodeToString(b[:]))
}

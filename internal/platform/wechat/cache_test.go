package wechat

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func newTestCache(t *testing.T) (*redisCache, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return newRedisCache(rdb, "test:", slog.New(slog.DiscardHandler)), mr
}

func TestRedisCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("string round trip under the prefix with TTL", func(t *testing.T) {
		t.Parallel()
		c, mr := newTestCache(t)
		if err := c.Set("tok", "abc", time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := c.Get("tok"); got != "abc" {
			t.Fatalf("Get = %#v, want \"abc\"", got)
		}
		if got, _ := mr.Get("test:tok"); got != "abc" {
			t.Fatalf("raw key test:tok = %q", got)
		}
		if ttl := mr.TTL("test:tok"); ttl != time.Minute {
			t.Fatalf("TTL = %s, want 1m", ttl)
		}
		if !c.IsExist("tok") {
			t.Fatal("IsExist = false")
		}
		mr.FastForward(time.Minute + time.Second)
		if got := c.Get("tok"); got != nil {
			t.Fatalf("Get after expiry = %#v, want nil", got)
		}
		if c.IsExist("tok") {
			t.Fatal("IsExist after expiry = true")
		}
	})

	t.Run("context variants and delete", func(t *testing.T) {
		t.Parallel()
		c, _ := newTestCache(t)
		if err := c.SetContext(ctx, "k", []byte("raw"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := c.GetContext(ctx, "k"); got != "raw" {
			t.Fatalf("GetContext = %#v", got)
		}
		if err := c.DeleteContext(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if c.IsExistContext(ctx, "k") {
			t.Fatal("still there after DeleteContext")
		}
		if err := c.Delete("absent"); err != nil {
			t.Fatalf("Delete of an absent key: %v", err)
		}
	})

	t.Run("non-string values are JSON", func(t *testing.T) {
		t.Parallel()
		c, _ := newTestCache(t)
		if err := c.Set("j", map[string]int{"a": 1}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := c.Get("j"); got != `{"a":1}` {
			t.Fatalf("Get = %#v", got)
		}
	})

	t.Run("non-positive timeout stores nothing", func(t *testing.T) {
		t.Parallel()
		c, _ := newTestCache(t)
		_ = c.Set("k", "old", time.Hour)
		if err := c.Set("k", "new", -time.Second); err != nil {
			t.Fatal(err)
		}
		if got := c.Get("k"); got != nil {
			t.Fatalf("Get = %#v, want nil", got)
		}
	})

	t.Run("deleteIf keeps a replaced value", func(t *testing.T) {
		t.Parallel()
		c, _ := newTestCache(t)
		_ = c.Set("k", "fresh", time.Hour)
		if err := c.deleteIf(ctx, "k", "stale"); err != nil {
			t.Fatal(err)
		}
		if got := c.Get("k"); got != "fresh" {
			t.Fatalf("after deleteIf(stale): %#v", got)
		}
		if err := c.deleteIf(ctx, "k", "fresh"); err != nil {
			t.Fatal(err)
		}
		if got := c.Get("k"); got != nil {
			t.Fatalf("after deleteIf(fresh): %#v", got)
		}
	})

	t.Run("Redis down", func(t *testing.T) {
		t.Parallel()
		c, mr := newTestCache(t)
		mr.Close()
		if got := c.Get("k"); got != nil {
			t.Fatalf("Get = %#v, want nil", got)
		}
		if _, err := c.lookup(ctx, "k"); err == nil {
			t.Fatal("lookup: no error with Redis down")
		}
		if c.IsExist("k") {
			t.Fatal("IsExist = true with Redis down")
		}
	})
}

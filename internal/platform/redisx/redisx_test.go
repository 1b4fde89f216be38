package redisx

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestKey(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		prefix string
		parts  []string
		want   string
	}{
		"two parts":   {prefix: "wufei:", parts: []string{"sess", "abc"}, want: "wufei:sess:abc"},
		"one part":    {prefix: "wufei:", parts: []string{"sess"}, want: "wufei:sess"},
		"no parts":    {prefix: "wufei:", parts: nil, want: "wufei:"},
		"no prefix":   {prefix: "", parts: []string{"rl", "GET /x", "ip:1.2.3.4"}, want: "rl:GET /x:ip:1.2.3.4"},
		"test prefix": {prefix: "wufeitest:T_1a2b:", parts: []string{"usess", "u1"}, want: "wufeitest:T_1a2b:usess:u1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &Client{Prefix: tc.prefix}
			if got := c.Key(tc.parts...); got != tc.want {
				t.Errorf("Key(%q) = %q, want %q", tc.parts, got, tc.want)
			}
		})
	}
}

func TestEmbeddedExpiresInRealTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := OpenEmbedded("exp:")
	t.Cleanup(func() { _ = c.Close() })
	if !c.Embedded {
		t.Error("OpenEmbedded: Embedded = false")
	}
	key := c.Key("k")
	start := time.Now()
	if err := c.Set(ctx, key, "v", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, key).Result(); err != nil || got != "v" {
		t.Fatalf("Get right after Set = %q, %v", got, err)
	}
	deadline := start.Add(5 * time.Second)
	for {
		n, err := c.Exists(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("key with a 300ms TTL still there after %v: the embedded clock does not follow real time", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Nor expire long before its TTL. The embedded clock advances in 100ms
	// steps, so a key may go up to one step early; this only catches keys
	// that vanish at once.
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("key with a 300ms TTL gone after %v", took)
	}
	if _, err := c.Get(ctx, key).Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("Get after expiry: err = %v, want redis.Nil", err)
	}
}

func TestEmbeddedKeepsKeysWithoutTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := OpenEmbedded("")
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Set(ctx, "forever", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "short", "v", 150*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	// Wait for the short key to go (the clock has advanced past it), then
	// the key without a TTL must still be there.
	deadline := time.Now().Add(5 * time.Second)
	for c.Exists(ctx, "short").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("short key never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, err := c.Get(ctx, "forever").Result(); err != nil || got != "v" {
		t.Errorf("key without TTL: %q, %v", got, err)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("empty URL embeds", func(t *testing.T) {
		t.Parallel()
		c, err := Open(ctx, Options{Prefix: "p:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if !c.Embedded || c.Prefix != "p:" {
			t.Errorf("Embedded=%v Prefix=%q, want true and p:", c.Embedded, c.Prefix)
		}
		if err := c.Ping(ctx).Err(); err != nil {
			t.Error(err)
		}
	})

	bad := map[string]string{
		"bad scheme":      "http://127.0.0.1:6379",
		"bad URL":         "redis://127.0.0.1:6379/notadb",
		"nobody there":    "redis://127.0.0.1:1/0",
		"host list, down": "127.0.0.1:1",
	}
	for name, url := range bad {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := Open(ctx, Options{URL: url})
			if err == nil {
				_ = c.Close()
				t.Fatalf("Open(%q) succeeded", url)
			}
		})
	}

	t.Run("REDIS_URL", func(t *testing.T) {
		t.Parallel()
		url := os.Getenv("REDIS_URL")
		if url == "" {
			t.Skip("REDIS_URL not set")
		}
		c, err := Open(ctx, Options{URL: url, Prefix: "wufeitest:redisx:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		if c.Embedded {
			t.Error("client of REDIS_URL reports Embedded")
		}
		key := c.Key("open", time.Now().Format(time.RFC3339Nano))
		if err := c.Set(ctx, key, "v", 5*time.Second).Err(); err != nil {
			t.Fatal(err)
		}
		_ = c.Del(ctx, key)
	})
}

func TestEmbeddedClockStepFollowsCost(t *testing.T) {
	for _, tc := range []struct{ cost, want time.Duration }{
		{0, tickMin},
		{500 * time.Microsecond, tickMin},
		{2 * time.Millisecond, 200 * time.Millisecond},
		{9 * time.Millisecond, 900 * time.Millisecond},
		{50 * time.Millisecond, tickMax},
	} {
		if got := tickFor(tc.cost); got != tc.want {
			t.Errorf("tickFor(%v) = %v, want %v", tc.cost, got, tc.want)
		}
	}
}

func TestEmbeddedOverUnixSocket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := OpenEmbedded("unix:")
	opt := c.UniversalClient.(*redis.Client).Options()
	if opt.Network != "unix" {
		t.Fatalf("embedded client network %q, want unix", opt.Network)
	}
	if err := c.Set(ctx, c.Key("k"), "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, c.Key("k")).Result(); err != nil || got != "v" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(opt.Addr); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket %s after Close: %v, want it removed", opt.Addr, err)
	}
}

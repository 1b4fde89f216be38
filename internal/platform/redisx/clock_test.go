package redisx

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// The embedded clock steps with miniredis's FastForward, which this
// project patches (internal/third_party/miniredis/PATCHES.md) to walk only
// the keys that have a TTL. These tests pin that the patched step expires
// exactly what upstream's did.
func TestFastForwardExpiresOnlyWhatIsDue(t *testing.T) {
	t.Parallel()
	m := miniredis.NewMiniRedis()
	// Direct access only; no server needed.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Set("forever", "v"))
	must(m.Set("short", "v"))
	m.SetTTL("short", 100*time.Millisecond)
	must(m.Set("long", "v"))
	m.SetTTL("long", time.Second)
	m.HSet("fields", "keep", "1", "go", "2")
	m.HExpire("fields", "go", 100*time.Millisecond)
	m.HSet("allfields", "a", "1")
	m.HExpire("allfields", "a", 100*time.Millisecond)
	m.HSet("hashttl", "a", "1")
	m.SetTTL("hashttl", 100*time.Millisecond)
	m.HExpire("hashttl", "a", time.Hour)
	// Many keys with TTLs, so that deleting while walking is exercised.
	for i := range 1000 {
		k := fmt.Sprintf("bulk:%d", i)
		must(m.Set(k, "v"))
		m.SetTTL(k, time.Duration(1+i%2)*100*time.Millisecond)
	}

	m.FastForward(99 * time.Millisecond)
	if !m.Exists("short") || !m.Exists("bulk:0") {
		t.Fatal("keys expired before their TTL")
	}
	if got := m.TTL("long"); got != 901*time.Millisecond {
		t.Errorf("TTL(long) after 99ms = %v, want 901ms", got)
	}

	m.FastForward(time.Millisecond)
	for _, k := range []string{"short", "allfields", "hashttl"} {
		if m.Exists(k) {
			t.Errorf("%s still exists after its TTL", k)
		}
	}
	for _, k := range []string{"forever", "long", "fields"} {
		if !m.Exists(k) {
			t.Errorf("%s expired early", k)
		}
	}
	if got := m.HGet("fields", "go"); got != "" {
		t.Errorf("expired hash field still holds %q", got)
	}
	if got := m.HGet("fields", "keep"); got != "1" {
		t.Errorf("hash field without TTL = %q, want 1", got)
	}
	bulk := 0
	for _, k := range m.Keys() {
		if len(k) > 5 && k[:5] == "bulk:" {
			bulk++
		}
	}
	if bulk != 500 {
		t.Errorf("after 100ms %d bulk keys remain, want the 500 with a 200ms TTL", bulk)
	}

	m.FastForward(time.Second)
	if got := m.Keys(); len(got) != 2 || got[0] != "fields" || got[1] != "forever" {
		t.Errorf("after every TTL passed, keys = %q, want [fields forever]", got)
	}
}

// TestFastForwardFollowsTTLChanges: TTLs that grow, shrink, go and come
// back through Redis commands expire at their latest deadline only, and
// TTL reports the remaining time, as upstream miniredis did.
func TestFastForwardFollowsTTLChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"grows", "shrinks", "persisted", "reborn", "renamed"} {
		must(c.Set(ctx, k, "v", time.Second).Err())
	}
	m.FastForward(500 * time.Millisecond)
	must(c.GetEx(ctx, "grows", 2*time.Second).Err()) // a session slid: due at 2.5 s
	must(c.PExpire(ctx, "shrinks", 100*time.Millisecond).Err())
	must(c.Persist(ctx, "persisted").Err())
	must(c.Del(ctx, "reborn").Err())
	must(c.Set(ctx, "reborn", "v", 3*time.Second).Err()) // due at 3.5 s
	must(c.Rename(ctx, "renamed", "moved").Err())        // keeps its TTL: due at 1 s
	if got := c.TTL(ctx, "grows").Val(); got != 2*time.Second {
		t.Errorf("TTL(grows) = %v, want 2s", got)
	}

	exists := func(k string) bool { return c.Exists(ctx, k).Val() == 1 }
	m.FastForward(100 * time.Millisecond) // 0.6 s
	if exists("shrinks") {
		t.Error("shrunk TTL not honoured")
	}
	m.FastForward(400 * time.Millisecond) // 1.0 s: the original deadline
	if exists("moved") {
		t.Error("renamed key outlived its TTL")
	}
	for _, k := range []string{"grows", "persisted", "reborn"} {
		if !exists(k) {
			t.Errorf("%s expired at its old deadline", k)
		}
	}
	if got := c.PTTL(ctx, "grows").Val(); got != 1500*time.Millisecond {
		t.Errorf("PTTL(grows) at 1 s = %v, want 1.5s", got)
	}
	m.FastForward(1499 * time.Millisecond) // 2.499 s
	if !exists("grows") {
		t.Error("slid key expired early")
	}
	m.FastForward(time.Millisecond) // 2.5 s
	if exists("grows") {
		t.Error("slid key outlived its new deadline")
	}
	m.FastForward(time.Second) // 3.5 s
	if exists("reborn") {
		t.Error("re-created key outlived its TTL")
	}
	if !exists("persisted") || c.TTL(ctx, "persisted").Val() != -1 {
		t.Error("persisted key expired or kept a TTL")
	}
}

// BenchmarkEmbeddedClockStep is the cost of one step of the embedded clock
// (FastForward) with n keys, three in four with a TTL, as sessions, survey
// reservations and rate-limit windows are, none of them due. Every client
// of the embedded Redis waits for it. Upstream miniredis sorted and walked
// every key: 44 ms per step at 80,000 keys on the 2-core machine.
func BenchmarkEmbeddedClockStep(b *testing.B) {
	for _, n := range []int{20_000, 80_000, 320_000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			m := miniredis.NewMiniRedis()
			for i := range n {
				k := benchKey(i)
				if err := m.Set(k, "d"); err != nil {
					b.Fatal(err)
				}
				if i%4 != 0 {
					m.SetTTL(k, time.Hour)
				}
			}
			b.ResetTimer()
			for range b.N {
				m.FastForward(time.Millisecond)
			}
		})
	}
}

// BenchmarkEmbeddedExpiry is what expiring costs per key: 80,000 keys
// with TTLs spread over one second, expired by 1,000 steps of 1 ms.
func BenchmarkEmbeddedExpiry(b *testing.B) {
	const n = 80_000
	for range b.N {
		b.StopTimer()
		m := miniredis.NewMiniRedis()
		for i := range n {
			k := benchKey(i)
			if err := m.Set(k, "d"); err != nil {
				b.Fatal(err)
			}
			m.SetTTL(k, time.Duration(1+i%1000)*time.Millisecond)
		}
		b.StartTimer()
		for range 1000 {
			m.FastForward(time.Millisecond)
		}
		b.StopTimer()
		if left := len(m.Keys()); left != 0 {
			b.Fatalf("%d keys left after every TTL passed", left)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}

func benchKey(i int) string {
	return fmt.Sprintf("wufei:survey:resp:sv_0123456789abcdef:%064x", i*7919)
}

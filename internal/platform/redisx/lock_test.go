package redisx_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

func TestTryLockIsExclusive(t *testing.T) {
	c := redisx.OpenEmbedded("t:")
	defer c.Close()
	ctx := context.Background()
	var holders, maxHolders atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, ok, err := c.TryLock(ctx, "job", time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if !ok {
				return
			}
			n := holders.Add(1)
			for {
				m := maxHolders.Load()
				if n <= m || maxHolders.CompareAndSwap(m, n) {
					break
				}
			}
			holders.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if maxHolders.Load() != 1 {
		t.Fatalf("%d holders at once", maxHolders.Load())
	}
	// A released lock can be taken again; a stale unlock does not free
	// someone else's lock.
	unlock1, ok, _ := c.TryLock(ctx, "job2", time.Minute)
	if !ok {
		t.Fatal("lock not free")
	}
	if _, ok, _ := c.TryLock(ctx, "job2", time.Minute); ok {
		t.Fatal("lock taken twice")
	}
	unlock1()
	unlock2, ok, _ := c.TryLock(ctx, "job2", time.Minute)
	if !ok {
		t.Fatal("released lock not free")
	}
	unlock1() // stale: must not release unlock2's hold
	if _, ok, _ := c.TryLock(ctx, "job2", time.Minute); ok {
		t.Fatal("a stale unlock released another holder's lock")
	}
	unlock2()
}

package complaint_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// TestAPIKeyRevocationAcrossReplicas: keys are not cached, so a key revoked
// through one replica is refused by another at once.
func TestAPIKeyRevocationAcrossReplicas(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other, err := complaint.NewService(complaint.Options{DB: f.db, Redis: f.rdb, Audit: audit.New(f.db, quiet), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	k, err := f.svc.IssueAPIKey(ctx, admin, "12345 市民热线")
	if err != nil {
		t.Fatal(err)
	}
	if name, err := other.CheckAPIKey(ctx, k.Secret); err != nil || name != "12345 市民热线" {
		t.Fatalf("check on the other replica: %q %v", name, err)
	}
	if _, err := f.svc.RevokeAPIKey(ctx, admin, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := other.CheckAPIKey(ctx, k.Secret); !errors.Is(err, complaint.ErrInvalidAPIKey) {
		t.Fatalf("revoked key accepted by the other replica: %v", err)
	}
	if _, err := other.RevokeAPIKey(ctx, eco, k.ID); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("department revoked a key: %v", err)
	}
	if _, err := other.ListAPIKeys(ctx, citizen); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("citizen listed keys: %v", err)
	}
}

// TestAPIKeyRevocationSurvivesConcurrentUse: recording a key's use while it
// is revoked must not write the revocation away (the embedded store writes
// whole documents back on update). Every check here is a minute after the
// last, so every one writes.
func TestAPIKeyRevocationSurvivesConcurrentUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var tick atomic.Int64
	base := time.Now()
	f.svc.SetClock(func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Minute) })
	for round := 0; round < 5; round++ {
		k, err := f.svc.IssueAPIKey(ctx, admin, "网格化平台")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 5; j++ {
					_, _ = f.svc.CheckAPIKey(ctx, k.Secret)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.RevokeAPIKey(ctx, admin, k.ID); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if _, err := f.svc.CheckAPIKey(ctx, k.Secret); !errors.Is(err, complaint.ErrInvalidAPIKey) {
			t.Fatalf("round %d: revocation lost: %v", round, err)
		}
	}
}

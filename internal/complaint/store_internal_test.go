package complaint

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// TestReplaceChecksVersion: both write paths refuse a stale version and
// leave the stored complaint as it was.
func TestReplaceChecksVersion(t *testing.T) {
	for name, single := range map[string]bool{"shared": false, "single": true} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := newStore(testenv.DB(t), slog.New(slog.DiscardHandler), single)
			now := time.Now().UTC().Truncate(time.Millisecond)
			c := Complaint{ID: "WF2026112900001", Category: "other", Status: StatusSubmitted, SubmittedAt: now, UpdatedAt: now}
			if _, err := st.complaints.InsertOne(ctx, c); err != nil {
				t.Fatal(err)
			}
			fresh := c
			fresh.Status = StatusAccepted
			saved, err := st.replace(ctx, fresh)
			if err != nil || saved.Version != 1 {
				t.Fatalf("replace at the current version: %+v, %v", saved.Version, err)
			}
			stale := c // still version 0
			stale.Status = StatusRejected
			if _, err := st.replace(ctx, stale); !errors.Is(err, errVersion) {
				t.Errorf("replace at a stale version: %v, want errVersion", err)
			}
			gone := c
			gone.ID = "WF2026112900002"
			if _, err := st.replace(ctx, gone); !errors.Is(err, errVersion) {
				t.Errorf("replace of a missing complaint: %v, want errVersion", err)
			}
			got, err := st.get(ctx, c.ID)
			if err != nil || got.Status != StatusAccepted || got.Version != 1 {
				t.Errorf("stored after the refused write: %s v%d, %v", got.Status, got.Version, err)
			}
		})
	}
}

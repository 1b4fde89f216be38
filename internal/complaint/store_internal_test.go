package complaint

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

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

// TestFailedRowWriteIsReported: a complaint written whose index row was
// not stored is reported (the embedded default then checks at its next
// start), and the index is still told, so lists show it.
func TestFailedRowWriteIsReported(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	st := newStore(db, slog.New(slog.DiscardHandler), true)
	// A collection of a client that is gone: every write to it fails.
	gone, err := mongo.Connect(ctx, options.Client().ApplyURI("mongodb://127.0.0.1:1/"))
	if err != nil {
		t.Fatal(err)
	}
	_ = gone.Disconnect(ctx)
	st.index = gone.Database(db.Name()).Collection(indexCollection)
	failed, told := 0, 0
	st.rowFailed = func() { failed++ }
	st.changed = func(context.Context, Complaint) { told++ }
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.insert(ctx, Complaint{ID: "WF2026112900001", Category: "other", Status: StatusSubmitted, SubmittedAt: now, UpdatedAt: now}); err != nil {
		t.Fatalf("insert: %v (the complaint itself is stored)", err)
	}
	if failed != 1 || told != 1 {
		t.Errorf("row write failed: reported %d times, index told %d times; want 1 and 1", failed, told)
	}
}

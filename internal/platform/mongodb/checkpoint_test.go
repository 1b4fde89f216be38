package mongodb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// TestEmbeddedCheckpointsInBackground: the embedded store's writers leave
// the write-ahead log to the background checkpoint (SQLite's default would
// have a commit checkpoint before it returns every 1,000 pages), and
// that checkpoint takes the whole log while the data stays whole.
func TestEmbeddedCheckpointsInBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The background run never comes during the test; it calls it itself.
	s, err := mongodb.Open(ctx, mongodb.Options{DataDir: t.TempDir(), Database: "ckpt", Logger: quiet,
		ConnectTimeout: 30 * time.Second, CheckpointEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	c := s.DB.Collection("docs")
	pad := strings.Repeat("无废城市", 400) // 4.8 KB: more than a page each
	const n = 1500
	for i := 0; i < n; i += 100 {
		batch := make([]any, 0, 100)
		for j := i; j < i+100; j++ {
			batch = append(batch, bson.D{{Key: "_id", Value: j}, {Key: "pad", Value: pad}})
		}
		if _, err := c.InsertMany(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}

	res, err := s.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var file mongodb.CheckpointResult
	for _, r := range res {
		if strings.HasSuffix(r.File, "ckpt.sqlite") {
			file = r
		}
	}
	if file.File == "" {
		t.Fatalf("Checkpoint did not cover ckpt.sqlite: %+v", res)
	}
	// About 1,800 pages were written. SQLite's default would have the
	// writers checkpoint past 1,000 and start the log over, leaving at
	// most 1,000 plus one batch (some 120 pages): a log this long means
	// they did not.
	if file.LogFrames < 1500 {
		t.Errorf("log holds %d frames after %d multi-page inserts; the writers checkpointed it themselves", file.LogFrames, n)
	}
	if file.Busy || file.Checkpointed != file.LogFrames {
		t.Errorf("background checkpoint: %+v, want every frame checkpointed", file)
	}

	// The next write starts the log over, and nothing was lost.
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: n}, {Key: "pad", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	res, err = s.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.File == file.File && (r.LogFrames >= file.LogFrames || r.Checkpointed != r.LogFrames) {
			t.Errorf("after a checkpointed log, one more insert left %+v; want a short log, all checkpointed", r)
		}
	}
	if got, err := c.CountDocuments(ctx, bson.D{}); err != nil || got != n+1 {
		t.Errorf("documents = %d, %v; want %d", got, err, n+1)
	}
}

// The postgresql handler and MongoDB have no checkpoint to run.
func TestCheckpointWithoutSQLite(t *testing.T) {
	t.Parallel()
	var e *mongodb.Embedded
	if res, err := e.Checkpoint(context.Background()); res != nil || err != nil {
		t.Errorf("nil Embedded Checkpoint = %v, %v", res, err)
	}
	var s mongodb.Store
	if res, err := s.Checkpoint(context.Background()); res != nil || err != nil {
		t.Errorf("MongoDB store Checkpoint = %v, %v", res, err)
	}
}

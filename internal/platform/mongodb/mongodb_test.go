package mongodb_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestLockDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	unlock, err := mongodb.LockDir(dir)
	if err != nil {
		t.Fatalf("first LockDir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "wufei.lock")); err != nil {
		t.Errorf("lock file: %v", err)
	}

	// flock conflicts between two open file descriptions even within one
	// process, so this stands in for a second wufei.
	_, err = mongodb.LockDir(dir)
	if !errors.Is(err, mongodb.ErrLocked) {
		t.Fatalf("second LockDir: %v, want ErrLocked", err)
	}
	abs, _ := filepath.Abs(dir)
	if msg := err.Error(); !strings.Contains(msg, abs) || !strings.Contains(msg, "locked by another process") {
		t.Errorf("error %q should name %s and say it is locked by another process", msg, abs)
	}

	unlock()
	unlock2, err := mongodb.LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after unlock: %v", err)
	}
	unlock2()

	// Another directory is independent.
	other, err := mongodb.LockDir(t.TempDir())
	if err != nil {
		t.Fatalf("LockDir of another directory: %v", err)
	}
	other()
}

// recorder builds steps that note when they run.
type recorder struct {
	mu  sync.Mutex
	ran []int
}

func (r *recorder) step(id int, name string) mongodb.Step {
	return mongodb.Step{ID: id, Name: name, Up: func(ctx context.Context, db *mongo.Database) error {
		r.mu.Lock()
		r.ran = append(r.ran, id)
		r.mu.Unlock()
		// Do some real work so steps are more than bookkeeping.
		_, err := db.Collection("step_effects").InsertOne(ctx, bson.D{{Key: "step", Value: id}})
		return err
	}}
}

func (r *recorder) take() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.ran
	r.ran = nil
	return out
}

type appliedStep struct {
	ID        int       `bson:"_id"`
	Name      string    `bson:"name"`
	AppliedAt time.Time `bson:"applied_at"`
}

func applied(t *testing.T, db *mongo.Database) []appliedStep {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection("schema_steps").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []appliedStep
	if err := cur.All(ctx, &out); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b appliedStep) int { return a.ID - b.ID })
	return out
}

func ids(steps []appliedStep) []int {
	var out []int
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("applies in order once", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		var r recorder
		steps := []mongodb.Step{r.step(1, "one"), r.step(2, "two"), r.step(3, "three")}
		n, err := mongodb.Migrate(ctx, db, steps, quiet)
		if err != nil || n != 3 {
			t.Fatalf("first Migrate = %d, %v; want 3, nil", n, err)
		}
		if got := r.take(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("ran %v, want [1 2 3]", got)
		}
		rec := applied(t, db)
		if !slices.Equal(ids(rec), []int{1, 2, 3}) {
			t.Fatalf("recorded %v, want [1 2 3]", ids(rec))
		}
		for i, s := range rec {
			if s.Name != steps[i].Name || s.AppliedAt.IsZero() {
				t.Errorf("record %d = %+v", i, s)
			}
		}

		n, err = mongodb.Migrate(ctx, db, steps, quiet)
		if err != nil || n != 0 {
			t.Errorf("second Migrate = %d, %v; want 0, nil", n, err)
		}
		if got := r.take(); len(got) != 0 {
			t.Errorf("second Migrate ran %v", got)
		}

		// Appending a step runs only the new one.
		steps = append(steps, r.step(4, "four"))
		n, err = mongodb.Migrate(ctx, db, steps, quiet)
		if err != nil || n != 1 {
			t.Errorf("Migrate with a new step = %d, %v; want 1, nil", n, err)
		}
		if got := r.take(); !slices.Equal(got, []int{4}) {
			t.Errorf("ran %v, want [4]", got)
		}
		if got := ids(applied(t, db)); !slices.Equal(got, []int{1, 2, 3, 4}) {
			t.Errorf("recorded %v, want [1 2 3 4]", got)
		}
		effects, err := db.Collection("step_effects").CountDocuments(ctx, bson.D{})
		if err != nil || effects != 4 {
			t.Errorf("steps ran %d times in total (err %v), want 4", effects, err)
		}
	})

	t.Run("gap refused", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		var r recorder
		for _, steps := range [][]mongodb.Step{
			{r.step(1, "one"), r.step(3, "three")},
			{r.step(2, "two")},
			{r.step(1, "one"), r.step(1, "one again")},
		} {
			n, err := mongodb.Migrate(ctx, db, steps, quiet)
			if err == nil {
				t.Errorf("Migrate of ids %v succeeded", stepIDs(steps))
			}
			if n != 0 {
				t.Errorf("Migrate of ids %v ran %d", stepIDs(steps), n)
			}
		}
		if got := r.take(); len(got) != 0 {
			t.Errorf("a refused list ran steps %v", got)
		}
		if got := applied(t, db); len(got) != 0 {
			t.Errorf("a refused list recorded %v", ids(got))
		}
	})

	t.Run("unknown newer step refused", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		var r recorder
		newer := []mongodb.Step{r.step(1, "one"), r.step(2, "two"), r.step(3, "three")}
		if _, err := mongodb.Migrate(ctx, db, newer, quiet); err != nil {
			t.Fatal(err)
		}
		r.take()
		older := newer[:2]
		n, err := mongodb.Migrate(ctx, db, older, quiet)
		if err == nil {
			t.Fatal("an older binary migrated a newer database")
		}
		if n != 0 || !strings.Contains(err.Error(), "step 3") {
			t.Errorf("Migrate = %d, %v; want 0 and an error naming step 3", n, err)
		}
		if got := r.take(); len(got) != 0 {
			t.Errorf("ran %v", got)
		}
	})

	t.Run("failed step stops and is retried", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		var r recorder
		fail := true
		boom := errors.New("boom")
		flaky := mongodb.Step{ID: 2, Name: "flaky", Up: func(ctx context.Context, db *mongo.Database) error {
			if fail {
				return boom
			}
			return r.step(2, "flaky").Up(ctx, db)
		}}
		steps := []mongodb.Step{r.step(1, "one"), flaky, r.step(3, "three")}
		n, err := mongodb.Migrate(ctx, db, steps, quiet)
		if !errors.Is(err, boom) {
			t.Fatalf("Migrate error = %v, want the step's error", err)
		}
		if !strings.Contains(err.Error(), "flaky") || n != 1 {
			t.Errorf("Migrate = %d, %v; want 1 and an error naming the step", n, err)
		}
		if got := r.take(); !slices.Equal(got, []int{1}) {
			t.Errorf("ran %v, want [1]: nothing after a failed step", got)
		}
		if got := ids(applied(t, db)); !slices.Equal(got, []int{1}) {
			t.Errorf("recorded %v, want [1]: a failed step is not recorded", got)
		}

		fail = false
		n, err = mongodb.Migrate(ctx, db, steps, quiet)
		if err != nil || n != 2 {
			t.Fatalf("retry = %d, %v; want 2, nil", n, err)
		}
		if got := r.take(); !slices.Equal(got, []int{2, 3}) {
			t.Errorf("retry ran %v, want [2 3]", got)
		}
		if got := ids(applied(t, db)); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("recorded %v, want [1 2 3]", got)
		}
	})
}

func stepIDs(steps []mongodb.Step) []int {
	var out []int
	for _, s := range steps {
		out = append(out, s.ID)
	}
	return out
}

func TestEnsureIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	idx := []mongodb.Index{
		{Collection: "things", Name: "code_unique", Keys: bson.D{{Key: "code", Value: 1}}, Unique: true},
		{Collection: "things", Name: "kind", Keys: bson.D{{Key: "kind", Value: 1}}},
	}
	if err := mongodb.EnsureIndexes(ctx, db, idx...); err != nil {
		t.Fatal(err)
	}
	// Again: a step may run twice after a crash.
	if err := mongodb.EnsureIndexes(ctx, db, idx...); err != nil {
		t.Fatalf("second EnsureIndexes: %v", err)
	}

	coll := db.Collection("things")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "code", Value: "a"}, {Key: "kind", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	_, err := coll.InsertOne(ctx, bson.D{{Key: "code", Value: "a"}, {Key: "kind", Value: "y"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Errorf("second insert with the same unique key: %v, want a duplicate key error", err)
	}
	// The non-unique index allows duplicates.
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "code", Value: "b"}, {Key: "kind", Value: "x"}}); err != nil {
		t.Errorf("duplicate of a non-unique key: %v", err)
	}
	if n, err := coll.CountDocuments(ctx, bson.D{}); err != nil || n != 2 {
		t.Errorf("count = %d, %v; want 2", n, err)
	}

	cur, err := coll.Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, s := range specs {
		if n, ok := s["name"].(string); ok {
			names[n] = true
		}
	}
	if !names["code_unique"] || !names["kind"] {
		t.Errorf("indexes %v, want code_unique and kind", specs)
	}
}

func TestOpenEmbedded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	opts := mongodb.Options{DataDir: dir, Database: "x", Logger: quiet, ConnectTimeout: 30 * time.Second}
	s, err := mongodb.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			s.Close(context.Background())
		}
	})
	if s.Backend != mongodb.BackendEmbeddedSQLite {
		t.Errorf("Backend = %q, want %q", s.Backend, mongodb.BackendEmbeddedSQLite)
	}
	if s.DB.Name() != "x" {
		t.Errorf("database %q, want x", s.DB.Name())
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: 1}, {Key: "v", Value: "kept"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "db")); err != nil {
		t.Errorf("store files not under the data directory: %v", err)
	}

	_, err = mongodb.Open(ctx, opts)
	if !errors.Is(err, mongodb.ErrLocked) {
		t.Fatalf("second Open on the same directory: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the directory %s", err, dir)
	}

	// Close releases the lock, and the data survive a restart.
	s.Close(ctx)
	closed = true
	s2, err := mongodb.Open(ctx, opts)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	defer s2.Close(context.Background())
	var doc struct {
		V string `bson:"v"`
	}
	if err := s2.DB.Collection("c").FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&doc); err != nil || doc.V != "kept" {
		t.Errorf("document after reopen: %+v, %v", doc, err)
	}
}

func TestOpenBadURI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	// Nothing listens on port 1; a URI must not fall back to the embedded
	// store, nor take the data directory's lock.
	_, err := mongodb.Open(ctx, mongodb.Options{URI: "mongodb://127.0.0.1:1/", Database: "x", DataDir: dir,
		ConnectTimeout: 500 * time.Millisecond, Logger: quiet})
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	unlock, err := mongodb.LockDir(dir)
	if err != nil {
		t.Fatalf("Open with a URI left the data directory locked: %v", err)
	}
	unlock()
}

func TestDropIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	if err := mongodb.DropIndexes(ctx, db, "nothing_here", "kind"); err != nil {
		t.Errorf("drop on a missing collection: %v", err)
	}
	idx := []mongodb.Index{
		{Collection: "things", Name: "kind", Keys: bson.D{{Key: "kind", Value: 1}}},
		{Collection: "things", Name: "code", Keys: bson.D{{Key: "code", Value: 1}}},
	}
	if err := mongodb.EnsureIndexes(ctx, db, idx...); err != nil {
		t.Fatal(err)
	}
	if err := mongodb.DropIndexes(ctx, db, "things", "kind", "never_made"); err != nil {
		t.Fatalf("DropIndexes: %v", err)
	}
	cur, err := db.Collection("things").Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s["name"].(string))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"_id_", "code"}) {
		t.Errorf("indexes after the drop: %q, want _id_ and code", names)
	}
}

// TestCleanStart: the embedded store tells whether its previous process
// closed it cleanly.
func TestCleanStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *mongodb.Store {
		t.Helper()
		s, err := mongodb.Open(ctx, mongodb.Options{DataDir: dir, Database: "clean", Logger: quiet, ConnectTimeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	if s.CleanStart {
		t.Error("a new data directory starts clean")
	}
	s.Close(ctx) // without looking for half-done work (wufei migrate)
	s = open()
	if s.CleanStart {
		t.Error("a start after one that did not look for half-done work is clean")
	}
	s.MarkRepaired()
	s.Close(ctx)
	s = open()
	if !s.CleanStart {
		t.Error("after a repair and a clean Close the next start is not clean")
	}
	s.Close(ctx)
	s = open()
	if !s.CleanStart {
		t.Error("a clean start closed cleanly does not make the next one clean")
	}
	s.MarkDirty()
	s.Close(ctx)
	s = open()
	if s.CleanStart {
		t.Error("after MarkDirty the next start is clean")
	}
	s.MarkRepaired()
	s.Close(ctx)
	// A crash: the process dies without Close, leaving no marker (the
	// previous Open took it away).
	if err := os.Remove(filepath.Join(dir, "closed-cleanly")); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close(ctx)
	if s.CleanStart {
		t.Error("a start after a crash is clean")
	}
}

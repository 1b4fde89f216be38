package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// makeWAL creates a WAL-mode SQLite file at path with rows rows in it,
// left in the log (no checkpoint) while the returned connection is open
// (closing the last one checkpoints).
func makeWAL(t *testing.T, path string, rows int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(wal)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for range rows {
		if _, err := db.Exec(`INSERT INTO t VALUES (?)`, string(make([]byte, 3000))); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestCheckpointerFollowsFiles: databases come and go under the
// checkpointer (tests drop theirs); it never creates a file, forgets the
// dropped ones and opens one created again under the same name anew.
func TestCheckpointerFollowsFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.sqlite"), filepath.Join(dir, "b.sqlite")
	wa := makeWAL(t, a, 10)
	wb := makeWAL(t, b, 10)
	c := newCheckpointer(dir)
	defer c.close()

	res, err := c.run(ctx)
	if err != nil || len(res) != 2 {
		t.Fatalf("run = %+v, %v; want both files", res, err)
	}

	// b is dropped: it is forgotten and not created again.
	_ = wb.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(b + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	res, err = c.run(ctx)
	if err != nil || len(res) != 1 || res[0].File != a {
		t.Errorf("after dropping b: run = %+v, %v; want a only", res, err)
	}
	if _, ok := c.dbs[b]; ok {
		t.Error("dropped file still has a connection")
	}
	if _, err := os.Stat(b); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dropped file exists again: %v", err)
	}

	// a is dropped and created again with more rows: the new file's log
	// is the one checkpointed.
	_ = wa.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(a + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	makeWAL(t, a, 200)
	res, err = c.run(ctx)
	if err != nil || len(res) != 1 {
		t.Fatalf("after re-creating a: run = %+v, %v", res, err)
	}
	if res[0].LogFrames < 100 || res[0].Checkpointed != res[0].LogFrames {
		t.Errorf("re-created file: %+v; want its ~200-page log, all checkpointed", res[0])
	}

	// A connection opened just as its file goes does not create it.
	_ = makeWAL(t, b, 1).Close()
	db, err := sql.Open("sqlite", ckptDSN(b))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(b + suffix)
	}
	if err := db.Ping(); err == nil {
		t.Error("the checkpointer's connection opened a file that is gone")
	}
	if _, err := os.Stat(b); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the checkpointer's connection created the file: %v", err)
	}
}

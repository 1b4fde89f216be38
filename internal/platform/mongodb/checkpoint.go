package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The embedded store's SQLite files run in WAL mode: a commit appends to
// the write-ahead log and fsyncs it, and a checkpoint later copies the
// logged pages into the database file and fsyncs that. SQLite's default
// has the commit that takes the log past 1,000 pages run the checkpoint
// itself before it returns: under a steady stream of survey submissions
// that was a 60-120 ms insert every second or two, and the requests of its
// batch waited for it. The embedded store instead checkpoints from a
// connection of its own, in the background, so no request waits for it (a
// PASSIVE checkpoint takes no write lock: writers keep appending).
// Writers still checkpoint past walBackstopPages, should the background
// fall behind (a reader that pins old log pages stops a PASSIVE
// checkpoint as it would theirs). Durability is unchanged: every commit
// still fsyncs the log before it returns.
const (
	// DefaultCheckpointEvery is how often the background checkpoint runs.
	DefaultCheckpointEvery = 250 * time.Millisecond
	// walBackstopPages is wal_autocheckpoint for FerretDB's connections:
	// 16,384 pages of 4 KiB, 64 MiB of log.
	walBackstopPages = 16384
)

// checkpointer runs PASSIVE checkpoints on every SQLite file of a
// directory, one connection per file, kept open between runs. Databases
// come and go (tests drop theirs): a file gone is closed and forgotten, a
// file created again under the same name is opened anew.
type checkpointer struct {
	dir string
	mu  sync.Mutex
	dbs map[string]ckptFile
}

type ckptFile struct {
	db   *sql.DB
	info os.FileInfo // to tell a file dropped and created again
}

func newCheckpointer(dir string) *checkpointer {
	return &checkpointer{dir: dir, dbs: map[string]ckptFile{}}
}

// CheckpointResult is one file's PASSIVE checkpoint: the frames in its
// log and how many of them are now in the database file. Busy means the
// checkpoint could not run at all (another one was running).
type CheckpointResult struct {
	File         string
	Busy         bool
	LogFrames    int
	Checkpointed int
}

// run checkpoints every SQLite file of the directory once. A file that
// fails does not stop the others; the errors are joined.
func (c *checkpointer) run(ctx context.Context) ([]CheckpointResult, error) {
	files, err := filepath.Glob(filepath.Join(c.dir, "*.sqlite"))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]CheckpointResult, 0, len(files))
	present := make(map[string]bool, len(files))
	var failed []error
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			continue // dropped meanwhile
		}
		present[f] = true
		cf, ok := c.dbs[f]
		if ok && !os.SameFile(cf.info, info) {
			_ = cf.db.Close()
			ok = false
		}
		if !ok {
			db, err := sql.Open("sqlite", ckptDSN(f))
			if err != nil {
				failed = append(failed, fmt.Errorf("%s: %w", f, err))
				continue
			}
			db.SetMaxOpenConns(1)
			cf = ckptFile{db: db, info: info}
			c.dbs[f] = cf
		}
		r := CheckpointResult{File: f}
		var busy int
		if err := cf.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &r.LogFrames, &r.Checkpointed); err != nil {
			if _, serr := os.Stat(f); errors.Is(serr, fs.ErrNotExist) {
				continue // dropped meanwhile; forgotten next run
			}
			failed = append(failed, fmt.Errorf("%s: checkpoint: %w", f, err))
			continue
		}
		r.Busy = busy != 0
		out = append(out, r)
	}
	for f, cf := range c.dbs {
		if !present[f] {
			_ = cf.db.Close()
			delete(c.dbs, f)
		}
	}
	return out, errors.Join(failed...)
}

// ckptDSN opens path with mode=rw: never create the file, should it be
// dropped before the first query (FerretDB would list it as a database).
func ckptDSN(path string) string {
	return "file:" + path + "?mode=rw&_pragma=busy_timeout(10000)"
}

func (c *checkpointer) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for f, cf := range c.dbs {
		_ = cf.db.Close()
		delete(c.dbs, f)
	}
}

// keep runs a checkpoint every interval until stop is closed.
func (c *checkpointer) keep(interval time.Duration, log *slog.Logger, stop <-chan struct{}, done chan<- struct{}) {
	every(interval, stop, done, func(ctx context.Context) {
		res, err := c.run(ctx)
		if err != nil {
			log.Warn("embedded store: checkpoint", "err", err)
			return
		}
		for _, r := range res {
			// Frames left behind mean a reader pinned them; the next run
			// (or the writers' backstop) takes them.
			if r.LogFrames-r.Checkpointed > walBackstopPages/2 {
				log.Warn("embedded store: write-ahead log not checkpointed", "file", r.File,
					"frames", r.LogFrames, "checkpointed", r.Checkpointed)
			}
		}
	})
}

// Checkpoint runs the embedded store's background checkpoint now and
// reports it; on MongoDB it does nothing.
func (s *Store) Checkpoint(ctx context.Context) ([]CheckpointResult, error) {
	return s.emb.Checkpoint(ctx)
}

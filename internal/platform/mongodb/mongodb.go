// Package mongodb opens the document store: a MongoDB server named by URI,
// or, with no URI, FerretDB v1 running in this process on SQLite files under
// the data directory. Both are reached through the same mongo-driver client,
// so every other package has one code path.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
)

// Backend names what serves the store, for logs and /readyz.
type Backend string

// The backends.
const (
	BackendMongoDB          Backend = "mongodb"
	BackendEmbeddedSQLite   Backend = "embedded-ferretdb-sqlite"
	BackendEmbeddedPostgres Backend = "embedded-ferretdb-postgresql"
)

// Options say which store to open.
type Options struct {
	// URI of a MongoDB server; empty runs the embedded FerretDB.
	URI string
	// Database name.
	Database string
	// DataDir holds the embedded store's files and its lock file.
	DataDir string
	// ConnectTimeout bounds connecting and the first ping.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
	// CheckpointEvery: see EmbeddedOptions (embedded store only).
	CheckpointEvery time.Duration
}

// Store is an open store. Close releases the client, stops the embedded
// server and drops the lock, in that order.
type Store struct {
	Client  *mongo.Client
	DB      *mongo.Database
	Backend Backend
	// CleanStart: the embedded store's previous process closed it with
	// nothing left half done (a complaint written without its index row):
	// it called Close, and MarkDirty was not called, and it started clean
	// itself or called MarkRepaired. False after a crash, on a new data
	// directory, and on MongoDB. Half-done work need not be looked for
	// after a clean start.
	CleanStart bool
	marker     string // the clean-close marker file; "" until Open succeeded (embedded only)
	dirty      atomic.Bool
	repaired   atomic.Bool

	stopEmbedded func()
	emb          *Embedded
	unlock       func()
	sqliteDir    string // embedded SQLite files
	log          *slog.Logger
	stopIndexing func()
}

// ErrLocked is returned when another process holds the data directory.
var ErrLocked = errors.New("locked by another process")

// Open connects to the store described by opts.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 20 * time.Second
	}
	s := &Store{Backend: BackendMongoDB, log: opts.Logger}
	uri := opts.URI
	if uri == "" {
		unlock, err := LockDir(opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.unlock = unlock
		// Taken away now, written back by a clean Close.
		s.CleanStart = os.Remove(filepath.Join(opts.DataDir, cleanMarker)) == nil
		dbDir := filepath.Join(opts.DataDir, "db")
		if err := os.MkdirAll(dbDir, 0o750); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("create store directory: %w", err)
		}
		emb, err := StartEmbedded(ctx, EmbeddedOptions{
			Handler:         "sqlite",
			SQLiteDir:       dbDir,
			Listen:          "127.0.0.1:0",
			Logger:          opts.Logger,
			CheckpointEvery: opts.CheckpointEvery,
		})
		if err != nil {
			s.Close(context.Background())
			return nil, err
		}
		s.stopEmbedded = emb.Stop
		s.emb = emb
		s.Backend = BackendEmbeddedSQLite
		s.sqliteDir = dbDir
		uri = emb.URI
	}
	client, err := Connect(ctx, uri, opts.ConnectTimeout)
	if err != nil {
		s.Close(context.Background())
		return nil, err
	}
	s.Client = client
	s.DB = client.Database(opts.Database)
	if s.Backend == BackendEmbeddedSQLite {
		if _, err := s.IndexIDLookups(ctx); err != nil {
			s.Close(context.Background())
			return nil, fmt.Errorf("embedded store: %w", err)
		}
		stop, done := make(chan struct{}), make(chan struct{})
		go s.keepIndexing(time.Minute, stop, done)
		s.stopIndexing = func() { close(stop); <-done }
		s.marker = filepath.Join(opts.DataDir, cleanMarker)
	}
	return s, nil
}

// Connect opens a client and waits for the first ping.
func Connect(ctx context.Context, uri string, timeout time.Duration) (*mongo.Client, error) {
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(timeout).
		SetConnectTimeout(timeout))
	if err != nil {
		return nil, fmt.Errorf("connect to store: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.Ping(pctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("ping store: %w", err)
	}
	return client, nil
}

// Ping checks the store answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.Client.Ping(ctx, readpref.Primary())
}

// cleanMarker is the file a clean Close leaves in the embedded store's data
// directory; Open takes it away (CleanStart).
const cleanMarker = "closed-cleanly"

// MarkDirty says some work was left half done (a write that must be
// repaired): Close then leaves no clean-close marker, and the next start
// is not a CleanStart.
func (s *Store) MarkDirty() { s.dirty.Store(true) }

// MarkRepaired says that what an unclean start may have left half done was
// looked for and repaired: unless MarkDirty is called after all, Close
// leaves the clean-close marker. (A process that does not look, such as
// `wufei migrate` after a crash, leaves none, so the next server start
// still looks.)
func (s *Store) MarkRepaired() { s.repaired.Store(true) }

// Close disconnects, stops the embedded server and releases the lock.
func (s *Store) Close(ctx context.Context) {
	if s.stopIndexing != nil {
		s.stopIndexing()
	}
	if s.Client != nil {
		_ = s.Client.Disconnect(ctx)
	}
	if s.stopEmbedded != nil {
		s.stopEmbedded()
	}
	if s.marker != "" && !s.dirty.Load() && (s.CleanStart || s.repaired.Load()) {
		if err := os.WriteFile(s.marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o640); err != nil {
			s.log.Warn("embedded store: clean-close marker not written; the next start checks for half-done work", "err", err)
		}
	}
	if s.unlock != nil {
		s.unlock()
	}
}

// LockDir takes an exclusive advisory lock on dir/wufei.lock, creating dir
// when needed. The lock dies with the process, so a crash never leaves a
// stale lock behind.
func LockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "wufei.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		abs, _ := filepath.Abs(dir)
		return nil, fmt.Errorf("data directory %s is %w (is another wufei running on it?)", abs, ErrLocked)
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// EmbeddedOptions configure an in-process FerretDB.
type EmbeddedOptions struct {
	// Handler is "sqlite" or "postgresql".
	Handler string
	// SQLiteDir is the directory of the SQLite files (sqlite handler).
	SQLiteDir string
	// PostgreSQLURL is the database (postgresql handler).
	PostgreSQLURL string
	// Listen is the TCP address; use a loopback address.
	Listen string
	Logger *slog.Logger
	// CheckpointEvery is how often the sqlite handler's write-ahead logs
	// are checkpointed in the background (see checkpoint.go); zero means
	// DefaultCheckpointEvery.
	CheckpointEvery time.Duration
}

// Embedded is a running in-process FerretDB.
type Embedded struct {
	// URI connects a mongo-driver client to it.
	URI string
	// Stop shuts it down and waits until it has.
	Stop func()

	ckpt *checkpointer // sqlite handler only
}

// Checkpoint runs the sqlite handler's background checkpoint now and
// reports it; with the postgresql handler it does nothing.
func (e *Embedded) Checkpoint(ctx context.Context) ([]CheckpointResult, error) {
	if e == nil || e.ckpt == nil {
		return nil, nil
	}
	return e.ckpt.run(ctx)
}

// StartEmbedded runs FerretDB in this process until Stop is called.
func StartEmbedded(ctx context.Context, o EmbeddedOptions) (*Embedded, error) {
	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: o.Listen},
		Handler:  o.Handler,
		// FerretDB logs every connection at info and protocol dumps at warn; keep only its errors.
		Logger: slog.New(quietHandler{o.Logger.Handler()}),
	}
	switch o.Handler {
	case "sqlite":
		abs, err := filepath.Abs(o.SQLiteDir)
		if err != nil {
			return nil, err
		}
		// Immediate write transactions: FerretDB's deferred ones read first
		// and upgrade to writing, and under concurrent writes SQLite refuses
		// such an upgrade at once (SQLITE_BUSY) instead of waiting out the
		// busy timeout. BEGIN IMMEDIATE queues writers behind the timeout.
		// Checkpoints run in the background (checkpoint.go); writers
		// checkpoint only past the backstop.
		cfg.SQLiteURL = "file:" + abs + "/?_txlock=immediate&_pragma=" + url.QueryEscape(fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
	case "postgresql":
		cfg.PostgreSQLURL = o.PostgreSQLURL
	default:
		return nil, fmt.Errorf("embedded store: unknown handler %q", o.Handler)
	}
	// ferretdb.New writes a package-level variable of FerretDB's
	// (version.Get().Package); two stores starting at once in one process
	// (tests) would race on it.
	newMu.Lock()
	f, err := ferretdb.New(cfg)
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx)
	}()
	// MongoDBURI blocks until the listener is bound.
	uri := f.MongoDBURI()
	e := &Embedded{URI: uri}
	stopCkpt := func() {}
	if o.Handler == "sqlite" {
		every := o.CheckpointEvery
		if every <= 0 {
			every = DefaultCheckpointEvery
		}
		e.ckpt = newCheckpointer(o.SQLiteDir)
		stop, stopped := make(chan struct{}), make(chan struct{})
		go e.ckpt.keep(every, o.Logger, stop, stopped)
		stopCkpt = func() { close(stop); <-stopped; e.ckpt.close() }
	}
	e.Stop = func() { stopCkpt(); cancel(); <-done }
	return e, nil
}

// newMu serialises ferretdb.New; see StartEmbedded.
var newMu sync.Mutex

// quietHandler drops FerretDB's records below error level.
type quietHandler struct{ slog.Handler }

func (q quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && q.Handler.Enabled(ctx, l)
}
func (q quietHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return quietHandler{q.Handler.WithAttrs(a)}
}
func (q quietHandler) WithGroup(n string) slog.Handler { return quietHandler{q.Handler.WithGroup(n)} }

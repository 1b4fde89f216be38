package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself uses
)

// IndexSQLiteIDLookups works around a FerretDB v1.24 SQLite backend bug: it
// indexes _id as `_ferretdb_sjson->"_id"` but looks documents up with
// `_ferretdb_sjson->'$._id'`, an expression SQLite does not match to that
// index, so every lookup by _id (a session's user, a complaint by id, a
// survey "start") reads and parses every row of the collection. It adds an
// index on the expression the lookups use to every collection table of the
// database's SQLite file under dir, and returns how many it created. Tables
// that already have it are left alone, so it is cheap to repeat. The
// running FerretDB needs no restart: SQLite re-prepares its statements when
// the schema changes.
func IndexSQLiteIDLookups(ctx context.Context, dir, database string) (int, error) {
	file := filepath.Join(dir, database+".sqlite")
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return 0, nil // no collection yet
	}
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '__id_path')`)
	if err != nil {
		return 0, fmt.Errorf("%s: list collections: %w", file, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	added := 0
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"__id_path", t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return added, fmt.Errorf("%s: index %s: %w", file, t, err)
		}
		added++
	}
	return added, nil
}

// IndexIDLookups adds the _id lookup indexes of IndexSQLiteIDLookups to
// the store's database when it is the embedded SQLite one; on MongoDB it
// does nothing. The embedded store also repeats it every minute for
// collections created since (see keepIndexing).
func (s *Store) IndexIDLookups(ctx context.Context) (int, error) {
	if s.Backend != BackendEmbeddedSQLite {
		return 0, nil
	}
	return IndexSQLiteIDLookups(ctx, s.sqliteDir, s.DB.Name())
}

// keepIndexing runs IndexIDLookups every interval until stop is closed.
func (s *Store) keepIndexing(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	every(interval, stop, done, func(ctx context.Context) {
		if n, err := s.IndexIDLookups(ctx); err != nil {
			s.log.Warn("embedded store: _id lookup indexes", "err", err)
		} else if n > 0 {
			s.log.Info("embedded store: _id lookup indexes added", "collections", n)
		}
	})
}

// every calls fn every interval, each call bounded to 30 s, until stop is
// closed; then it closes done.
func every(interval time.Duration, stop <-chan struct{}, done chan<- struct{}, fn func(ctx context.Context)) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			fn(ctx)
			cancel()
		}
	}
}

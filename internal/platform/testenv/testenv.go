// Package testenv gives tests the real stores: one embedded FerretDB per test
// process (or the server named by MONGODB_URI), one database per test named
// after it, dropped before and after the test and kept when it fails; and a
// Redis per test (an embedded miniredis, or the server named by REDIS_URL
// with a key prefix of the test's own).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

var (
	mu       sync.Mutex
	client   *mongo.Client
	stopEmb  func()
	tempDir  string
	mainUsed bool
)

// Main runs the package's tests with the shared store and releases it after.
// Call it from TestMain: os.Exit(testenv.Main(m)).
func Main(m *testing.M) int {
	mainUsed = true
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if client != nil {
		_ = client.Disconnect(context.Background())
	}
	if stopEmb != nil {
		stopEmb()
	}
	if tempDir != "" {
		_ = os.RemoveAll(tempDir)
	}
	return code
}

// Client returns the process-wide store client, starting the embedded store
// on first use when MONGODB_URI is not set.
func Client(t testing.TB) *mongo.Client {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if client != nil {
		return client
	}
	if !mainUsed {
		t.Fatal("testenv: call testenv.Main from TestMain in this package")
	}
	uri := os.Getenv("MONGODB_URI")
	if uri == "" {
		dir, err := os.MkdirTemp("", "wufei-test-store-")
		if err != nil {
			t.Fatal(err)
		}
		tempDir = dir
		emb, err := mongodb.StartEmbedded(context.Background(), mongodb.EmbeddedOptions{
			Handler: "sqlite", SQLiteDir: dir, Listen: "127.0.0.1:0",
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		})
		if err != nil {
			t.Fatal(err)
		}
		stopEmb = emb.Stop
		uri = emb.URI
	}
	c, err := mongodb.Connect(context.Background(), uri, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	client = c
	return client
}

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// Name returns a unique name derived from the test's name, at most max
// characters, made of letters, digits and underscores.
func Name(t testing.TB, max int) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := "_" + hex.EncodeToString(b[:])
	base := strings.Trim(unsafeChars.ReplaceAllString(t.Name(), "_"), "_")
	if len(base) > max-len(suffix) {
		base = base[:max-len(suffix)]
	}
	return base + suffix
}

// DB returns a fresh database for this test.
func DB(t testing.TB) *mongo.Database {
	t.Helper()
	db := Client(t).Database(Name(t, 60))
	ctx := context.Background()
	_ = db.Drop(ctx)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testenv: keeping database %s of the failed test", db.Name())
			return
		}
		_ = db.Drop(context.Background())
	})
	return db
}

// Redis returns a Redis for this test: REDIS_URL with a unique key prefix
// when set, else a new embedded miniredis.
func Redis(t testing.TB) *redisx.Client {
	t.Helper()
	prefix := fmt.Sprintf("wufeitest:%s:", Name(t, 80))
	url := os.Getenv("REDIS_URL")
	if url == "" {
		c := redisx.OpenEmbedded(prefix)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	c, err := redisx.Open(context.Background(), redisx.Options{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		_ = c.Close()
	})
	return c
}

// IndexIDLookups gives the collections of db the _id lookup indexes the
// service adds to its embedded store (mongodb.IndexSQLiteIDLookups), for
// tests and benchmarks that load many documents; with MONGODB_URI set it
// does nothing.
func IndexIDLookups(t testing.TB, db *mongo.Database) {
	t.Helper()
	mu.Lock()
	dir := tempDir
	mu.Unlock()
	if dir == "" {
		return
	}
	if _, err := mongodb.IndexSQLiteIDLookups(context.Background(), dir, db.Name()); err != nil {
		t.Fatal(err)
	}
}

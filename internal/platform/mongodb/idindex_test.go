package mongodb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// TestIndexIDLookups: the embedded store gives every collection an index
// SQLite uses for FerretDB's lookups by _id, without which each such lookup
// scans the table (the FerretDB v1.24 bug the index works around).
func TestIndexIDLookups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := mongodb.Open(ctx, mongodb.Options{DataDir: dir, Database: "idx", Logger: quiet, ConnectTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	c := s.DB.Collection("things")
	oid := primitive.NewObjectID()
	docs := []any{bson.D{{Key: "_id", Value: oid}, {Key: "v", Value: 0}}}
	for i := 1; i < 50; i++ {
		docs = append(docs, bson.D{{Key: "_id", Value: "k" + string(rune('A'+i))}, {Key: "v", Value: i}})
	}
	if _, err := c.InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}

	plan := func() string {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", "idx.sqlite")+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var table string
		if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'things'`).Scan(&table); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"kB"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	if p := plan(); !strings.Contains(p, "SCAN") {
		t.Fatalf("before indexing the lookup plan is %q; the FerretDB bug this works around seems fixed — drop the workaround", p)
	}
	n, err := s.IndexIDLookups(ctx)
	if err != nil || n != 1 {
		t.Fatalf("IndexIDLookups = %d, %v; want 1 new index", n, err)
	}
	if p := plan(); !strings.Contains(p, "USING INDEX") || !strings.Contains(p, "__id_path") {
		t.Errorf("after indexing the lookup plan is %q, want the _id path index", p)
	}
	if n, err := s.IndexIDLookups(ctx); err != nil || n != 0 {
		t.Errorf("second IndexIDLookups = %d, %v; want 0 (nothing new)", n, err)
	}
	// Lookups by _id still find their documents, strings and ObjectIDs.
	var got struct {
		V int `bson:"v"`
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "kB"}}).Decode(&got); err != nil || got.V != 1 {
		t.Errorf("FindOne kB = %+v, %v", got, err)
	}
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Decode(&got); err != nil || got.V != 0 {
		t.Errorf("FindOne oid = %+v, %v", got, err)
	}
	// The unique _id rule is FerretDB's own index's and still holds.
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "kB"}}); err == nil {
		t.Error("duplicate _id accepted after indexing")
	}
}

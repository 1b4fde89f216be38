package schema

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func indexNames(t *testing.T, db *mongo.Database, coll string) []string {
	t.Helper()
	cur, err := db.Collection(coll).Indexes().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(context.Background(), &specs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		if n, ok := s["name"].(string); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// TestStepsDropStaleComplaintIndexes: a store that ran step 6 loses its
// complaint_index field indexes at step 7, the rows stay, and a fresh
// store ends the same way.
func TestStepsDropStaleComplaintIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("upgrade", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		if _, err := mongodb.Migrate(ctx, db, Steps[:6], quiet); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Collection("complaint_index").InsertOne(ctx, bson.D{{Key: "_id", Value: "WF1"}, {Key: "r", Value: "packed"}}); err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, db, "complaint_index"); len(got) != 1+len(complaintIndexesV6) {
			t.Fatalf("after step 6 complaint_index has %q, want _id and the %d of step 6", got, len(complaintIndexesV6))
		}
		n, err := mongodb.Migrate(ctx, db, Steps, quiet)
		if err != nil || n != len(Steps)-6 {
			t.Fatalf("Migrate = %d, %v; want the %d later steps", n, err, len(Steps)-6)
		}
		if got := indexNames(t, db, "complaint_index"); !slices.Equal(got, []string{"_id_"}) {
			t.Errorf("after step 7 complaint_index has %q, want only _id_", got)
		}
		if n, err := db.Collection("complaint_index").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
			t.Errorf("rows after the drop = %d, %v; want 1", n, err)
		}
	})
	t.Run("fresh", func(t *testing.T) {
		t.Parallel()
		db := testenv.DB(t)
		if _, err := mongodb.Migrate(ctx, db, Steps, quiet); err != nil {
			t.Fatal(err)
		}
		if got := indexNames(t, db, "complaint_index"); !slices.Equal(got, []string{"_id_"}) {
			t.Errorf("complaint_index has %q, want only _id_", got)
		}
		// Step 7 again (a crash before it was recorded) finds nothing to drop.
		if err := dropComplaintIndexesV6(ctx, db); err != nil {
			t.Errorf("step 7 again: %v", err)
		}
	})
}

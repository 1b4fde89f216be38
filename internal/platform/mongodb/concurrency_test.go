package mongodb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// TestParallelWritesToDifferentDocuments: many writers updating and
// inserting different documents at once all succeed. On the embedded
// SQLite store this needs immediate write transactions: FerretDB's deferred
// ones fail with SQLITE_BUSY instead of waiting their turn.
func TestParallelWritesToDifferentDocuments(t *testing.T) {
	db := testenv.DB(t)
	coll := db.Collection("stress")
	ctx := context.Background()
	const writers, rounds = 32, 10
	uniq := db.Collection("uniq")
	if err := mongodb.EnsureIndexes(ctx, db, mongodb.Index{Collection: "uniq", Name: "app", Keys: bson.D{{Key: "app", Value: 1}}, Unique: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < writers; i++ {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("doc", i)}, {Key: "n", Value: 0}}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, writers*rounds*2)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("doc", i)}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}); err != nil {
					errc <- err
				}
				if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("new", i, "-", r)}}); err != nil {
					errc <- err
				}
				if err := coll.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("doc", i)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "r", Value: r}}}}).Err(); err != nil {
					errc <- err
				}
				if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("doc", i)}}, bson.D{{Key: "n", Value: r}, {Key: "pad", Value: fmt.Sprint(r, i)}}); err != nil {
					errc <- err
				}
				if _, err := uniq.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("c", i, "-", r)}, {Key: "app", Value: fmt.Sprint("a", i, "-", r)}}); err != nil {
					errc <- err
				}
				fresh := db.Collection(fmt.Sprint("fresh", r))
				if _, err := fresh.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprint("u", i)}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}}, options.Update().SetUpsert(true)); err != nil {
					errc <- err
				}
			}
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("parallel write failed: %v", err)
	}
	n, err := coll.CountDocuments(ctx, bson.D{})
	if err != nil || n != writers*(rounds+1) {
		t.Fatalf("%d documents (%v), want %d", n, err, writers*(rounds+1))
	}
}

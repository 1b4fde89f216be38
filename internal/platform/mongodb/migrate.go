package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Step is one schema step (indexes, backfills). Steps form an ordered,
// append-only list: a released step is never edited or removed, only
// followed by new ones. Each must be safe to run again after a crash halfway
// (create indexes by name, backfill with filters that skip done work),
// because recording it happens after it ran.
type Step struct {
	// ID is the step's position, starting at 1, without gaps.
	ID   int
	Name string
	Up   func(ctx context.Context, db *mongo.Database) error
}

// stepsCollection records applied steps, one document per step.
const stepsCollection = "schema_steps"

// Migrate applies the steps not yet recorded in db, in order, and returns how
// many ran. It refuses a list with gaps, and a database that has steps this
// binary does not know (a newer version ran on it).
func Migrate(ctx context.Context, db *mongo.Database, steps []Step, logger *slog.Logger) (int, error) {
	for i, s := range steps {
		if s.ID != i+1 {
			return 0, fmt.Errorf("schema steps: step %q has id %d, want %d", s.Name, s.ID, i+1)
		}
	}
	coll := db.Collection(stepsCollection)
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("read applied schema steps: %w", err)
	}
	var applied []struct {
		ID   int    `bson:"_id"`
		Name string `bson:"name"`
	}
	if err := cur.All(ctx, &applied); err != nil {
		return 0, fmt.Errorf("read applied schema steps: %w", err)
	}
	done := map[int]bool{}
	for _, a := range applied {
		if a.ID > len(steps) {
			return 0, fmt.Errorf("schema steps: the database has step %d (%s) that this binary does not know; run a newer wufei", a.ID, a.Name)
		}
		done[a.ID] = true
	}
	ran := 0
	for _, s := range steps {
		if done[s.ID] {
			continue
		}
		start := time.Now()
		if err := s.Up(ctx, db); err != nil {
			return ran, fmt.Errorf("schema step %d (%s): %w", s.ID, s.Name, err)
		}
		_, err := coll.InsertOne(ctx, bson.D{
			{Key: "_id", Value: s.ID}, {Key: "name", Value: s.Name},
			{Key: "applied_at", Value: time.Now().UTC()},
		})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return ran, fmt.Errorf("record schema step %d: %w", s.ID, err)
		}
		logger.Info("schema step applied", "step", s.ID, "name", s.Name, "took", time.Since(start).Round(time.Millisecond))
		ran++
	}
	return ran, nil
}

// Index describes one index to create in a step.
type Index struct {
	Collection string
	Name       string
	Keys       bson.D
	Unique     bool
}

// EnsureIndexes creates the indexes; an existing index of the same name and
// keys is left alone.
func EnsureIndexes(ctx context.Context, db *mongo.Database, idx ...Index) error {
	for _, ix := range idx {
		m := mongo.IndexModel{Keys: ix.Keys, Options: options.Index().SetName(ix.Name)}
		if ix.Unique {
			m.Options.SetUnique(true)
		}
		if _, err := db.Collection(ix.Collection).Indexes().CreateOne(ctx, m); err != nil {
			var ce mongo.CommandError
			if errors.As(err, &ce) && (ce.Code == 85 || ce.Code == 86) { // IndexOptionsConflict, IndexKeySpecsConflict
				return fmt.Errorf("index %s.%s exists with other options: %w", ix.Collection, ix.Name, err)
			}
			return fmt.Errorf("create index %s.%s: %w", ix.Collection, ix.Name, err)
		}
	}
	return nil
}

// DropIndexes drops the named indexes of a collection, those that exist: a
// missing index or collection is not an error, so a step may run twice.
func DropIndexes(ctx context.Context, db *mongo.Database, collection string, names ...string) error {
	for _, name := range names {
		_, err := db.Collection(collection).Indexes().DropOne(ctx, name)
		var ce mongo.CommandError
		switch {
		case err == nil:
		case errors.As(err, &ce) && (ce.Code == 26 || ce.Code == 27): // NamespaceNotFound, IndexNotFound
		default:
			return fmt.Errorf("drop index %s.%s: %w", collection, name, err)
		}
	}
	return nil
}

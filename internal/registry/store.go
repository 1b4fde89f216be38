package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/registry/registrydata"
)

// Collections of this area. Each indicator and task is one document that
// carries its own measurements or updates, so a change and its history are
// one atomic write (the embedded store has no transactions), guarded by a
// version number against concurrent writers.
const (
	indicatorsCollection = "indicators"
	tasksCollection      = "tasks"
)

// indicatorCorrections are an admin's edits of the seed text; nil fields
// keep the seed's value. They live beside the seed copy, so reloading the
// seed never loses them.
type indicatorCorrections struct {
	Level1       *string   `bson:"level1,omitempty"`
	Level2       *string   `bson:"level2,omitempty"`
	Name         *string   `bson:"name,omitempty"`
	Baseline2020 *string   `bson:"baseline_2020,omitempty"`
	Target2025   *string   `bson:"target_2025,omitempty"`
	Unit         *string   `bson:"unit,omitempty"`
	Departments  *[]string `bson:"departments,omitempty"`
	Direction    *string   `bson:"direction,omitempty"`
}

type indicatorDoc struct {
	ID           string                 `bson:"_id"`
	No           int                    `bson:"no"`
	Seed         registrydata.Indicator `bson:"seed"`
	Corrections  indicatorCorrections   `bson:"corrections"`
	Measurements []measurementDoc       `bson:"measurements"`
	Version      int64                  `bson:"version"`
}

type measurementDoc struct {
	ID           string         `bson:"id"`
	Period       string         `bson:"period"`
	PeriodEnd    time.Time      `bson:"period_end"`
	Value        *float64       `bson:"value"`
	Assessment   string         `bson:"assessment,omitempty"`
	Note         string         `bson:"note,omitempty"`
	Evidence     []string       `bson:"evidence"`
	Source       string         `bson:"source"`
	Provenance   map[string]any `bson:"provenance,omitempty"`
	Supersedes   string         `bson:"supersedes,omitempty"`
	SupersededBy string         `bson:"superseded_by,omitempty"`
	Reason       string         `bson:"reason,omitempty"`
	By           whoDoc         `bson:"by"`
	RecordedAt   time.Time      `bson:"recorded_at"`
}

type whoDoc struct {
	UserID     string `bson:"user_id"`
	Name       string `bson:"name"`
	Role       string `bson:"role"`
	Department string `bson:"department,omitempty"`
}

type taskCorrections struct {
	Name         *string   `bson:"name,omitempty"`
	Description  *string   `bson:"description,omitempty"`
	Lead         *[]string `bson:"lead,omitempty"`
	Participants *[]string `bson:"participants,omitempty"`
	Deadline     *string   `bson:"deadline,omitempty"`
}

type taskDoc struct {
	ID          string            `bson:"_id"`
	Seed        registrydata.Task `bson:"seed"`
	Corrections taskCorrections   `bson:"corrections"`
	Updates     []taskUpdateDoc   `bson:"updates"`
	Version     int64             `bson:"version"`
}

type taskUpdateDoc struct {
	ID       string    `bson:"id"`
	Status   string    `bson:"status"`
	Progress float64   `bson:"progress"`
	Note     string    `bson:"note,omitempty"`
	Evidence []string  `bson:"evidence"`
	By       whoDoc    `bson:"by"`
	At       time.Time `bson:"at"`
}

type store struct {
	indicators *mongo.Collection
	tasks      *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{indicators: db.Collection(indicatorsCollection), tasks: db.Collection(tasksCollection)}
}

// errVersion means another writer changed the document first.
var errVersion = errors.New("registry: document changed concurrently")

// upsertSeed writes the seed copy of one entry, creating the document with
// empty history the first time and leaving history and corrections alone
// after: loading is idempotent.
func upsertSeed(ctx context.Context, coll *mongo.Collection, id string, set, onInsert bson.D) error {
	_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: set}, {Key: "$setOnInsert", Value: onInsert}},
		options.Update().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("load %s: %w", id, err)
	}
	return nil
}

func (s *store) loadSeed(ctx context.Context, inds []registrydata.Indicator, tasks []registrydata.Task) error {
	for _, in := range inds {
		err := upsertSeed(ctx, s.indicators, in.Code,
			bson.D{{Key: "no", Value: in.No}, {Key: "seed", Value: in}},
			bson.D{{Key: "corrections", Value: bson.D{}}, {Key: "measurements", Value: bson.A{}}, {Key: "version", Value: int64(0)}})
		if err != nil {
			return err
		}
	}
	for _, t := range tasks {
		err := upsertSeed(ctx, s.tasks, t.Code,
			bson.D{{Key: "seed", Value: t}},
			bson.D{{Key: "corrections", Value: bson.D{}}, {Key: "updates", Value: bson.A{}}, {Key: "version", Value: int64(0)}})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *store) allIndicators(ctx context.Context) ([]indicatorDoc, error) {
	cur, err := s.indicators.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	var out []indicatorDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	return out, nil
}

func (s *store) indicator(ctx context.Context, code string) (indicatorDoc, error) {
	var d indicatorDoc
	err := s.indicators.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrIndicatorNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read indicator %s: %w", code, err)
	}
	return d, nil
}

func (s *store) allTasks(ctx context.Context) ([]taskDoc, error) {
	cur, err := s.tasks.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	var out []taskDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

func (s *store) task(ctx context.Context, code string) (taskDoc, error) {
	var d taskDoc
	err := s.tasks.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrTaskNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read task %s: %w", code, err)
	}
	return d, nil
}

// setIfVersion writes fields of one document if its version is still v,
// and bumps the version.
func setIfVersion(ctx context.Context, coll *mongo.Collection, id string, v int64, set bson.D) error {
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: v}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return fmt.Errorf("update %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return errVersion
	}
	return nil
}

package survey

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// Collections.
const (
	SurveysCollection   = "surveys"
	ResponsesCollection = "survey_responses"
	metaCollection      = "survey_meta"
)

// Indexes are created by the schema steps. Responses need no unique index
// besides _id, which derives from survey and respondent.
var Indexes = []mongodb.Index{
	{Collection: SurveysCollection, Name: "status", Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: 1}}},
	{Collection: ResponsesCollection, Name: "survey", Keys: bson.D{{Key: "survey_id", Value: 1}, {Key: "_id", Value: 1}}},
}

type store struct {
	surveys, responses, meta *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{surveys: db.Collection(SurveysCollection), responses: db.Collection(ResponsesCollection), meta: db.Collection(metaCollection)}
}

func (st *store) survey(ctx context.Context, id string) (*Survey, error) {
	var s Survey
	err := st.surveys.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&s)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("survey %s: %w", id, err)
	}
	return &s, nil
}

// replaceIfRev writes s when its stored rev is still rev. The caller holds
// the service's lock on the survey (FerretDB does not apply the filter
// atomically; see mongodb.Locker).
func (st *store) replaceIfRev(ctx context.Context, s *Survey, rev int) error {
	res, err := st.surveys.ReplaceOne(ctx, bson.D{{Key: "_id", Value: s.ID}, {Key: "rev", Value: rev}}, s)
	if err != nil {
		return fmt.Errorf("survey %s: %w", s.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrNotDraft.WithMessage("问卷已被他人修改，请刷新后重试")
	}
	return nil
}

// responseExists is an indexed lookup by _id.
func (st *store) responseExists(ctx context.Context, id string) (bool, error) {
	err := st.responses.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// eachResponse streams the survey's responses. It asks for no sort: the
// embedded store sorts in memory, holding every response at once (870 MiB
// for 200,000), while unsorted it streams. The order is still stable for an
// unchanged collection, which reproducible exports need: insertion (rowid)
// order on the embedded store, and on MongoDB the order of the
// {survey_id, _id} index that the equality filter selects.
func (st *store) eachResponse(ctx context.Context, surveyID string, fn func(*Response) error) error {
	cur, err := st.responses.Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(1000))
	if err != nil {
		return fmt.Errorf("responses of %s: %w", surveyID, err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var r Response
		if err := decodeResponse(cur.Current, &r); err != nil {
			return fmt.Errorf("responses of %s: %w", surveyID, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return cur.Err()
}

// secret returns the named random secret shared by every replica, creating
// it on first use. Insert with a fixed _id is atomic, so concurrent first
// uses agree on one value.
func (st *store) secret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	_, err := st.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "value", Value: b}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, fmt.Errorf("survey secret: %w", err)
	}
	var doc struct {
		Value []byte `bson:"value"`
	}
	if err := st.meta.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&doc); err != nil {
		return nil, fmt.Errorf("survey secret: %w", err)
	}
	return doc.Value, nil
}

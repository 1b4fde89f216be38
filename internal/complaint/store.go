package complaint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// Collections of this area.
const (
	complaintsCollection = "complaints"
	countersCollection   = "complaint_counters"
	keysCollection       = "open311_keys"
	// indexCollection holds a slim copy of each complaint: the fields lists,
	// the deadline job and indicator 48 filter on, under the same names.
	// The embedded store filters by reading and decoding every document, so
	// scanning these instead of whole complaints (history, text, photos) is
	// an order of magnitude faster; on MongoDB its indexes serve the lists.
	// It is derived data: written after the complaint, rebuilt by
	// RebuildIndex, and never the only copy of anything.
	indexCollection = "complaint_index"
)

// Indexes are created by the schema steps. The embedded store only uses
// the _id index, so hot lookups go by _id (the tracking number, the API
// key's hash); these serve MongoDB's list filters.
var Indexes = []mongodb.Index{
	{Collection: indexCollection, Name: "status_id", Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: indexCollection, Name: "reporter", Keys: bson.D{{Key: "reporter.user_id", Value: 1}}},
	{Collection: indexCollection, Name: "followers", Keys: bson.D{{Key: "followers", Value: 1}}},
	{Collection: indexCollection, Name: "handler", Keys: bson.D{{Key: "handler.code", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: indexCollection, Name: "district", Keys: bson.D{{Key: "district", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: indexCollection, Name: "accepted_at", Keys: bson.D{{Key: "accepted_at", Value: 1}}},
	{Collection: indexCollection, Name: "submitted_at", Keys: bson.D{{Key: "submitted_at", Value: 1}}},
}

type store struct {
	complaints *mongo.Collection
	index      *mongo.Collection
	counters   *mongo.Collection
	keys       *mongo.Collection
	log        *slog.Logger
}

func newStore(db *mongo.Database, log *slog.Logger) *store {
	return &store{complaints: db.Collection(complaintsCollection), index: db.Collection(indexCollection),
		counters: db.Collection(countersCollection), keys: db.Collection(keysCollection), log: log}
}

// summary is the slim copy of c kept in the index collection. Its field
// names are the complaint's, so one filter serves both collections and a
// summary decodes into a Complaint with the other fields zero.
func summary(c Complaint) bson.D {
	return bson.D{{Key: "_id", Value: c.ID}, {Key: "status", Value: c.Status}, {Key: "category", Value: c.Category},
		{Key: "district", Value: c.District}, {Key: "handler", Value: c.Handler}, {Key: "escalated", Value: c.Escalated},
		{Key: "abusive", Value: c.Abusive}, {Key: "submitted_at", Value: c.SubmittedAt}, {Key: "accepted_at", Value: c.AcceptedAt},
		{Key: "resolved_at", Value: c.ResolvedAt}, {Key: "accept_due", Value: c.AcceptDue}, {Key: "resolve_due", Value: c.ResolveDue},
		{Key: "warned", Value: c.Warned}, {Key: "overdue", Value: c.Overdue},
		{Key: "reporter", Value: bson.D{{Key: "user_id", Value: c.Reporter.UserID}}}, {Key: "source", Value: c.Source},
		{Key: "followers", Value: c.Followers}, {Key: "feedback", Value: c.Feedback}, {Key: "reopened", Value: c.Reopened}}
}

// putSummary refreshes c's summary. A failure is logged, not returned: the
// complaint is written and stands; RebuildIndex repairs the index.
func (s *store) putSummary(ctx context.Context, c Complaint) {
	_, err := s.index.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, summary(c), options.Replace().SetUpsert(true))
	if err != nil {
		s.log.Error("complaint index not updated; run the index rebuild", "complaint", c.ID, "err", err)
	}
}

// errVersion means another writer changed the complaint first.
var errVersion = errors.New("complaint: changed concurrently")

// nextSeq returns the next number of the day's counter. findOneAndUpdate
// with $inc is atomic on MongoDB; on the embedded store the caller holds
// the Locker.
func (s *store) nextSeq(ctx context.Context, day string) (int64, error) {
	var out struct {
		Seq int64 `bson:"seq"`
	}
	err := s.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "complaint:" + day}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&out)
	if err != nil {
		return 0, fmt.Errorf("complaint counter: %w", err)
	}
	return out.Seq, nil
}

func (s *store) insert(ctx context.Context, c Complaint) error {
	if _, err := s.complaints.InsertOne(ctx, c); err != nil {
		return fmt.Errorf("insert complaint: %w", err)
	}
	s.putSummary(ctx, c)
	return nil
}

func (s *store) get(ctx context.Context, id string) (Complaint, error) {
	var c Complaint
	err := s.complaints.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read complaint: %w", err)
	}
	return c, nil
}

// replace writes c if its stored version is still c.Version, and bumps
// the version. The whole document goes back, history included: one write.
func (s *store) replace(ctx context.Context, c Complaint) (Complaint, error) {
	old := c.Version
	c.Version++
	res, err := s.complaints.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: old}}, c)
	if err != nil {
		return c, fmt.Errorf("update complaint: %w", err)
	}
	if res.MatchedCount == 0 {
		return c, errVersion
	}
	s.putSummary(ctx, c)
	return c, nil
}

// find streams the summaries of complaints matching filter, newest first,
// to fn until fn returns false. Only the summary's fields are set.
func (s *store) find(ctx context.Context, filter bson.D, limit int64, fn func(Complaint) bool) error {
	return s.scan(ctx, s.index, filter, limit, fn)
}

// findFull is find over whole complaints (index rebuilds).
func (s *store) findFull(ctx context.Context, filter bson.D, fn func(Complaint) bool) error {
	return s.scan(ctx, s.complaints, filter, 0, fn)
}

func (s *store) scan(ctx context.Context, coll *mongo.Collection, filter bson.D, limit int64, fn func(Complaint) bool) error {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetBatchSize(500)
	if limit > 0 {
		opts.SetLimit(limit)
	}
	cur, err := coll.Find(ctx, filter, opts)
	if err != nil {
		return fmt.Errorf("list complaints: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var c Complaint
		if err := cur.Decode(&c); err != nil {
			return fmt.Errorf("decode complaint: %w", err)
		}
		if !fn(c) {
			return nil
		}
	}
	return cur.Err()
}

// rebuildIndex rewrites every summary from the complaints, in unordered
// batches.
func (s *store) rebuildIndex(ctx context.Context) (int, error) {
	var batch []mongo.WriteModel
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := s.index.BulkWrite(ctx, batch, options.BulkWrite().SetOrdered(false))
		n += len(batch)
		batch = batch[:0]
		return err
	}
	var werr error
	err := s.findFull(ctx, bson.D{}, func(c Complaint) bool {
		batch = append(batch, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: c.ID}}).SetReplacement(summary(c)).SetUpsert(true))
		if len(batch) >= 500 {
			werr = flush()
		}
		return werr == nil
	})
	if err == nil {
		err = werr
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, fmt.Errorf("rebuild complaint index: %w", err)
	}
	return n, nil
}

// apiKey is an Open311 client's key, stored under its SHA-256.
type apiKey struct {
	Hash      string    `bson:"_id"`
	ID        string    `bson:"id"`
	Name      string    `bson:"name"`
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	Revoked   bool      `bson:"revoked"`
}

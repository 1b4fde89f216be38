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
)

// Collections of this area.
const (
	complaintsCollection = "complaints"
	countersCollection   = "complaint_counters"
	keysCollection       = "open311_keys"
	// indexCollection holds each complaint's row of the list index
	// (index.go) in its packed form, {_id, r}: the full load at start reads
	// these instead of whole complaints (history, text, photos), and a
	// document with one string decodes several times faster on the
	// embedded store than the row's fields would. It is derived data:
	// written after the complaint, rebuilt by RebuildIndex (and by the
	// loader when it finds rows in an older format), never the only copy
	// of anything.
	indexCollection = "complaint_index"
)

// The embedded store only uses the _id index, so hot lookups go by _id (the
// tracking number, the API key's hash), and lists read the in-memory list
// index: no collection of this package needs another index. (Schema step 6
// once indexed the index collection's fields; step 7 drops them.)

type store struct {
	// changed is told of every write of a complaint, after it (the list
	// index: Service sets it).
	changed    func(ctx context.Context, c Complaint)
	complaints *mongo.Collection
	index      *mongo.Collection
	counters   *mongo.Collection
	keys       *mongo.Collection
	log        *slog.Logger
	// single: this process alone writes (Options.SingleProcessStore).
	single bool
	// rowFailed: Options.IndexRowFailed.
	rowFailed func()
}

func newStore(db *mongo.Database, log *slog.Logger, single bool) *store {
	return &store{complaints: db.Collection(complaintsCollection), index: db.Collection(indexCollection),
		counters: db.Collection(countersCollection), keys: db.Collection(keysCollection), log: log, single: single}
}

// summary is c's document in the index collection: its packed row.
func summary(c Complaint) bson.D {
	return bson.D{{Key: "_id", Value: c.ID}, {Key: "r", Value: rowOf(c).pack()}}
}

// putSummary refreshes c's stored row and tells the list index. A failed
// store write is logged, not returned: the complaint is written and stands,
// the replicas' indexes have the row from the change stream, and the index
// check (Service.CheckIndex) repairs the stored row.
func (s *store) putSummary(ctx context.Context, c Complaint) {
	_, err := s.index.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, summary(c), options.Replace().SetUpsert(true))
	if err != nil {
		s.log.Error("complaint index row not stored; the index check repairs it", "complaint", c.ID, "err", err)
		if s.rowFailed != nil {
			s.rowFailed()
		}
	}
	if s.changed != nil {
		s.changed(ctx, c)
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
	filter := bson.D{{Key: "_id", Value: c.ID}, {Key: "version", Value: old}}
	if s.single {
		// The caller holds the complaint's lock and no other process
		// writes: check the version by _id, then write by _id alone.
		var cur struct {
			Version int64 `bson:"version"`
		}
		err := s.complaints.FindOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&cur)
		if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && cur.Version != old) {
			return c, errVersion
		}
		if err != nil {
			return c, fmt.Errorf("update complaint: %w", err)
		}
		filter = filter[:1]
	}
	res, err := s.complaints.ReplaceOne(ctx, filter, c)
	if err != nil {
		return c, fmt.Errorf("update complaint: %w", err)
	}
	if res.MatchedCount == 0 {
		return c, errVersion
	}
	s.putSummary(ctx, c)
	return c, nil
}

// findFull streams whole complaints matching filter, in store order, to
// fn until fn returns false (index rebuilds). No sort: the embedded store
// would hold the whole collection in memory to sort it.
func (s *store) findFull(ctx context.Context, filter bson.D, fn func(Complaint) bool) error {
	cur, err := s.complaints.Find(ctx, filter, options.Find().SetBatchSize(500))
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

// loadRows reads every stored row, for the list index's full load. Rows in
// an older format (or missing fields) make it rebuild the stored rows from
// the complaints first; that happens once after an upgrade.
func (s *store) loadRows(ctx context.Context, in *interner) ([]*row, error) {
	rows, stale, err := s.readRows(ctx, in)
	if err != nil || stale == 0 {
		return rows, err
	}
	s.log.Warn("complaint index: stored rows in an older format; rebuilding them from the complaints", "stale", stale)
	if _, err := s.rebuildIndex(ctx); err != nil {
		return nil, err
	}
	rows, stale, err = s.readRows(ctx, in)
	if err == nil && stale > 0 {
		err = fmt.Errorf("complaint index: %d rows unreadable after a rebuild", stale)
	}
	return rows, err
}

func (s *store) readRows(ctx context.Context, in *interner) (rows []*row, stale int, err error) {
	cur, err := s.index.Find(ctx, bson.D{}, options.Find().SetBatchSize(loadBatch))
	if err != nil {
		return nil, 0, fmt.Errorf("load complaint index: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		id, _ := cur.Current.Lookup("_id").StringValueOK()
		packed, _ := cur.Current.Lookup("r").StringValueOK()
		r, err := unpack(id, packed, in)
		if err != nil || id == "" {
			stale++
			continue
		}
		rows = append(rows, r)
	}
	if err := cur.Err(); err != nil {
		return nil, 0, fmt.Errorf("load complaint index: %w", err)
	}
	return rows, stale, nil
}

// rebuildIndex rewrites every stored row from the complaints, in unordered
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

// versions returns the version of every complaint last updated before
// cutoff (a later one may still be on its way to the index).
func (s *store) versions(ctx context.Context, cutoff time.Time) (map[string]int64, error) {
	cur, err := s.complaints.Find(ctx, bson.D{}, options.Find().
		SetProjection(bson.D{{Key: "version", Value: 1}, {Key: "updated_at", Value: 1}}).SetBatchSize(loadBatch))
	if err != nil {
		return nil, fmt.Errorf("complaint versions: %w", err)
	}
	defer cur.Close(ctx)
	out := map[string]int64{}
	for cur.Next(ctx) {
		var d struct {
			ID        string    `bson:"_id"`
			Version   int64     `bson:"version"`
			UpdatedAt time.Time `bson:"updated_at"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("complaint versions: %w", err)
		}
		if d.UpdatedAt.Before(cutoff) {
			out[d.ID] = d.Version
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("complaint versions: %w", err)
	}
	return out, nil
}

// storedRowVersion is the version in id's stored row, -1 when it has none
// (missing, or in a format this binary does not read).
func (s *store) storedRowVersion(ctx context.Context, id string) (int64, error) {
	raw, err := s.index.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read complaint index row: %w", err)
	}
	packed, _ := raw.Lookup("r").StringValueOK()
	r, err := unpack(id, packed, &interner{})
	if err != nil {
		return -1, nil
	}
	return r.version, nil
}

// repairRow brings id's stored row up to the complaint, when it lags, and
// tells the index (changed) in any case, which announces the row to every
// replica. Should a writer move the complaint on meanwhile, the row
// written here may land after that writer's: the complaint is read again
// after, and the repair repeats until it stood still.
func (s *store) repairRow(ctx context.Context, id string) error {
	for range 5 {
		c, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		v, err := s.storedRowVersion(ctx, id)
		if err != nil {
			return err
		}
		if v < c.Version {
			if _, err := s.index.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, summary(c), options.Replace().SetUpsert(true)); err != nil {
				return fmt.Errorf("repair complaint index row: %w", err)
			}
		}
		if s.changed != nil {
			s.changed(ctx, c)
		}
		again, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		if again.Version == c.Version {
			return nil
		}
	}
	return fmt.Errorf("repair complaint index row %s: the complaint kept changing", id)
}

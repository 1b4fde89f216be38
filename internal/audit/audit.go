// Package audit keeps the record of every state change: who did what to
// which object, the object before and after, when, and in which request.
// Records are append-only; nothing updates or deletes them.
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/reqctx"
)

// Collection is where records live.
const Collection = "audit"

// Actor identifies who acted. System work (start-up, background jobs) uses
// ID "system".
type Actor struct {
	ID   string `bson:"id" json:"id"`
	Role string `bson:"role" json:"role"`
	Name string `bson:"name,omitempty" json:"name,omitempty"`
}

// System is the actor of changes no person made.
var System = Actor{ID: "system", Role: "system", Name: "系统"}

// Entry is one audit record.
type Entry struct {
	ID         string    `bson:"-" json:"id"`
	Time       time.Time `bson:"time" json:"time"`
	Actor      Actor     `bson:"actor" json:"actor"`
	Action     string    `bson:"action" json:"action"`
	ObjectType string    `bson:"object_type" json:"object_type"`
	ObjectID   string    `bson:"object_id" json:"object_id"`
	Before     any       `bson:"before,omitempty" json:"before,omitempty"`
	After      any       `bson:"after,omitempty" json:"after,omitempty"`
	RequestID  string    `bson:"request_id,omitempty" json:"request_id,omitempty"`
}

// Log writes and reads audit records.
type Log struct {
	coll   *mongo.Collection
	logger *slog.Logger
	now    func() time.Time
}

// New returns the log over db.
func New(db *mongo.Database, logger *slog.Logger) *Log {
	return &Log{coll: db.Collection(Collection), logger: logger, now: time.Now}
}

// Indexes are created by the schema steps.
var Indexes = []mongodb.Index{
	{Collection: Collection, Name: "object", Keys: bson.D{{Key: "object_type", Value: 1}, {Key: "object_id", Value: 1}}},
	{Collection: Collection, Name: "actor", Keys: bson.D{{Key: "actor.id", Value: 1}}},
}

// Record appends e, filling time and request id. The store has no
// multi-document transactions, so the record is written after the change it
// describes; a failure here is returned so the caller can report it, but the
// change itself stands.
func (l *Log) Record(ctx context.Context, e Entry) error {
	e.Time = l.now().UTC()
	if e.RequestID == "" {
		e.RequestID = reqctx.RequestID(ctx)
	}
	if _, err := l.coll.InsertOne(ctx, e); err != nil {
		l.logger.Error("audit record failed", "action", e.Action, "object_type", e.ObjectType, "object_id", e.ObjectID, "request_id", e.RequestID, "err", err)
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	ActorID    string
	Action     string
	ObjectType string
	ObjectID   string
	From, To   time.Time
}

// ErrBadCursor is returned for a cursor this log did not issue.
var ErrBadCursor = errs.New(errs.KindInvalid, "invalid_cursor", "分页游标无效")

// List returns records newest first, at most limit, after the cursor (the id
// of the last record of the previous page), and the next cursor or "".
func (l *Log) List(ctx context.Context, f Filter, limit int, cursor string) ([]Entry, string, error) {
	q := bson.D{}
	if f.ActorID != "" {
		q = append(q, bson.E{Key: "actor.id", Value: f.ActorID})
	}
	if f.Action != "" {
		q = append(q, bson.E{Key: "action", Value: f.Action})
	}
	if f.ObjectType != "" {
		q = append(q, bson.E{Key: "object_type", Value: f.ObjectType})
	}
	if f.ObjectID != "" {
		q = append(q, bson.E{Key: "object_id", Value: f.ObjectID})
	}
	tr := bson.D{}
	if !f.From.IsZero() {
		tr = append(tr, bson.E{Key: "$gte", Value: f.From.UTC()})
	}
	if !f.To.IsZero() {
		tr = append(tr, bson.E{Key: "$lt", Value: f.To.UTC()})
	}
	if len(tr) > 0 {
		q = append(q, bson.E{Key: "time", Value: tr})
	}
	if cursor != "" {
		oid, err := primitive.ObjectIDFromHex(cursor)
		if err != nil {
			return nil, "", ErrBadCursor
		}
		q = append(q, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: oid}}})
	}
	cur, err := l.coll.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", fmt.Errorf("audit list: %w", err)
	}
	defer cur.Close(ctx)
	var out []Entry
	for cur.Next(ctx) {
		var doc struct {
			ID    primitive.ObjectID `bson:"_id"`
			Entry `bson:",inline"`
		}
		if err := cur.Decode(&doc); err != nil {
			return nil, "", fmt.Errorf("audit decode: %w", err)
		}
		doc.Entry.ID = doc.ID.Hex()
		doc.Entry.Before = normalize(doc.Entry.Before)
		doc.Entry.After = normalize(doc.Entry.After)
		out = append(out, doc.Entry)
	}
	if err := cur.Err(); err != nil {
		return nil, "", fmt.Errorf("audit list: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// normalize turns decoded BSON documents into plain maps so they encode as
// JSON objects rather than key/value arrays.
func normalize(v any) any {
	switch x := v.(type) {
	case primitive.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = normalize(e.Value)
		}
		return m
	case primitive.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	default:
		return v
	}
}

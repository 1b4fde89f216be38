// Package schema lists the store's schema steps: an ordered, append-only
// list. Add new steps at the end; never edit or remove a released one.
package schema

import (
	"context"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/survey"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// Steps is the list applied by `wufei serve` at start and `wufei migrate`.
var Steps = []mongodb.Step{
	{ID: 1, Name: "users and audit indexes", Up: indexes(account.Indexes, audit.Indexes)},
	{ID: 2, Name: "uploads indexes", Up: indexes(upload.Indexes)},
	{ID: 3, Name: "notification outbox indexes", Up: indexes(notify.Indexes)},
	{ID: 4, Name: "survey indexes", Up: indexes(survey.Indexes)},
	{ID: 5, Name: "cell certification indexes", Up: indexes(cell.Indexes)},
	{ID: 6, Name: "complaint indexes", Up: indexes(complaintIndexesV6)},
	{ID: 7, Name: "drop complaint_index field indexes (rows are packed)", Up: dropComplaintIndexesV6},
	// New steps go here, numbered on; never edit a released one.
}

// complaintIndexesV6 are the indexes step 6 created on complaint_index,
// when its documents had the list's fields. Its rows are packed strings
// since, read by _id into the in-memory list index: these index nothing
// and cost every complaint write, and step 7 drops them. Kept as written
// so step 6 stays what it was.
var complaintIndexesV6 = []mongodb.Index{
	{Collection: "complaint_index", Name: "status_id", Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: "complaint_index", Name: "reporter", Keys: bson.D{{Key: "reporter.user_id", Value: 1}}},
	{Collection: "complaint_index", Name: "followers", Keys: bson.D{{Key: "followers", Value: 1}}},
	{Collection: "complaint_index", Name: "handler", Keys: bson.D{{Key: "handler.code", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: "complaint_index", Name: "district", Keys: bson.D{{Key: "district", Value: 1}, {Key: "_id", Value: -1}}},
	{Collection: "complaint_index", Name: "accepted_at", Keys: bson.D{{Key: "accepted_at", Value: 1}}},
	{Collection: "complaint_index", Name: "submitted_at", Keys: bson.D{{Key: "submitted_at", Value: 1}}},
}

func dropComplaintIndexesV6(ctx context.Context, db *mongo.Database) error {
	for _, ix := range complaintIndexesV6 {
		if err := mongodb.DropIndexes(ctx, db, ix.Collection, ix.Name); err != nil {
			return err
		}
	}
	return nil
}

func indexes(groups ...[]mongodb.Index) func(context.Context, *mongo.Database) error {
	return func(ctx context.Context, db *mongo.Database) error {
		for _, g := range groups {
			if err := mongodb.EnsureIndexes(ctx, db, g...); err != nil {
				return err
			}
		}
		return nil
	}
}

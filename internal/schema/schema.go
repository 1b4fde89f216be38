// Package schema lists the store's schema steps: an ordered, append-only
// list. Add new steps at the end; never edit or remove a released one.
package schema

import (
	"context"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/complaint"
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
	{ID: 6, Name: "complaint indexes", Up: indexes(complaint.Indexes)},
	// New steps go here, numbered on; never edit a released one.
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

package complaint_test

import (
	"context"
	"testing"

	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// BenchmarkNearby: the pre-filing question (checks, then the duplicate
// search of intake) among the seeded complaints, at a place where five
// open complaints of the category wait, so each answer reads five. The
// _id lookups are indexed as the serving embedded store indexes them.
func BenchmarkNearby(b *testing.B) {
	f := newFixture(b)
	seed(b, f, benchSize())
	ctx := context.Background()
	lat, lng := point(b)
	for i := 0; i < 5; i++ {
		if _, _, err := f.svc.Submit(ctx, citizen, complaint.Input{Category: "other", Description: "基准", Lat: lat, Lng: lng}); err != nil {
			b.Fatal(err)
		}
	}
	testenv.IndexIDLookups(b, f.db)
	found := 0
	latencies(b, func() error {
		dups, err := f.svc.Nearby(ctx, "other", lat, lng)
		found += len(dups)
		return err
	})
	b.ReportMetric(float64(found)/float64(b.N), "dups/op")
}

package complaint

import (
	"context"

	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Nearby answers the mini-program's question before a citizen files: are
// there open complaints of this category within the duplicate radius,
// filed in the duplicate window (Suggest)? Category and GCJ-02 point are
// checked as intake checks them, with the same field errors; a point
// outside Ordos is ErrOutsideOrdos. The answer is the public view of each
// (rounded point, no person), as at intake.
func (s *Service) Nearby(ctx context.Context, category string, lat, lng *float64) ([]Duplicate, error) {
	var fields []errs.FieldError
	if _, ok := s.categories[category]; !ok {
		fields = append(fields, errs.Field("category", "unknown", "投诉类别不存在"))
	}
	fields = append(fields, checkPoint(lat, lng)...)
	if len(fields) > 0 {
		return nil, errs.Invalid(fields...)
	}
	if _, inside := geo.Locate(*lat, *lng); !inside {
		return nil, ErrOutsideOrdos
	}
	return s.Suggest(ctx, category, *lat, *lng)
}

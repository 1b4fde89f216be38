package survey

import (
	"fmt"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/stats"
)

// decodeResponse reads a stored response without reflection. Recomputing
// official figures and exporting read every response of a survey; the
// driver's reflective decoder spent three quarters of that time.
func decodeResponse(raw bson.Raw, r *Response) error {
	elems, err := raw.Elements()
	if err != nil {
		return fmt.Errorf("survey response: %w", err)
	}
	*r = Response{}
	bad := func(key string) error { return fmt.Errorf("survey response: field %s has an unexpected type", key) }
	for _, e := range elems {
		v := e.Value()
		var ok bool
		switch key := e.Key(); key {
		case "_id":
			r.ID, ok = v.StringValueOK()
		case "survey_id":
			r.SurveyID, ok = v.StringValueOK()
		case "respondent":
			r.Respondent, ok = v.StringValueOK()
		case "district":
			r.District, ok = v.StringValueOK()
		case "sex":
			var n int64
			n, ok = v.AsInt64OK()
			r.Sex = stats.Sex(n)
		case "age":
			var n int64
			n, ok = v.AsInt64OK()
			r.Age = stats.AgeBand(n)
		case "started_at":
			r.StartedAt, ok = v.TimeOK()
			r.StartedAt = r.StartedAt.UTC()
		case "submitted_at":
			r.SubmittedAt, ok = v.TimeOK()
			r.SubmittedAt = r.SubmittedAt.UTC()
		case "flags":
			var arr bson.Raw
			if arr, ok = v.ArrayOK(); ok {
				vals, err := arr.Values()
				if err != nil {
					return bad(key)
				}
				r.Flags = make([]string, 0, len(vals))
				for _, f := range vals {
					s, sok := f.StringValueOK()
					if !sok {
						return bad(key)
					}
					r.Flags = append(r.Flags, s)
				}
			}
		case "answers":
			var doc bson.Raw
			if doc, ok = v.DocumentOK(); ok {
				as, err := doc.Elements()
				if err != nil {
					return bad(key)
				}
				r.Answers = make(map[string]Answer, len(as))
				for _, a := range as {
					var ans Answer
					av := a.Value()
					if err := ans.UnmarshalBSONValue(av.Type, av.Value); err != nil {
						return err
					}
					r.Answers[a.Key()] = ans
				}
			}
		default:
			ok = true // fields of later versions are ignored, as the driver would
		}
		if !ok {
			return bad(e.Key())
		}
	}
	if r.Flags == nil {
		r.Flags = []string{}
	}
	return nil
}

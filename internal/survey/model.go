// Package survey runs citizen surveys and the third-party evaluation built
// on them (DESIGN.md §4): admins design and publish surveys, citizens answer
// once each, the evaluator reads weighted statistics, exports the data and
// signs the official 满意度 (I52) and 普及率 (I50) values.
//
// Responses are keyed by survey and a per-survey hash of the respondent, so
// a second answer is impossible in the store; a Redis SET NX catches repeats
// before they reach the group-commit writer, whose batches slow down badly
// on duplicate keys. Live counts come from tallies kept in Redis as batches
// commit; official figures are always recomputed from stored responses.
package survey

import (
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"

	"github.com/ordos-wufei/wufei/internal/stats"
)

// Type is a question type.
type Type string

// The question types.
const (
	Single   Type = "single"   // one option
	Multiple Type = "multiple" // any number of options
	Likert5  Type = "likert5"  // 5 = 非常满意 … 1 = 非常不满意
	Rating10 Type = "rating10" // 0–10
	Text     Type = "text"     // free text, checked by WeChat content security
	District Type = "district" // a district adcode of the census
)

// Types lists the question types.
var Types = []Type{Single, Multiple, Likert5, Rating10, Text, District}

// LikertLabels are the fixed labels of a likert5 item, by value.
var LikertLabels = map[int]string{5: "非常满意", 4: "比较满意", 3: "一般", 2: "不太满意", 1: "非常不满意"}

// Status is a survey's life-cycle state. "Open" is derived: published and
// inside its window.
type Status string

// The statuses.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusClosed    Status = "closed"
)

// Flags kept with a response. Flagged responses stay stored and are
// excluded from official figures.
const (
	FlagTooFast         = "too_fast"
	FlagStraightLining  = "straight_lining"
	FlagAttentionFailed = "attention_failed"
)

// Flags lists the response flags in report order.
var Flags = []string{FlagTooFast, FlagStraightLining, FlagAttentionFailed}

// Measures of satisfaction.
const (
	MeasureRate  = "rate"  // 满意率: share answering 4 or 5
	MeasureScore = "score" // 满意度得分: mean of 100/80/60/40/20
)

// Option is one choice of a single or multiple question.
type Option struct {
	Value string `bson:"value" json:"value"`
	Label string `bson:"label" json:"label"`
}

// ShowIf shows a question only when an earlier question's answer is one of
// In (for multiple questions: any selected option is). Values are written as
// strings, "4" for a likert answer of 4.
type ShowIf struct {
	Question string   `bson:"question" json:"question"`
	In       []string `bson:"in" json:"in"`
}

// Question is one item of a survey.
type Question struct {
	ID       string   `bson:"id" json:"id"`
	Type     Type     `bson:"type" json:"type"`
	Title    string   `bson:"title" json:"title"`
	Options  []Option `bson:"options,omitempty" json:"options,omitempty"`
	Required bool     `bson:"required" json:"required"`
	ShowIf   *ShowIf  `bson:"show_if,omitempty" json:"show_if,omitempty"`
	// Expect makes the question an attention check: any other answer flags
	// the response attention_failed. Written as a string like ShowIf.In.
	Expect string `bson:"expect,omitempty" json:"expect,omitempty"`
	// MaxLength bounds a text answer in characters (default 500).
	MaxLength int `bson:"max_length,omitempty" json:"max_length,omitempty"`
	// Demographic marks a single question asking "sex" (options male,
	// female) or "age" (options 0-14, 15-59, 60+), used for raking.
	Demographic string `bson:"demographic,omitempty" json:"demographic,omitempty"`
}

// Measures says which questions carry the official figures.
type Measures struct {
	Satisfaction        string   `bson:"satisfaction,omitempty" json:"satisfaction,omitempty"`
	SatisfactionMeasure string   `bson:"satisfaction_measure,omitempty" json:"satisfaction_measure,omitempty"`
	Awareness           []string `bson:"awareness,omitempty" json:"awareness,omitempty"`
	AwarenessYes        []string `bson:"awareness_yes,omitempty" json:"awareness_yes,omitempty"`
}

// Definition is what an admin designs.
type Definition struct {
	Title       string         `bson:"title" json:"title"`
	Description string         `bson:"description" json:"description"`
	OpensAt     time.Time      `bson:"opens_at" json:"opens_at"`
	ClosesAt    time.Time      `bson:"closes_at" json:"closes_at"`
	Questions   []Question     `bson:"questions" json:"questions"`
	Quotas      map[string]int `bson:"quotas,omitempty" json:"quotas,omitempty"`
	Measures    Measures       `bson:"measures" json:"measures"`
	// MinSecondsPerAnswer: a response submitted faster than this many
	// seconds per answered question after start is flagged too_fast.
	MinSecondsPerAnswer float64 `bson:"min_seconds_per_answer" json:"min_seconds_per_answer"`
}

// DefaultMinSecondsPerAnswer is the too_fast threshold when none is given.
const DefaultMinSecondsPerAnswer = 2.0

// Survey is a stored survey. A published survey never changes except to
// close; edits make a new version (a new survey of the same family).
type Survey struct {
	ID     string `bson:"_id" json:"id"`
	Family string `bson:"family" json:"family"` // the first version's id
	// Version counts from 1 within the family; Previous is the version it
	// was cloned from.
	Version     int    `bson:"version" json:"version"`
	Previous    string `bson:"previous,omitempty" json:"previous,omitempty"`
	Status      Status `bson:"status" json:"status"`
	Definition  `bson:",inline"`
	CreatedBy   string     `bson:"created_by" json:"created_by"`
	CreatedAt   time.Time  `bson:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `bson:"updated_at" json:"updated_at"`
	PublishedAt *time.Time `bson:"published_at,omitempty" json:"published_at,omitempty"`
	ClosedAt    *time.Time `bson:"closed_at,omitempty" json:"closed_at,omitempty"`
	// Rev guards read-modify-write of drafts.
	Rev int `bson:"rev" json:"-"`
}

// Open reports whether s accepts responses at t.
func (s *Survey) Open(t time.Time) bool {
	return s.Status == StatusPublished && !t.Before(s.OpensAt) && t.Before(s.ClosesAt)
}

// Question returns the question with id.
func (s *Survey) Question(id string) (Question, bool) {
	for _, q := range s.Questions {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// Response is a stored response. Its ID derives from the survey and the
// respondent, so the store itself refuses a second one.
type Response struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"survey_id"`
	// Respondent is a per-survey hash of the respondent key (itself a salted
	// HMAC of the WeChat identity): responses of one person cannot be linked
	// across surveys through exports.
	Respondent  string            `bson:"respondent"`
	District    string            `bson:"district"`
	Sex         stats.Sex         `bson:"sex,omitempty"`
	Age         stats.AgeBand     `bson:"age,omitempty"`
	Answers     map[string]Answer `bson:"answers"`
	Flags       []string          `bson:"flags"`
	StartedAt   time.Time         `bson:"started_at"`
	SubmittedAt time.Time         `bson:"submitted_at"`
}

// Answer is one answer, read according to its question's type: N for
// likert5 and rating10, S for single, district and text, L for multiple.
// It is stored as the plain value (5, "yes", ["tv", "web"]): readable in
// the store, and a third cheaper for the embedded store to write than a
// sub-document per answer.
type Answer struct {
	N *int
	S string
	L []string
}

// MarshalBSONValue stores the answer as its plain value.
func (a Answer) MarshalBSONValue() (bsontype.Type, []byte, error) {
	switch {
	case a.N != nil:
		return bson.MarshalValue(int32(*a.N))
	case a.L != nil:
		return bson.MarshalValue(a.L)
	}
	return bson.MarshalValue(a.S)
}

// UnmarshalBSONValue reads a stored plain value.
func (a *Answer) UnmarshalBSONValue(t bsontype.Type, data []byte) error {
	rv := bson.RawValue{Type: t, Value: data}
	*a = Answer{}
	switch t {
	case bsontype.Int32, bsontype.Int64, bsontype.Double:
		n, ok := rv.AsInt64OK()
		if !ok {
			return fmt.Errorf("survey answer: %v is not an integer", rv)
		}
		v := int(n)
		a.N = &v
	case bsontype.String:
		a.S = rv.StringValue()
	case bsontype.Array:
		vals, err := rv.Array().Values()
		if err != nil {
			return err
		}
		a.L = make([]string, 0, len(vals))
		for _, v := range vals {
			s, ok := v.StringValueOK()
			if !ok {
				return fmt.Errorf("survey answer: list item %v is not a string", v)
			}
			a.L = append(a.L, s)
		}
	default:
		return fmt.Errorf("survey answer: unexpected BSON type %v", t)
	}
	return nil
}

// Valid reports whether the response counts in official figures.
func (r *Response) Valid() bool { return len(r.Flags) == 0 }

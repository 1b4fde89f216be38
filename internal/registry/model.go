// Package registry holds the programme's 52 indicators and 83 tasks with
// their live state: measurements of indicators, progress updates of tasks,
// admin corrections of the published text, and the feeds through which the
// survey, cell and complaint capabilities report their indicators.
//
// Status rules (see package assess for the details): an indicator's status
// derives from its latest measurement, the 2020 baseline, the 2025 target,
// its direction and the measurement's period — achieved when the target is
// met; otherwise on_track / at_risk / lagging against a straight path from
// the baseline (end of 2020) to the target (end of 2025), with a tolerance
// of 10% of the distance; no_data without a measurement. Qualitative
// targets take a person's assessment. A task's status is its latest update
// (not_started before any); overdue is derived from its due date and status,
// never stored.
package registry

import (
	"time"

	"github.com/ordos-wufei/wufei/internal/registry/assess"
)

// Source says where a measurement came from.
type Source string

// The sources.
const (
	SourceManual    Source = "manual"    // entered by staff
	SourceComputed  Source = "computed"  // computed live by this service
	SourceEvaluator Source = "evaluator" // signed off by the third-party evaluator
)

// FeedKind says how a live indicator gets its values.
type FeedKind string

// The feed kinds.
const (
	// FeedComputed indicators take their current value from a registered
	// Feed; staff cannot enter values for them.
	FeedComputed FeedKind = "computed"
	// FeedSignedOff indicators take values signed off by the evaluator
	// (RecordSignedOff); staff cannot enter values for them.
	FeedSignedOff FeedKind = "signed_off"
	// FeedFigures indicators show live figures from a registered Feed
	// beside a person's assessment, which staff still enter.
	FeedFigures FeedKind = "figures"
)

// Live lists the indicators fed by this service (DESIGN.md §3).
var Live = map[string]LiveSpec{
	"I41": {Kind: FeedComputed, Name: "无废细胞认定数量"},
	"I48": {Kind: FeedComputed, Name: "投诉举报办结率"},
	"I50": {Kind: FeedSignedOff, Name: "宣传教育培训普及率（第三方测评）"},
	"I51": {Kind: FeedFigures, Name: "公众参与情况"},
	"I52": {Kind: FeedSignedOff, Name: "公众满意程度（第三方测评）"},
}

// LiveSpec describes one live indicator.
type LiveSpec struct {
	Kind FeedKind
	Name string
}

// Measurement is one value of an indicator for a period.
type Measurement struct {
	ID         string         `json:"id"`
	Period     string         `json:"period"`
	Value      *float64       `json:"value"`
	Assessment string         `json:"assessment,omitempty"`
	Note       string         `json:"note,omitempty"`
	Evidence   []string       `json:"evidence"`
	Source     Source         `json:"source"`
	Provenance map[string]any `json:"provenance,omitempty"`
	// Supersedes names the measurement this one corrects; SupersededBy is
	// set on the corrected one. Signed values are never edited, only
	// superseded with a reason.
	Supersedes   string    `json:"supersedes,omitempty"`
	SupersededBy string    `json:"superseded_by,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	By           Who       `json:"by"`
	RecordedAt   time.Time `json:"recorded_at"`
	periodEnd    time.Time
}

// Who recorded something.
type Who struct {
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	Department string `json:"department,omitempty"`
}

// Indicator is an indicator with its effective text (seed, then admin
// corrections) and derived state.
type Indicator struct {
	Code             string
	No               int
	Level1           string
	Level2           string
	Name             string
	NationalRequired bool
	CitySpecific     bool
	Baseline2020     string
	Target2025       string
	Unit             string
	Departments      []string
	Direction        assess.Direction
	Target           assess.Target
	Live             *LiveSpec
	// Corrected lists the fields an admin changed from the seed.
	Corrected []string

	Measurements []Measurement // oldest first, superseded ones included
	Latest       *Measurement  // the current value, nil when none
	LiveFigures  map[string]any
	Status       assess.Status
	Progress     *float64
}

// TaskUpdate is one progress report of a task.
type TaskUpdate struct {
	ID       string            `json:"id"`
	Status   assess.TaskStatus `json:"status"`
	Progress float64           `json:"progress"`
	Note     string            `json:"note,omitempty"`
	Evidence []string          `json:"evidence"`
	By       Who               `json:"by"`
	At       time.Time         `json:"at"`
}

// Task is a task with its effective text and derived state.
type Task struct {
	Code         string
	Domain       string
	No           int
	Name         string
	Description  string
	Lead         []string
	Participants []string
	Deadline     string
	Due          *time.Time
	Continuous   bool
	Corrected    []string

	Updates  []TaskUpdate // oldest first
	Latest   *TaskUpdate
	Status   assess.TaskStatus
	Progress float64
	Overdue  bool
}

// Special department names of the seed that stand for groups.
const (
	AllMembers   = "各成员单位"   // every member department
	AllDistricts = "各旗区人民政府" // every district government
	Evaluator    = "第三方测评机构" // the evaluator role
)

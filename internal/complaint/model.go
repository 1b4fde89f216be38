// Package complaint handles citizens' reports of solid-waste problems: intake
// with possible-duplicate suggestions, the handling workflow 受理→办理→办结→
// 回访→评价 (国办发〔2020〕53号) on deadlines counted in Chinese working days,
// the reporter's rating, privacy of the reporter, Open311 API keys, and the
// live value of indicator 48 (投诉举报办结率).
//
// Every complaint is one document that carries its own history, so a move
// and its history entry are one write. Moves are guarded by status and
// version in the filter and, because FerretDB v1 updates are not atomic,
// serialised per complaint by a mongodb.Locker within the process.
package complaint

import (
	"fmt"
	"io/fs"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ordos-wufei/wufei/configs"
)

// ConfigPath is where categories and settings live in configs.FS.
const ConfigPath = "complaints/complaints.yaml"

// Datatype is an Open311 attribute datatype.
type Datatype string

// The Open311 datatypes.
const (
	TypeString      Datatype = "string"
	TypeNumber      Datatype = "number"
	TypeDatetime    Datatype = "datetime"
	TypeText        Datatype = "text"
	TypeSingleValue Datatype = "singlevaluelist"
	TypeMultiValue  Datatype = "multivaluelist"
)

// AttributeValue is one option of a list attribute.
type AttributeValue struct {
	Key  string `yaml:"key" json:"key"`
	Name string `yaml:"name" json:"name"`
}

// Attribute is an extra question of a category (an Open311 attribute).
type Attribute struct {
	Code        string           `yaml:"code" json:"code"`
	Datatype    Datatype         `yaml:"datatype" json:"datatype"`
	Required    bool             `yaml:"required" json:"required"`
	Description string           `yaml:"description" json:"description"`
	Values      []AttributeValue `yaml:"values" json:"values,omitempty"`
}

// Category is a kind of problem, published as an Open311 service.
type Category struct {
	Code        string      `yaml:"code" json:"code"`
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description" json:"description"`
	Group       string      `yaml:"group" json:"group"`
	Keywords    string      `yaml:"keywords" json:"keywords"`
	Department  string      `yaml:"department" json:"department"`
	Urgent      bool        `yaml:"urgent" json:"urgent"`
	AcceptDays  int         `yaml:"accept_days" json:"accept_days"`
	ResolveDays int         `yaml:"resolve_days" json:"resolve_days"`
	Attributes  []Attribute `yaml:"attributes" json:"attributes"`
}

// Settings are the handling rules of configs/complaints/complaints.yaml.
type Settings struct {
	JurisdictionID   string  `yaml:"jurisdiction_id"`
	AutoCloseDays    int     `yaml:"auto_close_days"`
	WarnFraction     float64 `yaml:"warn_fraction"`
	DuplicateRadiusM float64 `yaml:"duplicate_radius_m"`
	DuplicateDays    int     `yaml:"duplicate_days"`
	MaxExtensionDays int     `yaml:"max_extension_days"`
	Contact          string  `yaml:"contact"`
}

// Config is the whole complaint configuration.
type Config struct {
	Settings   Settings   `yaml:"settings"`
	Categories []Category `yaml:"categories"`
}

// LoadConfig reads and checks the embedded configuration.
func LoadConfig() (Config, error) {
	data, err := fs.ReadFile(configs.FS, ConfigPath)
	if err != nil {
		return Config{}, fmt.Errorf("complaint config: %w", err)
	}
	return ParseConfig(data)
}

// ParseConfig parses and checks a configuration: unique category codes,
// positive deadlines, known datatypes, list attributes with values.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("complaint config: %w", err)
	}
	s := c.Settings
	if s.JurisdictionID == "" || s.AutoCloseDays < 1 || s.WarnFraction <= 0 || s.WarnFraction >= 1 ||
		s.DuplicateRadiusM <= 0 || s.DuplicateDays < 1 || s.MaxExtensionDays < 1 {
		return c, fmt.Errorf("complaint config: settings incomplete or out of range: %+v", s)
	}
	seen := map[string]bool{}
	for _, cat := range c.Categories {
		if cat.Code == "" || cat.Name == "" || cat.Department == "" || seen[cat.Code] {
			return c, fmt.Errorf("complaint config: category %q: missing code, name or department, or duplicate", cat.Code)
		}
		seen[cat.Code] = true
		if cat.AcceptDays < 1 || cat.ResolveDays < 1 {
			return c, fmt.Errorf("complaint config: category %s: deadlines must be at least one working day", cat.Code)
		}
		for _, a := range cat.Attributes {
			if !slices.Contains([]Datatype{TypeString, TypeNumber, TypeDatetime, TypeText, TypeSingleValue, TypeMultiValue}, a.Datatype) {
				return c, fmt.Errorf("complaint config: %s.%s: unknown datatype %q", cat.Code, a.Code, a.Datatype)
			}
			if (a.Datatype == TypeSingleValue || a.Datatype == TypeMultiValue) == (len(a.Values) == 0) {
				return c, fmt.Errorf("complaint config: %s.%s: list datatypes and only they take values", cat.Code, a.Code)
			}
		}
	}
	if len(c.Categories) == 0 {
		return c, fmt.Errorf("complaint config: no categories")
	}
	return c, nil
}

// Status is where a complaint is in its workflow.
type Status string

// The statuses (see status.go for the moves between them).
const (
	StatusSubmitted  Status = "submitted"   // filed, awaiting acceptance
	StatusAccepted   Status = "accepted"    // accepted, awaiting assignment
	StatusRejected   Status = "rejected"    // not accepted (reason given)
	StatusAssigned   Status = "assigned"    // assigned to a department or district
	StatusInProgress Status = "in_progress" // the handler is working on it
	StatusResolved   Status = "resolved"    // the handler reported a result
	StatusClosed     Status = "closed"      // rated satisfied, or closed without rating
	StatusMerged     Status = "merged"      // a duplicate, merged into another
)

// Open reports whether the case still needs work (Open311 "open").
func (s Status) Open() bool {
	return s != StatusClosed && s != StatusRejected && s != StatusMerged
}

// Label is the Chinese name of the status.
func (s Status) Label() string {
	return map[Status]string{StatusSubmitted: "待受理", StatusAccepted: "已受理", StatusRejected: "不予受理",
		StatusAssigned: "已交办", StatusInProgress: "办理中", StatusResolved: "已办结待评价", StatusClosed: "已结案",
		StatusMerged: "已合并"}[s]
}

// Handler is who a case is assigned to: a registry department, or a
// district by adcode.
type Handler struct {
	Kind string `bson:"kind"` // "department" or "district"
	Code string `bson:"code"` // department name, or district adcode
	Name string `bson:"name"` // Chinese name
}

// Reporter is the person behind a complaint. Only the reporter, the admin
// and the assigned handler see it; for anonymous complaints the handler sees
// it neither.
type Reporter struct {
	UserID string `bson:"user_id"`
	Name   string `bson:"name"`
	Phone  string `bson:"phone"`
	Email  string `bson:"email"`
	// Client names the Open311 API client that filed it, if any.
	Client string `bson:"client"`
}

// Event is one entry of a complaint's history.
type Event struct {
	At      time.Time `bson:"at"`
	Action  string    `bson:"action"`
	From    Status    `bson:"from"`
	To      Status    `bson:"to"`
	ByRole  string    `bson:"by_role"`
	ByName  string    `bson:"by_name"`
	Note    string    `bson:"note"`
	Handler *Handler  `bson:"handler"`
}

// Extension is the one extension of the resolve deadline a case may get.
type Extension struct {
	Days        int        `bson:"days"`
	Reason      string     `bson:"reason"`
	RequestedAt time.Time  `bson:"requested_at"`
	State       string     `bson:"state"` // requested, approved, refused
	DecidedAt   *time.Time `bson:"decided_at"`
	Note        string     `bson:"note"`
}

// Feedback is the reporter's rating of a result.
type Feedback struct {
	Rating  int       `bson:"rating"`
	Comment string    `bson:"comment"`
	Reopen  bool      `bson:"reopen"`
	At      time.Time `bson:"at"`
}

// Complaint is one report with its whole state. ID is the human-readable
// tracking number. An Unlocated complaint has a district but no point (an
// Open311 request whose address_string names one banner or district): its
// Lat and Lng are zero and mean nothing, views show no point, and it is
// never offered as a duplicate.
type Complaint struct {
	ID          string            `bson:"_id"`
	Category    string            `bson:"category"`
	Description string            `bson:"description"`
	Lat         float64           `bson:"lat"` // GCJ-02
	Lng         float64           `bson:"lng"`
	Unlocated   bool              `bson:"unlocated"` // only District is known (Open311 address_string); Lat, Lng zero
	Address     string            `bson:"address"`
	District    string            `bson:"district"` // adcode
	DistName    string            `bson:"district_name"`
	Photos      []string          `bson:"photos"`
	MediaURL    string            `bson:"media_url"` // Open311 media_url, as given by the client
	Attributes  map[string]string `bson:"attributes"`
	Anonymous   bool              `bson:"anonymous"`
	Reporter    Reporter          `bson:"reporter"`
	Source      string            `bson:"source"` // miniprogram or open311
	Followers   []string          `bson:"followers"`

	Status     Status   `bson:"status"`
	Handler    *Handler `bson:"handler"`
	Result     string   `bson:"result"`
	ResultPix  []string `bson:"result_photos"`
	Rejection  string   `bson:"rejection"`
	Abusive    bool     `bson:"abusive"`
	MergedInto string   `bson:"merged_into"`

	SubmittedAt time.Time  `bson:"submitted_at"`
	AcceptedAt  *time.Time `bson:"accepted_at"`
	ResolvedAt  *time.Time `bson:"resolved_at"`
	ClosedAt    *time.Time `bson:"closed_at"`
	UpdatedAt   time.Time  `bson:"updated_at"`
	AcceptDue   time.Time  `bson:"accept_due"`
	ResolveDue  *time.Time `bson:"resolve_due"`

	Extension *Extension `bson:"extension"`
	Feedback  []Feedback `bson:"feedback"`
	Reopened  int        `bson:"reopened"`
	// Warned and Overdue name the deadlines ("accept", "resolve") the job
	// has warned about or marked overdue; Escalated is set with Overdue.
	Warned    []string `bson:"warned"`
	Overdue   []string `bson:"overdue"`
	Escalated bool     `bson:"escalated"`

	History []Event `bson:"history"`
	Version int64   `bson:"version"`
}

// OnTime reports whether a resolved or closed case was resolved by its
// deadline.
func (c Complaint) OnTime() bool {
	return c.ResolvedAt != nil && c.ResolveDue != nil && c.ResolvedAt.Before(*c.ResolveDue)
}

package httpapi

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// ---- wire shapes ----------------------------------------------------------

type districtDTO struct {
	Adcode string `json:"adcode"`
	Name   string `json:"name"`
}

type complaintHandlerDTO struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// reporterDTO carries the person; it is only present for the reporter,
// the admin and the assigned handler, and never holds a user id or openid.
type reporterDTO struct {
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
	Client string `json:"client,omitempty"`
}

type complaintEventDTO struct {
	At      time.Time            `json:"at"`
	Action  string               `json:"action"`
	From    string               `json:"from,omitempty"`
	To      string               `json:"to,omitempty"`
	ByRole  string               `json:"by_role"`
	ByName  string               `json:"by_name,omitempty"`
	Note    string               `json:"note,omitempty"`
	Handler *complaintHandlerDTO `json:"handler,omitempty"`
}

type extensionDTO struct {
	Days        int        `json:"days"`
	Reason      string     `json:"reason"`
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requested_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	Note        string     `json:"note,omitempty"`
}

type feedbackDTO struct {
	Rating  int       `json:"rating"`
	Comment string    `json:"comment,omitempty"`
	Reopen  bool      `json:"reopen"`
	At      time.Time `json:"at"`
}

type complaintDTO struct {
	ID           string               `json:"id"`
	TrackingNo   string               `json:"tracking_no"`
	Category     string               `json:"category"`
	CategoryName string               `json:"category_name"`
	Description  string               `json:"description"`
	Lat          *float64             `json:"lat"` // null when not located
	Lng          *float64             `json:"lng"`
	Located      bool                 `json:"located"`
	Address      string               `json:"address"`
	District     districtDTO          `json:"district"`
	Photos       []string             `json:"photos"`
	Attributes   map[string]string    `json:"attributes"`
	Anonymous    bool                 `json:"anonymous"`
	Reporter     *reporterDTO         `json:"reporter,omitempty"`
	View         string               `json:"view"` // full, staff or public
	Status       string               `json:"status"`
	StatusLabel  string               `json:"status_label"`
	Handler      *complaintHandlerDTO `json:"handler"`
	Result       string               `json:"result,omitempty"`
	ResultPhotos []string             `json:"result_photos"`
	Rejection    string               `json:"rejection,omitempty"`
	MergedInto   string               `json:"merged_into,omitempty"`
	SubmittedAt  time.Time            `json:"submitted_at"`
	AcceptedAt   *time.Time           `json:"accepted_at"`
	ResolvedAt   *time.Time           `json:"resolved_at"`
	ClosedAt     *time.Time           `json:"closed_at"`
	UpdatedAt    time.Time            `json:"updated_at"`
	AcceptDue    time.Time            `json:"accept_due"`
	ResolveDue   *time.Time           `json:"resolve_due"`
	Extension    *extensionDTO        `json:"extension"`
	Feedback     []feedbackDTO        `json:"feedback"`
	Reopened     int                  `json:"reopened"`
	Warned       []string             `json:"warned"`
	Overdue      []string             `json:"overdue"`
	Escalated    bool                 `json:"escalated"`
	History      []complaintEventDTO  `json:"history"`
}

var viewNames = map[complaint.Access]string{complaint.AccessFull: "full", complaint.AccessStaff: "staff", complaint.AccessPublic: "public"}

func handlerDTO(h *complaint.Handler) *complaintHandlerDTO {
	if h == nil {
		return nil
	}
	return &complaintHandlerDTO{Kind: h.Kind, Code: h.Code, Name: h.Name}
}

func local(t time.Time) time.Time { return t.In(cst) }

func localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.In(cst)
	return &v
}

// toComplaintDTO renders an already redacted complaint (the service
// decides what a caller may see; this only shapes it).
func (s *Server) toComplaintDTO(c complaint.Complaint, l complaint.Access) complaintDTO {
	cat, _ := s.Complaints.Category(c.Category)
	d := complaintDTO{ID: c.ID, TrackingNo: c.ID, Category: c.Category, CategoryName: cat.Name, Description: c.Description,
		Located: !c.Unlocated, Address: c.Address, District: districtDTO{Adcode: c.District, Name: c.DistName},
		Photos: nonNilStrings(c.Photos), Attributes: c.Attributes, Anonymous: c.Anonymous, View: viewNames[l],
		Status: string(c.Status), StatusLabel: c.Status.Label(), Handler: handlerDTO(c.Handler), Result: c.Result,
		ResultPhotos: nonNilStrings(c.ResultPix), Rejection: c.Rejection, MergedInto: c.MergedInto,
		SubmittedAt: local(c.SubmittedAt), AcceptedAt: localPtr(c.AcceptedAt), ResolvedAt: localPtr(c.ResolvedAt),
		ClosedAt: localPtr(c.ClosedAt), UpdatedAt: local(c.UpdatedAt), AcceptDue: local(c.AcceptDue), ResolveDue: localPtr(c.ResolveDue),
		Feedback: []feedbackDTO{}, Reopened: c.Reopened, Warned: nonNilStrings(c.Warned), Overdue: nonNilStrings(c.Overdue),
		Escalated: c.Escalated, History: []complaintEventDTO{}}
	if d.Attributes == nil {
		d.Attributes = map[string]string{}
	}
	if !c.Unlocated {
		lat, lng := c.Lat, c.Lng
		d.Lat, d.Lng = &lat, &lng
	}
	if l == complaint.AccessFull {
		r := c.Reporter
		d.Reporter = &reporterDTO{Name: r.Name, Phone: r.Phone, Email: r.Email, Client: r.Client}
	}
	if e := c.Extension; e != nil {
		d.Extension = &extensionDTO{Days: e.Days, Reason: e.Reason, State: e.State, RequestedAt: local(e.RequestedAt), DecidedAt: localPtr(e.DecidedAt), Note: e.Note}
	}
	for _, f := range c.Feedback {
		d.Feedback = append(d.Feedback, feedbackDTO{Rating: f.Rating, Comment: f.Comment, Reopen: f.Reopen, At: local(f.At)})
	}
	for _, ev := range c.History {
		d.History = append(d.History, complaintEventDTO{At: local(ev.At), Action: ev.Action, From: string(ev.From), To: string(ev.To),
			ByRole: ev.ByRole, ByName: ev.ByName, Note: ev.Note, Handler: handlerDTO(ev.Handler)})
	}
	return d
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type categoryDTO struct {
	Code        string                `json:"code"`
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Group       string                `json:"group"`
	Department  string                `json:"department"`
	Urgent      bool                  `json:"urgent"`
	AcceptDays  int                   `json:"accept_days"`
	ResolveDays int                   `json:"resolve_days"`
	Attributes  []complaint.Attribute `json:"attributes"`
}

// ---- handlers -------------------------------------------------------------

func (s *Server) handleComplaintCategories(c *fiber.Ctx) error {
	var out []categoryDTO
	for _, k := range s.Complaints.Categories() {
		attrs := k.Attributes
		if attrs == nil {
			attrs = []complaint.Attribute{}
		}
		out = append(out, categoryDTO{Code: k.Code, Name: k.Name, Description: k.Description, Group: k.Group, Department: k.Department,
			Urgent: k.Urgent, AcceptDays: k.AcceptDays, ResolveDays: k.ResolveDays, Attributes: attrs})
	}
	return c.JSON(fiber.Map{"items": out})
}

// complaintBody is the intake request of the mini-program.
type complaintBody struct {
	Category     string            `json:"category"`
	Description  string            `json:"description"`
	Lat          *float64          `json:"lat"`
	Lng          *float64          `json:"lng"`
	Address      string            `json:"address"`
	Photos       []string          `json:"photos"`
	Anonymous    bool              `json:"anonymous"`
	ContactPhone string            `json:"contact_phone"`
	Attributes   map[string]string `json:"attributes"`
}

// parseComplaintBody decodes an intake body strictly; fuzzed directly.
func parseComplaintBody(body []byte) (complaint.Input, error) {
	var in complaintBody
	if err := decodeStrict(body, &in); err != nil {
		return complaint.Input{}, err
	}
	return complaint.Input{Category: in.Category, Description: in.Description, Lat: in.Lat, Lng: in.Lng, Address: in.Address,
		Photos: in.Photos, Anonymous: in.Anonymous, Phone: strings.TrimSpace(in.ContactPhone), Attributes: in.Attributes}, nil
}

type duplicateDTO struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	StatusLabel string    `json:"status_label"`
	Lat         float64   `json:"lat"`
	Lng         float64   `json:"lng"`
	DistanceM   float64   `json:"distance_m"`
	SubmittedAt time.Time `json:"submitted_at"`
	Description string    `json:"description"`
}

func (s *Server) handleSubmitComplaint(c *fiber.Ctx) error {
	if err := s.decodeJSON(c, &json.RawMessage{}); err != nil {
		return err
	}
	in, err := parseComplaintBody(c.Body())
	if err != nil {
		return err
	}
	cpl, dups, err := s.Complaints.Submit(c.UserContext(), mustActor(c), in)
	if err != nil {
		return err
	}
	out := struct {
		complaintDTO
		Duplicates []duplicateDTO `json:"duplicates"`
	}{complaintDTO: s.toComplaintDTO(cpl, complaint.AccessFull), Duplicates: duplicateDTOs(dups)}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func duplicateDTOs(dups []complaint.Duplicate) []duplicateDTO {
	out := make([]duplicateDTO, 0, len(dups))
	for _, d := range dups {
		out = append(out, duplicateDTO{ID: d.ID, Status: string(d.Status), StatusLabel: d.Status.Label(),
			Lat: d.Lat, Lng: d.Lng, DistanceM: d.DistanceM, SubmittedAt: local(d.SubmittedAt), Description: d.Description})
	}
	return out
}

// queryFloat reads an optional number from the query string.
func queryFloat(c *fiber.Ctx, name string) (*float64, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return nil, errs.Invalid(errs.Field(name, "invalid_type", name+" 须为数字"))
	}
	return &v, nil
}

// handleNearbyComplaints lists open complaints like the one a citizen is
// about to file, in the shape of intake's duplicates.
func (s *Server) handleNearbyComplaints(c *fiber.Ctx) error {
	lat, err := queryFloat(c, "lat")
	if err != nil {
		return err
	}
	lng, err := queryFloat(c, "lng")
	if err != nil {
		return err
	}
	dups, err := s.Complaints.Nearby(c.UserContext(), c.Query("category"), lat, lng)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": duplicateDTOs(dups)})
}

// parseTimeParam accepts RFC 3339 or a calendar date (CST midnight).
func parseTimeParam(c *fiber.Ctx, name string) (*time.Time, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return &t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", raw, cst); err == nil {
		return &t, nil
	}
	return nil, errs.Invalid(errs.Field(name, "invalid", name+" 须为日期（2026-01-31）或 RFC 3339 时间"))
}

func (s *Server) handleListComplaints(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	f := complaint.Filter{Status: complaint.Status(c.Query("status")), Category: c.Query("category"), District: c.Query("district"),
		Department: c.Query("department")}
	if f.Status != "" && f.Status.Label() == "" {
		return errs.Invalid(errs.Field("status", "invalid", "状态取值无效"))
	}
	if f.Category != "" {
		if _, err := s.Complaints.Category(f.Category); err != nil {
			return errs.Invalid(errs.Field("category", "unknown", "投诉类别不存在"))
		}
	}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	if f.From, err = parseTimeParam(c, "from"); err != nil {
		return err
	}
	if f.To, err = parseTimeParam(c, "to"); err != nil {
		return err
	}
	items, next, err := s.Complaints.List(c.UserContext(), mustActor(c), f, limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(list(s.complaintItems(items), next))
}

func (s *Server) complaintItems(items []complaint.Item) []complaintDTO {
	out := make([]complaintDTO, len(items))
	for i, it := range items {
		out[i] = s.toComplaintDTO(it.Complaint, it.Access)
	}
	return out
}

func (s *Server) handleMyComplaints(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.Complaints.Mine(c.UserContext(), mustActor(c), limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(list(s.complaintItems(items), next))
}

func (s *Server) handleGetComplaint(c *fiber.Ctx) error {
	cpl, l, err := s.Complaints.Get(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.toComplaintDTO(cpl, l))
}

// answerComplaint re-reads the complaint as the caller may see it after a move.
func (s *Server) answerComplaint(c *fiber.Ctx, cpl complaint.Complaint, err error) error {
	if err != nil {
		return err
	}
	view, l, err := s.Complaints.Get(c.UserContext(), mustActor(c), cpl.ID)
	if errors.Is(err, complaint.ErrNotFound) {
		// The move handed the case on (a transfer): the caller no longer
		// sees it, but the move succeeded, so answer with the public view.
		view, l, err = complaint.Redact(cpl, complaint.AccessPublic), complaint.AccessPublic, nil
	}
	if err != nil {
		return err
	}
	return c.JSON(s.toComplaintDTO(view, l))
}

// decodeOptional decodes a JSON body when there is one (accept, start).
func (s *Server) decodeOptional(c *fiber.Ctx, dst any) error {
	if len(c.Body()) == 0 {
		return nil
	}
	return s.decodeJSON(c, dst)
}

func (s *Server) handleFollowComplaint(c *fiber.Ctx) error {
	if err := s.decodeOptional(c, &struct{}{}); err != nil {
		return err
	}
	cpl, err := s.Complaints.Follow(c.UserContext(), mustActor(c), c.Params("id"))
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleComplaintFeedback(c *fiber.Ctx) error {
	var in struct {
		Rating  int    `json:"rating"`
		Comment string `json:"comment"`
		Reopen  bool   `json:"reopen"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.Feedback(c.UserContext(), mustActor(c), c.Params("id"), complaint.FeedbackInput{Rating: in.Rating, Comment: in.Comment, Reopen: in.Reopen})
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleAcceptComplaint(c *fiber.Ctx) error {
	if err := s.decodeOptional(c, &struct{}{}); err != nil {
		return err
	}
	cpl, err := s.Complaints.Accept(c.UserContext(), mustActor(c), c.Params("id"))
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleRejectComplaint(c *fiber.Ctx) error {
	var in struct {
		Reason  string `json:"reason"`
		Abusive bool   `json:"abusive"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.Reject(c.UserContext(), mustActor(c), c.Params("id"), in.Reason, in.Abusive)
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleAssignComplaint(c *fiber.Ctx) error {
	var in struct {
		Department string `json:"department"`
		District   string `json:"district"`
		Reason     string `json:"reason"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.Assign(c.UserContext(), mustActor(c), c.Params("id"), complaint.Target{Department: in.Department, District: in.District}, in.Reason)
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleStartComplaint(c *fiber.Ctx) error {
	if err := s.decodeOptional(c, &struct{}{}); err != nil {
		return err
	}
	cpl, err := s.Complaints.Start(c.UserContext(), mustActor(c), c.Params("id"))
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleResolveComplaint(c *fiber.Ctx) error {
	var in struct {
		Result string   `json:"result"`
		Photos []string `json:"photos"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.Resolve(c.UserContext(), mustActor(c), c.Params("id"), in.Result, in.Photos)
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleExtendComplaint(c *fiber.Ctx) error {
	var in struct {
		Days   int    `json:"days"`
		Reason string `json:"reason"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.RequestExtension(c.UserContext(), mustActor(c), c.Params("id"), in.Days, in.Reason)
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleComplaintExtension(c *fiber.Ctx) error {
	var in struct {
		Approve *bool  `json:"approve"`
		Note    string `json:"note"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Approve == nil {
		return errs.Invalid(errs.Field("approve", "required", "请选择批准或不批准"))
	}
	cpl, err := s.Complaints.DecideExtension(c.UserContext(), mustActor(c), c.Params("id"), *in.Approve, in.Note)
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleMergeComplaint(c *fiber.Ctx) error {
	var in struct {
		Into string `json:"into"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cpl, err := s.Complaints.Merge(c.UserContext(), mustActor(c), c.Params("id"), strings.TrimSpace(in.Into))
	return s.answerComplaint(c, cpl, err)
}

func (s *Server) handleIssueOpen311Key(c *fiber.Ctx) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	k, err := s.Complaints.IssueAPIKey(c.UserContext(), mustActor(c), in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": k.ID, "name": k.Name, "api_key": k.Secret, "created_at": local(k.CreatedAt)})
}

// open311KeyDTO describes a key without its secret or hash.
type open311KeyDTO struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by"`
	CreatedByName string     `json:"created_by_name"`
	RevokedAt     *time.Time `json:"revoked_at"`
	LastUsedAt    *time.Time `json:"last_used_at"`
}

func toOpen311KeyDTO(k complaint.APIKey) open311KeyDTO {
	return open311KeyDTO{ID: k.ID, Name: k.Name, CreatedAt: local(k.CreatedAt), CreatedBy: k.CreatedBy, CreatedByName: k.CreatedByName,
		RevokedAt: localPtr(k.RevokedAt), LastUsedAt: localPtr(k.LastUsedAt)}
}

func (s *Server) handleListOpen311Keys(c *fiber.Ctx) error {
	keys, err := s.Complaints.ListAPIKeys(c.UserContext(), mustActor(c))
	if err != nil {
		return err
	}
	out := make([]open311KeyDTO, len(keys))
	for i, k := range keys {
		out[i] = toOpen311KeyDTO(k)
	}
	return c.JSON(fiber.Map{"items": out})
}

func (s *Server) handleRevokeOpen311Key(c *fiber.Ctx) error {
	if err := s.decodeOptional(c, &struct{}{}); err != nil {
		return err
	}
	k, err := s.Complaints.RevokeAPIKey(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toOpen311KeyDTO(k))
}

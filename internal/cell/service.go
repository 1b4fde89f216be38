package cell

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/creditcode"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/upload"
	"github.com/ordos-wufei/wufei/internal/workday"
)

// Options configure the service.
type Options struct {
	Rubrics Rubrics
	// PublicityDays is the length of 公示 in calendar days; 0 ends it at
	// once (pilots and tests).
	PublicityDays int
	Uploads       Uploads  // required to accept evidence ids
	Notifier      Notifier // optional
	QR            QRCoder  // optional: no QR codes without it
	// QRPage is the mini-program page the certificate's QR code opens, with
	// the certificate number as its scene.
	QRPage string
	// Calendar counts review deadlines in Chinese working days; nil loads
	// the embedded calendar.
	Calendar *workday.Calendar
	// ReviewWorkdays is the time each review level has, in working days;
	// 0 means DefaultReviewWorkdays.
	ReviewWorkdays int
	// Supervisors lists the user ids told when a review goes overdue (the
	// admins of 市无废办); DistrictStaff those of a district's staff, told
	// when its own review does. Nil: nobody is told beyond the history.
	Supervisors   func(ctx context.Context) ([]string, error)
	DistrictStaff func(ctx context.Context, adcode string) ([]string, error)
	Now           func() time.Time
	Logger        *slog.Logger
}

// DefaultReviewWorkdays is the default time for each review level. No
// official figure is published; 10 working days is a common administrative
// review period and is labelled a default in the API.
const DefaultReviewWorkdays = 10

// Service runs applications and certificates.
type Service struct {
	st            *store
	audit         *audit.Log
	log           *slog.Logger
	rubrics       Rubrics
	days          int
	uploads       Uploads
	notifier      Notifier
	supervisors   func(ctx context.Context) ([]string, error)
	districtStaff func(ctx context.Context, adcode string) ([]string, error)
	qr            QRCoder
	qrPage        string
	calendar      *workday.Calendar
	reviewDays    int // working days per review level
	now           func() time.Time
	locks         *mongodb.Locker
	// unitLocks and seqMu are separate from locks on purpose: Locker
	// stripes keys, so nesting two keys of one Locker can deadlock on a
	// shared stripe.
	unitLocks *mongodb.Locker
	seqMu     sync.Mutex
	lastSeqs  map[int]int // year → last number issued by or seen from this process; under seqMu

	snapMu   sync.Mutex
	snap     *snapshot
	snapFrom time.Time // the clock when snap was taken: a clock set back (tests) drops it
}

// DefaultQRPage is the verification page of the mini-program.
const DefaultQRPage = "pages/cells/verify/index"

// NewService returns the service over db.
func NewService(db *mongo.Database, al *audit.Log, o Options) (*Service, error) {
	if len(o.Rubrics.Types) == 0 {
		return nil, errors.New("cell: no rubrics")
	}
	if o.PublicityDays < 0 || o.PublicityDays > 60 {
		return nil, fmt.Errorf("cell: publicity days %d outside 0-60", o.PublicityDays)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.QRPage == "" {
		o.QRPage = DefaultQRPage
	}
	if o.ReviewWorkdays <= 0 {
		o.ReviewWorkdays = DefaultReviewWorkdays
	}
	if o.Calendar == nil {
		cal, err := workday.Load(configs.FS, workday.WithUncoveredYear(func(year int) {
			o.Logger.Warn("no holiday calendar for the year: review deadlines count Monday to Friday", "year", year)
		}))
		if err != nil {
			return nil, err
		}
		o.Calendar = cal
	}
	return &Service{st: newStore(db), audit: al, log: o.Logger, rubrics: o.Rubrics, days: o.PublicityDays, uploads: o.Uploads,
		notifier: o.Notifier, supervisors: o.Supervisors, districtStaff: o.DistrictStaff, qr: o.QR, qrPage: o.QRPage, calendar: o.Calendar, reviewDays: o.ReviewWorkdays, now: o.Now, locks: mongodb.NewLocker(), unitLocks: mongodb.NewLocker(),
		lastSeqs: map[int]int{}}, nil
}

// Rubrics returns the configured types and rubrics.
func (s *Service) Rubrics() Rubrics { return s.rubrics }

// ---- input ------------------------------------------------------------------

// UnitInput is the unit part of an application as the applicant writes it.
type UnitInput struct {
	Name, CreditCode, Type, District, Address string
	Lat, Lng                                  *float64
	ContactName, ContactPhone                 string
}

// ItemInput is the self-assessment of one item; nil in a patch removes it.
type ItemInput struct {
	Score    *float64
	Evidence []string
}

// CreateInput is a new application. Renews names a certificate when the
// application renews it.
type CreateInput struct {
	Unit           UnitInput
	SelfAssessment map[string]*ItemInput
	Renews         string
}

// PatchInput edits a draft or returned application: Unit, when given,
// replaces the unit (the credit code cannot change); SelfAssessment items
// replace those items, a nil item removes it.
type PatchInput struct {
	Unit           *UnitInput
	SelfAssessment map[string]*ItemInput
}

var (
	phonePattern    = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)
	uploadIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// maxEvidence caps the uploads per item.
const maxEvidence = 9

func textField(fields *[]errs.FieldError, name, v string, max int, label string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		*fields = append(*fields, errs.Field(name, "required", "请填写"+label))
	case utf8.RuneCountInString(v) > max:
		*fields = append(*fields, errs.Field(name, "too_long", fmt.Sprintf("%s不超过 %d 字", label, max)))
	}
	return v
}

// validateUnit checks the unit and returns it normalised, with the district
// derived from the location: a district claimed by the applicant must agree
// with where the point lies.
func (s *Service) validateUnit(in UnitInput) (unitDoc, Type, []errs.FieldError) {
	var fields []errs.FieldError
	u := unitDoc{}
	u.Name = textField(&fields, "unit.name", in.Name, 100, "单位名称")
	u.CreditCode = creditcode.Normalize(in.CreditCode)
	if err := creditcode.Validate(u.CreditCode); err != nil {
		e, _ := errs.As(err)
		fields = append(fields, errs.Field("unit.credit_code", e.Code, e.Message))
	}
	t, ok := s.rubrics.Type(in.Type)
	if !ok {
		fields = append(fields, errs.Field("unit.type", "invalid", "单位类型不存在，请从类型列表中选择"))
	}
	u.Type = t.Code
	u.Address = textField(&fields, "unit.address", in.Address, 200, "地址")
	u.ContactName = textField(&fields, "unit.contact_name", in.ContactName, 50, "联系人")
	u.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if !phonePattern.MatchString(u.ContactPhone) {
		fields = append(fields, errs.Field("unit.contact_phone", "invalid", "请填写有效的手机号或固定电话"))
	}
	if in.Lat == nil || in.Lng == nil {
		fields = append(fields, errs.Field("unit.lat", "required", "请提供单位位置"))
	} else if d, ok := geo.Locate(*in.Lat, *in.Lng); !ok {
		fields = append(fields, errs.Field("unit.lat", "outside_ordos", "位置不在鄂尔多斯市范围内"))
	} else {
		u.Lat, u.Lng, u.District, u.DistrictName = *in.Lat, *in.Lng, d.Adcode, d.Name
		if in.District != "" && in.District != d.Adcode {
			fields = append(fields, errs.Field("unit.district", "mismatch", fmt.Sprintf("所选旗区与位置不符，位置位于%s", d.Name)))
		}
	}
	return u, t, fields
}

// validateItems checks self-assessment items against t's rubric.
func validateItems(t Type, items map[string]*ItemInput, allowNil bool) []errs.FieldError {
	var fields []errs.FieldError
	for _, code := range sortedKeys(items) {
		in, f := items[code], "self_assessment."+code
		it, ok := t.Item(code)
		switch {
		case !ok:
			fields = append(fields, errs.Field(f, "unknown_item", "评分细则中没有此项"))
			continue
		case in == nil:
			if !allowNil {
				fields = append(fields, errs.Field(f, "required", "请填写自评分"))
			}
			continue
		case in.Score == nil:
			fields = append(fields, errs.Field(f+".score", "required", "请填写自评分"))
		case math.IsNaN(*in.Score) || *in.Score < 0 || *in.Score > it.MaxScore:
			fields = append(fields, errs.Field(f+".score", "out_of_range", fmt.Sprintf("得分须在 0–%g 之间", it.MaxScore)))
		}
		if len(in.Evidence) > maxEvidence {
			fields = append(fields, errs.Field(f+".evidence", "too_many", fmt.Sprintf("每项最多 %d 个证明材料", maxEvidence)))
		}
		for _, id := range in.Evidence {
			if !uploadIDPattern.MatchString(id) {
				fields = append(fields, errs.Field(f+".evidence", "invalid", "证明材料编号无效"))
				break
			}
		}
	}
	return fields
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// evidenceKinds are the upload kinds an item accepts: images for photos,
// images or PDFs for documents (scans are often photos).
func evidenceKinds(it Item) []upload.Kind {
	if it.Evidence == EvidencePhoto {
		return []upload.Kind{upload.KindImage}
	}
	return []upload.Kind{upload.KindImage, upload.KindPDF}
}

// claim attaches the evidence of the given items to the application. Every
// id of every item is checked first, so a bad file in one item leaves the
// others unattached and the applicant can simply send the request again.
func (s *Service) claim(ctx context.Context, a account.Actor, appID string, t Type, items map[string]*ItemInput) error {
	ref := upload.Ref{Type: RefType, ID: appID}
	var fields []errs.FieldError
	some := false
	for _, code := range sortedKeys(items) {
		in := items[code]
		if in == nil || len(in.Evidence) == 0 {
			continue
		}
		some = true
		if s.uploads == nil {
			return errs.ErrUnavailable.WithMessage("证明材料服务不可用")
		}
		it, _ := t.Item(code)
		kinds := evidenceKinds(it)
		for i, id := range in.Evidence {
			name := fmt.Sprintf("self_assessment.%s.evidence[%d]", code, i)
			u, err := s.uploads.Get(ctx, id)
			switch {
			case errors.Is(err, upload.ErrNotFound):
				fields = append(fields, errs.Field(name, "not_found", "文件不存在，请重新上传"))
			case err != nil:
				return err
			case u.OwnerID != a.UserID:
				fields = append(fields, errs.Field(name, "not_owner", "只能使用本人上传的文件"))
			case !slices.Contains(kinds, u.Kind):
				msg := "此项须为图片或 PDF 文件"
				if it.Evidence == EvidencePhoto {
					msg = "此项须为照片（图片）"
				}
				fields = append(fields, errs.Field(name, "wrong_kind", msg))
			case u.Ref != nil && *u.Ref != ref:
				fields = append(fields, errs.Field(name, "in_use", "该文件已用于其他事项"))
			}
		}
	}
	if !some {
		return nil
	}
	if len(fields) > 0 {
		return errs.Invalid(fields...)
	}
	for _, code := range sortedKeys(items) {
		in := items[code]
		if in == nil || len(in.Evidence) == 0 {
			continue
		}
		it, _ := t.Item(code)
		if err := s.uploads.Claim(ctx, a, dedupe(in.Evidence), ref, evidenceKinds(it), upload.Field("self_assessment."+code+".evidence")); err != nil {
			return err
		}
	}
	return nil
}

func dedupe(in []string) []string {
	out := []string{}
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// ---- views ------------------------------------------------------------------

func (w whoDoc) who() Who { return Who(w) }

func whoOf(a account.Actor) whoDoc {
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	if a.Role == account.RoleCitizen && name == "" {
		name = "申报人"
	}
	return whoDoc{UserID: a.UserID, Name: name, Role: string(a.Role)}
}

var systemWho = whoDoc{UserID: "system", Name: "系统", Role: "system"}

func (u unitDoc) unit() Unit { return Unit(u) }

func (r *reviewDoc) review() *Review {
	if r == nil {
		return nil
	}
	return &Review{Decision: r.Decision, Scores: r.Scores, Total: r.Total, VetoFailed: nonNil(r.VetoFailed), Comment: r.Comment, By: r.By.who(), At: r.At}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// view turns a document into an Application, deriving expiry.
func (s *Service) view(d appDoc) Application {
	a := Application{ID: d.ID, Status: Status(d.Status), Unit: d.Unit.unit(), SelfAssessment: map[string]ItemScore{}, Renews: d.Renews,
		DistrictReview: d.DistrictReview.review(), CityReview: d.CityReview.review(), PublicityStart: d.PublicityStart,
		PublicityEnd: d.PublicityEnd, Objections: []Objection{}, Certificate: d.Certificate, History: []HistoryEntry{},
		Applicants: d.Applicants, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for code, it := range d.Self {
		a.SelfAssessment[code] = ItemScore{Score: it.Score, Evidence: nonNil(it.Evidence)}
		a.SelfTotal += it.Score
	}
	for _, o := range d.Objections {
		v := Objection{ID: o.ID, Text: o.Text, By: o.By.who(), At: o.At, Status: o.Status, Resolution: o.Resolution, ResolvedAt: o.ResolvedAt}
		if o.ResolvedBy != nil {
			w := o.ResolvedBy.who()
			v.ResolvedBy = &w
		}
		a.Objections = append(a.Objections, v)
	}
	for _, h := range d.History {
		a.History = append(a.History, HistoryEntry{Action: Action(h.Action), From: Status(h.From), To: Status(h.To), Comment: h.Comment, By: h.By.who(), At: h.At})
	}
	if a.Status == StatusCertified && d.CertExpires != nil && !s.now().Before(*d.CertExpires) {
		a.Status = StatusExpired
	}
	// A review is due the given working days after the application reached
	// its level; overdue is derived, never stored.
	if due, escalated, ok := s.reviewDue(d); ok {
		a.ReviewDue = &due
		a.ReviewOverdue = !s.now().Before(due)
		a.ReviewEscalatedAt = escalated
	}
	return a
}

// reviewDue is when the pending review of d is due: the given working days
// after the application reached its level (the last history entry that
// changed its status), and when the system recorded it overdue, if it has
// since. ok is false when no review is pending.
func (s *Service) reviewDue(d appDoc) (due time.Time, escalated *time.Time, ok bool) {
	if st := Status(d.Status); st != StatusSubmitted && st != StatusDistrictPassed {
		return time.Time{}, nil, false
	}
	for i := len(d.History) - 1; i >= 0; i-- {
		h := d.History[i]
		if h.Action == string(ActReviewOverdue) && escalated == nil {
			at := h.At
			escalated = &at
		}
		if h.From != h.To {
			return s.calendar.AddWorkdays(h.At, s.reviewDays).UTC(), escalated, true
		}
	}
	return time.Time{}, nil, false
}

// mayView reports whether a may read the application: the admin, staff of
// its district, and the citizens acting for the unit.
func mayView(a account.Actor, d appDoc) bool {
	switch a.Role {
	case account.RoleAdmin:
		return true
	case account.RoleDistrict:
		return a.HasDistrict(d.Unit.District)
	case account.RoleCitizen:
		return slices.Contains(d.Applicants, a.UserID)
	}
	return false
}

// MayView reports whether a may see application id (and its evidence); it is
// what the upload service asks before serving an attached file.
func (s *Service) MayView(ctx context.Context, a account.Actor, id string) bool {
	d, err := s.st.app(ctx, id)
	return err == nil && mayView(a, d)
}

// Get returns one application visible to a.
func (s *Service) Get(ctx context.Context, a account.Actor, id string) (Application, error) {
	d, err := s.st.app(ctx, id)
	if err != nil {
		return Application{}, err
	}
	if !mayView(a, d) {
		return Application{}, ErrApplicationNotFound
	}
	return s.view(d), nil
}

// ---- create and edit ----------------------------------------------------------

// Create starts a draft application for a unit. The first citizen to apply
// for a credit code becomes bound to it; others cannot apply in its name.
func (s *Service) Create(ctx context.Context, a account.Actor, in CreateInput) (Application, error) {
	if a.Role != account.RoleCitizen {
		return Application{}, errs.ErrForbidden
	}
	u, t, fields := s.validateUnit(in.Unit)
	if t.Code != "" {
		fields = append(fields, validateItems(t, in.SelfAssessment, false)...)
	}
	in.Renews = strings.TrimSpace(in.Renews)
	if in.Renews != "" && !numberPattern.MatchString(in.Renews) {
		fields = append(fields, errs.Field("renews", "invalid", "证书编号格式不正确"))
	}
	if len(fields) > 0 {
		return Application{}, errs.Invalid(fields...)
	}
	defer s.unitLocks.Lock("unit:" + u.CreditCode)()
	if in.Renews != "" {
		c, err := s.st.cert(ctx, in.Renews)
		if errors.Is(err, ErrCertificateNotFound) {
			return Application{}, errs.Invalid(errs.Field("renews", "not_found", "要续期的证书不存在"))
		}
		if err != nil {
			return Application{}, err
		}
		if c.Revoked || c.Unit.CreditCode != u.CreditCode {
			return Application{}, ErrNotRenewable
		}
	}
	b, found, err := s.st.unit(ctx, u.CreditCode)
	if err != nil {
		return Application{}, err
	}
	if found {
		if !slices.Contains(b.Users, a.UserID) {
			return Application{}, ErrUnitBound
		}
		if b.Latest != "" {
			prev, err := s.st.app(ctx, b.Latest)
			if err != nil && !errors.Is(err, ErrApplicationNotFound) {
				return Application{}, err
			}
			if err == nil && Status(prev.Status).InProgress() {
				return Application{}, ErrInProgress
			}
			if err == nil && prev.Status == string(StatusCertified) && in.Renews == "" &&
				prev.CertExpires != nil && s.now().Before(*prev.CertExpires) {
				return Application{}, ErrAlreadyCertified
			}
		}
	} else {
		b = unitBinding{ID: u.CreditCode, Users: []string{a.UserID}}
	}
	now := s.now().UTC()
	d := appDoc{ID: "ca_" + randomID(), Status: string(StatusDraft), Unit: u, Self: map[string]itemDoc{}, Renews: in.Renews,
		Objections: []objectionDoc{}, Applicants: slices.Clone(b.Users), CreatedAt: now, UpdatedAt: now}
	for code, it := range in.SelfAssessment {
		d.Self[code] = itemDoc{Score: *it.Score, Evidence: dedupe(it.Evidence)}
	}
	d.History = []historyDoc{{Action: "create", To: string(StatusDraft), By: whoOf(a), At: now}}
	if err := s.claim(ctx, a, d.ID, t, in.SelfAssessment); err != nil {
		return Application{}, err
	}
	b.Latest = d.ID
	if err := s.st.saveUnit(ctx, b, found); err != nil {
		if errors.Is(err, errVersion) {
			return Application{}, errs.ErrConflict
		}
		return Application{}, err
	}
	if err := s.st.insertApp(ctx, d); err != nil {
		return Application{}, err
	}
	s.dropSnapshot()
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "cell.application.create", ObjectType: "cell_application", ObjectID: d.ID,
		After: map[string]any{"status": d.Status, "unit": u.Name, "credit_code": u.CreditCode, "type": u.Type, "renews": d.Renews}})
	return s.view(d), nil
}

// Update edits a draft or returned application.
func (s *Service) Update(ctx context.Context, a account.Actor, id string, in PatchInput) (Application, error) {
	if in.Unit == nil && len(in.SelfAssessment) == 0 {
		return Application{}, errs.Invalid(errs.Field("", "empty", "没有要修改的内容"))
	}
	return s.change(ctx, a, id, ActEdit, applicantOnly, func(d *appDoc, now time.Time) (string, error) {
		t, _ := s.rubrics.Type(d.Unit.Type)
		var fields []errs.FieldError
		if in.Unit != nil {
			u, nt, f := s.validateUnit(*in.Unit)
			fields = append(fields, f...)
			if u.CreditCode != d.Unit.CreditCode && !slices.ContainsFunc(f, func(e errs.FieldError) bool { return e.Field == "unit.credit_code" }) {
				fields = append(fields, errs.Field("unit.credit_code", "immutable", "统一社会信用代码不能修改，请新建申报"))
			}
			if len(fields) == 0 {
				d.Unit, t = u, nt
			}
		}
		if len(fields) > 0 {
			return "", errs.Invalid(fields...)
		}
		if err := errsOf(validateItems(t, in.SelfAssessment, true)); err != nil {
			return "", err
		}
		// A change of type leaves items of the old rubric behind: drop them.
		for code := range d.Self {
			if _, ok := t.Item(code); !ok {
				delete(d.Self, code)
			}
		}
		if err := s.claim(ctx, a, d.ID, t, in.SelfAssessment); err != nil {
			return "", err
		}
		for code, it := range in.SelfAssessment {
			if it == nil {
				delete(d.Self, code)
				continue
			}
			d.Self[code] = itemDoc{Score: *it.Score, Evidence: dedupe(it.Evidence)}
		}
		return "", nil
	})
}

func errsOf(fields []errs.FieldError) error {
	if len(fields) > 0 {
		return errs.Invalid(fields...)
	}
	return nil
}

func applicantOnly(a account.Actor, d appDoc) error {
	if a.Role == account.RoleCitizen && slices.Contains(d.Applicants, a.UserID) {
		return nil
	}
	if mayView(a, d) {
		return ErrNotApplicant
	}
	return ErrApplicationNotFound
}

// Submit sends the application to its district: every item scored, every
// required item evidenced, the self-score at the pass mark and no veto item
// unmet.
func (s *Service) Submit(ctx context.Context, a account.Actor, id string) (Application, error) {
	return s.change(ctx, a, id, ActSubmit, applicantOnly, func(d *appDoc, now time.Time) (string, error) {
		t, _ := s.rubrics.Type(d.Unit.Type)
		var fields []errs.FieldError
		scores := map[string]float64{}
		for _, it := range t.Items {
			f := "self_assessment." + it.Code
			got, ok := d.Self[it.Code]
			if !ok {
				fields = append(fields, errs.Field(f, "required", "请填写此项自评"))
				continue
			}
			scores[it.Code] = got.Score
			if it.Evidence != EvidenceNone && len(got.Evidence) == 0 {
				fields = append(fields, errs.Field(f+".evidence", "required", "此项须上传证明材料"))
			}
		}
		total, veto := t.Score(scores)
		for _, code := range veto {
			if _, ok := d.Self[code]; ok {
				fields = append(fields, errs.Field("self_assessment."+code, "veto_failed", "一票否决项未满足"))
			}
		}
		if len(fields) == 0 && total < t.PassMark {
			fields = append(fields, errs.Field("self_assessment", "below_pass_mark", fmt.Sprintf("自评总分 %g 未达到认定分数线 %g", total, t.PassMark)))
		}
		if len(fields) > 0 {
			return "", ErrSubmitIncomplete.WithFields(fields...)
		}
		return "", nil
	})
}

// Withdraw ends the application at the applicant's wish, before publicity.
func (s *Service) Withdraw(ctx context.Context, a account.Actor, id, reason string) (Application, error) {
	if utf8.RuneCountInString(reason) > 2000 {
		return Application{}, errs.Invalid(errs.Field("reason", "too_long", "原因不超过 2000 字"))
	}
	return s.change(ctx, a, id, ActWithdraw, applicantOnly, func(d *appDoc, now time.Time) (string, error) {
		return strings.TrimSpace(reason), nil
	})
}

// ---- the move engine ----------------------------------------------------------

// change makes one move: under the application's lock it reads the document,
// checks who may act (authorize) and whether the table allows the move from
// the current status, lets apply change the document, appends the history
// entry and writes it back guarded by the version. Audit and notification
// follow the write.
func (s *Service) change(ctx context.Context, a account.Actor, id string, act Action,
	authorize func(account.Actor, appDoc) error, apply func(d *appDoc, now time.Time) (string, error)) (Application, error) {
	defer s.locks.Lock("cell:" + id)()
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.st.app(ctx, id)
		if err != nil {
			return Application{}, err
		}
		if err := authorize(a, d); err != nil {
			return Application{}, err
		}
		from := Status(d.Status)
		if from == StatusCertified && d.CertExpires != nil && !s.now().Before(*d.CertExpires) {
			from = StatusExpired
		}
		to, ok := allowed(act, from)
		if !ok {
			return Application{}, wrongStatus(from)
		}
		now := s.now().UTC()
		before := d.Status
		comment, err := apply(&d, now)
		if err != nil {
			return Application{}, err
		}
		if d.Status == before { // apply may choose another target (e.g. certify)
			d.Status = string(to)
		}
		who := whoOf(a)
		if a.UserID == "" {
			who = systemWho
		}
		d.History = append(d.History, historyDoc{Action: string(act), From: before, To: d.Status, Comment: comment, By: who, At: now})
		d.UpdatedAt = now
		err = s.st.replaceApp(ctx, &d)
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return Application{}, err
		}
		s.dropSnapshot()
		actor := audit.System
		if a.UserID != "" {
			actor = a.AuditActor()
		}
		_ = s.audit.Record(ctx, audit.Entry{Actor: actor, Action: "cell.application." + string(act), ObjectType: "cell_application", ObjectID: id,
			Before: map[string]any{"status": before}, After: map[string]any{"status": d.Status, "comment": comment}})
		if d.Status != before {
			s.notify(ctx, d)
		}
		return s.view(d), nil
	}
	return Application{}, errs.ErrConflict
}

// notify tells the applicants about a new status; a failure is logged, not
// returned: the move has happened and the outbox retries on its own.
func (s *Service) notify(ctx context.Context, d appDoc) {
	if s.notifier == nil {
		return
	}
	st := Status(d.Status)
	for _, uid := range d.Applicants {
		err := s.notifier.Notify(ctx, notify.Notification{UserID: uid, Kind: "cell_status", Title: "无废细胞申报进度",
			Body: fmt.Sprintf("%s的申报状态：%s", d.Unit.Name, statusNames[st]), Page: "pages/cells/application/index?id=" + d.ID,
			Data: map[string]string{"application_id": d.ID, "status": string(st)}})
		if err != nil {
			s.log.Error("cell notification failed", "application", d.ID, "err", err)
		}
	}
}

func randomID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// shanghai is where days are counted.
var shanghai = workday.Location()

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// DefaultPublicityDays is the usual 公示 period (configs/wufei.yaml
// cells.publicity_days).
const DefaultPublicityDays = 7

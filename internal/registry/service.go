package registry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/registry/assess"
	"github.com/ordos-wufei/wufei/internal/registry/registrydata"
)

// Feed reports the current value of a live indicator. Value is nil for a
// FeedFigures indicator, whose figures go in Details.
type Feed interface {
	Current(ctx context.Context) (FeedValue, error)
}

// FeedValue is what a Feed reports.
type FeedValue struct {
	Value   *float64
	Period  string
	AsOf    time.Time
	Details map[string]any
}

// FeedFunc adapts a function to Feed.
type FeedFunc func(ctx context.Context) (FeedValue, error)

// Current calls f.
func (f FeedFunc) Current(ctx context.Context) (FeedValue, error) { return f(ctx) }

// Service reads and writes the registry.
type Service struct {
	st        *store
	audit     *audit.Log
	log       *slog.Logger
	overrides map[string]assess.Override
	now       func() time.Time
	locks     *mongodb.Locker

	mu    sync.RWMutex
	feeds map[string]Feed
	claim EvidenceClaimer
	cache *snapshot
}

// EvidenceClaimer attaches uploaded files named as evidence to a registry
// entry (refType "indicator" or "task"), failing with field errors for ids
// that do not exist or are not the actor's.
type EvidenceClaimer func(ctx context.Context, a account.Actor, ids []string, refType, refID string) error

// SetEvidenceClaimer makes upload ids in evidence checked and attached.
func (s *Service) SetEvidenceClaimer(c EvidenceClaimer) { s.claim = c }

// claimEvidence attaches the upload ids among evidence (links pass as they are).
func (s *Service) claimEvidence(ctx context.Context, a account.Actor, evidence []string, refType, refID string) error {
	if s.claim == nil {
		return nil
	}
	var ids []string
	for _, e := range evidence {
		if uploadID.MatchString(e) {
			ids = append(ids, e)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return s.claim(ctx, a, ids, refType, refID)
}

// NewService returns the service over db; call Load before use.
func NewService(db *mongo.Database, al *audit.Log, log *slog.Logger) (*Service, error) {
	data, err := fs.ReadFile(configs.FS, "registry/overrides.yaml")
	if err != nil {
		return nil, fmt.Errorf("registry overrides: %w", err)
	}
	ov, err := assess.LoadOverrides(data)
	if err != nil {
		return nil, err
	}
	return &Service{st: newStore(db), audit: al, log: log, overrides: ov, now: time.Now, feeds: map[string]Feed{}, locks: mongodb.NewLocker()}, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Load writes the embedded registry into the store. It is idempotent: a
// rerun updates the seed copy and never duplicates entries or touches
// measurements, task updates or admin corrections.
func (s *Service) Load(ctx context.Context) error {
	inds, tasks, err := registrydata.Load()
	if err != nil {
		return err
	}
	if err := s.st.loadSeed(ctx, inds, tasks); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

// RegisterFeed makes code a live indicator fed by f.
func (s *Service) RegisterFeed(code string, f Feed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeds[code] = f
}

func (s *Service) feed(code string) Feed {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.feeds[code]
}

// ---- indicators -----------------------------------------------------------

// indicatorOf applies corrections and derives the state of one document.
func (s *Service) indicatorOf(ctx context.Context, d indicatorDoc) Indicator {
	sd, c := d.Seed, d.Corrections
	in := Indicator{Code: d.ID, No: sd.No, Level1: sd.Level1, Level2: sd.Level2, Name: sd.Name,
		NationalRequired: sd.NationalRequired, CitySpecific: sd.CitySpecific, Baseline2020: sd.Baseline2020,
		Target2025: sd.Target2025, Unit: sd.Unit, Departments: slices.Clone(sd.Departments)}
	corrected := func(name string, dst *string, v *string) {
		if v != nil {
			*dst = *v
			in.Corrected = append(in.Corrected, name)
		}
	}
	corrected("level1", &in.Level1, c.Level1)
	corrected("level2", &in.Level2, c.Level2)
	corrected("name", &in.Name, c.Name)
	corrected("baseline_2020", &in.Baseline2020, c.Baseline2020)
	corrected("target_2025", &in.Target2025, c.Target2025)
	corrected("unit", &in.Unit, c.Unit)
	if c.Departments != nil {
		in.Departments = slices.Clone(*c.Departments)
		in.Corrected = append(in.Corrected, "departments")
	}
	in.Target = assess.ParseTarget(in.Target2025)
	in.Direction = assess.IndicatorDirection(d.ID, in.Baseline2020, in.Target2025, s.overrides)
	if c.Direction != nil {
		in.Direction = assess.Direction(*c.Direction)
		in.Corrected = append(in.Corrected, "direction")
	}
	if spec, ok := Live[d.ID]; ok {
		in.Live = &spec
	}
	for _, m := range d.Measurements {
		in.Measurements = append(in.Measurements, m.toMeasurement())
	}
	in.Latest = latest(in.Measurements)
	if in.Live != nil && in.Live.Kind != FeedSignedOff {
		s.applyFeed(ctx, &in)
	}
	var am *assess.Measurement
	if in.Latest != nil {
		am = &assess.Measurement{Period: in.Latest.Period, Value: in.Latest.Value, Assessment: in.Latest.Assessment}
	}
	r := assess.Assess(assess.Input{Baseline: in.Baseline2020, Target: in.Target, Direction: in.Direction, Latest: am, Now: s.now()})
	in.Status, in.Progress = r.Status, r.Progress
	return in
}

// applyFeed puts a feed's current value (computed) or figures beside the
// stored assessment (figures). Without a feed a computed indicator has no
// data.
func (s *Service) applyFeed(ctx context.Context, in *Indicator) {
	f := s.feed(in.Code)
	if in.Live.Kind == FeedComputed {
		in.Latest = nil
	}
	if f == nil {
		return
	}
	v, err := f.Current(ctx)
	if err != nil {
		s.log.Error("registry feed failed", "indicator", in.Code, "err", err)
		return
	}
	in.LiveFigures = v.Details
	if in.Live.Kind == FeedComputed && v.Value != nil {
		at := v.AsOf
		if at.IsZero() {
			at = s.now()
		}
		in.Latest = &Measurement{ID: "live", Period: v.Period, Value: v.Value, Source: SourceComputed,
			Provenance: v.Details, Evidence: []string{}, By: Who{UserID: "system", Name: "系统", Role: "system"}, RecordedAt: at.UTC()}
	}
}

// latest is the current value: among measurements not superseded, the one
// with the latest period, ties broken by the latest recorded.
func latest(ms []Measurement) *Measurement {
	var best *Measurement
	for i := range ms {
		m := &ms[i]
		if m.SupersededBy != "" {
			continue
		}
		if best == nil || m.periodEnd.After(best.periodEnd) ||
			(m.periodEnd.Equal(best.periodEnd) && !m.RecordedAt.Before(best.RecordedAt)) {
			best = m
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}

func (m measurementDoc) toMeasurement() Measurement {
	return Measurement{ID: m.ID, Period: m.Period, Value: m.Value, Assessment: m.Assessment, Note: m.Note,
		Evidence: nonNil(m.Evidence), Source: Source(m.Source), Provenance: m.Provenance, Supersedes: m.Supersedes,
		SupersededBy: m.SupersededBy, Reason: m.Reason, By: Who(m.By), RecordedAt: m.RecordedAt, periodEnd: m.PeriodEnd}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// IndicatorFilter narrows ListIndicators; zero fields do not filter.
type IndicatorFilter struct {
	Level1, Level2, Department string
	Status                     assess.Status
	NationalRequired           *bool
	Query                      string
}

// Indicators returns every indicator in table order.
func (s *Service) Indicators(ctx context.Context) ([]Indicator, error) {
	docs, _, err := s.docs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Indicator, len(docs))
	for i, d := range docs {
		out[i] = s.indicatorOf(ctx, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out, nil
}

// ListIndicators returns the indicators passing f, in table order, at most
// limit after cursor (a code), and the next cursor.
func (s *Service) ListIndicators(ctx context.Context, f IndicatorFilter, limit int, cursor string) ([]Indicator, string, error) {
	all, err := s.Indicators(ctx)
	if err != nil {
		return nil, "", err
	}
	var keep []Indicator
	for _, in := range all {
		if f.Level1 != "" && in.Level1 != f.Level1 || f.Level2 != "" && in.Level2 != f.Level2 ||
			f.Department != "" && !slices.Contains(in.Departments, f.Department) ||
			f.Status != "" && in.Status != f.Status ||
			f.NationalRequired != nil && in.NationalRequired != *f.NationalRequired ||
			f.Query != "" && !matches(f.Query, in.Code, in.Name, in.Level1, in.Level2, strings.Join(in.Departments, " ")) {
			continue
		}
		keep = append(keep, in)
	}
	return paginate(keep, func(in Indicator) string { return in.Code }, limit, cursor)
}

// ErrBadCursor is returned for a cursor the list did not issue.
var ErrBadCursor = errs.New(errs.KindInvalid, "invalid_cursor", "分页游标无效")

func paginate[T any](items []T, key func(T) string, limit int, cursor string) ([]T, string, error) {
	start := 0
	if cursor != "" {
		start = -1
		for i, it := range items {
			if key(it) == cursor {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, "", ErrBadCursor
		}
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	next := ""
	if end < len(items) {
		next = key(items[end-1])
	}
	return page, next, nil
}

func matches(q string, fields ...string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// Indicator returns one indicator with its full history.
func (s *Service) Indicator(ctx context.Context, code string) (Indicator, error) {
	d, err := s.st.indicator(ctx, code)
	if err != nil {
		return Indicator{}, err
	}
	return s.indicatorOf(ctx, d), nil
}

// MeasurementInput is a value reported by staff.
type MeasurementInput struct {
	Period     string
	Value      *float64
	Assessment string
	Note       string
	Evidence   []string
}

var uploadID = regexp.MustCompile(`^[A-Za-z0-9_-]{6,64}$`)

// checkEvidence accepts upload ids and http(s) links.
func checkEvidence(field string, ev []string) []errs.FieldError {
	var fields []errs.FieldError
	if len(ev) > 20 {
		fields = append(fields, errs.Field(field, "too_many", "佐证材料最多 20 项"))
	}
	for i, e := range ev {
		name := fmt.Sprintf("%s[%d]", field, i)
		if uploadID.MatchString(e) {
			continue
		}
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(e) > 1000 {
			fields = append(fields, errs.Field(name, "invalid", "佐证材料须为上传文件编号或 http(s) 链接"))
		}
	}
	return fields
}

func checkNote(note string) []errs.FieldError {
	if utf8.RuneCountInString(note) > 2000 {
		return []errs.FieldError{errs.Field("note", "too_long", "说明最多 2000 字")}
	}
	return nil
}

// mayReport says whether actor may report for an item whose responsible
// departments are depts: the admin always; department staff for their own
// departments, or any department when 各成员单位 is responsible; district
// staff when 各旗区人民政府 is; the evaluator when 第三方测评机构 is.
func mayReport(a account.Actor, depts []string) (bool, string) {
	switch a.Role {
	case account.RoleAdmin:
		return true, ""
	case account.RoleDepartment:
		for _, d := range depts {
			if a.HasDepartment(d) {
				return true, d
			}
		}
		if slices.Contains(depts, AllMembers) && len(a.Departments) > 0 {
			return true, a.Departments[0]
		}
	case account.RoleDistrict:
		return slices.Contains(depts, AllDistricts), AllDistricts
	case account.RoleEvaluator:
		return slices.Contains(depts, Evaluator), Evaluator
	}
	return false, ""
}

func who(a account.Actor, dept string) Who {
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	return Who{UserID: a.UserID, Name: name, Role: string(a.Role), Department: dept}
}

// RecordMeasurement adds a value reported by staff.
func (s *Service) RecordMeasurement(ctx context.Context, a account.Actor, code string, in MeasurementInput) (Measurement, error) {
	d, err := s.st.indicator(ctx, code)
	if err != nil {
		return Measurement{}, err
	}
	ind := s.indicatorOf(ctx, d)
	ok, dept := mayReport(a, ind.Departments)
	if !ok {
		return Measurement{}, ErrNotResponsible
	}
	if ind.Live != nil && ind.Live.Kind != FeedFigures {
		return Measurement{}, ErrFedLive
	}
	m, err := s.validateMeasurement(ind, in)
	if err != nil {
		return Measurement{}, err
	}
	m.Source, m.By = string(SourceManual), whoDoc(who(a, dept))
	if err := s.claimEvidence(ctx, a, m.Evidence, "indicator", code); err != nil {
		return Measurement{}, err
	}
	if err := s.appendMeasurement(ctx, code, m, ""); err != nil {
		return Measurement{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "indicator.measurement.create", ObjectType: "indicator", ObjectID: code, After: m.auditView()})
	return m.toMeasurement(), nil
}

func (m measurementDoc) auditView() map[string]any {
	v := map[string]any{"id": m.ID, "period": m.Period, "source": m.Source, "evidence": m.Evidence}
	if m.Value != nil {
		v["value"] = *m.Value
	}
	if m.Assessment != "" {
		v["assessment"] = m.Assessment
	}
	if m.Supersedes != "" {
		v["supersedes"], v["reason"] = m.Supersedes, m.Reason
	}
	return v
}

func (s *Service) validateMeasurement(ind Indicator, in MeasurementInput) (measurementDoc, error) {
	var fields []errs.FieldError
	p, perr := assess.ParsePeriod(strings.TrimSpace(in.Period))
	if perr != nil {
		fields = append(fields, errs.Field("period", "invalid", "周期格式应为 2025、2025-Q3 或 2025-07"))
	} else if p.Start.After(s.now()) {
		fields = append(fields, errs.Field("period", "future", "不能填报尚未开始的周期"))
	}
	if ind.Target.IsNumeric() {
		if in.Value == nil {
			fields = append(fields, errs.Field("value", "required", "请填写数值"))
		}
		if in.Assessment != "" {
			fields = append(fields, errs.Field("assessment", "not_allowed", "数值型指标无需人工评定"))
		}
	} else {
		if !assess.ValidAssessment(in.Assessment) {
			fields = append(fields, errs.Field("assessment", "required", "定性指标须评定为 achieved、on_track、at_risk 或 lagging"))
		}
		if len(in.Evidence) == 0 {
			fields = append(fields, errs.Field("evidence", "required", "定性指标须附佐证材料"))
		}
	}
	if in.Value != nil {
		rule := s.overrides[ind.Code].Rule
		if err := rule.Check(ind.Unit, ind.Target, *in.Value); err != nil {
			if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
				fields = append(fields, e.Fields...)
			} else if ok {
				fields = append(fields, errs.Field("value", "invalid", e.Message))
			} else {
				fields = append(fields, errs.Field("value", "invalid", "数值无效"))
			}
		}
	}
	fields = append(fields, checkEvidence("evidence", in.Evidence)...)
	fields = append(fields, checkNote(in.Note)...)
	if len(fields) > 0 {
		return measurementDoc{}, errs.Invalid(fields...)
	}
	return measurementDoc{ID: "m_" + randomID(), Period: p.Text, PeriodEnd: p.End.UTC(), Value: in.Value,
		Assessment: in.Assessment, Note: strings.TrimSpace(in.Note), Evidence: nonNil(in.Evidence), RecordedAt: s.now().UTC()}, nil
}

// appendMeasurement adds m to the indicator; with supersedes set it marks
// that measurement as corrected by m in the same write.
func (s *Service) appendMeasurement(ctx context.Context, code string, m measurementDoc, supersedes string) error {
	defer s.locks.Lock("indicator:" + code)()
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.st.indicator(ctx, code)
		if err != nil {
			return err
		}
		ms := slices.Clone(d.Measurements)
		if supersedes != "" {
			i := slices.IndexFunc(ms, func(x measurementDoc) bool { return x.ID == supersedes })
			if i < 0 {
				return ErrMeasurementNotFound
			}
			if ms[i].SupersededBy != "" {
				return ErrAlreadySuperseded
			}
			ms[i].SupersededBy = m.ID
		}
		ms = append(ms, m)
		err = setIfVersion(ctx, s.st.indicators, code, d.Version, bson.D{{Key: "measurements", Value: ms}})
		if errors.Is(err, errVersion) {
			continue
		}
		if err == nil {
			s.changed(ctx)
		}
		return err
	}
	return errs.ErrConflict
}

// SignedOff is an evaluator's signed figure for a live indicator.
type SignedOff struct {
	Period string
	Value  float64
	Note   string
	// Provenance: survey, method, n, n_eff, estimate, interval, exclusions,
	// SHA-256 of the exported data.
	Provenance map[string]any
	// Supersedes names a signed measurement this one corrects, with Reason.
	Supersedes string
	Reason     string
}

// RecordSignedOff stores an evaluator's sign-off as an immutable
// measurement of a signed-off indicator (I50, I52).
func (s *Service) RecordSignedOff(ctx context.Context, a account.Actor, code string, in SignedOff) (Measurement, error) {
	if spec, ok := Live[code]; !ok || spec.Kind != FeedSignedOff {
		return Measurement{}, errs.ErrValidation.WithMessage("该指标不接受第三方测评签发")
	}
	if !a.Is(account.RoleEvaluator, account.RoleAdmin) {
		return Measurement{}, ErrNotResponsible
	}
	d, err := s.st.indicator(ctx, code)
	if err != nil {
		return Measurement{}, err
	}
	ind := s.indicatorOf(ctx, d)
	v := in.Value
	m, err := s.validateMeasurement(ind, MeasurementInput{Period: in.Period, Value: &v, Note: in.Note, Evidence: []string{}})
	if err != nil {
		return Measurement{}, err
	}
	if in.Supersedes != "" && strings.TrimSpace(in.Reason) == "" {
		return Measurement{}, errs.Invalid(errs.Field("reason", "required", "更正已签发的数值须说明原因"))
	}
	m.Source, m.By, m.Provenance = string(SourceEvaluator), whoDoc(who(a, Evaluator)), in.Provenance
	m.Supersedes, m.Reason = in.Supersedes, strings.TrimSpace(in.Reason)
	if err := s.appendMeasurement(ctx, code, m, in.Supersedes); err != nil {
		return Measurement{}, err
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "indicator.signoff", ObjectType: "indicator", ObjectID: code, After: m.auditView()})
	return m.toMeasurement(), nil
}

// IndicatorCorrection is an admin's edit of an indicator's published text.
// Nil fields are left alone.
type IndicatorCorrection struct {
	Level1, Level2, Name, Baseline2020, Target2025, Unit *string
	Departments                                          *[]string
	Direction                                            *string
	Reason                                               string
}

// CorrectIndicator applies an admin's correction. It survives reloads of
// the seed because corrections are kept apart from the seed copy.
func (s *Service) CorrectIndicator(ctx context.Context, a account.Actor, code string, c IndicatorCorrection) (Indicator, error) {
	if !a.Is(account.RoleAdmin) {
		return Indicator{}, errs.ErrForbidden
	}
	var fields []errs.FieldError
	if strings.TrimSpace(c.Reason) == "" {
		fields = append(fields, errs.Field("reason", "required", "请说明更正原因"))
	}
	for name, v := range map[string]*string{"level1": c.Level1, "level2": c.Level2, "name": c.Name, "baseline_2020": c.Baseline2020, "target_2025": c.Target2025} {
		if v != nil && (strings.TrimSpace(*v) == "" || utf8.RuneCountInString(*v) > 500) {
			fields = append(fields, errs.Field(name, "invalid", "不能为空，且不超过 500 字"))
		}
	}
	if c.Direction != nil && !assess.Direction(*c.Direction).Valid() {
		fields = append(fields, errs.Field("direction", "invalid", "方向须为 higher 或 lower"))
	}
	if c.Departments != nil && len(*c.Departments) == 0 {
		fields = append(fields, errs.Field("departments", "required", "至少一个责任部门"))
	}
	if c.Level1 == nil && c.Level2 == nil && c.Name == nil && c.Baseline2020 == nil && c.Target2025 == nil && c.Unit == nil && c.Departments == nil && c.Direction == nil {
		fields = append(fields, errs.Field("", "empty", "没有要更正的内容"))
	}
	if len(fields) > 0 {
		return Indicator{}, errs.Invalid(fields...)
	}
	defer s.locks.Lock("indicator:" + code)()
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.st.indicator(ctx, code)
		if err != nil {
			return Indicator{}, err
		}
		before := s.indicatorOf(ctx, d)
		nc := d.Corrections
		set := func(dst **string, v *string) {
			if v != nil {
				t := strings.TrimSpace(*v)
				*dst = &t
			}
		}
		set(&nc.Level1, c.Level1)
		set(&nc.Level2, c.Level2)
		set(&nc.Name, c.Name)
		set(&nc.Baseline2020, c.Baseline2020)
		set(&nc.Target2025, c.Target2025)
		set(&nc.Unit, c.Unit)
		set(&nc.Direction, c.Direction)
		if c.Departments != nil {
			deps := slices.Clone(*c.Departments)
			nc.Departments = &deps
		}
		err = setIfVersion(ctx, s.st.indicators, code, d.Version, bson.D{{Key: "corrections", Value: nc}})
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return Indicator{}, err
		}
		s.changed(ctx)
		d.Corrections = nc
		after := s.indicatorOf(ctx, d)
		_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "indicator.correct", ObjectType: "indicator", ObjectID: code,
			Before: textView(before), After: map[string]any{"text": textView(after), "reason": strings.TrimSpace(c.Reason)}})
		return after, nil
	}
	return Indicator{}, errs.ErrConflict
}

func textView(in Indicator) map[string]any {
	return map[string]any{"level1": in.Level1, "level2": in.Level2, "name": in.Name, "baseline_2020": in.Baseline2020,
		"target_2025": in.Target2025, "unit": in.Unit, "departments": in.Departments, "direction": string(in.Direction)}
}

func randomID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

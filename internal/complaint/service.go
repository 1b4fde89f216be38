package complaint

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/upload"
	"github.com/ordos-wufei/wufei/internal/workday"
)

// Limits of intake.
const (
	MaxDescription = 4000 // characters
	MaxPhotos      = 9
	MaxAddress     = 200
	MaxNote        = 1000
)

// Notifier queues a message to a user (notify.Service; tests pass a
// recorder).
type Notifier interface {
	Notify(ctx context.Context, n notify.Notification) error
}

// TextChecker is WeChat content security. userID names the citizen the
// text comes from (WeChat checks on behalf of a user).
type TextChecker interface {
	CheckText(ctx context.Context, userID, text string) (pass bool, err error)
}

// Photos attaches uploaded files to a complaint (upload.Service): it
// refuses ids that do not exist, are not of an allowed kind, were uploaded
// by someone else or belong to another object, with per-field errors.
type Photos interface {
	Claim(ctx context.Context, a account.Actor, ids []string, ref upload.Ref, allowed []upload.Kind, opts ...upload.ClaimOption) error
}

// claimPhotos attaches images to complaint id, errors under "photos".
func (s *Service) claimPhotos(ctx context.Context, a account.Actor, ids []string, id string) error {
	return s.photos.Claim(ctx, a, ids, upload.Ref{Type: "complaint", ID: id}, []upload.Kind{upload.KindImage}, upload.Field("photos"))
}

// Options are what NewService needs. Notifier, Text and Photos may be nil:
// then nobody is notified, text is not checked, and photos are refused.
type Options struct {
	DB       *mongo.Database
	Redis    *redisx.Client
	Audit    *audit.Log
	Logger   *slog.Logger
	Calendar *workday.Calendar
	Config   Config
	Notifier Notifier
	Text     TextChecker
	Photos   Photos
	// ValidDepartment says whether a name is a registry department (nil:
	// any name).
	ValidDepartment func(string) bool
	// Supervisors lists the user ids told when a case goes overdue (the
	// admins of 市无废办); nil: nobody is told beyond the log.
	Supervisors func(ctx context.Context) ([]string, error)
	// SingleProcessStore says this process alone writes the store (the
	// embedded default: its data directory is locked). A move's version
	// check then runs under the per-complaint lock every move holds, and
	// the write filters by _id alone: FerretDB's SQLite backend pushes only a
	// lone _id down, so a {_id, version} filter read the whole collection
	// (about 40 s a move at 100,000 complaints). Leave it false for stores
	// shared by several processes (MongoDB replicas).
	SingleProcessStore bool
	// IndexCheckEvery is how often RunIndex checks the list index against
	// the complaints' versions and repairs rows that lag (a replica died
	// between writing a complaint and its row): zero means
	// DefaultIndexCheckEvery; negative, never. A single-process store
	// checks once, at start (after a crash), whatever it says.
	IndexCheckEvery time.Duration
	// IndexRowFailed is called when a complaint was written but its stored
	// index row was not (the row lags until a check repairs it); the
	// embedded default then makes its next start check (Store.MarkDirty).
	IndexRowFailed func()
	// IndexChecked is called after each check of RunIndex that succeeded
	// (the embedded default: Store.MarkRepaired).
	IndexChecked func()
}

// DefaultIndexCheckEvery: see Options.IndexCheckEvery.
const DefaultIndexCheckEvery = time.Hour

// Service runs the complaint workflow.
type Service struct {
	st         *store
	rdb        *redisx.Client
	audit      *audit.Log
	log        *slog.Logger
	cal        *workday.Calendar
	cfg        Config
	categories map[string]Category
	notifier   Notifier
	text       TextChecker
	photos     Photos
	validDept  func(string) bool
	supervisor func(ctx context.Context) ([]string, error)
	locks      *mongodb.Locker
	now        func() time.Time
	checkEvery time.Duration // of the list index against the store; < 0 never, 0 at start only
	checkHook  func(int)     // tests: after each of RunIndex's checks
	checked    func()        // Options.IndexChecked

	// idx is the in-memory list index (index.go): lists, statistics,
	// indicator 48 and the deadline job read it.
	idx *listIndex

	// closure caches indicator 48, which every registry read asks for; it
	// is recomputed when the list index changed (feed.go).
	closureMu sync.Mutex
	closure   *cachedClosure
}

// TextCheckFunc adapts a function to TextChecker.
type TextCheckFunc func(ctx context.Context, userID, text string) (bool, error)

// CheckText calls f.
func (f TextCheckFunc) CheckText(ctx context.Context, userID, text string) (bool, error) {
	return f(ctx, userID, text)
}

// NewService returns the service. A zero Config loads the embedded
// configs/complaints/complaints.yaml; a nil Calendar the embedded holiday
// calendar (a year without data falls back to weekends, logged once).
func NewService(o Options) (*Service, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if len(o.Config.Categories) == 0 {
		c, err := LoadConfig()
		if err != nil {
			return nil, err
		}
		o.Config = c
	}
	if o.Calendar == nil {
		log := o.Logger
		cal, err := workday.Load(configs.FS, workday.WithUncoveredYear(func(year int) {
			log.Warn("no holiday calendar for this year: complaint deadlines count Monday to Friday", "year", year)
		}))
		if err != nil {
			return nil, err
		}
		o.Calendar = cal
	}
	st := newStore(o.DB, o.Logger, o.SingleProcessStore)
	st.rowFailed = o.IndexRowFailed
	s := &Service{st: st, rdb: o.Redis, audit: o.Audit, log: o.Logger, cal: o.Calendar, cfg: o.Config,
		categories: map[string]Category{}, notifier: o.Notifier, text: o.Text, photos: o.Photos, validDept: o.ValidDepartment, supervisor: o.Supervisors,
		locks: mongodb.NewLocker(), now: time.Now, checkEvery: o.IndexCheckEvery, checked: o.IndexChecked}
	switch {
	case s.checkEvery == 0:
		s.checkEvery = DefaultIndexCheckEvery
	case s.checkEvery < 0:
		s.checkEvery = -1
	}
	if o.SingleProcessStore && s.checkEvery > 0 {
		s.checkEvery = 0
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, c := range o.Config.Categories {
		s.categories[c.Code] = c
	}
	s.idx = newListIndex(s.st, o.Redis, s.log)
	s.st.changed = s.idx.written
	return s, nil
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Settings returns the handling settings.
func (s *Service) Settings() Settings { return s.cfg.Settings }

// Categories returns the categories in configuration order.
func (s *Service) Categories() []Category { return slices.Clone(s.cfg.Categories) }

// Category returns one category.
func (s *Service) Category(code string) (Category, error) {
	c, ok := s.categories[code]
	if !ok {
		return c, ErrUnknownCategory
	}
	return c, nil
}

// ---- intake ---------------------------------------------------------------

// Input is a new complaint. Lat and Lng are GCJ-02.
type Input struct {
	Category    string
	Description string
	Lat, Lng    *float64
	Address     string
	Photos      []string
	Anonymous   bool
	Phone       string
	Attributes  map[string]string
	// Open311 only: the API client and the person's contact details.
	Client, Name, Email string
	MediaURL            string
	// District (an adcode) stands in for Lat and Lng when both are nil:
	// the complaint is filed Unlocated (Open311 address_string).
	District string
}

// Duplicate is an open complaint like a new one: same category, near, recent.
type Duplicate struct {
	ID          string
	Status      Status
	Lat, Lng    float64 // rounded for public view
	DistanceM   float64 // rounded up to distanceStepM, so distances from several points cannot place the report
	exactM      float64
	SubmittedAt time.Time
	Description string
}

var phonePattern = regexp.MustCompile(`^(\+?86)?1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$`)

// validate checks an intake input and returns the category and district.
func (s *Service) validate(in Input) (Category, geo.District, error) {
	var fields []errs.FieldError
	cat, ok := s.categories[in.Category]
	if !ok {
		fields = append(fields, errs.Field("category", "unknown", "投诉类别不存在"))
	}
	desc := strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(desc); {
	case n == 0:
		fields = append(fields, errs.Field("description", "required", "请描述问题"))
	case n > MaxDescription:
		fields = append(fields, errs.Field("description", "too_long", fmt.Sprintf("问题描述不能超过 %d 字", MaxDescription)))
	}
	if !utf8.ValidString(in.Description) {
		fields = append(fields, errs.Field("description", "invalid", "问题描述含有无效字符"))
	}
	if utf8.RuneCountInString(in.Address) > MaxAddress {
		fields = append(fields, errs.Field("address", "too_long", fmt.Sprintf("地址不能超过 %d 字", MaxAddress)))
	}
	var dist geo.District // of an unlocated complaint
	if in.Lat == nil && in.Lng == nil && in.District != "" {
		var known bool
		if dist, known = districtByAdcode(in.District); !known {
			fields = append(fields, errs.Field("district", "unknown", "旗区不存在"))
		}
	} else {
		fields = append(fields, checkPoint(in.Lat, in.Lng)...)
	}
	if len(in.Photos) > MaxPhotos {
		fields = append(fields, errs.Field("photos", "too_many", fmt.Sprintf("最多 %d 张照片", MaxPhotos)))
	}
	if in.MediaURL != "" {
		u, err := url.Parse(in.MediaURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.MediaURL) > 1000 {
			fields = append(fields, errs.Field("media_url", "invalid", "media_url 须为 http(s) 地址"))
		}
	}
	if in.Phone != "" && !phonePattern.MatchString(in.Phone) {
		fields = append(fields, errs.Field("contact_phone", "invalid", "联系电话格式不正确"))
	}
	if ok {
		fields = append(fields, checkAttributes(cat, in.Attributes)...)
	}
	if len(fields) > 0 {
		return cat, geo.District{}, errs.Invalid(fields...)
	}
	if in.Lat == nil {
		return cat, dist, nil // unlocated: the district was checked above
	}
	d, inside := geo.Locate(*in.Lat, *in.Lng)
	if !inside {
		return cat, d, ErrOutsideOrdos
	}
	return cat, d, nil
}

// checkPoint checks a GCJ-02 point: both coordinates present and in range.
func checkPoint(lat, lng *float64) []errs.FieldError {
	var fields []errs.FieldError
	if lat == nil {
		fields = append(fields, errs.Field("lat", "required", "请提供位置"))
	} else if math.IsNaN(*lat) || *lat < -90 || *lat > 90 {
		fields = append(fields, errs.Field("lat", "out_of_range", "纬度须在 -90 到 90 之间"))
	}
	if lng == nil {
		fields = append(fields, errs.Field("lng", "required", "请提供位置"))
	} else if math.IsNaN(*lng) || *lng < -180 || *lng > 180 {
		fields = append(fields, errs.Field("lng", "out_of_range", "经度须在 -180 到 180 之间"))
	}
	return fields
}

// districtByAdcode returns the Ordos division with that adcode.
func districtByAdcode(adcode string) (geo.District, bool) {
	for _, d := range geo.Districts() {
		if d.Adcode == adcode {
			return d.District, true
		}
	}
	return geo.District{}, false
}

// checkAttributes validates answers to a category's Open311 attributes.
// Multi-value answers are comma-separated keys.
func checkAttributes(cat Category, answers map[string]string) []errs.FieldError {
	var fields []errs.FieldError
	known := map[string]Attribute{}
	for _, a := range cat.Attributes {
		known[a.Code] = a
		v := strings.TrimSpace(answers[a.Code])
		if v == "" {
			if a.Required {
				fields = append(fields, errs.Field("attributes."+a.Code, "required", "请填写："+a.Description))
			}
			continue
		}
		bad := false
		switch a.Datatype {
		case TypeNumber:
			f, err := strconv.ParseFloat(v, 64)
			bad = err != nil || math.IsNaN(f) || math.IsInf(f, 0)
		case TypeDatetime:
			_, err := time.Parse(time.RFC3339, v)
			bad = err != nil
		case TypeSingleValue:
			bad = !hasKey(a.Values, v)
		case TypeMultiValue:
			for _, k := range strings.Split(v, ",") {
				bad = bad || !hasKey(a.Values, strings.TrimSpace(k))
			}
		default:
			bad = utf8.RuneCountInString(v) > 500
		}
		if bad {
			fields = append(fields, errs.Field("attributes."+a.Code, "invalid", "取值无效："+a.Description))
		}
	}
	for k := range answers {
		if _, ok := known[k]; !ok {
			fields = append(fields, errs.Field("attributes."+k, "unknown", "该类别没有此项"))
		}
	}
	slices.SortFunc(fields, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return fields
}

func hasKey(vs []AttributeValue, k string) bool {
	return slices.ContainsFunc(vs, func(v AttributeValue) bool { return v.Key == k })
}

// Submit files a complaint for a citizen (or an Open311 client, with
// a.Role empty and in.Client set) and returns it with possible duplicates.
// Nothing is stored unless every check passes.
func (s *Service) Submit(ctx context.Context, a account.Actor, in Input) (Complaint, []Duplicate, error) {
	cat, dist, err := s.validate(in)
	if err != nil {
		return Complaint{}, nil, err
	}
	desc := strings.TrimSpace(in.Description)
	if s.text != nil {
		pass, err := s.text.CheckText(ctx, a.UserID, desc+"\n"+in.Address)
		if err != nil {
			return Complaint{}, nil, fmt.Errorf("content check: %w", errs.ErrUnavailable)
		}
		if !pass {
			return Complaint{}, nil, ErrTextRejected.WithFields(errs.Field("description", "content_rejected", "内容未通过安全检测"))
		}
	}
	if len(in.Photos) > 0 && s.photos == nil {
		return Complaint{}, nil, errs.Invalid(errs.Field("photos", "unsupported", "暂不支持上传照片"))
	}
	now := s.now().UTC()
	id, err := s.newID(ctx, now)
	if err != nil {
		return Complaint{}, nil, err
	}
	if len(in.Photos) > 0 {
		if err := s.claimPhotos(ctx, a, in.Photos, id); err != nil {
			return Complaint{}, nil, err
		}
	}
	source, by, name := "miniprogram", a.DisplayName, strings.TrimSpace(in.Name)
	if in.Client != "" {
		source, by = "open311", in.Client
	} else if name == "" {
		name = a.DisplayName
	}
	attrs := map[string]string{}
	for k, v := range in.Attributes {
		if v = strings.TrimSpace(v); v != "" {
			attrs[k] = v
		}
	}
	c := Complaint{ID: id, Category: cat.Code, Description: desc, Unlocated: in.Lat == nil,
		Address: strings.TrimSpace(in.Address), District: dist.Adcode, DistName: dist.Name,
		Photos: nonNil(in.Photos), MediaURL: in.MediaURL, Attributes: attrs, Anonymous: in.Anonymous,
		Reporter: Reporter{UserID: a.UserID, Name: name, Phone: in.Phone, Email: in.Email, Client: in.Client},
		Source:   source, Followers: []string{}, Status: StatusSubmitted, ResultPix: []string{},
		SubmittedAt: now, UpdatedAt: now, AcceptDue: s.cal.AddWorkdays(now, cat.AcceptDays).UTC(),
		Feedback: []Feedback{}, Warned: []string{}, Overdue: []string{},
		History: []Event{{At: now, Action: string(ActSubmit), To: StatusSubmitted, ByRole: roleOf(a, in.Client), ByName: by}}}
	if !c.Unlocated {
		c.Lat, c.Lng = *in.Lat, *in.Lng
	}
	dups, err := s.duplicates(ctx, c)
	if err != nil {
		return Complaint{}, nil, err
	}
	if err := s.st.insert(ctx, c); err != nil {
		return Complaint{}, nil, err
	}
	s.indexLocation(ctx, c)
	_ = s.audit.Record(ctx, audit.Entry{Actor: auditActor(a, in.Client), Action: "complaint.submit", ObjectType: "complaint",
		ObjectID: c.ID, After: map[string]any{"status": c.Status, "category": c.Category, "district": c.District, "source": c.Source}})
	return c, dups, nil
}

func roleOf(a account.Actor, client string) string {
	if client != "" {
		return "open311"
	}
	return string(a.Role)
}

func auditActor(a account.Actor, client string) audit.Actor {
	if client != "" {
		return audit.Actor{ID: "open311:" + client, Role: "open311", Name: client}
	}
	return a.AuditActor()
}

// newID allocates the tracking number WF + CST date + a five-digit daily
// sequence: readable over the phone, sortable by filing time, and the
// document's _id, so lookups use the one index the embedded store has.
func (s *Service) newID(ctx context.Context, now time.Time) (string, error) {
	day := now.In(workday.Location()).Format("20060102")
	defer s.locks.Lock("complaint-counter:" + day)()
	n, err := s.st.nextSeq(ctx, day)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("WF%s%05d", day, n), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ---- duplicates -----------------------------------------------------------

// geoKey is the Redis GEO set of one category's complaints filed on one CST
// day. Day sets expire after the duplicate window, so a search touches only
// recent points, and the set is a cache: losing it only loses suggestions.
func (s *Service) geoKey(category string, day time.Time) string {
	return s.rdb.Key("complaint", "geo", category, day.In(workday.Location()).Format("20060102"))
}

func (s *Service) indexLocation(ctx context.Context, c Complaint) {
	if s.rdb == nil || c.Unlocated {
		return
	}
	key := s.geoKey(c.Category, c.SubmittedAt)
	ttl := time.Duration(s.cfg.Settings.DuplicateDays+1) * 24 * time.Hour
	pipe := s.rdb.Pipeline()
	pipe.GeoAdd(ctx, key, &redis.GeoLocation{Name: c.ID, Longitude: c.Lng, Latitude: c.Lat})
	pipe.Expire(ctx, key, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		s.log.Warn("complaint location not indexed for duplicate search", "complaint", c.ID, "err", err)
	}
}

// duplicates returns open complaints of c's category within the configured
// radius filed in the configured number of days before c, nearest first.
func (s *Service) duplicates(ctx context.Context, c Complaint) ([]Duplicate, error) {
	if s.rdb == nil || c.Unlocated {
		return nil, nil
	}
	set := s.cfg.Settings
	since := c.SubmittedAt.Add(-time.Duration(set.DuplicateDays) * 24 * time.Hour)
	var ids []string
	for d := 0; d <= set.DuplicateDays; d++ {
		key := s.geoKey(c.Category, c.SubmittedAt.Add(-time.Duration(d)*24*time.Hour))
		res, err := s.rdb.GeoSearch(ctx, key, &redis.GeoSearchQuery{Longitude: c.Lng, Latitude: c.Lat,
			Radius: set.DuplicateRadiusM, RadiusUnit: "m", Sort: "ASC", Count: 20}).Result()
		if err != nil {
			s.log.Warn("duplicate search failed", "err", err)
			return nil, nil
		}
		ids = append(ids, res...)
	}
	var out []Duplicate
	for _, id := range ids {
		if id == c.ID || len(out) >= 10 {
			continue
		}
		o, err := s.st.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		dist := geo.Distance(c.Lat, c.Lng, o.Lat, o.Lng)
		if !o.Status.Open() || o.SubmittedAt.Before(since) || dist > set.DuplicateRadiusM {
			continue
		}
		lat, lng := geo.RoundForPublic(o.Lat, o.Lng)
		out = append(out, Duplicate{ID: o.ID, Status: o.Status, Lat: lat, Lng: lng, DistanceM: publicDistance(dist), exactM: dist,
			SubmittedAt: o.SubmittedAt, Description: o.Description})
	}
	slices.SortFunc(out, func(a, b Duplicate) int { return cmp.Compare(a.exactM, b.exactM) })
	return out, nil
}

// Suggest returns open complaints like one about to be filed (same
// category, near, recent), so the mini-program can offer to follow one
// before the citizen submits.
func (s *Service) Suggest(ctx context.Context, category string, lat, lng float64) ([]Duplicate, error) {
	return s.duplicates(ctx, Complaint{Category: category, Lat: lat, Lng: lng, SubmittedAt: s.now().UTC()})
}

// distanceStepM is the step public distances are rounded up to: with exact
// distances, a few probes from chosen points would trilaterate a report the
// public views otherwise place only to about 100 m.
const distanceStepM = 50

func publicDistance(m float64) float64 {
	return max(distanceStepM, math.Ceil(m/distanceStepM)*distanceStepM)
}

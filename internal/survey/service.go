package survey

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/ratelimit"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/stats"
)

// TextChecker checks a citizen's free text (WeChat content security). The
// actor has no openid, so the implementation looks it up.
type TextChecker interface {
	CheckText(ctx context.Context, a account.Actor, text string) (pass bool, err error)
}

// Registry is what sign-off needs of the registry.
type Registry interface {
	Indicator(ctx context.Context, code string) (registry.Indicator, error)
	RecordSignedOff(ctx context.Context, a account.Actor, code string, in registry.SignedOff) (registry.Measurement, error)
}

// Options configure the service; zero fields take the defaults (which are
// those of configs/wufei.yaml's surveys section).
type Options struct {
	// Per-respondent and per-client-address submission limits per minute.
	// The per-address default lets a campus or office behind one address
	// answer.
	PerRespondentPerMinute int // default 10
	PerAddressPerMinute    int // default 300
	// MinSecondsPerAnswer is the too_fast threshold given to surveys that
	// do not set their own (default DefaultMinSecondsPerAnswer).
	MinSecondsPerAnswer float64
	// The group-commit writer: responses per insert (default 256), how long
	// a batch waits to fill (default 2 ms), batches in the store at once
	// (default 2).
	BatchSize  int
	BatchDelay time.Duration
	Flushers   int
	// TallyRebuildDrain is how long RebuildTallies waits, after reading the
	// stored responses, for other replicas' tally commits still in flight
	// (default commitTimeout plus a second). A single process, which the
	// embedded store always is, needs none: negative means no wait.
	TallyRebuildDrain time.Duration
	TextChecker       TextChecker
	Registry          Registry
	Logger            *slog.Logger
	// Census is the weighting frame; nil loads the embedded 2020 census.
	Census *stats.Census
}

// TextCheckFunc adapts a function to TextChecker.
type TextCheckFunc func(ctx context.Context, a account.Actor, text string) (bool, error)

// CheckText calls f.
func (f TextCheckFunc) CheckText(ctx context.Context, a account.Actor, text string) (bool, error) {
	return f(ctx, a, text)
}

// Service runs surveys.
type Service struct {
	st       *store
	rdb      *redisx.Client
	window   *ratelimit.Window
	audit    *audit.Log
	census   *stats.Census
	opt      Options
	log      *slog.Logger
	locks    *mongodb.Locker
	w        *writer
	now      func() time.Time
	startKey []byte

	cacheMu sync.Mutex
	cache   map[string]cachedSurvey

	afterScan func() // tests: runs between a tally rebuild's scan and its reconciliation
}

type cachedSurvey struct {
	s  *Survey
	at time.Time
}

// surveyCacheTTL bounds how long another replica may keep accepting answers
// after a survey is closed; published definitions themselves never change.
const surveyCacheTTL = time.Second

// New returns the service. Call Close to stop its writer.
func New(ctx context.Context, db *mongo.Database, rdb *redisx.Client, al *audit.Log, opt Options) (*Service, error) {
	census := opt.Census
	if census == nil {
		var err error
		if census, err = stats.LoadCensus(configs.FS); err != nil {
			return nil, err
		}
	}
	if opt.PerRespondentPerMinute <= 0 {
		opt.PerRespondentPerMinute = 10
	}
	if opt.PerAddressPerMinute <= 0 {
		opt.PerAddressPerMinute = 300
	}
	if opt.TallyRebuildDrain == 0 {
		opt.TallyRebuildDrain = commitTimeout + time.Second
	}
	if opt.MinSecondsPerAnswer <= 0 {
		opt.MinSecondsPerAnswer = DefaultMinSecondsPerAnswer
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	s := &Service{st: newStore(db), rdb: rdb, window: ratelimit.NewWindow(rdb), audit: al, census: census, opt: opt,
		log: opt.Logger, locks: mongodb.NewLocker(), now: time.Now, cache: map[string]cachedSurvey{}}
	key, err := s.st.secret(ctx, "start_token_key")
	if err != nil {
		return nil, err
	}
	s.startKey = key
	s.w = newWriter(s.st.responses, opt.BatchSize, opt.BatchDelay, opt.Flushers, s.committed)
	return s, nil
}

// Close stops the writer after the documents handed to it are stored.
func (s *Service) Close() { s.w.close() }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Census returns the population frame surveys are weighted to.
func (s *Service) Census() *stats.Census { return s.census }

// newID is prefix, the creation time and randomness: ids sort by creation,
// which is what lists page by.
func newID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + strconv.FormatInt(time.Now().UnixMilli(), 36) + base64.RawURLEncoding.EncodeToString(b)
}

func (s *Service) record(ctx context.Context, a account.Actor, action, id string, before, after any) {
	_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: action, ObjectType: "survey", ObjectID: id, Before: before, After: after})
}

func auditView(sv *Survey) map[string]any {
	return map[string]any{"status": sv.Status, "version": sv.Version, "title": sv.Title,
		"opens_at": sv.OpensAt, "closes_at": sv.ClosesAt, "questions": len(sv.Questions)}
}

// validate gives d the configured too_fast threshold when it has none, then
// checks it.
func (s *Service) validate(d *Definition) error {
	if d.MinSecondsPerAnswer == 0 {
		d.MinSecondsPerAnswer = s.opt.MinSecondsPerAnswer
	}
	return validateDefinition(d, s.census)
}

// Create stores a new draft.
func (s *Service) Create(ctx context.Context, a account.Actor, d Definition) (*Survey, error) {
	if err := s.validate(&d); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	id := newID("s_")
	sv := &Survey{ID: id, Family: id, Version: 1, Status: StatusDraft, Definition: d, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	if _, err := s.st.surveys.InsertOne(ctx, sv); err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	s.record(ctx, a, "survey.create", id, nil, auditView(sv))
	return sv, nil
}

// Patch is a partial edit of a draft: non-nil fields replace the stored ones.
type Patch struct {
	Title, Description  *string
	OpensAt, ClosesAt   *time.Time
	Questions           *[]Question
	Quotas              *map[string]int
	Measures            *Measures
	MinSecondsPerAnswer *float64
}

// ApplyTo sets the fields of d that p carries.
func (p Patch) ApplyTo(d *Definition) {
	if p.Title != nil {
		d.Title = *p.Title
	}
	if p.Description != nil {
		d.Description = *p.Description
	}
	if p.OpensAt != nil {
		d.OpensAt = *p.OpensAt
	}
	if p.ClosesAt != nil {
		d.ClosesAt = *p.ClosesAt
	}
	if p.Questions != nil {
		d.Questions = *p.Questions
	}
	if p.Quotas != nil {
		d.Quotas = *p.Quotas
	}
	if p.Measures != nil {
		d.Measures = *p.Measures
	}
	if p.MinSecondsPerAnswer != nil {
		d.MinSecondsPerAnswer = *p.MinSecondsPerAnswer
	}
}

// Update edits a draft.
func (s *Service) Update(ctx context.Context, a account.Actor, id string, p Patch) (*Survey, error) {
	defer s.locks.Lock("survey:" + id)()
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status != StatusDraft {
		return nil, ErrNotDraft
	}
	before := auditView(sv)
	d := sv.Definition
	p.ApplyTo(&d)
	if err := s.validate(&d); err != nil {
		return nil, err
	}
	rev := sv.Rev
	sv.Definition, sv.Rev, sv.UpdatedAt = d, rev+1, s.now().UTC()
	if err := s.st.replaceIfRev(ctx, sv, rev); err != nil {
		return nil, err
	}
	s.record(ctx, a, "survey.update", id, before, auditView(sv))
	return sv, nil
}

// Publish freezes a draft and opens it at its opens_at.
func (s *Service) Publish(ctx context.Context, a account.Actor, id string) (*Survey, error) {
	// A published survey has no responses yet: its (empty) tallies are
	// complete from the start, and its quota counters start at their base.
	// (Only for a draft: marking the tallies of a survey that has answers
	// complete could hide that Redis lost them.)
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft {
		pipe := s.rdb.Pipeline()
		pipe.HSet(ctx, s.tallyKey(id), tallyComplete, 1)
		for d := range sv.Quotas {
			pipe.SetNX(ctx, s.quotaKey(id, d), quotaBase, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("survey tallies: %w", err)
		}
	}
	return s.transition(ctx, a, id, "survey.publish", func(sv *Survey, now time.Time) error {
		if sv.Status != StatusDraft {
			return ErrNotDraft.WithMessage("只有草稿可以发布")
		}
		if err := s.validate(&sv.Definition); err != nil {
			return err
		}
		if !sv.ClosesAt.After(now) {
			return errs.Invalid(errs.Field("closes_at", "past", "结束时间已过，请先修改"))
		}
		sv.Status, sv.PublishedAt = StatusPublished, &now
		return nil
	})
}

// CloseSurvey ends a published survey now.
func (s *Service) CloseSurvey(ctx context.Context, a account.Actor, id string) (*Survey, error) {
	return s.transition(ctx, a, id, "survey.close", func(sv *Survey, now time.Time) error {
		if sv.Status != StatusPublished {
			return ErrNotPublished.WithMessage("只有已发布的问卷可以结束")
		}
		sv.Status, sv.ClosedAt = StatusClosed, &now
		if sv.ClosesAt.After(now) {
			sv.ClosesAt = now
		}
		return nil
	})
}

func (s *Service) transition(ctx context.Context, a account.Actor, id, action string, change func(*Survey, time.Time) error) (*Survey, error) {
	defer s.locks.Lock("survey:" + id)()
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	before := auditView(sv)
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := change(sv, now); err != nil {
		return nil, err
	}
	rev := sv.Rev
	sv.Rev, sv.UpdatedAt = rev+1, now
	if err := s.st.replaceIfRev(ctx, sv, rev); err != nil {
		return nil, err
	}
	s.forget(id)
	s.record(ctx, a, action, id, before, auditView(sv))
	return sv, nil
}

// NewVersion clones a published or closed survey into a new draft of the
// same family.
func (s *Service) NewVersion(ctx context.Context, a account.Actor, id string) (*Survey, error) {
	src, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if src.Status == StatusDraft {
		return nil, ErrNotPublished.WithMessage("草稿可直接修改，无需创建新版本")
	}
	// The highest version of the family decides the number, so versions
	// cloned from an older one still count on.
	var last Survey
	err = s.st.surveys.FindOne(ctx, bson.D{{Key: "family", Value: src.Family}},
		options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})).Decode(&last)
	if err != nil {
		return nil, fmt.Errorf("survey family %s: %w", src.Family, err)
	}
	now := s.now().UTC()
	nv := &Survey{ID: newID("s_"), Family: src.Family, Version: last.Version + 1, Previous: src.ID, Status: StatusDraft,
		Definition: src.Definition, CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	nv.Questions = slices.Clone(src.Questions)
	if _, err := s.st.surveys.InsertOne(ctx, nv); err != nil {
		return nil, fmt.Errorf("new version: %w", err)
	}
	s.record(ctx, a, "survey.version", nv.ID, nil, auditView(nv))
	return nv, nil
}

// staffView reports whether a sees drafts and every status.
func staffView(a account.Actor) bool { return a.Is(account.RoleAdmin, account.RoleEvaluator) }

// Get returns a survey. Drafts exist only for the admin and the evaluator.
func (s *Service) Get(ctx context.Context, a account.Actor, id string) (*Survey, error) {
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft && !staffView(a) {
		return nil, ErrNotFound
	}
	return sv, nil
}

// List returns surveys newest first: open ones for citizens and other
// staff; for the admin and the evaluator every survey, or those of status.
func (s *Service) List(ctx context.Context, a account.Actor, status string, limit int, cursor string) ([]*Survey, string, error) {
	filter := bson.D{}
	openOnly := !staffView(a)
	if openOnly {
		filter = append(filter, bson.E{Key: "status", Value: StatusPublished})
	} else if status != "" {
		if !slices.Contains([]Status{StatusDraft, StatusPublished, StatusClosed}, Status(status)) {
			return nil, "", errs.Invalid(errs.Field("status", "invalid", "status 须为 draft、published 或 closed"))
		}
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	if cursor != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: cursor}}})
	}
	// Surveys are few; filter the window in Go (FerretDB scans anyway).
	cur, err := s.st.surveys.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}))
	if err != nil {
		return nil, "", fmt.Errorf("list surveys: %w", err)
	}
	var all []*Survey
	if err := cur.All(ctx, &all); err != nil {
		return nil, "", fmt.Errorf("list surveys: %w", err)
	}
	now := s.now()
	var out []*Survey
	for _, sv := range all {
		if openOnly && !sv.Open(now) {
			continue
		}
		if len(out) == limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, sv)
	}
	return out, "", nil
}

// published returns a non-draft survey, from a short cache on the hot path.
func (s *Service) published(ctx context.Context, id string) (*Survey, error) {
	now := time.Now()
	s.cacheMu.Lock()
	c, ok := s.cache[id]
	s.cacheMu.Unlock()
	if ok && now.Sub(c.at) < surveyCacheTTL {
		return c.s, nil
	}
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft {
		return nil, ErrNotFound
	}
	s.cacheMu.Lock()
	if len(s.cache) > 1000 {
		clear(s.cache)
	}
	s.cache[id] = cachedSurvey{s: sv, at: now}
	s.cacheMu.Unlock()
	return sv, nil
}

func (s *Service) forget(id string) {
	s.cacheMu.Lock()
	delete(s.cache, id)
	s.cacheMu.Unlock()
}

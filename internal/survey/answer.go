package survey

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/ratelimit"
	"github.com/ordos-wufei/wufei/internal/stats"
)

// respondentHash is the per-survey respondent hash stored and exported.
func respondentHash(surveyID, key string) string {
	h := sha256.Sum256([]byte("survey-respondent\x00" + surveyID + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

func responseID(surveyID, respondent string) string { return surveyID + ":" + respondent }

// maxStartAge is how long a start token stays valid.
const maxStartAge = 7 * 24 * time.Hour

// Start returns a start token: a MAC over survey, respondent and time, so no
// state is kept and every replica can check it.
func (s *Service) Start(ctx context.Context, a account.Actor, id string) (string, error) {
	if a.RespondentKey == "" {
		return "", ErrNotRespondent
	}
	sv, err := s.published(ctx, id)
	if err != nil {
		return "", err
	}
	if !sv.Open(s.now()) {
		return "", ErrNotOpen
	}
	resp := respondentHash(id, a.RespondentKey)
	// Redis knows most who have answered (committed marks them); the store
	// is asked only when it does not.
	if v, err := s.rdb.Get(ctx, s.reserveKey(id, resp)).Result(); err == nil && v == reserveDone {
		return "", ErrAlreadyResponded
	}
	if done, err := s.st.responseExists(ctx, responseID(id, resp)); err != nil {
		return "", err
	} else if done {
		return "", ErrAlreadyResponded
	}
	return s.startToken(id, resp, s.now()), nil
}

func (s *Service) startToken(surveyID, resp string, at time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(at.UnixMilli()))
	mac := hmac.New(sha256.New, s.startKey)
	mac.Write([]byte(surveyID + "\x00" + resp + "\x00"))
	mac.Write(ts[:])
	return base64.RawURLEncoding.EncodeToString(append(ts[:], mac.Sum(nil)[:16]...))
}

// checkStart returns when the respondent started.
func (s *Service) checkStart(token, surveyID, resp string) (time.Time, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 24 {
		return time.Time{}, ErrStartToken
	}
	at := time.UnixMilli(int64(binary.BigEndian.Uint64(raw[:8])))
	if !hmac.Equal([]byte(s.startToken(surveyID, resp, at)), []byte(token)) {
		return time.Time{}, ErrStartToken
	}
	now := s.now()
	if at.After(now.Add(time.Minute)) || now.Sub(at) > maxStartAge {
		return time.Time{}, ErrStartToken
	}
	return at, nil
}

// Submission is a citizen's answer to a survey.
type Submission struct {
	// Answers by question id: numbers for likert5 and rating10 (as decoded
	// with json.Number or any Go number), strings for single, district and
	// text, string arrays for multiple.
	Answers    map[string]any
	District   string
	StartToken string
	ClientIP   string
}

// Submit stores a response and returns its id. Order of verdicts: survey
// open, one response per respondent (so a repeat gets already_responded
// whatever else is wrong), rate limits, start token, answers, quota,
// content security; then the group-commit writer. The start token and the
// answers are checked first (no I/O), so that the duplicate check, both
// rate limits and the quota take one Redis round trip; their verdicts are
// then reported in that order.
func (s *Service) Submit(ctx context.Context, a account.Actor, id string, in Submission) (string, error) {
	if a.RespondentKey == "" {
		return "", ErrNotRespondent
	}
	sv, err := s.published(ctx, id)
	if err != nil {
		return "", err
	}
	now := s.now()
	if !sv.Open(now) {
		return "", ErrNotOpen
	}
	resp := respondentHash(id, a.RespondentKey)
	rid := responseID(id, resp)
	started, invalid := s.checkStart(in.StartToken, id, resp)
	var answers map[string]Answer
	var district string
	var texts map[string]string
	if invalid == nil {
		answers, district, texts, invalid = parseAnswers(sv, in, s.census)
	}
	quota := ""
	if _, ok := sv.Quotas[district]; ok && invalid == nil {
		quota = district
	}
	adm, err := s.admit(ctx, sv, a, resp, in.ClientIP, quota)
	if err != nil {
		return "", err
	}
	stored := false
	defer func() {
		if !stored {
			adm.release(ctx)
		}
	}()
	if err := adm.verdict(); err != nil {
		return "", err
	}
	if invalid != nil {
		return "", invalid
	}
	if adm.quotaFull {
		return "", ErrQuotaFull
	}
	doc := &Response{ID: rid, SurveyID: id, Respondent: resp, District: district, Answers: answers,
		Flags: flags(sv, answers, now.Sub(started)), StartedAt: started.UTC(), SubmittedAt: now.UTC().Truncate(time.Millisecond)}
	doc.Sex, doc.Age = demographics(sv, answers)
	if err := s.checkTexts(ctx, a, texts); err != nil {
		return "", err
	}
	if err := s.w.write(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			// Redis had lost the reservation; the _id is the final guard.
			// The reservation now belongs to the stored response: mark it
			// done, and give the quota place back.
			adm.reserved = false
			_ = s.rdb.Set(context.WithoutCancel(ctx), adm.reserveKey, reserveDone, doneTTL(sv, now)).Err()
			return "", ErrAlreadyResponded
		}
		return "", fmt.Errorf("store response: %w", err)
	}
	stored = true
	return rid, nil
}

// Reservation values: pending while a submission is in flight (short, so a
// crash cannot block the respondent for long), done once stored.
const (
	reservePending = "p"
	reserveDone    = "d"
	pendingTTL     = time.Minute
)

// doneTTL keeps a respondent's done mark while the survey can still be
// answered (plus a day), not longer: the stored response refuses repeats
// for good, and marks of closed surveys would only fill Redis (the embedded
// miniredis walks every key with a TTL ten times a second).
func doneTTL(sv *Survey, now time.Time) time.Duration {
	if sv == nil {
		return 24 * time.Hour
	}
	return max(sv.ClosesAt.Sub(now), 0) + 24*time.Hour
}

func (s *Service) reserveKey(surveyID, resp string) string {
	return s.rdb.Key("survey", "resp", surveyID, resp)
}

// quotaBase offsets every district quota counter. A counter Redis lost is
// recreated by the next INCR from zero, so it reads below quotaBase: the
// submission then knows to rebuild it from the stored responses instead of
// trusting a count that forgot them. Publish starts counters at quotaBase.
const quotaBase = int64(1) << 40

// quotaKey names a district's quota counter (the "q2" generation counts
// from quotaBase; older counters are ignored and rebuilt).
func (s *Service) quotaKey(surveyID, district string) string {
	return s.rdb.Key("survey", "q2", surveyID, district)
}

// admission is the outcome of a submission's one round trip to Redis:
// the reservation (DESIGN.md §2's fast duplicate check, SET NX on the
// respondent's key, which also catches two submissions at the same moment),
// the per-respondent and per-address limits and the district quota.
type admission struct {
	s         *Service
	duplicate bool
	limited   *ratelimit.Result
	quotaFull bool

	// What release must undo.
	reserveKey string
	reserved   bool               // we hold the pending reservation
	limits     []*ratelimit.Event // counted events to take back
	quotaKey   string             // the quota counter we incremented
}

// admit runs the duplicate check, both rate limits and, when quotaDistrict
// is set, the quota increment in one pipeline. An error is Redis failing;
// the verdicts are in the admission, whose release undoes what should not
// stay counted.
func (s *Service) admit(ctx context.Context, sv *Survey, a account.Actor, resp, ip, quotaDistrict string) (*admission, error) {
	adm := &admission{s: s, reserveKey: s.reserveKey(sv.ID, resp)}
	pipe := s.rdb.Pipeline()
	reserve := pipe.SetNX(ctx, adm.reserveKey, reservePending, pendingTTL)
	user := s.window.Queue(ctx, pipe, s.rdb.Key("survey", "rlw", "user", a.UserID), s.opt.PerRespondentPerMinute, time.Minute)
	addr := s.window.Queue(ctx, pipe, s.rdb.Key("survey", "rlw", "ip", ip), s.opt.PerAddressPerMinute, time.Minute)
	var quota *redis.IntCmd
	if quotaDistrict != "" {
		adm.quotaKey = s.quotaKey(sv.ID, quotaDistrict)
		quota = pipe.Incr(ctx, adm.quotaKey)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		// Undo what is known to have happened; uncertain rate-limit counts
		// stay (they expire), as would a reservation whose reply was lost
		// (it expires with pendingTTL).
		adm.reserved = reserve.Err() == nil && reserve.Val()
		if quota == nil || quota.Err() != nil {
			adm.quotaKey = ""
		}
		adm.release(ctx)
		return nil, fmt.Errorf("survey admission: %w", err)
	}
	ok, _ := reserve.Result()
	adm.reserved = ok
	adm.duplicate = !ok
	adm.limits = []*ratelimit.Event{user, addr}
	var limited []ratelimit.Result
	for _, e := range adm.limits {
		r, err := e.Result()
		if err != nil {
			adm.release(ctx)
			return nil, err
		}
		if !r.Allowed {
			limited = append(limited, r)
		}
	}
	if len(limited) > 0 {
		// The longer wait is the one that matters.
		slices.SortFunc(limited, func(x, y ratelimit.Result) int { return cmp.Compare(y.RetryAfter, x.RetryAfter) })
		adm.limited = &limited[0]
	}
	// A repeat or a refused request is not counted against the limits (a
	// respondent retrying after 429 must not extend it); an invalid one is,
	// so malformed floods are limited too.
	if !adm.duplicate && adm.limited == nil {
		adm.limits = nil
	}
	if quota != nil {
		n, err := quota.Result()
		if err != nil {
			adm.release(ctx)
			return nil, fmt.Errorf("survey quota: %w", err)
		}
		if n < quotaBase {
			if n, err = s.rebuildQuota(ctx, sv, quotaDistrict, n); err != nil {
				adm.release(ctx)
				return nil, err
			}
		} else {
			n -= quotaBase
		}
		adm.quotaFull = n > int64(sv.Quotas[quotaDistrict])
	}
	return adm, nil
}

// verdict is the first refusal in the order of checks: already responded,
// then rate limited.
func (adm *admission) verdict() error {
	if adm.duplicate {
		return ErrAlreadyResponded
	}
	if adm.limited != nil {
		return ErrRateLimited.WithRetryAfter(int((adm.limited.RetryAfter + time.Second - 1) / time.Second))
	}
	return nil
}

// release undoes, in one round trip, what a submission that was not stored
// must not leave behind: its pending reservation, its quota place, and its
// rate-limit counts when it was a repeat or refused. Detached from the
// request, so a client that hangs up cannot leave them half undone.
func (adm *admission) release(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	pipe := adm.s.rdb.Pipeline()
	if adm.reserved {
		pipe.Del(ctx, adm.reserveKey)
	}
	for _, e := range adm.limits {
		e.Undo(ctx, pipe)
	}
	if adm.quotaKey != "" {
		pipe.Decr(ctx, adm.quotaKey)
	}
	if pipe.Len() == 0 {
		return
	}
	if _, err := pipe.Exec(ctx); err != nil {
		adm.s.log.Warn("survey admission not released", "err", err)
	}
}

// rebuildQuota handles a quota counter Redis lost: n counts the
// submissions that incremented it since (this one included). One
// submission at a time (a short Redis lock) adds quotaBase plus the stored
// responses of the district, so the counter is whole again; meanwhile each
// judges by stored + n. A response stored while the counter is rebuilt may
// be counted twice, which can only end the quota a little early.
func (s *Service) rebuildQuota(ctx context.Context, sv *Survey, district string, n int64) (int64, error) {
	stored, err := s.st.responses.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: sv.ID}, {Key: "district", Value: district}})
	if err != nil {
		return 0, fmt.Errorf("survey quota: %w", err)
	}
	key := s.quotaKey(sv.ID, district)
	if ok, err := s.rdb.SetNX(ctx, key+":rebuild", 1, 10*time.Second).Result(); err == nil && ok {
		if err := s.rdb.IncrBy(ctx, key, quotaBase+stored).Err(); err != nil {
			return 0, fmt.Errorf("survey quota: %w", err)
		}
	}
	return stored + n, nil
}

func (s *Service) checkTexts(ctx context.Context, a account.Actor, texts map[string]string) error {
	if s.opt.TextChecker == nil || len(texts) == 0 {
		return nil
	}
	ids := make([]string, 0, len(texts))
	for id := range texts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var bad []errs.FieldError
	for _, id := range ids {
		pass, err := s.opt.TextChecker.CheckText(ctx, a, texts[id])
		if err != nil {
			return fmt.Errorf("content security: %w", err)
		}
		if !pass {
			bad = append(bad, errs.Field("answers."+id, "text_rejected", "内容未通过安全检查"))
		}
	}
	if len(bad) > 0 {
		return ErrTextRejected.WithFields(bad...)
	}
	return nil
}

// parseAnswers checks every answer against the definition: type, option,
// range, length, and required together with show_if. It returns the
// answers, the district and the free texts to check.
func parseAnswers(sv *Survey, in Submission, census *stats.Census) (map[string]Answer, string, map[string]string, error) {
	var fe []errs.FieldError
	add := func(field, code, msg string) { fe = append(fe, errs.Field(field, code, msg)) }
	out := make(map[string]Answer, len(in.Answers))
	texts := map[string]string{}
	for id := range in.Answers {
		if _, ok := sv.Question(id); !ok {
			add("answers."+id, "unknown_question", "问卷中没有这道题")
		}
	}
	for _, q := range sv.Questions {
		raw, present := in.Answers[q.ID]
		if present && raw == nil {
			present = false
		}
		f := "answers." + q.ID
		if !present {
			continue
		}
		var a Answer
		switch q.Type {
		case Likert5, Rating10:
			n, ok := integer(raw)
			hi, lo := 5, 1
			if q.Type == Rating10 {
				hi, lo = 10, 0
			}
			if !ok {
				add(f, "invalid_type", "请填写整数")
				continue
			}
			if n < lo || n > hi {
				add(f, "out_of_range", fmt.Sprintf("取值须在 %d–%d 之间", lo, hi))
				continue
			}
			a.N = &n
		case Single, District:
			v, ok := raw.(string)
			if !ok {
				add(f, "invalid_type", "请填写字符串")
				continue
			}
			if !q.validValue(v, census) {
				add(f, "invalid_option", "不是有效的选项")
				continue
			}
			a.S = v
		case Multiple:
			list, ok := raw.([]any)
			if !ok {
				add(f, "invalid_type", "请填写字符串数组")
				continue
			}
			seen := map[string]bool{}
			bad := false
			for _, x := range list {
				v, ok := x.(string)
				if !ok || !q.validValue(v, census) || seen[v] {
					bad = true
					break
				}
				seen[v] = true
				a.L = append(a.L, v)
			}
			if bad {
				add(f, "invalid_option", "含无效或重复的选项")
				continue
			}
			if len(a.L) == 0 {
				present = false
			}
		case Text:
			v, ok := raw.(string)
			if !ok {
				add(f, "invalid_type", "请填写字符串")
				continue
			}
			v = strings.TrimSpace(v)
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				add(f, "invalid", "含无效字符")
				continue
			}
			if utf8.RuneCountInString(v) > q.MaxLength {
				add(f, "too_long", fmt.Sprintf("不能超过 %d 个字", q.MaxLength))
				continue
			}
			if v == "" {
				present = false
			}
			a.S = v
		}
		if present {
			out[q.ID] = a
		}
	}
	// show_if depends on earlier answers only, so one pass in order settles
	// which questions were shown.
	for _, q := range sv.Questions {
		shown := sv.shown(q, out)
		_, answered := out[q.ID]
		switch {
		case answered && !shown:
			add("answers."+q.ID, "not_shown", "按显示条件本题不应作答")
			delete(out, q.ID)
		case !answered && shown && q.Required && !hasField(fe, "answers."+q.ID):
			add("answers."+q.ID, "required", "此题必答")
		}
		if a, ok := out[q.ID]; ok && q.Type == Text {
			texts[q.ID] = a.S
		}
	}
	district := in.District
	for _, q := range sv.Questions {
		if a, ok := out[q.ID]; ok && q.Type == District {
			if district == "" {
				district = a.S
			} else if district != a.S {
				add("district", "mismatch", "所在旗区与问卷中填写的旗区不一致")
			}
		}
	}
	if district == "" {
		add("district", "required", "请选择所在旗区")
	} else if _, ok := census.District(district); !ok {
		add("district", "unknown_district", "不是鄂尔多斯市的旗区代码")
	}
	if len(fe) > 0 {
		return nil, "", nil, errs.Invalid(fe...)
	}
	return out, district, texts, nil
}

func hasField(fe []errs.FieldError, field string) bool {
	return slices.ContainsFunc(fe, func(f errs.FieldError) bool { return f.Field == field })
}

// integer accepts json.Number and Go numbers that are whole.
func integer(v any) (int, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 32)
		return int(n), err == nil
	case int:
		return x, true
	case float64:
		f = x
	default:
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1e6 {
		return 0, false
	}
	return int(f), true
}

// flags derives the quality flags of a response.
func flags(sv *Survey, answers map[string]Answer, took time.Duration) []string {
	out := []string{}
	if sv.MinSecondsPerAnswer > 0 && took.Seconds() < sv.MinSecondsPerAnswer*float64(len(answers)) {
		out = append(out, FlagTooFast)
	}
	var scale []int
	for _, q := range sv.Questions {
		if a, ok := answers[q.ID]; ok && (q.Type == Likert5 || q.Type == Rating10) && q.Expect == "" {
			scale = append(scale, *a.N)
		}
	}
	if len(scale) >= minStraightLineItem && !slices.ContainsFunc(scale, func(v int) bool { return v != scale[0] }) {
		out = append(out, FlagStraightLining)
	}
	for _, q := range sv.Questions {
		if q.Expect == "" {
			continue
		}
		a, ok := answers[q.ID]
		if !ok && !sv.shown(q, answers) {
			continue
		}
		if !ok || !slices.Equal(a.strings(q.Type), []string{q.Expect}) {
			out = append(out, FlagAttentionFailed)
			break
		}
	}
	return out
}

func demographics(sv *Survey, answers map[string]Answer) (stats.Sex, stats.AgeBand) {
	var sex stats.Sex
	var age stats.AgeBand
	for _, q := range sv.Questions {
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		switch q.Demographic {
		case "sex":
			sex = map[string]stats.Sex{"male": stats.Male, "female": stats.Female}[a.S]
		case "age":
			age = map[string]stats.AgeBand{"0-14": stats.Age0to14, "15-59": stats.Age15to59, "60+": stats.Age60Plus}[a.S]
		}
	}
	return sex, age
}

// committed runs after each batch is stored: it marks the respondents done
// (one pipeline) and adds the batch to each survey's live tallies (see
// addToTallies). Should the tallies fail, their completeness mark goes, so
// statistics come from the store until RebuildTallies.
func (s *Service) committed(docs []*Response) {
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	bySurvey := map[string][]*Response{}
	surveys := map[string]*Survey{}
	pipe := s.rdb.Pipeline()
	for _, d := range docs {
		sv, ok := surveys[d.SurveyID]
		if !ok {
			sv, _ = s.published(ctx, d.SurveyID)
			surveys[d.SurveyID] = sv
		}
		pipe.Set(ctx, s.reserveKey(d.SurveyID, d.Respondent), reserveDone, doneTTL(sv, s.now()))
		bySurvey[d.SurveyID] = append(bySurvey[d.SurveyID], d)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		// The store's _id still refuses repeats.
		s.log.Warn("survey respondents not marked done", "err", err, "responses", len(docs))
	}
	for id, ds := range bySurvey {
		sv := surveys[id]
		var err error
		if sv == nil {
			err = ErrNotFound
		} else {
			err = s.addToTallies(ctx, sv, ds)
		}
		if err != nil {
			s.log.Error("survey tallies not updated; live statistics fall back to stored responses until rebuilt",
				"err", err, "survey", id, "responses", len(ds))
			_ = s.rdb.HDel(context.WithoutCancel(ctx), s.tallyKey(id), tallyComplete).Err()
		}
	}
}

package survey

import (
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
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
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

// Submit stores a response and returns its id. Order of checks: survey
// open, one response per respondent (so a repeat gets already_responded
// whatever else is wrong), rate limits, start token, answers, quota,
// content security; then the group-commit writer.
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
	release, err := s.reserve(ctx, id, resp)
	if err != nil {
		return "", err
	}
	committed := false
	defer func() {
		if !committed {
			release()
		}
	}()
	// Limits count after the duplicate check, so a repeat always reads
	// already_responded.
	if err := s.rateLimit(ctx, a, in.ClientIP); err != nil {
		return "", err
	}
	started, err := s.checkStart(in.StartToken, id, resp)
	if err != nil {
		return "", err
	}
	answers, district, texts, err := parseAnswers(sv, in, s.census)
	if err != nil {
		return "", err
	}
	doc := &Response{ID: rid, SurveyID: id, Respondent: resp, District: district, Answers: answers,
		Flags: flags(sv, answers, now.Sub(started)), StartedAt: started.UTC(), SubmittedAt: now.UTC().Truncate(time.Millisecond)}
	doc.Sex, doc.Age = demographics(sv, answers)
	unquota, err := s.takeQuota(ctx, sv, district)
	if err != nil {
		return "", err
	}
	stored := false
	defer func() {
		if !stored {
			unquota()
		}
	}()
	if err := s.checkTexts(ctx, a, texts); err != nil {
		return "", err
	}
	if err := s.w.write(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			// Redis had lost the reservation; the _id is the final guard.
			// Keep the reservation: the stored response owns it.
			committed = true
			return "", ErrAlreadyResponded
		}
		return "", fmt.Errorf("store response: %w", err)
	}
	committed, stored = true, true
	return rid, nil
}

func (s *Service) rateLimit(ctx context.Context, a account.Actor, ip string) error {
	checks := []struct {
		key   string
		limit int
	}{
		{s.rdb.Key("survey", "rl", "user", a.UserID), s.opt.PerRespondentPerMinute},
		{s.rdb.Key("survey", "rl", "ip", ip), s.opt.PerAddressPerMinute},
	}
	for _, c := range checks {
		res, err := s.limiter.Allow(ctx, c.key, c.limit, time.Minute)
		if err != nil {
			return err
		}
		if !res.Allowed {
			return ErrRateLimited.WithRetryAfter(int((res.RetryAfter + time.Second - 1) / time.Second))
		}
	}
	return nil
}

// Reservation values: pending while a submission is in flight (short, so a
// crash cannot block the respondent for long), done once stored.
const (
	reservePending = "p"
	reserveDone    = "d"
	pendingTTL     = time.Minute
	doneTTL        = 400 * 24 * time.Hour
)

func (s *Service) reserveKey(surveyID, resp string) string {
	return s.rdb.Key("survey", "resp", surveyID, resp)
}

// reserve is the fast duplicate check (DESIGN.md §2): SET NX on the
// respondent's key. It also catches two submissions arriving at once.
func (s *Service) reserve(ctx context.Context, surveyID, resp string) (release func(), err error) {
	key := s.reserveKey(surveyID, resp)
	ok, err := s.rdb.SetNX(ctx, key, reservePending, pendingTTL).Result()
	if err != nil {
		return nil, fmt.Errorf("survey reserve: %w", err)
	}
	if !ok {
		return nil, ErrAlreadyResponded
	}
	return func() { _ = s.rdb.Del(context.WithoutCancel(ctx), key).Err() }, nil
}

func (s *Service) quotaKey(surveyID, district string) string {
	return s.rdb.Key("survey", "quota", surveyID, district)
}

// takeQuota counts the response against its district's quota. The counter
// lives in Redis; when it is missing it is first rebuilt from the store.
func (s *Service) takeQuota(ctx context.Context, sv *Survey, district string) (release func(), err error) {
	limit, ok := sv.Quotas[district]
	if !ok {
		return func() {}, nil
	}
	key := s.quotaKey(sv.ID, district)
	if n, err := s.rdb.Exists(ctx, key).Result(); err != nil {
		return nil, err
	} else if n == 0 {
		stored, err := s.st.responses.CountDocuments(ctx, map[string]any{"survey_id": sv.ID, "district": district})
		if err != nil {
			return nil, fmt.Errorf("survey quota: %w", err)
		}
		_ = s.rdb.SetNX(ctx, key, stored, 0).Err()
	}
	n, err := s.rdb.Incr(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("survey quota: %w", err)
	}
	release = func() { _ = s.rdb.Decr(context.WithoutCancel(ctx), key).Err() }
	if n > int64(limit) {
		release()
		return nil, ErrQuotaFull
	}
	return release, nil
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
// and adds the batch to the live tallies in one round trip.
func (s *Service) committed(docs []*Response) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bySurvey := map[string]map[string]int64{}
	cache := map[string]*Survey{}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, d := range docs {
			p.Set(ctx, s.reserveKey(d.SurveyID, d.Respondent), reserveDone, doneTTL)
			sv, ok := cache[d.SurveyID]
			if !ok {
				sv, _ = s.published(ctx, d.SurveyID)
				cache[d.SurveyID] = sv
			}
			if sv == nil {
				continue
			}
			t := bySurvey[d.SurveyID]
			if t == nil {
				t = map[string]int64{}
				bySurvey[d.SurveyID] = t
			}
			tallyFields(sv, d, t)
		}
		for id, t := range bySurvey {
			key := s.tallyKey(id)
			for f, n := range t {
				p.HIncrBy(ctx, key, f, n)
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("survey tallies not updated", "err", err, "responses", len(docs))
	}
}

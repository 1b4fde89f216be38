package survey

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Tallies are counts kept per survey in one Redis hash and recomputed the
// same way from stored responses. Fields (valid = no flags):
//
//	n                          responses
//	v                          valid responses
//	f:<flag>                   responses with that flag
//	d:<adcode>                 responses from the district
//	c:<adcode>:<sex>:<age>     valid responses of the weighting cell
//	q:<qid>                    valid responses answering the question
//	o:<qid>:<value>            valid answers choosing value
//	s:<adcode>:<sex>:<age>:<v> valid satisfaction answers v
//	a:<adcode>:<sex>:<age>:<yes>:<of> valid respondents answering `of`
//	                           awareness items, `yes` of them with a yes
//
// Counts of a few hundred fields describe any number of responses, which
// is what makes live statistics of a million responses cheap.
type counts map[string]int64

func (s *Service) tallyKey(surveyID string) string { return s.rdb.Key("survey", "tally", surveyID) }

// tallyFields adds one response to t.
func tallyFields(sv *Survey, r *Response, t counts) {
	t["n"]++
	t["d:"+r.District]++
	if !r.Valid() {
		for _, f := range r.Flags {
			t["f:"+f]++
		}
		return
	}
	t["v"]++
	cell := r.District + ":" + strconv.Itoa(int(r.Sex)) + ":" + strconv.Itoa(int(r.Age))
	t["c:"+cell]++
	for _, q := range sv.Questions {
		a, ok := r.Answers[q.ID]
		if !ok {
			continue
		}
		t["q:"+q.ID]++
		if q.Type == Text {
			continue
		}
		for _, v := range a.strings(q.Type) {
			t["o:"+q.ID+":"+v]++
		}
	}
	m := sv.Measures
	if m.Satisfaction != "" {
		if a, ok := r.Answers[m.Satisfaction]; ok && a.N != nil {
			t["s:"+cell+":"+strconv.Itoa(*a.N)]++
		}
	}
	if len(m.Awareness) > 0 {
		yes, of := 0, 0
		for _, id := range m.Awareness {
			a, ok := r.Answers[id]
			if !ok {
				continue
			}
			of++
			if q, _ := sv.Question(id); slices.ContainsFunc(a.strings(q.Type), func(v string) bool { return slices.Contains(m.AwarenessYes, v) }) {
				yes++
			}
		}
		if of > 0 {
			t["a:"+cell+":"+strconv.Itoa(yes)+":"+strconv.Itoa(of)]++
		}
	}
}

// Fields of the tally hash besides the counts.
const (
	// tallyComplete marks a hash that counts every stored response: set
	// when the survey is published (nothing to count yet) and by
	// RebuildTallies. Redis may lose the hash (it is not the record);
	// increments after that recreate it without the mark, and liveCounts
	// then reports it incomplete instead of serving wrong figures. A batch
	// whose increments fail removes the mark too.
	tallyComplete = "_complete"
	// tallyRebuild is present while RebuildTallies runs; its value is the
	// rebuild's token.
	tallyRebuild = "_rebuild"
	// deltaPrefix starts the fields that batches committed during a rebuild
	// increment instead of the counts ("+:v" for "v"). The rebuild removes
	// them when it clears its mark.
	deltaPrefix = "+:"
	// logPrefix starts the fields that name each response committed during
	// a rebuild ("r:<response id>"), valued "<submitted ms>|field|field…":
	// what the response added to the delta fields.
	logPrefix = "r:"
)

// errTalliesIncomplete means the live tallies cannot be trusted.
var errTalliesIncomplete = errors.New("survey tallies incomplete")

// ErrRebuildRunning refuses a second rebuild of the same tallies.
var ErrRebuildRunning = errs.New(errs.KindConflict, "tally_rebuild_running", "该问卷的统计正在重建，请稍后再试")

// liveCounts reads the survey's tallies; while a rebuild runs they are
// incomplete.
func (s *Service) liveCounts(ctx context.Context, surveyID string) (counts, error) {
	raw, err := s.rdb.HGetAll(ctx, s.tallyKey(surveyID)).Result()
	if err != nil {
		return nil, fmt.Errorf("survey tallies: %w", err)
	}
	if raw[tallyComplete] == "" || raw[tallyRebuild] != "" {
		return nil, errTalliesIncomplete
	}
	t := make(counts, len(raw))
	for k, v := range raw {
		if strings.HasPrefix(k, "_") || strings.HasPrefix(k, deltaPrefix) || strings.HasPrefix(k, logPrefix) {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("survey tallies: field %s: %w", k, err)
		}
		t[k] = n
	}
	return t, nil
}

// storedCounts recomputes the tallies from the stored responses.
func (s *Service) storedCounts(ctx context.Context, sv *Survey) (counts, error) {
	t := counts{}
	err := s.st.eachResponse(ctx, sv.ID, func(r *Response) error {
		tallyFields(sv, r, t)
		return nil
	})
	return t, err
}

// commitTimeout bounds the Redis work after a batch is stored.
const commitTimeout = 10 * time.Second

// addToTallies adds stored responses of one survey to its tallies. Reading
// the rebuild mark and writing the increments form one optimistic
// transaction on the hash (WATCH, HEXISTS, MULTI … EXEC, retried when another
// writer changed the hash meanwhile): so a batch counts either wholly
// before a rebuild started, into the counts, or wholly after, into the
// delta fields with a log entry per response. RebuildTallies relies on it.
func (s *Service) addToTallies(ctx context.Context, sv *Survey, docs []*Response) error {
	key := s.tallyKey(sv.ID)
	sum := counts{}
	perDoc := make([]counts, len(docs))
	for i, d := range docs {
		perDoc[i] = counts{}
		tallyFields(sv, d, perDoc[i])
		for f, n := range perDoc[i] {
			sum[f] += n
		}
	}
	for attempt := 0; attempt < 100; attempt++ {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			rebuilding, err := tx.HExists(ctx, key, tallyRebuild).Result()
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				prefix := ""
				if rebuilding {
					prefix = deltaPrefix
					for i, d := range docs {
						p.HSet(ctx, key, logPrefix+d.ID, logEntry(d, perDoc[i]))
					}
				}
				for f, n := range sum {
					p.HIncrBy(ctx, key, prefix+f, n)
				}
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return errors.New("survey tallies: too much contention")
}

// logEntry is a log field's value: "<submitted ms>|field|field…".
func logEntry(d *Response, fields counts) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(d.SubmittedAt.UnixMilli(), 10))
	for f := range fields {
		b.WriteByte('|')
		b.WriteString(f) // each field counts 1 per response
	}
	return b.String()
}

// rebuildMargin bounds how long before its commit a response was
// submitted: a submission's store write times out after 30 s, its content
// check after seconds. RebuildTallies remembers the responses it reads that
// were submitted this close to the rebuild's start.
const rebuildMargin = 10 * time.Minute

// RebuildTallies replaces the survey's live tallies with counts recomputed
// from the stored responses (after Redis lost them), while submissions go
// on. How it stays exact when batches commit during the rebuild:
//
//  1. It marks the hash as rebuilding. addToTallies reads the mark and
//     writes in one optimistic transaction, so a batch either commits
//     wholly before the mark (its responses were stored before, so the
//     scan reads them) or wholly after (into the delta fields, each
//     response logged with what it added).
//  2. It reads every stored response into fresh counts, remembering the
//     ids of those submitted within rebuildMargin of the mark.
//  3. A response the scan read near its end may belong to a batch whose
//     tally commit has not run yet. It waits for this process's batches in
//     flight, then for other replicas' (Options.TallyRebuildDrain, by
//     default commitTimeout and a second, after which every commit that
//     began before is over); those commits are logged.
//  4. In a transaction that retries if a batch commits meanwhile, the
//     counts become the scan's plus what each logged response the scan did
//     not read added; the delta fields and the log are removed, the mark
//     cleared and the hash marked complete. Batches after it count into the
//     counts again.
//
// While it runs, live statistics come from the stored responses. One
// rebuild at a time per survey (a Redis lock; a second gets
// ErrRebuildRunning). It returns the number of responses counted.
func (s *Service) RebuildTallies(ctx context.Context, a account.Actor, id string) (int64, error) {
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return 0, err
	}
	if sv.Status == StatusDraft {
		return 0, ErrNotPublished
	}
	unlock, ok, err := s.rdb.TryLock(ctx, "survey-tally-rebuild:"+id, time.Hour)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrRebuildRunning
	}
	defer unlock()
	key := s.tallyKey(id)
	marked := time.Now()
	if err := s.rdb.HSet(ctx, key, tallyRebuild, strconv.FormatInt(marked.UnixNano(), 36)).Err(); err != nil {
		return 0, fmt.Errorf("survey tallies: %w", err)
	}
	// On failure the mark stays: batches keep counting into the delta, and
	// statistics come from the store until a rebuild completes.
	t := counts{}
	read := map[string]bool{}
	since := marked.Add(-rebuildMargin)
	err = s.st.eachResponse(ctx, id, func(r *Response) error {
		tallyFields(sv, r, t)
		if !r.SubmittedAt.Before(since) {
			read[r.ID] = true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if s.afterScan != nil {
		s.afterScan()
	}
	if err := s.w.settled(ctx); err != nil {
		return 0, err
	}
	if s.opt.TallyRebuildDrain > 0 {
		select {
		case <-time.After(s.opt.TallyRebuildDrain):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	var total int64
	for attempt := 0; ; attempt++ {
		if attempt == 1000 {
			return 0, errors.New("survey tallies: rebuild could not finish under contention")
		}
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.HGetAll(ctx, key).Result()
			if err != nil {
				return err
			}
			final := maps.Clone(t)
			var drop []string
			for k, v := range raw {
				switch {
				case k == tallyRebuild || k == tallyComplete:
				case strings.HasPrefix(k, logPrefix):
					drop = append(drop, k)
					if read[strings.TrimPrefix(k, logPrefix)] {
						continue // the scan counted it
					}
					for _, f := range strings.Split(v, "|")[1:] {
						final[f]++
					}
				case strings.HasPrefix(k, deltaPrefix):
					drop = append(drop, k)
				default:
					if _, ok := final[k]; !ok {
						drop = append(drop, k) // no stored response has it
					}
				}
			}
			total = final["n"]
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if len(drop) > 0 {
					p.HDel(ctx, key, drop...)
				}
				args := make([]any, 0, 2*len(final)+2)
				for f, n := range final {
					args = append(args, f, n)
				}
				p.HSet(ctx, key, append(args, tallyComplete, 1)...)
				p.HDel(ctx, key, tallyRebuild)
				return nil
			})
			return err
		}, key)
		if err == nil {
			break
		}
		if !errors.Is(err, redis.TxFailedErr) {
			return 0, fmt.Errorf("survey tallies: %w", err)
		}
	}
	s.record(ctx, a, "survey.tallies_rebuild", id, nil, map[string]any{"responses": total})
	return total, nil
}

// splitKey splits a tally field after its prefix.
func splitKey(k, prefix string, parts int) ([]string, bool) {
	rest, ok := strings.CutPrefix(k, prefix)
	if !ok {
		return nil, false
	}
	p := strings.SplitN(rest, ":", parts)
	return p, len(p) == parts
}

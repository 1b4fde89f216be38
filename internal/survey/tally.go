package survey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// tallyComplete marks a tally hash that counts every stored response: set
// when the survey is published (nothing to count yet) and by
// RebuildTallies. Redis may lose the hash (it is not the record); increments
// after that recreate it without the mark, and liveCounts then reports it
// incomplete instead of serving wrong figures.
const tallyComplete = "_complete"

// errTalliesIncomplete means the live tallies cannot be trusted.
var errTalliesIncomplete = errors.New("survey tallies incomplete")

// liveCounts reads the survey's tallies.
func (s *Service) liveCounts(ctx context.Context, surveyID string) (counts, error) {
	raw, err := s.rdb.HGetAll(ctx, s.tallyKey(surveyID)).Result()
	if err != nil {
		return nil, fmt.Errorf("survey tallies: %w", err)
	}
	if raw[tallyComplete] == "" {
		return nil, errTalliesIncomplete
	}
	delete(raw, tallyComplete)
	t := make(counts, len(raw))
	for k, v := range raw {
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

// RebuildTallies replaces the live tallies with counts recomputed from the
// stored responses (after Redis lost them). Submissions committed while it
// runs may be counted twice or not at all, so run it while the survey is
// quiet, e.g. after closing.
func (s *Service) RebuildTallies(ctx context.Context, id string) error {
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return err
	}
	t, err := s.storedCounts(ctx, sv)
	if err != nil {
		return err
	}
	key := s.tallyKey(id)
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, key)
	t[tallyComplete] = 1
	if len(t) > 0 {
		args := make([]any, 0, 2*len(t))
		for k, v := range t {
			args = append(args, k, v)
		}
		pipe.HSet(ctx, key, args...)
	}
	_, err = pipe.Exec(ctx)
	return err
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

package survey

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
)

// loadDoc is a stored response of testSurvey, valid unless i%7 == 0.
func loadDoc(sv *Survey, i int) *Response {
	n := func(v int) *int { return &v }
	expect := "yes"
	if i%7 == 0 {
		expect = "no" // attention check failed
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	r := &Response{ID: fmt.Sprintf("%s:r%04d", sv.ID, i), SurveyID: sv.ID, Respondent: fmt.Sprintf("r%04d", i),
		District: []string{"150602", "150603", "150621"}[i%3], StartedAt: now.Add(-time.Minute), SubmittedAt: now,
		Answers: map[string]Answer{"q1": {N: n(1 + i%5)}, "q2": {S: "no"}, "q4": {N: n(2)}, "q5": {N: n(3)}, "q6": {N: n(4)},
			"q7": {N: n(5)}, "q11": {S: expect}}}
	r.Flags = flags(sv, r.Answers, time.Minute)
	return r
}

// TestRebuildReconcilesCommitsDuringIt drives the two cases a rebuild must
// reconcile: a response the scan read whose batch commits after the mark
// (logged; must not count twice), and one stored and committed after the
// scan (logged, not read; must count).
func TestRebuildReconcilesCommitsDuringIt(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	s.opt.TallyRebuildDrain = -1
	sv := testSurvey(t)
	if _, err := s.st.surveys.InsertOne(ctx, sv); err != nil {
		t.Fatal(err)
	}
	key := s.tallyKey(sv.ID)
	if err := s.rdb.HSet(ctx, key, tallyComplete, 1).Err(); err != nil {
		t.Fatal(err)
	}
	write := func(i int) {
		t.Helper()
		if err := s.w.write(ctx, loadDoc(sv, i)); err != nil {
			t.Fatal(err)
		}
	}
	agree := func(when string) {
		t.Helper()
		live, err := s.liveCounts(ctx, sv.ID)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		stored, err := s.storedCounts(ctx, sv)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(live, stored) {
			t.Fatalf("%s: live %v\nstored %v", when, live, stored)
		}
	}
	for i := range 10 {
		write(i)
	}
	agree("before losing the tallies")
	if err := s.rdb.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	write(10) // recreates the hash without the completeness mark
	if _, err := s.liveCounts(ctx, sv.ID); err != errTalliesIncomplete {
		t.Fatalf("liveCounts after the loss = %v, want errTalliesIncomplete", err)
	}
	// Stored, its batch not yet committed: the scan reads it.
	late := loadDoc(sv, 11)
	if _, err := s.st.responses.InsertOne(ctx, late); err != nil {
		t.Fatal(err)
	}
	s.afterScan = func() {
		s.committed([]*Response{late}) // commits after the mark, logged
		write(12)                      // stored after the scan, logged
		write(14)
		if _, err := s.liveCounts(ctx, sv.ID); err != errTalliesIncomplete {
			t.Errorf("liveCounts during the rebuild = %v, want errTalliesIncomplete", err)
		}
	}
	n, err := s.RebuildTallies(ctx, adminForTest, sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != 14 {
		t.Errorf("rebuild counted %d responses, want 14", n)
	}
	agree("after the rebuild")
	raw, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	for k := range raw {
		if k == tallyRebuild || strings.HasPrefix(k, deltaPrefix) || strings.HasPrefix(k, logPrefix) {
			t.Errorf("field %s left after the rebuild", k)
		}
	}
	s.afterScan = nil
	write(15)
	agree("after a later submission")
	// A second rebuild with nothing in flight changes nothing.
	if _, err := s.RebuildTallies(ctx, adminForTest, sv.ID); err != nil {
		t.Fatal(err)
	}
	agree("after a second rebuild")
}

var adminForTest = account.Actor{UserID: "u_admin", Role: account.RoleAdmin}

package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/reqctx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// newLog returns a log on a fresh database with its indexes.
func newLog(t *testing.T) *Log {
	t.Helper()
	db := testenv.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db, Indexes...); err != nil {
		t.Fatal(err)
	}
	return New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// stepClock returns a clock starting at t0 that moves by step on every call.
func stepClock(t0 time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := t0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := next
		next = next.Add(step)
		return now
	}
}

var (
	alice = Actor{ID: "s_alice", Role: "admin", Name: "alice"}
	bob   = Actor{ID: "s_bob", Role: "evaluator", Name: "bob"}
)

func TestRecordFillsTimeAndRequestID(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	ctx := reqctx.WithRequestID(context.Background(), "req-123")
	before := time.Now().Add(-time.Second)
	if err := l.Record(ctx, Entry{Actor: alice, Action: "user.create", ObjectType: "user", ObjectID: "u1"}); err != nil {
		t.Fatal(err)
	}
	// An explicit request id is kept.
	if err := l.Record(ctx, Entry{Actor: alice, Action: "user.update", ObjectType: "user", ObjectID: "u1", RequestID: "job-7"}); err != nil {
		t.Fatal(err)
	}
	// Outside a request there is none.
	if err := l.Record(context.Background(), Entry{Actor: System, Action: "user.create", ObjectType: "user", ObjectID: "u2"}); err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(time.Second)

	got, next, err := l.List(context.Background(), Filter{}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if next != "" || len(got) != 3 {
		t.Fatalf("List = %d entries, next %q; want 3 and no next page", len(got), next)
	}
	wantReq := []string{"", "job-7", "req-123"} // newest first
	for i, e := range got {
		if e.RequestID != wantReq[i] {
			t.Errorf("entry %d (%s) request id %q, want %q", i, e.Action, e.RequestID, wantReq[i])
		}
		if e.Time.Before(before) || e.Time.After(after) {
			t.Errorf("entry %d time %v not between %v and %v", i, e.Time, before, after)
		}
		if e.Time.Location() != time.UTC {
			t.Errorf("entry %d time in %v, want UTC", i, e.Time.Location())
		}
		if e.ID == "" {
			t.Errorf("entry %d has no id", i)
		}
	}
	if got[0].Actor != System {
		t.Errorf("actor %+v, want %+v", got[0].Actor, System)
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLog(t)
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	l.now = stepClock(t0, time.Hour)
	seed := []Entry{ // recorded at t0, t0+1h, …
		{Actor: alice, Action: "user.create", ObjectType: "user", ObjectID: "u1"},           // e0
		{Actor: alice, Action: "user.update", ObjectType: "user", ObjectID: "u1"},           // e1
		{Actor: bob, Action: "survey.submit", ObjectType: "survey", ObjectID: "s1"},         // e2
		{Actor: bob, Action: "user.update", ObjectType: "user", ObjectID: "u2"},             // e3
		{Actor: System, Action: "complaint.close", ObjectType: "complaint", ObjectID: "u1"}, // e4
	}
	for _, e := range seed {
		if err := l.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := map[string]struct {
		f    Filter
		want []int // indexes into seed, newest first
	}{
		"none":                {Filter{}, []int{4, 3, 2, 1, 0}},
		"actor":               {Filter{ActorID: "s_bob"}, []int{3, 2}},
		"action":              {Filter{Action: "user.update"}, []int{3, 1}},
		"object type":         {Filter{ObjectType: "user"}, []int{3, 1, 0}},
		"object id":           {Filter{ObjectID: "u1"}, []int{4, 1, 0}},
		"object type and id":  {Filter{ObjectType: "user", ObjectID: "u1"}, []int{1, 0}},
		"actor and action":    {Filter{ActorID: "s_alice", Action: "user.update"}, []int{1}},
		"from (inclusive)":    {Filter{From: t0.Add(2 * time.Hour)}, []int{4, 3, 2}},
		"to (exclusive)":      {Filter{To: t0.Add(2 * time.Hour)}, []int{1, 0}},
		"from and to":         {Filter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, []int{2, 1}},
		"range in other zone": {Filter{From: t0.Add(3 * time.Hour).In(time.FixedZone("CST", 8*3600))}, []int{4, 3}},
		"no match":            {Filter{ActorID: "nobody"}, nil},
		"empty range":         {Filter{From: t0.Add(10 * time.Hour)}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, next, err := l.List(ctx, tc.f, 50, "")
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("next = %q, want none", next)
			}
			var gotIdx []int
			for _, e := range got {
				gotIdx = append(gotIdx, indexOf(seed, e, t0))
			}
			if !reflect.DeepEqual(gotIdx, tc.want) {
				t.Errorf("got entries %v, want %v", gotIdx, tc.want)
			}
		})
	}
}

// indexOf identifies a listed entry by its time (each seed entry got its
// own hour) and checks its fields against the seed.
func indexOf(seed []Entry, e Entry, t0 time.Time) int {
	i := int(e.Time.Sub(t0) / time.Hour)
	if i < 0 || i >= len(seed) {
		return -1
	}
	s := seed[i]
	if e.Actor != s.Actor || e.Action != s.Action || e.ObjectType != s.ObjectType || e.ObjectID != s.ObjectID {
		return -1
	}
	return i
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLog(t)
	const total, limit = 23, 5
	for i := 0; i < total; i++ {
		if err := l.Record(ctx, Entry{Actor: alice, Action: "thing.touch", ObjectType: "thing", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Entries of another object must not leak into a filtered walk.
	if err := l.Record(ctx, Entry{Actor: alice, Action: "other", ObjectType: "other", ObjectID: "x"}); err != nil {
		t.Fatal(err)
	}

	var seen []string
	cursor, pages := "", 0
	for {
		page, next, err := l.List(ctx, Filter{ObjectType: "thing"}, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page) > limit {
			t.Fatalf("page of %d entries, limit %d", len(page), limit)
		}
		for _, e := range page {
			seen = append(seen, e.ObjectID)
		}
		if next == "" {
			break
		}
		if pages > total {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	if want := (total + limit - 1) / limit; pages != want {
		t.Errorf("%d pages, want %d", pages, want)
	}
	if len(seen) != total {
		t.Fatalf("saw %d entries, want %d: %v", len(seen), total, seen)
	}
	for i, id := range seen { // newest first, each exactly once
		if want := fmt.Sprint(total - 1 - i); id != want {
			t.Errorf("entry %d is object %s, want %s", i, id, want)
		}
	}

	// A page exactly at the limit has no next page.
	page, next, err := l.List(ctx, Filter{ObjectType: "other"}, 1, "")
	if err != nil || len(page) != 1 || next != "" {
		t.Errorf("exact page: %d entries, next %q, err %v; want 1, none, nil", len(page), next, err)
	}
}

func TestListBadCursor(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	for _, c := range []string{"nope", "zzzzzzzzzzzzzzzzzzzzzzzz", "0123"} {
		_, _, err := l.List(context.Background(), Filter{}, 10, c)
		if !errors.Is(err, ErrBadCursor) {
			t.Errorf("List with cursor %q: %v, want ErrBadCursor", c, err)
		}
	}
}

func TestBeforeAfterAsJSONObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLog(t)
	before := map[string]any{
		"status": "open",
		"count":  3,
		"tags":   []string{"a", "b"},
		"owner":  map[string]any{"id": "u1", "scopes": []any{map[string]any{"adcode": "150602"}}},
	}
	after := struct {
		Status string   `bson:"status"`
		Tags   []string `bson:"tags"`
	}{Status: "closed", Tags: []string{"a"}}
	if err := l.Record(ctx, Entry{Actor: alice, Action: "x.update", ObjectType: "x", ObjectID: "1", Before: before, After: after}); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(ctx, Entry{Actor: alice, Action: "x.create", ObjectType: "x", ObjectID: "2"}); err != nil {
		t.Fatal(err)
	}
	got, _, err := l.List(ctx, Filter{}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	data, err := json.Marshal(got[1])
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("before/after are not JSON objects: %v\n%s", err, data)
	}
	wantBefore := map[string]any{
		"status": "open",
		"count":  float64(3),
		"tags":   []any{"a", "b"},
		"owner":  map[string]any{"id": "u1", "scopes": []any{map[string]any{"adcode": "150602"}}},
	}
	if !reflect.DeepEqual(decoded.Before, wantBefore) {
		t.Errorf("before = %#v\nwant %#v\njson %s", decoded.Before, wantBefore, data)
	}
	wantAfter := map[string]any{"status": "closed", "tags": []any{"a"}}
	if !reflect.DeepEqual(decoded.After, wantAfter) {
		t.Errorf("after = %#v, want %#v", decoded.After, wantAfter)
	}

	// An entry without before/after omits them.
	data, err = json.Marshal(got[0])
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"before", "after"} {
		if _, ok := raw[k]; ok {
			t.Errorf("entry without %s has it in JSON: %s", k, data)
		}
	}
	for _, k := range []string{"id", "time", "actor", "action", "object_type", "object_id"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %s: %s", k, data)
		}
	}
}

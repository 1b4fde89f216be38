package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder is a fake WeChat: it records sends and can fail on demand.
type recorder struct {
	mu    sync.Mutex
	sent  []string
	fail  int // fail this many sends first
	sentC chan string
}

func (r *recorder) send(_ context.Context, openid string, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		return errors.New("errcode 45009: api freq out of limit")
	}
	r.sent = append(r.sent, m.ID)
	if r.sentC != nil {
		r.sentC <- m.ID
	}
	return nil
}

func recipients(_ context.Context, userID string) (string, error) {
	if userID == "staff1" {
		return "", nil
	}
	return "openid-" + userID, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }
func statusOf(t *testing.T, s *notify.Service, user string) notify.Status {
	t.Helper()
	ms, err := s.Mine(context.Background(), user, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("mine: %v %v", ms, err)
	}
	return ms[0].Status
}

func TestWorkersSendEachMessageOnce(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	rec := &recorder{sentC: make(chan string, 100)}
	s := notify.NewService(db, rdb, recipients, rec.send, quiet, notify.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ { // two consumers in the group
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx, time.Hour) }()
	}
	const n = 30
	for i := 0; i < n; i++ {
		if err := s.Notify(ctx, notify.Notification{UserID: "u" + string(rune('a'+i%26)), Kind: "complaint_status", Title: "已受理", Body: "您的投诉已受理"}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(20 * time.Second)
	for got := 0; got < n; got++ {
		select {
		case <-rec.sentC:
		case <-deadline:
			t.Fatalf("only %d of %d sent", got, n)
		}
	}
	cancel()
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range rec.sent {
		if seen[id] {
			t.Fatalf("message %s sent twice", id)
		}
		seen[id] = true
	}
	if len(rec.sent) != n {
		t.Fatalf("%d sends for %d messages", len(rec.sent), n)
	}
}

func TestRetryBackoffAndGiveUp(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	ctx := context.Background()
	rec := &recorder{fail: 1}
	clk := newClock()
	s := notify.NewService(db, rdb, recipients, rec.send, quiet, notify.Options{MaxAttempts: 3, Backoff: time.Minute})
	s.SetClock(clk.now)
	if err := s.Notify(ctx, notify.Notification{UserID: "citizen1", Kind: "k", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	id := mustOnlyID(t, s, "citizen1")
	if err := s.Deliver(ctx, id); err == nil {
		t.Fatal("first send should fail")
	}
	if st := statusOf(t, s, "citizen1"); st != notify.StatusPending {
		t.Fatalf("after a failure: %s", st)
	}
	// Not due yet: a redelivery does nothing.
	_ = s.Deliver(ctx, id)
	if len(rec.sent) != 0 {
		t.Fatal("retried before the backoff")
	}
	clk.add(2 * time.Minute)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep announced %d, %v", n, err)
	}
	if err := s.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st := statusOf(t, s, "citizen1"); st != notify.StatusSent || len(rec.sent) != 1 {
		t.Fatalf("after retry: %s, %d sends", st, len(rec.sent))
	}
	_ = s.Deliver(ctx, id)
	if len(rec.sent) != 1 {
		t.Fatal("a sent message was sent again")
	}

	// Always failing: gives up after MaxAttempts.
	rec.fail = 100
	_ = s.Notify(ctx, notify.Notification{UserID: "citizen2", Kind: "k", Title: "t"})
	id2 := mustOnlyID(t, s, "citizen2")
	for i := 0; i < 3; i++ {
		_ = s.Deliver(ctx, id2)
		clk.add(time.Hour)
	}
	if st := statusOf(t, s, "citizen2"); st != notify.StatusFailed {
		t.Fatalf("after 3 failures: %s", st)
	}
	// Staff have no WeChat identity: skipped, not failed.
	_ = s.Notify(ctx, notify.Notification{UserID: "staff1", Kind: "k", Title: "t"})
	_ = s.Deliver(ctx, mustOnlyID(t, s, "staff1"))
	if st := statusOf(t, s, "staff1"); st != notify.StatusSkipped {
		t.Fatalf("staff: %s", st)
	}
	if err := s.Notify(ctx, notify.Notification{Kind: "k"}); err == nil {
		t.Fatal("a notification without a user was accepted")
	}
}

func TestSweepRecoversLostAnnouncementsAndDeadWorkers(t *testing.T) {
	db, rdb := testenv.DB(t), testenv.Redis(t)
	ctx := context.Background()
	rec := &recorder{}
	clk := newClock()
	s := notify.NewService(db, rdb, recipients, rec.send, quiet, notify.Options{Lease: time.Minute})
	s.SetClock(clk.now)
	_ = s.Notify(ctx, notify.Notification{UserID: "c1", Kind: "k", Title: "t"})
	// Redis lost the stream entirely.
	if err := rdb.Del(ctx, rdb.Key("notify", "stream")).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Sweep(ctx); n != 1 {
		t.Fatalf("sweep announced %d, want 1", n)
	}
	// A worker that claimed it and died: the lease expires, then it is due again.
	crashing := notify.NewService(db, rdb, recipients, func(context.Context, string, notify.Message) error { panic("worker died") }, quiet, notify.Options{Lease: time.Minute})
	crashing.SetClock(clk.now)
	func() {
		defer func() { _ = recover() }()
		_ = crashing.Deliver(ctx, mustOnlyID(t, s, "c1"))
	}()
	if n, _ := s.Sweep(ctx); n != 0 {
		t.Fatal("a held lease was swept")
	}
	clk.add(2 * time.Minute)
	if n, _ := s.Sweep(ctx); n != 1 {
		t.Fatal("an expired lease was not swept")
	}
	if err := s.Deliver(ctx, mustOnlyID(t, s, "c1")); err != nil || len(rec.sent) != 1 {
		t.Fatalf("redelivery: %v, %d sends", err, len(rec.sent))
	}
}

func mustOnlyID(t *testing.T, s *notify.Service, user string) string {
	t.Helper()
	ms, err := s.Mine(context.Background(), user, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("mine(%s): %v %v", user, ms, err)
	}
	return ms[0].ID
}

package cell

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// TestConcurrentCertification: 50 certifications at once get 50 distinct,
// consecutive numbers, and a second round issues nothing. The applications
// are written straight into publicity (the workflow before is tested over
// HTTP); the certifications are the real thing.
func TestConcurrentCertification(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	// The indexes matter here (unique application_id), and the schema
	// package imports this one: ensure them directly.
	if err := mongodb.EnsureIndexes(ctx, db, Indexes...); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	rub, err := DefaultRubrics()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC) // 23:59 in Shanghai: still 2026
	s, err := NewService(db, audit.New(db, quiet), Options{Rubrics: rub, Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	ids := make([]string, n)
	start, end := now.Add(-8*24*time.Hour), now.Add(-time.Hour)
	for i := range n {
		ids[i] = fmt.Sprintf("ca_test%02d", i)
		d := appDoc{ID: ids[i], Status: string(StatusPublicity), Self: map[string]itemDoc{}, PublicityStart: &start, PublicityEnd: &end,
			Unit:       unitDoc{Name: fmt.Sprintf("单位%d", i), CreditCode: fmt.Sprintf("CC%016d", i), Type: "school", District: "150602"},
			Objections: []objectionDoc{}, History: []historyDoc{}, Applicants: []string{"u"}, CreatedAt: start, UpdatedAt: start}
		if err := s.st.insertApp(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	admin := account.Actor{UserID: "u_admin", Role: account.RoleAdmin}
	certify := func() []string {
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if c, err := s.Certify(ctx, admin, ids[i]); err == nil {
					numbers[i] = c.Number
				}
			}()
		}
		wg.Wait()
		return numbers
	}
	numbers := certify()
	slices.Sort(numbers)
	for i, num := range numbers {
		if want := FormatNumber(2026, i+1); num != want {
			t.Fatalf("number %d = %q, want %s (all: %v)", i, num, want, numbers)
		}
	}
	// A second round is refused, and a fresh process (no remembered
	// number) continues the sequence from the store.
	if again := certify(); slices.ContainsFunc(again, func(s string) bool { return s != "" }) {
		t.Fatalf("second round issued %v", again)
	}
	s.lastSeqs = map[int]int{}
	late := appDoc{ID: "ca_late", Status: string(StatusPublicity), Self: map[string]itemDoc{}, PublicityStart: &start, PublicityEnd: &end,
		Unit: unitDoc{Name: "晚到单位", CreditCode: "CC-late", Type: "school"}, Objections: []objectionDoc{}, History: []historyDoc{}}
	if err := s.st.insertApp(ctx, late); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Certify(ctx, admin, "ca_late"); err != nil || c.Number != FormatNumber(2026, n+1) {
		t.Fatalf("after restart: %+v %v", c, err)
	}
	if f, err := s.Figures(ctx); err != nil || f.Certified != n+1 || len(f.ByType) != 1 || f.ByType[0] != (TypeCount{Code: "school", Name: "学校", Count: n + 1}) {
		t.Fatalf("figures %+v %v", f, err)
	}
}

package cell

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
)

// seeded returns a service over a store holding n certificates (a tenth
// revoked) and n applications, written directly: the workflow is not what
// is measured.
func seeded(b *testing.B, n int) (*Service, time.Time) {
	b.Helper()
	ctx := context.Background()
	db := testenv.DB(b)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	rub, err := DefaultRubrics()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	s, err := NewService(db, audit.New(db, quiet), Options{Rubrics: rub, Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	var certs, apps []any
	for i := range n {
		ty := rub.Types[i%len(rub.Types)]
		u := unitDoc{Name: fmt.Sprintf("单位%d", i), CreditCode: fmt.Sprintf("CC%016d", i), Type: ty.Code, District: "150602", DistrictName: "东胜区"}
		certs = append(certs, certDoc{ID: FormatNumber(2026, i+1), Year: 2026, Seq: i + 1, ApplicationID: fmt.Sprintf("ca_%d", i), Type: ty.Code,
			Unit: u, IssuedAt: now.AddDate(0, 0, -1), ExpiresAt: now.AddDate(2, 0, 0), Revoked: i%10 == 0})
		apps = append(apps, appDoc{ID: fmt.Sprintf("ca_%d", i), Status: string(StatusCertified), Unit: u, Self: map[string]itemDoc{},
			Objections: []objectionDoc{}, History: []historyDoc{}, Applicants: []string{"u"}, CreatedAt: now, UpdatedAt: now})
	}
	if _, err := s.st.certs.InsertMany(ctx, certs); err != nil {
		b.Fatal(err)
	}
	if _, err := s.st.apps.InsertMany(ctx, apps); err != nil {
		b.Fatal(err)
	}
	return s, now
}

// BenchmarkFigures measures indicator 41: Cold recomputes the snapshot
// (every certificate and application read and counted in Go), as after any
// change; Warm serves it from the snapshot, as between changes.
func BenchmarkFigures(b *testing.B) {
	for _, n := range []int{300, 3000} {
		for _, cold := range []bool{true, false} {
			name := fmt.Sprintf("Warm/%d", n)
			if cold {
				name = fmt.Sprintf("Cold/%d", n)
			}
			b.Run(name, func(b *testing.B) {
				s, _ := seeded(b, n)
				ctx := context.Background()
				if _, err := s.Figures(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if cold {
						s.dropSnapshot()
					}
					f, err := s.Figures(ctx)
					if err != nil || f.Certified != n-n/10 {
						b.Fatal(f.Certified, err)
					}
				}
			})
		}
	}
}

// BenchmarkNextNumber measures taking the next certificate number of a year
// that already has n, the serialised part of certification: the first
// certification of a year after start scans for the last number (Scan),
// later ones use the remembered number and one insert (Issue).
func BenchmarkNextNumber(b *testing.B) {
	for _, n := range []int{300, 3000} {
		b.Run(fmt.Sprintf("Scan/%d", n), func(b *testing.B) {
			s, _ := seeded(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if last, err := s.st.lastSeq(ctx, 2026); err != nil || last != n {
					b.Fatal(last, err)
				}
			}
		})
		b.Run(fmt.Sprintf("Issue/%d", n), func(b *testing.B) {
			s, now := seeded(b, n)
			ctx := context.Background()
			i := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				i++
				d := appDoc{ID: fmt.Sprintf("bench_%d", i), Unit: unitDoc{Type: "school", CreditCode: fmt.Sprintf("B%017d", i)}}
				if _, err := s.issue(ctx, d, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

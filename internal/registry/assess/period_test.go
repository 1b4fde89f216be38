package assess

import (
	"errors"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, shanghai) }
	last := func(y int, m time.Month, day int) time.Time {
		return time.Date(y, m, day, 23, 59, 59, int(999*time.Millisecond), shanghai)
	}
	cases := map[string]struct {
		in         string
		start, end time.Time
		wantErr    bool
	}{
		"year":                   {in: "2025", start: d(2025, 1, 1), end: last(2025, 12, 31)},
		"baseline year":          {in: "2020", start: d(2020, 1, 1), end: last(2020, 12, 31)},
		"last year":              {in: "2100", start: d(2100, 1, 1), end: last(2100, 12, 31)},
		"q1":                     {in: "2025-Q1", start: d(2025, 1, 1), end: last(2025, 3, 31)},
		"q2":                     {in: "2024-Q2", start: d(2024, 4, 1), end: last(2024, 6, 30)},
		"q3":                     {in: "2025-Q3", start: d(2025, 7, 1), end: last(2025, 9, 30)},
		"q4":                     {in: "2025-Q4", start: d(2025, 10, 1), end: last(2025, 12, 31)},
		"month":                  {in: "2025-07", start: d(2025, 7, 1), end: last(2025, 7, 31)},
		"leap february":          {in: "2024-02", start: d(2024, 2, 1), end: last(2024, 2, 29)},
		"common february":        {in: "2025-02", start: d(2025, 2, 1), end: last(2025, 2, 28)},
		"december":               {in: "2023-12", start: d(2023, 12, 1), end: last(2023, 12, 31)},
		"q0":                     {in: "2025-Q0", wantErr: true},
		"q5":                     {in: "2025-Q5", wantErr: true},
		"lower-case q":           {in: "2025-q3", wantErr: true},
		"five-digit year":        {in: "20255", wantErr: true},
		"before baseline":        {in: "2019", wantErr: true},
		"after 2100":             {in: "2101", wantErr: true},
		"month 13":               {in: "2025-13", wantErr: true},
		"month 00":               {in: "2025-00", wantErr: true},
		"one-digit month":        {in: "2025-7", wantErr: true},
		"slash":                  {in: "2025/07", wantErr: true},
		"spaces":                 {in: " 2025", wantErr: true},
		"chinese year":           {in: "2025年", wantErr: true},
		"empty":                  {in: "", wantErr: true},
		"signed":                 {in: "+202", wantErr: true},
		"half year not accepted": {in: "2025-H1", wantErr: true},
		"full-width digits":      {in: "２０２５", wantErr: true},
		"quarter sign":           {in: "2025-Q+", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePeriod(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidPeriod) || errs.KindOf(err) != errs.KindInvalid {
					t.Fatalf("ParsePeriod(%q) err = %v, want an invalid ErrInvalidPeriod", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !p.Start.Equal(tc.start) || !p.End.Equal(tc.end) || p.Text != tc.in {
				t.Errorf("ParsePeriod(%q) = %+v, want %v … %v", tc.in, p, tc.start, tc.end)
			}
			if _, off := p.End.Zone(); off != 8*3600 {
				t.Errorf("End offset = %d, want +08:00", off)
			}
		})
	}
}

func TestEndOfYearIsShanghai(t *testing.T) {
	t.Parallel()
	// 2025-12-31 23:59:59.999 in Shanghai is 15:59:59.999 UTC the same day.
	want := time.Date(2025, 12, 31, 15, 59, 59, int(999*time.Millisecond), time.UTC)
	if got := endOfYear(2025); !got.Equal(want) {
		t.Errorf("endOfYear(2025) = %v, want %v", got.UTC(), want)
	}
}

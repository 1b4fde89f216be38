package assess

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseTarget checks that any cell parses without panicking, keeps its
// text, and gives either a well-formed numeric target or a qualitative one;
// and that Assess and CheckValue accept whatever it returns.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{
		"<6.00", ">35", "≥90", "≤20", "80", "100", "0", "-", "", "使用量负增长", "逐年提高",
		"纳入考核体系", "成立工作领导小组，建立工作专班，制定工作机制", "＜６．００", "≥ 90 %",
		"不低于90", "90%以上", "1e400", "<=", "−5", "\xff", "≥\xff90",
	} {
		f.Add(s, "25.39", 22.5)
	}
	f.Fuzz(func(t *testing.T, text, baseline string, v float64) {
		tg := ParseTarget(text)
		if tg.Text != text {
			t.Fatalf("Text = %q, want %q", tg.Text, text)
		}
		switch tg.Kind {
		case Numeric:
			if !tg.Comparator.Valid() || !finite(tg.Value) {
				t.Fatalf("numeric target %+v is malformed", tg)
			}
		case Qualitative:
			if tg.Comparator != "" || tg.Value != 0 {
				t.Fatalf("qualitative target %+v carries a number", tg)
			}
		default:
			t.Fatalf("kind %q", tg.Kind)
		}
		if d := DefaultDirection(baseline, text); !d.Valid() {
			t.Fatalf("DefaultDirection = %q", d)
		}
		r := Assess(Input{
			Baseline: baseline,
			Target:   tg,
			Latest:   &Measurement{Period: "2023", Value: &v, Assessment: baseline},
			Now:      time.Now(),
		})
		if !r.Status.Valid() {
			t.Fatalf("status %q", r.Status)
		}
		if r.Progress != nil && (math.IsNaN(*r.Progress) || *r.Progress < 0 || *r.Progress > 100) {
			t.Fatalf("progress %v out of 0–100", *r.Progress)
		}
		if r.Status == StatusAchieved && (r.Progress == nil || *r.Progress != 100) {
			t.Fatalf("achieved with progress %v", r.Progress)
		}
		_ = CheckValue(baseline, tg, v)
	})
}

// FuzzParsePeriod checks that accepted periods are canonical, ordered, in
// range and contiguous with the next period of their kind.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025", "2025-Q3", "2025-07", "2025-Q5", "20255", "2019", "2100-12", "2024-02", "", "2025-Q", "2025-", "２０２５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if p != (Period{}) {
				t.Fatalf("error with a period: %+v", p)
			}
			return
		}
		if p.Text != s {
			t.Fatalf("Text = %q, want %q", p.Text, s)
		}
		if !p.Start.Before(p.End) {
			t.Fatalf("start %v not before end %v", p.Start, p.End)
		}
		if y := p.Start.Year(); y < MinYear || y > MaxYear || p.End.Year() != y {
			t.Fatalf("period %q spans years %d–%d", s, y, p.End.Year())
		}
		next := p.End.Add(time.Millisecond)
		if next.Day() != 1 || next.Hour() != 0 || next.Minute() != 0 || next.Second() != 0 || next.Nanosecond() != 0 {
			t.Fatalf("end %v is not just before a month start", p.End)
		}
		if p.Start.Day() != 1 || p.Start.Hour() != 0 || p.Start.Nanosecond() != 0 {
			t.Fatalf("start %v is not a month start", p.Start)
		}
	})
}

// FuzzParseDeadline checks the three outcomes are exclusive and a due date
// is always the end of an accepted year.
func FuzzParseDeadline(f *testing.F) {
	for _, s := range []string{"2023年", "2024年", "2025年", "2025年底", "持续推进", "长期坚持", "持续开展", "", "年", "20255年", "持续\xff", "常态化"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		due, continuous, err := ParseDeadline(s)
		switch {
		case err != nil:
			if due != nil || continuous {
				t.Fatalf("error with a result: %v, %v", due, continuous)
			}
		case continuous:
			if due != nil {
				t.Fatalf("continuous with due %v", due)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q read as continuous", s)
			}
		default:
			if due == nil {
				t.Fatal("neither due, continuous nor error")
			}
			if y := due.Year(); y < MinYear || y > MaxYear || !due.Equal(endOfYear(y)) {
				t.Fatalf("due %v is not the end of an accepted year", due)
			}
			if Overdue(due, TaskCompleted, due.AddDate(1, 0, 0)) {
				t.Fatal("completed task overdue")
			}
		}
	})
}

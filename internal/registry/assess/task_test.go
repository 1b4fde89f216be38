package assess

import (
	"errors"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

func TestParseDeadline(t *testing.T) {
	t.Parallel()
	end := func(y int) *time.Time {
		d := time.Date(y, 12, 31, 23, 59, 59, int(999*time.Millisecond), shanghai)
		return &d
	}
	cases := map[string]struct {
		in         string
		due        *time.Time
		continuous bool
		wantErr    bool
	}{
		"2023 (seed)":           {in: "2023年", due: end(2023)},
		"2024 (seed)":           {in: "2024年", due: end(2024)},
		"2025 (seed)":           {in: "2025年", due: end(2025)},
		"year end wording":      {in: "2025年底", due: end(2025)},
		"spaces and newline":    {in: " 2025年\n", due: end(2025)},
		"baseline year":         {in: "2020年", due: end(2020)},
		"持续推进 (seed)":           {in: "持续推进", continuous: true},
		"长期坚持 (seed)":           {in: "长期坚持", continuous: true},
		"持续开展 (seed)":           {in: "持续开展", continuous: true},
		"持续实施":                  {in: "持续实施", continuous: true},
		"长期推进":                  {in: "长期推进", continuous: true},
		"常态化开展":                 {in: "常态化开展", continuous: true},
		"continuous with space": {in: " 持续推进 ", continuous: true},
		"bare year":             {in: "2025", wantErr: true},
		"year before baseline":  {in: "2019年", wantErr: true},
		"year after 2100":       {in: "2101年", wantErr: true},
		"five digits":           {in: "20255年", wantErr: true},
		"two digits":            {in: "25年", wantErr: true},
		"month":                 {in: "2025年6月", wantErr: true},
		"before the year":       {in: "2025年前", wantErr: true},
		"year year end":         {in: "2025年年底", wantErr: true},
		"full-width digits":     {in: "２０２５年", wantErr: true},
		"empty":                 {in: "", wantErr: true},
		"only 年":                {in: "年", wantErr: true},
		"sentence with 持续":      {in: "持续推进固体废物综合利用产业发展", wantErr: true},
		"other words":           {in: "尽快完成", wantErr: true},
		"iso date":              {in: "2025-12-31", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			due, continuous, err := ParseDeadline(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidDeadline) || errs.KindOf(err) != errs.KindInvalid || due != nil || continuous {
					t.Fatalf("ParseDeadline(%q) = %v, %v, %v; want an invalid ErrInvalidDeadline", tc.in, due, continuous, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if continuous != tc.continuous {
				t.Errorf("continuous = %v, want %v", continuous, tc.continuous)
			}
			switch {
			case tc.due == nil && due != nil:
				t.Errorf("due = %v, want nil", due)
			case tc.due != nil && (due == nil || !due.Equal(*tc.due)):
				t.Errorf("due = %v, want %v", due, tc.due)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	due, _, err := ParseDeadline("2023年")
	if err != nil {
		t.Fatal(err)
	}
	lastMoment := time.Date(2023, 12, 31, 23, 59, 59, int(999*time.Millisecond), shanghai)
	newYear := time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)
	cases := map[string]struct {
		due    *time.Time
		status TaskStatus
		now    time.Time
		want   bool
	}{
		"before due, in progress":       {due, TaskInProgress, time.Date(2023, 6, 1, 0, 0, 0, 0, shanghai), false},
		"last millisecond, not started": {due, TaskNotStarted, lastMoment, false},
		"new year in Shanghai":          {due, TaskInProgress, newYear, true},
		"new year in UTC is not yet":    {due, TaskInProgress, time.Date(2023, 12, 31, 15, 0, 0, 0, time.UTC), false},
		"after due, not started":        {due, TaskNotStarted, newYear.AddDate(1, 0, 0), true},
		"after due, completed":          {due, TaskCompleted, newYear.AddDate(1, 0, 0), false},
		"after due, unknown status":     {due, "", newYear, true},
		"continuous never":              {nil, TaskInProgress, newYear.AddDate(50, 0, 0), false},
		"continuous not started":        {nil, TaskNotStarted, newYear, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := Overdue(tc.due, tc.status, tc.now); got != tc.want {
				t.Errorf("Overdue = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTaskStatusValid(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		s    TaskStatus
		want bool
	}{
		"not_started": {TaskNotStarted, true},
		"in_progress": {TaskInProgress, true},
		"completed":   {TaskCompleted, true},
		"empty":       {"", false},
		"overdue":     {"overdue", false},
		"done":        {"done", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tc.s.Valid(); got != tc.want {
				t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

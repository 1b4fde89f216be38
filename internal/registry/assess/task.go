package assess

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// ErrInvalidDeadline is wrapped by ParseDeadline's errors.
var ErrInvalidDeadline = errs.New(errs.KindInvalid, "invalid_deadline",
	"完成时限格式不正确，应为“2025年”或“持续推进”“长期坚持”等")

// TaskStatus is the progress a department reports for a task. The set is
// kept small on purpose: a task is either untouched, under way or done, and
// "overdue" is derived, never a status.
type TaskStatus string

// The task statuses.
const (
	TaskNotStarted TaskStatus = "not_started"
	TaskInProgress TaskStatus = "in_progress"
	TaskCompleted  TaskStatus = "completed"
)

// Valid reports whether s is one of the task statuses.
func (s TaskStatus) Valid() bool {
	return s == TaskNotStarted || s == TaskInProgress || s == TaskCompleted
}

// continuousPrefixes begin the seed's deadlines for tasks without an end
// (持续推进, 长期坚持, 持续开展) and the variants an editor is likely to type
// (持续实施, 长期推进, 常态化开展).
var continuousPrefixes = []string{"持续", "长期", "常态化"}

// maxContinuousRunes keeps a sentence that merely starts with 持续 from being
// read as a deadline.
const maxContinuousRunes = 8

// ParseDeadline reads a task's 完成时限 cell. "2025年" (also "2025年底"),
// years MinYear–MaxYear, is due at the last millisecond of that year in
// Asia/Shanghai (2025-12-31 23:59:59.999 +08:00): the whole year counts, and
// the millisecond survives BSON unchanged. "持续推进", "长期坚持", "持续开展"
// and other short phrases starting with 持续, 长期 or 常态化 are continuous:
// due is nil and continuous is true. Anything else is an error wrapping
// ErrInvalidDeadline.
func ParseDeadline(text string) (due *time.Time, continuous bool, err error) {
	s := strings.TrimFunc(text, unicode.IsSpace)
	if rest, ok := strings.CutSuffix(s, "年底"); ok {
		s = rest
	} else if rest, ok := strings.CutSuffix(s, "年"); ok {
		s = rest
	} else {
		for _, p := range continuousPrefixes {
			if strings.HasPrefix(s, p) && utf8.RuneCountInString(s) <= maxContinuousRunes && utf8.ValidString(s) {
				return nil, true, nil
			}
		}
		return nil, false, fmt.Errorf("deadline %q: %w", text, ErrInvalidDeadline)
	}
	year, ok := digits(s)
	if !ok || len(s) != 4 || year < MinYear || year > MaxYear {
		return nil, false, fmt.Errorf("deadline %q: %w", text, ErrInvalidDeadline)
	}
	t := endOfYear(year)
	return &t, false, nil
}

// Overdue reports whether a task is past due: it has a due date, that date
// has passed at now, and the task is not completed. Continuous tasks (nil
// due) are never overdue; they are reviewed yearly instead.
func Overdue(due *time.Time, status TaskStatus, now time.Time) bool {
	return due != nil && status != TaskCompleted && now.After(*due)
}

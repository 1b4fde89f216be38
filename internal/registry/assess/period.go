package assess

import (
	"fmt"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// The programme's span and the years a period or deadline may name. Years
// before the baseline mean a typo, not history the registry keeps.
const (
	BaselineYear = 2020
	TargetYear   = 2025
	MinYear      = BaselineYear
	MaxYear      = 2100
)

// shanghai is UTC+8. China has not observed daylight saving since 1991, so a
// fixed zone is exact for every year accepted here and does not depend on the
// host's tz database, which minimal containers lack.
var shanghai = time.FixedZone("CST", 8*60*60)

// ErrInvalidPeriod is wrapped by ParsePeriod's errors.
var ErrInvalidPeriod = errs.New(errs.KindInvalid, "invalid_period",
	"统计期格式不正确，应为年份（2025）、季度（2025-Q3）或月份（2025-07），年份在2020至2100之间")

// Period is a reporting period in Asia/Shanghai. Start is its first instant;
// End is its last millisecond, inclusive, so it survives BSON's millisecond
// precision unchanged. Text is the canonical spelling, equal to the input of
// ParsePeriod.
type Period struct {
	Text  string
	Start time.Time
	End   time.Time
}

// ParsePeriod reads "2025" (a year), "2025-Q3" (a quarter) or "2025-07" (a
// month), years MinYear–MaxYear. Only these exact spellings are accepted, no
// spaces or lower case, so one period has one key in storage.
func ParsePeriod(s string) (Period, error) {
	bad := func() (Period, error) {
		return Period{}, fmt.Errorf("period %q: %w", s, ErrInvalidPeriod)
	}
	if len(s) != 4 && len(s) != 7 {
		return bad()
	}
	year, ok := digits(s[:4])
	if !ok || year < MinYear || year > MaxYear {
		return bad()
	}
	if len(s) == 4 {
		start := time.Date(year, time.January, 1, 0, 0, 0, 0, shanghai)
		return period(s, start, start.AddDate(1, 0, 0)), nil
	}
	if s[4] != '-' {
		return bad()
	}
	if s[5] == 'Q' {
		q := int(s[6]) - '0'
		if q < 1 || q > 4 {
			return bad()
		}
		start := time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, shanghai)
		return period(s, start, start.AddDate(0, 3, 0)), nil
	}
	month, ok := digits(s[5:])
	if !ok || month < 1 || month > 12 {
		return bad()
	}
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, shanghai)
	return period(s, start, start.AddDate(0, 1, 0)), nil
}

// period builds a Period from its start and the start of the next one.
func period(text string, start, next time.Time) Period {
	return Period{Text: text, Start: start, End: next.Add(-time.Millisecond)}
}

// digits reads an unsigned ASCII decimal; strconv.Atoi would take a sign.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// endOfYear is the last millisecond of year in Asia/Shanghai: the due time of
// a "2025年" deadline and the points where the programme's path starts and
// ends.
func endOfYear(year int) time.Time {
	return time.Date(year+1, time.January, 1, 0, 0, 0, 0, shanghai).Add(-time.Millisecond)
}

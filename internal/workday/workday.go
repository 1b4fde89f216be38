// Package workday does working-day arithmetic on the Chinese official
// calendar: public holidays (放假) and the weekend days that are worked in
// exchange (调休上班), as published each year by the State Council General
// Office. Complaint deadlines (DESIGN.md §6: accept within 2 working days,
// resolve within 15, warn at 80%) are computed here.
//
// All calendar days are days in China Standard Time (UTC+8, Asia/Shanghai),
// whatever the location of the time.Time values passed in: a complaint
// submitted at 2025-09-30T17:00:00Z was submitted on 1 October in Ordos.
// Results are returned in Location().
//
// Deadline semantics, following the rule of 民法典 第二百零一条 (the day an
// interval starts is not counted; counting begins with the next day) applied
// to working days: "within n working days of t" ends at 24:00 of the n-th
// working day after the calendar day of t. The day of t never counts, even
// when t is early on a working day, and a submission on a holiday is treated
// the same way. AddWorkdays returns that end as the instant 00:00 of the
// following calendar day; a deadline has passed when !now.Before(due).
package workday

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Path is where the calendar is kept in the configs embed.FS.
const Path = "refdata/cn_workdays.json"

const (
	secondsPerDay = 24 * 60 * 60
	// utcOffset is China Standard Time. China has kept UTC+8 without
	// daylight saving since 1991, so a fixed zone is exact for every date this
	// service meets and needs no tzdata on the host.
	utcOffset = 8 * 60 * 60
)

var cst = time.FixedZone("CST", utcOffset)

// Location returns the zone calendar days are taken in: UTC+8, named "CST".
func Location() *time.Location { return cst }

// Date returns 00:00 of the given calendar day in Location(). Out-of-range
// months and days are normalised as by time.Date.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, cst)
}

// day is a calendar day in CST, counted from 1970-01-01. Arithmetic on plain
// integers keeps the loops below exact and free of time.Date normalisation.
type day int64

func dayOf(t time.Time) day {
	s := t.Unix() + utcOffset
	d := s / secondsPerDay
	if s%secondsPerDay < 0 { // floor, for instants before 1970
		d--
	}
	return day(d)
}

// start returns 00:00 CST of d.
func (d day) start() time.Time { return time.Unix(int64(d)*secondsPerDay-utcOffset, 0).In(cst) }

// weekend reports whether d is a Saturday or Sunday; 1970-01-01 was a Thursday.
func (d day) weekend() bool {
	wd := (int64(d) + 4) % 7
	if wd < 0 {
		wd += 7
	}
	return wd == 0 || wd == 6
}

func (d day) year() int { return time.Unix(int64(d)*secondsPerDay, 0).UTC().Year() }

// Calendar answers working-day questions. It is immutable after Parse and
// safe for concurrent use.
type Calendar struct {
	holidays map[day]bool // weekdays or weekend days off
	worked   map[day]bool // weekend days worked (调休上班)
	covered  map[int]bool // years whose notice is in the data

	onUncovered func(year int)
	mu          sync.Mutex
	reported    map[int]bool
}

// Option configures a Calendar.
type Option func(*Calendar)

// WithUncoveredYear registers f to be told, once per year and Calendar, that
// a computation touched a year with no published calendar, for which the
// Calendar assumes Monday–Friday working days. f runs synchronously in the
// goroutine that touched the year first; it is typically a log line. It may
// call methods of the Calendar.
func WithUncoveredYear(f func(year int)) Option {
	return func(c *Calendar) { c.onUncovered = f }
}

// Load reads the calendar from Path in fsys (normally configs.FS).
func Load(fsys fs.FS, opts ...Option) (*Calendar, error) {
	data, err := fs.ReadFile(fsys, Path)
	if err != nil {
		return nil, fmt.Errorf("workday: %w", err)
	}
	return Parse(data, opts...)
}

var yearKey = regexp.MustCompile(`^[0-9]{4}$`)

// Parse reads a calendar in the shape of cn_workdays.json: an object whose
// four-digit keys are years, each with "holidays" and "adjusted_workdays"
// lists of yyyy-mm-dd dates; other keys ("_meta") are ignored. It rejects
// malformed dates, dates more than one year away from their key (the 元旦
// break of 2023 starts on 2022-12-31, so neighbours are allowed), adjusted
// working days that are not Saturdays or Sundays, and a date in both lists.
func Parse(data []byte, opts ...Option) (*Calendar, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("workday: %w", err)
	}
	c := &Calendar{
		holidays: make(map[day]bool),
		worked:   make(map[day]bool),
		covered:  make(map[int]bool),
		reported: make(map[int]bool),
	}
	for _, o := range opts {
		o(c)
	}
	for key, msg := range raw {
		if !yearKey.MatchString(key) {
			continue
		}
		year, _ := strconv.Atoi(key)
		var y struct {
			Holidays         []string `json:"holidays"`
			AdjustedWorkdays []string `json:"adjusted_workdays"`
		}
		if err := json.Unmarshal(msg, &y); err != nil {
			return nil, fmt.Errorf("workday: year %s: %w", key, err)
		}
		if y.Holidays == nil {
			return nil, fmt.Errorf("workday: year %s: no holidays list", key)
		}
		for _, s := range y.Holidays {
			d, err := parseDay(s, year)
			if err != nil {
				return nil, err
			}
			c.holidays[d] = true
		}
		for _, s := range y.AdjustedWorkdays {
			d, err := parseDay(s, year)
			if err != nil {
				return nil, err
			}
			if !d.weekend() {
				return nil, fmt.Errorf("workday: year %s: adjusted working day %s is not a weekend day", key, s)
			}
			c.worked[d] = true
		}
		c.covered[year] = true
	}
	if len(c.covered) == 0 {
		return nil, errors.New("workday: no years in calendar")
	}
	for d := range c.worked {
		if c.holidays[d] {
			return nil, fmt.Errorf("workday: %s is both a holiday and a working day", d.start().Format(time.DateOnly))
		}
	}
	return c, nil
}

func parseDay(s string, year int) (day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("workday: year %d: %w", year, err)
	}
	if y := t.Year(); y < year-1 || y > year+1 {
		return 0, fmt.Errorf("workday: year %d: date %s is too far from its year", year, s)
	}
	return day(t.Unix() / secondsPerDay), nil
}

// Covered reports whether the calendar has the official notice for year.
// For other years every Monday–Friday is a working day.
func (c *Calendar) Covered(year int) bool { return c.covered[year] }

// Years returns the covered years in increasing order.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.covered))
	for y := range c.covered {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// workday is the one place that decides; every other method goes through it,
// so the fallback is reported whichever method meets an uncovered year.
func (c *Calendar) workday(d day) bool {
	if c.holidays[d] {
		return false
	}
	if c.worked[d] {
		return true
	}
	if y := d.year(); !c.covered[y] {
		c.report(y)
	}
	return !d.weekend()
}

func (c *Calendar) report(year int) {
	if c.onUncovered == nil {
		return
	}
	c.mu.Lock()
	seen := c.reported[year]
	c.reported[year] = true
	c.mu.Unlock()
	if !seen {
		c.onUncovered(year) // outside the lock, so f may use c
	}
}

// IsWorkday reports whether the calendar day of t in CST is a working day:
// a Monday–Friday that is not a holiday, or a weekend day worked in exchange.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.workday(dayOf(t)) }

// AddWorkdays returns the deadline "within n working days of from": 00:00
// CST of the calendar day after the n-th working day that follows the day of
// from (see the package comment). n = 0 gives the end of from's own day; a
// negative n gives the end of the |n|-th working day before from's day. The
// result is always a CST midnight, in Location(). It takes O(|n|) steps.
func (c *Calendar) AddWorkdays(from time.Time, n int) time.Time {
	d := dayOf(from)
	step := day(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d += step
		if c.workday(d) {
			n--
		}
	}
	return (d + 1).start()
}

// WorkdaysBetween returns the number of working days after the day of a up
// to and including the day of b (CST), or minus the number after b up to a
// when b is before a. It is the inverse of AddWorkdays: for n ≥ 1 and
// due := AddWorkdays(t, n), WorkdaysBetween(t, due.Add(-time.Nanosecond)) == n.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	da, db := dayOf(a), dayOf(b)
	sign := 1
	if db < da {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da + 1; d <= db; d++ {
		if c.workday(d) {
			n++
		}
	}
	return sign * n
}

// WorkingTime returns how much of the interval [a, b) falls on working days,
// each counted as a whole 24-hour CST day (deadlines end at midnight, not
// at office closing time). It is negative when b is before a.
func (c *Calendar) WorkingTime(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.WorkingTime(b, a)
	}
	var total time.Duration
	for d := dayOf(a); d <= dayOf(b); d++ {
		if !c.workday(d) {
			continue
		}
		lo, hi := d.start(), (d + 1).start()
		if lo.Before(a) {
			lo = a
		}
		if hi.After(b) {
			hi = b
		}
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
	return total
}

// Fraction returns the share of the working time from start to due that has
// elapsed at now: WorkingTime(start, now) / WorkingTime(start, due). It is 0
// before start, grows only during working days, reaches 1 at due and keeps
// growing after it, so "warn at 80%" is Fraction(...) >= 0.8. When start to
// due holds no working time it is 0 before due and 1 from due on. Whether a
// case is overdue is !now.Before(due), not Fraction: after due the fraction
// stands still over holidays.
func (c *Calendar) Fraction(start, due, now time.Time) float64 {
	total := c.WorkingTime(start, due)
	if total <= 0 {
		if now.Before(due) {
			return 0
		}
		return 1
	}
	elapsed := c.WorkingTime(start, now)
	if elapsed <= 0 {
		return 0
	}
	return float64(elapsed) / float64(total)
}

package workday

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ordos-wufei/wufei/configs"
)

// load returns the committed calendar; each test gets its own so that hooks
// and their once-per-year memory do not leak between parallel tests.
func load(t testing.TB, opts ...Option) *Calendar {
	t.Helper()
	c, err := Load(configs.FS, opts...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// at returns hh:mm on the given CST day.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, Location())
}

func TestIsWorkday(t *testing.T) {
	t.Parallel()
	c := load(t)
	tests := map[string]struct {
		t    time.Time
		want bool
	}{
		"2025 国庆 Sunday before is worked": {t: Date(2025, 9, 28), want: true},
		"2025-09-29 Monday":               {t: Date(2025, 9, 29), want: true},
		"2025-09-30 Tuesday":              {t: Date(2025, 9, 30), want: true},
		"2025-10-01 国庆":                   {t: Date(2025, 10, 1), want: false},
		"2025-10-03 Friday off":           {t: Date(2025, 10, 3), want: false},
		"2025-10-06 中秋 in 国庆":             {t: Date(2025, 10, 6), want: false},
		"2025-10-08 last day off":         {t: Date(2025, 10, 8), want: false},
		"2025-10-09 Thursday back":        {t: Date(2025, 10, 9), want: true},
		"2025-10-11 Saturday worked":      {t: Date(2025, 10, 11), want: true},
		"2025-10-12 Sunday":               {t: Date(2025, 10, 12), want: false},
		"2025-01-28 除夕 statutory":         {t: Date(2025, 1, 28), want: false},
		"2025-01-26 Sunday worked":        {t: Date(2025, 1, 26), want: true},
		"2025-02-08 Saturday worked":      {t: Date(2025, 2, 8), want: true},
		"2025-05-02 new statutory day":    {t: Date(2025, 5, 2), want: false},
		"2026-01-01 元旦":                   {t: Date(2026, 1, 1), want: false},
		"2026-01-02 Friday off":           {t: Date(2026, 1, 2), want: false},
		"2026-01-04 Sunday worked":        {t: Date(2026, 1, 4), want: true},
		"2026-02-14 Saturday before 春节":   {t: Date(2026, 2, 14), want: true},
		"2026-02-16 除夕":                   {t: Date(2026, 2, 16), want: false},
		"2026-02-17 春节":                   {t: Date(2026, 2, 17), want: false},
		"2026-02-23 last day of 春节":       {t: Date(2026, 2, 23), want: false},
		"2026-02-24 back to work":         {t: Date(2026, 2, 24), want: true},
		"2026-02-28 Saturday worked":      {t: Date(2026, 2, 28), want: true},
		"2026-10-10 Saturday worked":      {t: Date(2026, 10, 10), want: true},
		"2024-02-09 除夕 was not off":       {t: Date(2024, 2, 9), want: true},
		"2022-12-31 listed under 2023":    {t: Date(2022, 12, 31), want: false},
		"2023-01-03 Tuesday":              {t: Date(2023, 1, 3), want: true},
		"ordinary Saturday":               {t: Date(2025, 3, 15), want: false},
		"ordinary Wednesday":              {t: Date(2025, 3, 12), want: true},
		"late evening CST":                {t: at(2025, 9, 30, 23, 59), want: true},
		"UTC instant already 1 Oct CST":   {t: time.Date(2025, 9, 30, 16, 0, 0, 0, time.UTC), want: false},
		"UTC instant still 30 Sep CST":    {t: time.Date(2025, 9, 30, 15, 59, 59, 0, time.UTC), want: true},
		"other zone 1 Oct morning": {
			t: time.Date(2025, 9, 30, 20, 0, 0, 0, time.FixedZone("EDT", -4*3600)), want: false, // 08:00 CST 1 Oct
		},
		"uncovered 2027 Friday falls back": {t: Date(2027, 1, 1), want: true},
		"uncovered 2027 Saturday":          {t: Date(2027, 1, 2), want: false},
		"before 1970 Wednesday":            {t: Date(1969, 12, 31), want: true},
		"before 1970 Sunday":               {t: Date(1969, 12, 28), want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := c.IsWorkday(tc.t); got != tc.want {
				t.Fatalf("IsWorkday(%v) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}

func TestAddWorkdays(t *testing.T) {
	t.Parallel()
	c := load(t)
	tests := map[string]struct {
		from time.Time
		n    int
		want time.Time
	}{
		// Tue 30 Sep: 1–8 Oct off, Thu 9 Oct is the 1st, Fri 10 Oct the 2nd.
		"accept across 国庆": {from: at(2025, 9, 30, 10, 0), n: 2, want: Date(2025, 10, 11)},
		// Fri 26 Sep: Sat off, Sun 28 Sep worked (1st), Mon 29 (2nd).
		"worked Sunday counts": {from: at(2025, 9, 26, 9, 0), n: 2, want: Date(2025, 9, 30)},
		// Submission day never counts, however early.
		"early on a working day": {from: at(2025, 9, 29, 0, 1), n: 1, want: Date(2025, 10, 1)},
		"submitted on a holiday": {from: at(2025, 10, 3, 12, 0), n: 1, want: Date(2025, 10, 10)},
		"submitted on Saturday":  {from: at(2025, 9, 27, 12, 0), n: 1, want: Date(2025, 9, 29)},
		// 9,10,11(Sat worked),13,14,15,16,17,20,21,22,23,24,27,28 October.
		"resolve 15 across 国庆": {from: at(2025, 9, 30, 10, 0), n: 15, want: Date(2025, 10, 29)},
		// 1–3 Jan 2026 off, Sun 4 Jan worked (1st), Mon 5 (2nd).
		"year boundary 2025→2026": {from: at(2025, 12, 31, 16, 0), n: 2, want: Date(2026, 1, 6)},
		// Tue 31 Dec 2024: 1 Jan off, Thu 2 (1st), Fri 3 (2nd).
		"year boundary 2024→2025": {from: at(2024, 12, 31, 16, 0), n: 2, want: Date(2025, 1, 4)},
		// Fri 13 Feb 2026: Sat 14 worked (1st), 15–23 off, Tue 24 (2nd).
		"春节 2026": {from: at(2026, 2, 13, 17, 30), n: 2, want: Date(2026, 2, 25)},
		// 14 Feb, then 24,25,26,27,28(Sat worked), 2,3,4,5,6,9,10,11,12 March.
		"春节 2026 resolve 15": {from: at(2026, 2, 13, 17, 30), n: 15, want: Date(2026, 3, 13)},
		// Into uncovered 2027: Fri 1 Jan 2027 is a working day by fallback.
		"into uncovered year": {from: at(2026, 12, 31, 9, 0), n: 2, want: Date(2027, 1, 5)},
		"zero is end of day":  {from: at(2025, 10, 1, 9, 0), n: 0, want: Date(2025, 10, 2)},
		// 9 Oct back: 1–8 off, so the working day before is Tue 30 Sep.
		"negative counts back": {from: at(2025, 10, 9, 9, 0), n: -1, want: Date(2025, 10, 1)},
		"negative two":         {from: at(2025, 10, 9, 9, 0), n: -2, want: Date(2025, 9, 30)},
		// 16:30Z on 8 Oct is 00:30 on 9 Oct in Ordos.
		"UTC input": {from: time.Date(2025, 10, 8, 16, 30, 0, 0, time.UTC), n: 1, want: Date(2025, 10, 11)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := c.AddWorkdays(tc.from, tc.n)
			if !got.Equal(tc.want) {
				t.Fatalf("AddWorkdays(%v, %d) = %v, want %v", tc.from, tc.n, got, tc.want)
			}
			if got.Location() != Location() || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
				t.Fatalf("AddWorkdays(%v, %d) = %v, not a CST midnight", tc.from, tc.n, got)
			}
		})
	}
}

func TestWorkdaysBetween(t *testing.T) {
	t.Parallel()
	c := load(t)
	tests := map[string]struct {
		a, b time.Time
		want int
	}{
		"same day":                {a: at(2025, 9, 30, 8, 0), b: at(2025, 9, 30, 20, 0), want: 0},
		"across 国庆":               {a: at(2025, 9, 30, 8, 0), b: at(2025, 10, 10, 8, 0), want: 2},
		"reversed":                {a: at(2025, 10, 10, 8, 0), b: at(2025, 9, 30, 8, 0), want: -2},
		"all holiday":             {a: Date(2025, 10, 1), b: Date(2025, 10, 8), want: 0},
		"year boundary":           {a: Date(2025, 12, 31), b: Date(2026, 1, 5), want: 2},
		"whole 2023":              {a: Date(2022, 12, 31), b: Date(2023, 12, 31), want: 249},
		"whole 2024":              {a: Date(2023, 12, 31), b: Date(2024, 12, 31), want: 251},
		"whole 2025":              {a: Date(2024, 12, 31), b: Date(2025, 12, 31), want: 248},
		"whole 2026":              {a: Date(2025, 12, 31), b: Date(2026, 12, 31), want: 248},
		"uncovered week in 2027":  {a: Date(2027, 3, 7), b: Date(2027, 3, 14), want: 5},
		"midnight belongs to day": {a: Date(2025, 9, 29), b: Date(2025, 9, 30), want: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := c.WorkdaysBetween(tc.a, tc.b); got != tc.want {
				t.Fatalf("WorkdaysBetween(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// TestAddWorkdaysInverse checks AddWorkdays against WorkdaysBetween and
// against a brute-force walk written with time.Date, for every day of
// 2023–2026 and n up to 20.
func TestAddWorkdaysInverse(t *testing.T) {
	t.Parallel()
	c := load(t)
	for from := Date(2023, 1, 1); from.Year() < 2027; from = from.AddDate(0, 0, 1) {
		submitted := from.Add(13*time.Hour + 17*time.Minute)
		for n := 1; n <= 20; n++ {
			due := c.AddWorkdays(submitted, n)
			if got := c.WorkdaysBetween(submitted, due.Add(-time.Nanosecond)); got != n {
				t.Fatalf("from %v n %d: WorkdaysBetween to due-1ns = %d", submitted, n, got)
			}
			// The last day before due is the n-th working day.
			if !c.IsWorkday(due.Add(-time.Nanosecond)) {
				t.Fatalf("from %v n %d: due %v does not end a working day", submitted, n, due)
			}
			// Brute force: walk calendar days with time.AddDate.
			d, left := from, n
			for left > 0 {
				d = d.AddDate(0, 0, 1)
				if c.IsWorkday(d) {
					left--
				}
			}
			if want := d.AddDate(0, 0, 1); !due.Equal(want) {
				t.Fatalf("from %v n %d: due %v, brute force %v", submitted, n, due, want)
			}
		}
	}
}

func TestWorkingTimeAndFraction(t *testing.T) {
	t.Parallel()
	c := load(t)
	// Fri 26 Sep 17:00, due 30 Sep 00:00. Working time: Fri 17–24 (7 h), Sat
	// off, Sun 28 worked (24 h), Mon 29 (24 h) = 55 h.
	start := at(2025, 9, 26, 17, 0)
	due := c.AddWorkdays(start, 2)
	if !due.Equal(Date(2025, 9, 30)) {
		t.Fatalf("due = %v", due)
	}
	// Tue 30 Sep 10:00, due 11 Oct 00:00: 14 h + 24 h (9 Oct) + 24 h (10 Oct)
	// = 62 h; 80% = 49.6 h = 14 h + 24 h + 11 h 36 min → 10 Oct 11:36.
	start2 := at(2025, 9, 30, 10, 0)
	due2 := c.AddWorkdays(start2, 2)
	tests := map[string]struct {
		start, due, now time.Time
		wantWork        time.Duration // WorkingTime(start, now)
		want            float64
	}{
		"before start":      {start: start, due: due, now: start.Add(-time.Hour), wantWork: -time.Hour, want: 0},
		"at start":          {start: start, due: due, now: start, want: 0},
		"Friday evening":    {start: start, due: due, now: at(2025, 9, 26, 23, 0), wantWork: 6 * time.Hour, want: 6.0 / 55},
		"Saturday stands":   {start: start, due: due, now: at(2025, 9, 27, 15, 0), wantWork: 7 * time.Hour, want: 7.0 / 55},
		"worked Sunday":     {start: start, due: due, now: at(2025, 9, 28, 12, 0), wantWork: 19 * time.Hour, want: 19.0 / 55},
		"Monday 20:00":      {start: start, due: due, now: at(2025, 9, 29, 20, 0), wantWork: 51 * time.Hour, want: 51.0 / 55},
		"at due":            {start: start, due: due, now: due, wantWork: 55 * time.Hour, want: 1},
		"day after due":     {start: start, due: due, now: Date(2025, 10, 1), wantWork: 79 * time.Hour, want: 79.0 / 55},
		"holiday after due": {start: start, due: due, now: Date(2025, 10, 5), wantWork: 79 * time.Hour, want: 79.0 / 55},
		"80% minus a minute": {start: start2, due: due2, now: at(2025, 10, 10, 11, 35),
			wantWork: 49*time.Hour + 35*time.Minute, want: (49*60 + 35) / (62 * 60.0)},
		"80% exactly":   {start: start2, due: due2, now: at(2025, 10, 10, 11, 36), wantWork: 49*time.Hour + 36*time.Minute, want: 0.8},
		"holiday start": {start: at(2025, 10, 1, 9, 0), due: c.AddWorkdays(at(2025, 10, 1, 9, 0), 1), now: at(2025, 10, 9, 6, 0), wantWork: 6 * time.Hour, want: 0.25},
		"no working time, before due": {start: at(2025, 10, 4, 10, 0), due: at(2025, 10, 5, 10, 0),
			now: at(2025, 10, 5, 9, 0), want: 0},
		"no working time, at due": {start: at(2025, 10, 4, 10, 0), due: at(2025, 10, 5, 10, 0),
			now: at(2025, 10, 5, 10, 0), want: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// wantWork is left zero where only the fraction matters.
			if tc.wantWork != 0 || tc.now.Equal(tc.start) {
				if got := c.WorkingTime(tc.start, tc.now); got != tc.wantWork {
					t.Errorf("WorkingTime = %v, want %v", got, tc.wantWork)
				}
			}
			if got := c.Fraction(tc.start, tc.due, tc.now); got != tc.want {
				t.Fatalf("Fraction = %v, want %v", got, tc.want)
			}
		})
	}
	if got := c.Fraction(start2, due2, at(2025, 10, 10, 11, 35)); got >= 0.8 {
		t.Errorf("warned a minute early: %v", got)
	}
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reported []int
	var c *Calendar
	c = load(t, WithUncoveredYear(func(y int) {
		// Calling back into the calendar must not deadlock.
		_ = c.IsWorkday(Date(y, 6, 1))
		mu.Lock()
		reported = append(reported, y)
		mu.Unlock()
	}))
	if got := fmt.Sprint(c.Years()); got != "[2023 2024 2025 2026]" {
		t.Errorf("Years() = %s", got)
	}
	for y, want := range map[int]bool{2022: false, 2023: true, 2024: true, 2025: true, 2026: true, 2027: false} {
		if got := c.Covered(y); got != want {
			t.Errorf("Covered(%d) = %v, want %v", y, got, want)
		}
	}
	// Covered years never report, and a holiday listed for an uncovered
	// year's neighbour (2022-12-31) needs no fallback either.
	c.WorkdaysBetween(Date(2022, 12, 31), Date(2026, 12, 31))
	if len(reported) != 0 {
		t.Fatalf("reported %v for covered years", reported)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			c.AddWorkdays(at(2026, 12, 30, 9, 0), 300) // runs into 2027 and 2028
			c.IsWorkday(Date(2027, 5, 1))
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(reported) // goroutines may reach 2028 before 2027's hook returns
	if got := fmt.Sprint(reported); got != "[2027 2028]" {
		t.Fatalf("reported %s, want each uncovered year once", got)
	}
}

func TestCoverageWithoutHook(t *testing.T) {
	t.Parallel()
	c := load(t)
	if !c.IsWorkday(Date(2030, 1, 1)) { // Tuesday by fallback
		t.Fatal("fallback failed without a hook")
	}
}

// TestStatutoryCounts checks the committed data against the rule the file
// states: weekdays off minus worked weekend days equals the statutory days,
// 11 a year until 2024 and 13 from 2025.
func TestStatutoryCounts(t *testing.T) {
	t.Parallel()
	data, err := fs.ReadFile(configs.FS, Path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	tests := map[string]int{"2023": 11, "2024": 11, "2025": 13, "2026": 13}
	for year, want := range tests {
		t.Run(year, func(t *testing.T) {
			t.Parallel()
			var y struct {
				Holidays         []string `json:"holidays"`
				AdjustedWorkdays []string `json:"adjusted_workdays"`
			}
			if err := json.Unmarshal(raw[year], &y); err != nil {
				t.Fatal(err)
			}
			off := 0
			for _, s := range y.Holidays {
				d, _ := time.Parse(time.DateOnly, s)
				if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
					off++
				}
			}
			if got := off - len(y.AdjustedWorkdays); got != want {
				t.Fatalf("weekdays off %d - worked %d = %d, want %d", off, len(y.AdjustedWorkdays), got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		json, want string
	}{
		"not json":              {json: `{`, want: "unexpected end"},
		"no years":              {json: `{"_meta": {}}`, want: "no years"},
		"bad date":              {json: `{"2025": {"holidays": ["2025-13-01"]}}`, want: "month out of range"},
		"far date":              {json: `{"2025": {"holidays": ["2023-01-01"]}}`, want: "too far"},
		"weekday worked":        {json: `{"2025": {"holidays": [], "adjusted_workdays": ["2025-09-29"]}}`, want: "not a weekend"},
		"both lists":            {json: `{"2025": {"holidays": ["2025-09-28"], "adjusted_workdays": ["2025-09-28"]}}`, want: "both"},
		"holidays missing":      {json: `{"2025": {"adjusted_workdays": []}}`, want: "no holidays"},
		"holidays wrong type":   {json: `{"2025": {"holidays": "2025-01-01"}}`, want: "cannot unmarshal"},
		"year key not a number": {json: `{"year": {"holidays": []}}`, want: "no years"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Fatal("Load from an empty FS succeeded")
	}
}

func TestParseMinimal(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`{"2030": {"holidays": ["2030-01-01"], "adjusted_workdays": ["2030-01-05"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkday(Date(2030, 1, 1)) || !c.IsWorkday(Date(2030, 1, 5)) || c.IsWorkday(Date(2030, 1, 6)) {
		t.Fatal("minimal calendar wrong")
	}
}

func BenchmarkAddWorkdays15(b *testing.B) {
	c := load(b)
	from := at(2025, 9, 30, 10, 0)
	for b.Loop() {
		c.AddWorkdays(from, 15)
	}
}

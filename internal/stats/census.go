package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
)

// CensusPath is where the census table is kept in the configs embed.FS.
const CensusPath = "refdata/ordos_districts.json"

// Sex is a respondent's sex as asked in a survey; the zero value is unknown.
type Sex int8

// The sexes of the census tables.
const (
	SexUnknown Sex = iota // not asked or not answered: left out of sex raking
	Male
	Female
)

// Valid reports whether s is one of the declared values.
func (s Sex) Valid() bool { return s >= SexUnknown && s <= Female }

// String returns "male", "female" or "unknown", as in Raking.Dropped.
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return "unknown"
}

// AgeBand is one of the census age bands; the zero value is unknown.
// Surveys that ask finer bands map them onto these (18–29 → Age15to59).
type AgeBand int8

// The age bands the census file gives by division.
const (
	AgeUnknown AgeBand = iota // not asked or not answered: left out of age raking
	Age0to14
	Age15to59
	Age60Plus
)

// Valid reports whether a is one of the declared values.
func (a AgeBand) Valid() bool { return a >= AgeUnknown && a <= Age60Plus }

// String returns "0-14", "15-59", "60+" or "unknown".
func (a AgeBand) String() string {
	switch a {
	case Age0to14:
		return "0-14"
	case Age15to59:
		return "15-59"
	case Age60Plus:
		return "60+"
	}
	return "unknown"
}

// CensusDistrict is one division's 2020 census counts. Male+Female and the
// three age bands each sum to Population (checked by ParseCensus).
type CensusDistrict struct {
	Adcode     string `json:"adcode"`
	Name       string `json:"name"`
	Population int    `json:"population"`
	Male       int    `json:"male"`
	Female     int    `json:"female"`
	Age0to14   int    `json:"age_0_14"`
	Age15to59  int    `json:"age_15_59"`
	Age60Plus  int    `json:"age_60_plus"`
}

// BySex returns the count of sex s, 0 for SexUnknown.
func (d CensusDistrict) BySex(s Sex) int {
	switch s {
	case Male:
		return d.Male
	case Female:
		return d.Female
	}
	return 0
}

// ByAge returns the count of band a, 0 for AgeUnknown.
func (d CensusDistrict) ByAge(a AgeBand) int {
	switch a {
	case Age0to14:
		return d.Age0to14
	case Age15to59:
		return d.Age15to59
	case Age60Plus:
		return d.Age60Plus
	}
	return 0
}

// Census is the population frame surveys are weighted to. It is immutable
// after ParseCensus and safe for concurrent use.
type Census struct {
	// Date is the census reference date, e.g. "2020-11-01".
	Date string
	// Districts are in increasing adcode order.
	Districts []CensusDistrict
	index     map[string]int
}

// LoadCensus reads the census from CensusPath in fsys (normally configs.FS).
func LoadCensus(fsys fs.FS) (*Census, error) {
	data, err := fs.ReadFile(fsys, CensusPath)
	if err != nil {
		return nil, fmt.Errorf("stats: census: %w", err)
	}
	return ParseCensus(data)
}

// ParseCensus reads a census in the shape of ordos_districts.json: a
// "divisions" array with adcode, name, population_2020, male_2020,
// female_2020, age_0_14_2020, age_15_59_2020 and age_60_plus_2020. It
// rejects missing or negative counts, counts that do not add up, empty
// populations and repeated adcodes, so that weighting never divides by a
// zero population or rakes to margins that contradict each other.
func ParseCensus(data []byte) (*Census, error) {
	var raw struct {
		CensusDate string `json:"census_date"`
		Divisions  []struct {
			Adcode     json.Number `json:"adcode"`
			Name       string      `json:"name"`
			Population *int        `json:"population_2020"`
			Male       *int        `json:"male_2020"`
			Female     *int        `json:"female_2020"`
			Age0to14   *int        `json:"age_0_14_2020"`
			Age15to59  *int        `json:"age_15_59_2020"`
			Age60Plus  *int        `json:"age_60_plus_2020"`
		} `json:"divisions"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("stats: census: %w", err)
	}
	if len(raw.Divisions) == 0 {
		return nil, errors.New("stats: census: no divisions")
	}
	c := &Census{Date: raw.CensusDate, index: make(map[string]int)}
	for i, r := range raw.Divisions {
		if _, err := strconv.ParseUint(r.Adcode.String(), 10, 64); err != nil {
			return nil, fmt.Errorf("stats: census: division %d: adcode %q", i, r.Adcode)
		}
		counts := []*int{r.Population, r.Male, r.Female, r.Age0to14, r.Age15to59, r.Age60Plus}
		for _, p := range counts {
			if p == nil || *p < 0 {
				return nil, fmt.Errorf("stats: census: %s: missing or negative count", r.Adcode)
			}
		}
		d := CensusDistrict{
			Adcode: r.Adcode.String(), Name: r.Name, Population: *r.Population,
			Male: *r.Male, Female: *r.Female,
			Age0to14: *r.Age0to14, Age15to59: *r.Age15to59, Age60Plus: *r.Age60Plus,
		}
		switch {
		case d.Name == "":
			return nil, fmt.Errorf("stats: census: %s: no name", d.Adcode)
		case d.Population == 0:
			return nil, fmt.Errorf("stats: census: %s: zero population", d.Adcode)
		case d.Male+d.Female != d.Population:
			return nil, fmt.Errorf("stats: census: %s: male %d + female %d != population %d", d.Adcode, d.Male, d.Female, d.Population)
		case d.Age0to14+d.Age15to59+d.Age60Plus != d.Population:
			return nil, fmt.Errorf("stats: census: %s: age bands sum to %d, population %d", d.Adcode, d.Age0to14+d.Age15to59+d.Age60Plus, d.Population)
		}
		if _, dup := c.index[d.Adcode]; dup {
			return nil, fmt.Errorf("stats: census: adcode %s appears twice", d.Adcode)
		}
		c.index[d.Adcode] = -1
		c.Districts = append(c.Districts, d)
	}
	slices.SortFunc(c.Districts, func(a, b CensusDistrict) int { return compareAdcode(a.Adcode, b.Adcode) })
	for i, d := range c.Districts {
		c.index[d.Adcode] = i
	}
	return c, nil
}

// compareAdcode orders numeric codes numerically (shorter first).
func compareAdcode(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// District returns the census row of adcode.
func (c *Census) District(adcode string) (CensusDistrict, bool) {
	i, ok := c.index[adcode]
	if !ok {
		return CensusDistrict{}, false
	}
	return c.Districts[i], true
}

// Population returns the total population of all districts.
func (c *Census) Population() int {
	n := 0
	for _, d := range c.Districts {
		n += d.Population
	}
	return n
}

package stats

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ordos-wufei/wufei/configs"
)

func realCensus(t testing.TB) *Census {
	t.Helper()
	c, err := LoadCensus(configs.FS)
	if err != nil {
		t.Fatalf("LoadCensus: %v", err)
	}
	return c
}

// testCensusJSON is a small census whose numbers make hand arithmetic easy.
// Every district has a 0 in the 0-14 band so that raking tests can drop it.
const testCensusJSON = `{"census_date": "2020-11-01", "divisions": [
 {"adcode": 100002, "name": "B", "population_2020": 400, "male_2020": 200, "female_2020": 200,
  "age_0_14_2020": 0, "age_15_59_2020": 200, "age_60_plus_2020": 200},
 {"adcode": 100001, "name": "A", "population_2020": 600, "male_2020": 300, "female_2020": 300,
  "age_0_14_2020": 0, "age_15_59_2020": 300, "age_60_plus_2020": 300},
 {"adcode": 100003, "name": "C", "population_2020": 1000, "male_2020": 700, "female_2020": 300,
  "age_0_14_2020": 0, "age_15_59_2020": 500, "age_60_plus_2020": 500}]}`

func testCensus(t testing.TB) *Census {
	t.Helper()
	c, err := ParseCensus([]byte(testCensusJSON))
	if err != nil {
		t.Fatalf("ParseCensus: %v", err)
	}
	return c
}

func TestLoadCensus(t *testing.T) {
	t.Parallel()
	c := realCensus(t)
	if c.Date != "2020-11-01" {
		t.Errorf("Date = %q", c.Date)
	}
	if got := c.Population(); got != 2153638 {
		t.Errorf("Population() = %d, want 2153638", got)
	}
	want := []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"}
	if len(c.Districts) != len(want) {
		t.Fatalf("%d districts", len(c.Districts))
	}
	sexTotal, ageTotal := 0, 0
	for i, d := range c.Districts {
		if d.Adcode != want[i] {
			t.Errorf("district %d = %s, want %s", i, d.Adcode, want[i])
		}
		sexTotal += d.BySex(Male) + d.BySex(Female) + d.BySex(SexUnknown)
		ageTotal += d.ByAge(Age0to14) + d.ByAge(Age15to59) + d.ByAge(Age60Plus) + d.ByAge(AgeUnknown)
	}
	// City totals from the file's "city" block.
	if sexTotal != 2153638 || ageTotal != 2153638 {
		t.Errorf("sex total %d, age total %d", sexTotal, ageTotal)
	}
	d, ok := c.District("150602")
	if !ok || d.Name != "东胜区" || d.Population != 574242 || d.Male != 296410 || d.Age60Plus != 66474 {
		t.Errorf("District(150602) = %+v, %v", d, ok)
	}
	if _, ok := c.District("150600"); ok {
		t.Error("the city itself is not a district")
	}
}

func TestParseCensusOrder(t *testing.T) {
	t.Parallel()
	c := testCensus(t)
	if c.Districts[0].Adcode != "100001" || c.Districts[2].Adcode != "100003" {
		t.Fatalf("not sorted: %+v", c.Districts)
	}
	if d, ok := c.District("100002"); !ok || d.Name != "B" {
		t.Fatalf("index wrong after sorting: %+v", d)
	}
}

func TestParseCensusErrors(t *testing.T) {
	t.Parallel()
	div := func(fields string) string { return `{"divisions": [{` + fields + `}]}` }
	ok := `"adcode": 1, "name": "x", "population_2020": 10, "male_2020": 6, "female_2020": 4, "age_0_14_2020": 1, "age_15_59_2020": 7, "age_60_plus_2020": 2`
	tests := map[string]struct {
		json, want string
	}{
		"not json":       {json: `{`, want: "unexpected end"},
		"no divisions":   {json: `{"divisions": []}`, want: "no divisions"},
		"string adcode":  {json: div(strings.Replace(ok, `"adcode": 1`, `"adcode": "x1"`, 1)), want: "invalid number"},
		"float adcode":   {json: div(strings.Replace(ok, `"adcode": 1`, `"adcode": 1.5`, 1)), want: "adcode"},
		"no name":        {json: div(strings.Replace(ok, `"name": "x"`, `"name": ""`, 1)), want: "no name"},
		"missing count":  {json: div(strings.Replace(ok, `"male_2020": 6, `, ``, 1)), want: "missing"},
		"negative count": {json: div(strings.Replace(ok, `"age_0_14_2020": 1`, `"age_0_14_2020": -1`, 1)), want: "negative"},
		"zero":           {json: div(`"adcode": 1, "name": "x", "population_2020": 0, "male_2020": 0, "female_2020": 0, "age_0_14_2020": 0, "age_15_59_2020": 0, "age_60_plus_2020": 0`), want: "zero population"},
		"sex sum":        {json: div(strings.Replace(ok, `"male_2020": 6`, `"male_2020": 7`, 1)), want: "male 7 + female 4"},
		"age sum":        {json: div(strings.Replace(ok, `"age_60_plus_2020": 2`, `"age_60_plus_2020": 3`, 1)), want: "age bands sum to 11"},
		"duplicate":      {json: `{"divisions": [{` + ok + `}, {` + ok + `}]}`, want: "twice"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCensus([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseCensus = %v, want error containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadCensus(fstest.MapFS{}); err == nil {
		t.Error("LoadCensus from an empty FS succeeded")
	}
}

func TestSexAndAgeBand(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		valid bool
		str   string
		got   func() (bool, string)
	}{
		"unknown sex": {valid: true, str: "unknown", got: func() (bool, string) { return SexUnknown.Valid(), SexUnknown.String() }},
		"male":        {valid: true, str: "male", got: func() (bool, string) { return Male.Valid(), Male.String() }},
		"female":      {valid: true, str: "female", got: func() (bool, string) { return Female.Valid(), Female.String() }},
		"sex 3":       {valid: false, str: "unknown", got: func() (bool, string) { return Sex(3).Valid(), Sex(3).String() }},
		"sex -1":      {valid: false, str: "unknown", got: func() (bool, string) { return Sex(-1).Valid(), Sex(-1).String() }},
		"unknown age": {valid: true, str: "unknown", got: func() (bool, string) { return AgeUnknown.Valid(), AgeUnknown.String() }},
		"0-14":        {valid: true, str: "0-14", got: func() (bool, string) { return Age0to14.Valid(), Age0to14.String() }},
		"15-59":       {valid: true, str: "15-59", got: func() (bool, string) { return Age15to59.Valid(), Age15to59.String() }},
		"60+":         {valid: true, str: "60+", got: func() (bool, string) { return Age60Plus.Valid(), Age60Plus.String() }},
		"age 4":       {valid: false, str: "unknown", got: func() (bool, string) { return AgeBand(4).Valid(), AgeBand(4).String() }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if v, s := tc.got(); v != tc.valid || s != tc.str {
				t.Fatalf("got %v %q, want %v %q", v, s, tc.valid, tc.str)
			}
		})
	}
}

// Package registrydata holds the committed indicator and task registry of the
// "无废城市" plan: the 52 indicators and 83 tasks of the seed document, stored
// as YAML in configs/registry and embedded in the binary.
//
// The YAML is generated from configs/registry/seed.txt by cmd/registrygen
// (ParseSeed, then Render) and reviewed by hand; a test keeps the committed
// files byte-identical to the generator's output. Load reads the embedded
// files and validates them, so a service that starts has a complete registry.
package registrydata

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"gopkg.in/yaml.v3"

	"github.com/ordos-wufei/wufei/configs"
)

// Paths of the registry files inside configs.FS.
const (
	IndicatorsPath = "registry/indicators.yaml"
	TasksPath      = "registry/tasks.yaml"
)

// IndicatorCount is the number of indicators in the plan; Level1Count is the
// number of distinct first-level groups they fall into.
const (
	IndicatorCount = 52
	Level1Count    = 5
)

// Indicator is one row of the indicator table (建设指标体系), with every text
// kept exactly as in the seed.
type Indicator struct {
	// Code is the stable key "I01".."I52"; it follows table order.
	Code string `yaml:"code"`
	// No is the 1-based position in the table (the seed prints no number).
	No int `yaml:"no"`
	// Level1 is the first-level heading (一级指标), e.g. 固体废物源头减量.
	Level1 string `yaml:"level1"`
	// Level2 is the second-level heading (二级指标), e.g. 工业源头减量.
	Level2 string `yaml:"level2"`
	// Name is the third-level indicator (三级指标) without its ★ or ● mark.
	Name string `yaml:"name"`
	// NationalRequired is true when the seed marks the name with ★
	// (国家体系必选指标).
	NationalRequired bool `yaml:"national_required"`
	// CitySpecific is true when the seed marks the name with ● (我市自创指标).
	CitySpecific bool `yaml:"city_specific"`
	// Baseline2020 is the 2020 value as printed, e.g. "6.00" or "-".
	Baseline2020 string `yaml:"baseline_2020"`
	// Target2025 is the 2025 target as printed, e.g. "<6.00", "≥90",
	// "逐年提高".
	Target2025 string `yaml:"target_2025"`
	// Unit is the unit as printed: "" when the cell is empty, "-" when the
	// seed says "-".
	Unit string `yaml:"unit"`
	// Departments lists the responsible departments (责任部门) in seed order.
	Departments []string `yaml:"departments"`
}

// Task is one row of the task list (建设任务清单), with every text kept
// exactly as in the seed.
type Task struct {
	// Code is the stable key: the domain prefix (see Domains) and the
	// two-digit number, e.g. "GY01".
	Code string `yaml:"code"`
	// Domain is the domain heading without its count, e.g. 工业固体废物.
	Domain string `yaml:"domain"`
	// No is the printed number, 1..N within the domain.
	No int `yaml:"no"`
	// Name is the task (任务清单). Rows whose name cell is empty in the seed
	// (a merged cell) carry the name of the row above.
	Name string `yaml:"name"`
	// Description is the summary (内容简介).
	Description string `yaml:"description"`
	// Lead lists the lead departments (牵头单位); never empty.
	Lead []string `yaml:"lead"`
	// Participants lists the participating departments (参与单位); empty, not
	// nil, when the seed cell is empty.
	Participants []string `yaml:"participants"`
	// Deadline is the completion time as printed: "2023年".."2025年",
	// "持续推进", "长期坚持", "持续开展".
	Deadline string `yaml:"deadline"`
}

// Domain is one of the four task domains.
type Domain struct {
	// Name is the heading of the domain without its count.
	Name string
	// Prefix starts the code of each task of the domain.
	Prefix string
	// TaskCount is the number of tasks the seed lists for the domain.
	TaskCount int
}

// Domains returns the four task domains in seed order. The caller owns the
// returned slice.
func Domains() []Domain {
	return []Domain{
		{Name: "工业固体废物", Prefix: "GY", TaskCount: 37},
		{Name: "农业领域固体废物", Prefix: "NY", TaskCount: 11},
		{Name: "生活领域固体废物", Prefix: "SH", TaskCount: 18},
		{Name: "危险废物领域", Prefix: "WF", TaskCount: 17},
	}
}

// Load reads the registry embedded in configs.FS and validates it. It
// returns the indicators in table order and the tasks in domain order, each
// domain in number order.
func Load() (indicators []Indicator, tasks []Task, err error) {
	return LoadFS(configs.FS)
}

// LoadFS is Load for any file system laid out like configs.FS.
func LoadFS(fsys fs.FS) (indicators []Indicator, tasks []Task, err error) {
	ind, err := fs.ReadFile(fsys, IndicatorsPath)
	if err != nil {
		return nil, nil, fmt.Errorf("registry: %w", err)
	}
	tsk, err := fs.ReadFile(fsys, TasksPath)
	if err != nil {
		return nil, nil, fmt.Errorf("registry: %w", err)
	}
	return Decode(ind, tsk)
}

// Decode parses the two registry files and validates the result with
// Validate. Unknown fields are errors, so a renamed field cannot be lost
// silently.
func Decode(indicatorsYAML, tasksYAML []byte) (indicators []Indicator, tasks []Task, err error) {
	var ind struct {
		Indicators []Indicator `yaml:"indicators"`
	}
	if err := decodeStrict(indicatorsYAML, &ind); err != nil {
		return nil, nil, fmt.Errorf("registry: %s: %w", IndicatorsPath, err)
	}
	var tsk struct {
		Tasks []Task `yaml:"tasks"`
	}
	if err := decodeStrict(tasksYAML, &tsk); err != nil {
		return nil, nil, fmt.Errorf("registry: %s: %w", TasksPath, err)
	}
	// YAML "[]" and an absent key both mean no participants; keep one form so
	// that a decoded registry compares equal to a parsed one.
	for i := range tsk.Tasks {
		if tsk.Tasks[i].Participants == nil {
			tsk.Tasks[i].Participants = []string{}
		}
	}
	if err := Validate(ind.Indicators, tsk.Tasks); err != nil {
		return nil, nil, err
	}
	return ind.Indicators, tsk.Tasks, nil
}

func decodeStrict(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty document")
		}
		return err
	}
	return nil
}

// Validate checks the invariants every registry must hold: exactly
// IndicatorCount indicators coded I01.. in order, in exactly Level1Count
// first-level groups; for every domain of Domains exactly its TaskCount tasks,
// numbered 1..N in order and coded with its prefix; unique codes; and no
// empty name, heading, description, deadline, lead or department.
func Validate(indicators []Indicator, tasks []Task) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}

	if len(indicators) != IndicatorCount {
		bad("%d indicators, want %d", len(indicators), IndicatorCount)
	}
	codes := make(map[string]bool)
	level1 := make(map[string]bool)
	for i, in := range indicators {
		want := fmt.Sprintf("I%02d", i+1)
		if in.Code != want || in.No != i+1 {
			bad("indicator %d: code %q no %d, want %s no %d", i+1, in.Code, in.No, want, i+1)
		}
		if codes[in.Code] {
			bad("indicator %d: duplicate code %q", i+1, in.Code)
		}
		codes[in.Code] = true
		if in.Name == "" || in.Level1 == "" || in.Level2 == "" {
			bad("indicator %s: empty name or heading", in.Code)
		}
		level1[in.Level1] = true
		checkDepartments(bad, in.Code, "departments", in.Departments, false)
	}
	if len(level1) != Level1Count {
		bad("%d first-level groups, want %d", len(level1), Level1Count)
	}

	domains := Domains()
	order := make(map[string]int, len(domains))
	for i, d := range domains {
		order[d.Name] = i
	}
	got := make(map[string]int, len(domains))
	last := 0
	for i, t := range tasks {
		di, ok := order[t.Domain]
		if !ok {
			bad("task %d (%s): unknown domain %q", i+1, t.Code, t.Domain)
			continue
		}
		if di < last {
			bad("task %s: domain %s out of order", t.Code, t.Domain)
		}
		last = di
		p := domains[di].Prefix
		got[t.Domain]++
		if t.No != got[t.Domain] {
			bad("task %s: no %d, want %d (numbered 1..N without gaps)", t.Code, t.No, got[t.Domain])
		}
		if wantCode := fmt.Sprintf("%s%02d", p, t.No); t.Code != wantCode {
			bad("task %d: code %q, want %q", i+1, t.Code, wantCode)
		}
		if codes[t.Code] {
			bad("task %s: duplicate code", t.Code)
		}
		codes[t.Code] = true
		if t.Name == "" || t.Description == "" || t.Deadline == "" {
			bad("task %s: empty name, description or deadline", t.Code)
		}
		checkDepartments(bad, t.Code, "lead", t.Lead, false)
		checkDepartments(bad, t.Code, "participants", t.Participants, true)
	}
	for _, d := range domains {
		if got[d.Name] != d.TaskCount {
			bad("domain %s: %d tasks, want %d", d.Name, got[d.Name], d.TaskCount)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("registry: invalid: %w", errors.Join(errs...))
	}
	return nil
}

func checkDepartments(bad func(string, ...any), code, field string, names []string, mayBeEmpty bool) {
	if len(names) == 0 && !mayBeEmpty {
		bad("%s: no %s", code, field)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" {
			bad("%s: empty name in %s", code, field)
		}
		if seen[n] {
			bad("%s: %s lists %q twice", code, field, n)
		}
		seen[n] = true
	}
}

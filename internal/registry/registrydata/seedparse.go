package registrydata

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The seed is the text of two Word tables, one cell per paragraph group: a
// line that starts with a tab opens a new cell, and the lines that follow
// without a tab (blank lines included) continue it. Rows are not delimited,
// so a row is a fixed number of cells. Word broke long words over lines
// inside a cell; joining the non-blank lines of a cell with nothing between
// them restores the text, except in department cells, which also put one
// department per line (see splitDepartments).

var (
	indicatorHeader = []string{"序号", "一级指标", "二级指标", "三级指标", "现状值2020年", "目标值2025年", "单位", "责任部门"}
	taskHeader      = []string{"序号", "任务清单", "内容简介", "牵头单位", "参与单位", "完成时限"}

	// domainHeading matches the one-cell row that opens a task domain, e.g.
	// "工业固体废物（37项任务）".
	domainHeading = regexp.MustCompile(`^(.+)（([0-9]+)项任务）$`)
)

const (
	markNational = "★"  // 国家体系必选指标
	markCity     = "●"  // 我市自创指标
	noteMarker   = "注：" // the footnote line that ends the indicator table
)

// departmentSuffixes end every department name of the seed. A line of a
// department cell that ends otherwise is the first part of a name Word
// broke over lines ("市生态" + "环境局"), so it is joined to the next line.
var departmentSuffixes = []string{
	"局", "委", "会", "办", "部", "厅", "院", "队", "站", "所", "处",
	"中心", "政府", "单位", "机构", "公司",
}

// cell is one table cell: its non-blank lines, trimmed, and the 1-based
// seed line it starts on, for error messages.
type cell struct {
	line  int
	parts []string
}

// text joins the lines of c with nothing between them: Word broke the text
// over lines, the words themselves have no line breaks.
func (c cell) text() string { return strings.Join(c.parts, "") }

// ParseSeed parses the seed text (configs/registry/seed.txt) into the
// indicators, numbered 1..52 in table order, and the tasks, in domain and
// row order, and validates the result with Validate. Texts are kept exactly
// as printed apart from joining lines that Word broke; ★ and ● become flags
// and leave the name. ParseSeed never panics; any input it cannot read
// completely is an error naming the seed line.
func ParseSeed(text string) (indicators []Indicator, tasks []Task, err error) {
	if !utf8.ValidString(text) {
		return nil, nil, errors.New("seed: not valid UTF-8")
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")

	indStart := findHeader(lines, 0)
	if indStart < 0 {
		return nil, nil, errors.New("seed: no indicator table (no line \"\\t序号\")")
	}
	note := -1
	for i := indStart + 1; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimSpace(lines[i]), noteMarker) {
			note = i
			break
		}
	}
	if note < 0 {
		return nil, nil, fmt.Errorf("seed: no line starting with %q after the indicator table", noteMarker)
	}
	taskStart := findHeader(lines, note+1)
	if taskStart < 0 {
		return nil, nil, errors.New("seed: no task table (no line \"\\t序号\" after the indicator table)")
	}

	indicators, err = parseIndicators(splitCells(lines, indStart, note))
	if err != nil {
		return nil, nil, fmt.Errorf("seed: indicator table: %w", err)
	}
	tasks, err = parseTasks(splitCells(lines, taskStart, len(lines)))
	if err != nil {
		return nil, nil, fmt.Errorf("seed: task table: %w", err)
	}
	if err := Validate(indicators, tasks); err != nil {
		return nil, nil, fmt.Errorf("seed: %w", err)
	}
	return indicators, tasks, nil
}

// findHeader returns the index of the first line at or after from that opens
// a table header (the cell 序号), or -1.
func findHeader(lines []string, from int) int {
	for i := from; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "\t") && strings.TrimSpace(lines[i]) == "序号" {
			return i
		}
	}
	return -1
}

// splitCells cuts lines[from:to] into cells; lines[from] must open a cell.
func splitCells(lines []string, from, to int) []cell {
	var cells []cell
	for i := from; i < to; i++ {
		l := lines[i]
		if rest, ok := strings.CutPrefix(l, "\t"); ok {
			cells = append(cells, cell{line: i + 1})
			l = rest
		} else if len(cells) == 0 {
			continue
		}
		if s := strings.TrimSpace(l); s != "" {
			c := &cells[len(cells)-1]
			c.parts = append(c.parts, s)
		}
	}
	return cells
}

func checkHeader(cells []cell, want []string) error {
	if len(cells) < len(want) {
		return fmt.Errorf("header: %d cells, want %d", len(cells), len(want))
	}
	for i, w := range want {
		if got := cells[i].text(); got != w {
			return fmt.Errorf("line %d: header cell %d is %q, want %q", cells[i].line, i+1, got, w)
		}
	}
	return nil
}

func parseIndicators(cells []cell) ([]Indicator, error) {
	cols := len(indicatorHeader)
	if err := checkHeader(cells, indicatorHeader); err != nil {
		return nil, err
	}
	body := cells[cols:]
	if len(body)%cols != 0 {
		return nil, fmt.Errorf("%d cells after the header, not a multiple of %d: a row has a missing or extra cell", len(body), cols)
	}
	var out []Indicator
	var level1, level2 string
	for r := 0; r*cols < len(body); r++ {
		row := body[r*cols : (r+1)*cols]
		no := r + 1
		// The seed prints no number; a non-empty first cell means the rows
		// have slipped against the columns.
		if s := row[0].text(); s != "" && s != strconv.Itoa(no) {
			return nil, fmt.Errorf("line %d: row %d starts with %q, want an empty number cell", row[0].line, no, s)
		}
		// Headings are merged cells: printed on the first row of their group
		// only. A new first-level group starts a new second-level one.
		if s := row[1].text(); s != "" {
			level1, level2 = s, ""
		}
		if s := row[2].text(); s != "" {
			level2 = s
		}
		if level1 == "" || level2 == "" {
			return nil, fmt.Errorf("line %d: row %d has no first- or second-level heading", row[0].line, no)
		}
		name, national, city, err := splitMarks(row[3].text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", row[3].line, err)
		}
		deps, err := splitDepartments(row[7].parts)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", row[7].line, err)
		}
		out = append(out, Indicator{
			Code:             fmt.Sprintf("I%02d", no),
			No:               no,
			Level1:           level1,
			Level2:           level2,
			Name:             name,
			NationalRequired: national,
			CitySpecific:     city,
			Baseline2020:     row[4].text(),
			Target2025:       row[5].text(),
			Unit:             row[6].text(),
			Departments:      deps,
		})
	}
	return out, nil
}

// splitMarks removes the trailing ★ and ● of an indicator name and reports
// which were there. A mark anywhere else is an error: it would be data lost.
func splitMarks(s string) (name string, national, city bool, err error) {
	name = s
	for {
		if rest, ok := strings.CutSuffix(name, markNational); ok {
			name, national = rest, true
		} else if rest, ok := strings.CutSuffix(name, markCity); ok {
			name, city = rest, true
		} else {
			break
		}
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", false, false, fmt.Errorf("empty indicator name %q", s)
	case strings.Contains(name, markNational) || strings.Contains(name, markCity):
		return "", false, false, fmt.Errorf("indicator name %q has a mark that is not at its end", s)
	}
	return name, national, city, nil
}

// splitDepartments reads a department cell: one department per line, except
// that a line not ending in one of departmentSuffixes continues on the next
// line. It returns an empty, non-nil slice for an empty cell.
func splitDepartments(lines []string) ([]string, error) {
	out := []string{}
	pending := ""
	for _, l := range lines {
		pending += l
		if hasDepartmentSuffix(pending) {
			out = append(out, pending)
			pending = ""
		}
	}
	if pending != "" {
		return nil, fmt.Errorf("department %q does not end in a known suffix (%s)", pending, strings.Join(departmentSuffixes, " "))
	}
	return out, nil
}

func hasDepartmentSuffix(s string) bool {
	for _, suf := range departmentSuffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

func parseTasks(cells []cell) ([]Task, error) {
	cols := len(taskHeader)
	if err := checkHeader(cells, taskHeader); err != nil {
		return nil, err
	}
	byName := make(map[string]Domain)
	for _, d := range Domains() {
		byName[d.Name] = d
	}
	var (
		out     []Task
		cur     Domain
		inside  bool
		count   int
		heading int // the count the current heading prints
		seen    = make(map[string]bool)
	)
	closeDomain := func() error {
		if inside && count != heading {
			return fmt.Errorf("domain %s: heading says %d tasks, found %d", cur.Name, heading, count)
		}
		return nil
	}
	body := cells[cols:]
	for i := 0; i < len(body); {
		c := body[i]
		if m := domainHeading.FindStringSubmatch(c.text()); m != nil {
			if err := closeDomain(); err != nil {
				return nil, err
			}
			d, ok := byName[m[1]]
			if !ok {
				return nil, fmt.Errorf("line %d: unknown domain %q", c.line, m[1])
			}
			if seen[d.Name] {
				return nil, fmt.Errorf("line %d: domain %s appears twice", c.line, d.Name)
			}
			n, err := strconv.Atoi(m[2])
			if err != nil || n != d.TaskCount {
				return nil, fmt.Errorf("line %d: domain %s heading counts %s tasks, want %d", c.line, d.Name, m[2], d.TaskCount)
			}
			seen[d.Name] = true
			cur, inside, count, heading = d, true, 0, n
			i++
			continue
		}
		if !inside {
			return nil, fmt.Errorf("line %d: task row before the first domain heading", c.line)
		}
		if i+cols > len(body) {
			return nil, fmt.Errorf("line %d: last row has %d cells, want %d", c.line, len(body)-i, cols)
		}
		row := body[i : i+cols]
		i += cols
		no, err := strconv.Atoi(row[0].text())
		if err != nil || no != count+1 {
			return nil, fmt.Errorf("line %d: domain %s: row number %q, want %d", row[0].line, cur.Name, row[0].text(), count+1)
		}
		name := row[1].text()
		if name == "" {
			// An empty name cell is the lower part of a merged cell: the
			// row continues the task above (工业 15 and 16 continue 14).
			if count == 0 {
				return nil, fmt.Errorf("line %d: first task of %s has no name", row[1].line, cur.Name)
			}
			name = out[len(out)-1].Name
		}
		lead, err := splitDepartments(row[3].parts)
		if err != nil {
			return nil, fmt.Errorf("line %d: lead: %w", row[3].line, err)
		}
		participants, err := splitDepartments(row[4].parts)
		if err != nil {
			return nil, fmt.Errorf("line %d: participants: %w", row[4].line, err)
		}
		count = no
		out = append(out, Task{
			Code:         fmt.Sprintf("%s%02d", cur.Prefix, no),
			Domain:       cur.Name,
			No:           no,
			Name:         name,
			Description:  row[2].text(),
			Lead:         lead,
			Participants: participants,
			Deadline:     row[5].text(),
		})
	}
	if err := closeDomain(); err != nil {
		return nil, err
	}
	return out, nil
}

// DepartmentNames returns the distinct department names the registry uses,
// in indicators, leads and participants, sorted, for a person to review.
func DepartmentNames(indicators []Indicator, tasks []Task) []string {
	var names []string
	for _, in := range indicators {
		names = append(names, in.Departments...)
	}
	for _, t := range tasks {
		names = append(names, t.Lead...)
		names = append(names, t.Participants...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

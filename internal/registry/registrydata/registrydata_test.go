package registrydata_test

import (
	"bytes"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/registry/registrydata"
)

// The tests below read the seed a second way, independently of ParseSeed:
// rows are found by the separators between them rather than by counting
// cells, broken lines are joined by deleting every line break, and
// department cells are segmented against the hand-checked list of names
// below rather than by name suffixes. Both readings must agree with the
// committed YAML on every field.

// departments is every department the seed names, checked by hand against
// the seed. 市交通局 and 市交通运输局 are both printed (危险废物 8 and 9) and
// are kept apart, as printed.
var departments = []string{
	"准格尔旗人民政府",
	"各成员单位",
	"各旗区人民政府",
	"市乡村振兴局",
	"市交通局",
	"市交通运输局",
	"市住房和城乡建设局",
	"市公安局",
	"市农牧局",
	"市卫健委",
	"市发展和改革委员会",
	"市司法局",
	"市商务局",
	"市委宣传部",
	"市委组织部",
	"市工信局",
	"市市场监督管理局",
	"市应急管理局",
	"市执法局",
	"市无废办",
	"市林草局",
	"市水利局",
	"市生态环境局",
	"市科技局",
	"市税务局",
	"市统计局",
	"市能源局",
	"市自然资源局",
	"市融媒体中心",
	"市财政局",
	"市邮政管理局",
	"第三方测评机构",
	"鄂尔多斯银保监分局",
}

// indicatorNames is the third-level column of the indicator table, typed
// from the seed with its marks, in table order.
var indicatorNames = [registrydata.IndicatorCount]string{
	"一般工业固体废物产生强度★",
	"工业危险废物产生强度★",
	"重点行业通过清洁生产审核评估工业企业占比★",
	"开展绿色工厂建设的企业数量",
	"开展绿色园区建设的工业园区占比",
	"“无废园区”建成数量●",
	"新增煤矸石综合利用率●",
	"绿色矿山建成率★",
	"增加实施煤矸石井下填充矿井数量●",
	"实施“泥浆不落地”天然气井数量比例●",
	"农药减量控害●",
	"绿色建筑占新建建筑的比例★",
	"装配式建筑占新建建筑的比例",
	"生活垃圾清运量★",
	"城市居民小区生活垃圾分类覆盖率",
	"农村地区生活垃圾分类覆盖率",
	"采购使用符合标准的包装材料比例",
	"一般工业固体废物综合利用率★",
	"固废综合利用重点项目数量（煤矸石年利用量100万吨及以上、粉煤灰年利用量50万吨及以上，气化渣利用量20万吨及以上）●",
	"工业危险废物综合利用率★",
	"秸秆综合利用率★",
	"畜禽粪污综合利用率★",
	"农膜回收率★",
	"农药包装废弃物回收率",
	"建筑垃圾资源化利用率★",
	"生活垃圾回收利用率★",
	"再生资源回收量增长率",
	"医疗卫生机构可回收物回收率★",
	"新能源车、报废机动车等产品类废物回收覆盖率●",
	"工业危险废物填埋处置量下降幅度★",
	"医疗废物收集处置体系覆盖率★",
	"社会源危险废物收集处置体系覆盖率",
	"一般工业固体废物贮存处置量下降幅度★",
	"完成大宗工业固体废物堆存场所（含尾矿库）综合整治的堆场数量占比",
	"病死畜禽集中无害化处理率",
	"生活垃圾焚烧处理能力占比★",
	"城镇污水污泥无害化处置率★",
	"“无废城市”建设地方性法规、政策性文件及有关规划制定★",
	"“无废城市”建设协调机制★",
	"“无废城市”建设成效纳入政绩考核情况",
	"开展“无废城市细胞”建设的单位数量（工厂、学校、餐饮单位、酒店、商场、社区、景区、医院）",
	"“无废城市”建设项目投资总额★",
	"纳入企业环境信用评价范围的重点产废企业数量占比",
	"固体废物回收利用处置关键技术工艺、设备研发及成果转化",
	"固体废物管理信息化监管情况★",
	"危险废物规范化管理抽查合格率",
	"固体废物环境污染刑事案件立案率★",
	"涉固体废物信访、投诉、举报案件办结率",
	"固体废物环境污染案件开展生态环境损害赔偿工作的覆盖率",
	"“无废城市”建设宣传教育培训普及率",
	"政府、企事业单位、非政府环境组织、公众对“无废城市”建设的参与程度",
	"公众对“无废城市”建设成效的满意程度★",
}

// level1Groups is the first-level column: each group and its last indicator.
var level1Groups = []struct {
	name string
	last int
}{
	{"固体废物源头减量", 17},
	{"固体废物资源化利用", 29},
	{"固体废物最终处置", 37},
	{"保障能力", 49},
	{"群众获得感", 52},
}

// domainCounts is the number of tasks of each domain, from its heading.
var domainCounts = map[string]int{
	"工业固体废物":   37,
	"农业领域固体废物": 11,
	"生活领域固体废物": 18,
	"危险废物领域":   17,
}

func readSeed(tb testing.TB) string {
	tb.Helper()
	b, err := fs.ReadFile(configs.FS, "registry/seed.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func load(t *testing.T) ([]registrydata.Indicator, []registrydata.Task) {
	t.Helper()
	ind, tasks, err := registrydata.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ind, tasks
}

// flat joins the lines of a cell: Word's line breaks fall inside words.
func flat(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\n", ""))
}

// segment splits a flattened department cell into known departments,
// longest name first.
func segment(t *testing.T, s string) []string {
	t.Helper()
	byLength := slices.Clone(departments)
	slices.SortFunc(byLength, func(a, b string) int { return len(b) - len(a) })
	out := []string{}
	for s != "" {
		found := false
		for _, d := range byLength {
			if rest, ok := strings.CutPrefix(s, d); ok {
				out = append(out, d)
				s, found = rest, true
				break
			}
		}
		if !found {
			t.Fatalf("department cell: no known department at %q", s)
		}
	}
	return out
}

func independentIndicators(t *testing.T, seed string) []registrydata.Indicator {
	t.Helper()
	const head = "\t责任部门\n"
	start := strings.Index(seed, head)
	end := strings.Index(seed, "\n注：")
	if start < 0 || end < start {
		t.Fatal("seed: indicator table not found")
	}
	// Every row opens with a blank line and the empty number cell.
	rows := strings.Split("\n"+seed[start+len(head):end], "\n\n\t\n")[1:]
	if len(rows) != registrydata.IndicatorCount {
		t.Fatalf("seed: %d indicator rows, want %d", len(rows), registrydata.IndicatorCount)
	}
	var out []registrydata.Indicator
	var level1, level2 string
	for i, row := range rows {
		cells := strings.Split(strings.TrimPrefix(row, "\t"), "\n\t")
		if len(cells) != 7 {
			t.Fatalf("indicator row %d: %d cells, want 7: %q", i+1, len(cells), row)
		}
		if s := flat(cells[0]); s != "" {
			level1 = s
		}
		if s := flat(cells[1]); s != "" {
			level2 = s
		}
		name := flat(cells[2])
		out = append(out, registrydata.Indicator{
			Code:             "I" + twoDigits(i+1),
			No:               i + 1,
			Level1:           level1,
			Level2:           level2,
			Name:             strings.TrimRight(name, "★●"),
			NationalRequired: strings.Contains(name, "★"),
			CitySpecific:     strings.Contains(name, "●"),
			Baseline2020:     flat(cells[3]),
			Target2025:       flat(cells[4]),
			Unit:             flat(cells[5]),
			Departments:      segment(t, flat(cells[6])),
		})
	}
	return out
}

func independentTasks(t *testing.T, seed string) []registrydata.Task {
	t.Helper()
	const head = "\t完成时限\n"
	start := strings.Index(seed, head)
	if start < 0 {
		t.Fatal("seed: task table not found")
	}
	section := seed[start+len(head):]
	prefix := map[string]string{"工业固体废物": "GY", "农业领域固体废物": "NY", "生活领域固体废物": "SH", "危险废物领域": "WF"}
	heads := regexp.MustCompile(`\n\t([^\t\n]+)（(\d+)项任务）\n`).FindAllStringSubmatchIndex(section, -1)
	if len(heads) != len(domainCounts) {
		t.Fatalf("seed: %d domain headings, want %d", len(heads), len(domainCounts))
	}
	rowStart := regexp.MustCompile(`\n\t(\d+)\n`)
	var out []registrydata.Task
	for h, m := range heads {
		domain := section[m[2]:m[3]]
		end := len(section)
		if h+1 < len(heads) {
			end = heads[h+1][0]
		}
		chunk := section[m[1]:end]
		rows := rowStart.FindAllStringSubmatchIndex(chunk, -1)
		if want := domainCounts[domain]; len(rows) != want || section[m[4]:m[5]] != strconv.Itoa(want) {
			t.Fatalf("domain %s: %d rows, heading %s, want %d", domain, len(rows), section[m[4]:m[5]], want)
		}
		for r, rm := range rows {
			if no := chunk[rm[2]:rm[3]]; no != strconv.Itoa(r+1) {
				t.Fatalf("domain %s: row %d is numbered %s", domain, r+1, no)
			}
			bodyEnd := len(chunk)
			if r+1 < len(rows) {
				bodyEnd = rows[r+1][0]
			}
			cells := strings.Split(strings.TrimPrefix(chunk[rm[1]:bodyEnd], "\t"), "\n\t")
			if len(cells) != 5 {
				t.Fatalf("domain %s row %d: %d cells, want 5", domain, r+1, len(cells))
			}
			name := flat(cells[0])
			if name == "" { // merged with the row above
				name = out[len(out)-1].Name
			}
			out = append(out, registrydata.Task{
				Code:         prefix[domain] + twoDigits(r+1),
				Domain:       domain,
				No:           r + 1,
				Name:         name,
				Description:  flat(cells[1]),
				Lead:         segment(t, flat(cells[2])),
				Participants: segment(t, flat(cells[3])),
				Deadline:     flat(cells[4]),
			})
		}
	}
	return out
}

func twoDigits(n int) string {
	s := strconv.Itoa(n)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ind, tasks := load(t)
	if len(ind) != 52 || len(tasks) != 83 {
		t.Fatalf("Load: %d indicators, %d tasks; want 52, 83", len(ind), len(tasks))
	}
}

func TestIndicatorsMatchIndependentParse(t *testing.T) {
	t.Parallel()
	got, _ := load(t)
	want := independentIndicators(t, readSeed(t))
	if len(got) != len(want) {
		t.Fatalf("%d indicators, independent parse has %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		t.Run(w.Code, func(t *testing.T) {
			fields := []struct {
				name      string
				got, want any
			}{
				{"code", g.Code, w.Code},
				{"no", g.No, w.No},
				{"level1", g.Level1, w.Level1},
				{"level2", g.Level2, w.Level2},
				{"name", g.Name, w.Name},
				{"national_required", g.NationalRequired, w.NationalRequired},
				{"city_specific", g.CitySpecific, w.CitySpecific},
				{"baseline_2020", g.Baseline2020, w.Baseline2020},
				{"target_2025", g.Target2025, w.Target2025},
				{"unit", g.Unit, w.Unit},
				{"departments", g.Departments, w.Departments},
			}
			for _, f := range fields {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("%s = %#v, seed says %#v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestTasksMatchIndependentParse(t *testing.T) {
	t.Parallel()
	_, got := load(t)
	want := independentTasks(t, readSeed(t))
	if len(got) != len(want) {
		t.Fatalf("%d tasks, independent parse has %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		t.Run(w.Code, func(t *testing.T) {
			fields := []struct {
				name      string
				got, want any
			}{
				{"code", g.Code, w.Code},
				{"domain", g.Domain, w.Domain},
				{"no", g.No, w.No},
				{"name", g.Name, w.Name},
				{"description", g.Description, w.Description},
				{"lead", g.Lead, w.Lead},
				{"participants", g.Participants, w.Participants},
				{"deadline", g.Deadline, w.Deadline},
			}
			for _, f := range fields {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("%s = %#v, seed says %#v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestIndicatorNamesMarksAndGroups(t *testing.T) {
	t.Parallel()
	ind, _ := load(t)
	national, city := 0, 0
	group := 0
	for i, in := range ind {
		typed := indicatorNames[i]
		wantName := strings.TrimSuffix(strings.TrimSuffix(typed, "★"), "●")
		if in.Name != wantName {
			t.Errorf("%s name = %q, want %q", in.Code, in.Name, wantName)
		}
		if in.NationalRequired != strings.HasSuffix(typed, "★") || in.CitySpecific != strings.HasSuffix(typed, "●") {
			t.Errorf("%s flags national=%t city=%t, want the mark of %q", in.Code, in.NationalRequired, in.CitySpecific, typed)
		}
		if in.NationalRequired {
			national++
		}
		if in.CitySpecific {
			city++
		}
		if i+1 > level1Groups[group].last {
			group++
		}
		if in.Level1 != level1Groups[group].name {
			t.Errorf("%s level1 = %q, want %q", in.Code, in.Level1, level1Groups[group].name)
		}
	}
	// The design note counts 25 ★ and 7 ●.
	if national != 25 || city != 7 {
		t.Errorf("%d ★ and %d ●, want 25 and 7", national, city)
	}
}

func TestDomainCounts(t *testing.T) {
	t.Parallel()
	_, tasks := load(t)
	got := make(map[string]int)
	for _, task := range tasks {
		got[task.Domain]++
	}
	if !reflect.DeepEqual(got, domainCounts) {
		t.Errorf("tasks per domain = %v, want %v", got, domainCounts)
	}
	for _, d := range registrydata.Domains() {
		if domainCounts[d.Name] != d.TaskCount {
			t.Errorf("Domains(): %s has %d tasks, want %d", d.Name, d.TaskCount, domainCounts[d.Name])
		}
	}
}

func TestTrickyRows(t *testing.T) {
	t.Parallel()
	ind, tasks := load(t)
	indicator := make(map[string]registrydata.Indicator)
	for _, in := range ind {
		indicator[in.Code] = in
	}
	task := make(map[string]registrydata.Task)
	for _, tk := range tasks {
		task[tk.Code] = tk
	}
	tests := map[string]struct {
		got, want any
	}{
		"empty name cell continues the row above (工业 15)": {task["GY15"].Name, "优化能源供消结构"},
		"empty name cell continues the row above (工业 16)": {task["GY16"].Name, "优化能源供消结构"},
		"the row they continue":                           {task["GY14"].Name, "优化能源供消结构"},
		"name broken over lines":                          {task["GY01"].Name, "制定《鄂尔多斯市“无废城市”建设目标责任考核办法》"},
		"name broken over three lines":                    {task["SH18"].Name, "开展垃圾填埋场和污水处理厂甲烷回收利用技术以及污染物协同处理技术研发"},
		"name keeps the seed's inner space":               {task["GY11"].Name, "制定鄂尔多斯 “无废细胞”建设指标体系"},
		"department broken over lines":                    {task["GY03"].Lead, []string{"市生态环境局"}},
		"two broken departments in one cell":              {task["GY09"].Lead, []string{"市自然资源局", "市生态环境局"}},
		"broken department then a whole one":              {task["GY35"].Lead, []string{"市能源局", "市生态环境局"}},
		"各旗区人民政府 broken over lines":                       {task["GY30"].Lead, []string{"各旗区人民政府"}},
		"市市场监督管理局 broken over lines":                      {task["NY10"].Lead, []string{"市市场监督管理局"}},
		"市邮政管理局 broken over lines":                        {task["SH12"].Lead, []string{"市邮政管理局"}},
		"departments split by a single line break":        {task["SH13"].Lead, []string{"市发展和改革委员会", "市市场监督管理局"}},
		"department list of three":                        {ind[0].Departments, []string{"市工信局", "市生态环境局", "市统计局"}},
		"empty participants":                              {task["GY31"].Participants, []string{}},
		"domain heading without its count":                {task["WF01"].Domain, "危险废物领域"},
		"★ is national":                                   {[]bool{indicator["I01"].NationalRequired, indicator["I01"].CitySpecific}, []bool{true, false}},
		"● is city-specific":                              {[]bool{indicator["I06"].NationalRequired, indicator["I06"].CitySpecific}, []bool{false, true}},
		"no mark":                                         {[]bool{indicator["I04"].NationalRequired, indicator["I04"].CitySpecific}, []bool{false, false}},
		"first indicator headings":                        {[]string{indicator["I01"].Level1, indicator["I01"].Level2}, []string{"固体废物源头减量", "工业源头减量"}},
		"last indicator headings":                         {[]string{indicator["I52"].Level1, indicator["I52"].Level2}, []string{"群众获得感", "群众获得感"}},
		"heading broken mid-word":                         {indicator["I38"].Level2, "制度体系建设"},
		"群众获得感 50":                                        {indicator["I50"].Departments, []string{"第三方测评机构"}},
		"群众获得感 51":                                        {indicator["I51"].Departments, []string{"市委宣传部", "市融媒体中心", "各成员单位"}},
		"群众获得感 52":                                        {indicator["I52"].Departments, []string{"第三方测评机构"}},
		"empty unit":                                      {indicator["I11"].Unit, ""},
		"unit printed as -":                               {indicator["I39"].Unit, "-"},
		"numeric-looking baseline stays text":             {indicator["I01"].Baseline2020, "6.00"},
		"target with comparator":                          {indicator["I01"].Target2025, "<6.00"},
		"text baseline":                                   {indicator["I45"].Baseline2020, "国家固体废物管理信息系统"},
		"target as printed, words missing included":       {indicator["I51"].Target2025, "政府、企事业单位、非政府环境、公众积极参与“无废城市”建设"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
}

func TestMarksLeaveNames(t *testing.T) {
	t.Parallel()
	ind, tasks := load(t)
	for _, in := range ind {
		if strings.ContainsAny(in.Name, "★●") {
			t.Errorf("%s name %q keeps a mark", in.Code, in.Name)
		}
	}
	deadlines := map[string]bool{"2023年": true, "2024年": true, "2025年": true, "持续推进": true, "长期坚持": true, "持续开展": true}
	for _, tk := range tasks {
		if !deadlines[tk.Deadline] {
			t.Errorf("%s deadline %q is not one the seed uses", tk.Code, tk.Deadline)
		}
		if strings.ContainsAny(tk.Name+tk.Description, "\n\t") {
			t.Errorf("%s keeps a line break", tk.Code)
		}
	}
}

func TestDepartmentNames(t *testing.T) {
	t.Parallel()
	ind, tasks := load(t)
	want := slices.Sorted(slices.Values(departments))
	if got := registrydata.DepartmentNames(ind, tasks); !slices.Equal(got, want) {
		t.Errorf("DepartmentNames =\n%q\nwant\n%q", got, want)
	}
}

// TestCommittedFilesMatchGenerator keeps the committed YAML equal to what
// cmd/registrygen writes, so neither can drift from the other.
func TestCommittedFilesMatchGenerator(t *testing.T) {
	t.Parallel()
	ind, tasks, err := registrydata.ParseSeed(readSeed(t))
	if err != nil {
		t.Fatalf("ParseSeed: %v", err)
	}
	indYAML, taskYAML, err := registrydata.Render(ind, tasks)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	for path, generated := range map[string][]byte{
		registrydata.IndicatorsPath: indYAML,
		registrydata.TasksPath:      taskYAML,
	} {
		committed, err := fs.ReadFile(configs.FS, path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, generated) {
			t.Errorf("configs/%s differs from the generator's output: run go run ./cmd/registrygen", path)
		}
	}

	// And the loaded registry is exactly the parsed one.
	loadedInd, loadedTasks := load(t)
	if !reflect.DeepEqual(loadedInd, ind) || !reflect.DeepEqual(loadedTasks, tasks) {
		t.Error("Load differs from ParseSeed")
	}

	// Rendering is deterministic.
	again1, again2, err := registrydata.Render(ind, tasks)
	if err != nil || !bytes.Equal(again1, indYAML) || !bytes.Equal(again2, taskYAML) {
		t.Errorf("second Render differs (err %v)", err)
	}
	for _, b := range [][]byte{indYAML, taskYAML} {
		if !bytes.Contains(b[:300], []byte("Generated by cmd/registrygen from configs/registry/seed.txt and reviewed by hand")) {
			t.Error("generated file lacks its header comment")
		}
	}
}

func TestParseSeedRejects(t *testing.T) {
	t.Parallel()
	seed := readSeed(t)
	tests := map[string]struct {
		old, new string
		errHas   string
	}{
		"missing cell":                  {"\t<6.00\n", "", "not a multiple"},
		"department without suffix":     {"\t鄂尔多斯银保监分局", "\t鄂尔多斯银保监", "known suffix"},
		"heading count differs":         {"（37项任务）", "（36项任务）", "heading counts 36"},
		"gap in numbering":              {"\t17\n\t探索区域联防联控机制", "\t18\n\t探索区域联防联控机制", "want 17"},
		"mark inside a name":            {"农膜回收率★", "农膜★回收率", "not at its end"},
		"no footnote":                   {"注：★表示", "★表示", "注："},
		"unknown domain":                {"危险废物领域（17项任务）", "危废领域（17项任务）", "unknown domain"},
		"first task without a name":     {"\t推动不明属性固体\n\n废物鉴别工作\n", "\t\n", "has no name"},
		"empty indicator name":          {"\t农膜回收率★", "\t★", "empty indicator name"},
		"no first-level heading":        {"\t\n\t固体废物\n\n源头减量\n", "\t\n\t\n", "no first- or second-level heading"},
		"invalid UTF-8":                 {"市统计局", "市统\xff局", "UTF-8"},
		"indicator row number mismatch": {"\t\n\t固体废物\n", "\t7\n\t固体废物\n", "number cell"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(seed, tc.old) {
				t.Fatalf("seed has no %q", tc.old)
			}
			_, _, err := registrydata.ParseSeed(strings.Replace(seed, tc.old, tc.new, 1))
			if err == nil {
				t.Fatal("ParseSeed accepted a broken seed")
			}
			if !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("error %q does not mention %q", err, tc.errHas)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	ind, err := fs.ReadFile(configs.FS, registrydata.IndicatorsPath)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := fs.ReadFile(configs.FS, registrydata.TasksPath)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		ind, tasks string
	}{
		"duplicate indicator code": {strings.Replace(string(ind), `code: "I02"`, `code: "I01"`, 1), string(tasks)},
		"unknown field":            {strings.Replace(string(ind), `unit:`, `units:`, 1), string(tasks)},
		"empty name":               {string(ind), strings.Replace(string(tasks), `name: "优化能源供消结构"`, `name: ""`, 1)},
		"unknown domain":           {string(ind), strings.Replace(string(tasks), `domain: "危险废物领域"`, `domain: "危废"`, 1)},
		"task missing":             {string(ind), string(tasks[:bytes.LastIndex(tasks, []byte("  - code:"))])},
		"no lead":                  {string(ind), strings.Replace(string(tasks), `lead: ["市无废办"]`, `lead: []`, 1)},
		"empty file":               {"", string(tasks)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if tc.ind == string(ind) && tc.tasks == string(tasks) {
				t.Fatal("test case changes nothing")
			}
			if _, _, err := registrydata.Decode([]byte(tc.ind), []byte(tc.tasks)); err == nil {
				t.Error("Decode accepted a broken registry")
			}
		})
	}
}

// miniSeed has the shape of the seed (both tables, merged headings, a
// broken department, an empty unit, a merged task name, an empty cell) but
// few rows, so the fuzzer mutates it quickly; ParseSeed rejects it on the
// counts only.
const miniSeed = "指标\n\n\t序号\n\t一级指标\n\t二级指标\n\t三级指标\n\t现状值2020年\n\t目标值2025年\n\t单位\n\t责任部门\n\n" +
	"\t\n\t固体废物\n\n源头减量\n\t工业源\n\n头减量\n\t一般工业固体废物产生强度★\n\t6.00\n\t<6.00\n\t吨/万元\n\t市工信局\n\n市生态\n\n环境局\n\n" +
	"\t\n\t\n\t\n\t农药减量控害●\n\t-\n\t使用量负增长\n\t\n\t市农牧局\n\n\n注：★表示\n附件\n\n" +
	"\t序号\n\t任务清单\n\t内容简介\n\t牵头单位\n\t参与单位\n\t完成时限\n\n\t工业固体废物（37项任务）\n\n" +
	"\t1\n\t制定《办法\n\n》\n\t对重点目标。\n\t市无废办\n\t市委组织部\n\n各成员单位\n\t2023年\n\n" +
	"\t2\n\t\n\t说明\n\t市能源局\n\t\n\t持续推进\n\n\t危险废物领域（17项任务）\n\n\t1\n\t名\n\t说明\n\t各旗区人\n\n民政府\n\t\n\t2025年\n"

// FuzzParseSeed checks that ParseSeed never panics, whatever the input. The
// corpus holds small seeds rather than the real one: minimizing mutations of
// the 80 kB seed would take the fuzzer's whole time budget. The real seed's
// success path is covered by the tests above and FuzzRenderRoundTrip.
func FuzzParseSeed(f *testing.F) {
	f.Add(miniSeed)
	f.Add("")
	f.Add("\t序号\n注：\n\t序号\n")
	f.Add(strings.Replace(miniSeed, "农药减量控害●", "农药●减量", 1))
	f.Add(strings.Replace(miniSeed, "（37项任务）", "（9999999999999999999999项任务）", 1))
	f.Fuzz(func(t *testing.T, text string) {
		ind, tasks, err := registrydata.ParseSeed(text)
		if err != nil {
			return
		}
		if _, _, err := registrydata.Render(ind, tasks); err != nil {
			t.Fatalf("Render of an accepted seed: %v", err)
		}
	})
}

// FuzzRenderRoundTrip puts arbitrary text into the real registry and checks
// that whatever Render accepts reads back unchanged through Decode: the YAML
// quoting must survive quotes, backslashes, line breaks of every kind and
// control characters.
func FuzzRenderRoundTrip(f *testing.F) {
	ind, tasks, err := registrydata.ParseSeed(readSeed(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("农膜回收率", "市农牧局", "2025年")
	f.Add("a\"b\\c\n\t\x01\x7f", "\u0085\u2028\u2029\ufeff", "#: - [x], {y}: 'z' &a *b !c |d >e %f @g `h")
	f.Add(" lead", "trail ", "\r\n\x00")
	f.Fuzz(func(t *testing.T, name, department, text string) {
		in := slices.Clone(ind)
		ts := slices.Clone(tasks)
		in[0].Name = name
		in[0].Departments = []string{department}
		in[1].Unit = text
		in[1].Target2025 = text
		ts[0].Description = text
		ts[0].Participants = []string{department, "市无废办x"}
		indYAML, taskYAML, err := registrydata.Render(in, ts)
		if err != nil {
			return // Validate or the UTF-8 check refused the input
		}
		gotInd, gotTasks, err := registrydata.Decode(indYAML, taskYAML)
		if err != nil {
			t.Fatalf("Decode of rendered YAML: %v", err)
		}
		if !reflect.DeepEqual(gotInd, in) || !reflect.DeepEqual(gotTasks, ts) {
			t.Fatalf("round trip changed the registry: name %q -> %q, department %q -> %q, text %q -> %q",
				name, gotInd[0].Name, department, gotInd[0].Departments, text, gotTasks[0].Description)
		}
	})
}

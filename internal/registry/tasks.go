package registry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/registry/assess"
)

// taskOf applies corrections and derives the state of one task.
func (s *Service) taskOf(d taskDoc) Task {
	sd, c := d.Seed, d.Corrections
	t := Task{Code: d.ID, Domain: sd.Domain, No: sd.No, Name: sd.Name, Description: sd.Description,
		Lead: slices.Clone(sd.Lead), Participants: nonNil(slices.Clone(sd.Participants)), Deadline: sd.Deadline}
	str := func(name string, dst *string, v *string) {
		if v != nil {
			*dst = *v
			t.Corrected = append(t.Corrected, name)
		}
	}
	list := func(name string, dst *[]string, v *[]string) {
		if v != nil {
			*dst = slices.Clone(*v)
			t.Corrected = append(t.Corrected, name)
		}
	}
	str("name", &t.Name, c.Name)
	str("description", &t.Description, c.Description)
	list("lead", &t.Lead, c.Lead)
	list("participants", &t.Participants, c.Participants)
	str("deadline", &t.Deadline, c.Deadline)
	due, continuous, err := assess.ParseDeadline(t.Deadline)
	if err == nil {
		t.Due, t.Continuous = due, continuous
	}
	t.Status = assess.TaskNotStarted
	for _, u := range d.Updates {
		t.Updates = append(t.Updates, TaskUpdate{ID: u.ID, Status: assess.TaskStatus(u.Status), Progress: u.Progress,
			Note: u.Note, Evidence: nonNil(u.Evidence), By: Who(u.By), At: u.At})
	}
	if n := len(t.Updates); n > 0 {
		last := t.Updates[n-1]
		t.Latest = &last
		t.Status, t.Progress = last.Status, last.Progress
	}
	t.Overdue = assess.Overdue(t.Due, t.Status, s.now())
	return t
}

// TaskFilter narrows ListTasks; zero fields do not filter.
type TaskFilter struct {
	Domain, Department string
	Status             assess.TaskStatus
	Overdue            *bool
	DueYear            int // 0: any; tasks due in that year
	Query              string
}

// Tasks returns every task, by domain then number.
func (s *Service) Tasks(ctx context.Context) ([]Task, error) {
	_, docs, err := s.docs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Task, len(docs))
	for i, d := range docs {
		out[i] = s.taskOf(d)
	}
	return out, nil
}

// ListTasks returns the tasks passing f, at most limit after cursor.
func (s *Service) ListTasks(ctx context.Context, f TaskFilter, limit int, cursor string) ([]Task, string, error) {
	all, err := s.Tasks(ctx)
	if err != nil {
		return nil, "", err
	}
	var keep []Task
	for _, t := range all {
		if f.Domain != "" && t.Domain != f.Domain ||
			f.Department != "" && !slices.Contains(t.Lead, f.Department) && !slices.Contains(t.Participants, f.Department) ||
			f.Status != "" && t.Status != f.Status ||
			f.Overdue != nil && t.Overdue != *f.Overdue ||
			f.DueYear != 0 && (t.Due == nil || t.Due.In(shanghai).Year() != f.DueYear) ||
			f.Query != "" && !matches(f.Query, t.Code, t.Name, t.Description, strings.Join(t.Lead, " "), strings.Join(t.Participants, " ")) {
			continue
		}
		keep = append(keep, t)
	}
	return paginate(keep, func(t Task) string { return t.Code }, limit, cursor)
}

var shanghai = time.FixedZone("CST", 8*3600)

// Task returns one task with its updates.
func (s *Service) Task(ctx context.Context, code string) (Task, error) {
	d, err := s.st.task(ctx, code)
	if err != nil {
		return Task{}, err
	}
	return s.taskOf(d), nil
}

// TaskUpdateInput is a progress report.
type TaskUpdateInput struct {
	Status   assess.TaskStatus
	Progress *float64
	Note     string
	Evidence []string
}

// UpdateTask records progress, by the admin or staff of a lead or
// participating department.
func (s *Service) UpdateTask(ctx context.Context, a account.Actor, code string, in TaskUpdateInput) (Task, error) {
	var fields []errs.FieldError
	if !in.Status.Valid() {
		fields = append(fields, errs.Field("status", "invalid", "状态须为 not_started、in_progress 或 completed"))
	}
	if in.Progress == nil {
		fields = append(fields, errs.Field("progress", "required", "请填写进度（0–100）"))
	} else if p := *in.Progress; p < 0 || p > 100 || p != p {
		fields = append(fields, errs.Field("progress", "out_of_range", "进度须在 0–100 之间"))
	} else if in.Status == assess.TaskCompleted && p != 100 {
		fields = append(fields, errs.Field("progress", "inconsistent", "已完成的任务进度须为 100"))
	} else if in.Status == assess.TaskNotStarted && p != 0 {
		fields = append(fields, errs.Field("progress", "inconsistent", "未启动的任务进度须为 0"))
	}
	fields = append(fields, checkEvidence("evidence", in.Evidence)...)
	fields = append(fields, checkNote(in.Note)...)
	if len(fields) > 0 {
		return Task{}, errs.Invalid(fields...)
	}
	defer s.locks.Lock("task:" + code)()
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.st.task(ctx, code)
		if err != nil {
			return Task{}, err
		}
		t := s.taskOf(d)
		ok, dept := mayReport(a, append(slices.Clone(t.Lead), t.Participants...))
		if !ok {
			return Task{}, ErrNotResponsible
		}
		if attempt == 0 {
			if err := s.claimEvidence(ctx, a, in.Evidence, "task", code); err != nil {
				return Task{}, err
			}
		}
		u := taskUpdateDoc{ID: "u_" + randomID(), Status: string(in.Status), Progress: *in.Progress, Note: strings.TrimSpace(in.Note),
			Evidence: nonNil(in.Evidence), By: whoDoc(who(a, dept)), At: s.now().UTC()}
		updates := append(slices.Clone(d.Updates), u)
		err = setIfVersion(ctx, s.st.tasks, code, d.Version, bson.D{{Key: "updates", Value: updates}})
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return Task{}, err
		}
		s.changed(ctx)
		_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "task.update", ObjectType: "task", ObjectID: code,
			Before: map[string]any{"status": string(t.Status), "progress": t.Progress},
			After:  map[string]any{"status": u.Status, "progress": u.Progress, "update_id": u.ID}})
		d.Updates = updates
		return s.taskOf(d), nil
	}
	return Task{}, errs.ErrConflict
}

// TaskCorrection is an admin's edit of a task's published text.
type TaskCorrection struct {
	Name, Description, Deadline *string
	Lead, Participants          *[]string
	Reason                      string
}

// CorrectTask applies an admin's correction; it survives reloads.
func (s *Service) CorrectTask(ctx context.Context, a account.Actor, code string, c TaskCorrection) (Task, error) {
	if !a.Is(account.RoleAdmin) {
		return Task{}, errs.ErrForbidden
	}
	var fields []errs.FieldError
	if strings.TrimSpace(c.Reason) == "" {
		fields = append(fields, errs.Field("reason", "required", "请说明更正原因"))
	}
	for name, v := range map[string]*string{"name": c.Name, "description": c.Description} {
		if v != nil && (strings.TrimSpace(*v) == "" || utf8.RuneCountInString(*v) > 2000) {
			fields = append(fields, errs.Field(name, "invalid", "不能为空，且不超过 2000 字"))
		}
	}
	if c.Deadline != nil {
		if _, _, err := assess.ParseDeadline(strings.TrimSpace(*c.Deadline)); err != nil {
			fields = append(fields, errs.Field("deadline", "invalid", "完成时限应为“2025年”或“持续推进”等"))
		}
	}
	if c.Lead != nil && len(*c.Lead) == 0 {
		fields = append(fields, errs.Field("lead", "required", "至少一个牵头单位"))
	}
	if c.Name == nil && c.Description == nil && c.Deadline == nil && c.Lead == nil && c.Participants == nil {
		fields = append(fields, errs.Field("", "empty", "没有要更正的内容"))
	}
	if len(fields) > 0 {
		return Task{}, errs.Invalid(fields...)
	}
	defer s.locks.Lock("task:" + code)()
	for attempt := 0; attempt < 5; attempt++ {
		d, err := s.st.task(ctx, code)
		if err != nil {
			return Task{}, err
		}
		before := s.taskOf(d)
		nc := d.Corrections
		for _, p := range []struct {
			dst **string
			v   *string
		}{{&nc.Name, c.Name}, {&nc.Description, c.Description}, {&nc.Deadline, c.Deadline}} {
			if p.v != nil {
				t := strings.TrimSpace(*p.v)
				*p.dst = &t
			}
		}
		if c.Lead != nil {
			l := slices.Clone(*c.Lead)
			nc.Lead = &l
		}
		if c.Participants != nil {
			l := slices.Clone(*c.Participants)
			nc.Participants = &l
		}
		err = setIfVersion(ctx, s.st.tasks, code, d.Version, bson.D{{Key: "corrections", Value: nc}})
		if errors.Is(err, errVersion) {
			continue
		}
		if err != nil {
			return Task{}, err
		}
		s.changed(ctx)
		d.Corrections = nc
		after := s.taskOf(d)
		_ = s.audit.Record(ctx, audit.Entry{Actor: a.AuditActor(), Action: "task.correct", ObjectType: "task", ObjectID: code,
			Before: taskText(before), After: map[string]any{"text": taskText(after), "reason": strings.TrimSpace(c.Reason)}})
		return after, nil
	}
	return Task{}, errs.ErrConflict
}

func taskText(t Task) map[string]any {
	return map[string]any{"name": t.Name, "description": t.Description, "lead": t.Lead, "participants": t.Participants, "deadline": t.Deadline}
}

// Department is one department named in the registry with its counts.
type Department struct {
	Name               string `json:"name"`
	Indicators         int    `json:"indicators"`
	TasksLead          int    `json:"tasks_lead"`
	TasksParticipating int    `json:"tasks_participating"`
}

// Departments lists every department named by an indicator or task, by name.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	inds, err := s.Indicators(ctx)
	if err != nil {
		return nil, err
	}
	tasks, err := s.Tasks(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string]*Department{}
	get := func(name string) *Department {
		if m[name] == nil {
			m[name] = &Department{Name: name}
		}
		return m[name]
	}
	for _, in := range inds {
		for _, d := range in.Departments {
			get(d).Indicators++
		}
	}
	for _, t := range tasks {
		for _, d := range t.Lead {
			get(d).TasksLead++
		}
		for _, d := range t.Participants {
			get(d).TasksParticipating++
		}
	}
	out := make([]Department, 0, len(m))
	for _, d := range m {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Department) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// HasDepartment reports whether name is a department of the registry.
func (s *Service) HasDepartment(ctx context.Context, name string) bool {
	deps, err := s.Departments(ctx)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(deps, func(d Department) bool { return d.Name == name })
}

// Counts are status counts.
type Counts map[string]int

// GroupCounts are the counts of one indicator group or task domain.
type GroupCounts struct {
	Name   string `json:"name"`
	Total  int    `json:"total"`
	Counts Counts `json:"counts"`
}

// Summary is the registry at a glance.
type Summary struct {
	Indicators struct {
		Total   int           `json:"total"`
		Counts  Counts        `json:"counts"`
		ByGroup []GroupCounts `json:"by_group"`
	} `json:"indicators"`
	Tasks struct {
		Total    int           `json:"total"`
		Counts   Counts        `json:"counts"`
		Overdue  int           `json:"overdue"`
		ByDomain []GroupCounts `json:"by_domain"`
	} `json:"tasks"`
}

var indicatorStatuses = []assess.Status{assess.StatusAchieved, assess.StatusOnTrack, assess.StatusAtRisk, assess.StatusLagging, assess.StatusNoData}
var taskStatuses = []assess.TaskStatus{assess.TaskNotStarted, assess.TaskInProgress, assess.TaskCompleted}

// Summarize counts statuses per indicator group, per task domain and overall.
func (s *Service) Summarize(ctx context.Context) (Summary, error) {
	var sum Summary
	inds, err := s.Indicators(ctx)
	if err != nil {
		return sum, err
	}
	tasks, err := s.Tasks(ctx)
	if err != nil {
		return sum, err
	}
	zero := func(keys ...string) Counts {
		c := Counts{}
		for _, k := range keys {
			c[k] = 0
		}
		return c
	}
	var indKeys, taskKeys []string
	for _, st := range indicatorStatuses {
		indKeys = append(indKeys, string(st))
	}
	for _, st := range taskStatuses {
		taskKeys = append(taskKeys, string(st))
	}
	taskKeys = append(taskKeys, "overdue")
	sum.Indicators.Counts = zero(indKeys...)
	sum.Tasks.Counts = zero(taskKeys...)
	group := func(list *[]GroupCounts, name string, keys []string) *GroupCounts {
		for i := range *list {
			if (*list)[i].Name == name {
				return &(*list)[i]
			}
		}
		*list = append(*list, GroupCounts{Name: name, Counts: zero(keys...)})
		return &(*list)[len(*list)-1]
	}
	for _, in := range inds {
		g := group(&sum.Indicators.ByGroup, in.Level1, indKeys)
		g.Total++
		g.Counts[string(in.Status)]++
		sum.Indicators.Total++
		sum.Indicators.Counts[string(in.Status)]++
	}
	for _, t := range tasks {
		g := group(&sum.Tasks.ByDomain, t.Domain, taskKeys)
		g.Total++
		g.Counts[string(t.Status)]++
		sum.Tasks.Total++
		sum.Tasks.Counts[string(t.Status)]++
		if t.Overdue {
			g.Counts["overdue"]++
			sum.Tasks.Counts["overdue"]++
			sum.Tasks.Overdue++
		}
	}
	return sum, nil
}

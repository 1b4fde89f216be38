package httpapi

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/registry/assess"
)

type targetDTO struct {
	Kind       string   `json:"kind"`
	Comparator string   `json:"comparator,omitempty"`
	Value      *float64 `json:"value"`
	Text       string   `json:"text"`
}

type whoDTO struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	Department string `json:"department,omitempty"`
}

type measurementDTO struct {
	ID           string         `json:"id"`
	Period       string         `json:"period"`
	Value        *float64       `json:"value"`
	Assessment   string         `json:"assessment,omitempty"`
	Note         string         `json:"note,omitempty"`
	Evidence     []string       `json:"evidence"`
	Source       string         `json:"source"`
	Provenance   map[string]any `json:"provenance,omitempty"`
	Supersedes   string         `json:"supersedes,omitempty"`
	SupersededBy string         `json:"superseded_by,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	By           whoDTO         `json:"by"`
	RecordedAt   time.Time      `json:"recorded_at"`
}

func toMeasurementDTO(m registry.Measurement) measurementDTO {
	return measurementDTO{ID: m.ID, Period: m.Period, Value: m.Value, Assessment: m.Assessment, Note: m.Note, Evidence: m.Evidence,
		Source: string(m.Source), Provenance: m.Provenance, Supersedes: m.Supersedes, SupersededBy: m.SupersededBy, Reason: m.Reason,
		By: whoDTO{Name: m.By.Name, Role: m.By.Role, Department: m.By.Department}, RecordedAt: m.RecordedAt}
}

type liveDTO struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type indicatorDTO struct {
	Code             string            `json:"code"`
	No               int               `json:"no"`
	Level1           string            `json:"level1"`
	Level2           string            `json:"level2"`
	Name             string            `json:"name"`
	NationalRequired bool              `json:"national_required"`
	CitySpecific     bool              `json:"city_specific"`
	Baseline2020     string            `json:"baseline_2020"`
	Target2025       string            `json:"target_2025"`
	Unit             string            `json:"unit"`
	Departments      []string          `json:"departments"`
	Direction        string            `json:"direction"`
	Target           targetDTO         `json:"target"`
	Live             *liveDTO          `json:"live"`
	LiveFigures      map[string]any    `json:"live_figures,omitempty"`
	Latest           *measurementDTO   `json:"latest"`
	Progress         *float64          `json:"progress"`
	Status           string            `json:"status"`
	Corrected        []string          `json:"corrected"`
	Measurements     *[]measurementDTO `json:"measurements,omitempty"`
}

func toIndicatorDTO(in registry.Indicator, history bool) indicatorDTO {
	d := indicatorDTO{Code: in.Code, No: in.No, Level1: in.Level1, Level2: in.Level2, Name: in.Name, NationalRequired: in.NationalRequired,
		CitySpecific: in.CitySpecific, Baseline2020: in.Baseline2020, Target2025: in.Target2025, Unit: in.Unit, Departments: in.Departments,
		Direction: string(in.Direction), Target: targetDTO{Kind: string(in.Target.Kind), Text: in.Target.Text},
		LiveFigures: in.LiveFigures, Progress: in.Progress, Status: string(in.Status), Corrected: in.Corrected}
	if in.Target.IsNumeric() {
		v := in.Target.Value
		d.Target.Comparator, d.Target.Value = string(in.Target.Comparator), &v
	}
	if d.Corrected == nil {
		d.Corrected = []string{}
	}
	if in.Live != nil {
		d.Live = &liveDTO{Kind: string(in.Live.Kind), Name: in.Live.Name}
	}
	if in.Latest != nil {
		m := toMeasurementDTO(*in.Latest)
		d.Latest = &m
	}
	if history {
		ms := []measurementDTO{}
		for _, m := range in.Measurements {
			ms = append(ms, toMeasurementDTO(m))
		}
		d.Measurements = &ms
	}
	return d
}

type taskUpdateDTO struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"`
	Progress float64   `json:"progress"`
	Note     string    `json:"note,omitempty"`
	Evidence []string  `json:"evidence"`
	By       whoDTO    `json:"by"`
	At       time.Time `json:"at"`
}

type taskDTO struct {
	Code         string           `json:"code"`
	Domain       string           `json:"domain"`
	No           int              `json:"no"`
	Name         string           `json:"name"`
	Description  string           `json:"description"`
	Lead         []string         `json:"lead"`
	Participants []string         `json:"participants"`
	Deadline     string           `json:"deadline"`
	Due          *string          `json:"due"`
	Continuous   bool             `json:"continuous"`
	Status       string           `json:"status"`
	Progress     float64          `json:"progress"`
	Overdue      bool             `json:"overdue"`
	LatestUpdate *taskUpdateDTO   `json:"latest_update"`
	Corrected    []string         `json:"corrected"`
	Updates      *[]taskUpdateDTO `json:"updates,omitempty"`
}

var cst = time.FixedZone("CST", 8*3600)

func toTaskUpdateDTO(u registry.TaskUpdate) taskUpdateDTO {
	return taskUpdateDTO{ID: u.ID, Status: string(u.Status), Progress: u.Progress, Note: u.Note, Evidence: u.Evidence,
		By: whoDTO{Name: u.By.Name, Role: u.By.Role, Department: u.By.Department}, At: u.At}
}

func toTaskDTO(t registry.Task, history bool) taskDTO {
	d := taskDTO{Code: t.Code, Domain: t.Domain, No: t.No, Name: t.Name, Description: t.Description, Lead: t.Lead,
		Participants: t.Participants, Deadline: t.Deadline, Continuous: t.Continuous, Status: string(t.Status),
		Progress: t.Progress, Overdue: t.Overdue, Corrected: t.Corrected}
	if d.Corrected == nil {
		d.Corrected = []string{}
	}
	if t.Due != nil {
		s := t.Due.In(cst).Format("2006-01-02")
		d.Due = &s
	}
	if t.Latest != nil {
		u := toTaskUpdateDTO(*t.Latest)
		d.LatestUpdate = &u
	}
	if history {
		us := []taskUpdateDTO{}
		for _, u := range t.Updates {
			us = append(us, toTaskUpdateDTO(u))
		}
		d.Updates = &us
	}
	return d
}

// queryBool reads an optional true/false query parameter.
func queryBool(c *fiber.Ctx, name string) (*bool, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return nil, errs.Invalid(errs.Field(name, "invalid", name+" 须为 true 或 false"))
	}
	return &b, nil
}

func (s *Server) handleListIndicators(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	f := registry.IndicatorFilter{Level1: c.Query("level1"), Level2: c.Query("level2"), Department: c.Query("department"),
		Status: assess.Status(c.Query("status")), Query: c.Query("q")}
	if f.Status != "" && !f.Status.Valid() {
		return errs.Invalid(errs.Field("status", "invalid", "状态须为 achieved、on_track、at_risk、lagging 或 no_data"))
	}
	if f.NationalRequired, err = queryBool(c, "national_required"); err != nil {
		return err
	}
	items, next, err := s.Registry.ListIndicators(c.UserContext(), f, limit, cursor)
	if err != nil {
		return err
	}
	out := make([]indicatorDTO, len(items))
	for i, in := range items {
		out[i] = toIndicatorDTO(in, false)
	}
	return c.JSON(list(out, next))
}

func (s *Server) handleGetIndicator(c *fiber.Ctx) error {
	in, err := s.Registry.Indicator(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(toIndicatorDTO(in, true))
}

func (s *Server) handleAddMeasurement(c *fiber.Ctx) error {
	var in struct {
		Period     string   `json:"period"`
		Value      *float64 `json:"value"`
		Assessment string   `json:"assessment"`
		Note       string   `json:"note"`
		Evidence   []string `json:"evidence"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	m, err := s.Registry.RecordMeasurement(c.UserContext(), mustActor(c), c.Params("code"),
		registry.MeasurementInput{Period: in.Period, Value: in.Value, Assessment: in.Assessment, Note: in.Note, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toMeasurementDTO(m))
}

func (s *Server) handleCorrectIndicator(c *fiber.Ctx) error {
	var in struct {
		Level1       *string   `json:"level1"`
		Level2       *string   `json:"level2"`
		Name         *string   `json:"name"`
		Baseline2020 *string   `json:"baseline_2020"`
		Target2025   *string   `json:"target_2025"`
		Unit         *string   `json:"unit"`
		Departments  *[]string `json:"departments"`
		Direction    *string   `json:"direction"`
		Reason       string    `json:"reason"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	ind, err := s.Registry.CorrectIndicator(c.UserContext(), mustActor(c), c.Params("code"), registry.IndicatorCorrection{
		Level1: in.Level1, Level2: in.Level2, Name: in.Name, Baseline2020: in.Baseline2020, Target2025: in.Target2025,
		Unit: in.Unit, Departments: in.Departments, Direction: in.Direction, Reason: in.Reason})
	if err != nil {
		return err
	}
	return c.JSON(toIndicatorDTO(ind, true))
}

func (s *Server) handleListTasks(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	f := registry.TaskFilter{Domain: c.Query("domain"), Department: c.Query("department"), Status: assess.TaskStatus(c.Query("status")), Query: c.Query("q")}
	if f.Status != "" && !f.Status.Valid() {
		return errs.Invalid(errs.Field("status", "invalid", "状态须为 not_started、in_progress 或 completed"))
	}
	if f.Overdue, err = queryBool(c, "overdue"); err != nil {
		return err
	}
	if raw := c.Query("due_year"); raw != "" {
		y, err := strconv.Atoi(raw)
		if err != nil || y < 2000 || y > 2100 {
			return errs.Invalid(errs.Field("due_year", "invalid", "due_year 须为年份，如 2025"))
		}
		f.DueYear = y
	}
	items, next, err := s.Registry.ListTasks(c.UserContext(), f, limit, cursor)
	if err != nil {
		return err
	}
	out := make([]taskDTO, len(items))
	for i, t := range items {
		out[i] = toTaskDTO(t, false)
	}
	return c.JSON(list(out, next))
}

func (s *Server) handleGetTask(c *fiber.Ctx) error {
	t, err := s.Registry.Task(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(toTaskDTO(t, true))
}

func (s *Server) handleAddTaskUpdate(c *fiber.Ctx) error {
	var in struct {
		Status   string   `json:"status"`
		Progress *float64 `json:"progress"`
		Note     string   `json:"note"`
		Evidence []string `json:"evidence"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.Registry.UpdateTask(c.UserContext(), mustActor(c), c.Params("code"),
		registry.TaskUpdateInput{Status: assess.TaskStatus(in.Status), Progress: in.Progress, Note: in.Note, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toTaskDTO(t, true))
}

func (s *Server) handleCorrectTask(c *fiber.Ctx) error {
	var in struct {
		Name         *string   `json:"name"`
		Description  *string   `json:"description"`
		Lead         *[]string `json:"lead"`
		Participants *[]string `json:"participants"`
		Deadline     *string   `json:"deadline"`
		Reason       string    `json:"reason"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.Registry.CorrectTask(c.UserContext(), mustActor(c), c.Params("code"), registry.TaskCorrection{
		Name: in.Name, Description: in.Description, Lead: in.Lead, Participants: in.Participants, Deadline: in.Deadline, Reason: in.Reason})
	if err != nil {
		return err
	}
	return c.JSON(toTaskDTO(t, true))
}

func (s *Server) handleDepartments(c *fiber.Ctx) error {
	deps, err := s.Registry.Departments(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": deps})
}

func (s *Server) handleRegistrySummary(c *fiber.Ctx) error {
	sum, err := s.Registry.Summarize(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(sum)
}

func (s *Server) handleRegistryExport(c *fiber.Ctx) error {
	format := c.Query("format", "xlsx")
	stamp := time.Now().In(cst).Format("20060102")
	var buf bytes.Buffer
	switch format {
	case "xlsx":
		if err := s.Registry.ExportXLSX(c.UserContext(), &buf); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Set(fiber.HeaderContentDisposition, contentDisposition("无废城市指标任务_"+stamp+".xlsx"))
	case "csv":
		table := c.Query("table", "indicators")
		if table != "indicators" && table != "tasks" {
			return errs.Invalid(errs.Field("table", "invalid", "table 须为 indicators 或 tasks"))
		}
		if err := s.Registry.ExportCSV(c.UserContext(), &buf, table); err != nil {
			return err
		}
		name := map[string]string{"indicators": "无废城市指标_", "tasks": "无废城市任务_"}[table]
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		c.Set(fiber.HeaderContentDisposition, contentDisposition(name+stamp+".csv"))
	default:
		return errs.Invalid(errs.Field("format", "invalid", "format 须为 xlsx 或 csv"))
	}
	return c.Send(buf.Bytes())
}

package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/survey"
)

// ---- wire shapes ------------------------------------------------------------

type optionDTO struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type showIfDTO struct {
	Question string   `json:"question"`
	In       []string `json:"in"`
}

type questionDTO struct {
	ID          string      `json:"id"`
	Type        string      `json:"type"`
	Title       string      `json:"title"`
	Options     []optionDTO `json:"options,omitempty"`
	Required    bool        `json:"required"`
	ShowIf      *showIfDTO  `json:"show_if,omitempty"`
	Expect      string      `json:"expect,omitempty"`
	MaxLength   int         `json:"max_length,omitempty"`
	Demographic string      `json:"demographic,omitempty"`
}

type measuresDTO struct {
	Satisfaction        string   `json:"satisfaction,omitempty"`
	SatisfactionMeasure string   `json:"satisfaction_measure,omitempty"`
	Awareness           []string `json:"awareness,omitempty"`
	AwarenessYes        []string `json:"awareness_yes,omitempty"`
}

// surveyInput is the body of create (all of it) and of patch (any part).
type surveyInput struct {
	Title               *string         `json:"title"`
	Description         *string         `json:"description"`
	OpensAt             *string         `json:"opens_at"`
	ClosesAt            *string         `json:"closes_at"`
	Questions           *[]questionDTO  `json:"questions"`
	Quotas              *map[string]int `json:"quotas"`
	Measures            *measuresDTO    `json:"measures"`
	MinSecondsPerAnswer *float64        `json:"min_seconds_per_answer"`
}

type surveyDTO struct {
	ID                  string         `json:"id"`
	Family              string         `json:"family"`
	Version             int            `json:"version"`
	Previous            string         `json:"previous,omitempty"`
	Status              string         `json:"status"`
	Open                bool           `json:"open"`
	Title               string         `json:"title"`
	Description         string         `json:"description"`
	OpensAt             time.Time      `json:"opens_at"`
	ClosesAt            time.Time      `json:"closes_at"`
	Questions           []questionDTO  `json:"questions"`
	Quotas              map[string]int `json:"quotas"`
	Measures            measuresDTO    `json:"measures"`
	MinSecondsPerAnswer float64        `json:"min_seconds_per_answer"`
	CreatedAt           time.Time      `json:"created_at"`
	UpdatedAt           time.Time      `json:"updated_at"`
	PublishedAt         *time.Time     `json:"published_at,omitempty"`
	ClosedAt            *time.Time     `json:"closed_at,omitempty"`
}

func fromQuestionDTO(q questionDTO) survey.Question {
	out := survey.Question{ID: q.ID, Type: survey.Type(q.Type), Title: q.Title, Required: q.Required, Expect: q.Expect,
		MaxLength: q.MaxLength, Demographic: q.Demographic}
	for _, o := range q.Options {
		out.Options = append(out.Options, survey.Option{Value: o.Value, Label: o.Label})
	}
	if q.ShowIf != nil {
		out.ShowIf = &survey.ShowIf{Question: q.ShowIf.Question, In: q.ShowIf.In}
	}
	return out
}

func toQuestionDTO(q survey.Question) questionDTO {
	out := questionDTO{ID: q.ID, Type: string(q.Type), Title: q.Title, Required: q.Required, Expect: q.Expect,
		MaxLength: q.MaxLength, Demographic: q.Demographic}
	for _, o := range q.Options {
		out.Options = append(out.Options, optionDTO{Value: o.Value, Label: o.Label})
	}
	if q.ShowIf != nil {
		out.ShowIf = &showIfDTO{Question: q.ShowIf.Question, In: q.ShowIf.In}
	}
	return out
}

func toSurveyDTO(sv *survey.Survey, now time.Time) surveyDTO {
	d := surveyDTO{ID: sv.ID, Family: sv.Family, Version: sv.Version, Previous: sv.Previous, Status: string(sv.Status), Open: sv.Open(now),
		Title: sv.Title, Description: sv.Description, OpensAt: sv.OpensAt.In(cst), ClosesAt: sv.ClosesAt.In(cst),
		Questions: []questionDTO{}, Quotas: sv.Quotas, MinSecondsPerAnswer: sv.MinSecondsPerAnswer,
		Measures: measuresDTO{Satisfaction: sv.Measures.Satisfaction, SatisfactionMeasure: sv.Measures.SatisfactionMeasure,
			Awareness: sv.Measures.Awareness, AwarenessYes: sv.Measures.AwarenessYes},
		CreatedAt: sv.CreatedAt.In(cst), UpdatedAt: sv.UpdatedAt.In(cst)}
	if d.Quotas == nil {
		d.Quotas = map[string]int{}
	}
	for _, q := range sv.Questions {
		d.Questions = append(d.Questions, toQuestionDTO(q))
	}
	if sv.PublishedAt != nil {
		t := sv.PublishedAt.In(cst)
		d.PublishedAt = &t
	}
	if sv.ClosedAt != nil {
		t := sv.ClosedAt.In(cst)
		d.ClosedAt = &t
	}
	return d
}

// toPatch converts the wire body; times must be RFC 3339 with an offset.
func (in surveyInput) toPatch() (survey.Patch, error) {
	p := survey.Patch{Title: in.Title, Description: in.Description, Quotas: in.Quotas, MinSecondsPerAnswer: in.MinSecondsPerAnswer}
	var fe []errs.FieldError
	parse := func(field string, v *string) *time.Time {
		if v == nil {
			return nil
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			fe = append(fe, errs.Field(field, "invalid_time", "时间须为带时区的 RFC 3339 格式，如 2026-01-01T00:00:00+08:00"))
			return nil
		}
		return &t
	}
	p.OpensAt, p.ClosesAt = parse("opens_at", in.OpensAt), parse("closes_at", in.ClosesAt)
	if in.Questions != nil {
		qs := make([]survey.Question, len(*in.Questions))
		for i, q := range *in.Questions {
			qs[i] = fromQuestionDTO(q)
		}
		p.Questions = &qs
	}
	if in.Measures != nil {
		m := survey.Measures{Satisfaction: in.Measures.Satisfaction, SatisfactionMeasure: in.Measures.SatisfactionMeasure,
			Awareness: in.Measures.Awareness, AwarenessYes: in.Measures.AwarenessYes}
		p.Measures = &m
	}
	if len(fe) > 0 {
		return p, errs.Invalid(fe...)
	}
	return p, nil
}

// ---- design -------------------------------------------------------------------

func (s *Server) handleCreateSurvey(c *fiber.Ctx) error {
	var in surveyInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := in.toPatch()
	if err != nil {
		return err
	}
	var d survey.Definition
	p.ApplyTo(&d)
	sv, err := s.Surveys.Create(c.UserContext(), mustActor(c), d)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toSurveyDTO(sv, time.Now()))
}

func (s *Server) handleUpdateSurvey(c *fiber.Ctx) error {
	var in surveyInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := in.toPatch()
	if err != nil {
		return err
	}
	sv, err := s.Surveys.Update(c.UserContext(), mustActor(c), c.Params("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(toSurveyDTO(sv, time.Now()))
}

func (s *Server) handlePublishSurvey(c *fiber.Ctx) error {
	sv, err := s.Surveys.Publish(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toSurveyDTO(sv, time.Now()))
}

func (s *Server) handleCloseSurvey(c *fiber.Ctx) error {
	sv, err := s.Surveys.CloseSurvey(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toSurveyDTO(sv, time.Now()))
}

func (s *Server) handleNewSurveyVersion(c *fiber.Ctx) error {
	sv, err := s.Surveys.NewVersion(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toSurveyDTO(sv, time.Now()))
}

func (s *Server) handleListSurveys(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.Surveys.List(c.UserContext(), mustActor(c), c.Query("status"), limit, cursor)
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]surveyDTO, len(items))
	for i, sv := range items {
		out[i] = toSurveyDTO(sv, now)
	}
	return c.JSON(list(out, next))
}

func (s *Server) handleGetSurvey(c *fiber.Ctx) error {
	sv, err := s.Surveys.Get(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toSurveyDTO(sv, time.Now()))
}

// ---- answering ------------------------------------------------------------------

func (s *Server) handleStartSurvey(c *fiber.Ctx) error {
	token, err := s.Surveys.Start(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"start_token": token})
}

type responseInput struct {
	Answers    map[string]any `json:"answers"`
	District   string         `json:"district"`
	StartToken string         `json:"start_token"`
}

func (s *Server) handleSubmitResponse(c *fiber.Ctx) error {
	var in responseInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := s.Surveys.Submit(c.UserContext(), mustActor(c), c.Params("id"), survey.Submission{
		Answers: in.Answers, District: in.District, StartToken: in.StartToken, ClientIP: s.clientIP(c)})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

// ---- evaluation -------------------------------------------------------------------

func (s *Server) handleSurveyStats(c *fiber.Ctx) error {
	opt := survey.StatsOptions{}
	switch c.Query("source", "tallies") {
	case "tallies":
	case "responses":
		opt.Recompute = true
	default:
		return errs.Invalid(errs.Field("source", "invalid", "source 须为 tallies 或 responses"))
	}
	if r := c.Query("rake"); r != "" {
		parts := strings.Split(r, ",")
		for _, p := range parts {
			if p != "sex" && p != "age" {
				return errs.Invalid(errs.Field("rake", "invalid", "rake 须为 sex,age"))
			}
		}
		// Raking always uses both margins the survey asks; it needs every
		// respondent's cell, which only the stored responses have.
		opt.Rake = true
	}
	st, err := s.Surveys.Stats(c.UserContext(), c.Params("id"), opt)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

type signoffInput struct {
	Measure string `json:"measure"`
	Period  string `json:"period"`
	Note    string `json:"note"`
	Reason  string `json:"reason"`
}

func (s *Server) handleSurveySignoff(c *fiber.Ctx) error {
	var in signoffInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	so, err := s.Surveys.Signoff(c.UserContext(), mustActor(c), c.Params("id"), survey.SignoffInput{
		Measure: in.Measure, Period: in.Period, Note: in.Note, Reason: in.Reason})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"indicator": so.Indicator, "measurement": toMeasurementDTO(so.Measurement),
		"export_sha256": so.ExportSHA256})
}

func (s *Server) handleRebuildSurveyTallies(c *fiber.Ctx) error {
	id := c.Params("id")
	n, err := s.Surveys.RebuildTallies(c.UserContext(), mustActor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"survey_id": id, "responses": n})
}

// handleSurveyExport writes the export to a temporary file while hashing
// it, then streams the file: memory stays flat however large the survey,
// and the SHA-256 goes out in a header before the body.
func (s *Server) handleSurveyExport(c *fiber.Ctx) error {
	format := c.Query("format", survey.FormatCSV)
	var ctype string
	switch format {
	case survey.FormatCSV:
		ctype = "text/csv; charset=utf-8"
	case survey.FormatXLSX:
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	default:
		return errs.Invalid(errs.Field("format", "invalid", "format 须为 csv 或 xlsx"))
	}
	f, err := os.CreateTemp("", "wufei-survey-export-*")
	if err != nil {
		return err
	}
	tmp := &tempFile{File: f}
	h := sha256.New()
	id := c.Params("id")
	if _, err := s.Surveys.Export(c.UserContext(), id, format, io.MultiWriter(f, h)); err != nil {
		_ = tmp.Close()
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = tmp.Close()
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, contentDisposition("问卷数据_"+id+"."+format))
	c.Set("X-Content-SHA256", hex.EncodeToString(h.Sum(nil)))
	// fasthttp closes the stream after sending it, which removes the file.
	return c.SendStream(tmp, int(size))
}

// tempFile removes itself when closed.
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	_ = os.Remove(t.File.Name())
	return err
}

package httpapi

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/cell"
)

// ---- wire shapes --------------------------------------------------------------

type cellUnitIn struct {
	Name         string   `json:"name"`
	CreditCode   string   `json:"credit_code"`
	Type         string   `json:"type"`
	District     string   `json:"district"`
	Address      string   `json:"address"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
	ContactName  string   `json:"contact_name"`
	ContactPhone string   `json:"contact_phone"`
}

func (u cellUnitIn) input() cell.UnitInput {
	return cell.UnitInput{Name: u.Name, CreditCode: u.CreditCode, Type: u.Type, District: u.District, Address: u.Address,
		Lat: u.Lat, Lng: u.Lng, ContactName: u.ContactName, ContactPhone: u.ContactPhone}
}

type cellItemIn struct {
	Score    *float64 `json:"score"`
	Evidence []string `json:"evidence"`
}

func cellItems(m map[string]*cellItemIn) map[string]*cell.ItemInput {
	out := map[string]*cell.ItemInput{}
	for k, v := range m {
		if v == nil {
			out[k] = nil
			continue
		}
		out[k] = &cell.ItemInput{Score: v.Score, Evidence: v.Evidence}
	}
	return out
}

type cellObjectionDTO struct {
	ID         string    `json:"id"`
	Text       string    `json:"text"`
	By         *cell.Who `json:"by,omitempty"` // the admin only
	At         string    `json:"at"`
	Status     string    `json:"status"`
	Resolution string    `json:"resolution,omitempty"`
	ResolvedBy *cell.Who `json:"resolved_by,omitempty"`
	ResolvedAt *string   `json:"resolved_at,omitempty"`
}

type cellApplicationDTO struct {
	cell.Application
	Objections []cellObjectionDTO  `json:"objections"`
	History    []cell.HistoryEntry `json:"history"`
	TypeName   string              `json:"type_name"`
	PassMark   float64             `json:"pass_mark"`
}

// objector hides who objected from everyone but the admin: objections are
// open to the public, and the unit must not learn who raised one.
var objector = cell.Who{Name: "公众", Role: "public"}

func (s *Server) toCellDTO(a account.Actor, app cell.Application) cellApplicationDTO {
	d := cellApplicationDTO{Application: app, Objections: []cellObjectionDTO{}, History: []cell.HistoryEntry{}}
	if t, ok := s.Cells.Rubrics().Type(app.Unit.Type); ok {
		d.TypeName, d.PassMark = t.Name, t.PassMark
	}
	admin := a.Is(account.RoleAdmin)
	for _, o := range app.Objections {
		v := cellObjectionDTO{ID: o.ID, Text: o.Text, At: o.At.Format(timeFormat), Status: o.Status, Resolution: o.Resolution, ResolvedBy: o.ResolvedBy}
		if admin {
			by := o.By
			v.By = &by
		}
		if o.ResolvedAt != nil {
			at := o.ResolvedAt.Format(timeFormat)
			v.ResolvedAt = &at
		}
		d.Objections = append(d.Objections, v)
	}
	for _, h := range app.History {
		if h.Action == cell.ActObject && !admin {
			h.By = objector
		}
		d.History = append(d.History, h)
	}
	return d
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

type cellReviewIn struct {
	Decision string             `json:"decision"`
	Scores   map[string]float64 `json:"scores"`
	Comment  string             `json:"comment"`
}

// ---- handlers -------------------------------------------------------------------

func (s *Server) handleCellTypes(c *fiber.Ctx) error {
	r := s.Cells.Rubrics()
	return c.JSON(fiber.Map{"items": r.Types, "defaults": r.Default,
		"note": "评分细则为默认值：尚无官方发布的评分标准，正式使用前请由市无废办确认"})
}

func (s *Server) handleListCellApplications(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	a := mustActor(c)
	items, next, err := s.Cells.List(c.UserContext(), a, cell.Filter{Status: c.Query("status"), Type: c.Query("type"), District: c.Query("district")}, limit, cursor)
	if err != nil {
		return err
	}
	out := make([]cellApplicationDTO, len(items))
	for i, it := range items {
		out[i] = s.toCellDTO(a, it)
	}
	return c.JSON(list(out, next))
}

func (s *Server) handleCreateCellApplication(c *fiber.Ctx) error {
	var in struct {
		Unit           cellUnitIn             `json:"unit"`
		SelfAssessment map[string]*cellItemIn `json:"self_assessment"`
		Renews         string                 `json:"renews"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	a := mustActor(c)
	app, err := s.Cells.Create(c.UserContext(), a, cell.CreateInput{Unit: in.Unit.input(), SelfAssessment: cellItems(in.SelfAssessment), Renews: in.Renews})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(s.toCellDTO(a, app))
}

func (s *Server) handleGetCellApplication(c *fiber.Ctx) error {
	a := mustActor(c)
	app, err := s.Cells.Get(c.UserContext(), a, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.toCellDTO(a, app))
}

func (s *Server) handlePatchCellApplication(c *fiber.Ctx) error {
	var in struct {
		Unit           *cellUnitIn            `json:"unit"`
		SelfAssessment map[string]*cellItemIn `json:"self_assessment"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	p := cell.PatchInput{SelfAssessment: cellItems(in.SelfAssessment)}
	if in.Unit != nil {
		u := in.Unit.input()
		p.Unit = &u
	}
	a := mustActor(c)
	app, err := s.Cells.Update(c.UserContext(), a, c.Params("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(s.toCellDTO(a, app))
}

// cellMove runs a move that returns the application.
func (s *Server) cellMove(c *fiber.Ctx, fn func(a account.Actor, id string) (cell.Application, error)) error {
	a := mustActor(c)
	app, err := fn(a, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.toCellDTO(a, app))
}

func (s *Server) handleSubmitCellApplication(c *fiber.Ctx) error {
	return s.cellMove(c, func(a account.Actor, id string) (cell.Application, error) {
		return s.Cells.Submit(c.UserContext(), a, id)
	})
}

func (s *Server) handleWithdrawCellApplication(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		if err := s.decodeJSON(c, &in); err != nil {
			return err
		}
	}
	return s.cellMove(c, func(a account.Actor, id string) (cell.Application, error) {
		return s.Cells.Withdraw(c.UserContext(), a, id, in.Reason)
	})
}

func (s *Server) cellReview(c *fiber.Ctx, fn func(a account.Actor, id string, in cell.ReviewInput) (cell.Application, error)) error {
	var in cellReviewIn
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	return s.cellMove(c, func(a account.Actor, id string) (cell.Application, error) {
		return fn(a, id, cell.ReviewInput{Decision: in.Decision, Scores: in.Scores, Comment: in.Comment})
	})
}

func (s *Server) handleCellDistrictReview(c *fiber.Ctx) error {
	return s.cellReview(c, func(a account.Actor, id string, in cell.ReviewInput) (cell.Application, error) {
		return s.Cells.DistrictReview(c.UserContext(), a, id, in)
	})
}

func (s *Server) handleCellCityReview(c *fiber.Ctx) error {
	return s.cellReview(c, func(a account.Actor, id string, in cell.ReviewInput) (cell.Application, error) {
		return s.Cells.CityReview(c.UserContext(), a, id, in)
	})
}

func (s *Server) handleCellObjection(c *fiber.Ctx) error {
	var in struct {
		Text string `json:"text"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	a := mustActor(c)
	_, o, err := s.Cells.Object(c.UserContext(), a, c.Params("id"), in.Text)
	if err != nil {
		return err
	}
	// The objector learns only that the objection is recorded.
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": o.ID, "status": o.Status, "at": o.At})
}

func (s *Server) handleResolveCellObjection(c *fiber.Ctx) error {
	var in struct {
		Decision   string `json:"decision"`
		Resolution string `json:"resolution"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	return s.cellMove(c, func(a account.Actor, id string) (cell.Application, error) {
		return s.Cells.ResolveObjection(c.UserContext(), a, id, c.Params("oid"), in.Decision, in.Resolution)
	})
}

func (s *Server) handleCertifyCell(c *fiber.Ctx) error {
	cert, err := s.Cells.Certify(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cert)
}

func (s *Server) handleCellPublicity(c *fiber.Ctx) error {
	items, err := s.Cells.Publicity(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) handleCertifiedCells(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	items, next, counts, err := s.Cells.Certified(c.UserContext(), cell.Filter{Type: c.Query("type"), District: c.Query("district")}, limit, cursor)
	if err != nil {
		return err
	}
	if items == nil {
		items = []cell.Certificate{}
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next, "counts": counts})
}

func (s *Server) handleGetCertificate(c *fiber.Ctx) error {
	cert, err := s.Cells.Certificate(c.UserContext(), c.Params("number"))
	if err != nil {
		return err
	}
	return c.JSON(cert)
}

func (s *Server) handleCertificateQRCode(c *fiber.Ctx) error {
	img, err := s.Cells.QRCode(c.UserContext(), c.Params("number"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, http.DetectContentType(img))
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(img)
}

func (s *Server) handleRevokeCertificate(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	cert, err := s.Cells.Revoke(c.UserContext(), mustActor(c), c.Params("number"), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(cert)
}

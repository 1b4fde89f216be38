package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// complaintFiguresDTO are the counts and rates of one group; rates are
// percentages (0–100), null when there is nothing to divide by.
type complaintFiguresDTO struct {
	Submitted      int      `json:"submitted"`
	Accepted       int      `json:"accepted"`
	Closed         int      `json:"closed"`
	CompletionRate *float64 `json:"completion_rate"`
	Resolved       int      `json:"resolved"`
	OnTime         int      `json:"on_time"`
	OnTimeRate     *float64 `json:"on_time_rate"`
	Rated          int      `json:"rated"`
	AverageRating  *float64 `json:"average_rating"`
	Open           int      `json:"open"`
	OverdueOpen    int      `json:"overdue_open"`
}

func figuresDTO(f complaint.Figures) complaintFiguresDTO {
	return complaintFiguresDTO{Submitted: f.Submitted, Accepted: f.Accepted, Closed: f.Closed, CompletionRate: f.CompletionRate,
		Resolved: f.Resolved, OnTime: f.OnTime, OnTimeRate: f.OnTimeRate, Rated: f.Rated, AverageRating: f.AverageRating,
		Open: f.Open, OverdueOpen: f.OverdueOpen}
}

type departmentFiguresDTO struct {
	Code string `json:"code"`
	Name string `json:"name"`
	complaintFiguresDTO
}

type districtFiguresDTO struct {
	Adcode string `json:"adcode"`
	Name   string `json:"name"`
	complaintFiguresDTO
}

type trendPointDTO struct {
	Period      string `json:"period"`
	Submitted   int    `json:"submitted"`
	Accepted    int    `json:"accepted"`
	Closed      int    `json:"closed"`
	OverdueOpen int    `json:"overdue_open"`
}

type complaintStatsDTO struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Granularity string `json:"granularity"`
	complaintFiguresDTO
	ByDepartment []departmentFiguresDTO `json:"by_department"`
	ByDistrict   []districtFiguresDTO   `json:"by_district"`
	Trend        []trendPointDTO        `json:"trend"`
}

// parseDateParam reads a YYYY-MM-DD query parameter (CST date); nil when
// absent.
func parseDateParam(c *fiber.Ctx, name string) (*time.Time, error) {
	raw := c.Query(name)
	if raw == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, raw, cst)
	if err != nil {
		return nil, errs.Invalid(errs.Field(name, "invalid", name+" 须为日期，如 2026-11-23"))
	}
	return &t, nil
}

// handleComplaintStats answers the SLA statistics of a period (the
// console's dashboard): indicator 48's figures with the backlog, by
// department, by district and as a trend.
func (s *Server) handleComplaintStats(c *fiber.Ctx) error {
	q := complaint.StatsQuery{Granularity: complaint.Granularity(c.Query("granularity"))}
	from, err := parseDateParam(c, "from")
	if err != nil {
		return err
	}
	to, err := parseDateParam(c, "to")
	if err != nil {
		return err
	}
	if from != nil {
		q.From = *from
	}
	if to != nil {
		q.To = *to
	}
	st, err := s.Complaints.Stats(c.UserContext(), mustActor(c), q)
	if err != nil {
		return err
	}
	out := complaintStatsDTO{From: st.From, To: st.To, Granularity: string(st.Granularity), complaintFiguresDTO: figuresDTO(st.Figures),
		ByDepartment: []departmentFiguresDTO{}, ByDistrict: []districtFiguresDTO{}, Trend: []trendPointDTO{}}
	for _, g := range st.ByDepartment {
		out.ByDepartment = append(out.ByDepartment, departmentFiguresDTO{Code: g.Code, Name: g.Name, complaintFiguresDTO: figuresDTO(g.Figures)})
	}
	for _, g := range st.ByDistrict {
		out.ByDistrict = append(out.ByDistrict, districtFiguresDTO{Adcode: g.Code, Name: g.Name, complaintFiguresDTO: figuresDTO(g.Figures)})
	}
	for _, p := range st.Trend {
		out.Trend = append(out.Trend, trendPointDTO{Period: p.Period, Submitted: p.Submitted, Accepted: p.Accepted, Closed: p.Closed,
			OverdueOpen: p.OverdueOpen})
	}
	return c.JSON(out)
}

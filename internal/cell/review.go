package cell

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Review decisions.
const (
	DecisionPass   = "pass"
	DecisionReturn = "return"
	DecisionReject = "reject"
)

// ReviewInput is a district or city decision. Scores are the reviewer's own
// per item; a pass needs every item scored, the pass mark reached and no
// veto item unmet. Return and reject need a comment the applicant can act on.
type ReviewInput struct {
	Decision string
	Scores   map[string]float64
	Comment  string
}

func (s *Service) validateReview(t Type, in ReviewInput) (reviewDoc, error) {
	var fields []errs.FieldError
	switch in.Decision {
	case DecisionPass, DecisionReturn, DecisionReject:
	default:
		fields = append(fields, errs.Field("decision", "invalid", "decision 须为 pass、return 或 reject"))
	}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > 2000 {
		fields = append(fields, errs.Field("comment", "too_long", "意见不超过 2000 字"))
	} else if comment == "" && (in.Decision == DecisionReturn || in.Decision == DecisionReject) {
		fields = append(fields, errs.Field("comment", "required", "退回或不通过时须说明理由"))
	}
	for _, code := range sortedKeys(in.Scores) {
		v := in.Scores[code]
		it, ok := t.Item(code)
		if !ok {
			fields = append(fields, errs.Field("scores."+code, "unknown_item", "评分细则中没有此项"))
		} else if math.IsNaN(v) || v < 0 || v > it.MaxScore {
			fields = append(fields, errs.Field("scores."+code, "out_of_range", fmt.Sprintf("得分须在 0–%g 之间", it.MaxScore)))
		}
	}
	if len(fields) > 0 {
		return reviewDoc{}, errs.Invalid(fields...)
	}
	scores := map[string]float64{}
	for k, v := range in.Scores {
		scores[k] = v
	}
	total, veto := t.Score(scores)
	r := reviewDoc{Decision: in.Decision, Scores: scores, Total: total, VetoFailed: veto, Comment: comment}
	if in.Decision == DecisionPass {
		for _, it := range t.Items {
			if _, ok := scores[it.Code]; !ok {
				fields = append(fields, errs.Field("scores."+it.Code, "required", "通过时须对每一项评分"))
			}
		}
		for _, code := range veto {
			if _, ok := scores[code]; ok {
				fields = append(fields, errs.Field("scores."+code, "veto_failed", "一票否决项未满足，不能通过"))
			}
		}
		if len(fields) == 0 && total < t.PassMark {
			fields = append(fields, errs.Field("scores", "below_pass_mark", fmt.Sprintf("评审总分 %g 未达到认定分数线 %g", total, t.PassMark)))
		}
		if len(fields) > 0 {
			return reviewDoc{}, ErrReviewIncomplete.WithFields(fields...)
		}
	}
	return r, nil
}

var reviewActs = map[string][2]Action{
	DecisionPass:   {ActDistrictPass, ActCityPass},
	DecisionReturn: {ActDistrictReturn, ActCityReturn},
	DecisionReject: {ActDistrictReject, ActCityReject},
}

// DistrictReview is the first review, by staff of the unit's district.
func (s *Service) DistrictReview(ctx context.Context, a account.Actor, id string, in ReviewInput) (Application, error) {
	return s.review(ctx, a, id, in, 0)
}

// CityReview is the admin's review; a pass starts publicity.
func (s *Service) CityReview(ctx context.Context, a account.Actor, id string, in ReviewInput) (Application, error) {
	return s.review(ctx, a, id, in, 1)
}

func (s *Service) review(ctx context.Context, a account.Actor, id string, in ReviewInput, level int) (Application, error) {
	acts, ok := reviewActs[in.Decision]
	if !ok {
		return Application{}, errs.Invalid(errs.Field("decision", "invalid", "decision 须为 pass、return 或 reject"))
	}
	authorize := func(a account.Actor, d appDoc) error {
		if level == 0 && !a.HasDistrict(d.Unit.District) {
			return ErrNotYourDistrict
		}
		if level == 1 && !a.Is(account.RoleAdmin) {
			return errs.ErrForbidden
		}
		return nil
	}
	return s.change(ctx, a, id, acts[level], authorize, func(d *appDoc, now time.Time) (string, error) {
		t, _ := s.rubrics.Type(d.Unit.Type)
		r, err := s.validateReview(t, in)
		if err != nil {
			return "", err
		}
		r.By, r.At = whoOf(a), now
		if level == 0 {
			d.DistrictReview, d.CityReview = &r, nil
		} else {
			d.CityReview = &r
		}
		if level == 1 && in.Decision == DecisionPass {
			end := now.Add(time.Duration(s.days) * 24 * time.Hour)
			d.PublicityStart, d.PublicityEnd = &now, &end
			d.Objections = []objectionDoc{}
		}
		return r.Comment, nil
	})
}

// Object records an objection during publicity; anyone logged in may raise
// one, and it holds certification until the admin resolves it.
func (s *Service) Object(ctx context.Context, a account.Actor, id, text string) (Application, Objection, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 2000 {
		return Application{}, Objection{}, errs.Invalid(errs.Field("text", "invalid", "请填写异议内容（不超过 2000 字）"))
	}
	var o objectionDoc
	app, err := s.change(ctx, a, id, ActObject, func(account.Actor, appDoc) error { return nil }, func(d *appDoc, now time.Time) (string, error) {
		if d.PublicityEnd == nil || !now.Before(*d.PublicityEnd) {
			return "", ErrPublicityEnded
		}
		o = objectionDoc{ID: "ob_" + randomID(), Text: text, By: whoOf(a), At: now, Status: ObjectionOpen}
		d.Objections = append(d.Objections, o)
		return "", nil
	})
	if err != nil {
		return Application{}, Objection{}, err
	}
	return app, Objection{ID: o.ID, Text: o.Text, By: o.By.who(), At: o.At, Status: o.Status}, nil
}

// ResolveObjection is the admin's answer to an objection: dismissed, the
// application goes on; upheld, it is rejected.
func (s *Service) ResolveObjection(ctx context.Context, a account.Actor, id, objectionID, decision, resolution string) (Application, error) {
	resolution = strings.TrimSpace(resolution)
	var fields []errs.FieldError
	if decision != "dismiss" && decision != "uphold" {
		fields = append(fields, errs.Field("decision", "invalid", "decision 须为 dismiss 或 uphold"))
	}
	if resolution == "" || utf8.RuneCountInString(resolution) > 2000 {
		fields = append(fields, errs.Field("resolution", "required", "请填写处理意见（不超过 2000 字）"))
	}
	if len(fields) > 0 {
		return Application{}, errs.Invalid(fields...)
	}
	act := ActResolve
	if decision == "uphold" {
		act = ActUphold
	}
	return s.change(ctx, a, id, act, adminOnly, func(d *appDoc, now time.Time) (string, error) {
		for i := range d.Objections {
			o := &d.Objections[i]
			if o.ID != objectionID {
				continue
			}
			if o.Status != ObjectionOpen {
				return "", ErrObjectionResolved
			}
			o.Status, o.Resolution = ObjectionDismissed, resolution
			if decision == "uphold" {
				o.Status = ObjectionUpheld
			}
			w := whoOf(a)
			o.ResolvedBy, o.ResolvedAt = &w, &now
			return resolution, nil
		}
		return "", ErrObjectionNotFound
	})
}

func adminOnly(a account.Actor, _ appDoc) error {
	if !a.Is(account.RoleAdmin) {
		return errs.ErrForbidden
	}
	return nil
}

// Certify issues the certificate once publicity has ended with no open
// objection. The admin calls it at once; the periodic job calls it with the
// system actor (zero Actor).
func (s *Service) Certify(ctx context.Context, a account.Actor, id string) (Certificate, error) {
	var c certDoc
	authorize := adminOnly
	if a.UserID == "" {
		authorize = func(account.Actor, appDoc) error { return nil }
	}
	_, err := s.change(ctx, a, id, ActCertify, authorize, func(d *appDoc, now time.Time) (string, error) {
		if d.PublicityEnd == nil || now.Before(*d.PublicityEnd) {
			return "", ErrPublicityRunning.WithMessage(fmt.Sprintf("公示期至 %s 结束", d.PublicityEnd.In(shanghai).Format("2006-01-02 15:04")))
		}
		for _, o := range d.Objections {
			if o.Status == ObjectionOpen {
				return "", ErrObjectionOpen
			}
		}
		var err error
		c, err = s.issue(ctx, *d, now)
		if err != nil {
			return "", err
		}
		exp := c.ExpiresAt
		d.Certificate, d.CertExpires = c.ID, &exp
		return "证书编号 " + c.ID, nil
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.certView(c), nil
}

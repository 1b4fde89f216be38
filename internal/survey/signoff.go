package survey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/registry"
)

// Indicators signed from surveys.
const (
	IndicatorSatisfaction  = "I52"
	IndicatorAwareness     = "I50"
	IndicatorParticipation = "I51"
)

// SignoffInput is the evaluator's request.
type SignoffInput struct {
	Measure string // satisfaction or awareness
	Period  string
	Note    string
	// Reason is required when a signed value for the period exists: the new
	// one supersedes it.
	Reason string
}

// Signoff is the recorded measurement and what it rests on.
type Signoff struct {
	Indicator    string               `json:"indicator"`
	Measurement  registry.Measurement `json:"measurement"`
	ExportSHA256 string               `json:"export_sha256"`
}

// Signoff recomputes the official figure of a closed survey from its stored
// responses, hashes the CSV export it rests on, and records the value on
// I52 (satisfaction) or I50 (awareness) with its provenance. A sign-off for
// a period that already has one supersedes it and needs a reason.
func (s *Service) Signoff(ctx context.Context, a account.Actor, id string, in SignoffInput) (*Signoff, error) {
	if !a.Is(account.RoleEvaluator) {
		return nil, ErrSignoffNotAllowed
	}
	var code string
	switch in.Measure {
	case "satisfaction":
		code = IndicatorSatisfaction
	case "awareness":
		code = IndicatorAwareness
	default:
		return nil, errs.Invalid(errs.Field("measure", "invalid", "measure 须为 satisfaction 或 awareness"))
	}
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft || sv.Status == StatusPublished && s.now().Before(sv.ClosesAt) {
		return nil, ErrNotClosed
	}
	// One sign-off of an indicator at a time: the supersede decision reads
	// the current signed value and must not race another sign-off.
	defer s.locks.Lock("signoff:" + code)()
	h := sha256.New()
	st, err := s.Export(ctx, id, FormatCSV, h)
	if err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	ms := st.Satisfaction
	if code == IndicatorAwareness {
		ms = st.Awareness
	}
	if ms == nil {
		if (code == IndicatorSatisfaction && sv.Measures.Satisfaction == "") || (code == IndicatorAwareness && len(sv.Measures.Awareness) == 0) {
			return nil, ErrNoMeasure
		}
		return nil, ErrNoValidResponses
	}
	// Indicator values are in percent; a score is already on 0–100.
	value := ms.Weighted.Estimate
	if ms.Measure == MeasureRate {
		value *= 100
	}
	value = math.Round(value*100) / 100
	prov := map[string]any{
		"survey_id": sv.ID, "survey_version": sv.Version, "survey_family": sv.Family, "survey_title": sv.Title,
		"measure": in.Measure + "_" + ms.Measure, "questions": ms.Questions, "method": st.Method,
		"n": ms.Weighted.N, "n_eff": ms.Weighted.NEff, "estimate": ms.Weighted.Estimate,
		"ci_low": ms.Weighted.CILow, "ci_high": ms.Weighted.CIHigh,
		"unweighted_estimate": ms.Unweighted.Estimate, "n_total": st.NTotal, "n_valid": st.NValid,
		"exclusions": st.Excluded, "uncovered_districts": st.Weighting.Uncovered,
		"export_format": FormatCSV, "export_sha256": sum, "computed_at": st.ComputedAt.Format(time.RFC3339),
	}
	prev, err := s.currentSigned(ctx, code, strings.TrimSpace(in.Period))
	if err != nil {
		return nil, err
	}
	if prev != "" && strings.TrimSpace(in.Reason) == "" {
		return nil, errs.Invalid(errs.Field("reason", "required", "该周期已有签发数值，重新签发须说明原因"))
	}
	m, err := s.opt.Registry.RecordSignedOff(ctx, a, code, registry.SignedOff{Period: in.Period, Value: value, Note: in.Note,
		Provenance: prov, Supersedes: prev, Reason: in.Reason})
	if err != nil {
		return nil, err
	}
	return &Signoff{Indicator: code, Measurement: m, ExportSHA256: sum}, nil
}

// currentSigned returns the id of the signed, not superseded measurement of
// code for period, "" when none.
func (s *Service) currentSigned(ctx context.Context, code, period string) (string, error) {
	ind, err := s.opt.Registry.Indicator(ctx, code)
	if err != nil {
		return "", err
	}
	for _, m := range ind.Measurements {
		if m.Period == period && m.SupersededBy == "" && m.Source == registry.SourceEvaluator {
			return m.ID, nil
		}
	}
	return "", nil
}

// Participation is the I51 feed: respondents and responses per district
// over every published or closed survey, from the live tallies.
func (s *Service) Participation(ctx context.Context) (registry.FeedValue, error) {
	cur, err := s.st.surveys.Find(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []Status{StatusPublished, StatusClosed}}}}})
	if err != nil {
		return registry.FeedValue{}, err
	}
	var surveys []Survey
	if err := cur.All(ctx, &surveys); err != nil {
		return registry.FeedValue{}, err
	}
	var total, valid int64
	byDistrict := map[string]int64{}
	for _, sv := range surveys {
		t, err := s.liveCounts(ctx, sv.ID)
		if errors.Is(err, errTalliesIncomplete) {
			// Lost or being rebuilt: count the record instead.
			t, err = s.storedCounts(ctx, &sv)
		}
		if err != nil {
			return registry.FeedValue{}, err
		}
		total += t["n"]
		valid += t["v"]
		for _, d := range s.census.Districts {
			byDistrict[d.Adcode] += t["d:"+d.Adcode]
		}
	}
	var rows []map[string]any
	for _, d := range s.census.Districts {
		rows = append(rows, map[string]any{"adcode": d.Adcode, "name": d.Name, "responses": byDistrict[d.Adcode]})
	}
	now := s.now().UTC()
	return registry.FeedValue{Period: now.In(time.FixedZone("CST", 8*3600)).Format("2006"), AsOf: now, Details: map[string]any{
		"surveys": len(surveys), "survey_responses": total, "survey_valid_responses": valid, "responses_by_district": rows,
	}}, nil
}

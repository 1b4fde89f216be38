package survey

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/ordos-wufei/wufei/internal/stats"
	"github.com/ordos-wufei/wufei/internal/workday"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Export writes the survey's responses in format to w, streamed from the
// store: one row per response with the respondent's per-survey hash (never
// an openid), district, submission time, flags, weight and every answer as
// code and label. It returns the statistics the weights come from. CSV is
// UTF-8 with a BOM (Excel) and byte-for-byte reproducible while the
// responses do not change, which is what lets a sign-off cite its SHA-256.
func (s *Service) Export(ctx context.Context, id, format string, w io.Writer) (*Stats, error) {
	sv, err := s.st.survey(ctx, id)
	if err != nil {
		return nil, err
	}
	if sv.Status == StatusDraft {
		return nil, ErrNotPublished
	}
	st, err := s.Stats(ctx, id, StatsOptions{Recompute: true})
	if err != nil {
		return nil, err
	}
	switch format {
	case FormatCSV:
		return st, s.exportCSV(ctx, sv, st, w)
	case FormatXLSX:
		return st, s.exportXLSX(ctx, sv, st, w)
	}
	return nil, fmt.Errorf("survey export: unknown format %q", format)
}

func header(sv *Survey) []string {
	h := []string{"respondent", "district", "district_name", "submitted_at", "duration_seconds", "flags", "valid", "weight"}
	for _, q := range sv.Questions {
		h = append(h, q.ID, q.ID+"_label")
	}
	return h
}

func (s *Service) row(sv *Survey, st *Stats, r *Response) []string {
	d, _ := s.census.District(r.District)
	weight := ""
	if r.Valid() {
		c := cellKey{district: r.District, sex: r.Sex, age: r.Age}
		weight = strconv.FormatFloat(st.weights[c.String()], 'g', -1, 64)
	}
	valid := "0"
	if r.Valid() {
		valid = "1"
	}
	dur := r.SubmittedAt.Sub(r.StartedAt).Seconds()
	out := []string{r.Respondent, r.District, d.Name, r.SubmittedAt.In(workday.Location()).Format("2006-01-02T15:04:05.000-07:00"),
		strconv.FormatFloat(dur, 'f', 3, 64), strings.Join(r.Flags, ";"), valid, weight}
	for _, q := range sv.Questions {
		a, ok := r.Answers[q.ID]
		if !ok {
			out = append(out, "", "")
			continue
		}
		if q.Type == Text {
			out = append(out, safeCell(a.S), "")
			continue
		}
		vals := a.strings(q.Type)
		labels := make([]string, len(vals))
		for i, v := range vals {
			labels[i] = q.label(v, s.census)
		}
		out = append(out, strings.Join(vals, ";"), strings.Join(labels, ";"))
	}
	return out
}

// safeCell keeps a citizen's text from being run as a spreadsheet formula.
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *Service) exportCSV(ctx context.Context, sv *Survey, st *Stats, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(header(sv)); err != nil {
		return err
	}
	err := s.st.eachResponse(ctx, sv.ID, func(r *Response) error { return cw.Write(s.row(sv, st, r)) })
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func (s *Service) exportXLSX(ctx context.Context, sv *Survey, st *Stats, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheets := []string{"回答", "编码表", "加权汇总"}
	if err := f.SetSheetName("Sheet1", sheets[0]); err != nil {
		return err
	}
	for _, name := range sheets[1:] {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	writeRows := func(sheet string, fill func(add func(...any) error) error) error {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		r := 1
		add := func(vals ...any) error {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			r++
			return sw.SetRow(cell, vals)
		}
		if err := fill(add); err != nil {
			return err
		}
		return sw.Flush()
	}
	strs := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, v := range ss {
			out[i] = v
		}
		return out
	}
	err := writeRows(sheets[0], func(add func(...any) error) error {
		if err := add(strs(header(sv))...); err != nil {
			return err
		}
		return s.st.eachResponse(ctx, sv.ID, func(r *Response) error { return add(strs(s.row(sv, st, r))...) })
	})
	if err != nil {
		return err
	}
	err = writeRows(sheets[1], func(add func(...any) error) error {
		if err := add("question", "type", "title", "value", "label"); err != nil {
			return err
		}
		for _, q := range sv.Questions {
			vals := questionValues(q, s.census)
			if len(vals) == 0 {
				if err := add(q.ID, string(q.Type), q.Title, "", ""); err != nil {
					return err
				}
			}
			for _, v := range vals {
				if err := add(q.ID, string(q.Type), q.Title, v, q.label(v, s.census)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = writeRows(sheets[2], func(add func(...any) error) error {
		if err := add("measure", "district", "district_name", "n", "n_eff", "estimate", "ci_low", "ci_high", "unweighted", "weight", "flags"); err != nil {
			return err
		}
		for _, m := range []struct {
			name string
			ms   *MeasureStats
		}{{"satisfaction", st.Satisfaction}, {"awareness", st.Awareness}} {
			if m.ms == nil {
				continue
			}
			name := m.name + "_" + m.ms.Measure
			wf, uf := m.ms.Weighted, m.ms.Unweighted
			if err := add(name, "全市", "", wf.N, wf.NEff, wf.Estimate, wf.CILow, wf.CIHigh, uf.Estimate, "", strings.Join(m.ms.Flags, ";")); err != nil {
				return err
			}
			for _, d := range m.ms.ByDistrict {
				var fl []string
				if d.SmallSample {
					fl = append(fl, stats.FlagSmallSample)
				}
				if d.WideMargin {
					fl = append(fl, stats.FlagWideMargin)
				}
				if err := add(name, d.Adcode, d.Name, d.N, "", d.Estimate, d.CILow, d.CIHigh, "", d.Weight, strings.Join(fl, ";")); err != nil {
					return err
				}
			}
		}
		if err := add(); err != nil {
			return err
		}
		if err := add("method", st.Method); err != nil {
			return err
		}
		for _, wmsg := range st.Warnings {
			if err := add("warning", wmsg); err != nil {
				return err
			}
		}
		return add("n_total", st.NTotal, "n_valid", st.NValid)
	})
	if err != nil {
		return err
	}
	return f.Write(w)
}

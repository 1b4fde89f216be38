package registry

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ordos-wufei/wufei/internal/registry/assess"
)

// StatusLabels are the Chinese names of indicator and task statuses.
var StatusLabels = map[string]string{
	string(assess.StatusAchieved): "已达标", string(assess.StatusOnTrack): "进展正常", string(assess.StatusAtRisk): "存在风险",
	string(assess.StatusLagging): "滞后", string(assess.StatusNoData): "暂无数据",
	string(assess.TaskNotStarted): "未启动", string(assess.TaskInProgress): "推进中", string(assess.TaskCompleted): "已完成",
}

var directionLabels = map[assess.Direction]string{assess.Higher: "越高越好", assess.Lower: "越低越好"}

// IndicatorHeader and TaskHeader are the export columns.
var (
	IndicatorHeader = []string{"编码", "序号", "一级指标", "二级指标", "三级指标", "国家必选", "本市自创", "2020年现状值", "2025年目标值", "单位", "责任部门", "方向", "最新周期", "最新值", "人工评定", "数据来源", "进度(%)", "状态"}
	TaskHeader      = []string{"编码", "领域", "序号", "任务", "内容简介", "牵头单位", "参与单位", "完成时限", "截止日期", "状态", "进度(%)", "是否逾期", "最近更新"}
)

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// IndicatorRow is one indicator as export cells.
func IndicatorRow(in Indicator) []string {
	period, value, assessment, source := "", "", "", ""
	if in.Latest != nil {
		period, value, assessment, source = in.Latest.Period, num(in.Latest.Value), StatusLabels[in.Latest.Assessment], string(in.Latest.Source)
	}
	progress := ""
	if in.Progress != nil {
		progress = strconv.FormatFloat(round(*in.Progress, 1), 'f', -1, 64)
	}
	return []string{in.Code, strconv.Itoa(in.No), in.Level1, in.Level2, in.Name, yesNo(in.NationalRequired), yesNo(in.CitySpecific),
		in.Baseline2020, in.Target2025, in.Unit, strings.Join(in.Departments, "、"), directionLabels[in.Direction],
		period, value, assessment, source, progress, StatusLabels[string(in.Status)]}
}

// TaskRow is one task as export cells.
func TaskRow(t Task) []string {
	due, last := "", ""
	if t.Due != nil {
		due = t.Due.In(shanghai).Format("2006-01-02")
	}
	if t.Latest != nil {
		last = t.Latest.At.In(shanghai).Format(time.RFC3339)
	}
	return []string{t.Code, t.Domain, strconv.Itoa(t.No), t.Name, t.Description, strings.Join(t.Lead, "、"), strings.Join(t.Participants, "、"),
		t.Deadline, due, StatusLabels[string(t.Status)], strconv.FormatFloat(t.Progress, 'f', -1, 64), yesNo(t.Overdue), last}
}

// safeCell keeps spreadsheet programs from reading a cell as a formula.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + s
	case '-':
		if _, err := strconv.ParseFloat(s, 64); err != nil && s != "-" {
			return "'" + s
		}
	}
	return s
}

// ExportCSV writes one table ("indicators" or "tasks") as CSV in UTF-8
// with a byte-order mark, so Excel opens the Chinese text correctly.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, table string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	write := func(row []string) error {
		for i := range row {
			row[i] = safeCell(row[i])
		}
		return cw.Write(row)
	}
	switch table {
	case "indicators":
		inds, err := s.Indicators(ctx)
		if err != nil {
			return err
		}
		if err := write(append([]string{}, IndicatorHeader...)); err != nil {
			return err
		}
		for _, in := range inds {
			if err := write(IndicatorRow(in)); err != nil {
				return err
			}
		}
	case "tasks":
		tasks, err := s.Tasks(ctx)
		if err != nil {
			return err
		}
		if err := write(append([]string{}, TaskHeader...)); err != nil {
			return err
		}
		for _, t := range tasks {
			if err := write(TaskRow(t)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("export: unknown table %q", table)
	}
	cw.Flush()
	return cw.Error()
}

// Sheet names of the XLSX export.
const (
	SheetIndicators = "指标"
	SheetTasks      = "任务"
)

// ExportXLSX writes both tables as sheets of one workbook, with the
// stream writer so memory stays flat.
func (s *Service) ExportXLSX(ctx context.Context, w io.Writer) error {
	inds, err := s.Indicators(ctx)
	if err != nil {
		return err
	}
	tasks, err := s.Tasks(ctx)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetIndicators); err != nil {
		return err
	}
	if _, err := f.NewSheet(SheetTasks); err != nil {
		return err
	}
	writeSheet := func(sheet string, header []string, rows [][]string) error {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		put := func(r int, cells []string) error {
			vals := make([]any, len(cells))
			for i, c := range cells {
				vals[i] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, r)
			return sw.SetRow(cell, vals)
		}
		if err := put(1, header); err != nil {
			return err
		}
		for i, row := range rows {
			if err := put(i+2, row); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	var rows [][]string
	for _, in := range inds {
		rows = append(rows, IndicatorRow(in))
	}
	if err := writeSheet(SheetIndicators, IndicatorHeader, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, t := range tasks {
		rows = append(rows, TaskRow(t))
	}
	if err := writeSheet(SheetTasks, TaskHeader, rows); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

package survey

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/stats"
)

// Design limits.
const (
	MaxQuestions        = 100
	MaxOptions          = 50
	MaxTitle            = 200
	MaxDescription      = 2000
	DefaultTextLength   = 500
	MaxTextLength       = 2000
	minStraightLineItem = 5
)

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	valuePattern = regexp.MustCompile(`^[A-Za-z0-9_.+-]{1,32}$`)
)

var demographicValues = map[string][]string{
	"sex": {"male", "female"},
	"age": {"0-14", "15-59", "60+"},
}

// validateDefinition checks d against the census and returns every problem
// as a field error, so the console can mark them all at once.
func validateDefinition(d *Definition, census *stats.Census) error {
	var fe []errs.FieldError
	add := func(field, code, msg string) { fe = append(fe, errs.Field(field, code, msg)) }
	d.Title, d.Description = strings.TrimSpace(d.Title), strings.TrimSpace(d.Description)
	switch n := utf8.RuneCountInString(d.Title); {
	case n == 0:
		add("title", "required", "请填写问卷标题")
	case n > MaxTitle:
		add("title", "too_long", fmt.Sprintf("标题不能超过 %d 个字", MaxTitle))
	}
	if utf8.RuneCountInString(d.Description) > MaxDescription {
		add("description", "too_long", fmt.Sprintf("说明不能超过 %d 个字", MaxDescription))
	}
	if d.OpensAt.IsZero() {
		add("opens_at", "required", "请填写开始时间")
	}
	if d.ClosesAt.IsZero() {
		add("closes_at", "required", "请填写结束时间")
	} else if !d.OpensAt.IsZero() && !d.ClosesAt.After(d.OpensAt) {
		add("closes_at", "before_opens", "结束时间须晚于开始时间")
	}
	d.OpensAt, d.ClosesAt = d.OpensAt.UTC().Truncate(time.Millisecond), d.ClosesAt.UTC().Truncate(time.Millisecond)
	if d.MinSecondsPerAnswer == 0 {
		d.MinSecondsPerAnswer = DefaultMinSecondsPerAnswer
	}
	if d.MinSecondsPerAnswer < 0 || d.MinSecondsPerAnswer > 600 {
		add("min_seconds_per_answer", "out_of_range", "每题最短用时须在 0–600 秒之间")
	}

	switch {
	case len(d.Questions) == 0:
		add("questions", "required", "问卷至少需要一道题")
	case len(d.Questions) > MaxQuestions:
		add("questions", "too_many", fmt.Sprintf("题目不能超过 %d 道", MaxQuestions))
	}
	seen := map[string]int{}
	demographics := map[string]bool{}
	for i := range d.Questions {
		q := &d.Questions[i]
		f := fmt.Sprintf("questions[%d]", i)
		q.Title = strings.TrimSpace(q.Title)
		if !idPattern.MatchString(q.ID) {
			add(f+".id", "invalid", "题号须以小写字母开头，只含小写字母、数字和下划线，最长 32 位")
		} else if _, dup := seen[q.ID]; dup {
			add(f+".id", "duplicate", "题号重复")
		}
		if !slices.Contains(Types, q.Type) {
			add(f+".type", "invalid", "题型须为 single、multiple、likert5、rating10、text 或 district")
		}
		if q.Title == "" {
			add(f+".title", "required", "请填写题目")
		} else if utf8.RuneCountInString(q.Title) > MaxTitle {
			add(f+".title", "too_long", fmt.Sprintf("题目不能超过 %d 个字", MaxTitle))
		}
		if q.Type == Single || q.Type == Multiple {
			switch {
			case len(q.Options) < 2:
				add(f+".options", "too_few", "选择题至少需要两个选项")
			case len(q.Options) > MaxOptions:
				add(f+".options", "too_many", fmt.Sprintf("选项不能超过 %d 个", MaxOptions))
			}
			values := map[string]bool{}
			for j := range q.Options {
				o := &q.Options[j]
				of := fmt.Sprintf("%s.options[%d]", f, j)
				o.Label = strings.TrimSpace(o.Label)
				if !valuePattern.MatchString(o.Value) {
					add(of+".value", "invalid", "选项值只能含字母、数字和 _ . + -，最长 32 位")
				} else if values[o.Value] {
					add(of+".value", "duplicate", "选项值重复")
				}
				values[o.Value] = true
				if o.Label == "" || utf8.RuneCountInString(o.Label) > MaxTitle {
					add(of+".label", "invalid", "请填写选项文字（不超过 200 字）")
				}
			}
		} else if len(q.Options) > 0 {
			add(f+".options", "not_allowed", "只有单选题和多选题可以设置选项")
		}
		if q.Type == Text {
			if q.MaxLength == 0 {
				q.MaxLength = DefaultTextLength
			}
			if q.MaxLength < 1 || q.MaxLength > MaxTextLength {
				add(f+".max_length", "out_of_range", fmt.Sprintf("字数上限须在 1–%d 之间", MaxTextLength))
			}
		} else if q.MaxLength != 0 {
			add(f+".max_length", "not_allowed", "只有填空题可以设置字数上限")
		}
		if q.ShowIf != nil {
			j, ok := seen[q.ShowIf.Question]
			switch {
			case !ok:
				add(f+".show_if.question", "unknown_question", "显示条件须引用本题之前的题目")
			case d.Questions[j].Type == Text:
				add(f+".show_if.question", "invalid", "显示条件不能引用填空题")
			case len(q.ShowIf.In) == 0:
				add(f+".show_if.in", "required", "请填写显示条件的取值")
			default:
				for k, v := range q.ShowIf.In {
					if !d.Questions[j].validValue(v, census) {
						add(fmt.Sprintf("%s.show_if.in[%d]", f, k), "invalid_option", "取值不是所引用题目的有效答案")
					}
				}
			}
		}
		if q.Expect != "" {
			switch {
			case q.Type != Single && q.Type != Likert5 && q.Type != Rating10:
				add(f+".expect", "not_allowed", "注意力检测题须为单选、五级量表或十分制题")
			case !q.validValue(q.Expect, census):
				add(f+".expect", "invalid_option", "预期答案不是本题的有效答案")
			}
		}
		if q.Demographic != "" {
			want, ok := demographicValues[q.Demographic]
			switch {
			case !ok:
				add(f+".demographic", "invalid", "人口属性须为 sex 或 age")
			case q.Type != Single:
				add(f+".demographic", "not_allowed", "人口属性题须为单选题")
			case demographics[q.Demographic]:
				add(f+".demographic", "duplicate", "同一人口属性只能设置一道题")
			default:
				for j, o := range q.Options {
					if !slices.Contains(want, o.Value) {
						add(fmt.Sprintf("%s.options[%d].value", f, j), "invalid_option", "人口属性题的选项值须为 "+strings.Join(want, "、"))
					}
				}
			}
			demographics[q.Demographic] = true
		}
		if q.ID != "" {
			if _, dup := seen[q.ID]; !dup {
				seen[q.ID] = i
			}
		}
	}

	for adcode, n := range d.Quotas {
		if _, ok := census.District(adcode); !ok {
			add("quotas."+adcode, "unknown_district", "不是鄂尔多斯市的旗区代码")
		} else if n < 1 {
			add("quotas."+adcode, "out_of_range", "配额须为正整数")
		}
	}

	m := &d.Measures
	if m.Satisfaction != "" {
		j, ok := seen[m.Satisfaction]
		switch {
		case !ok:
			add("measures.satisfaction", "unknown_question", "满意度题目不存在")
		case d.Questions[j].Type != Likert5:
			add("measures.satisfaction", "invalid", "满意度须由五级量表题测量")
		case d.Questions[j].Expect != "":
			add("measures.satisfaction", "invalid", "注意力检测题不能作为测量题")
		}
	}
	switch m.SatisfactionMeasure {
	case "":
		if m.Satisfaction != "" {
			m.SatisfactionMeasure = MeasureRate
		}
	case MeasureRate, MeasureScore:
		if m.Satisfaction == "" {
			add("measures.satisfaction_measure", "not_allowed", "未设置满意度题目")
		}
	default:
		add("measures.satisfaction_measure", "invalid", "满意度口径须为 rate 或 score")
	}
	yesSeen := map[string]bool{}
	for k, id := range m.Awareness {
		f := fmt.Sprintf("measures.awareness[%d]", k)
		j, ok := seen[id]
		switch {
		case !ok:
			add(f, "unknown_question", "普及率题目不存在")
		case d.Questions[j].Type != Single && d.Questions[j].Type != Multiple:
			add(f, "invalid", "普及率须由单选或多选题测量")
		case d.Questions[j].Expect != "":
			add(f, "invalid", "注意力检测题不能作为测量题")
		case slices.Contains(m.Awareness[:k], id):
			add(f, "duplicate", "题目重复")
		default:
			for _, o := range d.Questions[j].Options {
				yesSeen[o.Value] = true
			}
		}
	}
	if len(m.Awareness) > 0 && len(m.AwarenessYes) == 0 {
		add("measures.awareness_yes", "required", "请填写表示“知晓”的选项值")
	}
	if len(m.Awareness) == 0 && len(m.AwarenessYes) > 0 {
		add("measures.awareness_yes", "not_allowed", "未设置普及率题目")
	}
	for k, v := range m.AwarenessYes {
		if len(m.Awareness) > 0 && !yesSeen[v] {
			add(fmt.Sprintf("measures.awareness_yes[%d]", k), "invalid_option", "不是普及率题目的选项")
		}
	}
	if len(fe) > 0 {
		return errs.Invalid(fe...)
	}
	return nil
}

// validValue reports whether v (written as a string) is a possible answer.
func (q Question) validValue(v string, census *stats.Census) bool {
	switch q.Type {
	case Single, Multiple:
		return slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == v })
	case Likert5:
		n, err := strconv.Atoi(v)
		return err == nil && n >= 1 && n <= 5
	case Rating10:
		n, err := strconv.Atoi(v)
		return err == nil && n >= 0 && n <= 10
	case District:
		_, ok := census.District(v)
		return ok
	}
	return false
}

// label returns the label of an option value, "" when there is none.
func (q Question) label(v string, census *stats.Census) string {
	switch q.Type {
	case Single, Multiple:
		for _, o := range q.Options {
			if o.Value == v {
				return o.Label
			}
		}
	case Likert5:
		n, _ := strconv.Atoi(v)
		return LikertLabels[n]
	case District:
		if d, ok := census.District(v); ok {
			return d.Name
		}
	}
	return ""
}

// strings returns the answer as the strings show_if and expect compare.
func (a Answer) strings(t Type) []string {
	switch t {
	case Likert5, Rating10:
		if a.N != nil {
			return []string{strconv.Itoa(*a.N)}
		}
	case Multiple:
		return a.L
	default:
		if a.S != "" {
			return []string{a.S}
		}
	}
	return nil
}

// shown reports whether q is shown given the answers so far.
func (s *Survey) shown(q Question, answers map[string]Answer) bool {
	if q.ShowIf == nil {
		return true
	}
	dep, ok := s.Question(q.ShowIf.Question)
	if !ok || !s.shown(dep, answers) {
		return false
	}
	a, ok := answers[dep.ID]
	if !ok {
		return false
	}
	for _, v := range a.strings(dep.Type) {
		if slices.Contains(q.ShowIf.In, v) {
			return true
		}
	}
	return false
}

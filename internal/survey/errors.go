package survey

import "github.com/ordos-wufei/wufei/internal/platform/errs"

// The area's errors.
var (
	ErrNotFound          = errs.New(errs.KindNotFound, "survey_not_found", "问卷不存在")
	ErrNotDraft          = errs.New(errs.KindFailedPrecondition, "survey_not_draft", "问卷已发布，不能修改；请创建新版本")
	ErrNotPublished      = errs.New(errs.KindFailedPrecondition, "survey_not_published", "问卷尚未发布")
	ErrNotOpen           = errs.New(errs.KindFailedPrecondition, "survey_not_open", "问卷当前不在答题时间内")
	ErrNotClosed         = errs.New(errs.KindFailedPrecondition, "survey_not_closed", "问卷结束后才能签发正式数值")
	ErrAlreadyResponded  = errs.New(errs.KindConflict, "already_responded", "您已提交过本问卷")
	ErrQuotaFull         = errs.New(errs.KindConflict, "quota_full", "该旗区的样本配额已满，感谢参与")
	ErrStartToken        = errs.New(errs.KindInvalid, "invalid_start_token", "答题凭证无效或已过期，请重新开始答题")
	ErrTextRejected      = errs.New(errs.KindUnprocessable, "text_rejected", "填写的内容未通过内容安全检查，请修改后再提交")
	ErrNotRespondent     = errs.New(errs.KindForbidden, "not_respondent", "只有市民可以答题")
	ErrNoMeasure         = errs.New(errs.KindFailedPrecondition, "measure_not_defined", "问卷未设置该测量题目")
	ErrNoValidResponses  = errs.New(errs.KindFailedPrecondition, "no_valid_responses", "没有有效回答，无法计算")
	ErrRateLimited       = errs.ErrRateLimited.WithMessage("提交过于频繁，请稍后再试")
	ErrSignoffNotAllowed = errs.New(errs.KindForbidden, "signoff_not_allowed", "只有第三方测评机构可以签发")
)

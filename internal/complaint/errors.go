package complaint

import "github.com/ordos-wufei/wufei/internal/platform/errs"

// The area's errors.
var (
	ErrNotFound            = errs.New(errs.KindNotFound, "complaint_not_found", "投诉不存在")
	ErrUnknownCategory     = errs.New(errs.KindNotFound, "category_not_found", "投诉类别不存在")
	ErrOutsideOrdos        = errs.New(errs.KindUnprocessable, "location_outside_ordos", "位置不在鄂尔多斯市范围内")
	ErrTextRejected        = errs.New(errs.KindUnprocessable, "content_rejected", "内容未通过安全检测，请修改后再提交")
	ErrWrongStatus         = errs.New(errs.KindFailedPrecondition, "invalid_status", "当前状态不允许此操作")
	ErrNotHandler          = errs.New(errs.KindForbidden, "not_handler", "该投诉未交办给您所在单位")
	ErrNotReporter         = errs.New(errs.KindForbidden, "not_reporter", "只有投诉人可以评价")
	ErrExtensionUsed       = errs.New(errs.KindFailedPrecondition, "extension_used", "每件投诉只能延期一次")
	ErrNoExtension         = errs.New(errs.KindFailedPrecondition, "no_extension_request", "没有待审批的延期申请")
	ErrMergeTarget         = errs.New(errs.KindUnprocessable, "invalid_merge_target", "只能合并到同类别、仍在办理的其他投诉")
	ErrBadCursor           = errs.New(errs.KindInvalid, "invalid_cursor", "分页游标无效")
	ErrInvalidAPIKey       = errs.New(errs.KindForbidden, "invalid_api_key", "API 密钥无效")
	ErrUnknownJurisdiction = errs.New(errs.KindNotFound, "jurisdiction_not_found", "jurisdiction_id 不存在")
)

package cell

import (
	"fmt"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// The area's errors.
var (
	ErrApplicationNotFound = errs.New(errs.KindNotFound, "application_not_found", "申报不存在")
	ErrCertificateNotFound = errs.New(errs.KindNotFound, "certificate_not_found", "证书不存在")
	ErrTypeNotFound        = errs.New(errs.KindNotFound, "cell_type_not_found", "无废细胞类型不存在")
	ErrWrongStatus         = errs.New(errs.KindFailedPrecondition, "invalid_status", "当前状态不允许此操作")
	ErrNotYourDistrict     = errs.New(errs.KindForbidden, "not_your_district", "该单位不在您负责的旗区")
	ErrNotApplicant        = errs.New(errs.KindForbidden, "not_applicant", "您不是该单位的申报人")
	ErrUnitBound           = errs.New(errs.KindForbidden, "unit_bound_to_others", "该单位已由其他账号申报，请联系其申报人")
	ErrInProgress          = errs.New(errs.KindConflict, "application_in_progress", "该单位已有进行中的申报")
	ErrPublicityRunning    = errs.New(errs.KindFailedPrecondition, "publicity_running", "公示期尚未结束")
	ErrPublicityEnded      = errs.New(errs.KindFailedPrecondition, "publicity_ended", "公示期已结束，不能再提出异议")
	ErrObjectionOpen       = errs.New(errs.KindFailedPrecondition, "objection_open", "有未处理的异议，暂不能认定")
	ErrObjectionNotFound   = errs.New(errs.KindNotFound, "objection_not_found", "异议不存在")
	ErrObjectionResolved   = errs.New(errs.KindConflict, "objection_resolved", "该异议已处理")
	ErrAlreadyRevoked      = errs.New(errs.KindConflict, "certificate_revoked", "证书已撤销")
	ErrNotRenewable        = errs.New(errs.KindFailedPrecondition, "not_renewable", "该证书不能续期")
	ErrSubmitIncomplete    = errs.New(errs.KindUnprocessable, "assessment_incomplete", "自评未完成或未达到认定标准")
	ErrReviewIncomplete    = errs.New(errs.KindUnprocessable, "review_not_passing", "评审得分未达到认定标准")
)

var statusNames = map[Status]string{
	StatusDraft: "草稿", StatusSubmitted: "待旗区审核", StatusDistrictPassed: "待市级审核", StatusReturned: "退回修改",
	StatusPublicity: "公示中", StatusCertified: "已认定", StatusRejected: "未通过", StatusWithdrawn: "已撤回",
	StatusRevoked: "已撤销", StatusExpired: "已过期",
}

// wrongStatus is the 409 for a move the current status does not allow; it
// names the current status so the client can refresh its view.
func wrongStatus(st Status) error {
	return ErrWrongStatus.WithMessage(fmt.Sprintf("当前状态为“%s”，不允许此操作", statusNames[st])).
		WithFields(errs.Field("status", string(st), "当前状态"))
}

// ErrAlreadyCertified refuses a second application while a certificate is
// valid: the unit renews it instead.
var ErrAlreadyCertified = errs.New(errs.KindConflict, "already_certified", "该单位已持有有效证书，请申请续期")

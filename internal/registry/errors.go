package registry

import "github.com/ordos-wufei/wufei/internal/platform/errs"

// The area's errors.
var (
	ErrIndicatorNotFound   = errs.New(errs.KindNotFound, "indicator_not_found", "指标不存在")
	ErrTaskNotFound        = errs.New(errs.KindNotFound, "task_not_found", "任务不存在")
	ErrNotResponsible      = errs.New(errs.KindForbidden, "not_responsible", "您所在部门不是该项的责任单位")
	ErrFedLive             = errs.New(errs.KindFailedPrecondition, "indicator_fed_live", "该指标由系统自动生成，不能手工填报")
	ErrMeasurementNotFound = errs.New(errs.KindNotFound, "measurement_not_found", "测量值不存在")
	ErrAlreadySuperseded   = errs.New(errs.KindConflict, "already_superseded", "该数值已被更正")
)

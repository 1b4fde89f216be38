package assess

import (
	"math"
	"strings"
	"unicode"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// ErrInvalidValue is wrapped by every error of CheckValue. It is an invalid
// input (HTTP 400); the returned error carries a Chinese message naming the
// problem and a field error on "value" with one of the ValueCode… codes.
var ErrInvalidValue = errs.New(errs.KindInvalid, "invalid_value", "指标数值不符合要求")

// Codes of the field error on "value", stable for clients.
const (
	ValueCodeNotFinite       = "not_finite"
	ValueCodeNegative        = "negative"
	ValueCodeOver100         = "over_100"
	ValueCodeNotInteger      = "not_integer"
	ValueCodeNegativeCount   = "negative_count"
	ValueCodeNegativePercent = "negative_percent"
)

// Chinese messages of the value errors, for the HTTP layer and the console.
const (
	MsgNotFinite       = "数值必须是有效的数字"
	MsgNegative        = "该指标的数值不能为负数"
	MsgOver100         = "百分比不能超过100"
	MsgNotInteger      = "数量必须是整数"
	MsgNegativeCount   = "数量不能为负数"
	MsgNegativePercent = "百分比不能为负数"
)

// CheckValue checks a reported value against its indicator's unit with the
// strict default rule; ValueRule.Check applies an indicator's override.
func CheckValue(unit string, target Target, v float64) error {
	return ValueRule{}.Check(unit, target, v)
}

// Check reports whether v is a possible value for an indicator with this
// unit and target, returning nil or an error wrapping ErrInvalidValue:
//
//   - NaN and infinities are never accepted;
//   - "%" (or "％"): within 0–100;
//   - "个" (a count): a whole number, not negative;
//   - every other unit (吨/万元, 万吨, 亿元, none): not negative.
//
// The rule's AllowNegative lifts the sign checks (a growth rate or a 下降幅度
// can fall below zero) and AllowOver100 the percentage ceiling. A numeric
// target above 100 or below zero widens the range the same way, so that a
// target can always be reached.
func (r ValueRule) Check(unit string, target Target, v float64) error {
	if !finite(v) {
		return valueError(ValueCodeNotFinite, MsgNotFinite)
	}
	if target.IsNumeric() && finite(target.Value) {
		r.AllowNegative = r.AllowNegative || target.Value < 0
		r.AllowOver100 = r.AllowOver100 || target.Value > 100
	}
	switch strings.TrimFunc(unit, unicode.IsSpace) {
	case "%", "％":
		if v < 0 && !r.AllowNegative {
			return valueError(ValueCodeNegativePercent, MsgNegativePercent)
		}
		if v > 100 && !r.AllowOver100 {
			return valueError(ValueCodeOver100, MsgOver100)
		}
	case "个":
		if v != math.Trunc(v) {
			return valueError(ValueCodeNotInteger, MsgNotInteger)
		}
		if v < 0 && !r.AllowNegative {
			return valueError(ValueCodeNegativeCount, MsgNegativeCount)
		}
	default:
		if v < 0 && !r.AllowNegative {
			return valueError(ValueCodeNegative, MsgNegative)
		}
	}
	return nil
}

// valueError builds the returned error: the sentinel with this problem's
// message, and the same as a field error so the client can place it.
func valueError(code, msg string) error {
	return ErrInvalidValue.WithMessage(msg).WithFields(errs.Field("value", code, msg))
}

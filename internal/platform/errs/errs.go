// Package errs defines the handful of error kinds the service distinguishes,
// and an Error type that carries a stable machine code, a Chinese message
// and per-field problems. Domain packages declare sentinels with New and wrap
// them with fmt.Errorf("...: %w", err); the HTTP layer maps the kind to a
// status with one function, so no handler decides statuses by itself.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds. Each implies one HTTP status (see internal/httpapi).
const (
	KindInternal           Kind = iota // a bug or an outage: 500
	KindInvalid                        // the input is wrong: 400
	KindUnauthenticated                // no valid credentials: 401
	KindForbidden                      // authenticated but not allowed: 403
	KindNotFound                       // no such object (or not visible): 404
	KindConflict                       // state changed or duplicate: 409
	KindTooLarge                       // body too large: 413
	KindUnsupportedMedia               // wrong content type: 415
	KindUnprocessable                  // well-formed but semantically refused: 422
	KindFailedPrecondition             // the object is not in a state that allows it: 409
	KindRateLimited                    // too many requests: 429
	KindUnavailable                    // a dependency is down: 503
)

// FieldError names one problem with one input field, e.g. {"answers.q3", "required"}.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// Error is an error with a kind, a stable snake_case code and a Chinese
// message safe to show to users. Errors with equal codes compare equal under
// errors.Is, so a sentinel matches every copy made by WithFields and friends.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfterSeconds is set on rate-limit errors.
	RetryAfterSeconds int
}

// New returns a sentinel error.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// WithFields returns a copy of e carrying the given field errors.
func (e *Error) WithFields(fields ...FieldError) *Error {
	c := *e
	c.Fields = append(append([]FieldError(nil), e.Fields...), fields...)
	return &c
}

// WithMessage returns a copy of e with another user-facing message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// WithRetryAfter returns a copy of e that tells the client when to retry.
func (e *Error) WithRetryAfter(seconds int) *Error {
	c := *e
	if seconds < 1 {
		seconds = 1
	}
	c.RetryAfterSeconds = seconds
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err, KindInternal when it has none.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// Common errors shared by every area.
var (
	ErrInvalidJSON      = New(KindInvalid, "invalid_json", "请求体不是有效的 JSON")
	ErrValidation       = New(KindInvalid, "validation_failed", "请求参数有误")
	ErrUnauthenticated  = New(KindUnauthenticated, "unauthenticated", "请先登录")
	ErrForbidden        = New(KindForbidden, "forbidden", "无权执行此操作")
	ErrNotFound         = New(KindNotFound, "not_found", "资源不存在")
	ErrConflict         = New(KindConflict, "conflict", "数据已被修改，请刷新后重试")
	ErrTooLarge         = New(KindTooLarge, "body_too_large", "请求体过大")
	ErrUnsupportedMedia = New(KindUnsupportedMedia, "unsupported_media_type", "不支持的内容类型")
	ErrRateLimited      = New(KindRateLimited, "rate_limited", "请求过于频繁，请稍后再试")
	ErrUnavailable      = New(KindUnavailable, "unavailable", "服务暂时不可用")
	ErrInternal         = New(KindInternal, "internal_error", "服务器内部错误")
)

// Invalid returns a validation error with the given field problems.
func Invalid(fields ...FieldError) *Error { return ErrValidation.WithFields(fields...) }

// Field is shorthand for a FieldError.
func Field(field, code, message string) FieldError {
	return FieldError{Field: field, Code: code, Message: message}
}

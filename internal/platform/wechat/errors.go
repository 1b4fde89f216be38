package wechat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/silenceper/wechat/v2/util"
)

var (
	// ErrInvalidCode means a login or phone-number code was rejected: unknown,
	// expired, already used, or (in development mode) not of the form
	// "dev:<openid>".
	ErrInvalidCode = errors.New("wechat: invalid code")

	// ErrInvalidInput means an argument was refused before anything was sent.
	ErrInvalidInput = errors.New("wechat: invalid input")

	// ErrSubscriptionRefused means the user has not granted (or has used up)
	// the subscription for that template; retrying will not help.
	ErrSubscriptionRefused = errors.New("wechat: user has not subscribed to the template")

	// ErrDevMode means the operation cannot be faked in development mode.
	ErrDevMode = errors.New("wechat: not available in development mode")
)

// WeChat errcodes this package acts on.
const (
	codeInvalidCredential  = 40001 // access_token invalid or not the latest
	codeInvalidCode        = 40029
	codeInvalidAccessToken = 40014
	codeCodeUsed           = 40163
	codeTokenExpired       = 42001
	codeRefusedSubscribe   = 43101
)

// APIError is a failure reported by WeChat itself: a non-zero errcode, kept
// with its errmsg. errors.Is maps the codes callers care about to
// ErrInvalidCode and ErrSubscriptionRefused.
type APIError struct {
	Op   string // our operation, such as "code2session"
	Code int64  // WeChat errcode
	Msg  string // WeChat errmsg, including its "rid"
}

// Error returns the operation, errcode and errmsg.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode=%d errmsg=%s", e.Op, e.Code, e.Msg)
}

// Is reports whether the errcode belongs to target's kind.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidCode:
		return e.Code == codeInvalidCode || e.Code == codeCodeUsed
	case ErrSubscriptionRefused:
		return e.Code == codeRefusedSubscribe
	}
	return false
}

// tokenRejected reports whether err says the access token is no longer good,
// in which case a fresh token and one retry are worth it.
func tokenRejected(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case codeInvalidCredential, codeInvalidAccessToken, codeTokenExpired:
		return true
	}
	return false
}

// sdkErrcode matches the errors the SDK formats as text instead of returning
// *util.CommonError (code2session and the token endpoints).
var sdkErrcode = regexp.MustCompile(`(?s)errcode=(-?\d+)\s*,\s*err(?:or)?msg=(.*)$`)

// wrap turns an SDK error into ours: an *APIError when WeChat answered with an
// errcode, otherwise the transport error with secrets removed from its text.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return err
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return &APIError{Op: op, Code: ce.ErrCode, Msg: ce.ErrMsg}
	}
	if m := sdkErrcode.FindStringSubmatch(err.Error()); m != nil {
		if code, perr := strconv.ParseInt(m[1], 10, 64); perr == nil && code != 0 {
			return &APIError{Op: op, Code: code, Msg: m[2]}
		}
	}
	return fmt.Errorf("wechat %s: %w", op, redact(err))
}

// secretParam matches the query parameters that must never reach a log: the
// SDK and net/http put the full URL, secret and token included, into errors.
var secretParam = regexp.MustCompile(`(secret|access_token|js_code)=[^&"\s]*`)

// redactedError has the message of err with secrets replaced; errors.Is and
// errors.As still see err (for context.DeadlineExceeded and the like).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error) error {
	msg := err.Error()
	clean := secretParam.ReplaceAllString(msg, "$1=REDACTED")
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

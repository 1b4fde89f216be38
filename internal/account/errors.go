package account

import "github.com/ordos-wufei/wufei/internal/platform/errs"

// The area's errors.
var (
	ErrInvalidCredentials = errs.New(errs.KindUnauthenticated, "invalid_credentials", "用户名或密码错误")
	ErrTooManyAttempts    = errs.New(errs.KindRateLimited, "too_many_attempts", "登录失败次数过多，请稍后再试")
	ErrDisabled           = errs.New(errs.KindForbidden, "account_disabled", "账号已停用")
	ErrUsernameTaken      = errs.New(errs.KindConflict, "username_taken", "用户名已存在")
	ErrUserNotFound       = errs.New(errs.KindNotFound, "user_not_found", "用户不存在")
	ErrSessionInvalid     = errs.New(errs.KindUnauthenticated, "session_invalid", "登录已失效，请重新登录")
	ErrWeChatLogin        = errs.New(errs.KindUnauthenticated, "wechat_login_failed", "微信登录失败，请重试")
)

package httpapi

import (
	"errors"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// statusOf is the one place where an error kind becomes an HTTP status.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.KindInvalid:
		return fiber.StatusBadRequest
	case errs.KindUnauthenticated:
		return fiber.StatusUnauthorized
	case errs.KindForbidden:
		return fiber.StatusForbidden
	case errs.KindNotFound:
		return fiber.StatusNotFound
	case errs.KindConflict, errs.KindFailedPrecondition:
		return fiber.StatusConflict
	case errs.KindTooLarge:
		return fiber.StatusRequestEntityTooLarge
	case errs.KindUnsupportedMedia:
		return fiber.StatusUnsupportedMediaType
	case errs.KindUnprocessable:
		return fiber.StatusUnprocessableEntity
	case errs.KindRateLimited:
		return fiber.StatusTooManyRequests
	case errs.KindUnavailable:
		return fiber.StatusServiceUnavailable
	default:
		return fiber.StatusInternalServerError
	}
}

// fiberErrors maps the errors Fiber and fasthttp raise themselves (unknown
// route, body too large, ...) into the service's error format.
var fiberErrors = map[int]*errs.Error{
	fiber.StatusNotFound:                    errs.New(errs.KindNotFound, "route_not_found", "接口不存在"),
	fiber.StatusMethodNotAllowed:            errs.New(errs.KindInvalid, "method_not_allowed", "不支持的请求方法"),
	fiber.StatusRequestEntityTooLarge:       errs.ErrTooLarge,
	fiber.StatusRequestTimeout:              errs.New(errs.KindInvalid, "request_timeout", "请求超时"),
	fiber.StatusRequestHeaderFieldsTooLarge: errs.New(errs.KindInvalid, "headers_too_large", "请求头过大"),
	fiber.StatusUnsupportedMediaType:        errs.ErrUnsupportedMedia,
	fiber.StatusBadRequest:                  errs.New(errs.KindInvalid, "bad_request", "请求无效"),
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
}

// errorHandler answers every error in the format of DESIGN.md §8. Unknown
// errors become a 500 with a generic message and are logged once.
func errorHandler(logger *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		e, ok := errs.As(err)
		status := 0
		if !ok {
			var fe *fiber.Error
			if errors.As(err, &fe) {
				if mapped, known := fiberErrors[fe.Code]; known {
					e, status = mapped, fe.Code
				} else if fe.Code < 500 {
					e, status = errs.New(errs.KindInvalid, "bad_request", "请求无效"), fe.Code
				}
			}
		}
		if e == nil {
			e = errs.ErrInternal
		}
		if status == 0 {
			status = statusOf(e.Kind)
		}
		if status >= 500 {
			logger.Error("request failed", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "err", err)
		}
		if e.RetryAfterSeconds > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfterSeconds))
		}
		return c.Status(status).JSON(errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields}})
	}
}

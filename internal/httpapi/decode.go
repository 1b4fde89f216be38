package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

var (
	errUnknownField = errs.New(errs.KindInvalid, "unknown_field", "请求包含未知字段")
	errBadLimit     = errs.New(errs.KindInvalid, "invalid_limit", "limit 须为 1–100 的整数")
)

// decodeJSON reads the request body into dst strictly: the content type must
// be JSON, the body within the JSON limit, every field known and of the right
// type, and nothing may follow the value.
func (s *Server) decodeJSON(c *fiber.Ctx, dst any) error {
	ct := c.Get(fiber.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return errs.ErrUnsupportedMedia.WithMessage("请使用 Content-Type: application/json")
	}
	body := c.Body()
	if len(body) > s.cfg.HTTP.JSONLimitBytes {
		return errs.ErrTooLarge
	}
	return decodeStrict(body, dst)
}

// decodeStrict is decodeJSON without the HTTP parts; fuzzed directly.
func decodeStrict(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.ErrInvalidJSON.WithMessage("JSON 之后还有多余内容")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errs.ErrInvalidJSON.WithMessage("请求体须为 JSON 对象")
		}
		return errs.Invalid(errs.Field(field, "invalid_type", fmt.Sprintf("类型错误，应为 %s", jsonType(typeErr.Type.Kind().String()))))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errUnknownField.WithFields(errs.Field(name, "unknown_field", "未知字段"))
	default:
		return errs.ErrInvalidJSON
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "字符串"
	case "bool":
		return "布尔值"
	case "slice", "array":
		return "数组"
	case "map", "struct":
		return "对象"
	default:
		return "数字"
	}
}

// page reads ?limit= (default 20, capped at 100) and ?cursor=.
func page(c *fiber.Ctx) (limit int, cursor string, err error) {
	limit = 20
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return 0, "", errBadLimit.WithFields(errs.Field("limit", "invalid", "limit 须为正整数"))
		}
		limit = min(n, 100)
	}
	return limit, c.Query("cursor"), nil
}

// listBody is the shape of every list answer.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func list[T any](items []T, next string) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, NextCursor: next}
}

package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// userDTO is the wire shape of a user. WeChat identities never leave the
// server.
type userDTO struct {
	ID          string    `json:"id"`
	Role        string    `json:"role"`
	Username    string    `json:"username,omitempty"`
	DisplayName string    `json:"display_name"`
	Departments []string  `json:"departments"`
	Districts   []string  `json:"districts"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

func toUserDTO(u account.User) userDTO {
	return userDTO{ID: u.ID, Role: string(u.Role), Username: u.Username, DisplayName: u.DisplayName,
		Departments: u.Departments, Districts: u.Districts, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

type loginAnswer struct {
	Token     string  `json:"token"`
	ExpiresIn int     `json:"expires_in"`
	User      userDTO `json:"user"`
}

func (s *Server) loginAnswer(sess account.Session, u account.User) loginAnswer {
	return loginAnswer{Token: sess.Token, ExpiresIn: int(s.cfg.Auth.SessionTTL / time.Second), User: toUserDTO(u)}
}

func (s *Server) handleWeChatLogin(c *fiber.Ctx) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	sess, u, err := s.Accounts.LoginWeChat(c.UserContext(), in.Code)
	if err != nil {
		return err
	}
	return c.JSON(s.loginAnswer(sess, u))
}

func (s *Server) handleLogin(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	var fields []errs.FieldError
	if in.Username == "" {
		fields = append(fields, errs.Field("username", "required", "请输入用户名"))
	}
	if in.Password == "" {
		fields = append(fields, errs.Field("password", "required", "请输入密码"))
	}
	if len(fields) > 0 {
		return errs.Invalid(fields...)
	}
	sess, u, err := s.Accounts.LoginPassword(c.UserContext(), in.Username, in.Password, s.clientIP(c))
	if err != nil {
		return err
	}
	return c.JSON(s.loginAnswer(sess, u))
}

func (s *Server) handleLogout(c *fiber.Ctx) error {
	sess, _ := c.Locals(localSession).(account.Session)
	if err := s.Accounts.Logout(c.UserContext(), sess); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) handleMe(c *fiber.Ctx) error {
	u, err := s.Accounts.Me(c.UserContext(), mustActor(c))
	if err != nil {
		return err
	}
	return c.JSON(toUserDTO(u))
}

func (s *Server) handleListUsers(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	role := c.Query("role")
	if role != "" && !account.Role(role).Valid() {
		return errs.Invalid(errs.Field("role", "invalid", "未知角色"))
	}
	users, next, err := s.Accounts.ListUsers(c.UserContext(), role, limit, cursor)
	if err != nil {
		return err
	}
	out := make([]userDTO, len(users))
	for i, u := range users {
		out[i] = toUserDTO(u)
	}
	return c.JSON(list(out, next))
}

type staffBody struct {
	Username    *string       `json:"username"`
	Password    *string       `json:"password"`
	Role        *account.Role `json:"role"`
	DisplayName *string       `json:"display_name"`
	Departments *[]string     `json:"departments"`
	Districts   *[]string     `json:"districts"`
	Disabled    *bool         `json:"disabled"`
}

func (b staffBody) input() account.StaffInput {
	return account.StaffInput{Username: b.Username, Password: b.Password, Role: b.Role, DisplayName: b.DisplayName,
		Departments: b.Departments, Districts: b.Districts, Disabled: b.Disabled}
}

func (s *Server) handleCreateUser(c *fiber.Ctx) error {
	var in staffBody
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Disabled != nil {
		return errs.Invalid(errs.Field("disabled", "not_allowed", "新建账号不能直接停用"))
	}
	u, err := s.Accounts.CreateStaff(c.UserContext(), mustActor(c).AuditActor(), in.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toUserDTO(u))
}

func (s *Server) handleUpdateUser(c *fiber.Ctx) error {
	var in staffBody
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.Accounts.UpdateStaff(c.UserContext(), mustActor(c).AuditActor(), c.Params("id"), in.input())
	if err != nil {
		return err
	}
	return c.JSON(toUserDTO(u))
}

func (s *Server) handleAudit(c *fiber.Ctx) error {
	limit, cursor, err := page(c)
	if err != nil {
		return err
	}
	f := audit.Filter{ActorID: c.Query("actor"), Action: c.Query("action"), ObjectType: c.Query("object_type"), ObjectID: c.Query("object_id")}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if raw := c.Query(name); raw != "" {
			t, err := time.Parse(time.RFC3339, raw)
			if err != nil {
				return errs.Invalid(errs.Field(name, "invalid_time", "时间须为 RFC 3339 格式，如 2025-01-02T15:04:05+08:00"))
			}
			*dst = t
		}
	}
	entries, next, err := s.Audit.List(c.UserContext(), f, limit, cursor)
	if err != nil {
		return err
	}
	return c.JSON(list(entries, next))
}

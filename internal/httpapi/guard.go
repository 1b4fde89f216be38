package httpapi

import (
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// Rule says who may call a route.
type Rule struct {
	// Public routes need no login; a valid token, when sent, still
	// identifies the caller.
	Public bool
	// Roles that may call; empty with Public false means any logged-in user.
	Roles []account.Role
}

// The rules of the route table.
var (
	Public   = Rule{Public: true}
	LoggedIn = Rule{Roles: account.Roles}
)

// Roles allows only the given roles.
func Roles(r ...account.Role) Rule { return Rule{Roles: r} }

// Allows reports whether a caller with role r passes the rule.
func (r Rule) Allows(role account.Role) bool { return r.Public || slices.Contains(r.Roles, role) }

// Per says what a rate limit counts by.
type Per int

// The rate-limit scopes.
const (
	PerIP   Per = iota // the client address
	PerUser            // the logged-in user (the address for anonymous callers)
)

// Limit is a route's rate limit: at most N requests per Window.
type Limit struct {
	N      int
	Window time.Duration
	Per    Per
}

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string
	Rule    Rule
	Limit   *Limit
	Handler fiber.Handler
}

var errRoleForbidden = errs.ErrForbidden.WithMessage("当前账号无权访问此功能")

// guard authenticates the bearer token and enforces the route's rule before
// any handler code runs.
func (s *Server) guard(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, hasToken := bearer(c)
		if hasToken {
			sess, err := s.Accounts.Authenticate(c.UserContext(), token)
			switch {
			case err == nil:
				c.Locals(localActor, sess.Actor)
				c.Locals(localSession, sess)
				c.SetUserContext(account.WithOpenID(c.UserContext(), sess.OpenID))
			case r.Rule.Public && errs.KindOf(err) == errs.KindUnauthenticated:
				// A stale token on a public page is ignored.
			default:
				return err
			}
		}
		if r.Rule.Public {
			return c.Next()
		}
		a, ok := actorOf(c)
		if !ok {
			return errs.ErrUnauthenticated
		}
		if !r.Rule.Allows(a.Role) {
			return errRoleForbidden
		}
		return c.Next()
	}
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return "", false
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true // present but malformed: treated as an invalid token
	}
	return strings.TrimSpace(token), true
}

// rateLimit applies the route's limit, keyed by route and caller.
func (s *Server) rateLimit(r Route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		who := "ip:" + s.clientIP(c)
		if a, ok := actorOf(c); ok && r.Limit.Per == PerUser {
			who = "user:" + a.UserID
		}
		key := s.Redis.Key("rl", r.Method+" "+r.Path, who)
		res, err := s.limiter.Allow(c.UserContext(), key, r.Limit.N, r.Limit.Window)
		if err != nil {
			return err
		}
		if !res.Allowed {
			return errs.ErrRateLimited.WithRetryAfter(int((res.RetryAfter + time.Second - 1) / time.Second))
		}
		return c.Next()
	}
}

// mustActor returns the caller of a route whose rule requires a login.
func mustActor(c *fiber.Ctx) account.Actor {
	a, _ := actorOf(c)
	return a
}

// Package httpapi is the HTTP face of the service: the Fiber app, its
// middleware, one route table with the role rule of every route, and thin
// handlers that decode, validate, call one service method and encode.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/config"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/ratelimit"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/reqctx"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/survey"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// Deps are what the handlers call.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Store    *mongodb.Store
	Redis    *redisx.Client
	Accounts *account.Service
	Audit    *audit.Log
	Registry *registry.Service
	Uploads  *upload.Service
	Notify   *notify.Service
	// <deps>
	// Console is the built web console served under /console/ (index.html
	// at its top); nil answers 404 console_missing.
	Console fs.FS
	// Surveys runs surveys, statistics and sign-off.
	Surveys *survey.Service
	// Cells runs 无废细胞 certification.
	Cells *cell.Service
	// Complaints runs complaints and Open311 (issue 6).
	Complaints *complaint.Service
	// </deps>
	// Version is reported by /livez.
	Version string
}

// Server is the Fiber app with its dependencies.
type Server struct {
	App *fiber.App
	Deps
	cfg     config.Config
	log     *slog.Logger
	limiter *ratelimit.Limiter
	metrics *metrics
	trusted []*net.IPNet
	routes  []Route
}

// New builds the app and registers every route of the table.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Deps: d, cfg: d.Config, log: d.Logger, limiter: ratelimit.New(d.Redis)}
	s.trusted = parseTrusted(d.Config.HTTP.TrustedProxies)
	s.metrics = newMetrics(prometheus.NewRegistry())
	s.App = fiber.New(fiber.Config{
		AppName:               "wufei",
		ErrorHandler:          errorHandler(d.Logger),
		BodyLimit:             d.Config.HTTP.BodyLimitBytes,
		ReadTimeout:           d.Config.HTTP.ReadTimeout,
		WriteTimeout:          d.Config.HTTP.WriteTimeout,
		IdleTimeout:           d.Config.HTTP.IdleTimeout,
		Concurrency:           d.Config.HTTP.MaxConnections,
		DisableStartupMessage: true,
		// Fiber hands out strings that alias fasthttp's reused buffers;
		// Immutable copies them so values kept past a handler stay intact.
		Immutable: true,
		// Our own client-address logic (clientIP) handles proxies.
		EnableTrustedProxyCheck: false,
	})
	s.App.Use(s.requestContext)
	s.App.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic", "request_id", requestID(c), "panic", e)
	}}))
	s.App.Use(cors.New(cors.Config{
		AllowOrigins:  strings.Join(d.Config.HTTP.CORSOrigins, ","),
		AllowHeaders:  "Authorization, Content-Type, X-Request-ID, X-API-Key",
		AllowMethods:  "GET, POST, PATCH, PUT, DELETE, OPTIONS",
		ExposeHeaders: "X-Request-ID, Retry-After, Content-Disposition",
		MaxAge:        600,
	}))
	s.routes = s.table()
	for _, r := range s.routes {
		handlers := []fiber.Handler{s.guard(r)}
		if r.Limit != nil {
			handlers = append(handlers, s.rateLimit(r))
		}
		handlers = append(handlers, r.Handler)
		s.App.Add(r.Method, r.Path, handlers...)
	}
	return s
}

// Routes returns the route table (for the spec test and docs).
func (s *Server) Routes() []Route { return s.routes }

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestContext assigns the request id, puts it in the user context, logs
// the request and records metrics once the rest of the chain has answered.
func (s *Server) requestContext(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get("X-Request-ID")
	if !requestIDPattern.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(localRequestID, id)
	c.Set("X-Request-ID", id)
	c.SetUserContext(reqctx.WithRequestID(context.Background(), id))
	err := c.Next()
	if err != nil {
		// Answer now so the log and metrics see the final status.
		if herr := s.App.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	s.metrics.observe(c.Method(), route, status, elapsed)
	attrs := []any{"request_id", id, "method", c.Method(), "route", route, "status", status,
		"latency_ms", float64(elapsed.Microseconds()) / 1000, "ip", s.clientIP(c)}
	if a, ok := actorOf(c); ok {
		attrs = append(attrs, "user_id", a.UserID)
	}
	s.log.Info("request", attrs...)
	return nil
}

type localKey int

const (
	localRequestID localKey = iota
	localActor
	localSession
)

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// actorOf returns the authenticated caller, if any.
func actorOf(c *fiber.Ctx) (account.Actor, bool) {
	a, ok := c.Locals(localActor).(account.Actor)
	return a, ok
}

func parseTrusted(list []string) []*net.IPNet {
	var out []*net.IPNet
	for _, p := range list {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		if _, n, err := net.ParseCIDR(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (s *Server) isTrusted(ip net.IP) bool {
	for _, n := range s.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the socket's peer, unless the peer is a trusted proxy: then
// the right-most address of X-Forwarded-For that is not itself a trusted
// proxy (addresses left of it could be forged by the client).
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if len(s.trusted) == 0 || !s.isTrusted(peer) {
		return peer.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break
		}
		if !s.isTrusted(ip) {
			return ip.String()
		}
	}
	return peer.String()
}

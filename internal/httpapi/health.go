package httpapi

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/api"
)

func (s *Server) handleLivez(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok", "version": s.Version})
}

// handleReadyz pings the store and Redis; 503 names what failed.
func (s *Server) handleReadyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ok := true
	if err := s.Store.Ping(ctx); err != nil {
		checks["store"], ok = "down", false
		s.log.Warn("readyz: store ping failed", "err", err)
	} else {
		checks["store"] = "ok"
	}
	if err := s.Redis.Ping(ctx).Err(); err != nil {
		checks["redis"], ok = "down", false
		s.log.Warn("readyz: redis ping failed", "err", err)
	} else {
		checks["redis"] = "ok"
	}
	checks["store_backend"] = string(s.Store.Backend)
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": checks})
}

func (s *Server) handleSpec(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(api.OpenAPI)
}

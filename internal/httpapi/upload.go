package httpapi

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/upload"
)

// handleUpload takes a multipart form with the file in field "file".
func (s *Server) handleUpload(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		if errors.Is(err, fiber.ErrUnprocessableEntity) || err.Error() == "there is no uploaded file associated with the given key" {
			return upload.ErrMissingFile
		}
		return upload.ErrMissingFile.WithMessage("请以 multipart/form-data 上传，文件放在 file 字段")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	u, err := s.Uploads.Create(c.UserContext(), mustActor(c), f)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

// handleGetUpload serves the file to those who may see it; to everyone
// else it does not exist.
func (s *Server) handleGetUpload(c *fiber.Ctx) error {
	rc, u, err := s.Uploads.Open(c.UserContext(), mustActor(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, u.ContentType)
	c.Set(fiber.HeaderContentLength, strconv.FormatInt(u.Size, 10))
	c.Set("X-Content-SHA256", u.SHA256)
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400, immutable")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.SendStream(rc, int(u.Size))
}

// handleMyNotifications lists the caller's notifications, newest first.
func (s *Server) handleMyNotifications(c *fiber.Ctx) error {
	limit, _, err := page(c)
	if err != nil {
		return err
	}
	ms, err := s.Notify.Mine(c.UserContext(), mustActor(c).UserID, limit)
	if err != nil {
		return err
	}
	return c.JSON(list(ms, ""))
}

package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

// The console's errors.
var (
	errConsoleMissing  = errs.New(errs.KindNotFound, "console_missing", "控制台未构建，请先执行 npm run build")
	errConsoleNotFound = errs.New(errs.KindNotFound, "not_found", "文件不存在")
)

// Cache lifetimes of the console's files. Vite names everything under
// assets/ after a hash of its content, so those never change under their
// name; index.html names the current hashes and must be revalidated on every
// load, or a browser keeps asking for assets of an older build.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheNoCache   = "no-cache"
	cacheShort     = "public, max-age=3600"
)

// gzipMin is the size below which compressing costs more than it saves.
const gzipMin = 1024

// consoleFile is one built file, read once, with its gzip form made on
// first demand (most files are never asked for by a given process).
type consoleFile struct {
	body        []byte
	contentType string
	etag        string
	cache       string

	gzOnce sync.Once
	gz     []byte // nil when compression does not pay
}

// consoleFiles serves the built console from an fs.FS, keeping files in
// memory: the whole build is a few megabytes and is read on every page load.
type consoleFiles struct {
	fsys  fs.FS
	mu    sync.RWMutex
	files map[string]*consoleFile // by clean path; nil entry = known missing
}

func newConsoleFiles(fsys fs.FS) *consoleFiles {
	if fsys == nil {
		return nil
	}
	return &consoleFiles{fsys: fsys, files: map[string]*consoleFile{}}
}

// file returns the built file at name (slash-separated, no leading slash),
// or nil when there is none.
func (cf *consoleFiles) file(name string) *consoleFile {
	cf.mu.RLock()
	f, seen := cf.files[name]
	cf.mu.RUnlock()
	if seen {
		return f
	}
	body, err := fs.ReadFile(cf.fsys, name)
	if err == nil {
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		cache := cacheShort
		switch {
		case strings.HasPrefix(name, "assets/"):
			cache = cacheImmutable
		case name == "index.html":
			cache = cacheNoCache
		}
		f = &consoleFile{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, cache: cache}
	}
	// Only names that exist are kept, so a client asking for random names
	// cannot grow the map; a build is immutable inside the binary.
	if f != nil {
		cf.mu.Lock()
		cf.files[name] = f
		cf.mu.Unlock()
	}
	return f
}

// gzipped returns the gzip form of f, or nil when it is not worth sending.
func (f *consoleFile) gzipped() []byte {
	f.gzOnce.Do(func() {
		if len(f.body) < gzipMin || !compressible(f.contentType) {
			return
		}
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = w.Write(f.body)
		_ = w.Close()
		if b.Len() < len(f.body)*9/10 {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") ||
		strings.Contains(ct, "json") || strings.Contains(ct, "svg") || strings.Contains(ct, "xml")
}

// handleConsoleRoot sends visitors of the bare host to the console.
func (s *Server) handleConsoleRoot(c *fiber.Ctx) error {
	return c.Redirect("/console/", fiber.StatusFound)
}

// handleConsole serves the built console under /console/: existing files as
// they are, any other path without a file extension as index.html, so that
// the client-side router's history-mode URLs survive a reload or a shared
// link. Missing files with an extension are 404s, not index.html: a stale
// asset answered with HTML would fail in the browser in confusing ways.
//
// The handler is built once per server (the route table is read once) and
// keeps the files of Deps.Console in memory.
func (s *Server) handleConsole() fiber.Handler {
	files := newConsoleFiles(s.Console)
	return func(c *fiber.Ctx) error { return serveConsole(c, files) }
}

func serveConsole(c *fiber.Ctx, files *consoleFiles) error {
	if files == nil {
		return errConsoleMissing
	}
	if c.Path() == "/console" {
		return c.Redirect("/console/", fiber.StatusMovedPermanently)
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
	if name == "" {
		name = "index.html"
	}
	f := files.file(name)
	if f == nil {
		if path.Ext(name) != "" {
			return errConsoleNotFound
		}
		if f = files.file("index.html"); f == nil {
			return errConsoleMissing
		}
	}
	c.Set(fiber.HeaderCacheControl, f.cache)
	c.Set(fiber.HeaderETag, f.etag)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set("X-Content-Type-Options", "nosniff")
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, f.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
		if gz := f.gzipped(); gz != nil {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(gz)
		}
	}
	return c.Send(f.body)
}

package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ordos-wufei/wufei/internal/httpapi"
	console "github.com/ordos-wufei/wufei/web/console"
)

// consoleJS is large and repetitive enough that gzip pays.
var consoleJS = strings.Repeat("console.log('无废鄂尔多斯');\n", 200)

// testConsoleFS stands in for the built console in every test server, so
// the tests do not depend on what web/console/dist holds.
func testConsoleFS() fs.FS {
	return fstest.MapFS{
		"index.html":              {Data: []byte(`<!doctype html><html lang="zh-CN"><title>无废鄂尔多斯</title><script src="/console/assets/index-abc123.js"></script></html>`)},
		"assets/index-abc123.js":  {Data: []byte(consoleJS)},
		"assets/small-def456.css": {Data: []byte("body{margin:0}")},
		"favicon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	}
}

func TestConsoleServing(t *testing.T) {
	e := newEnv(t)
	index := e.do("GET", "/console/", "", nil).want(200)
	if !strings.Contains(string(index.Body), "无废鄂尔多斯") || index.Header.Get("Cache-Control") != "no-cache" ||
		!strings.HasPrefix(index.Header.Get("Content-Type"), "text/html") || index.Header.Get("ETag") == "" {
		t.Fatalf("index: %v %s", index.Header, index.Body)
	}
	// History-mode fallback: a console route reloaded in the browser.
	for _, p := range []string{"/console/indicators/I02", "/console/admin/users", "/console/login?redirect=%2Fadmin"} {
		res := e.do("GET", p, "", nil).want(200)
		if !bytes.Equal(res.Body, index.Body) || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: not index.html: %s", p, res.Body)
		}
	}
	// Revalidation of index.html is a 304.
	e.do("GET", "/console/", "", nil, "If-None-Match", index.Header.Get("ETag")).want(304)

	// Hashed assets are immutable; small ones are not compressed.
	css := e.do("GET", "/console/assets/small-def456.css", "", nil, "Accept-Encoding", "gzip").want(200)
	if css.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || css.Header.Get("Content-Encoding") != "" ||
		!strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") || string(css.Body) != "body{margin:0}" {
		t.Errorf("css: %v %q", css.Header, css.Body)
	}
	// Large text files are gzip-compressed for clients that accept it, and
	// plain for those that do not.
	js := e.do("GET", "/console/assets/index-abc123.js", "", nil, "Accept-Encoding", "gzip, deflate, br").want(200)
	if js.Header.Get("Content-Encoding") != "gzip" || js.Header.Get("Vary") != "Accept-Encoding" || len(js.Body) >= len(consoleJS) {
		t.Fatalf("js: %v, %d bytes", js.Header, len(js.Body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(js.Body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != consoleJS {
		t.Error("gzip body differs from the file")
	}
	if plain := e.do("GET", "/console/assets/index-abc123.js", "", nil).want(200); string(plain.Body) != consoleJS || plain.Header.Get("Content-Encoding") != "" {
		t.Error("uncompressed js differs")
	}
	// Other top-level files: cached briefly.
	if fav := e.do("GET", "/console/favicon.svg", "", nil).want(200); fav.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("favicon: %v", fav.Header)
	}
	// A missing asset is a 404, never index.html; so is a path escape.
	e.do("GET", "/console/assets/index-old999.js", "", nil).wantError(404, "not_found")
	e.do("GET", "/console/nope.png", "", nil).wantError(404, "not_found")
	if res := e.do("GET", "/console/../../go.mod", "", nil); res.Status == 200 && !bytes.Equal(res.Body, index.Body) {
		t.Errorf("path escape served %q", res.Body)
	}
	// The bare host and /console lead to the console.
	if res := e.do("GET", "/", "", nil).want(302); res.Header.Get("Location") != "/console/" {
		t.Errorf("/ redirects to %q", res.Header.Get("Location"))
	}
	if res := e.do("GET", "/console", "", nil).want(301); res.Header.Get("Location") != "/console/" {
		t.Errorf("/console redirects to %q", res.Header.Get("Location"))
	}
	// A stale token does not keep anyone from the public console.
	e.do("GET", "/console/", "stale-token", nil).want(200)
}

func TestConsoleMissing(t *testing.T) {
	srv := httpapi.New(httpapi.Deps{Logger: quiet})
	res, err := srv.App.Test(httptest.NewRequest("GET", "/console/", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 404 || !strings.Contains(string(body), "console_missing") {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
}

// BenchmarkConsoleAsset measures serving the console's main script through
// the whole Fiber stack (middleware, guard, handler), gzip form cached.
func BenchmarkConsoleAsset(b *testing.B) {
	srv := httpapi.New(httpapi.Deps{Logger: quiet, Console: testConsoleFS()})
	for _, enc := range []string{"gzip", ""} {
		name := "gzip"
		if enc == "" {
			name = "identity"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", "/console/assets/index-abc123.js", nil)
				if enc != "" {
					req.Header.Set("Accept-Encoding", enc)
				}
				res, err := srv.App.Test(req, -1)
				if err != nil || res.StatusCode != 200 {
					b.Fatal(err, res.StatusCode)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

// BenchmarkConsoleBundle serves the largest script of the committed build
// (Element Plus and ECharts, about a megabyte), as a browser's first visit
// asks for it: the first request compresses it once; the rest send the
// cached gzip bytes.
func BenchmarkConsoleBundle(b *testing.B) {
	fsys := console.FS()
	var big string
	var size int64
	_ = fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".js") {
			if info, _ := d.Info(); info != nil && info.Size() > size {
				big, size = p, info.Size()
			}
		}
		return nil
	})
	if big == "" {
		b.Skip("no built console")
	}
	srv := httpapi.New(httpapi.Deps{Logger: quiet, Console: fsys})
	b.Logf("%s: %d bytes", big, size)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/console/"+big, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := srv.App.Test(req, -1)
		if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
			b.Fatal(err, res.StatusCode)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}

// FuzzConsolePath sends arbitrary paths under /console/: the handler never
// fails, and a 200 is always index.html or a file of the build, never
// anything outside it.
func FuzzConsolePath(f *testing.F) {
	fsys := testConsoleFS()
	srv := httpapi.New(httpapi.Deps{Logger: quiet, Console: fsys})
	index, _ := fs.ReadFile(fsys, "index.html")
	files := map[string]bool{string(index): true}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(fsys, p)
			files[string(b)] = true
		}
		return nil
	})
	for _, seed := range []string{"", "assets/index-abc123.js", "../../go.mod", "a/../../b", "%2e%2e/x", "x.js", "indicators/I01", "//etc/passwd", "assets/", "."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		req := httptest.NewRequest("GET", "/console/", nil)
		req.URL.Path = "/console/" + p
		req.URL.RawPath = ""
		res, err := srv.App.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch res.StatusCode {
		case 200:
			if !files[string(body)] {
				t.Fatalf("%q served something not in the build: %q", p, body)
			}
		case 301, 302, 400, 404, 405:
		default:
			t.Fatalf("%q: status %d", p, res.StatusCode)
		}
	})
}

package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/config"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// pngBytes makes a real small PNG.
func pngBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// uploadFile posts data as multipart field `field`.
func (e *env) uploadFile(token, field, name string, data []byte) response {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest("POST", "/api/v1/uploads", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := e.srv.App.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return response{t: e.t, Status: res.StatusCode, Header: res.Header, Body: out}
}

func TestUploads(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Uploads.MaxBytes = 64 << 10 })
	alice := e.tokens[account.RoleCitizen]
	bob := e.citizen("o_bob")
	img := pngBytes(t)
	sum := sha256.Sum256(img)

	var up struct {
		ID, SHA256, ContentType, Kind string
		Size                          int
	}
	// The name says .pdf; the content says PNG, and content wins.
	res := e.uploadFile(alice, "file", "scan.pdf", img).want(201)
	res.decode(&up)
	if up.SHA256 != hex.EncodeToString(sum[:]) || up.Kind != "image" || up.Size != len(img) || !strings.HasPrefix(up.ID, "up_") {
		t.Fatalf("upload: %+v (%s)", up, res.Body)
	}
	if got := res.json()["content_type"]; got != "image/png" {
		t.Fatalf("content type %v", got)
	}
	pdf := e.uploadFile(alice, "file", "a.jpg", pdfBytes).want(201).json()
	if pdf["kind"] != "pdf" {
		t.Fatalf("pdf: %v", pdf)
	}
	e.uploadFile(alice, "file", "x.png", []byte("<html><script>alert(1)</script></html>")).wantError(415, "unsupported_file_type")
	e.uploadFile(alice, "file", "big.png", append(pngBytes(t), make([]byte, 70<<10)...)).wantError(413, "file_too_large")
	e.uploadFile(alice, "file", "empty.png", nil).wantError(400, "file_empty")
	e.uploadFile(alice, "other", "x.png", img).wantError(400, "file_required")
	e.do("POST", "/api/v1/uploads", alice, map[string]string{"file": "x"}).wantError(400, "file_required")

	// Only the uploader (and the admin) may fetch an unattached file.
	got := e.do("GET", "/api/v1/uploads/"+up.ID, alice, nil).want(200)
	if !bytes.Equal(got.Body, img) || got.Header.Get("Content-Type") != "image/png" || got.Header.Get("X-Content-SHA256") != up.SHA256 {
		t.Fatalf("download: %d bytes, %q", len(got.Body), got.Header.Get("Content-Type"))
	}
	e.do("GET", "/api/v1/uploads/"+up.ID, bob, nil).wantError(404, "upload_not_found")
	e.do("GET", "/api/v1/uploads/"+up.ID, e.tokens[account.RoleDepartment], nil).wantError(404, "upload_not_found")
	e.do("GET", "/api/v1/uploads/"+up.ID, e.tokens[account.RoleAdmin], nil).want(200)
	e.do("GET", "/api/v1/uploads/up_doesnotexist", alice, nil).wantError(404, "upload_not_found")
	e.do("GET", "/api/v1/uploads/..%2F..%2Fetc%2Fpasswd", alice, nil).wantError(404, "upload_not_found")

	// Claiming attaches; the area's visibility rule then decides.
	ctx := context.Background()
	svc := e.srv.Uploads
	aliceActor := actorOf(t, e, alice)
	bobActor := actorOf(t, e, bob)
	ref := upload.Ref{Type: "complaint", ID: "c1"}
	err := svc.Claim(ctx, bobActor, []string{up.ID}, ref, []upload.Kind{upload.KindImage}, upload.Field("photos"))
	if f := fieldsOf(err); f["photos[0]"] != "not_owner" {
		t.Fatalf("bob claimed alice's file: %v", err)
	}
	err = svc.Claim(ctx, aliceActor, []string{up.ID, pdf["id"].(string), "up_missing000"}, ref, []upload.Kind{upload.KindImage}, upload.Field("photos"))
	if f := fieldsOf(err); f["photos[1]"] != "wrong_kind" || f["photos[2]"] != "not_found" {
		t.Fatalf("claim errors: %v", err)
	}
	if u, _ := svc.Get(ctx, up.ID); u.Ref != nil {
		t.Fatal("a refused claim attached a file")
	}
	if err := svc.Claim(ctx, aliceActor, []string{up.ID}, ref, []upload.Kind{upload.KindImage}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Claim(ctx, aliceActor, []string{up.ID}, ref, nil); err != nil {
		t.Fatalf("re-claim for the same object: %v", err)
	}
	if f := fieldsOf(svc.Claim(ctx, aliceActor, []string{up.ID}, upload.Ref{Type: "complaint", ID: "c2"}, nil)); f["files[0]"] != "in_use" {
		t.Fatal("one file attached to two objects")
	}
	svc.RegisterVisibility("complaint", func(_ context.Context, a account.Actor, id string) bool {
		return id == "c1" && a.Is(account.RoleDepartment)
	})
	e.do("GET", "/api/v1/uploads/"+up.ID, e.tokens[account.RoleDepartment], nil).want(200)
	e.do("GET", "/api/v1/uploads/"+up.ID, bob, nil).wantError(404, "upload_not_found")
}

func actorOf(t *testing.T, e *env, token string) account.Actor {
	t.Helper()
	sess, err := e.accounts.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return sess.Actor
}

func fieldsOf(err error) map[string]string {
	out := map[string]string{}
	if ee, ok := errs.As(err); ok {
		for _, f := range ee.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

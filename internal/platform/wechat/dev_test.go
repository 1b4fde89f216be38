package wechat_test

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ordos-wufei/wufei/internal/platform/wechat"
	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/placeholder"
)

func newDev(t *testing.T) (*wechat.Client, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	c, err := wechat.New(wechat.Config{}, nil, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !c.DevMode() {
		t.Fatal("client without AppID is not in development mode")
	}
	return c, log
}

func TestDevModeAnnounced(t *testing.T) {
	t.Parallel()
	_, log := newDev(t)
	for _, want := range []string{"level=WARN", "开发模式", "DEVELOPMENT MODE", "dev:<openid>"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, log)
		}
	}
}

func TestDevCode2Session(t *testing.T) {
	t.Parallel()
	c, _ := newDev(t)
	for code, want := range map[string]string{
		"dev:alice":                      "alice",
		"dev:o_A-9":                      "o_A-9",
		"dev:" + strings.Repeat("x", 64): strings.Repeat("x", 64),
		"dev:":                           "",
		"dev:" + strings.Repeat("x", 65): "",
		"dev:al ice":                     "",
		"dev:张三":                         "",
		"dev:a:b":                        "",
		"alice":                          "",
		"DEV:alice":                      "",
		"":                               "",
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			s, err := c.Code2Session(t.Context(), code)
			if want == "" {
				if !errors.Is(err, wechat.ErrInvalidCode) {
					t.Fatalf("Code2Session(%q) = %+v, %v; want ErrInvalidCode", code, s, err)
				}
				return
			}
			if err != nil || s.OpenID != want {
				t.Fatalf("Code2Session(%q) = %+v, %v; want openid %q", code, s, err, want)
			}
		})
	}
}

func TestDevCheckText(t *testing.T) {
	t.Parallel()
	c, _ := newDev(t)
	v, err := c.CheckText(t.Context(), "alice", "随便说点什么")
	if err != nil || !v.Pass || v.Suggest != "pass" {
		t.Fatalf("clean text: %+v, %v", v, err)
	}
	v, err = c.CheckText(t.Context(), "alice", "这是"+wechat.DevBlockedText+"内容")
	if err != nil || v.Pass || v.Suggest != "risky" || v.Label == "" {
		t.Fatalf("blocked text: %+v, %v", v, err)
	}
}

func TestDevSendSubscribe(t *testing.T) {
	t.Parallel()
	c, log := newDev(t)
	const openID = "oSecretOpenID12345"
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			err := c.SendSubscribe(t.Context(), wechat.SubscribeMessage{
				ToUser: openID, TemplateID: "tpl", Page: "pages/x",
				Data: map[string]string{"thing1": fmt.Sprintf("投诉内容%d", i)},
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	out := c.DevOutbox()
	if len(out) != 10 {
		t.Fatalf("outbox has %d messages, want 10", len(out))
	}
	if out[0].ToUser != openID || out[0].TemplateID != "tpl" || !strings.HasPrefix(out[0].Data["thing1"], "投诉内容") {
		t.Fatalf("outbox[0] = %+v", out[0])
	}
	out[0].Data["thing1"] = "changed"
	if c.DevOutbox()[0].Data["thing1"] == "changed" {
		t.Fatal("DevOutbox shares its maps with the caller")
	}

	logged := log.String()
	if strings.Contains(logged, openID) || strings.Contains(logged, "投诉内容") {
		t.Fatalf("log shows the openid or the values:\n%s", logged)
	}
	if !strings.Contains(logged, "oSe***345") || !strings.Contains(logged, "template_id=tpl") {
		t.Fatalf("log lacks the masked message:\n%s", logged)
	}
	if err := c.SendSubscribe(t.Context(), wechat.SubscribeMessage{ToUser: openID}); !errors.Is(err, wechat.ErrInvalidInput) {
		t.Fatalf("no template: %v", err)
	}
}

func TestDevQRCode(t *testing.T) {
	t.Parallel()
	c, _ := newDev(t)
	img, err := c.UnlimitedQRCode(t.Context(), "u=7", "pages/unit/index", 280)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := decoded.Bounds(); b.Dx() != 280 || b.Dy() != 280 {
		t.Fatalf("size = %v, want 280×280", b)
	}
	if scene, ok := placeholder.Label(img); !ok || scene != "u=7" {
		t.Fatalf("label = %q, %v", scene, ok)
	}
	if _, err := c.UnlimitedQRCode(t.Context(), "", "", 0); !errors.Is(err, wechat.ErrInvalidInput) {
		t.Fatalf("empty scene: %v", err)
	}
}

func TestDevPhoneNumber(t *testing.T) {
	t.Parallel()
	c, _ := newDev(t)
	if _, err := c.PhoneNumber(t.Context(), "x"); !errors.Is(err, wechat.ErrDevMode) {
		t.Fatalf("PhoneNumber = %v, want ErrDevMode", err)
	}
}

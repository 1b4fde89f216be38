package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ordos-wufei/wufei/internal/platform/wechat"
	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/placeholder"
	"github.com/ordos-wufei/wufei/internal/platform/wechat/wechattest"
)

// env is one test's fake WeChat, Redis and log.
type env struct {
	srv *wechattest.Server
	mr  *miniredis.Miniredis
	rdb redis.UniversalClient
	log *syncBuffer
}

func newEnv(t *testing.T, opts ...wechattest.Option) *env {
	t.Helper()
	mr := miniredis.RunT(t)
	// No retries: the Redis-down test should fail fast.
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return &env{srv: wechattest.NewServer(t, opts...), mr: mr, rdb: rdb, log: &syncBuffer{}}
}

// client returns a Client of the fake's app; edit may change its config.
func (e *env) client(t *testing.T, edit ...func(*wechat.Config)) *wechat.Client {
	t.Helper()
	cfg := wechat.Config{AppID: e.srv.AppID, AppSecret: e.srv.AppSecret, HTTPTimeout: 5 * time.Second, KeyPrefix: "t:"}
	for _, f := range edit {
		f(&cfg)
	}
	c, err := wechat.New(cfg, e.rdb, slog.New(slog.NewTextHandler(e.log, nil)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if c.DevMode() {
		t.Fatal("client with an AppID is in development mode")
	}
	return c
}

func stable(c *wechat.Config) { c.UseStableToken = true }

// syncBuffer is a log sink that tests may read while clients write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func wantAPIError(t *testing.T, err error, code int64) {
	t.Helper()
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != code {
		t.Fatalf("error %v: want WeChat errcode %d", err, code)
	}
}

func TestCode2Session(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.AddLoginCode("good", "o-alice", "u-alice")
	e.srv.AddLoginCode("odd&appid=x", "o-odd", "")
	c := e.client(t)
	ctx := t.Context()

	s, err := c.Code2Session(ctx, "good")
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != "o-alice" || s.UnionID != "u-alice" || s.SessionKey == "" {
		t.Fatalf("session = %+v", s)
	}

	// The code reaches WeChat intact, whatever it holds.
	if s, err := c.Code2Session(ctx, "odd&appid=x"); err != nil || s.OpenID != "o-odd" {
		t.Fatalf("odd code: %+v, %v", s, err)
	}

	for name, tc := range map[string]struct {
		code string
		want int64 // errcode, 0 when refused before any call
	}{
		"used twice":       {code: "good", want: wechattest.ErrcodeCodeUsed},
		"unknown":          {code: "nope", want: wechattest.ErrcodeInvalidCode},
		"empty":            {code: ""},
		"dev code refused": {code: "dev:alice", want: wechattest.ErrcodeInvalidCode},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Code2Session(ctx, tc.code)
			if !errors.Is(err, wechat.ErrInvalidCode) {
				t.Fatalf("error %v is not ErrInvalidCode", err)
			}
			if tc.want != 0 {
				wantAPIError(t, err, tc.want)
			}
		})
	}
	// All but the empty code reached the fake.
	if got := e.srv.Calls(wechattest.EndpointCode2Session); got != 5 {
		t.Fatalf("code2session calls = %d, want 5", got)
	}
}

// TestDevCodesImpossibleWithAppID checks that a dev: code never logs in once
// an AppID is set: it goes to WeChat, which knows no such code.
func TestDevCodesImpossibleWithAppID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	for _, code := range []string{"dev:alice", "dev:o-123_x"} {
		if _, err := c.Code2Session(t.Context(), code); !errors.Is(err, wechat.ErrInvalidCode) {
			t.Fatalf("Code2Session(%q) = %v, want ErrInvalidCode", code, err)
		}
	}
	if got := e.srv.Calls(wechattest.EndpointCode2Session); got != 2 {
		t.Fatalf("code2session calls = %d, want 2 (dev codes must go to WeChat)", got)
	}
}

func TestCheckText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.AddRiskyText("加微信领红包", 10001)
	c := e.client(t)
	ctx := t.Context()

	for name, tc := range map[string]struct {
		content string
		want    wechat.TextVerdict
	}{
		"clean":          {content: "路灯坏了三天", want: wechat.TextVerdict{Pass: true, Label: "正常", Suggest: "pass"}},
		"risky":          {content: "快来加微信领红包", want: wechat.TextVerdict{Label: "广告", Suggest: "risky"}},
		"risky past cut": {content: strings.Repeat("好", 2500) + "加微信领红包", want: wechat.TextVerdict{Label: "广告", Suggest: "risky"}},
		"empty":          {content: "", want: wechat.TextVerdict{Pass: true, Label: "正常", Suggest: "pass"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.CheckText(ctx, "o-alice", tc.content)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("verdict = %+v, want %+v", got, tc.want)
			}
		})
	}
	// clean 1 + risky 1 + two pieces 2 + empty 0.
	if got := e.srv.Calls(wechattest.EndpointMsgSecCheck); got != 4 {
		t.Fatalf("msg_sec_check calls = %d, want 4", got)
	}
	if _, err := c.CheckText(ctx, "", "x"); !errors.Is(err, wechat.ErrInvalidInput) {
		t.Fatalf("empty openid: %v", err)
	}
}

func TestSendSubscribe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	ctx := t.Context()
	msg := wechat.SubscribeMessage{
		ToUser: "o-alice", TemplateID: "tpl-1", Page: "pages/case/index?id=7",
		Data: map[string]string{"thing1": "已受理", "time2": "2025-01-02 10:00"},
	}
	if err := c.SendSubscribe(ctx, msg); err != nil {
		t.Fatal(err)
	}
	sent := e.srv.Sent()
	if len(sent) != 1 {
		t.Fatalf("fake received %d messages, want 1", len(sent))
	}
	got := sent[0]
	if got.ToUser != msg.ToUser || got.TemplateID != msg.TemplateID || got.Page != msg.Page ||
		got.Data["thing1"] != "已受理" || got.Data["time2"] != "2025-01-02 10:00" || len(got.Data) != 2 ||
		got.MiniprogramState != "formal" || got.Lang != "zh_CN" {
		t.Fatalf("fake received %+v", got)
	}

	t.Run("refused is not retried", func(t *testing.T) {
		e.srv.FailNext(wechattest.EndpointSubscribeSend, wechattest.ErrcodeRefusedSubscribe, "user refuse to accept the msg")
		err := c.SendSubscribe(ctx, msg)
		if !errors.Is(err, wechat.ErrSubscriptionRefused) {
			t.Fatalf("error %v is not ErrSubscriptionRefused", err)
		}
		wantAPIError(t, err, wechattest.ErrcodeRefusedSubscribe)
		if got := e.srv.Calls(wechattest.EndpointSubscribeSend); got != 2 {
			t.Fatalf("subscribe calls = %d, want 2", got)
		}
	})

	t.Run("invalid input is not sent", func(t *testing.T) {
		if err := c.SendSubscribe(ctx, wechat.SubscribeMessage{TemplateID: "tpl"}); !errors.Is(err, wechat.ErrInvalidInput) {
			t.Fatalf("no recipient: %v", err)
		}
		if got := e.srv.Calls(wechattest.EndpointSubscribeSend); got != 2 {
			t.Fatalf("subscribe calls = %d, want 2", got)
		}
	})

	if out := c.DevOutbox(); out != nil {
		t.Fatalf("DevOutbox outside development mode = %v", out)
	}
}

func TestUnlimitedQRCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	ctx := t.Context()

	img, err := c.UnlimitedQRCode(ctx, "u=42&t=abc", "pages/unit/index", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if scene, _ := placeholder.Label(img); scene != "u=42&t=abc" {
		t.Fatalf("fake rendered scene %q", scene)
	}

	for name, tc := range map[string]struct {
		scene, page string
		width       int
	}{
		"empty scene":   {scene: ""},
		"long scene":    {scene: strings.Repeat("a", 33)},
		"chinese scene": {scene: "单位"},
		"slash page":    {scene: "a", page: "/pages/x"},
		"narrow":        {scene: "a", width: 100},
		"wide":          {scene: "a", width: 2000},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.UnlimitedQRCode(ctx, tc.scene, tc.page, tc.width); !errors.Is(err, wechat.ErrInvalidInput) {
				t.Fatalf("error %v is not ErrInvalidInput", err)
			}
		})
	}
	if got := e.srv.Calls(wechattest.EndpointQRUnlimited); got != 1 {
		t.Fatalf("qr calls = %d, want 1", got)
	}

	t.Run("WeChat error", func(t *testing.T) {
		e.srv.FailNext(wechattest.EndpointQRUnlimited, 41030, "invalid page")
		_, err := c.UnlimitedQRCode(ctx, "a", "pages/none", 0)
		wantAPIError(t, err, 41030)
	})
}

func TestPhoneNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.AddPhoneCode("pc", "13800138000")
	c := e.client(t)

	phone, err := c.PhoneNumber(t.Context(), "pc")
	if err != nil {
		t.Fatal(err)
	}
	if phone != "13800138000" {
		t.Fatalf("phone = %q", phone)
	}
	for _, code := range []string{"pc", "unknown", ""} {
		if _, err := c.PhoneNumber(t.Context(), code); !errors.Is(err, wechat.ErrInvalidCode) {
			t.Fatalf("PhoneNumber(%q) = %v, want ErrInvalidCode", code, err)
		}
	}
}

// TestTokenSharedThroughRedis checks that the token is fetched once and
// reused by a second Client on the same Redis, for both kinds of token.
func TestTokenSharedThroughRedis(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit         func(*wechat.Config)
		used, unused string
		key          string
		wantTTL      time.Duration
	}{
		"token":        {edit: func(*wechat.Config) {}, used: wechattest.EndpointToken, unused: wechattest.EndpointStableToken, key: "_access_token_", wantTTL: (7200 - 1500) * time.Second},
		"stable token": {edit: stable, used: wechattest.EndpointStableToken, unused: wechattest.EndpointToken, key: "_stable_access_token_", wantTTL: (7200 - 300) * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			first, second := e.client(t, tc.edit), e.client(t, tc.edit)
			for _, c := range []*wechat.Client{first, second, first} {
				if _, err := c.CheckText(t.Context(), "o-alice", "hello"); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.srv.Calls(tc.used); got != 1 {
				t.Fatalf("%s calls = %d, want 1", tc.used, got)
			}
			if got := e.srv.Calls(tc.unused); got != 0 {
				t.Fatalf("%s calls = %d, want 0", tc.unused, got)
			}
			keys := e.mr.Keys()
			if len(keys) != 1 || !strings.HasPrefix(keys[0], "t:") || !strings.Contains(keys[0], tc.key+e.srv.AppID) {
				t.Fatalf("Redis keys = %q", keys)
			}
			if ttl := e.mr.TTL(keys[0]); ttl != tc.wantTTL {
				t.Fatalf("token TTL = %s, want %s", ttl, tc.wantTTL)
			}
		})
	}
}

func TestTokenFetchedOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.CheckText(t.Context(), "o-alice", "hello")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.srv.Calls(wechattest.EndpointToken); got != 1 {
		t.Fatalf("token calls = %d, want 1", got)
	}
}

// TestTokenRefresh checks that a token WeChat rejects is replaced and the
// call retried once, and only once.
func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		edit     func(*wechat.Config)
		tokenAPI string
	}{
		"token":        {edit: func(*wechat.Config) {}, tokenAPI: wechattest.EndpointToken},
		"stable token": {edit: stable, tokenAPI: wechattest.EndpointStableToken},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.srv.AddPhoneCode("p1", "13800000001")
			c := e.client(t, tc.edit)
			ctx := t.Context()
			if _, err := c.CheckText(ctx, "o-alice", "hello"); err != nil {
				t.Fatal(err)
			}

			e.srv.ExpireTokens()
			if _, err := c.PhoneNumber(ctx, "p1"); err != nil {
				t.Fatalf("after expiry: %v", err)
			}
			if got := e.srv.Calls(tc.tokenAPI); got != 2 {
				t.Fatalf("%s calls = %d, want 2", tc.tokenAPI, got)
			}
			if got := e.srv.Calls(wechattest.EndpointPhoneNumber); got != 2 {
				t.Fatalf("phone calls = %d, want 2 (rejected, then retried)", got)
			}
			if !strings.Contains(e.log.String(), "fetching a new one") {
				t.Fatalf("refresh not logged:\n%s", e.log)
			}

			// A token that is still refused after the refresh is an error, not a loop.
			e.srv.FailNext(wechattest.EndpointMsgSecCheck, wechattest.ErrcodeInvalidCredential, "invalid credential")
			e.srv.FailNext(wechattest.EndpointMsgSecCheck, wechattest.ErrcodeTokenExpired, "access_token expired")
			_, err := c.CheckText(ctx, "o-alice", "hello")
			wantAPIError(t, err, wechattest.ErrcodeTokenExpired)
			if got := e.srv.Calls(wechattest.EndpointMsgSecCheck); got != 3 {
				t.Fatalf("msg_sec_check calls = %d, want 3", got)
			}
		})
	}
}

// TestTimeout checks that a stalled WeChat gives an error within the
// configured timeout, without the secret in it.
func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	for _, endpoint := range []string{wechattest.EndpointCode2Session, wechattest.EndpointToken, wechattest.EndpointSubscribeSend} {
		t.Run(endpoint, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.srv.AddLoginCode("c", "o", "")
			e.srv.Stall(endpoint)
			c := e.client(t, func(cfg *wechat.Config) { cfg.HTTPTimeout = timeout })

			// A backstop so that a broken timeout fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(t.Context(), 50*timeout)
			defer cancel()
			start := time.Now()
			var err error
			if endpoint == wechattest.EndpointCode2Session {
				_, err = c.Code2Session(ctx, "c")
			} else {
				err = c.SendSubscribe(ctx, wechat.SubscribeMessage{ToUser: "o", TemplateID: "t", Data: map[string]string{"k": "v"}})
			}
			elapsed := time.Since(start)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v is not a deadline", err)
			}
			if elapsed > 10*timeout {
				t.Fatalf("gave up after %s with a %s timeout", elapsed, timeout)
			}
			if strings.Contains(err.Error(), e.srv.AppSecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}

	t.Run("caller deadline wins", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.Stall(wechattest.EndpointCode2Session)
		c := e.client(t, func(cfg *wechat.Config) { cfg.HTTPTimeout = time.Hour })
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		if _, err := c.Code2Session(ctx, "c"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v is not a deadline", err)
		}
	})
}

func TestCredentialsChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t, func(cfg *wechat.Config) { cfg.AppSecret = "wrong" })
	_, err := c.CheckText(t.Context(), "o", "hello")
	wantAPIError(t, err, wechattest.ErrcodeInvalidAppSecret)
	if got := e.srv.Calls(wechattest.EndpointMsgSecCheck); got != 0 {
		t.Fatalf("msg_sec_check called %d times without a token", got)
	}
}

func TestRedisDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client(t)
	e.mr.Close()
	if _, err := c.CheckText(t.Context(), "o", "hello"); err == nil {
		t.Fatal("no error with Redis down")
	}
	if got := e.srv.Calls(wechattest.EndpointToken); got != 0 {
		t.Fatalf("token fetched %d times with Redis down, want 0", got)
	}
}

// TestUnroutedAppRefused checks that, with a fake in the process, an app no
// fake serves cannot reach the network.
func TestUnroutedAppRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, err := wechat.New(wechat.Config{AppID: "wxnofakeserves", AppSecret: "s"}, e.rdb, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Code2Session(t.Context(), "c")
	if err == nil || !strings.Contains(err.Error(), "fake WeChat") {
		t.Fatalf("error = %v, want a refusal", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	for name, tc := range map[string]struct {
		cfg wechat.Config
		rdb redis.UniversalClient
	}{
		"secret without AppID": {cfg: wechat.Config{AppSecret: "s"}, rdb: rdb},
		"AppID without secret": {cfg: wechat.Config{AppID: "wx1"}, rdb: rdb},
		"no Redis":             {cfg: wechat.Config{AppID: "wx1", AppSecret: "s"}},
		"malformed AppID":      {cfg: wechat.Config{AppID: "wx1&x=y", AppSecret: "s"}, rdb: rdb},
		"negative timeout":     {cfg: wechat.Config{AppID: "wx1", AppSecret: "s", HTTPTimeout: -time.Second}, rdb: rdb},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := wechat.New(tc.cfg, tc.rdb, nil); !errors.Is(err, wechat.ErrInvalidInput) {
				t.Fatalf("New = %v, want ErrInvalidInput", err)
			}
		})
	}
}

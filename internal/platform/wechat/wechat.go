package wechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/auth"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	mpcontext "github.com/silenceper/wechat/v2/miniprogram/context"
	"github.com/silenceper/wechat/v2/miniprogram/qrcode"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultHTTPTimeout = 10 * time.Second
	DefaultKeyPrefix   = "wechat:"
)

// WeChat API endpoints this package posts to itself (the SDK's own methods
// for them take no context; see the package documentation).
const (
	subscribeSendURL = "https://" + apiHost + "/cgi-bin/message/subscribe/send?access_token="
	qrUnlimitedURL   = "https://" + apiHost + "/wxa/getwxacodeunlimit?access_token="
)

// Limits WeChat sets on its arguments.
const (
	maxCheckRunes  = 2500 // msg_sec_check content
	defaultQRWidth = 430
	minQRWidth     = 280
	maxQRWidth     = 1280
)

// Config configures a Client. An empty AppID selects development mode.
type Config struct {
	AppID          string        // mini-program AppID; empty for development mode
	AppSecret      string        // required with AppID
	UseStableToken bool          // use /cgi-bin/stable_token instead of /cgi-bin/token
	HTTPTimeout    time.Duration // per HTTP request (a call may make up to four: token, call, new token, retry); DefaultHTTPTimeout when zero
	KeyPrefix      string        // Redis key prefix for the token; DefaultKeyPrefix when empty
}

// Session is the result of a login code.
type Session struct {
	OpenID     string
	UnionID    string // empty unless the app is bound to an open-platform account
	SessionKey string // empty in development mode; never log it
}

// TextVerdict is the result of a text check. Pass is true only when WeChat
// suggests "pass"; "review" and "risky" both fail.
type TextVerdict struct {
	Pass    bool
	Label   string // WeChat's label name, such as "正常" or "广告"
	Suggest string // "pass", "review" or "risky"
}

// SubscribeMessage is a subscribe message to one user.
type SubscribeMessage struct {
	ToUser     string            // openid of the recipient
	TemplateID string            // subscribe template
	Page       string            // optional mini-program page opened from the card
	Data       map[string]string // template key (such as "thing1") to value
}

// Client talks to the WeChat mini-program API, or fakes it in development
// mode. It is safe for concurrent use.
type Client struct {
	log  *slog.Logger
	dev  bool
	call call

	sdk      *mpconfig.Config
	cache    *redisCache
	tokens   credential.AccessTokenContextHandle
	tokenKey string // the SDK's cache key for the token, for refreshes

	outboxMu sync.Mutex
	outbox   []SubscribeMessage
}

var (
	// idPattern is what we accept for AppIDs, secrets and development openids;
	// the SDK puts AppID and secret into URLs unescaped.
	idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	// scenePattern is WeChat's rule for getwxacodeunlimit scenes.
	scenePattern = regexp.MustCompile(`^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~]{1,32}$`)
)

// New returns a Client. With an empty AppID it returns a development-mode
// client, which needs no Redis and says so loudly in the log. Otherwise rdb
// holds the access token, shared by every Client with the same KeyPrefix and
// AppID. logger may be nil.
func New(cfg Config, rdb redis.UniversalClient, logger *slog.Logger) (*Client, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPTimeout < 0 {
		return nil, fmt.Errorf("%w: negative HTTP timeout %s", ErrInvalidInput, cfg.HTTPTimeout)
	}
	if cfg.HTTPTimeout == 0 {
		cfg.HTTPTimeout = DefaultHTTPTimeout
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}

	if cfg.AppID == "" {
		// A secret without an AppID is a half-done production config; falling
		// into development mode would let anyone log in as anyone.
		if cfg.AppSecret != "" {
			return nil, fmt.Errorf("%w: AppSecret is set but AppID is empty", ErrInvalidInput)
		}
		logger.Warn("微信小程序处于开发模式：未配置 AppID，任何 dev:<openid> 登录码都可登录，订阅消息只记录不发送，切勿用于生产环境。"+
			" WeChat is in DEVELOPMENT MODE: no AppID is configured, any dev:<openid> code logs in and subscribe messages are only logged; never run this in production.",
			"dev_blocked_text", DevBlockedText)
		return &Client{log: logger, dev: true}, nil
	}

	if !idPattern.MatchString(cfg.AppID) {
		return nil, fmt.Errorf("%w: malformed AppID", ErrInvalidInput)
	}
	if !idPattern.MatchString(cfg.AppSecret) {
		return nil, fmt.Errorf("%w: AppSecret missing or malformed", ErrInvalidInput)
	}
	if rdb == nil {
		return nil, fmt.Errorf("%w: Redis is required for the access token", ErrInvalidInput)
	}
	installTransport()

	c := &Client{
		log:   logger,
		call:  call{appID: cfg.AppID, timeout: cfg.HTTPTimeout},
		cache: newRedisCache(rdb, cfg.KeyPrefix, logger),
	}
	c.sdk = &mpconfig.Config{
		AppID:       cfg.AppID,
		AppSecret:   cfg.AppSecret,
		Cache:       c.cache,
		UseStableAK: cfg.UseStableToken,
	}
	c.tokens = miniprogram.NewMiniProgram(c.sdk).GetContext().AccessTokenContextHandle
	// The SDK keeps these formats private; the refresh tests fail if they change.
	if cfg.UseStableToken {
		c.tokenKey = fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, cfg.AppID)
	} else {
		c.tokenKey = fmt.Sprintf("%s_access_token_%s", credential.CacheKeyMiniProgramPrefix, cfg.AppID)
	}
	logger.Info("wechat client ready", "app_id", cfg.AppID, "stable_token", cfg.UseStableToken, "http_timeout", cfg.HTTPTimeout)
	return c, nil
}

// DevMode reports whether the client is in development mode (no AppID).
func (c *Client) DevMode() bool { return c.dev }

// Code2Session exchanges a login code from wx.login for the user's identity.
// A rejected code gives an error that is ErrInvalidCode. In development mode
// only "dev:<openid>" codes are accepted, openid being 1–64 characters of
// [A-Za-z0-9_-]; with an AppID such codes go to WeChat like any other.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if code == "" {
		return Session{}, fmt.Errorf("code2session: empty code: %w", ErrInvalidCode)
	}
	if c.dev {
		openID, ok := strings.CutPrefix(code, "dev:")
		if !ok || !idPattern.MatchString(openID) {
			return Session{}, fmt.Errorf("code2session: development mode accepts only dev:<openid> with 1-64 of [A-Za-z0-9_-]: %w", ErrInvalidCode)
		}
		c.log.InfoContext(ctx, "wechat dev login", "openid", maskID(openID))
		return Session{OpenID: openID}, nil
	}

	ctx = context.WithValue(ctx, callKey{}, c.call)
	// The SDK puts the code into the URL as it is; escaping keeps a hostile
	// code from adding parameters.
	res, err := auth.NewAuth(c.sdkContext("")).Code2SessionContext(ctx, url.QueryEscape(code))
	if res.ErrCode != 0 {
		return Session{}, &APIError{Op: "code2session", Code: res.ErrCode, Msg: res.ErrMsg}
	}
	if err != nil {
		return Session{}, wrap("code2session", err)
	}
	if res.OpenID == "" {
		return Session{}, fmt.Errorf("wechat code2session: answer has no openid")
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// DevBlockedText is the only text development mode rejects, so that tests can
// trigger a failed check: any content containing it fails as "risky".
const DevBlockedText = "违规测试"

// CheckText checks user text with msg_sec_check v2 in the comment scene, on
// behalf of openid (who must have used the mini program in the last two
// hours). Text longer than WeChat's 2,500-character limit is checked in
// pieces and fails if any piece fails. Empty text passes without a call.
func (c *Client) CheckText(ctx context.Context, openid, content string) (TextVerdict, error) {
	if openid == "" {
		return TextVerdict{}, fmt.Errorf("check text: empty openid: %w", ErrInvalidInput)
	}
	pass := TextVerdict{Pass: true, Label: security.CheckLabel(100).String(), Suggest: string(security.CheckSuggestPass)}
	if c.dev {
		if strings.Contains(content, DevBlockedText) {
			return TextVerdict{Label: security.CheckLabel(21000).String(), Suggest: string(security.CheckSuggestRisky)}, nil
		}
		return pass, nil
	}

	for _, piece := range splitRunes(content, maxCheckRunes) {
		var res security.MsgCheckResponse
		err := c.withToken(ctx, "msg_sec_check", func(ctx context.Context, sc *mpcontext.Context) error {
			var err error
			res, err = security.NewSecurity(sc).MsgCheckContext(ctx, &security.MsgCheckRequest{
				OpenID:  openid,
				Scene:   security.MsgSceneComment,
				Content: piece,
			})
			return err
		})
		if err != nil {
			return TextVerdict{}, err
		}
		if res.Result.Suggest != security.CheckSuggestPass {
			return TextVerdict{Label: res.Result.Label.String(), Suggest: string(res.Result.Suggest)}, nil
		}
	}
	return pass, nil
}

// SendSubscribe sends a subscribe message to the formal version of the mini
// program, in Chinese. A user who has not subscribed gives an error that is
// ErrSubscriptionRefused. In development mode the message is logged (with
// the openid masked and the values left out) and kept for DevOutbox.
func (c *Client) SendSubscribe(ctx context.Context, msg SubscribeMessage) error {
	if msg.ToUser == "" || msg.TemplateID == "" {
		return fmt.Errorf("send subscribe: recipient and template are required: %w", ErrInvalidInput)
	}
	if c.dev {
		msg.Data = maps.Clone(msg.Data)
		c.outboxMu.Lock()
		c.outbox = append(c.outbox, msg)
		c.outboxMu.Unlock()
		c.log.InfoContext(ctx, "wechat dev subscribe message (not sent)",
			"to", maskID(msg.ToUser), "template_id", msg.TemplateID, "page", msg.Page,
			"data_keys", strings.Join(slices.Sorted(maps.Keys(msg.Data)), ","))
		return nil
	}

	body := &subscribe.Message{
		ToUser:           msg.ToUser,
		TemplateID:       msg.TemplateID,
		Page:             msg.Page,
		Data:             make(map[string]*subscribe.DataItem, len(msg.Data)),
		MiniprogramState: "formal",
		Lang:             "zh_CN",
	}
	for k, v := range msg.Data {
		body.Data[k] = &subscribe.DataItem{Value: v}
	}
	return c.withToken(ctx, "subscribe_send", func(ctx context.Context, sc *mpcontext.Context) error {
		tok, err := sc.GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		resp, err := util.PostJSONContext(ctx, subscribeSendURL+url.QueryEscape(tok), body)
		if err != nil {
			return err
		}
		return util.DecodeWithCommonError(resp, "subscribe_send")
	})
}

// DevOutbox returns a copy of the subscribe messages "sent" in development
// mode, oldest first; nil otherwise.
func (c *Client) DevOutbox() []SubscribeMessage {
	c.outboxMu.Lock()
	defer c.outboxMu.Unlock()
	out := make([]SubscribeMessage, 0, len(c.outbox))
	for _, m := range c.outbox {
		m.Data = maps.Clone(m.Data)
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// UnlimitedQRCode returns a mini-program code (getwxacodeunlimit) opening page
// (empty for the home page; no leading slash) with scene, which WeChat limits
// to 32 characters of [A-Za-z0-9!#$&'()*+,/:;=?@-._~]. width is 280–1280
// pixels, 0 meaning 430. The bytes are the image WeChat returns (PNG or JPEG;
// the kind is checked); in development mode a local placeholder PNG that
// encodes only the scene.
func (c *Client) UnlimitedQRCode(ctx context.Context, scene, page string, width int) ([]byte, error) {
	if !scenePattern.MatchString(scene) {
		return nil, fmt.Errorf("qr code: scene must be 1-32 of [A-Za-z0-9!#$&'()*+,/:;=?@-._~]: %w", ErrInvalidInput)
	}
	if strings.HasPrefix(page, "/") {
		return nil, fmt.Errorf("qr code: page must not start with a slash: %w", ErrInvalidInput)
	}
	if width == 0 {
		width = defaultQRWidth
	}
	if width < minQRWidth || width > maxQRWidth {
		return nil, fmt.Errorf("qr code: width %d outside %d-%d: %w", width, minQRWidth, maxQRWidth, ErrInvalidInput)
	}
	if c.dev {
		return devQRCode(scene, width)
	}

	var img []byte
	err := c.withToken(ctx, "getwxacodeunlimit", func(ctx context.Context, sc *mpcontext.Context) error {
		tok, err := sc.GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		resp, err := util.PostJSONContext(ctx, qrUnlimitedURL+url.QueryEscape(tok), qrcode.QRCoder{
			Scene: scene,
			Page:  page,
			Width: width,
		})
		if err != nil {
			return err
		}
		// WeChat answers errors as JSON and success as the image itself.
		if bytes.HasPrefix(bytes.TrimSpace(resp), []byte("{")) {
			if err := util.DecodeWithCommonError(resp, "getwxacodeunlimit"); err != nil {
				return err
			}
			return errors.New("JSON answer without an image or errcode")
		}
		switch kind := http.DetectContentType(resp); kind {
		case "image/png", "image/jpeg":
		default:
			return fmt.Errorf("answer is %s, not an image", kind)
		}
		img = resp
		return nil
	})
	return img, err
}

// PhoneNumber exchanges a phone-number code from the getPhoneNumber button for
// the user's number (with country code when outside China). A rejected code
// gives an error that is ErrInvalidCode. Development mode has no phone
// numbers: it returns ErrDevMode.
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	if c.dev {
		return "", fmt.Errorf("phone number: %w", ErrDevMode)
	}
	if code == "" {
		return "", fmt.Errorf("phone number: empty code: %w", ErrInvalidCode)
	}
	var phone string
	err := c.withToken(ctx, "getuserphonenumber", func(ctx context.Context, sc *mpcontext.Context) error {
		res, err := auth.NewAuth(sc).GetPhoneNumberContext(ctx, code)
		if err != nil {
			return err
		}
		phone = res.PhoneInfo.PhoneNumber
		if phone == "" {
			return errors.New("answer has no phone number")
		}
		return nil
	})
	return phone, err
}

// withToken runs fn with an access token. When WeChat says the token is
// expired or not the latest, it drops the token from Redis (unless another
// instance already replaced it), fetches a new one and runs fn once more.
func (c *Client) withToken(ctx context.Context, op string, fn func(context.Context, *mpcontext.Context) error) error {
	ctx = context.WithValue(ctx, callKey{}, c.call)
	tok, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	err = wrap(op, fn(ctx, c.sdkContext(tok)))
	if !tokenRejected(err) {
		return err
	}
	c.log.WarnContext(ctx, "wechat rejected the access token; fetching a new one", "op", op, "err", err)
	if err := c.cache.deleteIf(ctx, c.tokenKey, tok); err != nil {
		return fmt.Errorf("wechat %s: drop rejected access token: %w", op, err)
	}
	if tok, err = c.accessToken(ctx); err != nil {
		return err
	}
	return wrap(op, fn(ctx, c.sdkContext(tok)))
}

// accessToken returns the cached token or has the SDK fetch and cache one. It
// reads Redis itself first because the SDK's cache interface cannot report
// failures: with Redis down the SDK would fetch a token on every call and use
// up WeChat's daily quota.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	tok, err := c.cache.lookup(ctx, c.tokenKey)
	if err != nil {
		return "", fmt.Errorf("wechat access token: read cache: %w", err)
	}
	if tok != "" {
		return tok, nil
	}
	tok, err = c.tokens.GetAccessTokenContext(ctx)
	if err != nil {
		return "", wrap("access_token", err)
	}
	return tok, nil
}

// sdkContext returns the SDK's per-app context with a fixed token, so that an
// SDK call uses exactly the token withToken chose.
func (c *Client) sdkContext(tok string) *mpcontext.Context {
	return &mpcontext.Context{Config: c.sdk, AccessTokenContextHandle: staticToken(tok)}
}

// staticToken is an access-token handle that always gives the same token.
type staticToken string

func (t staticToken) GetAccessToken() (string, error) { return string(t), nil }

func (t staticToken) GetAccessTokenContext(context.Context) (string, error) {
	return string(t), nil
}

// splitRunes cuts s into pieces of at most n runes; "" gives no pieces.
func splitRunes(s string, n int) []string {
	var out []string
	for s != "" {
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// Package wechattest is a fake of the WeChat mini-program HTTP API for tests.
//
// NewServer starts an httptest server under a fresh AppID and registers it in
// the process-wide routing table of package wechat, so a wechat.Client built
// with that AppID and secret talks to it through the real SDK, and tests with
// their own fakes can run in parallel. From the first NewServer on, a request
// that no fake serves fails instead of reaching the network.
//
// The fake checks the AppID, secret and access token like WeChat does, counts
// calls per endpoint, and lets a test register login codes, phone codes and
// risky text, make tokens expire, inject errcodes and stall endpoints.
package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/placeholder"
	"github.com/ordos-wufei/wufei/internal/platform/wechat/internal/route"
)

// Endpoints the fake implements, for Calls, FailNext and Stall.
const (
	EndpointCode2Session  = "/sns/jscode2session"
	EndpointToken         = "/cgi-bin/token"
	EndpointStableToken   = "/cgi-bin/stable_token"
	EndpointMsgSecCheck   = "/wxa/msg_sec_check"
	EndpointSubscribeSend = "/cgi-bin/message/subscribe/send"
	EndpointQRUnlimited   = "/wxa/getwxacodeunlimit"
	EndpointPhoneNumber   = "/wxa/business/getuserphonenumber"
)

// WeChat errcodes the fake answers with.
const (
	ErrcodeInvalidCredential  = 40001 // unknown access token, or bad secret for the token endpoints
	ErrcodeInvalidOpenID      = 40003
	ErrcodeInvalidAppID       = 40013
	ErrcodeInvalidCode        = 40029
	ErrcodeInvalidTemplateID  = 40037
	ErrcodeInvalidAppSecret   = 40125
	ErrcodeCodeUsed           = 40163
	ErrcodeInvalidScene       = 40169
	ErrcodeAccessTokenMissing = 41001
	ErrcodeTokenExpired       = 42001
	ErrcodeRefusedSubscribe   = 43101
	ErrcodeDataFormat         = 47001
)

// tokenTTL is the expires_in the fake gives tokens, as WeChat does.
const tokenTTL = 7200

// Message is a subscribe message the fake received.
type Message struct {
	ToUser, TemplateID, Page string
	Data                     map[string]string // template key to value
	MiniprogramState, Lang   string
}

// Server is a fake WeChat API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the fake's base address; clients reach it through routing, not
	// by being told this.
	URL string
	// AppID and AppSecret are what a wechat.Config must carry to use this
	// fake. The AppID is unique in the process.
	AppID, AppSecret string

	done chan struct{} // closed on cleanup, to release stalled handlers

	mu       sync.Mutex
	calls    map[string]int
	users    map[string]user // login code → user
	used     map[string]bool // login and phone codes already exchanged
	phones   map[string]string
	risky    []riskyText
	failures map[string][]apiError
	stalls   map[string]bool
	tokens   map[string]bool // issued access tokens → still valid
	stable   string          // current stable token
	sent     []Message
}

type user struct{ openID, unionID string }

type riskyText struct {
	substr string
	label  int
}

type apiError struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

// Option configures NewServer.
type Option func(*Server)

// WithAppID makes the fake serve appID instead of a generated one. NewServer
// fails the test if another live fake serves it.
func WithAppID(appID string) Option { return func(s *Server) { s.AppID = appID } }

// WithAppSecret sets the secret the fake expects.
func WithAppSecret(secret string) Option { return func(s *Server) { s.AppSecret = secret } }

// NewServer starts a fake, routes its AppID to it, and stops it when the test
// ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		AppID:     "wxtest" + randomHex(8),
		AppSecret: randomHex(16),
		done:      make(chan struct{}),
		calls:     map[string]int{},
		users:     map[string]user{},
		used:      map[string]bool{},
		phones:    map[string]string{},
		failures:  map[string][]apiError{},
		stalls:    map[string]bool{},
		tokens:    map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}

	mux := http.NewServeMux()
	for path, h := range map[string]func(*http.Request) any{
		EndpointCode2Session:  s.code2Session,
		EndpointToken:         s.token,
		EndpointStableToken:   s.stableToken,
		EndpointMsgSecCheck:   s.msgSecCheck,
		EndpointSubscribeSend: s.subscribeSend,
		EndpointQRUnlimited:   s.qrUnlimited,
		EndpointPhoneNumber:   s.phoneNumber,
	} {
		mux.HandleFunc(path, s.handle(path, h))
	}
	hs := httptest.NewServer(mux)
	s.URL = hs.URL

	base, err := url.Parse(hs.URL)
	if err != nil {
		hs.Close()
		t.Fatalf("wechattest: %v", err)
	}
	unregister, err := route.Register(s.AppID, base)
	if err != nil {
		hs.Close()
		t.Fatalf("wechattest: %v", err)
	}
	t.Cleanup(func() {
		unregister()
		close(s.done)
		hs.Close()
	})
	return s
}

// AddLoginCode makes code a login code for openID (and unionID, which may be
// empty). Like WeChat's, it works once; the second use gets 40163.
func (s *Server) AddLoginCode(code, openID, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[code] = user{openID: openID, unionID: unionID}
}

// AddPhoneCode makes code a phone-number code for phone. It works once.
func (s *Server) AddPhoneCode(code, phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phones[code] = phone
}

// AddRiskyText makes msg_sec_check answer "risky" with label (such as 10001
// for advertising) for any content containing substr.
func (s *Server) AddRiskyText(substr string, label int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.risky = append(s.risky, riskyText{substr: substr, label: label})
}

// FailNext makes the next call to endpoint answer errcode and errmsg instead
// of doing its work. Calls queue up: FailNext twice fails the next two calls.
func (s *Server) FailNext(endpoint string, errcode int, errmsg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[endpoint] = append(s.failures[endpoint], apiError{Code: errcode, Msg: errmsg})
}

// Stall makes every later call to endpoint hang until the client gives up
// (or the test ends), to exercise timeouts.
func (s *Server) Stall(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalls[endpoint] = true
}

// ExpireTokens makes every access token issued so far expired: the next API
// call with one gets 42001, as after WeChat's two hours.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok := range s.tokens {
		s.tokens[tok] = false
	}
	s.stable = ""
}

// Calls returns how many requests endpoint has received, failed ones included.
func (s *Server) Calls(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[endpoint]
}

// Sent returns the subscribe messages accepted so far, oldest first.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.sent))
	for i, m := range s.sent {
		m.Data = maps.Clone(m.Data)
		out[i] = m
	}
	return out
}

// handle wraps an endpoint: count, stall, injected failure, then the work.
// The work returns the JSON answer, or []byte for an image.
func (s *Server) handle(path string, work func(*http.Request) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[path]++
		stall := s.stalls[path]
		var injected *apiError
		if q := s.failures[path]; len(q) > 0 && !stall {
			injected, s.failures[path] = &q[0], q[1:]
		}
		s.mu.Unlock()

		if stall {
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		}
		if injected != nil {
			writeJSON(w, injected)
			return
		}
		switch v := work(r).(type) {
		case []byte:
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(v)
		default:
			writeJSON(w, v)
		}
	}
}

func (s *Server) code2Session(r *http.Request) any {
	q := r.URL.Query()
	if e := s.checkApp(q.Get("appid"), q.Get("secret")); e != nil {
		return e
	}
	if q.Get("grant_type") != "authorization_code" {
		return fail(ErrcodeDataFormat, "invalid grant_type")
	}
	code := q.Get("js_code")
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[code]
	switch {
	case !ok:
		return fail(ErrcodeInvalidCode, "invalid code")
	case s.used[code]:
		return fail(ErrcodeCodeUsed, "code been used")
	}
	s.used[code] = true
	return map[string]any{"openid": u.openID, "unionid": u.unionID, "session_key": "fake-session-key-" + randomHex(8)}
}

func (s *Server) token(r *http.Request) any {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" {
		return fail(ErrcodeDataFormat, "invalid grant_type")
	}
	if e := s.checkApp(q.Get("appid"), q.Get("secret")); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.issue()
	return map[string]any{"access_token": tok, "expires_in": tokenTTL}
}

func (s *Server) stableToken(r *http.Request) any {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || req.GrantType != "client_credential" {
		return fail(ErrcodeDataFormat, "data format error")
	}
	if e := s.checkApp(req.AppID, req.Secret); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Like WeChat, the stable token stays the same until it expires or a
	// refresh is forced.
	if s.stable == "" || req.ForceRefresh {
		if s.stable != "" {
			s.tokens[s.stable] = false
		}
		s.stable = s.issue()
	}
	return map[string]any{"access_token": s.stable, "expires_in": tokenTTL}
}

func (s *Server) msgSecCheck(r *http.Request) any {
	var req struct {
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Content string `json:"content"`
		Version int    `json:"version"`
	}
	if e := s.decodeAuthed(r, &req); e != nil {
		return e
	}
	switch {
	case req.Version != 2 || req.Scene < 1 || req.Scene > 4:
		return fail(ErrcodeDataFormat, "data format error: version must be 2, scene 1-4")
	case req.OpenID == "":
		return fail(ErrcodeInvalidOpenID, "invalid openid")
	}
	suggest, label := "pass", 100
	s.mu.Lock()
	for _, rt := range s.risky {
		if strings.Contains(req.Content, rt.substr) {
			suggest, label = "risky", rt.label
			break
		}
	}
	s.mu.Unlock()
	return map[string]any{
		"errcode":  0,
		"errmsg":   "ok",
		"trace_id": "fake-" + randomHex(8),
		"result":   map[string]any{"suggest": suggest, "label": label},
		"detail":   []map[string]any{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}},
	}
}

func (s *Server) subscribeSend(r *http.Request) any {
	var req struct {
		ToUser           string `json:"touser"`
		TemplateID       string `json:"template_id"`
		Page             string `json:"page"`
		MiniprogramState string `json:"miniprogram_state"`
		Lang             string `json:"lang"`
		Data             map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	if e := s.decodeAuthed(r, &req); e != nil {
		return e
	}
	switch {
	case req.ToUser == "":
		return fail(ErrcodeInvalidOpenID, "invalid openid")
	case req.TemplateID == "":
		return fail(ErrcodeInvalidTemplateID, "invalid template_id")
	case len(req.Data) == 0:
		return fail(ErrcodeDataFormat, "data format error: data is empty")
	}
	m := Message{
		ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page,
		MiniprogramState: req.MiniprogramState, Lang: req.Lang,
		Data: make(map[string]string, len(req.Data)),
	}
	for k, v := range req.Data {
		m.Data[k] = fmt.Sprint(v.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
	return map[string]any{"errcode": 0, "errmsg": "ok", "msgid": len(s.sent)}
}

func (s *Server) qrUnlimited(r *http.Request) any {
	var req struct {
		Scene string `json:"scene"`
		Page  string `json:"page"`
		Width int    `json:"width"`
	}
	if e := s.decodeAuthed(r, &req); e != nil {
		return e
	}
	if req.Scene == "" || len(req.Scene) > 32 {
		return fail(ErrcodeInvalidScene, "invalid length for scene")
	}
	// The image is small whatever the width: tests need its scene, not pixels.
	img, err := placeholder.PNG(req.Scene, 64)
	if err != nil {
		return fail(-1, "system error: "+err.Error())
	}
	return img
}

func (s *Server) phoneNumber(r *http.Request) any {
	var req struct {
		Code string `json:"code"`
	}
	if e := s.decodeAuthed(r, &req); e != nil {
		return e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	phone, ok := s.phones[req.Code]
	key := "phone:" + req.Code
	switch {
	case !ok:
		return fail(ErrcodeInvalidCode, "invalid code")
	case s.used[key]:
		return fail(ErrcodeCodeUsed, "code been used")
	}
	s.used[key] = true
	pure := strings.TrimPrefix(phone, "+86")
	return map[string]any{
		"errcode": 0,
		"errmsg":  "ok",
		"phone_info": map[string]any{
			"phoneNumber":     phone,
			"purePhoneNumber": pure,
			"countryCode":     "86",
			"watermark":       map[string]any{"timestamp": time.Now().Unix(), "appid": s.AppID},
		},
	}
}

// checkApp checks credentials as the token and login endpoints do.
func (s *Server) checkApp(appID, secret string) *apiError {
	switch {
	case appID != s.AppID:
		return fail(ErrcodeInvalidAppID, "invalid appid")
	case secret != s.AppSecret:
		return fail(ErrcodeInvalidAppSecret, "invalid appsecret")
	}
	return nil
}

// decodeAuthed checks the access token in the query and decodes a JSON body.
func (s *Server) decodeAuthed(r *http.Request, v any) *apiError {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		return fail(ErrcodeAccessTokenMissing, "access_token missing")
	}
	s.mu.Lock()
	valid, known := s.tokens[tok]
	s.mu.Unlock()
	switch {
	case !known:
		return fail(ErrcodeInvalidCredential, "invalid credential, access_token is invalid or not latest")
	case !valid:
		return fail(ErrcodeTokenExpired, "access_token expired")
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(v) != nil {
		return fail(ErrcodeDataFormat, "data format error")
	}
	return nil
}

// issue makes a new valid token; s.mu must be held.
func (s *Server) issue() string {
	tok := "fake-token-" + randomHex(16)
	s.tokens[tok] = true
	return tok
}

func fail(code int, msg string) *apiError {
	return &apiError{Code: code, Msg: msg + " rid: fake-" + randomHex(4)}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

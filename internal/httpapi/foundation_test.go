package httpapi_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/config"
)

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/livez", "", nil).want(200)
	ready := e.do("GET", "/readyz", "", nil).want(200).json()
	if ready["status"] != "ok" {
		t.Fatalf("readyz: %v", ready)
	}
	e.do("GET", "/api/v1/me", "", nil).want(401)
	res := e.do("GET", "/metrics", "", nil).want(200)
	body := string(res.Body)
	for _, want := range []string{
		`wufei_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1`,
		`wufei_http_request_duration_seconds_bucket{method="GET",route="/readyz",status="200",le="+Inf"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if res.Header.Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID header")
	}
	// A well-formed client request id is kept.
	got := e.do("GET", "/livez", "", nil, "X-Request-ID", "abc-123").Header.Get("X-Request-ID")
	if got != "abc-123" {
		t.Errorf("request id %q, want abc-123", got)
	}
}

// TestBadInput checks each kind of bad request gets its status and code,
// and that nothing is written.
func TestBadInput(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.HTTP.JSONLimitBytes = 2048; c.HTTP.BodyLimitBytes = 4096 })
	admin := e.tokens[account.RoleAdmin]
	count := func() int {
		var page struct{ Items []map[string]any }
		e.do("GET", "/api/v1/admin/users?limit=100", admin, nil).want(200).decode(&page)
		return len(page.Items)
	}
	before := count()
	valid := `{"username":"newuser","password":"password1","role":"evaluator"}`
	cases := []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"malformed JSON", `{"username":`, "application/json", 400, "invalid_json"},
		{"not an object", `[1,2]`, "application/json", 400, "invalid_json"},
		{"trailing data", valid + `{}`, "application/json", 400, "invalid_json"},
		{"unknown field", `{"username":"newuser","password":"password1","role":"evaluator","admin":true}`, "application/json", 400, "unknown_field"},
		{"wrong type", `{"username":5,"password":"password1","role":"evaluator"}`, "application/json", 400, "validation_failed"},
		{"missing fields", `{}`, "application/json", 400, "validation_failed"},
		{"bad role", `{"username":"newuser","password":"password1","role":"citizen"}`, "application/json", 400, "validation_failed"},
		{"wrong content type", valid, "text/plain", 415, "unsupported_media_type"},
		{"no content type", valid, "", 415, "unsupported_media_type"},
		{"over the JSON limit", `{"username":"` + strings.Repeat("a", 3000) + `"}`, "application/json", 413, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			var headers []string
			if tc.ctype != "" {
				headers = []string{"Content-Type", tc.ctype}
			}
			res := e.doRaw("POST", "/api/v1/admin/users", admin, tc.body, headers...)
			res.wantError(tc.status, tc.code)
		})
	}
	e.t = t
	if after := count(); after != before {
		t.Fatalf("users %d → %d: a refused request wrote something", before, after)
	}
	res := e.do("POST", "/api/v1/admin/users", admin, map[string]any{"username": "x!", "password": "short", "role": "department"})
	f := res.wantError(400, "validation_failed").fields()
	for _, field := range []string{"username", "password", "departments"} {
		if f[field] == "" {
			t.Errorf("no field error for %s: %v", field, f)
		}
	}
	e.do("GET", "/api/v1/admin/users?limit=zero", admin, nil).wantError(400, "invalid_limit")
	e.do("GET", "/no/such/route", "", nil).wantError(404, "route_not_found")
	e.do("GET", "/api/v1/admin/audit?from=yesterday", admin, nil).wantError(400, "validation_failed")
}

// doRaw sends body with exactly the given headers (no default content type).
func (e *env) doRaw(method, path, token, body string, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.App.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return response{t: e.t, Status: res.StatusCode, Header: res.Header, Body: data}
}

func TestLoginAndSessions(t *testing.T) {
	e := newEnv(t)
	// Dev citizen.
	tok := e.citizen("o_dev_1")
	me := e.do("GET", "/api/v1/me", tok, nil).want(200).json()
	if me["role"] != "citizen" {
		t.Fatalf("me: %v", me)
	}
	if strings.Contains(string(e.do("GET", "/api/v1/me", tok, nil).Body), "o_dev_1") {
		t.Fatal("the openid leaks through /me")
	}
	again := e.citizen("o_dev_1")
	if e.do("GET", "/api/v1/me", again, nil).json()["id"] != me["id"] {
		t.Fatal("second login of one openid made another user")
	}
	e.do("POST", "/api/v1/auth/wechat", "", map[string]string{"code": "not-dev"}).wantError(401, "wechat_login_failed")
	e.do("POST", "/api/v1/auth/wechat", "", map[string]string{"code": ""}).wantError(400, "validation_failed")

	// Logout revokes only that token.
	e.do("POST", "/api/v1/auth/logout", tok, nil).want(204)
	e.do("GET", "/api/v1/me", tok, nil).wantError(401, "session_invalid")
	e.do("GET", "/api/v1/me", again, nil).want(200)
	e.do("GET", "/api/v1/me", "", nil, "Authorization", "Basic abc").wantError(401, "session_invalid")
}

func TestLockout(t *testing.T) {
	e := newEnv(t)
	e.staff("clerk", account.RoleEvaluator)
	try := func(user, pass string) response {
		return e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pass})
	}
	for _, user := range []string{"clerk", "nobody"} { // known and unknown answer alike
		for i := 0; i < 5; i++ {
			try(user, "wrong-password").wantError(401, "invalid_credentials")
		}
		res := try(user, "wrong-password").wantError(429, "too_many_attempts")
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n <= 0 || n > 900 {
			t.Fatalf("%s: Retry-After %q", user, res.Header.Get("Retry-After"))
		}
	}
	// Locked even with the right password until the window passes.
	try("clerk", "password-clerk").wantError(429, "too_many_attempts")
	// Other users are not locked by it.
	e.staff("other", account.RoleEvaluator)
}

func TestLockoutPerAddressBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"0.0.0.0"} // app.Test's peer address
		c.Auth.LoginMaxFailuresPerIP = 3
	})
	try := func(user, xff string) response {
		return e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": "wrong-password"}, "X-Forwarded-For", xff)
	}
	for i := 0; i < 3; i++ {
		try("user"+strconv.Itoa(i), "203.0.113.9").wantError(401, "invalid_credentials")
	}
	try("user9", "203.0.113.9").wantError(429, "too_many_attempts")
	// Another client behind the same proxy is not affected; a forged left
	// hop does not help the locked client.
	try("user9", "198.51.100.7").wantError(401, "invalid_credentials")
	try("user9", "198.51.100.7, 203.0.113.9").wantError(429, "too_many_attempts")
}

func TestLoginRateLimitPerAddress(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 29; i++ { // newEnv already logged in one citizen
		e.do("POST", "/api/v1/auth/wechat", "", map[string]string{"code": "dev:o_" + strconv.Itoa(i)}).want(200)
	}
	res := e.do("POST", "/api/v1/auth/wechat", "", map[string]string{"code": "dev:o_x"}).wantError(429, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestAdminManagesStaff(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens[account.RoleAdmin]
	created := e.do("POST", "/api/v1/admin/users", admin, map[string]any{
		"username": "hbj", "password": "password1", "role": "department", "display_name": "市生态环境局 王科长",
		"departments": []string{"市生态环境局"},
	}).want(201).json()
	id := created["id"].(string)
	e.do("POST", "/api/v1/admin/users", admin, map[string]any{"username": "hbj", "password": "password1", "role": "evaluator"}).wantError(409, "username_taken")
	e.do("POST", "/api/v1/admin/users", admin, map[string]any{"username": "d2", "password": "password1", "role": "district", "districts": []string{"999999"}}).wantError(400, "validation_failed")

	tok := e.login("hbj", "password1")
	me := e.do("GET", "/api/v1/me", tok, nil).want(200).json()
	if me["display_name"] != "市生态环境局 王科长" {
		t.Fatalf("me: %v", me)
	}
	// Changing the scope revokes the session.
	e.do("PATCH", "/api/v1/admin/users/"+id, admin, map[string]any{"departments": []string{"市农牧局"}}).want(200)
	e.do("GET", "/api/v1/me", tok, nil).wantError(401, "session_invalid")
	tok = e.login("hbj", "password1")
	// Disabling revokes and blocks login.
	e.do("PATCH", "/api/v1/admin/users/"+id, admin, map[string]any{"disabled": true}).want(200)
	e.do("GET", "/api/v1/me", tok, nil).wantError(401, "session_invalid")
	e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": "hbj", "password": "password1"}).wantError(403, "account_disabled")
	e.do("PATCH", "/api/v1/admin/users/nope", admin, map[string]any{"disabled": true}).wantError(404, "user_not_found")
	e.do("PATCH", "/api/v1/admin/users/"+id, admin, map[string]any{"username": "renamed"}).wantError(400, "validation_failed")

	// The list pages through everyone exactly once.
	seen := map[string]bool{}
	cursor := ""
	for {
		var p struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		e.do("GET", "/api/v1/admin/users?limit=2&cursor="+cursor, admin, nil).want(200).decode(&p)
		for _, u := range p.Items {
			if seen[u["id"].(string)] {
				t.Fatalf("user %v listed twice", u["id"])
			}
			seen[u["id"].(string)] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 6 { // 4 staff + 1 citizen from newEnv, + hbj
		t.Fatalf("listed %d users, want 6", len(seen))
	}

	// Every change is audited, without secrets.
	var audit struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/api/v1/admin/audit?object_id="+id, admin, nil).want(200).decode(&audit)
	if len(audit.Items) != 3 {
		t.Fatalf("audit has %d records for the user, want 3 (create, 2 updates)", len(audit.Items))
	}
	if audit.Items[0]["action"] != "user.update" || audit.Items[2]["action"] != "user.create" || audit.Items[0]["request_id"] == "" {
		t.Fatalf("audit: %v", audit.Items)
	}
	body := string(e.do("GET", "/api/v1/admin/audit?limit=100", admin, nil).Body)
	if strings.Contains(body, "argon2") || strings.Contains(body, "password1") {
		t.Fatal("audit leaks a password or hash")
	}
}

// TestBodyLimitOnRealListener: fasthttp rejects bodies over the limit before
// routing; app.Test cannot show that, a real socket can.
func TestBodyLimitOnRealListener(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.HTTP.JSONLimitBytes = 2048; c.HTTP.BodyLimitBytes = 4096 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.App.Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.App.Shutdown() })
	body := `{"username":"` + strings.Repeat("a", 5000) + `"}`
	res, err := http.Post("http://"+ln.Addr().String()+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	response{t: t, Status: res.StatusCode, Header: res.Header, Body: data}.wantError(413, "body_too_large")
}

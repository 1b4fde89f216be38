package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go.mongodb.org/mongo-driver/mongo"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/config"
	"github.com/ordos-wufei/wufei/internal/httpapi"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/survey"
	"github.com/ordos-wufei/wufei/internal/upload"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// env is one test's service: the real Fiber app over a fresh database and
// Redis, with one logged-in user per role.
type env struct {
	t        *testing.T
	srv      *httpapi.Server
	accounts *account.Service
	audit    *audit.Log
	rdb      *redisx.Client
	registry *registry.Service
	db       *mongo.Database
	tokens   map[account.Role]string
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// cheapArgon keeps password hashing fast in tests.
var cheapArgon = account.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

func newEnv(t *testing.T, tweak ...func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	for _, f := range tweak {
		f(&cfg)
	}
	db := testenv.DB(t)
	if _, err := mongodb.Migrate(ctx, db, schema.Steps, quiet); err != nil {
		t.Fatal(err)
	}
	rdb := testenv.Redis(t)
	al := audit.New(db, quiet)
	accounts, err := account.NewService(ctx, db, rdb, al, account.Options{
		SessionTTL: cfg.Auth.SessionTTL, MaxFailuresPerUser: cfg.Auth.LoginMaxFailuresPerUser,
		MaxFailuresPerIP: cfg.Auth.LoginMaxFailuresPerIP, LoginWindow: cfg.Auth.LoginWindow, Argon2: cheapArgon,
		ValidDepartment: func(s string) bool { return s == "市生态环境局" || s == "市农牧局" },
		ValidDistrict:   func(s string) bool { return s == "150602" || s == "150603" },
		WeChat: func(_ context.Context, code string) (string, string, error) {
			openid, ok := strings.CutPrefix(code, "dev:")
			if !ok {
				return "", "", io.ErrUnexpectedEOF
			}
			return openid, "", nil
		},
		Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.NewService(db, al, quiet)
	if err != nil {
		t.Fatal(err)
	}
	reg.EnableCache(rdb)
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	store := &mongodb.Store{Client: db.Client(), DB: db, Backend: mongodb.BackendMongoDB}
	deps := httpapi.Deps{Config: cfg, Logger: quiet, Store: store, Redis: rdb, Accounts: accounts, Audit: al, Registry: reg, Version: "test"}
	deps.Uploads = upload.NewService(db, upload.DirStorage{Root: t.TempDir()}, int64(cfg.Uploads.MaxBytes), quiet)
	reg.SetEvidenceClaimer(httpapi.RegistryEvidence(deps.Uploads))
	deps.Notify = notify.NewService(db, rdb, func(context.Context, string) (string, error) { return "", nil },
		func(context.Context, string, notify.Message) error { return nil }, quiet, notify.Options{})
	// <harness-services>
	deps.Console = testConsoleFS()
	// Surveys: the content check rejects the development marker, and the
	// submission limits are lifted because every test request comes from
	// one address (survey_test.go checks the limits with their own service).
	surveys, err := survey.New(ctx, db, rdb, al, survey.Options{Registry: reg, Logger: quiet,
		// One process: a tally rebuild waits for no other replica.
		PerAddressPerMinute: 1 << 30, PerRespondentPerMinute: 1 << 30, TallyRebuildDrain: -1,
		TextChecker: survey.TextCheckFunc(func(_ context.Context, _ account.Actor, text string) (bool, error) {
			return !strings.Contains(text, "违规测试"), nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(surveys.Close)
	reg.RegisterFeed(survey.IndicatorParticipation, registry.FeedFunc(surveys.Participation))
	deps.Surveys = surveys
	// Complaints: the real upload and notify services; the content check
	// rejects the development marker; indicator 48 is fed live.
	complaints, err := complaint.NewService(complaint.Options{DB: db, Redis: rdb, Audit: al, Logger: quiet,
		Notifier: deps.Notify, Photos: deps.Uploads, ValidDepartment: func(s string) bool { return s == "市生态环境局" || s == "市农牧局" },
		Text: complaint.TextCheckFunc(func(_ context.Context, _ string, text string) (bool, error) {
			return !strings.Contains(text, "违规测试"), nil
		})})
	if err != nil {
		t.Fatal(err)
	}
	deps.Uploads.RegisterVisibility("complaint", complaints.Visible)
	reg.RegisterFeed("I48", complaints.Feed())
	deps.Complaints = complaints
	deps.Cells = newCellService(t, deps)
	// </harness-services>
	srv := httpapi.New(deps)
	e := &env{t: t, srv: srv, accounts: accounts, audit: al, rdb: rdb, registry: reg, db: db, tokens: map[account.Role]string{}}
	for _, r := range account.StaffRoles {
		e.tokens[r] = e.staff(string(r)+"1", r)
	}
	e.tokens[account.RoleCitizen] = e.citizen("o_citizen_1")
	return e
}

// staff creates a staff user and logs in. scope lists departments or
// district adcodes; by default 市生态环境局 or 150602.
func (e *env) staff(username string, role account.Role, scope ...string) string {
	e.t.Helper()
	pass := "password-" + username
	in := account.StaffInput{Username: &username, Password: &pass, Role: &role}
	switch role {
	case account.RoleDepartment:
		if len(scope) == 0 {
			scope = []string{"市生态环境局"}
		}
		in.Departments = &scope
	case account.RoleDistrict:
		if len(scope) == 0 {
			scope = []string{"150602"}
		}
		in.Districts = &scope
	}
	if _, err := e.accounts.CreateStaff(context.Background(), audit.System, in); err != nil {
		e.t.Fatal(err)
	}
	return e.login(username, pass)
}

func (e *env) login(username, pass string) string {
	e.t.Helper()
	res := e.do("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": pass})
	res.want(200)
	return res.json()["token"].(string)
}

func (e *env) citizen(openid string) string {
	e.t.Helper()
	res := e.do("POST", "/api/v1/auth/wechat", "", map[string]string{"code": "dev:" + openid})
	res.want(200)
	return res.json()["token"].(string)
}

type response struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request through the Fiber app. body may be nil, a []byte or
// string (sent as is, JSON content type), or any value (JSON-encoded).
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
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

func (r response) want(status int) response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// wantError checks status and error code, and that the message is Chinese.
func (r response) wantError(status int, code string) response {
	r.t.Helper()
	r.want(status)
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		r.t.Fatalf("error body is not JSON: %s", r.Body)
	}
	if b.Error.Code != code {
		r.t.Fatalf("error code %q, want %q; body: %s", b.Error.Code, code, r.Body)
	}
	if !containsHan(b.Error.Message) {
		r.t.Fatalf("error message %q is not Chinese", b.Error.Message)
	}
	return r
}

func containsHan(s string) bool {
	for _, c := range s {
		if c >= 0x4e00 && c <= 0x9fff {
			return true
		}
	}
	return false
}

func (r response) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object: %s", r.Body)
	}
	return m
}

func (r response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode: %v; body: %s", err, r.Body)
	}
}

// fields returns the field errors of an error body as field→code.
func (r response) fields() map[string]string {
	var b struct {
		Error struct {
			Fields []struct{ Field, Code string } `json:"fields"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	out := map[string]string{}
	for _, f := range b.Error.Fields {
		out[f.Field] = f.Code
	}
	return out
}

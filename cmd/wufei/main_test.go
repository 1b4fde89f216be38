package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the wufei built once for this package's tests; they run it as a
// subprocess, as an operator would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wufei-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "wufei")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building wufei:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// subprocessEnv is the test process's environment without anything that
// configures wufei (so the subprocess always runs on its embedded stores,
// also in CI's pass with MONGODB_URI and REDIS_URL set), with cheap argon2
// settings, plus extra.
func subprocessEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "MONGODB_URI" || k == "REDIS_URL" || strings.HasPrefix(k, "WUFEI_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"WUFEI_AUTH_ARGON2_MEMORY_KIB=64",
		"WUFEI_AUTH_ARGON2_ITERATIONS=1",
		"WUFEI_AUTH_ARGON2_PARALLELISM=1",
	)
	return append(env, extra...)
}

type result struct {
	stdout, stderr string
	code           int
}

// runWufei runs wufei to completion with stdin and the extra environment.
func runWufei(t *testing.T, stdin string, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = subprocessEnv(extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok || ctx.Err() != nil {
			t.Fatalf("wufei %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, r.stdout, r.stderr)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// mustRunWufei runs wufei and fails the test unless it exits 0.
func mustRunWufei(t *testing.T, stdin string, extraEnv []string, args ...string) result {
	t.Helper()
	r := runWufei(t, stdin, extraEnv, args...)
	if r.code != 0 {
		t.Fatalf("wufei %v exited %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// logBuffer collects a subprocess's output and reports the address of the
// "listening" log line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	addr    chan string
	sent    bool
}

var listenAddr = regexp.MustCompile(`msg=listening .*?\baddr=(\S+)`)

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	b.partial = append(b.partial, p...)
	for {
		i := bytes.IndexByte(b.partial, '\n')
		if i < 0 {
			break
		}
		line := string(b.partial[:i])
		b.partial = b.partial[i+1:]
		if m := listenAddr.FindStringSubmatch(line); m != nil && !b.sent && b.addr != nil {
			b.addr <- m[1]
			b.sent = true
		}
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `wufei serve`.
type server struct {
	cmd            *exec.Cmd
	base           string // http://host:port
	stdout, stderr *logBuffer
	done           chan struct{} // closed when the process has exited
	waitErr        error
}

// startServer runs `wufei serve` on dir and waits until /readyz answers 200.
func startServer(t *testing.T, dir string, extraEnv ...string) *server {
	t.Helper()
	s := &server{
		stdout: &logBuffer{addr: make(chan string, 1)},
		stderr: &logBuffer{},
		done:   make(chan struct{}),
	}
	s.cmd = exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	s.cmd.Env = subprocessEnv(extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr:\n%s", s.stdout, s.stderr)
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	select {
	case addr := <-s.stdout.addr:
		s.base = "http://" + addr
	case <-s.done:
		t.Fatalf("wufei serve exited before listening: %v", s.waitErr)
	case <-time.After(time.Until(deadline)):
		t.Fatal("wufei serve did not log a listening address within 60s")
	}
	for {
		status, _ := s.get(t, "/readyz", "")
		if status == http.StatusOK {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("wufei serve exited while waiting for /readyz: %v", s.waitErr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not answer 200 within 60s (last status %d)", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func (s *server) do(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

func (s *server) get(t *testing.T, path, token string) (int, map[string]any) {
	t.Helper()
	return s.do(t, http.MethodGet, path, token, nil)
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		t.Fatal("wufei serve did not stop within 60s of SIGTERM")
	}
	return s.cmd.ProcessState.ExitCode()
}

// login posts credentials and returns the status and answer.
func (s *server) login(t *testing.T, username, password string) (int, map[string]any) {
	t.Helper()
	return s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
}

func errorCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		if c, ok := e["code"].(string); ok {
			return c
		}
	}
	if c, ok := body["code"].(string); ok {
		return c
	}
	return ""
}

func userRole(body map[string]any) string {
	u, _ := body["user"].(map[string]any)
	r, _ := u["role"].(string)
	return r
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := mustRunWufei(t, "", nil, "version")
	fields := strings.Fields(r.stdout)
	if len(fields) != 2 || fields[0] != "wufei" || fields[1] == "" {
		t.Errorf("version printed %q, want \"wufei <version>\"", r.stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	r := runWufei(t, "", nil, "frobnicate")
	if r.code == 0 || !strings.Contains(r.stderr, "frobnicate") {
		t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const openid = "openid-cmd-test-1"
	s := startServer(t, dir, "WUFEI_BOOTSTRAP_ADMIN=root:longpassword1")

	t.Run("logs", func(t *testing.T) {
		out := s.stdout.String()
		for _, want := range []string{"backend=embedded-ferretdb-sqlite", "bootstrap admin created"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q", want)
			}
		}
		if strings.Contains(out, "longpassword1") {
			t.Error("the bootstrap admin's password is in the log")
		}
	})

	t.Run("admin login", func(t *testing.T) {
		status, body := s.login(t, "root", "longpassword1")
		if status != http.StatusOK || userRole(body) != "admin" {
			t.Fatalf("login: %d %v", status, body)
		}
		token, _ := body["token"].(string)
		if token == "" {
			t.Fatalf("no token in %v", body)
		}
		if status, me := s.get(t, "/api/v1/me", token); status != http.StatusOK || me["username"] != "root" {
			t.Errorf("/me: %d %v", status, me)
		}
		if status, body := s.login(t, "root", "wrongpassword"); status != http.StatusUnauthorized || errorCode(body) != "invalid_credentials" {
			t.Errorf("wrong password: %d %v", status, body)
		}
	})

	t.Run("dev wechat login and logout", func(t *testing.T) {
		status, body := s.do(t, http.MethodPost, "/api/v1/auth/wechat", "", map[string]string{"code": "dev:" + openid})
		if status != http.StatusOK || userRole(body) != "citizen" {
			t.Fatalf("wechat login: %d %v", status, body)
		}
		token, _ := body["token"].(string)
		if status, _ := s.get(t, "/api/v1/me", token); status != http.StatusOK {
			t.Errorf("/me: %d", status)
		}
		if status, _ := s.do(t, http.MethodPost, "/api/v1/auth/logout", token, nil); status != http.StatusNoContent {
			t.Errorf("logout: %d", status)
		}
		if status, _ := s.get(t, "/api/v1/me", token); status != http.StatusUnauthorized {
			t.Errorf("/me after logout: %d, want 401", status)
		}
		if strings.Contains(s.stdout.String(), openid) || strings.Contains(s.stderr.String(), openid) {
			t.Error("the openid is in the log")
		}
	})

	t.Run("second server on the same directory", func(t *testing.T) {
		abs, _ := filepath.Abs(dir)
		for _, args := range [][]string{
			{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir},
			{"migrate", "--data-dir", dir},
			{"user", "list", "--data-dir", dir},
		} {
			r := runWufei(t, "", nil, args...)
			if r.code == 0 {
				t.Errorf("wufei %v succeeded while a server holds %s", args, dir)
				continue
			}
			if !strings.Contains(r.stderr, abs) || !strings.Contains(r.stderr, "locked by another process") {
				t.Errorf("wufei %v stderr %q, want the directory %s and \"locked by another process\"", args, r.stderr, abs)
			}
		}
		// The first server is unharmed.
		if status, _ := s.get(t, "/readyz", ""); status != http.StatusOK {
			t.Errorf("/readyz of the first server: %d", status)
		}
	})

	t.Run("SIGTERM", func(t *testing.T) {
		if code := s.stop(t); code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0\nstderr:\n%s", code, s.stderr)
		}
		if !strings.Contains(s.stdout.String(), "msg=stopped") {
			t.Error("no \"stopped\" log line")
		}
		// The lock is released with the process.
		mustRunWufei(t, "", nil, "migrate", "--data-dir", dir)
	})
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	r := mustRunWufei(t, "firstpassword1\n", nil, "user", "add", "--username", "u1", "--role", "evaluator", "--data-dir", dir)
	if !strings.Contains(r.stdout, "created u1 (evaluator)") {
		t.Errorf("user add printed %q", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "firstpassword1") {
		t.Error("user add echoed the password")
	}

	r = mustRunWufei(t, "", nil, "user", "list", "--data-dir", dir)
	if !userListed(r.stdout, "u1", "evaluator", "false") {
		t.Errorf("user list:\n%s\nwant u1, evaluator, enabled", r.stdout)
	}

	// Refusals: duplicate name, no password, bad role, unknown user.
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"duplicate":    {"otherpassword1\n", []string{"user", "add", "--username", "u1", "--role", "admin"}, "用户名已存在"},
		"no password":  {"", []string{"user", "add", "--username", "u2", "--role", "admin"}, "standard input"},
		"bad role":     {"otherpassword1\n", []string{"user", "add", "--username", "u3", "--role", "boss"}, "role"},
		"no username":  {"", []string{"user", "disable"}, "--username"},
		"unknown user": {"", []string{"user", "disable", "--username", "nobody"}, "用户不存在"},
		"unknown sub":  {"", []string{"user", "rename", "--username", "u1"}, "rename"},
	} {
		r := runWufei(t, tc.stdin, nil, append(tc.args, "--data-dir", dir)...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want failure mentioning %q", name, r.code, r.stderr, tc.want)
		}
	}

	mustRunWufei(t, "secondpassword2\n", nil, "user", "passwd", "--username", "u1", "--data-dir", dir)
	mustRunWufei(t, "", nil, "user", "disable", "--username", "u1", "--data-dir", dir)
	r = mustRunWufei(t, "", nil, "user", "list", "--data-dir", dir)
	if !userListed(r.stdout, "u1", "evaluator", "true") {
		t.Errorf("user list after disable:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "u2") || strings.Contains(r.stdout, "u3") {
		t.Errorf("refused users were created:\n%s", r.stdout)
	}

	// The changes are real: the new password is the one checked (a wrong
	// one is 401, the right one reaches the disabled check).
	s := startServer(t, dir)
	if status, body := s.login(t, "u1", "firstpassword1"); status != http.StatusUnauthorized {
		t.Errorf("old password: %d %v, want 401", status, body)
	}
	if status, body := s.login(t, "u1", "secondpassword2"); status != http.StatusForbidden || errorCode(body) != "account_disabled" {
		t.Errorf("new password of the disabled user: %d %v, want 403 account_disabled", status, body)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}

// userListed reports whether the table printed by `user list` has a row
// for username with role and disabled flag.
func userListed(table, username, role, disabled string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == username && f[2] == role && f[len(f)-1] == disabled {
			return true
		}
	}
	return false
}

var stepsLog = regexp.MustCompile(`steps_applied=(\d+) steps_total=(\d+)`)

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		r := mustRunWufei(t, "", nil, "migrate", "--data-dir", dir)
		if !strings.Contains(r.stdout, "schema up to date") {
			t.Errorf("run %d printed %q", i+1, r.stdout)
		}
		m := stepsLog.FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("run %d does not log the steps applied:\n%s", i+1, r.stderr)
		}
		// The first run applies every step, the second none.
		want := m[2]
		if i > 0 {
			want = "0"
		}
		if m[1] != want || m[2] == "0" {
			t.Errorf("run %d applied %s of %s steps, want %s", i+1, m[1], m[2], want)
		}
	}
}

func TestInvalidSettingStopsStart(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		env  string
		name string
	}{
		"log level":       {"WUFEI_LOG_LEVEL=loud", "WUFEI_LOG_LEVEL"},
		"duration":        {"WUFEI_HTTP_READ_TIMEOUT=soon", "WUFEI_HTTP_READ_TIMEOUT"},
		"bootstrap admin": {"WUFEI_BOOTSTRAP_ADMIN=rootwithoutcolon", "WUFEI_BOOTSTRAP_ADMIN"},
		"app id alone":    {"WUFEI_WECHAT_APP_ID=wx0123456789abcdef", "WUFEI_WECHAT_APP_SECRET"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := runWufei(t, "", []string{tc.env}, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
			if r.code == 0 {
				t.Fatalf("serve with %s exited 0", tc.env)
			}
			if !strings.Contains(r.stderr, tc.name) {
				t.Errorf("stderr %q does not name %s", r.stderr, tc.name)
			}
			if strings.Contains(r.stdout, "listening") {
				t.Error("the server started despite the invalid setting")
			}
		})
	}
	t.Run("config file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		path := filepath.Join(dir, "wufei.yaml")
		if err := os.WriteFile(path, []byte("htpp:\n  addr: 127.0.0.1:0\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := runWufei(t, "", nil, "serve", "--config", path, "--data-dir", dir)
		if r.code == 0 || !strings.Contains(r.stderr, "htpp") {
			t.Errorf("serve with an unknown key in the file: exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

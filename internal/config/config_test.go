package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"log/slog"

	"gopkg.in/yaml.v3"
)

// envMap turns a map into the lookup function Load takes, so tests never
// read or change the process environment (and can run in parallel).
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestDefaultMatchesFile(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", c.DataDir, "./data"},
		{"log.level", c.Log.Level, "info"},
		{"log.format", c.Log.Format, "text"},
		{"http.addr", c.HTTP.Addr, ":8080"},
		{"http.body_limit_bytes", c.HTTP.BodyLimitBytes, 12582912},
		{"http.json_limit_bytes", c.HTTP.JSONLimitBytes, 1048576},
		{"http.read_timeout", c.HTTP.ReadTimeout, 15 * time.Second},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout, 20 * time.Second},
		{"http.max_connections", c.HTTP.MaxConnections, 4096},
		{"http.cors_origins", c.HTTP.CORSOrigins, []string{"http://localhost:5173", "http://127.0.0.1:5173"}},
		{"http.trusted_proxies", len(c.HTTP.TrustedProxies), 0},
		{"mongodb.uri", c.MongoDB.URI, ""},
		{"mongodb.database", c.MongoDB.Database, "wufei"},
		{"mongodb.connect_timeout", c.MongoDB.ConnectTimeout, 20 * time.Second},
		{"redis.url", c.Redis.URL, ""},
		{"redis.key_prefix", c.Redis.KeyPrefix, "wufei:"},
		{"wechat.app_id", c.WeChat.AppID, ""},
		{"wechat.use_stable_token", c.WeChat.UseStableToken, false},
		{"wechat.http_timeout", c.WeChat.HTTPTimeout, 5 * time.Second},
		{"auth.session_ttl", c.Auth.SessionTTL, 168 * time.Hour},
		{"auth.login_max_failures_per_user", c.Auth.LoginMaxFailuresPerUser, 5},
		{"auth.login_max_failures_per_ip", c.Auth.LoginMaxFailuresPerIP, 20},
		{"auth.login_window", c.Auth.LoginWindow, 15 * time.Minute},
		{"auth.bootstrap_admin", c.Auth.BootstrapAdmin, ""},
		{"auth.argon2_memory_kib", c.Auth.Argon2MemoryKiB, 65536},
		{"auth.argon2_iterations", c.Auth.Argon2Iterations, 3},
		{"auth.argon2_parallelism", c.Auth.Argon2Parallelism, 2},
		{"surveys.per_respondent_per_minute", c.Surveys.PerRespondentPerMinute, 10},
		// The example: a campus behind one address must fit.
		{"surveys.per_address_per_minute", c.Surveys.PerAddressPerMinute, 300},
		{"surveys.min_seconds_per_answer", c.Surveys.MinSecondsPerAnswer, 2.0},
		{"surveys.writer_batch_size", c.Surveys.WriterBatchSize, 256},
		{"surveys.writer_linger", c.Surveys.WriterLinger, 5 * time.Millisecond},
		{"surveys.writer_flushers", c.Surveys.WriterFlushers, 2},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("Default() %s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	if !c.Embedded() {
		t.Error("Default().Embedded() = false, want true (no MongoDB URI)")
	}
}

// TestFileDocumentsEverySetting checks that configs/wufei.yaml (the file in
// the repository, not the embedded copy) has a key for every field of Config
// and no key that Config lacks.
func TestFileDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "configs", "wufei.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	var inFile []string
	var collect func(prefix string, m map[string]any)
	collect = func(prefix string, m map[string]any) {
		for k, v := range m {
			name := prefix + "_" + strings.ToUpper(k)
			if sub, ok := v.(map[string]any); ok {
				collect(name, sub)
				continue
			}
			inFile = append(inFile, name)
		}
	}
	collect("WUFEI", tree)
	sort.Strings(inFile)
	inStruct := EnvNames()
	sort.Strings(inStruct)
	if !slices.Equal(inFile, inStruct) {
		t.Errorf("settings in configs/wufei.yaml:\n%v\nsettings of Config:\n%v", inFile, inStruct)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		env   map[string]string
		check func(c Config) any // returns the value under test
		want  any
	}{
		"http addr": {
			env:   map[string]string{"WUFEI_HTTP_ADDR": "127.0.0.1:9090"},
			check: func(c Config) any { return c.HTTP.Addr }, want: "127.0.0.1:9090",
		},
		"duration": {
			env:   map[string]string{"WUFEI_HTTP_READ_TIMEOUT": "3s"},
			check: func(c Config) any { return c.HTTP.ReadTimeout }, want: 3 * time.Second,
		},
		"duration with spaces": {
			env:   map[string]string{"WUFEI_AUTH_LOGIN_WINDOW": " 90m "},
			check: func(c Config) any { return c.Auth.LoginWindow }, want: 90 * time.Minute,
		},
		"int": {
			env:   map[string]string{"WUFEI_AUTH_LOGIN_MAX_FAILURES_PER_USER": "7"},
			check: func(c Config) any { return c.Auth.LoginMaxFailuresPerUser }, want: 7,
		},
		"bool": {
			env:   map[string]string{"WUFEI_WECHAT_USE_STABLE_TOKEN": "true"},
			check: func(c Config) any { return c.WeChat.UseStableToken }, want: true,
		},
		"comma list trimmed": {
			env:   map[string]string{"WUFEI_HTTP_CORS_ORIGINS": " https://a.example.cn, https://b.example.cn ,"},
			check: func(c Config) any { return c.HTTP.CORSOrigins }, want: []string{"https://a.example.cn", "https://b.example.cn"},
		},
		"proxies list": {
			env:   map[string]string{"WUFEI_HTTP_TRUSTED_PROXIES": "10.0.0.0/8,192.168.1.7,::1"},
			check: func(c Config) any { return c.HTTP.TrustedProxies }, want: []string{"10.0.0.0/8", "192.168.1.7", "::1"},
		},
		"empty list clears the default": {
			env:   map[string]string{"WUFEI_HTTP_CORS_ORIGINS": ""},
			check: func(c Config) any { return len(c.HTTP.CORSOrigins) }, want: 0,
		},
		"MONGODB_URI alias": {
			env:   map[string]string{"MONGODB_URI": "mongodb://db.example:27017/"},
			check: func(c Config) any { return c.MongoDB.URI }, want: "mongodb://db.example:27017/",
		},
		"canonical name beats the alias": {
			env:   map[string]string{"MONGODB_URI": "mongodb://alias.example/", "WUFEI_MONGODB_URI": "mongodb://canonical.example/"},
			check: func(c Config) any { return c.MongoDB.URI }, want: "mongodb://canonical.example/",
		},
		"REDIS_URL alias": {
			env:   map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"},
			check: func(c Config) any { return c.Redis.URL }, want: "redis://127.0.0.1:6379/0",
		},
		"WUFEI_BOOTSTRAP_ADMIN alias": {
			env:   map[string]string{"WUFEI_BOOTSTRAP_ADMIN": "root:longpassword1"},
			check: func(c Config) any { return c.Auth.BootstrapAdmin }, want: "root:longpassword1",
		},
		"WUFEI_AUTH_BOOTSTRAP_ADMIN": {
			env:   map[string]string{"WUFEI_AUTH_BOOTSTRAP_ADMIN": "boss:longpassword2"},
			check: func(c Config) any { return c.Auth.BootstrapAdmin }, want: "boss:longpassword2",
		},
		"float": {
			env:   map[string]string{"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER": "1.5"},
			check: func(c Config) any { return c.Surveys.MinSecondsPerAnswer }, want: 1.5,
		},
		"survey limits and writer": {
			env: map[string]string{"WUFEI_SURVEYS_PER_ADDRESS_PER_MINUTE": "1200", "WUFEI_SURVEYS_PER_RESPONDENT_PER_MINUTE": "3",
				"WUFEI_SURVEYS_WRITER_BATCH_SIZE": "1", "WUFEI_SURVEYS_WRITER_LINGER": "500us", "WUFEI_SURVEYS_WRITER_FLUSHERS": "64"},
			check: func(c Config) any { return c.Surveys },
			want: Surveys{PerRespondentPerMinute: 3, PerAddressPerMinute: 1200, MinSecondsPerAnswer: 2,
				WriterBatchSize: 1, WriterLinger: 500 * time.Microsecond, WriterFlushers: 64},
		},
		"unrelated settings keep defaults": {
			env:   map[string]string{"WUFEI_HTTP_ADDR": "127.0.0.1:9090"},
			check: func(c Config) any { return c.HTTP.WriteTimeout }, want: 30 * time.Second,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := Load("", envMap(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := tc.check(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestInvalidSettingsNamed(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		env      map[string]string
		wantName string
		secret   string // must not appear in the error
	}{
		"bad duration":              {env: map[string]string{"WUFEI_HTTP_READ_TIMEOUT": "soon"}, wantName: "WUFEI_HTTP_READ_TIMEOUT"},
		"zero duration":             {env: map[string]string{"WUFEI_AUTH_SESSION_TTL": "0s"}, wantName: "WUFEI_AUTH_SESSION_TTL"},
		"negative duration":         {env: map[string]string{"WUFEI_AUTH_LOGIN_WINDOW": "-1m"}, wantName: "WUFEI_AUTH_LOGIN_WINDOW"},
		"bad int":                   {env: map[string]string{"WUFEI_HTTP_MAX_CONNECTIONS": "many"}, wantName: "WUFEI_HTTP_MAX_CONNECTIONS"},
		"zero int":                  {env: map[string]string{"WUFEI_AUTH_LOGIN_MAX_FAILURES_PER_IP": "0"}, wantName: "WUFEI_AUTH_LOGIN_MAX_FAILURES_PER_IP"},
		"bad bool":                  {env: map[string]string{"WUFEI_WECHAT_USE_STABLE_TOKEN": "sometimes"}, wantName: "WUFEI_WECHAT_USE_STABLE_TOKEN"},
		"bad log level":             {env: map[string]string{"WUFEI_LOG_LEVEL": "loud"}, wantName: "WUFEI_LOG_LEVEL"},
		"bad log format":            {env: map[string]string{"WUFEI_LOG_FORMAT": "xml"}, wantName: "WUFEI_LOG_FORMAT"},
		"bad addr":                  {env: map[string]string{"WUFEI_HTTP_ADDR": "8080"}, wantName: "WUFEI_HTTP_ADDR"},
		"empty data dir":            {env: map[string]string{"WUFEI_DATA_DIR": " "}, wantName: "WUFEI_DATA_DIR"},
		"json limit above body":     {env: map[string]string{"WUFEI_HTTP_JSON_LIMIT_BYTES": "99999999"}, wantName: "WUFEI_HTTP_JSON_LIMIT_BYTES"},
		"app id without secret":     {env: map[string]string{"WUFEI_WECHAT_APP_ID": "wx0123456789abcdef"}, wantName: "WUFEI_WECHAT_APP_SECRET"},
		"bootstrap without colon":   {env: map[string]string{"WUFEI_BOOTSTRAP_ADMIN": "rootlongpassword"}, wantName: "WUFEI_BOOTSTRAP_ADMIN", secret: "rootlongpassword"},
		"bootstrap short password":  {env: map[string]string{"WUFEI_BOOTSTRAP_ADMIN": "root:pw7xyz"}, wantName: "WUFEI_BOOTSTRAP_ADMIN", secret: "pw7xyz"},
		"bootstrap empty username":  {env: map[string]string{"WUFEI_BOOTSTRAP_ADMIN": ":longpassword1"}, wantName: "WUFEI_BOOTSTRAP_ADMIN", secret: "longpassword1"},
		"bad CIDR":                  {env: map[string]string{"WUFEI_HTTP_TRUSTED_PROXIES": "10.0.0.0/33"}, wantName: "WUFEI_HTTP_TRUSTED_PROXIES"},
		"not an IP":                 {env: map[string]string{"WUFEI_HTTP_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, wantName: "WUFEI_HTTP_TRUSTED_PROXIES"},
		"bad CORS origin":           {env: map[string]string{"WUFEI_HTTP_CORS_ORIGINS": "console.example.cn"}, wantName: "WUFEI_HTTP_CORS_ORIGINS"},
		"MONGODB_URI not mongodb":   {env: map[string]string{"MONGODB_URI": "postgres://u:hunter2pass@h/db"}, wantName: "MONGODB_URI", secret: "hunter2pass"},
		"empty database":            {env: map[string]string{"WUFEI_MONGODB_DATABASE": ""}, wantName: "WUFEI_MONGODB_DATABASE"},
		"zero argon2 memory":        {env: map[string]string{"WUFEI_AUTH_ARGON2_MEMORY_KIB": "0"}, wantName: "WUFEI_AUTH_ARGON2_MEMORY_KIB"},
		"bad duration (wechat)":     {env: map[string]string{"WUFEI_WECHAT_HTTP_TIMEOUT": "5"}, wantName: "WUFEI_WECHAT_HTTP_TIMEOUT"},
		"bad duration (connect)":    {env: map[string]string{"WUFEI_MONGODB_CONNECT_TIMEOUT": "fast"}, wantName: "WUFEI_MONGODB_CONNECT_TIMEOUT"},
		"bad duration (idle, zero)": {env: map[string]string{"WUFEI_HTTP_IDLE_TIMEOUT": "0"}, wantName: "WUFEI_HTTP_IDLE_TIMEOUT"},
		"bad float":                 {env: map[string]string{"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER": "two"}, wantName: "WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER"},
		"NaN float":                 {env: map[string]string{"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER": "NaN"}, wantName: "WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER"},
		"zero too-fast threshold":   {env: map[string]string{"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER": "0"}, wantName: "WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER"},
		"too-fast above 600":        {env: map[string]string{"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER": "601"}, wantName: "WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER"},
		"zero address limit":        {env: map[string]string{"WUFEI_SURVEYS_PER_ADDRESS_PER_MINUTE": "0"}, wantName: "WUFEI_SURVEYS_PER_ADDRESS_PER_MINUTE"},
		"negative respondent limit": {env: map[string]string{"WUFEI_SURVEYS_PER_RESPONDENT_PER_MINUTE": "-1"}, wantName: "WUFEI_SURVEYS_PER_RESPONDENT_PER_MINUTE"},
		"zero batch":                {env: map[string]string{"WUFEI_SURVEYS_WRITER_BATCH_SIZE": "0"}, wantName: "WUFEI_SURVEYS_WRITER_BATCH_SIZE"},
		"huge batch":                {env: map[string]string{"WUFEI_SURVEYS_WRITER_BATCH_SIZE": "100000"}, wantName: "WUFEI_SURVEYS_WRITER_BATCH_SIZE"},
		"zero linger":               {env: map[string]string{"WUFEI_SURVEYS_WRITER_LINGER": "0s"}, wantName: "WUFEI_SURVEYS_WRITER_LINGER"},
		"long linger":               {env: map[string]string{"WUFEI_SURVEYS_WRITER_LINGER": "2s"}, wantName: "WUFEI_SURVEYS_WRITER_LINGER"},
		"zero flushers":             {env: map[string]string{"WUFEI_SURVEYS_WRITER_FLUSHERS": "0"}, wantName: "WUFEI_SURVEYS_WRITER_FLUSHERS"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load("", envMap(tc.env))
			if err == nil {
				t.Fatalf("Load with %v succeeded, want an error naming %s", tc.env, tc.wantName)
			}
			if !strings.Contains(err.Error(), tc.wantName) {
				t.Errorf("error %q does not name %s", err, tc.wantName)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q reveals the secret %q", err, tc.secret)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Log.Level = "loud"
	c.HTTP.Addr = "nope"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate succeeded")
	}
	for _, name := range []string{"WUFEI_LOG_LEVEL", "WUFEI_HTTP_ADDR"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, text string) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), "wufei.yaml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("overlay", func(t *testing.T) {
		t.Parallel()
		p := write(t, "log:\n  level: debug\nhttp:\n  addr: 127.0.0.1:7000\n  trusted_proxies: [10.1.0.0/16]\nauth:\n  login_window: 5m\n")
		c, err := Load(p, envMap(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Log.Level != "debug" || c.HTTP.Addr != "127.0.0.1:7000" || c.Auth.LoginWindow != 5*time.Minute ||
			!slices.Equal(c.HTTP.TrustedProxies, []string{"10.1.0.0/16"}) {
			t.Errorf("file not applied: %+v", c)
		}
		// Keys the file does not mention keep their defaults.
		if c.Log.Format != "text" || c.HTTP.ReadTimeout != 15*time.Second || c.MongoDB.Database != "wufei" {
			t.Errorf("file reset other settings: %+v", c)
		}
	})

	t.Run("survey limits from a file", func(t *testing.T) {
		t.Parallel()
		p := write(t, "surveys:\n  per_address_per_minute: 600\n  min_seconds_per_answer: 1.25\n  writer_linger: 8ms\n")
		c, err := Load(p, envMap(nil))
		if err != nil {
			t.Fatal(err)
		}
		want := Default().Surveys
		want.PerAddressPerMinute, want.MinSecondsPerAnswer, want.WriterLinger = 600, 1.25, 8*time.Millisecond
		if c.Surveys != want {
			t.Errorf("surveys = %+v, want %+v", c.Surveys, want)
		}
	})

	t.Run("environment beats file", func(t *testing.T) {
		t.Parallel()
		p := write(t, "http:\n  addr: 127.0.0.1:7000\n")
		c, err := Load(p, envMap(map[string]string{"WUFEI_HTTP_ADDR": "127.0.0.1:7001"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTP.Addr != "127.0.0.1:7001" {
			t.Errorf("addr = %q, want the environment's", c.HTTP.Addr)
		}
	})

	t.Run("empty file changes nothing", func(t *testing.T) {
		t.Parallel()
		c, err := Load(write(t, ""), envMap(nil))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("empty file changed the configuration")
		}
	})

	t.Run("unknown key rejected", func(t *testing.T) {
		t.Parallel()
		p := write(t, "htpp:\n  addr: 127.0.0.1:7000\n")
		_, err := Load(p, envMap(nil))
		if err == nil || !strings.Contains(err.Error(), "htpp") {
			t.Errorf("Load = %v, want an error naming the unknown key htpp", err)
		}
	})

	t.Run("unknown nested key rejected", func(t *testing.T) {
		t.Parallel()
		p := write(t, "http:\n  adr: 127.0.0.1:7000\n")
		_, err := Load(p, envMap(nil))
		if err == nil || !strings.Contains(err.Error(), "adr") {
			t.Errorf("Load = %v, want an error naming the unknown key adr", err)
		}
	})

	t.Run("invalid value in file", func(t *testing.T) {
		t.Parallel()
		p := write(t, "log:\n  level: loud\n")
		_, err := Load(p, envMap(nil))
		if err == nil || !strings.Contains(err.Error(), "WUFEI_LOG_LEVEL") {
			t.Errorf("Load = %v, want an error naming WUFEI_LOG_LEVEL", err)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), envMap(nil))
		if err == nil {
			t.Error("Load of a missing file succeeded")
		}
	})
}

func TestLogValueMasksSecrets(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"app secret":      "appsecret-0f1e2d3c",
		"bootstrap admin": "root:bootpass-9a8b7c",
		"identity salt":   "saltvalue-5d6e7f",
		"mongodb pass":    "mongopass-1a2b3c",
		"mongodb query":   "querytoken-4d5e6f",
		"redis pass":      "redispass-7a8b9c",
	}
	c := Default()
	c.WeChat.AppID = "wx0123456789abcdef"
	c.WeChat.AppSecret = secrets["app secret"]
	c.Auth.BootstrapAdmin = secrets["bootstrap admin"]
	c.Auth.IdentitySalt = secrets["identity salt"]
	c.MongoDB.URI = "mongodb://wufei:" + secrets["mongodb pass"] + "@db.example.cn:27017/wufei?authSource=admin&token=" + secrets["mongodb query"]
	c.Redis.URL = "redis://:" + secrets["redis pass"] + "@cache.example.cn:6379/0"

	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	}
	for hname, h := range handlers {
		t.Run(hname, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			slog.New(h(&buf)).Info("starting", "config", c)
			out := buf.String()
			for what, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s %q appears in the log: %s", what, s, out)
				}
			}
			// Hosts and non-secret settings stay visible, so operators can
			// see where the service connects.
			for _, want := range []string{"db.example.cn", "cache.example.cn", "wx0123456789abcdef", "wufei:"} {
				if !strings.Contains(out, want) {
					t.Errorf("log lacks %q: %s", want, out)
				}
			}
		})
	}

	t.Run("unparsable URI", func(t *testing.T) {
		t.Parallel()
		c := Default()
		c.MongoDB.URI = "mongodb://u:p@ss-unparsable@h1:27017,h2:27017/"
		c.Redis.URL = "10.0.0.1:26379,10.0.0.2:26379"
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("starting", "config", c)
		if out := buf.String(); strings.Contains(out, "ss-unparsable") {
			t.Errorf("password of an unparsable URI appears in the log: %s", out)
		}
	})

	t.Run("empty secrets are not masked", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		slog.New(slog.NewTextHandler(&buf, nil)).Info("starting", "config", Default())
		if strings.Contains(buf.String(), "******") {
			t.Errorf("empty secrets shown as masked, which hides that they are unset: %s", buf.String())
		}
	})
}

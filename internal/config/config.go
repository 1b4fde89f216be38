// Package config holds the service's configuration: one struct whose
// defaults come from the embedded configs/wufei.yaml, optionally overlaid by a
// file, then by WUFEI_* environment variables (and MONGODB_URI, REDIS_URL).
// Validate rejects bad settings with a message naming the setting.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ordos-wufei/wufei/configs"
)

// Config is the whole configuration. Field tags: yaml names the key (and so
// the environment variable), secret marks values masked in logs.
type Config struct {
	DataDir string  `yaml:"data_dir"`
	Log     Log     `yaml:"log"`
	HTTP    HTTP    `yaml:"http"`
	MongoDB MongoDB `yaml:"mongodb"`
	Redis   Redis   `yaml:"redis"`
	Uploads Uploads `yaml:"uploads"`
	Cells   Cells   `yaml:"cells"`
	Surveys Surveys `yaml:"surveys"`
	WeChat  WeChat  `yaml:"wechat"`
	Auth    Auth    `yaml:"auth"`
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// HTTP configures the Fiber server.
type HTTP struct {
	Addr            string        `yaml:"addr"`
	BodyLimitBytes  int           `yaml:"body_limit_bytes"`
	JSONLimitBytes  int           `yaml:"json_limit_bytes"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	MaxConnections  int           `yaml:"max_connections"`
	CORSOrigins     []string      `yaml:"cors_origins"`
	TrustedProxies  []string      `yaml:"trusted_proxies"`
}

// MongoDB names the document store.
type MongoDB struct {
	URI            string        `yaml:"uri" secret:"true"`
	Database       string        `yaml:"database"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
}

// Redis names the key-value store.
type Redis struct {
	URL        string `yaml:"url" secret:"true"`
	MasterName string `yaml:"master_name"`
	KeyPrefix  string `yaml:"key_prefix"`
}

// Uploads configures file uploads.
type Uploads struct {
	MaxBytes int `yaml:"max_bytes"`
}

// Cells configures 无废细胞 certification.
type Cells struct {
	PublicityDays int `yaml:"publicity_days"`
}

// Surveys configures survey answering: the submission limits, the default
// too_fast threshold and the group-commit writer of responses.
type Surveys struct {
	// Submissions allowed per respondent and per client address in any
	// minute; more get 429 with Retry-After.
	PerRespondentPerMinute int `yaml:"per_respondent_per_minute"`
	PerAddressPerMinute    int `yaml:"per_address_per_minute"`
	// MinSecondsPerAnswer is the too_fast threshold of surveys that do not
	// set their own.
	MinSecondsPerAnswer float64 `yaml:"min_seconds_per_answer"`
	// The writer stores up to WriterBatchSize responses in one insert,
	// waiting at most WriterLinger for a batch to fill, with WriterFlushers
	// batches in the store at once.
	WriterBatchSize int           `yaml:"writer_batch_size"`
	WriterLinger    time.Duration `yaml:"writer_linger"`
	WriterFlushers  int           `yaml:"writer_flushers"`
}

// WeChat configures the mini-program client.
type WeChat struct {
	AppID          string        `yaml:"app_id"`
	AppSecret      string        `yaml:"app_secret" secret:"true"`
	UseStableToken bool          `yaml:"use_stable_token"`
	HTTPTimeout    time.Duration `yaml:"http_timeout"`
	// Templates maps notification kinds to subscribe-message template ids,
	// as "kind=template_id" items.
	Templates []string `yaml:"templates"`
}

// Auth configures logins and sessions.
type Auth struct {
	SessionTTL              time.Duration `yaml:"session_ttl"`
	LoginMaxFailuresPerUser int           `yaml:"login_max_failures_per_user"`
	LoginMaxFailuresPerIP   int           `yaml:"login_max_failures_per_ip"`
	LoginWindow             time.Duration `yaml:"login_window"`
	BootstrapAdmin          string        `yaml:"bootstrap_admin" secret:"true"`
	IdentitySalt            string        `yaml:"identity_salt" secret:"true"`
	Argon2MemoryKiB         int           `yaml:"argon2_memory_kib"`
	Argon2Iterations        int           `yaml:"argon2_iterations"`
	Argon2Parallelism       int           `yaml:"argon2_parallelism"`
}

// Default returns the configuration of configs/wufei.yaml.
func Default() Config {
	data, err := fs.ReadFile(configs.FS, "wufei.yaml")
	if err != nil {
		panic("config: embedded wufei.yaml missing: " + err.Error())
	}
	var c Config
	if err := decodeStrict(data, &c); err != nil {
		panic("config: embedded wufei.yaml invalid: " + err.Error())
	}
	return c
}

// Load builds the effective configuration: defaults, then the file at path
// (skipped when empty), then the environment given as a lookup function
// (os.LookupEnv in production, a map in tests). It validates the result.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config file: %w", err)
		}
		if err := decodeStrict(data, &c); err != nil {
			return c, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := applyEnv(&c, lookup); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

func decodeStrict(data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: it changes nothing.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// aliases are environment variables read besides the WUFEI_* names.
var aliases = map[string]string{
	"MONGODB_URI":           "WUFEI_MONGODB_URI",
	"REDIS_URL":             "WUFEI_REDIS_URL",
	"WUFEI_BOOTSTRAP_ADMIN": "WUFEI_AUTH_BOOTSTRAP_ADMIN",
}

// EnvNames lists every environment variable the configuration reads, in
// declaration order.
func EnvNames() []string {
	var names []string
	walk(reflect.ValueOf(&Config{}).Elem(), "WUFEI", func(name string, _ reflect.Value, _ reflect.StructField) {
		names = append(names, name)
	})
	return names
}

func applyEnv(c *Config, lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(name string) (string, bool) {
		if v, ok := lookup(name); ok {
			return v, true
		}
		for alias, canonical := range aliases {
			if canonical == name {
				if v, ok := lookup(alias); ok {
					return v, true
				}
			}
		}
		return "", false
	}
	var firstErr error
	walk(reflect.ValueOf(c).Elem(), "WUFEI", func(name string, v reflect.Value, _ reflect.StructField) {
		raw, ok := get(name)
		if !ok || firstErr != nil {
			return
		}
		if err := setValue(v, raw); err != nil {
			firstErr = fmt.Errorf("setting %s: %w", name, err)
		}
	})
	return firstErr
}

// walk calls fn for every leaf field with its environment variable name.
func walk(v reflect.Value, prefix string, fn func(name string, v reflect.Value, f reflect.StructField)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		name := prefix + "_" + strings.ToUpper(key)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			walk(fv, name, fn)
			continue
		}
		fn(name, fv, f)
	}
}

func setValue(v reflect.Value, raw string) error {
	raw = strings.TrimSpace(raw)
	switch v.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 15s, 5m): %q", raw)
		}
		v.SetInt(int64(d))
		return nil
	case []string:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("not a number: %q", raw)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean (true/false): %q", raw)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// Validate checks every setting and the rules between them. The error names
// the setting by its environment variable.
func (c Config) Validate() error {
	var problems []string
	bad := func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("WUFEI_DATA_DIR", "must not be empty")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("WUFEI_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("WUFEI_LOG_FORMAT", "must be text or json, got %q", c.Log.Format)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("WUFEI_HTTP_ADDR", "must be host:port or :port, got %q", c.HTTP.Addr)
	}
	positive := map[string]int{
		"WUFEI_HTTP_BODY_LIMIT_BYTES":             c.HTTP.BodyLimitBytes,
		"WUFEI_HTTP_JSON_LIMIT_BYTES":             c.HTTP.JSONLimitBytes,
		"WUFEI_HTTP_MAX_CONNECTIONS":              c.HTTP.MaxConnections,
		"WUFEI_AUTH_LOGIN_MAX_FAILURES_PER_USER":  c.Auth.LoginMaxFailuresPerUser,
		"WUFEI_AUTH_LOGIN_MAX_FAILURES_PER_IP":    c.Auth.LoginMaxFailuresPerIP,
		"WUFEI_AUTH_ARGON2_MEMORY_KIB":            c.Auth.Argon2MemoryKiB,
		"WUFEI_AUTH_ARGON2_ITERATIONS":            c.Auth.Argon2Iterations,
		"WUFEI_AUTH_ARGON2_PARALLELISM":           c.Auth.Argon2Parallelism,
		"WUFEI_SURVEYS_PER_RESPONDENT_PER_MINUTE": c.Surveys.PerRespondentPerMinute,
		"WUFEI_SURVEYS_PER_ADDRESS_PER_MINUTE":    c.Surveys.PerAddressPerMinute,
		"WUFEI_SURVEYS_WRITER_BATCH_SIZE":         c.Surveys.WriterBatchSize,
		"WUFEI_SURVEYS_WRITER_FLUSHERS":           c.Surveys.WriterFlushers,
	}
	for name, v := range positive {
		if v <= 0 {
			bad(name, "must be positive, got %d", v)
		}
	}
	if c.Uploads.MaxBytes <= 0 || c.Uploads.MaxBytes >= c.HTTP.BodyLimitBytes {
		bad("WUFEI_UPLOADS_MAX_BYTES", "must be positive and below WUFEI_HTTP_BODY_LIMIT_BYTES (%d)", c.HTTP.BodyLimitBytes)
	}
	if c.Cells.PublicityDays < 0 || c.Cells.PublicityDays > 60 {
		bad("WUFEI_CELLS_PUBLICITY_DAYS", "must be a whole number of days 0–60, got %d", c.Cells.PublicityDays)
	}
	if c.Surveys.MinSecondsPerAnswer <= 0 || c.Surveys.MinSecondsPerAnswer > 600 {
		bad("WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER", "must be above 0 and at most 600 seconds, got %g", c.Surveys.MinSecondsPerAnswer)
	}
	if c.Surveys.WriterBatchSize > 10000 {
		bad("WUFEI_SURVEYS_WRITER_BATCH_SIZE", "must be at most 10000, got %d", c.Surveys.WriterBatchSize)
	}
	if c.Surveys.WriterFlushers > 4096 {
		bad("WUFEI_SURVEYS_WRITER_FLUSHERS", "must be at most 4096, got %d", c.Surveys.WriterFlushers)
	}
	if c.Surveys.WriterLinger > time.Second {
		bad("WUFEI_SURVEYS_WRITER_LINGER", "must be at most 1s (every submission waits up to this long), got %s", c.Surveys.WriterLinger)
	}
	if c.HTTP.JSONLimitBytes > c.HTTP.BodyLimitBytes {
		bad("WUFEI_HTTP_JSON_LIMIT_BYTES", "must not exceed WUFEI_HTTP_BODY_LIMIT_BYTES")
	}
	durations := map[string]time.Duration{
		"WUFEI_HTTP_READ_TIMEOUT":       c.HTTP.ReadTimeout,
		"WUFEI_HTTP_WRITE_TIMEOUT":      c.HTTP.WriteTimeout,
		"WUFEI_HTTP_IDLE_TIMEOUT":       c.HTTP.IdleTimeout,
		"WUFEI_HTTP_SHUTDOWN_TIMEOUT":   c.HTTP.ShutdownTimeout,
		"WUFEI_MONGODB_CONNECT_TIMEOUT": c.MongoDB.ConnectTimeout,
		"WUFEI_WECHAT_HTTP_TIMEOUT":     c.WeChat.HTTPTimeout,
		"WUFEI_AUTH_SESSION_TTL":        c.Auth.SessionTTL,
		"WUFEI_AUTH_LOGIN_WINDOW":       c.Auth.LoginWindow,
		"WUFEI_SURVEYS_WRITER_LINGER":   c.Surveys.WriterLinger,
	}
	for name, d := range durations {
		if d <= 0 {
			bad(name, "must be a positive duration, got %s", d)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("WUFEI_HTTP_TRUSTED_PROXIES", "%q is neither an IP nor a CIDR", p)
		}
	}
	for _, o := range c.HTTP.CORSOrigins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" {
			bad("WUFEI_HTTP_CORS_ORIGINS", "%q is not an origin like https://console.example.cn", o)
		}
	}
	if c.MongoDB.URI != "" {
		if !strings.HasPrefix(c.MongoDB.URI, "mongodb://") && !strings.HasPrefix(c.MongoDB.URI, "mongodb+srv://") {
			bad("MONGODB_URI", "must start with mongodb:// or mongodb+srv://")
		}
	}
	if strings.TrimSpace(c.MongoDB.Database) == "" {
		bad("WUFEI_MONGODB_DATABASE", "must not be empty")
	}
	for _, t := range c.WeChat.Templates {
		if k, v, ok := strings.Cut(t, "="); !ok || k == "" || v == "" {
			bad("WUFEI_WECHAT_TEMPLATES", "%q is not kind=template_id", t)
		}
	}
	if c.WeChat.AppID != "" && c.WeChat.AppSecret == "" {
		bad("WUFEI_WECHAT_APP_SECRET", "is required when WUFEI_WECHAT_APP_ID is set")
	}
	if c.Auth.BootstrapAdmin != "" {
		u, p, ok := strings.Cut(c.Auth.BootstrapAdmin, ":")
		if !ok || u == "" || len(p) < 8 {
			bad("WUFEI_BOOTSTRAP_ADMIN", "must be username:password with a password of at least 8 characters")
		}
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

// LogValue masks secrets, so slog.Any("config", cfg) is safe to log.
func (c Config) LogValue() slog.Value {
	var attrs []slog.Attr
	walk(reflect.ValueOf(&c).Elem(), "WUFEI", func(name string, v reflect.Value, f reflect.StructField) {
		key := strings.ToLower(strings.TrimPrefix(name, "WUFEI_"))
		val := fmt.Sprint(v.Interface())
		if f.Tag.Get("secret") == "true" && v.Kind() == reflect.String && v.String() != "" {
			val = mask(v.String())
		}
		attrs = append(attrs, slog.String(key, val))
	})
	return slog.GroupValue(attrs...)
}

// mask hides a secret; for URLs it keeps scheme and host so operators can
// see where the service connects, but never the password.
func mask(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		if u.User != nil {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		u.RawQuery = ""
		return u.Redacted()
	}
	return "******"
}

// Embedded reports whether the service runs its own store (no MongoDB URI).
func (c Config) Embedded() bool { return c.MongoDB.URI == "" }

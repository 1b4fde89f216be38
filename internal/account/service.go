package account

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/ratelimit"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

var errConcurrentUpdate = errs.ErrConflict

// WeChatLogin exchanges a mini-program login code for the user's openid and
// unionid (empty when the app is not bound to an open platform account).
type WeChatLogin func(ctx context.Context, code string) (openid, unionid string, err error)

// Options configure the Service.
type Options struct {
	SessionTTL         time.Duration
	MaxFailuresPerUser int
	MaxFailuresPerIP   int
	LoginWindow        time.Duration
	Argon2             Argon2Params
	IdentitySalt       string // empty: generated once and kept in the store
	ValidDepartment    func(string) bool
	ValidDistrict      func(string) bool
	WeChat             WeChatLogin
	Logger             *slog.Logger
}

// Service runs logins, sessions and user management.
type Service struct {
	st      *store
	rdb     *redisx.Client
	limiter *ratelimit.Limiter
	audit   *audit.Log
	opt     Options
	salt    []byte
	locks   *mongodb.Locker
	// dummyHash is verified against when the username is unknown, so an
	// unknown name costs the same time as a wrong password.
	dummyHash string
	now       func() time.Time
	slid      setSlides
}

// NewService returns the service; it reads (or creates) the identity salt.
func NewService(ctx context.Context, db *mongo.Database, rdb *redisx.Client, al *audit.Log, opt Options) (*Service, error) {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.ValidDepartment == nil {
		opt.ValidDepartment = func(string) bool { return false }
	}
	if opt.ValidDistrict == nil {
		opt.ValidDistrict = func(string) bool { return false }
	}
	s := &Service{st: newStore(db), rdb: rdb, limiter: ratelimit.New(rdb), audit: al, opt: opt, now: time.Now, locks: mongodb.NewLocker()}
	salt := opt.IdentitySalt
	if salt == "" {
		var err error
		salt, err = s.st.setting(ctx, "identity_salt", func() string { return randomToken(32) })
		if err != nil {
			return nil, err
		}
	}
	s.salt = []byte(salt)
	h, err := HashPassword(randomToken(16), opt.Argon2)
	if err != nil {
		return nil, err
	}
	s.dummyHash = h
	return s, nil
}

// Session is what a bearer token stands for.
type Session struct {
	Token     string    `json:"-"`
	Actor     Actor     `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
	// OpenID is a citizen's WeChat openid, kept with the session (in
	// Redis, never sent or logged) for calls made on the citizen's behalf,
	// such as content security, without reading the user record.
	OpenID string `json:"openid,omitempty"`
}

// LoginWeChat logs a citizen in with a mini-program code, creating the user
// on first login.
func (s *Service) LoginWeChat(ctx context.Context, code string) (Session, User, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 256 {
		return Session{}, User{}, errs.Invalid(errs.Field("code", "required", "缺少登录凭证"))
	}
	openid, unionid, err := s.opt.WeChat(ctx, code)
	if err != nil {
		s.opt.Logger.Warn("wechat code2session failed", "err", err)
		return Session{}, User{}, ErrWeChatLogin
	}
	hash := s.hashIdentity("openid", openid)
	login := "wx:" + hash
	// The citizen's id derives from the identity hash, so a login is an
	// _id lookup: the embedded store indexes nothing else.
	id := "c_" + hash[:32]
	d, err := s.st.byID(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		now := s.now().UTC()
		d = userDoc{ID: id, Login: login, Role: string(RoleCitizen), DisplayName: "市民",
			OpenID: openid, UnionID: unionid, Departments: []string{}, Districts: []string{}, CreatedAt: now, UpdatedAt: now}
		if err := s.st.insert(ctx, d); err != nil {
			if !errors.Is(err, ErrUsernameTaken) {
				return Session{}, User{}, err
			}
			// Two first logins raced; the other one created the user.
		}
		d, err = s.st.byID(ctx, id)
	}
	if err != nil {
		return Session{}, User{}, err
	}
	if d.Disabled {
		return Session{}, User{}, ErrDisabled
	}
	if unionid != "" && d.UnionID != unionid {
		defer s.locks.Lock("user:" + d.ID)()
		prev := d.UpdatedAt
		d.UnionID, d.UpdatedAt = unionid, s.now().UTC().Truncate(time.Millisecond)
		if !d.UpdatedAt.After(prev) {
			d.UpdatedAt = prev.Add(time.Millisecond)
		}
		if err := s.st.replace(ctx, d, prev); err != nil {
			return Session{}, User{}, err
		}
	}
	u := d.toUser()
	sess, err := s.newSession(ctx, s.actorOf(u), u.OpenID)
	return sess, u, err
}

// LoginPassword logs staff in. Failed attempts count per username (known or
// not, so the answer never reveals which exist) and per client address; past
// the limits every attempt is refused with ErrTooManyAttempts until the
// window has passed.
func (s *Service) LoginPassword(ctx context.Context, username, password, clientIP string) (Session, User, error) {
	username = normalizeUsername(username)
	userKey := s.rdb.Key("loginfail", "user", username)
	ipKey := s.rdb.Key("loginfail", "ip", clientIP)
	for _, k := range []struct {
		key   string
		limit int
	}{{userKey, s.opt.MaxFailuresPerUser}, {ipKey, s.opt.MaxFailuresPerIP}} {
		r, err := s.limiter.Check(ctx, k.key, k.limit, s.opt.LoginWindow)
		if err != nil {
			return Session{}, User{}, err
		}
		if !r.Allowed {
			return Session{}, User{}, ErrTooManyAttempts.WithRetryAfter(int((r.RetryAfter + time.Second - 1) / time.Second))
		}
	}
	d, err := s.st.byLogin(ctx, "staff:"+username)
	hash := d.PasswordHash
	if err != nil {
		if !errors.Is(err, ErrUserNotFound) {
			return Session{}, User{}, err
		}
		hash = s.dummyHash
	}
	ok, verr := VerifyPassword(password, hash)
	if err != nil || verr != nil || !ok {
		if rerr := s.limiter.Record(ctx, userKey, s.opt.LoginWindow); rerr != nil {
			return Session{}, User{}, rerr
		}
		if rerr := s.limiter.Record(ctx, ipKey, s.opt.LoginWindow); rerr != nil {
			return Session{}, User{}, rerr
		}
		return Session{}, User{}, ErrInvalidCredentials
	}
	if d.Disabled {
		return Session{}, User{}, ErrDisabled
	}
	_ = s.limiter.Reset(ctx, userKey)
	u := d.toUser()
	sess, err := s.newSession(ctx, s.actorOf(u), u.OpenID)
	return sess, u, err
}

func (s *Service) actorOf(u User) Actor {
	a := Actor{UserID: u.ID, Role: u.Role, Username: u.Username, DisplayName: u.DisplayName,
		Departments: u.Departments, Districts: u.Districts}
	if u.Role == RoleCitizen {
		id := u.UnionID
		kind := "unionid"
		if id == "" {
			id, kind = u.OpenID, "openid"
		}
		a.RespondentKey = s.hashIdentity(kind, id)
	}
	return a
}

// hashIdentity is a keyed hash (HMAC-SHA256 with the identity salt): without
// the salt nobody can test whether a given openid is in the data.
func (s *Service) hashIdentity(kind, id string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(kind + ":" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// Sessions are kept in Redis under the SHA-256 of the token, so a Redis dump
// does not hand out usable tokens. Each user also has a set of its session
// keys, used to revoke them all at once.
func (s *Service) sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.rdb.Key("sess", hex.EncodeToString(sum[:]))
}

func (s *Service) userSessionsKey(userID string) string { return s.rdb.Key("usess", userID) }

func (s *Service) newSession(ctx context.Context, a Actor, openid string) (Session, error) {
	sess := Session{Token: randomToken(32), Actor: a, CreatedAt: s.now().UTC(), OpenID: openid}
	data, err := json.Marshal(sess)
	if err != nil {
		return Session{}, err
	}
	key := s.sessionKey(sess.Token)
	pipe := s.rdb.TxPipeline()
	pipe.Set(ctx, key, data, s.opt.SessionTTL)
	pipe.SAdd(ctx, s.userSessionsKey(a.UserID), key)
	pipe.Expire(ctx, s.userSessionsKey(a.UserID), s.opt.SessionTTL+setSlideEvery)
	if _, err := pipe.Exec(ctx); err != nil {
		return Session{}, fmt.Errorf("store session: %w", err)
	}
	s.slid.done(a.UserID, s.now())
	return sess, nil
}

// Authenticate returns the session of a bearer token and slides its expiry.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrSessionInvalid
	}
	key := s.sessionKey(token)
	data, err := s.rdb.GetEx(ctx, key, s.opt.SessionTTL).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrSessionInvalid
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(data, &sess); err != nil {
		return Session{}, ErrSessionInvalid
	}
	sess.Token = token
	// The set of the user's sessions (for RevokeAll) must outlive each of
	// them. It lives setSlideEvery longer than a session, so sliding it once
	// per setSlideEvery per user and replica is enough: a session slid now
	// expires at now+TTL, and the set was last slid at most setSlideEvery
	// ago with TTL+setSlideEvery. That saves a round trip on almost every
	// request.
	if now := s.now(); s.slid.due(sess.Actor.UserID, now) {
		if err := s.rdb.Expire(ctx, s.userSessionsKey(sess.Actor.UserID), s.opt.SessionTTL+setSlideEvery).Err(); err == nil {
			s.slid.done(sess.Actor.UserID, now)
		}
	}
	return sess, nil
}

// Logout revokes one token.
func (s *Service) Logout(ctx context.Context, sess Session) error {
	key := s.sessionKey(sess.Token)
	pipe := s.rdb.TxPipeline()
	pipe.Del(ctx, key)
	pipe.SRem(ctx, s.userSessionsKey(sess.Actor.UserID), key)
	_, err := pipe.Exec(ctx)
	return err
}

// RevokeAll ends every session of a user.
func (s *Service) RevokeAll(ctx context.Context, userID string) error {
	setKey := s.userSessionsKey(userID)
	keys, err := s.rdb.SMembers(ctx, setKey).Result()
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	// Keys are deleted one by one: on a Cluster they live in different slots.
	for _, k := range keys {
		if err := s.rdb.Del(ctx, k).Err(); err != nil {
			return fmt.Errorf("revoke sessions: %w", err)
		}
	}
	return s.rdb.Del(ctx, setKey).Err()
}

// Me returns the current user.
func (s *Service) Me(ctx context.Context, a Actor) (User, error) {
	d, err := s.st.byID(ctx, a.UserID)
	if err != nil {
		return User{}, err
	}
	return d.toUser(), nil
}

// StaffInput creates or edits a staff user. Nil pointers leave a field as it is.
type StaffInput struct {
	Username    *string
	Password    *string
	Role        *Role
	DisplayName *string
	Departments *[]string
	Districts   *[]string
	Disabled    *bool
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

func normalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// validate checks a complete staff user and collects field errors.
func (s *Service) validate(d userDoc, password *string) error {
	var fields []errs.FieldError
	if !usernamePattern.MatchString(d.Username) {
		fields = append(fields, errs.Field("username", "invalid", "用户名为 2–32 位小写字母、数字、点、下划线或连字符"))
	}
	if !Role(d.Role).Staff() {
		fields = append(fields, errs.Field("role", "invalid", "角色须为 admin、department、district 或 evaluator"))
	}
	if password != nil && (utf8.RuneCountInString(*password) < 8 || len(*password) > 256) {
		fields = append(fields, errs.Field("password", "too_short", "密码至少 8 位"))
	}
	if n := utf8.RuneCountInString(d.DisplayName); n == 0 || n > 64 {
		fields = append(fields, errs.Field("display_name", "invalid", "请填写 1–64 字的显示名称"))
	}
	switch Role(d.Role) {
	case RoleDepartment:
		if len(d.Departments) == 0 {
			fields = append(fields, errs.Field("departments", "required", "部门账号须指定所属部门"))
		}
		for i, dep := range d.Departments {
			if !s.opt.ValidDepartment(dep) {
				fields = append(fields, errs.Field(fmt.Sprintf("departments[%d]", i), "unknown_department", "未知部门："+dep))
			}
		}
	case RoleDistrict:
		if len(d.Districts) == 0 {
			fields = append(fields, errs.Field("districts", "required", "旗区账号须指定所属旗区"))
		}
		for i, dc := range d.Districts {
			if !s.opt.ValidDistrict(dc) {
				fields = append(fields, errs.Field(fmt.Sprintf("districts[%d]", i), "unknown_district", "未知旗区代码："+dc))
			}
		}
	}
	if Role(d.Role) != RoleDepartment && len(d.Departments) > 0 {
		fields = append(fields, errs.Field("departments", "not_allowed", "只有部门账号可指定部门"))
	}
	if Role(d.Role) != RoleDistrict && len(d.Districts) > 0 {
		fields = append(fields, errs.Field("districts", "not_allowed", "只有旗区账号可指定旗区"))
	}
	if len(fields) > 0 {
		return errs.Invalid(fields...)
	}
	return nil
}

// CreateStaff adds a staff user. by is the acting admin (audit.System at
// bootstrap).
func (s *Service) CreateStaff(ctx context.Context, by audit.Actor, in StaffInput) (User, error) {
	if in.Username == nil || in.Password == nil || in.Role == nil {
		var fields []errs.FieldError
		for name, missing := range map[string]bool{"username": in.Username == nil, "password": in.Password == nil, "role": in.Role == nil} {
			if missing {
				fields = append(fields, errs.Field(name, "required", "必填"))
			}
		}
		slices.SortFunc(fields, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return User{}, errs.Invalid(fields...)
	}
	now := s.now().UTC()
	d := userDoc{ID: "s_" + randomToken(12), Username: normalizeUsername(*in.Username), Role: string(*in.Role),
		Departments: []string{}, Districts: []string{}, CreatedAt: now, UpdatedAt: now}
	d.DisplayName = d.Username
	if in.DisplayName != nil {
		d.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Departments != nil {
		d.Departments = dedupe(*in.Departments)
	}
	if in.Districts != nil {
		d.Districts = dedupe(*in.Districts)
	}
	if err := s.validate(d, in.Password); err != nil {
		return User{}, err
	}
	d.Login = "staff:" + d.Username
	hash, err := HashPassword(*in.Password, s.opt.Argon2)
	if err != nil {
		return User{}, err
	}
	d.PasswordHash = hash
	if err := s.st.insert(ctx, d); err != nil {
		return User{}, err
	}
	u := d.toUser()
	_ = s.audit.Record(ctx, audit.Entry{Actor: by, Action: "user.create", ObjectType: "user", ObjectID: u.ID, After: publicView(u)})
	return u, nil
}

// UpdateStaff edits a staff user. A change of password, role, scope or the
// disabled flag ends all the user's sessions.
func (s *Service) UpdateStaff(ctx context.Context, by audit.Actor, id string, in StaffInput) (User, error) {
	defer s.locks.Lock("user:" + id)()
	d, err := s.st.byID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !Role(d.Role).Staff() {
		return User{}, ErrUserNotFound
	}
	if in.Username != nil && normalizeUsername(*in.Username) != d.Username {
		return User{}, errs.Invalid(errs.Field("username", "immutable", "用户名不可修改"))
	}
	before := d.toUser()
	prev := d.UpdatedAt
	revoke := false
	if in.Role != nil && string(*in.Role) != d.Role {
		d.Role, revoke = string(*in.Role), true
	}
	if in.DisplayName != nil {
		d.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Departments != nil {
		d.Departments, revoke = dedupe(*in.Departments), true
	}
	if in.Districts != nil {
		d.Districts, revoke = dedupe(*in.Districts), true
	}
	if in.Disabled != nil && *in.Disabled != d.Disabled {
		d.Disabled, revoke = *in.Disabled, true
	}
	if err := s.validate(d, in.Password); err != nil {
		return User{}, err
	}
	if in.Password != nil {
		hash, err := HashPassword(*in.Password, s.opt.Argon2)
		if err != nil {
			return User{}, err
		}
		d.PasswordHash, revoke = hash, true
	}
	// The store keeps milliseconds: truncate, and always move forward, so
	// the guard on updated_at tells every write apart.
	d.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if !d.UpdatedAt.After(prev) {
		d.UpdatedAt = prev.Add(time.Millisecond)
	}
	if err := s.st.replace(ctx, d, prev); err != nil {
		return User{}, err
	}
	if revoke {
		if err := s.RevokeAll(ctx, d.ID); err != nil {
			return User{}, err
		}
	}
	u := d.toUser()
	after := publicView(u)
	if in.Password != nil {
		after["password_changed"] = true
	}
	_ = s.audit.Record(ctx, audit.Entry{Actor: by, Action: "user.update", ObjectType: "user", ObjectID: u.ID, Before: publicView(before), After: after})
	return u, nil
}

// UserByUsername returns a staff user by name.
func (s *Service) UserByUsername(ctx context.Context, username string) (User, error) {
	d, err := s.st.byLogin(ctx, "staff:"+normalizeUsername(username))
	if err != nil {
		return User{}, err
	}
	return d.toUser(), nil
}

// ListUsers returns users ordered by id, after the cursor (an id).
func (s *Service) ListUsers(ctx context.Context, role string, limit int, cursor string) ([]User, string, error) {
	docs, err := s.st.list(ctx, role, limit+1, cursor)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = docs[limit-1].ID
	}
	out := make([]User, len(docs))
	for i, d := range docs {
		out[i] = d.toUser()
	}
	return out, next, nil
}

// Bootstrap creates the admin named in "username:password" when no enabled
// admin exists; it reports whether it created one.
func (s *Service) Bootstrap(ctx context.Context, spec string) (bool, error) {
	if spec == "" {
		return false, nil
	}
	n, err := s.st.countRole(ctx, RoleAdmin)
	if err != nil || n > 0 {
		return false, err
	}
	user, pass, _ := strings.Cut(spec, ":")
	role := RoleAdmin
	name := "管理员"
	_, err = s.CreateStaff(ctx, audit.System, StaffInput{Username: &user, Password: &pass, Role: &role, DisplayName: &name})
	if errors.Is(err, ErrUsernameTaken) {
		return false, fmt.Errorf("bootstrap admin: user %q exists but is not an enabled admin", user)
	}
	return err == nil, err
}

// publicView is what audit records keep of a user: never password hashes
// or WeChat identities.
func publicView(u User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "role": string(u.Role), "display_name": u.DisplayName,
		"departments": u.Departments, "districts": u.Districts, "disabled": u.Disabled}
}

func dedupe(in []string) []string {
	out := []string{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// AuditActor converts an Actor for audit records.
func (a Actor) AuditActor() audit.Actor {
	name := a.DisplayName
	if a.Username != "" {
		name = a.Username
	}
	return audit.Actor{ID: a.UserID, Role: string(a.Role), Name: name}
}

type openIDKey struct{}

// WithOpenID returns ctx carrying a citizen's openid (from the session).
func WithOpenID(ctx context.Context, openid string) context.Context {
	if openid == "" {
		return ctx
	}
	return context.WithValue(ctx, openIDKey{}, openid)
}

// OpenIDFrom returns the openid WithOpenID put in ctx, if any.
func OpenIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(openIDKey{}).(string)
	return id
}

// setSlideEvery is how often a replica slides a user's session set.
const setSlideEvery = time.Hour

// setSlides remembers when this replica last slid each user's session set.
type setSlides struct {
	mu   sync.Mutex
	last map[string]time.Time
}

func (m *setSlides) due(userID string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.last[userID]
	return !ok || now.Sub(t) >= setSlideEvery
}

func (m *setSlides) done(userID string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		m.last = map[string]time.Time{}
	}
	// Bounded by the users active within setSlideEvery: older entries
	// are due anyway and are dropped once the map has grown.
	if len(m.last) >= 1<<14 && len(m.last)%1024 == 0 {
		for id, t := range m.last {
			if now.Sub(t) >= setSlideEvery {
				delete(m.last, id)
			}
		}
	}
	m.last[userID] = now
}

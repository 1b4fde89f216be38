package account_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/testenv"
	"github.com/ordos-wufei/wufei/internal/schema"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// cheap argon2 parameters keep the tests fast; production uses the config's.
var cheap = account.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	deptEco     = "市生态环境局"
	deptHousing = "市住房和城乡建设局"
	districtA   = "150602"
	districtB   = "150603"
)

// admin is the acting user in service calls that need one.
var admin = audit.Actor{ID: "s_admin", Role: "admin", Name: "admin"}

// fakeWeChat stands in for code2session: "o:<openid>" and
// "u:<openid>:<unionid>" succeed; anything else is refused.
func fakeWeChat(_ context.Context, code string) (string, string, error) {
	if o, ok := strings.CutPrefix(code, "o:"); ok {
		return o, "", nil
	}
	if rest, ok := strings.CutPrefix(code, "u:"); ok {
		o, u, _ := strings.Cut(rest, ":")
		return o, u, nil
	}
	return "", "", errors.New("invalid code")
}

type fixture struct {
	svc   *account.Service
	db    *mongo.Database
	rdb   *redisx.Client
	audit *audit.Log
	opt   account.Options
}

func options() account.Options {
	return account.Options{
		SessionTTL:         time.Hour,
		MaxFailuresPerUser: 5,
		MaxFailuresPerIP:   20,
		LoginWindow:        15 * time.Minute,
		Argon2:             cheap,
		ValidDepartment:    func(s string) bool { return s == deptEco || s == deptHousing },
		ValidDistrict:      func(s string) bool { return s == districtA || s == districtB },
		WeChat:             fakeWeChat,
		Logger:             quiet,
	}
}

// newFixture builds the service on a fresh database with the real schema
// steps (so the unique indexes exist) and a fresh Redis.
func newFixture(t *testing.T, mod func(*account.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := mongodb.Migrate(ctx, db, schema.Steps, quiet); err != nil {
		t.Fatal(err)
	}
	rdb := testenv.Redis(t)
	opt := options()
	if mod != nil {
		mod(&opt)
	}
	al := audit.New(db, quiet)
	svc, err := account.NewService(ctx, db, rdb, al, opt)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, db: db, rdb: rdb, audit: al, opt: opt}
}

func ptr[T any](v T) *T { return &v }

type staff struct {
	username, password string
	role               account.Role
	departments        []string
	districts          []string
}

func (f *fixture) create(t *testing.T, s staff) account.User {
	t.Helper()
	in := account.StaffInput{Username: &s.username, Password: &s.password, Role: &s.role}
	if s.departments != nil {
		in.Departments = &s.departments
	}
	if s.districts != nil {
		in.Districts = &s.districts
	}
	u, err := f.svc.CreateStaff(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("CreateStaff(%s): %v", s.username, err)
	}
	return u
}

func (f *fixture) login(t *testing.T, username, password string) account.Session {
	t.Helper()
	sess, _, err := f.svc.LoginPassword(context.Background(), username, password, "192.0.2.1")
	if err != nil {
		t.Fatalf("LoginPassword(%s): %v", username, err)
	}
	return sess
}

// code returns the stable error code of err, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errs.As(err); ok {
		return e.Code
	}
	return "untyped: " + err.Error()
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := account.HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not record argon2id and its parameters", h)
	}
	h2, err := account.HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	// Parameters come from the hash, not from the caller: a hash made with
	// other costs still verifies.
	h3, err := account.HashPassword("correct horse", account.Argon2Params{MemoryKiB: 128, Iterations: 2, Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}

	tests := map[string]struct {
		password, hash string
		want           bool
		wantErr        bool
	}{
		"right":                {password: "correct horse", hash: h, want: true},
		"right, other hash":    {password: "correct horse", hash: h2, want: true},
		"right, other params":  {password: "correct horse", hash: h3, want: true},
		"wrong":                {password: "correct horsf", hash: h},
		"empty":                {password: "", hash: h},
		"prefix":               {password: "correct", hash: h},
		"empty hash":           {password: "x", hash: "", wantErr: true},
		"plain text":           {password: "x", hash: "x", wantErr: true},
		"argon2i":              {password: "x", hash: "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"bcrypt":               {password: "x", hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", wantErr: true},
		"bad version":          {password: "x", hash: "$argon2id$v=18$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"bad params":           {password: "x", hash: "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"zero parallelism":     {password: "x", hash: "$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"zero iterations":      {password: "x", hash: "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"parallelism overflow": {password: "x", hash: "$argon2id$v=19$m=64,t=1,p=300$c2FsdHNhbHQ$a2V5a2V5", wantErr: true},
		"bad salt":             {password: "x", hash: "$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5", wantErr: true},
		"empty key":            {password: "x", hash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$", wantErr: true},
		"bad key":              {password: "x", hash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$!!!", wantErr: true},
		"extra segment":        {password: "correct horse", hash: h + "$x", wantErr: true},
		"truncated":            {password: "correct horse", hash: h[:strings.LastIndex(h, "$")], wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, err := account.VerifyPassword(tc.password, tc.hash)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error: %v", err, tc.wantErr)
			}
			if ok != tc.want {
				t.Errorf("ok = %v, want %v", ok, tc.want)
			}
		})
	}
}

func TestCreateStaffValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	evaluator, department, district := account.RoleEvaluator, account.RoleDepartment, account.RoleDistrict
	tests := map[string]struct {
		in        account.StaffInput
		wantField string // "" when the input is valid
	}{
		"valid evaluator":   {in: account.StaffInput{Username: ptr("eva"), Password: ptr("longpassword"), Role: &evaluator}},
		"valid department":  {in: account.StaffInput{Username: ptr("dep"), Password: ptr("longpassword"), Role: &department, Departments: &[]string{deptEco}}},
		"valid district":    {in: account.StaffInput{Username: ptr("dis"), Password: ptr("longpassword"), Role: &district, Districts: &[]string{districtA, districtB}}},
		"upper case folded": {in: account.StaffInput{Username: ptr(" Mixed.Case_1 "), Password: ptr("longpassword"), Role: &evaluator}},

		"missing username":       {in: account.StaffInput{Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"missing password":       {in: account.StaffInput{Username: ptr("nopw"), Role: &evaluator}, wantField: "password"},
		"missing role":           {in: account.StaffInput{Username: ptr("norole"), Password: ptr("longpassword")}, wantField: "role"},
		"username too short":     {in: account.StaffInput{Username: ptr("a"), Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"username too long":      {in: account.StaffInput{Username: ptr(strings.Repeat("a", 33)), Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"username with space":    {in: account.StaffInput{Username: ptr("a b"), Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"username leading dash":  {in: account.StaffInput{Username: ptr("-ab"), Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"username not ascii":     {in: account.StaffInput{Username: ptr("管理员"), Password: ptr("longpassword"), Role: &evaluator}, wantField: "username"},
		"short password":         {in: account.StaffInput{Username: ptr("shortpw"), Password: ptr("1234567"), Role: &evaluator}, wantField: "password"},
		"citizen role":           {in: account.StaffInput{Username: ptr("cit"), Password: ptr("longpassword"), Role: ptr(account.RoleCitizen)}, wantField: "role"},
		"unknown role":           {in: account.StaffInput{Username: ptr("boss"), Password: ptr("longpassword"), Role: ptr(account.Role("boss"))}, wantField: "role"},
		"long display name":      {in: account.StaffInput{Username: ptr("longname"), Password: ptr("longpassword"), Role: &evaluator, DisplayName: ptr(strings.Repeat("名", 65))}, wantField: "display_name"},
		"blank display name":     {in: account.StaffInput{Username: ptr("blankname"), Password: ptr("longpassword"), Role: &evaluator, DisplayName: ptr("  ")}, wantField: "display_name"},
		"department, none":       {in: account.StaffInput{Username: ptr("dep0"), Password: ptr("longpassword"), Role: &department}, wantField: "departments"},
		"department, empty list": {in: account.StaffInput{Username: ptr("dep1"), Password: ptr("longpassword"), Role: &department, Departments: &[]string{" "}}, wantField: "departments"},
		"department, unknown":    {in: account.StaffInput{Username: ptr("dep2"), Password: ptr("longpassword"), Role: &department, Departments: &[]string{"市不存在局"}}, wantField: "departments[0]"},
		"district, none":         {in: account.StaffInput{Username: ptr("dis0"), Password: ptr("longpassword"), Role: &district}, wantField: "districts"},
		"district, unknown":      {in: account.StaffInput{Username: ptr("dis1"), Password: ptr("longpassword"), Role: &district, Districts: &[]string{districtA, "110000"}}, wantField: "districts[1]"},
		"evaluator with depts":   {in: account.StaffInput{Username: ptr("eva1"), Password: ptr("longpassword"), Role: &evaluator, Departments: &[]string{deptEco}}, wantField: "departments"},
		"admin with districts":   {in: account.StaffInput{Username: ptr("adm1"), Password: ptr("longpassword"), Role: ptr(account.RoleAdmin), Districts: &[]string{districtA}}, wantField: "districts"},
		"department w/ district": {in: account.StaffInput{Username: ptr("dep3"), Password: ptr("longpassword"), Role: &department, Departments: &[]string{deptEco}, Districts: &[]string{districtA}}, wantField: "districts"},
		"district w/ department": {in: account.StaffInput{Username: ptr("dis2"), Password: ptr("longpassword"), Role: &district, Districts: &[]string{districtA}, Departments: &[]string{deptEco}}, wantField: "departments"},
	}
	valid := 0
	for name, tc := range tests {
		if tc.wantField == "" {
			valid++
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u, err := f.svc.CreateStaff(ctx, admin, tc.in)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("CreateStaff: %v", err)
				}
				if u.ID == "" || u.Username != strings.ToLower(strings.TrimSpace(*tc.in.Username)) || u.Role != *tc.in.Role {
					t.Errorf("created %+v", u)
				}
				return
			}
			if !errors.Is(err, errs.ErrValidation) {
				t.Fatalf("CreateStaff = %v, want a validation error", err)
			}
			e, _ := errs.As(err)
			var fields []string
			for _, fe := range e.Fields {
				fields = append(fields, fe.Field)
			}
			if !slices.Contains(fields, tc.wantField) {
				t.Errorf("field errors %v, want one for %s", fields, tc.wantField)
			}
		})
	}
	t.Cleanup(func() {
		// Nothing invalid was stored.
		users, _, err := f.svc.ListUsers(ctx, "", 100, "")
		if err != nil {
			t.Error(err)
			return
		}
		if len(users) != valid {
			var names []string
			for _, u := range users {
				names = append(names, u.Username)
			}
			t.Errorf("%d users stored (%v), want %d", len(users), names, valid)
		}
	})
}

func TestCreateStaffDuplicate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	first := f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	for _, name := range []string{"alice", "ALICE", " Alice "} {
		_, err := f.svc.CreateStaff(ctx, admin, account.StaffInput{Username: ptr(name), Password: ptr("otherpassword"), Role: ptr(account.RoleAdmin)})
		if !errors.Is(err, account.ErrUsernameTaken) {
			t.Errorf("CreateStaff(%q) = %v, want ErrUsernameTaken", name, err)
		}
	}
	// The first user is untouched: its password and role still hold.
	_, u, err := f.svc.LoginPassword(ctx, "alice", "longpassword", "192.0.2.1")
	if err != nil || u.ID != first.ID || u.Role != account.RoleEvaluator {
		t.Errorf("login after duplicates: %+v, %v", u, err)
	}
}

func TestLoginPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	created := f.create(t, staff{username: "dep1", password: "longpassword", role: account.RoleDepartment, departments: []string{deptEco}})

	sess, u, err := f.svc.LoginPassword(ctx, " DEP1 ", "longpassword", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != created.ID || sess.Token == "" || len(sess.Token) > 128 {
		t.Fatalf("login: user %+v token %q", u, sess.Token)
	}
	got, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Actor
	if a.UserID != created.ID || a.Role != account.RoleDepartment || a.Username != "dep1" ||
		!slices.Equal(a.Departments, []string{deptEco}) || a.RespondentKey != "" {
		t.Errorf("actor %+v", a)
	}
	if !a.HasDepartment(deptEco) || a.HasDepartment(deptHousing) {
		t.Errorf("HasDepartment wrong for %+v", a)
	}
	me, err := f.svc.Me(ctx, a)
	if err != nil || me.ID != created.ID {
		t.Errorf("Me = %+v, %v", me, err)
	}

	for name, tc := range map[string]struct{ username, password string }{
		"wrong password":   {"dep1", "longpassworD"},
		"empty password":   {"dep1", ""},
		"unknown username": {"nobody", "longpassword"},
	} {
		_, _, err := f.svc.LoginPassword(ctx, tc.username, tc.password, "192.0.2.1")
		if !errors.Is(err, account.ErrInvalidCredentials) {
			t.Errorf("%s: %v, want ErrInvalidCredentials", name, err)
		}
	}
}

func TestLockoutPerUsername(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	limit := f.opt.MaxFailuresPerUser

	// A known and an unknown username, each from its own address, must get
	// the very same answers.
	sequence := func(username, ip string) ([]string, *errs.Error) {
		var codes []string
		var last *errs.Error
		for i := 0; i < limit+2; i++ {
			_, _, err := f.svc.LoginPassword(ctx, username, "wrongpassword", ip)
			codes = append(codes, code(err))
			if e, ok := errs.As(err); ok && errors.Is(err, account.ErrTooManyAttempts) {
				last = e
			}
		}
		return codes, last
	}
	known, knownErr := sequence("alice", "198.51.100.1")
	unknown, unknownErr := sequence("ghost", "198.51.100.2")
	want := slices.Repeat([]string{"invalid_credentials"}, limit)
	want = append(want, "too_many_attempts", "too_many_attempts")
	if !slices.Equal(known, want) {
		t.Errorf("known username: %v, want %v", known, want)
	}
	if !slices.Equal(unknown, want) {
		t.Errorf("unknown username: %v, want %v", unknown, want)
	}
	for name, e := range map[string]*errs.Error{"known": knownErr, "unknown": unknownErr} {
		if e == nil {
			continue
		}
		window := int(f.opt.LoginWindow / time.Second)
		if e.RetryAfterSeconds <= 0 || e.RetryAfterSeconds > window {
			t.Errorf("%s: RetryAfterSeconds = %d, want in (0, %d]", name, e.RetryAfterSeconds, window)
		}
		if e.Kind != errs.KindRateLimited {
			t.Errorf("%s: kind %v, want rate limited", name, e.Kind)
		}
	}

	// Locked out even with the right password, from any address.
	for _, ip := range []string{"198.51.100.1", "203.0.113.9"} {
		if _, _, err := f.svc.LoginPassword(ctx, "alice", "longpassword", ip); !errors.Is(err, account.ErrTooManyAttempts) {
			t.Errorf("right password from %s while locked: %v, want ErrTooManyAttempts", ip, err)
		}
	}
	// Another user is not affected.
	f.create(t, staff{username: "bob", password: "longpassword", role: account.RoleEvaluator})
	if _, _, err := f.svc.LoginPassword(ctx, "bob", "longpassword", "198.51.100.1"); err != nil {
		t.Errorf("other user: %v", err)
	}
}

func TestLockoutPerIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *account.Options) { o.MaxFailuresPerIP = 4 })
	ctx := context.Background()
	f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	const ip = "203.0.113.7"
	for i := 0; i < 4; i++ {
		_, _, err := f.svc.LoginPassword(ctx, fmt.Sprintf("guess%d", i), "password1", ip)
		if !errors.Is(err, account.ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v, want ErrInvalidCredentials", i, err)
		}
	}
	_, _, err := f.svc.LoginPassword(ctx, "alice", "longpassword", ip)
	if !errors.Is(err, account.ErrTooManyAttempts) {
		t.Fatalf("from the guessing address: %v, want ErrTooManyAttempts", err)
	}
	if e, _ := errs.As(err); e.RetryAfterSeconds <= 0 {
		t.Errorf("RetryAfterSeconds = %d", e.RetryAfterSeconds)
	}
	if _, _, err := f.svc.LoginPassword(ctx, "alice", "longpassword", "203.0.113.8"); err != nil {
		t.Errorf("from another address: %v", err)
	}
}

func TestSuccessResetsUserFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *account.Options) { o.MaxFailuresPerUser = 3 })
	ctx := context.Background()
	f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	attempt := func(password string) string {
		_, _, err := f.svc.LoginPassword(ctx, "alice", password, "192.0.2.50")
		return code(err)
	}
	var got []string
	for _, pw := range []string{"bad", "bad", "longpassword", "bad", "bad", "bad", "bad"} {
		got = append(got, attempt(pw))
	}
	want := []string{"invalid_credentials", "invalid_credentials", "", "invalid_credentials", "invalid_credentials", "invalid_credentials", "too_many_attempts"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	if _, err := f.svc.UpdateStaff(ctx, admin, u.ID, account.StaffInput{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.LoginPassword(ctx, "alice", "longpassword", "192.0.2.1"); !errors.Is(err, account.ErrDisabled) {
		t.Errorf("right password: %v, want ErrDisabled", err)
	}
	// A wrong password does not reveal that the account exists but is off.
	if _, _, err := f.svc.LoginPassword(ctx, "alice", "wrongpassword", "192.0.2.1"); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Errorf("wrong password: %v, want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.UpdateStaff(ctx, admin, u.ID, account.StaffInput{Disabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.LoginPassword(ctx, "alice", "longpassword", "192.0.2.1"); err != nil {
		t.Errorf("after enabling again: %v", err)
	}
}

func TestLoginWeChat(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	const openid = "oWx7Fh3kQ_openid-one"

	s1, u1, err := f.svc.LoginWeChat(ctx, "o:"+openid)
	if err != nil {
		t.Fatal(err)
	}
	if u1.Role != account.RoleCitizen || s1.Actor.Role != account.RoleCitizen {
		t.Errorf("first login: user %+v actor %+v, want citizen", u1, s1.Actor)
	}
	s2, u2, err := f.svc.LoginWeChat(ctx, "o:"+openid)
	if err != nil {
		t.Fatal(err)
	}
	if u2.ID != u1.ID {
		t.Errorf("second login created another user: %s vs %s", u2.ID, u1.ID)
	}
	if s2.Token == s1.Token {
		t.Error("two logins share a token")
	}
	key := s1.Actor.RespondentKey
	if key == "" || s2.Actor.RespondentKey != key {
		t.Errorf("respondent key not stable: %q then %q", key, s2.Actor.RespondentKey)
	}
	if _, err := hex.DecodeString(key); err != nil || len(key) != 64 {
		t.Errorf("respondent key %q is not a 256-bit hex hash", key)
	}
	for _, s := range []string{key, u1.ID, s1.Token} {
		if strings.Contains(s, openid) || strings.Contains(strings.ToLower(s), strings.ToLower(openid[:8])) {
			t.Errorf("%q contains the openid", s)
		}
	}
	authed, err := f.svc.Authenticate(ctx, s1.Token)
	if err != nil || authed.Actor.RespondentKey != key || authed.Actor.UserID != u1.ID {
		t.Errorf("Authenticate: %+v, %v", authed.Actor, err)
	}

	s3, u3, err := f.svc.LoginWeChat(ctx, "o:oWx7Fh3kQ_openid-two")
	if err != nil {
		t.Fatal(err)
	}
	if u3.ID == u1.ID || s3.Actor.RespondentKey == key {
		t.Error("another openid got the same user or respondent key")
	}

	// With a unionid the key follows the unionid: two openids of one person
	// (two mini programs) are one respondent.
	sa, ua, err := f.svc.LoginWeChat(ctx, "u:openid-app-a:union-1")
	if err != nil {
		t.Fatal(err)
	}
	sb, ub, err := f.svc.LoginWeChat(ctx, "u:openid-app-b:union-1")
	if err != nil {
		t.Fatal(err)
	}
	if ua.ID == ub.ID {
		t.Error("two openids are one user")
	}
	if sa.Actor.RespondentKey != sb.Actor.RespondentKey {
		t.Error("one unionid, two respondent keys")
	}
	if strings.Contains(sa.Actor.RespondentKey, "union-1") {
		t.Error("respondent key contains the unionid")
	}

	// A unionid learned later replaces the openid in the key.
	s4, u4, err := f.svc.LoginWeChat(ctx, "u:"+openid+":union-2")
	if err != nil {
		t.Fatal(err)
	}
	if u4.ID != u1.ID || u4.UnionID != "union-2" {
		t.Errorf("login with a new unionid: %+v", u4)
	}
	if s4.Actor.RespondentKey == key {
		t.Error("respondent key ignores the unionid")
	}
	s5, _, err := f.svc.LoginWeChat(ctx, "u:another-openid:union-2")
	if err != nil {
		t.Fatal(err)
	}
	if s5.Actor.RespondentKey != s4.Actor.RespondentKey {
		t.Error("same unionid, different respondent keys")
	}

	for name, c := range map[string]string{"empty": "  ", "too long": "o:" + strings.Repeat("x", 300)} {
		if _, _, err := f.svc.LoginWeChat(ctx, c); !errors.Is(err, errs.ErrValidation) {
			t.Errorf("%s code: %v, want a validation error", name, err)
		}
	}
	if _, _, err := f.svc.LoginWeChat(ctx, "rejected-by-wechat"); !errors.Is(err, account.ErrWeChatLogin) {
		t.Errorf("refused code: %v, want ErrWeChatLogin", err)
	}

	citizens, _, err := f.svc.ListUsers(ctx, string(account.RoleCitizen), 100, "")
	if err != nil || len(citizens) != 5 {
		t.Errorf("%d citizens (err %v), want 5", len(citizens), err)
	}
}

func TestRespondentKeySalt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	s1, _, err := f.svc.LoginWeChat(ctx, "o:openid-salt")
	if err != nil {
		t.Fatal(err)
	}
	// A second service on the same database reads the stored salt: keys
	// survive restarts.
	again, err := account.NewService(ctx, f.db, f.rdb, f.audit, f.opt)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := again.LoginWeChat(ctx, "o:openid-salt")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Actor.RespondentKey != s2.Actor.RespondentKey {
		t.Error("respondent key changed with a new service on the same database")
	}
	// A configured salt gives other keys (and other users: the login key is
	// salted too).
	opt := f.opt
	opt.IdentitySalt = "configured-salt"
	salted, err := account.NewService(ctx, f.db, f.rdb, f.audit, opt)
	if err != nil {
		t.Fatal(err)
	}
	s3, _, err := salted.LoginWeChat(ctx, "o:openid-salt")
	if err != nil {
		t.Fatal(err)
	}
	if s3.Actor.RespondentKey == s1.Actor.RespondentKey {
		t.Error("the configured salt is ignored")
	}
}

func TestConcurrentFirstWeChatLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	const n = 12
	ids := make([]string, n)
	keys := make([]string, n)
	errc := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, u, err := f.svc.LoginWeChat(ctx, "o:openid-race")
			ids[i], keys[i], errc[i] = u.ID, s.Actor.RespondentKey, err
		}()
	}
	close(start)
	wg.Wait()
	for i := 0; i < n; i++ {
		if errc[i] != nil {
			t.Fatalf("login %d: %v", i, errc[i])
		}
		if ids[i] != ids[0] || keys[i] != keys[0] {
			t.Errorf("login %d: user %s key %s; login 0: user %s key %s", i, ids[i], keys[i], ids[0], keys[0])
		}
	}
	users, _, err := f.svc.ListUsers(ctx, "", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 {
		t.Errorf("%d users after concurrent first logins, want 1", len(users))
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	a := f.login(t, "alice", "longpassword")
	b := f.login(t, "alice", "longpassword")
	for _, s := range []account.Session{a, b} {
		if _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	for name, tok := range map[string]string{"empty": "", "garbage": "not-a-token", "too long": strings.Repeat("a", 129)} {
		if _, err := f.svc.Authenticate(ctx, tok); !errors.Is(err, account.ErrSessionInvalid) {
			t.Errorf("%s token: %v, want ErrSessionInvalid", name, err)
		}
	}

	if err := f.svc.Logout(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, a.Token); !errors.Is(err, account.ErrSessionInvalid) {
		t.Errorf("after logout: %v, want ErrSessionInvalid", err)
	}
	if _, err := f.svc.Authenticate(ctx, b.Token); err != nil {
		t.Errorf("logout of one session ended another: %v", err)
	}

	c := f.login(t, "alice", "longpassword")
	if err := f.svc.RevokeAll(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []account.Session{b, c} {
		if _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, account.ErrSessionInvalid) {
			t.Errorf("after RevokeAll: %v, want ErrSessionInvalid", err)
		}
	}
	// Logging in again works after a revocation.
	d := f.login(t, "alice", "longpassword")
	if _, err := f.svc.Authenticate(ctx, d.Token); err != nil {
		t.Errorf("new session after RevokeAll: %v", err)
	}
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *account.Options) { o.SessionTTL = 300 * time.Millisecond })
	ctx := context.Background()
	f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	s := f.login(t, "alice", "longpassword")
	if _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	// Authenticate slides the expiry, so wait on Redis itself: the session
	// keys live under <prefix>sess:.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var keys []string
		iter := f.rdb.Scan(ctx, 0, f.rdb.Key("sess", "*"), 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session keys %v still there 5s after a 300ms TTL", keys)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, account.ErrSessionInvalid) {
		t.Errorf("expired session: %v, want ErrSessionInvalid", err)
	}
}

func TestUpdateStaffRevokesSessions(t *testing.T) {
	t.Parallel()
	department := account.RoleDepartment
	tests := map[string]struct {
		start      staff
		in         account.StaffInput
		revoked    bool
		checkLogin func(t *testing.T, f *fixture)
	}{
		"password": {
			start: staff{role: account.RoleEvaluator}, in: account.StaffInput{Password: ptr("newpassword9")}, revoked: true,
			checkLogin: func(t *testing.T, f *fixture) {
				if _, _, err := f.svc.LoginPassword(context.Background(), "u1", "longpassword", "192.0.2.1"); !errors.Is(err, account.ErrInvalidCredentials) {
					t.Errorf("old password: %v, want ErrInvalidCredentials", err)
				}
				f.login(t, "u1", "newpassword9")
			},
		},
		"role": {
			start: staff{role: account.RoleEvaluator}, in: account.StaffInput{Role: ptr(account.RoleAdmin)}, revoked: true,
			checkLogin: func(t *testing.T, f *fixture) {
				if s := f.login(t, "u1", "longpassword"); s.Actor.Role != account.RoleAdmin {
					t.Errorf("new session actor %+v, want the new role", s.Actor)
				}
			},
		},
		"role and scope": {
			start: staff{role: account.RoleEvaluator}, in: account.StaffInput{Role: &department, Departments: &[]string{deptEco}}, revoked: true,
			checkLogin: func(t *testing.T, f *fixture) {
				s := f.login(t, "u1", "longpassword")
				if s.Actor.Role != account.RoleDepartment || !slices.Equal(s.Actor.Departments, []string{deptEco}) {
					t.Errorf("new session actor %+v, want the new role and scope", s.Actor)
				}
			},
		},
		"department scope": {
			start: staff{role: account.RoleDepartment, departments: []string{deptEco}}, in: account.StaffInput{Departments: &[]string{deptHousing}}, revoked: true,
			checkLogin: func(t *testing.T, f *fixture) {
				s := f.login(t, "u1", "longpassword")
				if !slices.Equal(s.Actor.Departments, []string{deptHousing}) {
					t.Errorf("new session departments %v", s.Actor.Departments)
				}
			},
		},
		"district scope": {
			start: staff{role: account.RoleDistrict, districts: []string{districtA}}, in: account.StaffInput{Districts: &[]string{districtA, districtB}}, revoked: true,
		},
		"disable": {
			start: staff{role: account.RoleEvaluator}, in: account.StaffInput{Disabled: ptr(true)}, revoked: true,
			checkLogin: func(t *testing.T, f *fixture) {
				if _, _, err := f.svc.LoginPassword(context.Background(), "u1", "longpassword", "192.0.2.1"); !errors.Is(err, account.ErrDisabled) {
					t.Errorf("login: %v, want ErrDisabled", err)
				}
			},
		},
		"display name only": {
			start: staff{role: account.RoleEvaluator}, in: account.StaffInput{DisplayName: ptr("新名字")}, revoked: false,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			ctx := context.Background()
			st := tc.start
			st.username, st.password = "u1", "longpassword"
			u := f.create(t, st)
			sessions := []account.Session{f.login(t, "u1", "longpassword"), f.login(t, "u1", "longpassword")}
			if _, err := f.svc.UpdateStaff(ctx, admin, u.ID, tc.in); err != nil {
				t.Fatalf("UpdateStaff: %v", err)
			}
			for i, s := range sessions {
				_, err := f.svc.Authenticate(ctx, s.Token)
				if tc.revoked && !errors.Is(err, account.ErrSessionInvalid) {
					t.Errorf("session %d after update: %v, want ErrSessionInvalid", i, err)
				}
				if !tc.revoked && err != nil {
					t.Errorf("session %d ended by an update that should keep it: %v", i, err)
				}
			}
			if tc.checkLogin != nil {
				tc.checkLogin(t, f)
			}
		})
	}
}

func TestUpdateStaffRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	u := f.create(t, staff{username: "u1", password: "longpassword", role: account.RoleEvaluator})
	s := f.login(t, "u1", "longpassword")
	_, citizen, err := f.svc.LoginWeChat(ctx, "o:openid-citizen")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		id   string
		in   account.StaffInput
		want error
	}{
		"rename":              {id: u.ID, in: account.StaffInput{Username: ptr("u2")}, want: errs.ErrValidation},
		"short password":      {id: u.ID, in: account.StaffInput{Password: ptr("short")}, want: errs.ErrValidation},
		"role w/o scope":      {id: u.ID, in: account.StaffInput{Role: ptr(account.RoleDistrict)}, want: errs.ErrValidation},
		"to citizen":          {id: u.ID, in: account.StaffInput{Role: ptr(account.RoleCitizen)}, want: errs.ErrValidation},
		"unknown user":        {id: "s_nobody", in: account.StaffInput{Disabled: ptr(true)}, want: account.ErrUserNotFound},
		"citizen is no staff": {id: citizen.ID, in: account.StaffInput{Disabled: ptr(true)}, want: account.ErrUserNotFound},
	}
	for name, tc := range tests {
		if _, err := f.svc.UpdateStaff(ctx, admin, tc.id, tc.in); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	// Refused updates change nothing and end no session.
	if _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
		t.Errorf("session after refused updates: %v", err)
	}
	got, err := f.svc.UserByUsername(ctx, "U1")
	if err != nil || got.Role != account.RoleEvaluator || got.Disabled {
		t.Errorf("user after refused updates: %+v, %v", got, err)
	}
	if _, err := f.svc.UserByUsername(ctx, "nobody"); !errors.Is(err, account.ErrUserNotFound) {
		t.Errorf("UserByUsername(nobody) = %v, want ErrUserNotFound", err)
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("creates once", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if created, err := f.svc.Bootstrap(ctx, ""); created || err != nil {
			t.Errorf("Bootstrap(\"\") = %v, %v; want false, nil", created, err)
		}
		created, err := f.svc.Bootstrap(ctx, "root:longpassword1")
		if err != nil || !created {
			t.Fatalf("Bootstrap = %v, %v; want true, nil", created, err)
		}
		_, u, err := f.svc.LoginPassword(ctx, "root", "longpassword1", "192.0.2.1")
		if err != nil || u.Role != account.RoleAdmin {
			t.Fatalf("bootstrap admin login: %+v, %v", u, err)
		}
		// Again, even with another password or name: no-op.
		for _, spec := range []string{"root:longpassword1", "root:otherpassword", "second:longpassword2"} {
			if created, err := f.svc.Bootstrap(ctx, spec); created || err != nil {
				t.Errorf("Bootstrap(%q) with an admin present = %v, %v; want false, nil", spec, created, err)
			}
		}
		admins, _, err := f.svc.ListUsers(ctx, string(account.RoleAdmin), 10, "")
		if err != nil || len(admins) != 1 {
			t.Errorf("%d admins (err %v), want 1", len(admins), err)
		}
		if _, _, err := f.svc.LoginPassword(ctx, "root", "longpassword1", "192.0.2.1"); err != nil {
			t.Errorf("the password changed: %v", err)
		}
		entries, _, err := f.audit.List(ctx, audit.Filter{Action: "user.create"}, 10, "")
		if err != nil || len(entries) != 1 || entries[0].Actor.ID != audit.System.ID {
			t.Errorf("audit of bootstrap: %+v, %v", entries, err)
		}
	})

	t.Run("no-op when an admin exists", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.create(t, staff{username: "boss", password: "longpassword", role: account.RoleAdmin})
		if created, err := f.svc.Bootstrap(ctx, "root:longpassword1"); created || err != nil {
			t.Errorf("Bootstrap = %v, %v; want false, nil", created, err)
		}
		if _, err := f.svc.UserByUsername(ctx, "root"); !errors.Is(err, account.ErrUserNotFound) {
			t.Errorf("root was created: %v", err)
		}
	})

	t.Run("name taken by a non-admin", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		f.create(t, staff{username: "root", password: "longpassword", role: account.RoleEvaluator})
		created, err := f.svc.Bootstrap(ctx, "root:longpassword1")
		if created || err == nil {
			t.Errorf("Bootstrap = %v, %v; want an error", created, err)
		}
	})
}

func TestAuditOfStaffChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	const pw1, pw2 = "firstpassword1", "secondpassword2"
	u, err := f.svc.CreateStaff(ctx, admin, account.StaffInput{Username: ptr("auditee"), Password: ptr(pw1), Role: ptr(account.RoleEvaluator)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateStaff(ctx, admin, u.ID, account.StaffInput{Password: ptr(pw2), Role: ptr(account.RoleDepartment), Departments: &[]string{deptEco}}); err != nil {
		t.Fatal(err)
	}
	entries, _, err := f.audit.List(ctx, audit.Filter{ObjectType: "user", ObjectID: u.ID}, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Action != "user.update" || entries[1].Action != "user.create" {
		t.Fatalf("entries %+v, want user.update then user.create", entries)
	}
	for _, e := range entries {
		if e.Actor != admin {
			t.Errorf("%s actor %+v, want %+v", e.Action, e.Actor, admin)
		}
	}
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{pw1, pw2, "argon2", "password_hash", "$m="} {
		if strings.Contains(string(data), secret) {
			t.Errorf("audit records contain %q: %s", secret, data)
		}
	}
	var decoded []struct {
		Before map[string]any `json:"before"`
		After  map[string]any `json:"after"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	upd, crt := decoded[0], decoded[1]
	if crt.After["username"] != "auditee" || crt.After["role"] != "evaluator" || crt.Before != nil {
		t.Errorf("create record: before %v after %v", crt.Before, crt.After)
	}
	if upd.Before["role"] != "evaluator" || upd.After["role"] != "department" || upd.After["password_changed"] != true {
		t.Errorf("update record: before %v after %v", upd.Before, upd.After)
	}
	if deps, _ := upd.After["departments"].([]any); len(deps) != 1 || deps[0] != deptEco {
		t.Errorf("update record departments %v", upd.After["departments"])
	}
}

func TestListUsersPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	want := map[string]bool{}
	for i := 0; i < 7; i++ {
		u := f.create(t, staff{username: fmt.Sprintf("user%d", i), password: "longpassword", role: account.RoleEvaluator})
		want[u.ID] = true
	}
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		users, next, err := f.svc.ListUsers(ctx, "", 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) > 3 {
			t.Fatalf("page of %d", len(users))
		}
		for _, u := range users {
			seen[u.ID]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d users, want %d", len(seen), len(want))
	}
	for id, n := range seen {
		if !want[id] || n != 1 {
			t.Errorf("user %s seen %d times (known %v)", id, n, want[id])
		}
	}
}

// TestSessionSetOutlivesSessions: the set RevokeAll reads lives longer than
// every session in it, though Authenticate no longer slides it each time.
func TestSessionSetOutlivesSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	f.create(t, staff{username: "alice", password: "longpassword", role: account.RoleEvaluator})
	s := f.login(t, "alice", "longpassword")
	setKey := f.rdb.Key("usess", s.Actor.UserID)
	sum := sha256.Sum256([]byte(s.Token))
	sessKey := f.rdb.Key("sess", hex.EncodeToString(sum[:]))
	for i := 0; i < 3; i++ {
		if _, err := f.svc.Authenticate(ctx, s.Token); err != nil {
			t.Fatal(err)
		}
		setTTL, err1 := f.rdb.TTL(ctx, setKey).Result()
		sessTTL, err2 := f.rdb.TTL(ctx, sessKey).Result()
		if err1 != nil || err2 != nil || sessTTL <= 0 {
			t.Fatalf("TTLs: set %v (%v), session %v (%v)", setTTL, err1, sessTTL, err2)
		}
		if setTTL < sessTTL+30*time.Minute {
			t.Errorf("session set TTL %v, session TTL %v: the set must outlive the session by the slide interval", setTTL, sessTTL)
		}
	}
	if err := f.svc.RevokeAll(ctx, s.Actor.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, s.Token); !errors.Is(err, account.ErrSessionInvalid) {
		t.Errorf("after RevokeAll: %v, want ErrSessionInvalid", err)
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/cell"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/config"
	"github.com/ordos-wufei/wufei/internal/geo"
	"github.com/ordos-wufei/wufei/internal/httpapi"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/platform/wechat"
	"github.com/ordos-wufei/wufei/internal/registry"
	"github.com/ordos-wufei/wufei/internal/registry/registrydata"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/survey"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// app is everything a subcommand may need, opened in dependency order and
// closed in reverse.
type app struct {
	cfg      config.Config
	log      *slog.Logger
	store    *mongodb.Store
	redis    *redisx.Client
	wechat   *wechat.Client
	audit    *audit.Log
	accounts *account.Service
	registry *registry.Service
	uploads  *upload.Service
	notify   *notify.Service
	// <app-fields>
	surveys    *survey.Service
	complaints *complaint.Service
	cells      *cell.Service
	// </app-fields>
}

// commonFlags registers the flags every store-opening command takes.
type commonFlags struct {
	configPath string
	dataDir    string
}

func (f *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "configuration file (default: built-in configs/wufei.yaml)")
	fs.StringVar(&f.dataDir, "data-dir", "", "data directory (default ./data)")
}

func loadConfig(f commonFlags, getenv env) (config.Config, error) {
	path := f.configPath
	if path == "" {
		path, _ = getenv("WUFEI_CONFIG")
	}
	lookup := func(k string) (string, bool) {
		if k == "WUFEI_DATA_DIR" && f.dataDir != "" {
			return f.dataDir, true
		}
		return getenv(k)
	}
	return config.Load(path, lookup)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open connects the stores and builds the services. migrate says whether to
// apply pending schema steps first.
func open(ctx context.Context, cfg config.Config, log *slog.Logger, migrate bool) (_ *app, err error) {
	a := &app{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.close(context.Background())
		}
	}()
	a.store, err = mongodb.Open(ctx, mongodb.Options{URI: cfg.MongoDB.URI, Database: cfg.MongoDB.Database,
		DataDir: cfg.DataDir, ConnectTimeout: cfg.MongoDB.ConnectTimeout, Logger: log})
	if err != nil {
		return nil, err
	}
	log.Info("store ready", "backend", a.store.Backend, "database", cfg.MongoDB.Database)
	if migrate {
		n, err := mongodb.Migrate(ctx, a.store.DB, schema.Steps, log)
		if err != nil {
			return nil, err
		}
		log.Info("schema up to date", "steps_applied", n, "steps_total", len(schema.Steps))
		// The collections the steps created get their _id lookup index now,
		// not at the embedded store's next minute.
		if _, err := a.store.IndexIDLookups(ctx); err != nil {
			return nil, err
		}
	}
	a.redis, err = redisx.Open(ctx, redisx.Options{URL: cfg.Redis.URL, MasterName: cfg.Redis.MasterName, Prefix: cfg.Redis.KeyPrefix, Logger: log})
	if err != nil {
		return nil, err
	}
	if a.redis.Embedded {
		log.Info("redis ready", "backend", "embedded-miniredis")
	} else {
		log.Info("redis ready", "backend", "redis")
	}
	a.wechat, err = wechat.New(wechat.Config{AppID: cfg.WeChat.AppID, AppSecret: cfg.WeChat.AppSecret,
		UseStableToken: cfg.WeChat.UseStableToken, HTTPTimeout: cfg.WeChat.HTTPTimeout, KeyPrefix: cfg.Redis.KeyPrefix + "wechat:"}, a.redis, log)
	if err != nil {
		return nil, err
	}
	a.audit = audit.New(a.store.DB, log)
	a.accounts, err = account.NewService(ctx, a.store.DB, a.redis, a.audit, accountOptions(cfg, log, a.wechat))
	if err != nil {
		return nil, err
	}
	a.registry, err = registry.NewService(a.store.DB, a.audit, log)
	if err != nil {
		return nil, err
	}
	a.registry.EnableCache(a.redis)
	if err := a.registry.Load(ctx); err != nil {
		return nil, err
	}
	a.notify = notify.NewService(a.store.DB, a.redis, func(ctx context.Context, userID string) (string, error) {
		u, err := a.accounts.Me(ctx, account.Actor{UserID: userID})
		return u.OpenID, err
	}, wechatSender(a.wechat, cfg.WeChat.Templates), log, notify.Options{})
	a.uploads = upload.NewService(a.store.DB, upload.DirStorage{Root: filepath.Join(cfg.DataDir, "uploads")}, int64(cfg.Uploads.MaxBytes), log)
	a.registry.SetEvidenceClaimer(httpapi.RegistryEvidence(a.uploads))
	// <services>
	// Free text of surveys goes through WeChat content security on behalf
	// of the respondent, whose openid only the account record has (read
	// once per citizen, then cached). Limits and the writer come from the
	// configuration's surveys section.
	sc := cfg.Surveys
	openIDs := newOpenIDCache(200_000, func(ctx context.Context, userID string) (string, error) {
		u, err := a.accounts.Me(ctx, account.Actor{UserID: userID})
		return u.OpenID, err
	})
	a.surveys, err = survey.New(ctx, a.store.DB, a.redis, a.audit, survey.Options{Registry: a.registry, Logger: log,
		PerRespondentPerMinute: sc.PerRespondentPerMinute, PerAddressPerMinute: sc.PerAddressPerMinute,
		MinSecondsPerAnswer: sc.MinSecondsPerAnswer, BatchSize: sc.WriterBatchSize, BatchDelay: sc.WriterLinger, Flushers: sc.WriterFlushers,
		TallyRebuildDrain: tallyRebuildDrain(cfg),
		TextChecker: survey.TextCheckFunc(func(ctx context.Context, actor account.Actor, text string) (bool, error) {
			openid := account.OpenIDFrom(ctx)
			if openid == "" {
				var err error
				if openid, err = openIDs.get(ctx, actor.UserID); err != nil {
					return false, err
				}
			}
			v, err := a.wechat.CheckText(ctx, openid, text)
			return v.Pass, err
		})})
	if err != nil {
		return nil, err
	}
	a.registry.RegisterFeed(survey.IndicatorParticipation, registry.FeedFunc(a.surveys.Participation))
	// Complaints: photos through the upload service, notices through the
	// outbox, descriptions through WeChat content security on behalf of the
	// reporter (Open311 clients have no WeChat identity: their keys are
	// issued by the admin, so their text is not checked), indicator 48 fed live.
	complaintDepts := map[string]bool{}
	if inds, tasks, err := registrydata.Load(); err == nil {
		for _, d := range registrydata.DepartmentNames(inds, tasks) {
			complaintDepts[d] = true
		}
	}
	// The list index is checked against the complaints hourly on a shared
	// store; the single-process embedded one only after a start that was
	// not clean (a crash, or a row write that failed).
	single := a.store.Backend == mongodb.BackendEmbeddedSQLite
	indexCheck := time.Duration(0)
	if single && a.store.CleanStart {
		indexCheck = -1
	}
	a.complaints, err = complaint.NewService(complaint.Options{DB: a.store.DB, Redis: a.redis, Audit: a.audit, Logger: log,
		Notifier: a.notify, Photos: a.uploads, ValidDepartment: func(s string) bool { return complaintDepts[s] },
		Supervisors: a.adminIDs, SingleProcessStore: single, IndexCheckEvery: indexCheck, IndexRowFailed: a.store.MarkDirty,
		IndexChecked: a.store.MarkRepaired,
		Text: complaint.TextCheckFunc(func(ctx context.Context, userID, text string) (bool, error) {
			if userID == "" {
				return true, nil
			}
			u, err := a.accounts.Me(ctx, account.Actor{UserID: userID})
			if err != nil {
				return false, err
			}
			v, err := a.wechat.CheckText(ctx, u.OpenID, text)
			return v.Pass, err
		})})
	if err != nil {
		return nil, err
	}
	a.uploads.RegisterVisibility("complaint", a.complaints.Visible)
	a.registry.RegisterFeed("I48", a.complaints.Feed())
	// 无废细胞 certification: evidence through the upload service, notices
	// through the outbox, certificate QR codes from WeChat, indicator 41 fed
	// live.
	cellDays := cfg.Cells.PublicityDays
	cellRubrics, err := cell.DefaultRubrics()
	if err != nil {
		return nil, err
	}
	a.cells, err = cell.NewService(a.store.DB, a.audit, cell.Options{Rubrics: cellRubrics, PublicityDays: cellDays,
		Uploads: a.uploads, Notifier: a.notify, QR: a.wechat, Logger: log,
		Supervisors: a.adminIDs, DistrictStaff: a.districtStaffIDs})
	if err != nil {
		return nil, err
	}
	a.uploads.RegisterVisibility(cell.RefType, a.cells.MayView)
	a.registry.RegisterFeed("I41", a.cells.Feed())
	// </services>
	return a, nil
}

// tallyRebuildDrain: the embedded store allows one process, whose own
// commits a tally rebuild waits for; replicas on MongoDB need the default
// wait for each other's.
func tallyRebuildDrain(cfg config.Config) time.Duration {
	if cfg.Embedded() {
		return -1
	}
	return 0
}

func accountOptions(cfg config.Config, log *slog.Logger, wc *wechat.Client) account.Options {
	depts := map[string]bool{}
	if inds, tasks, err := registrydata.Load(); err == nil {
		for _, d := range registrydata.DepartmentNames(inds, tasks) {
			depts[d] = true
		}
	}
	districts := map[string]bool{}
	for _, d := range geo.Districts() {
		districts[d.Adcode] = true
	}
	return account.Options{
		SessionTTL:         cfg.Auth.SessionTTL,
		MaxFailuresPerUser: cfg.Auth.LoginMaxFailuresPerUser,
		MaxFailuresPerIP:   cfg.Auth.LoginMaxFailuresPerIP,
		LoginWindow:        cfg.Auth.LoginWindow,
		Argon2: account.Argon2Params{MemoryKiB: uint32(cfg.Auth.Argon2MemoryKiB),
			Iterations: uint32(cfg.Auth.Argon2Iterations), Parallelism: uint8(cfg.Auth.Argon2Parallelism)},
		IdentitySalt:    cfg.Auth.IdentitySalt,
		ValidDepartment: func(s string) bool { return depts[s] },
		ValidDistrict:   func(s string) bool { return districts[s] },
		WeChat: func(ctx context.Context, code string) (string, string, error) {
			s, err := wc.Code2Session(ctx, code)
			return s.OpenID, s.UnionID, err
		},
		Logger: log,
	}
}

func (a *app) close(ctx context.Context) {
	// The survey writer flushes the responses it was handed before the
	// stores go away.
	if a.surveys != nil {
		a.surveys.Close()
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
	if a.store != nil {
		a.store.Close(ctx)
	}
}

// describeLockError turns the store's lock error into the operator's words.
func describeLockError(err error) error {
	if errors.Is(err, mongodb.ErrLocked) {
		return fmt.Errorf("%w; stop the other process or use another --data-dir", err)
	}
	return err
}

// describe prints field errors readably on the command line.
func describe(err error) error {
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, f.Field+": "+f.Message)
		}
		return fmt.Errorf("%s (%s)", e.Message, strings.Join(parts, "; "))
	}
	if e, ok := errs.As(err); ok {
		return errors.New(e.Message)
	}
	return err
}

// adminIDs lists the enabled admins, who are told when a case goes overdue.
func (a *app) adminIDs(ctx context.Context) ([]string, error) {
	return a.userIDs(ctx, account.RoleAdmin, func(account.User) bool { return true })
}

// districtStaffIDs are the enabled staff accounts of a district (旗区).
func (a *app) districtStaffIDs(ctx context.Context, adcode string) ([]string, error) {
	return a.userIDs(ctx, account.RoleDistrict, func(u account.User) bool { return slices.Contains(u.Districts, adcode) })
}

// userIDs lists the enabled accounts of a role that keep says to.
func (a *app) userIDs(ctx context.Context, role account.Role, keep func(account.User) bool) ([]string, error) {
	var ids []string
	cursor := ""
	for {
		users, next, err := a.accounts.ListUsers(ctx, string(role), 100, cursor)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if !u.Disabled && keep(u) {
				ids = append(ids, u.ID)
			}
		}
		if next == "" {
			return ids, nil
		}
		cursor = next
	}
}

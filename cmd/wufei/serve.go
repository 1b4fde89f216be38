package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ordos-wufei/wufei/internal/config"
	"github.com/ordos-wufei/wufei/internal/httpapi"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf commonFlags
	cf.register(fs)
	addr := fs.String("addr", "", "listen address (default :8080)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(cf, func(k string) (string, bool) {
		if k == "WUFEI_HTTP_ADDR" && *addr != "" {
			return *addr, true
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	log.Info("starting wufei", "version", version, "config", cfg)

	// Stop on SIGINT/SIGTERM: the listener closes, requests in flight get
	// up to shutdown_timeout to finish, then Redis and the store close.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	a, err := open(ctx, cfg, log, true)
	if err != nil {
		return describeLockError(err)
	}
	defer a.close(context.Background())
	if created, err := a.accounts.Bootstrap(ctx, cfg.Auth.BootstrapAdmin); err != nil {
		return err
	} else if created {
		log.Info("bootstrap admin created")
	}
	srv := httpapi.New(httpapi.Deps{Config: cfg, Logger: log, Store: a.store, Redis: a.redis,
		Accounts: a.accounts, Audit: a.audit, Registry: a.registry, Version: version,
		Uploads: a.uploads, Notify: a.notify,
		// <serve-deps>
		Console:    consoleFS(),
		Surveys:    a.surveys,
		Complaints: a.complaints,
		Cells:      a.cells,
		// </serve-deps>
	})
	// The notification worker joins the Redis consumer group; it stops with ctx.
	// Background work runs on every replica; each job takes a Redis lock
	// (or a consumer-group entry) per round, so replicas never double up.
	// Shutdown stops and waits for them before the stores close.
	var workers sync.WaitGroup
	wctx, stopWorkers := context.WithCancel(ctx)
	workers.Add(4)
	go func() {
		defer workers.Done()
		if err := a.notify.Run(wctx, time.Minute); err != nil {
			log.Error("notification worker stopped", "err", err)
		}
	}()
	go func() { defer workers.Done(); a.cells.Run(wctx, time.Minute, a.redis) }()
	go func() { defer workers.Done(); a.complaints.RunDeadlines(wctx, a.redis, time.Minute) }()
	// The complaint list index loads in the background (lists wait for it)
	// and then follows the other replicas' writes.
	go func() { defer workers.Done(); a.complaints.RunIndex(wctx, time.Second) }()
	defer func() { stopWorkers(); workers.Wait() }()
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	return serveUntilDone(ctx, srv, ln, cfg, log)
}

// serveUntilDone serves on ln until ctx ends, then shuts down gracefully:
// the listener closes at once, requests in flight get shutdown_timeout to
// finish.
func serveUntilDone(ctx context.Context, srv *httpapi.Server, ln net.Listener, cfg config.Config, log *slog.Logger) error {
	log.Info("listening", "addr", ln.Addr().String(), "console", fmt.Sprintf("http://%s/console/", ln.Addr()))
	served := make(chan error, 1)
	go func() { served <- srv.App.Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.HTTP.ShutdownTimeout)
	start := time.Now()
	if err := srv.App.ShutdownWithTimeout(cfg.HTTP.ShutdownTimeout); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-served
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// ferretDB runs the embedded FerretDB alone, so other processes (CI's second
// test pass, tools) can share one store over the MongoDB protocol. FerretDB's
// own command panics unless built from its repository, hence this.
func ferretDB(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferretdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:27017", "TCP address (keep it on loopback)")
	handler := fs.String("handler", "sqlite", "sqlite or postgresql")
	sqliteDir := fs.String("sqlite-dir", "./data/db", "directory of the SQLite files")
	pgURL := fs.String("postgresql-url", "", "PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	emb, err := mongodb.StartEmbedded(ctx, mongodb.EmbeddedOptions{Handler: *handler, SQLiteDir: *sqliteDir,
		PostgreSQLURL: *pgURL, Listen: *listen, Logger: log})
	if err != nil {
		return err
	}
	log.Info("ferretdb ready", "uri", emb.URI, "handler", *handler)
	<-ctx.Done()
	emb.Stop()
	_, err = fmt.Fprintln(stderr, "ferretdb stopped")
	return err
}

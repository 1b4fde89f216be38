package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf commonFlags
	cf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(cf, getenv)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return describeLockError(err)
	}
	defer a.close(context.Background())
	_, err = fmt.Fprintln(stdout, "schema up to date")
	return err
}

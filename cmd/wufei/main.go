// Command wufei is the 无废鄂尔多斯 public participation service: one binary
// with subcommands serve (the default), migrate, user, version and
// ferretdb.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		fmt.Fprintln(os.Stderr, "wufei:", err)
		os.Exit(1)
	}
}

// env looks up environment variables (os.LookupEnv outside tests).
type env func(string) (string, bool)

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv env) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "migrate":
		return migrate(ctx, args, stdout, stderr, getenv)
	case "user":
		return user(ctx, args, stdin, stdout, stderr, getenv)
	case "version":
		_, err := fmt.Fprintln(stdout, "wufei", version)
		return err
	case "ferretdb":
		return ferretDB(ctx, args, stderr)
	case "healthcheck":
		return healthcheck(ctx, args, stderr)
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

const usage = `usage: wufei [command] [flags]

commands:
  serve     run the service (default)            --addr :8080 --data-dir ./data --config FILE
  migrate   apply pending schema steps and exit  --data-dir ./data --config FILE
  user      manage staff users: add | list | disable | passwd
  version   print the version
  healthcheck  exit 0 when a running server's /readyz answers 200   --url URL
  ferretdb  run the embedded store alone (for tools and CI)
            --listen 127.0.0.1:27017 --handler sqlite|postgresql --sqlite-dir DIR --postgresql-url URL

configuration: configs/wufei.yaml documents every setting; WUFEI_* variables,
MONGODB_URI and REDIS_URL override it.
`

// Command registrygen regenerates the committed indicator and task registry
// (configs/registry/indicators.yaml and tasks.yaml) from the seed text
// extracted from the plan's two Word tables (configs/registry/seed.txt).
//
// Run it from the module root:
//
//	go run ./cmd/registrygen                     # write the two files
//	go run ./cmd/registrygen -check              # fail if they are stale
//	go run ./cmd/registrygen -list-departments   # print the department names
//
// It fails, writing nothing, unless the seed yields 52 indicators in 5
// first-level groups and 37/11/18/17 tasks numbered without gaps. The output
// is deterministic: running it twice gives identical files. Every run prints
// the sorted set of distinct department names to stderr for review.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ordos-wufei/wufei/internal/registry/registrydata"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "registrygen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("registrygen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	seed := fl.String("seed", "configs/registry/seed.txt", "seed text extracted from the Word tables")
	out := fl.String("out", "configs/registry", "directory to write indicators.yaml and tasks.yaml to")
	check := fl.Bool("check", false, "write nothing; fail if the files in -out differ from the generated ones")
	listDeps := fl.Bool("list-departments", false, "print the sorted distinct department names to stdout and write nothing")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}

	text, err := os.ReadFile(*seed)
	if err != nil {
		return err
	}
	indicators, tasks, err := registrydata.ParseSeed(string(text))
	if err != nil {
		return fmt.Errorf("%s: %w", *seed, err)
	}
	departments := registrydata.DepartmentNames(indicators, tasks)
	if *listDeps {
		for _, d := range departments {
			fmt.Fprintln(stdout, d)
		}
		return nil
	}

	indYAML, taskYAML, err := registrydata.Render(indicators, tasks)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{filepath.Join(*out, filepath.Base(registrydata.IndicatorsPath)), indYAML},
		{filepath.Join(*out, filepath.Base(registrydata.TasksPath)), taskYAML},
	}

	fmt.Fprintf(stderr, "%d indicators, %d tasks, %d distinct departments\n", len(indicators), len(tasks), len(departments))
	if !*check {
		// The list is for the human reviewing a regeneration, not for CI.
		for _, d := range departments {
			fmt.Fprintln(stderr, "  "+d)
		}
	}

	if *check {
		var errs []error
		for _, f := range files {
			old, err := os.ReadFile(f.name)
			if err != nil {
				errs = append(errs, err)
			} else if !bytes.Equal(old, f.data) {
				errs = append(errs, fmt.Errorf("%s is stale: run go run ./cmd/registrygen", f.name))
			}
		}
		return errors.Join(errs...)
	}
	for _, f := range files {
		if err := os.WriteFile(f.name, f.data, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", f.name)
	}
	return nil
}

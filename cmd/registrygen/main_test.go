package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	seedPath = "../../configs/registry/seed.txt"
	outDir   = "../../configs/registry"
)

func TestCommittedFilesAreCurrent(t *testing.T) {
	t.Parallel()
	if err := run([]string{"-seed", seedPath, "-out", outDir, "-check"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestRerunWritesIdenticalFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var first map[string][]byte
	for range 2 {
		if err := run([]string{"-seed", seedPath, "-out", dir}, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		got := make(map[string][]byte)
		for _, name := range []string{"indicators.yaml", "tasks.yaml"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			got[name] = b
		}
		if first == nil {
			first = got
			continue
		}
		for name, b := range got {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("%s differs between two runs", name)
			}
		}
	}
}

func TestListDepartments(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run([]string{"-seed", seedPath, "-out", t.TempDir(), "-list-departments"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 33 || lines[0] != "准格尔旗人民政府" {
		t.Errorf("-list-departments printed %d names starting %q, want 33 starting 准格尔旗人民政府", len(lines), lines[0])
	}
}

func TestBadSeedFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.txt")
	if err := os.WriteFile(seed, []byte("\t序号\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-seed", seed, "-out", dir}, io.Discard, io.Discard); err == nil {
		t.Fatal("run accepted a broken seed")
	}
	if _, err := os.Stat(filepath.Join(dir, "indicators.yaml")); !os.IsNotExist(err) {
		t.Error("run wrote output for a broken seed")
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// server is a `wufei serve` child process on the embedded defaults
// (FerretDB on SQLite in its own process, miniredis), listening on a
// loopback port of its own.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	logPath string
	admin   struct{ user, pass string }
	exited  chan struct{}
	waitErr error
}

// buildWufei compiles cmd/wufei into dir (the tool runs from the module).
func buildWufei(dir string) (string, error) {
	bin := filepath.Join(dir, "wufei")
	fmt.Println("building wufei…")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/ordos-wufei/wufei/cmd/wufei")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build wufei (run from the module, or pass -bin): %w", err)
	}
	return bin, nil
}

// startServer starts bin on a fresh data directory under dir. extraEnv are
// settings (KEY=value) given on top of the inherited environment.
func startServer(bin, dir string, extraEnv []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(dir, "server.log"), exited: make(chan struct{})}
	var b [12]byte
	_, _ = rand.Read(b[:])
	s.admin.user, s.admin.pass = "surveyload", hex.EncodeToString(b[:])
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:"+strconv.Itoa(port), "--data-dir", filepath.Join(dir, "data"))
	// The request log goes to a file, as it would go to a collector: the
	// server pays for writing it.
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// The embedded defaults whatever this environment says: nothing that
	// configures wufei is passed on (-set adds settings).
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "MONGODB_URI" && k != "REDIS_URL" && !strings.HasPrefix(k, "WUFEI_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Env = append(s.cmd.Env,
		"WUFEI_BOOTSTRAP_ADMIN="+s.admin.user+":"+s.admin.pass,
		// Respondents are told apart by X-Forwarded-For, one address each,
		// as from their phones; the tool is the only trusted proxy.
		"WUFEI_HTTP_TRUSTED_PROXIES=127.0.0.1")
	s.cmd.Env = append(s.cmd.Env, extraEnv...)
	// Should the tool die without stopping it, the server goes too.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	// Ready once /readyz answers 200 (schema steps and registry load run
	// first); a server that exits meanwhile shows its log.
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, _, err := fasthttp.GetTimeout(nil, s.base+"/readyz", 2*time.Second)
		if err == nil && code == 200 {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("wufei serve exited (%v) before it was ready:\n%s", s.waitErr, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("wufei serve not ready after 90s:\n%s", s.logTail())
		}
	}
}

// stop ends the server with SIGTERM (graceful shutdown), then SIGKILL. It
// may be called more than once.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *server) logTail() string {
	data, _ := os.ReadFile(s.logPath)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// procCPU is a process's user and system CPU time so far, from
// /proc/<pid>/stat (clock ticks of 1/100 s, USER_HZ on Linux).
type procCPU struct{ user, sys time.Duration }

func (c procCPU) total() time.Duration { return c.user + c.sys }

func (c procCPU) sub(d procCPU) procCPU { return procCPU{c.user - d.user, c.sys - d.sys} }

func cpuOf(pid int) (procCPU, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procCPU{}, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procCPU{}, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return procCPU{}, errors.New("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return procCPU{}, errors.New("unexpected /proc stat format")
	}
	tick := 10 * time.Millisecond
	return procCPU{time.Duration(ut) * tick, time.Duration(st) * tick}, nil
}

// selfCPU is this process's user and system CPU time so far.
func selfCPU() procCPU {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return procCPU{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

// peakRSSOf is a process's peak resident set size (VmHWM), 0 if unknown.
func peakRSSOf(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// perfRecord samples the server's stacks with Linux perf while the run
// lasts, when asked (-server-perf); stop ends it and waits for the file.
func perfRecord(ctx context.Context, pid int, out string) (stop func(), err error) {
	cmd := exec.CommandContext(ctx, "perf", "record", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", out)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("perf record: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGINT)
			_ = cmd.Wait()
		})
	}, nil
}

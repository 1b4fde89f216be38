// Command surveyload measures survey submissions and exports on the
// embedded default store (FerretDB on SQLite in-process, miniredis), the way
// a single wufei replica runs them.
//
// Submissions: it builds and starts a real `wufei serve` on a fresh data
// directory and a loopback port (or runs -bin), logs in as a bootstrap
// admin, designs and publishes a survey, logs in distinct development-mode
// citizens (each behind its own X-Forwarded-For address) and fetches their
// start tokens, then sends submissions at a fixed rate, open loop: latency
// is measured from each request's scheduled time, so a stalled server cannot
// hide its backlog. Every request goes through the whole server: session
// check, request log, metrics, strict JSON decoding, rate limits, content
// check, group-commit writer. Afterwards it exports the survey as the admin
// and checks that every 201's response is in the store. The server's CPU
// (user and system, from /proc) and the tool's own are reported apart; both
// share the machine's cores, so the load average is printed too.
//
//	surveyload -rate 2000 -duration 5s                 # group commit
//	surveyload -rate 1250 -duration 5s -naive          # one insert per request
//	surveyload -rate 2000 -duration 5s -server-perf p  # + perf record of the server
//	surveyload -export 200000                          # export memory (in process)
//
// The server runs on the embedded defaults whatever the environment says
// (MONGODB_URI, REDIS_URL and WUFEI_* are not passed on; -set adds
// settings).
//
// It is bounded: it talks only to the loopback server it started, and
// -max-inflight caps concurrent requests (beyond it a request is counted as
// not sent). Every preparation request has a timeout and progress is
// printed, so a stall says where it is.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/survey"
)

func main() {
	// An interrupted run (Ctrl-C, timeout) still stops its server and
	// removes its temporary directory.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintln(os.Stderr, "surveyload: interrupted by", s)
		runCleanups()
		os.Exit(130)
	}()
	err := run()
	runCleanups()
	if err != nil {
		fmt.Fprintln(os.Stderr, "surveyload:", err)
		os.Exit(1)
	}
}

var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

// atExit registers f to run when the tool ends, normally or by a signal;
// the last registered runs first.
func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

type config struct {
	rate        int
	duration    time.Duration
	naive       bool
	maxInflight int
	prepWorkers int
	export      int
	dir         string
	bin         string
	serverPerf  string
	timeline    string
	set         []string
}

type setFlag struct{ list *[]string }

func (f setFlag) String() string { return "" }
func (f setFlag) Set(v string) error {
	if !strings.HasPrefix(v, "WUFEI_") || !strings.Contains(v, "=") {
		return fmt.Errorf("want WUFEI_NAME=value, got %q", v)
	}
	*f.list = append(*f.list, v)
	return nil
}

func run() error {
	var c config
	flag.IntVar(&c.rate, "rate", 2000, "submissions per second")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "length of the run")
	flag.BoolVar(&c.naive, "naive", false, "one insert per request instead of group commit (server writer batch size 1)")
	flag.IntVar(&c.maxInflight, "max-inflight", 1024, "cap on concurrent requests")
	flag.IntVar(&c.prepWorkers, "prep-workers", 8, "concurrent logins while preparing respondents")
	flag.IntVar(&c.export, "export", 0, "instead of submitting, store this many responses in process and measure a CSV export")
	flag.StringVar(&c.dir, "dir", "", "working directory: server data and log (default: a temporary one, removed after)")
	flag.StringVar(&c.bin, "bin", "", "wufei binary to run (default: built from this module)")
	flag.StringVar(&c.serverPerf, "server-perf", "", "record the server's CPU profile during the run with `perf record` into this file")
	flag.StringVar(&c.timeline, "timeline", "", "write every submission as a CSV row (scheduled at, Unix µs; latency µs; status) to this file, to line stalls up with the server log")
	flag.Var(setFlag{&c.set}, "set", "extra server setting WUFEI_NAME=value (repeatable)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the load generator; in -export mode, the export) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		atExit(func() { _ = f.Close() })
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		atExit(pprof.StopCPUProfile)
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "surveyload-")
		if err != nil {
			return err
		}
		atExit(func() { _ = os.RemoveAll(d) })
		c.dir = d
	}
	ctx := context.Background()
	if c.export > 0 {
		return exportRun(ctx, c)
	}
	return submitRun(ctx, c)
}

// exportSetup opens the embedded store and the survey service in this
// process, with a published survey.
func exportSetup(ctx context.Context, c config) (*mongodb.Store, *survey.Service, string, func(), error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := mongodb.Open(ctx, mongodb.Options{Database: "surveyload", DataDir: c.dir, ConnectTimeout: 30 * time.Second, Logger: log})
	if err != nil {
		return nil, nil, "", nil, err
	}
	rdb := redisx.OpenEmbedded("surveyload:")
	closeAll := func() { _ = rdb.Close(); st.Close(ctx) }
	if _, err := mongodb.Migrate(ctx, st.DB, schema.Steps, log); err != nil {
		closeAll()
		return nil, nil, "", nil, err
	}
	svc, err := survey.New(ctx, st.DB, rdb, audit.New(st.DB, log), survey.Options{Logger: log})
	if err != nil {
		closeAll()
		return nil, nil, "", nil, err
	}
	admin := adminActor()
	sv, err := svc.Create(ctx, admin, definition(0))
	if err == nil {
		_, err = svc.Publish(ctx, admin, sv.ID)
	}
	if err != nil {
		svc.Close()
		closeAll()
		return nil, nil, "", nil, err
	}
	return st, svc, sv.ID, func() { svc.Close(); closeAll() }, nil
}

var districts = []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"}

// definition is the load survey: three likert items (one the satisfaction
// measure), an awareness item and free text. quota > 0 gives every
// district that quota, so the quota counter is on the path without filling.
func definition(quota int) survey.Definition {
	likert := func(id string) survey.Question {
		return survey.Question{ID: id, Type: survey.Likert5, Title: "满意程度 " + id, Required: true}
	}
	d := survey.Definition{
		Title: "压力测试问卷", OpensAt: time.Now().Add(-time.Hour), ClosesAt: time.Now().Add(24 * time.Hour),
		Questions: []survey.Question{
			likert("q1"),
			{ID: "q2", Type: survey.Single, Title: "是否知晓", Required: true, Options: []survey.Option{{Value: "yes", Label: "是"}, {Value: "no", Label: "否"}}},
			likert("q3"), likert("q4"),
			{ID: "q5", Type: survey.Text, Title: "建议"},
		},
		Measures: survey.Measures{Satisfaction: "q1", Awareness: []string{"q2"}, AwarenessYes: []string{"yes"}},
		// Flags do not change the work done; keep the responses valid.
		MinSecondsPerAnswer: 0.000001,
	}
	if quota > 0 {
		d.Quotas = map[string]int{}
		for _, dc := range districts {
			d.Quotas[dc] = quota
		}
	}
	return d
}

func answers(i int) map[string]any {
	return map[string]any{"q1": 1 + i%5, "q2": []string{"yes", "no"}[i%2], "q3": 1 + (i/5)%5, "q4": 1 + (i/25)%5,
		"q5": "希望增加社区回收点，垃圾分类宣传再多一些"}
}

// clientIP is respondent i's own address.
func clientIP(i int) string {
	return "10." + strconv.Itoa(i>>16&255) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
}

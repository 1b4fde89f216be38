// Command surveyload measures survey submissions and exports on the
// embedded default store (FerretDB on SQLite in-process, miniredis), the way
// a single wufei replica runs them.
//
// Submissions: it starts the survey service behind a bare Fiber endpoint on
// loopback (the session check is left out: it is a Redis GET, not what
// limits throughput), prepares distinct respondents with start tokens, then
// sends requests at a fixed rate, open loop: latency is measured from each
// request's scheduled time, so a stalled server cannot hide its backlog.
// After the run it counts the stored responses: every 201 must be stored.
//
//	surveyload -rate 2000 -duration 10s                # group commit
//	surveyload -rate 1250 -duration 10s -naive         # one insert per request
//	surveyload -export 200000                          # export memory
//
// It is bounded: it talks only to the loopback listener it started, and
// -max-inflight caps concurrent requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
	"github.com/ordos-wufei/wufei/internal/schema"
	"github.com/ordos-wufei/wufei/internal/survey"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "surveyload:", err)
		os.Exit(1)
	}
}

type config struct {
	rate        int
	duration    time.Duration
	naive       bool
	maxInflight int
	export      int
	dir         string
}

func run() error {
	var c config
	flag.IntVar(&c.rate, "rate", 2000, "submissions per second")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of the run")
	flag.BoolVar(&c.naive, "naive", false, "one insert per request instead of group commit")
	flag.IntVar(&c.maxInflight, "max-inflight", 1024, "cap on concurrent requests")
	flag.IntVar(&c.export, "export", 0, "instead of submitting, store this many responses and measure a CSV export")
	flag.StringVar(&c.dir, "dir", "", "data directory (default: a temporary one, removed after)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "surveyload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := mongodb.Open(ctx, mongodb.Options{Database: "surveyload", DataDir: c.dir, ConnectTimeout: 30 * time.Second, Logger: log})
	if err != nil {
		return err
	}
	defer st.Close(ctx)
	if _, err := mongodb.Migrate(ctx, st.DB, schema.Steps, log); err != nil {
		return err
	}
	rdb := redisx.OpenEmbedded("surveyload:")
	defer rdb.Close()
	opt := survey.Options{Logger: log, PerAddressPerMinute: 1 << 30, PerRespondentPerMinute: 1 << 30}
	if c.naive {
		// Every request its own insert, as many at once as requests.
		opt.BatchSize, opt.BatchDelay, opt.Flushers = 1, time.Microsecond, c.maxInflight
	}
	svc, err := survey.New(ctx, st.DB, rdb, audit.New(st.DB, log), opt)
	if err != nil {
		return err
	}
	defer svc.Close()
	admin := account.Actor{UserID: "load-admin", Role: account.RoleAdmin}
	sv, err := svc.Create(ctx, admin, definition())
	if err != nil {
		return err
	}
	if _, err := svc.Publish(ctx, admin, sv.ID); err != nil {
		return err
	}
	if c.export > 0 {
		return exportRun(ctx, st, svc, sv.ID, c.export)
	}
	return submitRun(ctx, st, svc, sv.ID, c)
}

func definition() survey.Definition {
	likert := func(id string) survey.Question {
		return survey.Question{ID: id, Type: survey.Likert5, Title: "满意程度 " + id, Required: true}
	}
	return survey.Definition{
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
}

var districts = []string{"150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"}

func body(i int, token string) []byte {
	b, _ := json.Marshal(map[string]any{
		"answers": map[string]any{"q1": 1 + i%5, "q2": []string{"yes", "no"}[i%2], "q3": 1 + (i/5)%5, "q4": 1 + (i/25)%5,
			"q5": "希望增加社区回收点，垃圾分类宣传再多一些"},
		"district": districts[i%len(districts)], "start_token": token,
	})
	return b
}

func actor(i int) account.Actor {
	return account.Actor{UserID: "load-" + strconv.Itoa(i), Role: account.RoleCitizen, RespondentKey: fmt.Sprintf("load-respondent-%08d", i)}
}

func submitRun(ctx context.Context, st *mongodb.Store, svc *survey.Service, id string, c config) error {
	n := int(float64(c.rate) * c.duration.Seconds())
	fmt.Printf("preparing %d respondents…\n", n)
	bodies := make([][]byte, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var prepErr atomic.Value
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				tok, err := svc.Start(ctx, actor(i), id)
				if err != nil {
					prepErr.Store(err)
					return
				}
				bodies[i] = body(i, tok)
			}
		})
	}
	wg.Wait()
	if err, _ := prepErr.Load().(error); err != nil {
		return err
	}

	app := fiber.New(fiber.Config{Immutable: true, DisableStartupMessage: true, Concurrency: c.maxInflight * 2,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			if e, ok := errs.As(err); ok {
				code = map[errs.Kind]int{errs.KindInvalid: 400, errs.KindConflict: 409, errs.KindFailedPrecondition: 409, errs.KindRateLimited: 429}[e.Kind]
				if code == 0 {
					code = 500
				}
			}
			return c.Status(code).SendString(err.Error())
		}})
	app.Post("/r/:id", func(c *fiber.Ctx) error {
		i, err := strconv.Atoi(c.Get("X-Respondent"))
		if err != nil {
			return fiber.ErrBadRequest
		}
		var in struct {
			Answers    map[string]any `json:"answers"`
			District   string         `json:"district"`
			StartToken string         `json:"start_token"`
		}
		dec := json.NewDecoder(bytes.NewReader(c.Body()))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			return fiber.ErrBadRequest
		}
		rid, err := svc.Submit(c.UserContext(), actor(i), c.Params("id"), survey.Submission{Answers: in.Answers, District: in.District,
			// Each respondent from its own address, as in the field: one
			// address for all would make its rate-limit window the hot spot.
			StartToken: in.StartToken, ClientIP: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)})
		if err != nil {
			return err
		}
		return c.Status(201).JSON(fiber.Map{"id": rid})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = app.Listener(ln) }()
	defer app.Shutdown()
	url := "http://" + ln.Addr().String() + "/r/" + id
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: c.maxInflight, MaxIdleConnsPerHost: c.maxInflight,
		MaxConnsPerHost: c.maxInflight, DisableCompression: true}}

	fmt.Printf("sending %d submissions at %d/s (%s)…\n", n, c.rate, map[bool]string{true: "one insert per request", false: "group commit"}[c.naive])
	cpu0 := cpuTime()
	lat := make([]time.Duration, n)
	status := make([]int, n)
	sem := make(chan struct{}, c.maxInflight)
	start := time.Now().Add(50 * time.Millisecond)
	var dropped atomic.Int64
	for i := range n {
		at := start.Add(time.Duration(float64(i) / float64(c.rate) * float64(time.Second)))
		time.Sleep(time.Until(at))
		select {
		case sem <- struct{}{}:
		default:
			// The in-flight cap is reached: the server is not keeping up.
			dropped.Add(1)
			status[i] = -1
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Respondent", strconv.Itoa(i))
			res, err := client.Do(req)
			if err != nil {
				status[i] = 0
			} else {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				status[i] = res.StatusCode
			}
			lat[i] = time.Since(at)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0

	byStatus := map[int]int{}
	var ok []time.Duration
	for i, s := range status {
		byStatus[s]++
		if s == 201 {
			ok = append(ok, lat[i])
		}
	}
	slices.Sort(ok)
	q := func(p float64) time.Duration {
		if len(ok) == 0 {
			return 0
		}
		return ok[min(len(ok)-1, int(p*float64(len(ok))))]
	}
	stored, err := st.DB.Collection(survey.ResponsesCollection).CountDocuments(ctx, bson.D{{Key: "survey_id", Value: id}})
	if err != nil {
		return err
	}
	fmt.Printf("offered %d/s for %v: %d sent, statuses %v (-1 = not sent, in-flight cap)\n", c.rate, c.duration, n, byStatus)
	fmt.Printf("201s: %d (%.0f/s); latency p50 %v p90 %v p99 %v max %v\n", len(ok), float64(len(ok))/elapsed.Seconds(),
		q(0.50).Round(time.Microsecond*100), q(0.90).Round(time.Microsecond*100), q(0.99).Round(time.Microsecond*100), q(1).Round(time.Millisecond))
	fmt.Printf("stored responses: %d (every 201 durable: %v); peak RSS %d MiB\n", stored, stored == int64(len(ok)), peakRSS()>>20)
	// CPU used by the whole process (server, embedded store and Redis, and
	// the load generator itself) per stored response: on a shared, busy
	// machine this, not the wall-clock rate, says what the code costs.
	if len(ok) > 0 {
		fmt.Printf("process CPU %.1fs over %.1fs wall = %.2f cores; %.3f ms CPU per stored response\n", cpu.Seconds(), elapsed.Seconds(),
			cpu.Seconds()/elapsed.Seconds(), cpu.Seconds()*1000/float64(len(ok)))
	}
	if stored != int64(len(ok)) {
		return errors.New("stored responses differ from 201s")
	}
	return nil
}

func exportRun(ctx context.Context, st *mongodb.Store, svc *survey.Service, id string, n int) error {
	fmt.Printf("storing %d responses…\n", n)
	coll := st.DB.Collection(survey.ResponsesCollection)
	v := func(x int) *int { return &x }
	now := time.Now().UTC()
	batch := make([]any, 0, 1000)
	for i := range n {
		batch = append(batch, &survey.Response{ID: fmt.Sprintf("%s:%016x", id, i), SurveyID: id, Respondent: fmt.Sprintf("%016x", i),
			District: districts[i%len(districts)], Flags: []string{}, StartedAt: now.Add(-time.Minute), SubmittedAt: now,
			Answers: map[string]survey.Answer{"q1": {N: v(1 + i%5)}, "q2": {S: "yes"}, "q3": {N: v(3)}, "q4": {N: v(4)},
				"q5": {S: "希望增加社区回收点，垃圾分类宣传再多一些"}}})
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := coll.InsertMany(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	runtime.GC()
	before := peakRSS()
	var maxHeap atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > maxHeap.Load() {
					maxHeap.Store(ms.HeapInuse)
				}
			}
		}
	}()
	start := time.Now()
	cw := &countingWriter{}
	if _, err := svc.Export(ctx, id, survey.FormatCSV, cw); err != nil {
		return err
	}
	close(done)
	fmt.Printf("CSV export of %d responses: %d MiB in %v; peak RSS before %d MiB, after %d MiB; peak Go heap in use during export %d MiB\n",
		n, cw.n>>20, time.Since(start).Round(time.Millisecond), before>>20, peakRSS()>>20, maxHeap.Load()>>20)
	return nil
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's maximum resident set size so far.
func peakRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024
}

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// client talks to the server with fasthttp: the load generator shares the
// cores with the server, so its own cost per request is kept small.
type client struct {
	hc   *fasthttp.Client
	base string
}

// call sends one request and returns the status and body; timeout bounds it.
func (c *client) call(method, path, token, forwardedFor string, body []byte, timeout time.Duration) (int, []byte, error) {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.SetRequestURI(c.base + path)
	req.Header.SetMethod(method)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if err := c.hc.DoTimeout(req, res, timeout); err != nil {
		return 0, nil, err
	}
	return res.StatusCode(), slices.Clone(res.Body()), nil
}

// json sends v as JSON and decodes a 2xx answer into out; anything else is
// an error carrying the body.
func (c *client) json(method, path, token, forwardedFor string, v, out any) error {
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	code, data, err := c.call(method, path, token, forwardedFor, body, 30*time.Second)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if code/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, code, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// respondent is one prepared citizen: a session and a ready body.
type respondent struct {
	token string
	ip    string
	body  []byte
}

func submitRun(ctx context.Context, c config) error {
	bin := c.bin
	if bin == "" {
		var err error
		if bin, err = buildWufei(c.dir); err != nil {
			return err
		}
	}
	env := slices.Clone(c.set)
	mode := "group commit (configured writer)"
	if c.naive {
		// Every request its own insert, as many at once as requests.
		env = append(env, "WUFEI_SURVEYS_WRITER_BATCH_SIZE=1", "WUFEI_SURVEYS_WRITER_LINGER=1us",
			"WUFEI_SURVEYS_WRITER_FLUSHERS="+strconv.Itoa(c.maxInflight))
		mode = "one insert per request"
	}
	fmt.Printf("starting wufei serve (%s, data in %s)…\n", mode, c.dir)
	srv, err := startServer(bin, c.dir, env)
	if err != nil {
		return err
	}
	atExit(srv.stop)
	pid := srv.cmd.Process.Pid
	cl := &client{base: srv.base, hc: &fasthttp.Client{MaxConnsPerHost: c.maxInflight + c.prepWorkers + 4,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, NoDefaultUserAgentHeader: true}}

	var login struct {
		Token string `json:"token"`
	}
	if err := cl.json("POST", "/api/v1/auth/login", "", "", map[string]string{"username": srv.admin.user, "password": srv.admin.pass}, &login); err != nil {
		return err
	}
	admin := login.Token
	n := int(float64(c.rate) * c.duration.Seconds())
	def := definition(n + 1)
	var created struct {
		ID string `json:"id"`
	}
	err = cl.json("POST", "/api/v1/surveys", admin, "", map[string]any{
		"title": def.Title, "opens_at": def.OpensAt.Format(time.RFC3339), "closes_at": def.ClosesAt.Format(time.RFC3339),
		"questions": def.Questions, "quotas": def.Quotas, "measures": def.Measures, "min_seconds_per_answer": def.MinSecondsPerAnswer,
	}, &created)
	if err != nil {
		return err
	}
	id := created.ID
	if err := cl.json("POST", "/api/v1/surveys/"+id+"/publish", admin, "", nil, nil); err != nil {
		return err
	}

	people, err := prepare(cl, id, n, c.prepWorkers)
	if err != nil {
		return err
	}

	var stopPerf func()
	if c.serverPerf != "" {
		if stopPerf, err = perfRecord(ctx, pid, c.serverPerf); err != nil {
			return err
		}
		atExit(stopPerf)
	}
	fmt.Printf("sending %d submissions at %d/s…\n", n, c.rate)
	r := send(cl, "/api/v1/surveys/"+id+"/responses", people, c, pid)
	if stopPerf != nil {
		stopPerf()
	}
	if c.timeline != "" {
		if err := r.writeTimeline(c.timeline); err != nil {
			return err
		}
	}

	// Durability: every 201's response must be in the store. The export
	// reads the stored responses (one row each, by respondent hash).
	code, data, err := cl.call("GET", "/api/v1/surveys/"+id+"/export?format=csv", admin, "", nil, 5*time.Minute)
	if err != nil || code != 200 {
		return fmt.Errorf("export for the durability check: %d %v %.200s", code, err, data)
	}
	stored, err := exportedRespondents(data)
	if err != nil {
		return err
	}
	missing := 0
	for _, rid := range r.ids {
		_, hash, _ := strings.Cut(rid, ":")
		if !stored[hash] {
			missing++
		}
	}
	r.print(c, len(stored), missing, peakRSSOf(pid))
	if missing > 0 || len(stored) != len(r.ids) {
		return errors.New("stored responses differ from 201s")
	}
	return nil
}

// prepare logs in n development-mode citizens, each from its own address,
// and fetches their start tokens.
func prepare(cl *client, id string, n, workers int) ([]respondent, error) {
	fmt.Printf("preparing %d respondents (login and start, %d at a time)…\n", n, workers)
	people := make([]respondent, n)
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Printf("  %d/%d prepared in %v\n", done.Load(), n, time.Since(start).Round(time.Second))
			}
		}
	}()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				p := respondent{ip: clientIP(i)}
				var login struct {
					Token string `json:"token"`
				}
				var start struct {
					StartToken string `json:"start_token"`
				}
				err := cl.json("POST", "/api/v1/auth/wechat", "", p.ip, map[string]string{"code": "dev:surveyload-" + strconv.Itoa(i)}, &login)
				if err == nil {
					p.token = login.Token
					err = cl.json("POST", "/api/v1/surveys/"+id+"/start", p.token, p.ip, nil, &start)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("preparing respondent %d: %w", i, err) })
					next.Store(int64(n))
					return
				}
				p.body, _ = json.Marshal(map[string]any{"answers": answers(i), "district": districts[i%len(districts)], "start_token": start.StartToken})
				people[i] = p
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	return people, firstErr
}

// sent is one request of the run, for -timeline.
type sent struct {
	at     time.Time
	lat    time.Duration
	status int // -1: not sent
}

type runResult struct {
	scheduled int
	elapsed   time.Duration
	lat       []time.Duration // of the 201s
	timeline  []sent          // every request, in schedule order
	byOutcome map[string]int  // "201", "409 already_responded", "not sent", "transport: …"
	ids       []string        // response ids of the 201s
	server    procCPU
	client    procCPU
	loadStart string
	loadEnd   string
}

// send runs the open-loop schedule: request i is due at start + i/rate;
// it is sent then if fewer than max-inflight are outstanding, else counted
// as not sent. It measures the CPU of the server process and its own.
func send(cl *client, path string, people []respondent, c config, serverPID int) runResult {
	n := len(people)
	status := make([]int, n)
	lat := make([]time.Duration, n)
	bodies := make([][]byte, n)
	transport := make([]error, n)
	sem := make(chan struct{}, c.maxInflight)
	var wg sync.WaitGroup
	r := runResult{scheduled: n, byOutcome: map[string]int{}, loadStart: loadAvg()}
	srv0, _ := cpuOf(serverPID)
	cli0 := selfCPU()
	start := time.Now().Add(20 * time.Millisecond)
	interval := float64(time.Second) / float64(c.rate)
	for i := range n {
		at := start.Add(time.Duration(float64(i) * interval))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		default:
			status[i] = -1
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			p := people[i]
			code, body, err := cl.call("POST", path, p.token, p.ip, p.body, time.Minute)
			lat[i] = time.Since(at)
			status[i], bodies[i], transport[i] = code, body, err
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	srv1, _ := cpuOf(serverPID)
	r.server, r.client = srv1.sub(srv0), selfCPU().sub(cli0)
	r.loadEnd = loadAvg()
	r.timeline = make([]sent, n)
	for i, s := range status {
		r.timeline[i] = sent{at: start.Add(time.Duration(float64(i) * interval)), lat: lat[i], status: s}
		switch {
		case s == -1:
			r.byOutcome["not sent (in-flight cap)"]++
		case transport[i] != nil:
			r.byOutcome["transport error: "+transport[i].Error()]++
		case s == 201:
			r.byOutcome["201"]++
			r.lat = append(r.lat, lat[i])
			var out struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(bodies[i], &out)
			r.ids = append(r.ids, out.ID)
		default:
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			_ = json.Unmarshal(bodies[i], &e)
			r.byOutcome[strconv.Itoa(s)+" "+e.Error.Code]++
		}
	}
	slices.Sort(r.lat)
	return r
}

// writeTimeline writes one CSV row per request: scheduled time (Unix µs),
// latency from schedule (µs) and HTTP status (-1: not sent; 0: transport
// error).
func (r runResult) writeTimeline(path string) error {
	var b bytes.Buffer
	b.WriteString("scheduled_unix_us,latency_us,status\n")
	for _, t := range r.timeline {
		fmt.Fprintf(&b, "%d,%d,%d\n", t.at.UnixMicro(), t.lat.Microseconds(), t.status)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func (r runResult) print(c config, stored, missing int, serverRSS int64) {
	q := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
	}
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	}
	ok := len(r.lat)
	fmt.Printf("load average (1/5/15 min) before %s, after %s\n", r.loadStart, r.loadEnd)
	fmt.Printf("offered %d/s for %v: %d scheduled over %v\n", c.rate, c.duration, r.scheduled, r.elapsed.Round(time.Millisecond))
	keys := make([]string, 0, len(r.byOutcome))
	for k := range r.byOutcome {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s × %d", k, r.byOutcome[k]))
	}
	fmt.Printf("outcomes: %s\n", strings.Join(parts, ", "))
	fmt.Printf("served: %d 201s = %.0f/s; latency from schedule p50 %s p90 %s p99 %s max %s\n", ok, float64(ok)/r.elapsed.Seconds(),
		ms(q(0.50)), ms(q(0.90)), ms(q(0.99)), ms(q(1)))
	fmt.Printf("durable: %d responses stored, %d of the 201s missing (every 201 stored: %v)\n", stored, missing, missing == 0 && stored == ok)
	wall := r.elapsed.Seconds()
	per := func(d time.Duration) string {
		if ok == 0 {
			return "-"
		}
		return strconv.FormatFloat(d.Seconds()*1000/float64(ok), 'f', 3, 64) + " ms"
	}
	fmt.Printf("server CPU: user %.2fs + sys %.2fs = %.2f cores over the run; %s per 201; peak RSS %d MiB\n",
		r.server.user.Seconds(), r.server.sys.Seconds(), r.server.total().Seconds()/wall, per(r.server.total()), serverRSS>>20)
	fmt.Printf("client CPU: user %.2fs + sys %.2fs = %.2f cores over the run; %s per 201\n",
		r.client.user.Seconds(), r.client.sys.Seconds(), r.client.total().Seconds()/wall, per(r.client.total()))
}

// exportedRespondents reads the export's respondent column.
func exportedRespondents(data []byte) (map[string]bool, error) {
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	rd.FieldsPerRecord = -1
	out := map[string]bool{}
	head := true
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if head {
			head = false
			if len(rec) == 0 || rec[0] != "respondent" {
				return nil, fmt.Errorf("export: unexpected header %v", rec)
			}
			continue
		}
		out[rec[0]] = true
	}
}

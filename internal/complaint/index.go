package complaint

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordos-wufei/wufei/internal/platform/errs"
	"github.com/ordos-wufei/wufei/internal/platform/redisx"
)

// The list index: every replica keeps the slim row of every complaint in
// memory, sorted by tracking number, and answers the staff list, "mine",
// the Open311 list, the statistics, indicator 48 and the deadline job from
// it. Only the page's documents are then read, by _id. Without it each of
// those reads every document: the embedded store filters and sorts in Go
// after decoding the whole collection.
//
// Coherence across replicas: every write of a complaint (store.insert and
// store.replace, through store.changed) updates this replica's rows at once
// and appends the new row to a Redis stream (XADD MAXLEN ~). Before
// answering, a reader brings its rows up to date with one XRANGE from the
// last entry it applied; rows carry the complaint's version, so entries
// apply in any order and any number of times. The reader asks for the range
// starting at (and including) its last entry: if that entry is not the
// first one returned, the stream was trimmed past it or Redis lost the
// stream, and the replica reloads everything from the store. A load first
// appends a marker entry and starts from it, so a write the store scan
// misses is always in the stream after the marker.

// Row flags.
const (
	flagEscalated = 1 << iota
	flagAbusive
	flagUnlocated
)

// Deadline kinds as bits (Complaint.Warned, Complaint.Overdue).
const (
	kindAccept  = 1
	kindResolve = 2
)

// row is the slim copy of a complaint that lists, statistics and the
// deadline job filter on. Times are Unix milliseconds (the store keeps
// milliseconds), 0 for none. Rows are immutable once built: a change
// replaces the row, so a reader may keep one after releasing the lock.
type row struct {
	id         string
	version    int64
	status     Status
	category   string
	district   string
	hKind      string // handler kind: "", "department" or "district"
	hCode      string // handler department name or district adcode
	flags      uint8
	warned     uint8 // kindAccept | kindResolve
	overdue    uint8
	rating     int8 // the latest rating, 0 when unrated
	reopened   int32
	lat, lng   float64
	submitted  int64
	accepted   int64
	resolved   int64
	closed     int64
	acceptDue  int64
	resolveDue int64
	reporter   string // user id
	source     string // miniprogram or open311
	followers  []string
}

func (r *row) escalated() bool { return r.flags&flagEscalated != 0 }

// users are the citizens whose "mine" lists r: its reporter (filed from
// the mini-program) and its followers.
func (r *row) users() []string {
	var out []string
	if r.reporter != "" && r.source == "miniprogram" {
		out = append(out, r.reporter)
	}
	for _, f := range r.followers {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func msOf(t *time.Time) int64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOf(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

func kindBits(kinds []string) uint8 {
	var b uint8
	for _, k := range kinds {
		switch k {
		case "accept":
			b |= kindAccept
		case "resolve":
			b |= kindResolve
		}
	}
	return b
}

func kindNames(b uint8) []string {
	out := []string{}
	if b&kindAccept != 0 {
		out = append(out, "accept")
	}
	if b&kindResolve != 0 {
		out = append(out, "resolve")
	}
	return out
}

// rowOf is c's row.
func rowOf(c Complaint) *row {
	r := &row{id: c.ID, version: c.Version, status: c.Status, category: c.Category, district: c.District,
		warned: kindBits(c.Warned), overdue: kindBits(c.Overdue), reopened: int32(c.Reopened),
		lat: c.Lat, lng: c.Lng, submitted: msOf(&c.SubmittedAt), accepted: msOf(c.AcceptedAt), resolved: msOf(c.ResolvedAt),
		closed: msOf(c.ClosedAt), acceptDue: msOf(&c.AcceptDue), resolveDue: msOf(c.ResolveDue),
		reporter: c.Reporter.UserID, source: c.Source, followers: slices.Clone(c.Followers)}
	if c.Handler != nil {
		r.hKind, r.hCode = c.Handler.Kind, c.Handler.Code
	}
	if c.Escalated {
		r.flags |= flagEscalated
	}
	if c.Abusive {
		r.flags |= flagAbusive
	}
	if c.Unlocated {
		r.flags |= flagUnlocated
	}
	if n := len(c.Feedback); n > 0 {
		r.rating = int8(c.Feedback[n-1].Rating)
	}
	return r
}

// complaint is the row as a Complaint with only the row's fields set (the
// deadline job's input).
func (r *row) complaint() Complaint {
	c := Complaint{ID: r.id, Version: r.version, Status: r.status, Category: r.category, District: r.district,
		Lat: r.lat, Lng: r.lng, Unlocated: r.flags&flagUnlocated != 0, Escalated: r.escalated(), Abusive: r.flags&flagAbusive != 0,
		AcceptedAt: timeOf(r.accepted), ResolvedAt: timeOf(r.resolved), ClosedAt: timeOf(r.closed), ResolveDue: timeOf(r.resolveDue),
		Warned: kindNames(r.warned), Overdue: kindNames(r.overdue), Reopened: int(r.reopened),
		Reporter: Reporter{UserID: r.reporter}, Source: r.source, Followers: slices.Clone(r.followers)}
	if t := timeOf(r.submitted); t != nil {
		c.SubmittedAt = *t
	}
	if t := timeOf(r.acceptDue); t != nil {
		c.AcceptDue = *t
	}
	if r.hKind != "" {
		c.Handler = &Handler{Kind: r.hKind, Code: r.hCode}
	}
	return c
}

// ---- packed form ------------------------------------------------------------

// A row is stored (complaint_index) and announced (the stream) as one
// string of fields separated by unit separators: the embedded store decodes
// a document with one string field several times faster than one with the
// row's twenty fields, and the full load reads every row. The first field
// names the format; a row in another format makes the loader rebuild.
const (
	rowFormat = "r1"
	fieldSep  = "\x1f"
	listSep   = "\x1e"
	rowFields = 23
)

// clean drops the separators (and other control characters) from a value;
// none of the values packed (codes, adcodes, user ids) ever has them.
func clean(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 {
			return -1
		}
		return r
	}, s)
}

func itoa(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func ftoa(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// pack is r's stored form.
func (r *row) pack() string {
	fol := make([]string, len(r.followers))
	for i, f := range r.followers {
		fol[i] = clean(f)
	}
	return strings.Join([]string{rowFormat, strconv.FormatInt(r.version, 10), clean(string(r.status)), clean(r.category),
		clean(r.district), clean(r.hKind), clean(r.hCode), strconv.Itoa(int(r.flags)), ftoa(r.lat), ftoa(r.lng),
		itoa(r.submitted), itoa(r.accepted), itoa(r.resolved), itoa(r.closed), itoa(r.acceptDue), itoa(r.resolveDue),
		strconv.Itoa(int(r.warned)), strconv.Itoa(int(r.overdue)), clean(r.reporter), clean(r.source),
		strings.Join(fol, listSep), strconv.Itoa(int(r.rating)), strconv.Itoa(int(r.reopened))}, fieldSep)
}

// errRowFormat: a stored row in a format this binary does not read.
var errRowFormat = errors.New("complaint index: row in an unknown format")

// unpack reads a packed row of complaint id, interning its repeated
// strings.
func unpack(id, s string, in *interner) (*row, error) {
	f := strings.Split(s, fieldSep)
	if len(f) != rowFields || f[0] != rowFormat {
		return nil, errRowFormat
	}
	var bad bool
	num := func(v string) int64 {
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		bad = bad || err != nil
		return n
	}
	flt := func(v string) float64 {
		if v == "" {
			return 0
		}
		n, err := strconv.ParseFloat(v, 64)
		bad = bad || err != nil
		return n
	}
	r := &row{id: strings.Clone(id), version: num(f[1]), status: Status(in.get(f[2])), category: in.get(f[3]), district: in.get(f[4]),
		hKind: in.get(f[5]), hCode: in.get(f[6]), flags: uint8(num(f[7])), lat: flt(f[8]), lng: flt(f[9]),
		submitted: num(f[10]), accepted: num(f[11]), resolved: num(f[12]), closed: num(f[13]), acceptDue: num(f[14]), resolveDue: num(f[15]),
		warned: uint8(num(f[16])), overdue: uint8(num(f[17])), reporter: in.get(f[18]), source: in.get(f[19]),
		rating: int8(num(f[21])), reopened: int32(num(f[22]))}
	if f[20] != "" {
		for _, u := range strings.Split(f[20], listSep) {
			r.followers = append(r.followers, in.get(u))
		}
	}
	if bad {
		return nil, fmt.Errorf("complaint index: row of %s: bad number", id)
	}
	return r, nil
}

// interner keeps one copy of each repeated string (codes, adcodes, user
// ids), so rows do not hold the packed strings they were cut from.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func (in *interner) get(s string) string {
	if s == "" {
		return ""
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if v, ok := in.m[s]; ok {
		return v
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	v := strings.Clone(s)
	in.m[v] = v
	return v
}

// intern returns r with its strings interned.
func (in *interner) row(r *row) *row {
	c := *r
	c.status = Status(in.get(string(r.status)))
	c.category, c.district, c.hKind, c.hCode = in.get(r.category), in.get(r.district), in.get(r.hKind), in.get(r.hCode)
	c.reporter, c.source = in.get(r.reporter), in.get(r.source)
	c.followers = make([]string, len(r.followers))
	for i, f := range r.followers {
		c.followers[i] = in.get(f)
	}
	return &c
}

// ---- the index ----------------------------------------------------------------

// Stream settings.
const (
	// streamMaxLen bounds the change stream (approximately). A replica
	// that falls further behind reloads; the background sync keeps idle
	// replicas within a second or so.
	streamMaxLen = 20_000
	// syncBatch is how many entries one XRANGE reads.
	syncBatch = 1000
	// loadBatch is the cursor batch of the full load.
	loadBatch = 5000
	// maxPending bounds the rows kept for a retry after XADD failed.
	maxPending = 10_000
)

// errPositionLost: the stream no longer holds this replica's position
// (trimmed past it, or Redis lost it): reload.
var errPositionLost = errors.New("complaint index: stream position lost")

// ErrIndexLoading: a reader gave up (its context ended) while the list
// index was still loading or syncing.
var ErrIndexLoading = errs.New(errs.KindUnavailable, "complaint_index_loading", "投诉列表正在加载，请稍后重试")

// errReloadAsked: an entry asked every replica to reload.
var errReloadAsked = errors.New("complaint index: reload asked for")

// listIndex is the in-memory list index of one replica.
type listIndex struct {
	st     *store
	rdb    *redisx.Client
	log    *slog.Logger
	stream string
	in     interner
	// base is the context of every round; RunIndex cancels it on return,
	// so no load outlives the service's background work.
	base context.Context
	stop context.CancelFunc

	mu      sync.RWMutex
	rows    []*row // ascending by id
	byID    map[string]*row
	byUser  map[string][]string // user id → ids of the cases they filed (mini-program) or follow
	loaded  bool
	gen     uint64 // counts changes, so caches know when to recompute
	loading bool
	during  []*row // this replica's writes while a load runs

	// One round (load or sync) runs at a time; readers wait for a round
	// that started after they arrived.
	roundMu   sync.Mutex
	inflight  chan struct{}
	lastStart time.Time // start of the last finished round
	lastErr   error     // its error
	// Touched only inside a round:
	pos      string // last applied stream entry; "" unknown
	posNonce string // its nonce: after Redis lost the stream, a new entry can reuse the id
	reload   bool   // a reload is due
	loadedIn time.Duration

	wantReload atomic.Bool // set by announceReload
	nonceBase  string      // random, per replica
	nonceSeq   atomic.Uint64
	loads      atomic.Int64
	loadHook   func() // tests: runs inside each load, after the marker

	pendMu  sync.Mutex
	pending []string // packed rows whose announcement failed
}

func newListIndex(st *store, rdb *redisx.Client, log *slog.Logger) *listIndex {
	x := &listIndex{st: st, rdb: rdb, log: log, byID: map[string]*row{}, byUser: map[string][]string{}}
	x.base, x.stop = context.WithCancel(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	x.nonceBase = hex.EncodeToString(b[:])
	if rdb != nil {
		// One hash tag, so the stream stays on one Cluster slot.
		x.stream = rdb.Key("complaint", "{index}", "changes")
	}
	return x
}

// RunIndex loads the list index at once, so that the first list does not
// pay for the load, then keeps it in step with the other replicas every
// interval (an idle replica thus never falls far behind the change
// stream), until ctx ends. A list asked for before the load finishes waits
// for it, within its own deadline. Run it on every replica.
func (s *Service) RunIndex(ctx context.Context, every time.Duration) {
	x := s.idx
	defer func() {
		x.stop()
		x.roundMu.Lock()
		ch := x.inflight
		x.roundMu.Unlock()
		if ch != nil {
			<-ch
		}
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	// The index check: right after the first load, then every checkEvery
	// (0: that once); a failed one is tried again a minute later.
	var nextCheck time.Time
	checkedOnce := false
	for {
		err := x.ready(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("complaint index: load or sync failed", "err", err)
		}
		if err == nil && s.checkEvery >= 0 && !(checkedOnce && s.checkEvery == 0) && !time.Now().Before(nextCheck) {
			n, err := s.CheckIndex(ctx)
			switch {
			case err == nil:
				checkedOnce, nextCheck = true, time.Now().Add(s.checkEvery)
				if s.checked != nil {
					s.checked()
				}
			case ctx.Err() == nil:
				s.log.Error("complaint index: check against the store failed; trying again in a minute", "err", err)
				nextCheck = time.Now().Add(time.Minute)
			}
			if s.checkHook != nil {
				s.checkHook(n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckIndex compares the list index with the complaints' versions and
// repairs the rows that lag, in this replica and in the store, announcing
// them to the others (listIndex.reconcile); RunIndex calls it at start and
// every Options.IndexCheckEvery. Complaints changed in the last minute are
// left to their writers. Returns how many rows it repaired.
func (s *Service) CheckIndex(ctx context.Context) (int, error) {
	if err := s.idx.ready(ctx); err != nil {
		return 0, err
	}
	start := time.Now()
	n, err := s.idx.reconcile(ctx, s.now().Add(-reconcileSettle))
	if n > 0 {
		s.log.Warn("complaint index: rows behind their complaints repaired (a writer died before its row was written or announced)",
			"repaired", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return n, err
}

// ready brings the index up to date for a reader: it waits for the
// initial load, then for one sync round that started after the call, so
// every write acknowledged before the call (on any replica) is visible. It
// waits at most as long as ctx allows. When a sync fails but rows are
// loaded (Redis unreachable), the reader gets the rows as they are and the
// failure is logged: Redis will be back, or this replica reloads.
func (x *listIndex) ready(ctx context.Context) error {
	arrived := time.Now()
	for {
		x.roundMu.Lock()
		if !x.lastStart.IsZero() && x.lastStart.After(arrived) {
			err := x.lastErr
			x.roundMu.Unlock()
			if err == nil {
				return nil
			}
			x.mu.RLock()
			loaded := x.loaded
			x.mu.RUnlock()
			if loaded {
				x.log.Warn("complaint index: not synced with the other replicas; answering from local rows", "err", err)
				return nil
			}
			return err
		}
		ch := x.inflight
		if ch == nil {
			ch = make(chan struct{})
			x.inflight = ch
			go x.run(ch)
		}
		x.roundMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("complaint index not ready: %w: %w", ErrIndexLoading, ctx.Err())
		}
	}
}

// roundTimeout bounds one round; a full load of 100,000 rows takes
// seconds on the embedded store.
const roundTimeout = 5 * time.Minute

// run is one round: detached from any request, so a reader giving up does
// not abort a load others wait for.
func (x *listIndex) run(done chan struct{}) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(x.base, roundTimeout)
	err := x.round(ctx)
	cancel()
	x.roundMu.Lock()
	x.lastStart, x.lastErr, x.inflight = start, err, nil
	x.roundMu.Unlock()
	close(done)
}

func (x *listIndex) round(ctx context.Context) error {
	x.flushPending(ctx)
	x.mu.RLock()
	loaded := x.loaded
	x.mu.RUnlock()
	if x.wantReload.Swap(false) {
		x.reload = true
	}
	if !loaded || x.reload || x.pos == "" && x.rdb != nil {
		return x.load(ctx)
	}
	err := x.sync(ctx)
	switch {
	case errors.Is(err, errPositionLost):
		x.log.Warn("complaint index: change stream trimmed or lost; reloading from the store")
		return x.load(ctx)
	case errors.Is(err, errReloadAsked):
		x.log.Info("complaint index: reload asked for; reloading from the store")
		return x.load(ctx)
	}
	return err
}

// load reads every row from the store and replaces the index, then
// catches up with the stream from the marker it appended first.
func (x *listIndex) load(ctx context.Context) error {
	start := time.Now()
	mark, nonce, merr := x.mark(ctx)
	x.mu.Lock()
	if merr != nil && x.loaded {
		x.mu.Unlock()
		return merr // keep the rows until Redis answers again
	}
	x.loading, x.during = true, nil
	x.mu.Unlock()
	x.loads.Add(1)
	if x.loadHook != nil {
		x.loadHook()
	}
	rows, err := x.st.loadRows(ctx, &x.in)
	x.mu.Lock()
	if err != nil {
		x.loading, x.during = false, nil
		x.mu.Unlock()
		return err
	}
	slices.SortFunc(rows, func(a, b *row) int { return strings.Compare(a.id, b.id) })
	byID := make(map[string]*row, len(rows))
	byUser := map[string][]string{}
	for _, r := range rows {
		byID[r.id] = r
		for _, u := range r.users() {
			byUser[u] = append(byUser[u], r.id)
		}
	}
	x.rows, x.byID, x.byUser, x.loaded, x.loading = rows, byID, byUser, true, false
	for _, r := range x.during {
		x.applyLocked(r)
	}
	x.during = nil
	x.gen++
	x.mu.Unlock()
	x.pos, x.posNonce, x.reload, x.loadedIn = mark, nonce, false, time.Since(start)
	x.log.Info("complaint index loaded", "rows", len(rows), "took", x.loadedIn.Round(time.Millisecond))
	if merr != nil {
		return merr // loaded; the next round reloads once Redis answers
	}
	// A lost position or a reload asked for during the scan: the next
	// round loads again.
	if err := x.sync(ctx); err != nil && !errors.Is(err, errPositionLost) && !errors.Is(err, errReloadAsked) {
		return err
	}
	return nil
}

// mark appends a marker entry and returns its id and nonce ("" without
// Redis).
func (x *listIndex) mark(ctx context.Context) (id, nonce string, err error) {
	if x.rdb == nil {
		return "", "", nil
	}
	nonce = x.nonce()
	id, err = x.rdb.XAdd(ctx, &redis.XAddArgs{Stream: x.stream, MaxLen: streamMaxLen, Approx: true, Values: []string{"n", nonce, "mark", "load"}}).Result()
	if err != nil {
		return "", "", fmt.Errorf("complaint index: mark stream: %w", err)
	}
	return id, nonce, nil
}

// nonce tells stream entries apart: entry ids start again after Redis lost
// the stream, and may repeat one a replica last saw.
func (x *listIndex) nonce() string {
	return x.nonceBase + strconv.FormatUint(x.nonceSeq.Add(1), 36)
}

// sync applies the stream's entries after x.pos.
func (x *listIndex) sync(ctx context.Context) error {
	if x.rdb == nil {
		return nil
	}
	if x.pos == "" {
		return errPositionLost
	}
	for {
		msgs, err := x.rdb.XRangeN(ctx, x.stream, x.pos, "+", syncBatch).Result()
		if err != nil {
			return fmt.Errorf("complaint index: read stream: %w", err)
		}
		if len(msgs) == 0 || msgs[0].ID != x.pos || msgs[0].Values["n"] != x.posNonce {
			x.pos = ""
			return errPositionLost
		}
		for _, m := range msgs[1:] {
			if _, ok := m.Values["reload"]; ok {
				x.reload = true
				continue
			}
			id, _ := m.Values["id"].(string)
			packed, _ := m.Values["row"].(string)
			if id == "" || packed == "" {
				continue
			}
			r, err := unpack(id, packed, &x.in)
			if err != nil {
				// A newer replica's format: only a reload can read it.
				x.log.Warn("complaint index: unreadable stream entry; reloading", "entry", m.ID, "err", err)
				x.reload = true
				continue
			}
			x.apply(r)
		}
		last := msgs[len(msgs)-1]
		x.pos = last.ID
		x.posNonce, _ = last.Values["n"].(string)
		if x.reload {
			return errReloadAsked
		}
		if len(msgs) < syncBatch {
			return nil
		}
	}
}

// apply puts r in the index unless the index has the same or a newer
// version of the complaint.
func (x *listIndex) apply(r *row) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.loading {
		x.during = append(x.during, r)
	}
	if !x.loaded {
		return false
	}
	return x.applyLocked(r)
}

func (x *listIndex) applyLocked(r *row) bool {
	old, ok := x.byID[r.id]
	if ok && old.version >= r.version {
		return false
	}
	x.byID[r.id] = r
	x.gen++
	var was []string
	if ok {
		was = old.users()
	}
	now := r.users()
	for _, u := range was {
		if !slices.Contains(now, u) {
			x.byUser[u] = slices.DeleteFunc(x.byUser[u], func(id string) bool { return id == r.id })
			if len(x.byUser[u]) == 0 {
				delete(x.byUser, u)
			}
		}
	}
	for _, u := range now {
		if !slices.Contains(was, u) {
			x.byUser[u] = append(x.byUser[u], r.id)
		}
	}
	i, found := slices.BinarySearchFunc(x.rows, r.id, func(e *row, id string) int { return strings.Compare(e.id, id) })
	if found {
		x.rows[i] = r
		return true
	}
	x.rows = slices.Insert(x.rows, i, r)
	return true
}

// written records a write of this replica: the row applies here at once
// and is announced to the others.
func (x *listIndex) written(ctx context.Context, c Complaint) {
	r := x.in.row(rowOf(c))
	x.apply(r)
	if x.rdb == nil {
		return
	}
	if err := x.announce(ctx, r.id, r.pack()); err != nil {
		x.log.Error("complaint index: change not announced; retried on the next sync", "complaint", r.id, "err", err)
		x.pendMu.Lock()
		if len(x.pending) < maxPending {
			x.pending = append(x.pending, r.id+fieldSep+r.pack())
		}
		x.pendMu.Unlock()
	}
}

func (x *listIndex) announce(ctx context.Context, id, packed string) error {
	return x.rdb.XAdd(ctx, &redis.XAddArgs{Stream: x.stream, MaxLen: streamMaxLen, Approx: true,
		Values: []string{"n", x.nonce(), "id", id, "row", packed}}).Err()
}

// reconcileSettle: complaints changed more recently than this are left to
// the writer that changed them (its row may be on its way).
const reconcileSettle = time.Minute

// reconcile repairs the rows that lag behind their complaint: in this
// replica's index, and in the store when the stored row lags too. A
// replica that died between writing a complaint and writing or announcing
// its row leaves such a row; nothing else would correct it before the
// complaint changes again. It compares each complaint's version (those
// last changed before cutoff) with this replica's row, and rewrites and
// announces the lagging ones (repairRow). Returns how many it repaired.
func (x *listIndex) reconcile(ctx context.Context, cutoff time.Time) (int, error) {
	versions, err := x.st.versions(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	var lag []string
	x.mu.RLock()
	for id, v := range versions {
		if r := x.byID[id]; r == nil || r.version < v {
			lag = append(lag, id)
		}
	}
	x.mu.RUnlock()
	slices.Sort(lag)
	for i, id := range lag {
		if err := x.st.repairRow(ctx, id); err != nil {
			return i, err
		}
	}
	return len(lag), nil
}

// announceReload makes this replica reload at its next round and tells
// the others to (after the stored rows were rebuilt).
func (x *listIndex) announceReload(ctx context.Context) error {
	x.wantReload.Store(true)
	if x.rdb == nil {
		return nil
	}
	return x.rdb.XAdd(ctx, &redis.XAddArgs{Stream: x.stream, MaxLen: streamMaxLen, Approx: true, Values: []string{"n", x.nonce(), "reload", "1"}}).Err()
}

// flushPending retries failed announcements.
func (x *listIndex) flushPending(ctx context.Context) {
	x.pendMu.Lock()
	todo := x.pending
	x.pending = nil
	x.pendMu.Unlock()
	for i, p := range todo {
		id, packed, _ := strings.Cut(p, fieldSep)
		if err := x.announce(ctx, id, packed); err != nil {
			x.pendMu.Lock()
			x.pending = append(todo[i:], x.pending...)
			x.pendMu.Unlock()
			return
		}
	}
}

// view calls fn with the rows, ascending by id, and the change count,
// under the read lock: fn must not keep the slice or block. Rows are
// immutable and may be kept.
func (x *listIndex) view(fn func(rows []*row, gen uint64)) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	fn(x.rows, x.gen)
}

// newest returns up to n ids (all when n <= 0) of rows matching match,
// newest first, starting below cursor ("" from the newest).
func (x *listIndex) newest(cursor string, n int, match func(*row) bool) []string {
	var ids []string
	x.view(func(rows []*row, _ uint64) {
		i := len(rows)
		if cursor != "" {
			i, _ = slices.BinarySearchFunc(rows, cursor, func(e *row, id string) int { return strings.Compare(e.id, id) })
		}
		for i--; i >= 0 && (n <= 0 || len(ids) < n); i-- {
			if match(rows[i]) {
				ids = append(ids, rows[i].id)
			}
		}
	})
	return ids
}

// userNewest is newest over the cases user filed from the mini-program or
// follows (a citizen's "mine"), from the per-user ids rather than a walk of
// every row.
func (x *listIndex) userNewest(user, cursor string, n int, match func(*row) bool) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ids := slices.Clone(x.byUser[user])
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(b, a) })
	var out []string
	for _, id := range ids {
		if n > 0 && len(out) >= n {
			break
		}
		if (cursor == "" || id < cursor) && match(x.byID[id]) {
			out = append(out, id)
		}
	}
	return out
}

// get returns the row of id.
func (x *listIndex) get(id string) (*row, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r, ok := x.byID[id]
	return r, ok
}

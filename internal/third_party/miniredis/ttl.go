package miniredis

import (
	"container/heap"
	"time"
)

// ttls holds the keys' TTLs as deadlines on the database's own clock (the
// sum of every fastForward), with a min-heap of them, so that advancing the
// clock costs O(log n) per key that falls due rather than a walk over every
// key. (wufei patch, see PATCHES.md.)
//
// The heap holds at most one current entry per key, queued[key] its
// deadline, never later than the key's deadline: a TTL that grows (a
// session slid on every request) pushes nothing, and its entry, once due,
// is pushed again at the key's real deadline; a TTL that shrinks pushes a
// new entry, and the old one is dropped when it comes up. Entries of keys
// that lost their TTL are dropped likewise.
type ttls struct {
	clock    time.Duration
	deadline map[string]time.Duration
	queued   map[string]time.Duration
	heap     ttlHeap
}

func newTTLs() *ttls {
	return &ttls{deadline: map[string]time.Duration{}, queued: map[string]time.Duration{}}
}

// get returns key's remaining TTL, which is zero or below once it is due
// (fastForward then removes it).
func (t *ttls) get(key string) (time.Duration, bool) {
	d, ok := t.deadline[key]
	if !ok {
		return 0, false
	}
	return d - t.clock, true
}

// set gives key a TTL of ttl from now.
func (t *ttls) set(key string, ttl time.Duration) {
	d := t.clock + ttl
	t.deadline[key] = d
	if q, ok := t.queued[key]; ok && q <= d {
		return
	}
	t.queued[key] = d
	heap.Push(&t.heap, ttlEntry{at: d, key: key})
}

// del removes key's TTL.
func (t *ttls) del(key string) { delete(t.deadline, key) }

// advance moves the clock on by d and calls expire for every key whose
// deadline has come, earliest first.
func (t *ttls) advance(d time.Duration, expire func(key string)) {
	t.clock += d
	for len(t.heap) > 0 && t.heap[0].at <= t.clock {
		e := heap.Pop(&t.heap).(ttlEntry)
		if q, ok := t.queued[e.key]; !ok || q != e.at {
			continue // superseded by an earlier entry
		}
		delete(t.queued, e.key)
		dl, ok := t.deadline[e.key]
		switch {
		case !ok:
			// The key lost its TTL (PERSIST, DEL) since.
		case dl <= t.clock:
			expire(e.key)
			delete(t.deadline, e.key) // expire deletes it; be sure
		default:
			// The TTL grew since: queue its real deadline.
			t.queued[e.key] = dl
			heap.Push(&t.heap, ttlEntry{at: dl, key: e.key})
		}
	}
}

type ttlEntry struct {
	at  time.Duration
	key string
}

type ttlHeap []ttlEntry

func (h ttlHeap) Len() int            { return len(h) }
func (h ttlHeap) Less(i, j int) bool  { return h[i].at < h[j].at }
func (h ttlHeap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *ttlHeap) Push(x interface{}) { *h = append(*h, x.(ttlEntry)) }
func (h *ttlHeap) Pop() interface{} {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = ttlEntry{}
	*h = old[:len(old)-1]
	return e
}

package mongodb

import (
	"hash/maphash"
	"sync"
)

// Locker serialises read-modify-write cycles on one document within this
// process.
//
// Why: FerretDB v1 executes an update as "query, filter in Go, write back by
// _id" without a transaction (handler/msg_update.go), so two updates guarded
// by the same expected state can both match and the second silently
// overwrites the first. Real MongoDB applies the filter and the update
// atomically, which is what keeps several API replicas safe; the embedded
// store runs in exactly one process (the data-directory lock), where holding
// this lock around each guarded update restores the guarantee. Keys hash
// onto a fixed set of stripes, so memory stays constant and unrelated keys
// rarely wait for each other.
type Locker struct {
	seed    maphash.Seed
	stripes [256]sync.Mutex
}

// NewLocker returns a Locker.
func NewLocker() *Locker { return &Locker{seed: maphash.MakeSeed()} }

// Lock locks key and returns its unlock function.
func (l *Locker) Lock(key string) (unlock func()) {
	m := &l.stripes[maphash.String(l.seed, key)%uint64(len(l.stripes))]
	m.Lock()
	return m.Unlock
}

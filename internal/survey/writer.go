package survey

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Group-commit defaults, DESIGN.md §2: flush every 2 ms or 256 documents.
const (
	DefaultBatchSize  = 256
	DefaultBatchDelay = 2 * time.Millisecond
)

// writer is the group-commit writer for responses: requests hand it their
// document and wait; it inserts what has gathered with one unordered
// insertMany and answers each request only once its batch is committed,
// with that document's own error. One insert per request saturates the
// embedded store near 1,250/s; batches hold several times that.
type writer struct {
	coll      *mongo.Collection
	size      int
	delay     time.Duration
	in        chan writeReq
	committed func([]*Response) // called after each batch with its stored documents
	wg        sync.WaitGroup
	stop      chan struct{}
	closeOnce sync.Once

	// Batches being stored and committed, for settled.
	mu       sync.Mutex
	seq      int64
	inflight map[int64]chan struct{}
}

type writeReq struct {
	doc  *Response
	done chan error
}

var errWriterClosed = errors.New("survey: writer closed")

func newWriter(coll *mongo.Collection, size int, delay time.Duration, flushers int, committed func([]*Response)) *writer {
	if size <= 0 {
		size = DefaultBatchSize
	}
	if delay <= 0 {
		delay = DefaultBatchDelay
	}
	if flushers <= 0 {
		flushers = 2
	}
	w := &writer{coll: coll, size: size, delay: delay, in: make(chan writeReq, size*4), committed: committed, stop: make(chan struct{}),
		inflight: map[int64]chan struct{}{}}
	// Several loops, so one batch can gather while another is in the store.
	for range flushers {
		w.wg.Add(1)
		go w.loop()
	}
	return w
}

// write stores doc and returns its own write error (a duplicate _id comes
// back as a mongo duplicate-key error).
func (w *writer) write(ctx context.Context, doc *Response) error {
	done := make(chan error, 1)
	select {
	case w.in <- writeReq{doc: doc, done: done}:
	case <-w.stop:
		return errWriterClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the document may be committed whatever the caller
	// does, so wait for the verdict rather than ctx: answering 5xx for a
	// stored response would invite a retry that then reads as a duplicate.
	return <-done
}

func (w *writer) close() {
	w.closeOnce.Do(func() { close(w.stop) })
	w.wg.Wait()
}

func (w *writer) loop() {
	defer w.wg.Done()
	batch := make([]writeReq, 0, w.size)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case r := <-w.in:
			batch = append(batch[:0], r)
		case <-w.stop:
			// Drain what was handed over before stopping.
			for {
				select {
				case r := <-w.in:
					w.flush([]writeReq{r})
				default:
					return
				}
			}
		}
		timer.Reset(w.delay)
	gather:
		for len(batch) < w.size {
			select {
			case r := <-w.in:
				batch = append(batch, r)
			case <-timer.C:
				break gather
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		w.flush(batch)
	}
}

// settled waits until every batch this writer had begun to store when it
// was called is stored and committed (its tallies written).
func (w *writer) settled(ctx context.Context) error {
	w.mu.Lock()
	waits := make([]chan struct{}, 0, len(w.inflight))
	for _, ch := range w.inflight {
		waits = append(waits, ch)
	}
	w.mu.Unlock()
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (w *writer) flush(batch []writeReq) {
	done := make(chan struct{})
	w.mu.Lock()
	id := w.seq
	w.seq++
	w.inflight[id] = done
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.inflight, id)
		w.mu.Unlock()
		close(done)
	}()
	docs := make([]any, len(batch))
	for i, r := range batch {
		docs[i] = r.doc
	}
	// Detached from any request: the batch belongs to all of them.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := w.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	errsByIndex := map[int]error{}
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			errsByIndex[we.Index] = mongo.WriteException{WriteErrors: mongo.WriteErrors{we.WriteError}}
		}
	default:
		for i := range batch {
			errsByIndex[i] = err
		}
	}
	stored := make([]*Response, 0, len(batch))
	for i, r := range batch {
		if errsByIndex[i] == nil {
			stored = append(stored, r.doc)
		}
	}
	if len(stored) > 0 && w.committed != nil {
		w.committed(stored)
	}
	for i, r := range batch {
		r.done <- errsByIndex[i]
	}
}

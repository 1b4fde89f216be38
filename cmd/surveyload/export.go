package main

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/survey"
)

func adminActor() account.Actor { return account.Actor{UserID: "load-admin", Role: account.RoleAdmin} }

// exportRun stores n responses directly and measures a CSV export's time
// and memory, in this process.
func exportRun(ctx context.Context, c config) error {
	st, svc, id, closeAll, err := exportSetup(ctx, c)
	if err != nil {
		return err
	}
	defer closeAll()
	n := c.export
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

// peakRSS is this process's maximum resident set size so far.
func peakRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024
}

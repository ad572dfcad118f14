package batch

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// noop is an adapter that answers every item at once with success. Its own
// cost is one result slice per call.
type noop struct{}

type noopItem struct{ id string }

func (noop) Operation() string              { return "Noop" }
func (noop) MaxItems() int                  { return 25 }
func (noop) Key(noopItem) string            { return "" }
func (noop) Identity(it noopItem) string    { return it.id }
func (noop) Validate(noopItem) error        { return nil }
func (noop) Classify(error) (*Error, Scope) { return &Error{Code: CodeUnknown}, ScopeCall }
func (noop) Call(_ context.Context, _ string, items []noopItem) ([]Result[struct{}], error) {
	return make([]Result[struct{}], len(items)), nil
}

func noopItems(n int) []noopItem {
	out := make([]noopItem, n)
	for i := range out {
		out[i].id = strconv.Itoa(i)
	}
	return out
}

var benchSizes = []int{1_000, 100_000, 1_000_000}

// reportPerItem reports time, bytes and allocations per item.
func reportPerItem(b *testing.B, n int, ms0, ms1 *runtime.MemStats) {
	items := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/items, "allocs/item")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/items, "B/item")
}

// BenchmarkRun measures the engine's own cost per item with an adapter that
// does nothing. Compare with BenchmarkErrgroupLoop, the same work done by a
// hand-rolled errgroup loop without any of the engine's promises.
func BenchmarkRun(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			items := noopItems(n)
			r, err := New[noopItem, struct{}](noop{})
			if err != nil {
				b.Fatal(err)
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.ResetTimer()
			for b.Loop() {
				rep, err := r.Run(context.Background(), items)
				if err != nil || rep.Succeeded != n {
					b.Fatalf("run: %v, %d succeeded", err, rep.Succeeded)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			reportPerItem(b, n, &ms0, &ms1)
		})
	}
}

// BenchmarkErrgroupLoop is the baseline for BenchmarkRun: chunks of 25 sent
// by an errgroup with the same concurrency, results written to a slice.
func BenchmarkErrgroupLoop(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			items := noopItems(n)
			a := noop{}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.ResetTimer()
			for b.Loop() {
				out := make([]Result[struct{}], n)
				var g errgroup.Group
				g.SetLimit(DefaultMaxInFlight)
				for i := 0; i < n; i += 25 {
					lo, hi := i, min(i+25, n)
					g.Go(func() error {
						res, err := a.Call(context.Background(), "", items[lo:hi])
						if err != nil {
							return err
						}
						copy(out[lo:hi], res)
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			reportPerItem(b, n, &ms0, &ms1)
		})
	}
}

// BenchmarkStream1M streams a million items and reports the peak heap seen
// while they run: it must not grow with the input.
func BenchmarkStream1M(b *testing.B) {
	const n = 1_000_000
	r, err := New[noopItem, struct{}](noop{})
	if err != nil {
		b.Fatal(err)
	}
	seq := func(yield func(noopItem) bool) {
		for i := range n {
			if !yield(noopItem{id: strconv.Itoa(i)}) {
				return
			}
		}
	}
	var peak atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	runtime.GC()
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	for b.Loop() {
		got := 0
		for o, err := range r.Stream(context.Background(), seq) {
			if err != nil || o.Status != StatusSucceeded {
				b.Fatalf("stream: %v %v", err, o.Status)
			}
			got++
		}
		if got != n {
			b.Fatalf("got %d outcomes", got)
		}
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/item")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
}

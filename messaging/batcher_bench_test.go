package messaging_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// BenchmarkBatcher adds members one at a time from 200 goroutines at 2,000
// Adds per second in all, against the kit with 20 ms of latency per call,
// through a Batcher with a MaxDelay of 50 ms. It reports how full calls are
// (items per call over the limit of 100) and the 99th percentile of Add's
// latency, to compare with MaxDelay plus two call latencies (90 ms):
//
//	go test ./messaging -run '^$' -bench Batcher -benchtime 3x
func BenchmarkBatcher(b *testing.B) {
	const (
		goroutines = 200
		perSecond  = 2000
		seconds    = 3
		latency    = 20 * time.Millisecond
		maxDelay   = 50 * time.Millisecond
	)
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		channel  = instance + "/channel/general"
		admin    = instance + "/user/admin"
	)
	for b.Loop() {
		srv := messagingtest.NewServer()
		srv.AddChannel(channel, admin)
		srv.SetFaults(messagingtest.Faults{Latency: latency})
		var calls, items atomic.Int64
		bt, err := messaging.New(srv.Client()).Batcher(func(o *batch.Options) {
			o.MaxDelay = maxDelay
			o.Hooks.OnCall = func(ci batch.CallInfo) {
				if !ci.Done {
					calls.Add(1)
					items.Add(int64(ci.Items))
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		var (
			mu    sync.Mutex
			lat   []time.Duration
			wg    sync.WaitGroup
			fails atomic.Int64
		)
		start := time.Now()
		each := perSecond / goroutines // Adds per second per goroutine
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Spread the goroutines over the first interval, then pace.
				next := start.Add(time.Duration(g) * time.Second / perSecond)
				for i := range each * seconds {
					time.Sleep(time.Until(next))
					next = next.Add(time.Second / time.Duration(each))
					t0 := time.Now()
					_, err := bt.Add(context.Background(), messaging.Membership{
						ChannelArn: channel, ChimeBearer: admin, MemberArn: fmt.Sprintf("%s/user/g%d-%d", instance, g, i)})
					d := time.Since(t0)
					if err != nil {
						fails.Add(1)
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if err := bt.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		srv.Close()
		if n := fails.Load(); n > 0 {
			b.Fatalf("%d Adds failed", n)
		}
		slices.Sort(lat)
		p99 := lat[len(lat)*99/100]
		fill := float64(items.Load()) / float64(calls.Load()) / float64(messaging.MaxItemsPerCall)
		b.ReportMetric(fill, "fill")
		b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
		b.ReportMetric(float64(len(lat))/time.Since(start).Seconds(), "adds/s")
		b.ReportMetric(float64(calls.Load()), "calls")
	}
}

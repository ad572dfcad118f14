package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchkit/batchkit/batch"
)

// isTerminal reports whether f is a character device, which is how the
// quickstart tells a terminal from a pipe or a file without a dependency.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// counters are the live numbers of one operation, written by the run's hooks
// and read by the progress display from another goroutine.
type counters struct {
	total     int64
	done      atomic.Int64
	succeeded atomic.Int64
	failed    atomic.Int64 // failed or canceled
	calls     atomic.Int64
	retries   atomic.Int64
	throttled atomic.Int64
}

// hooks returns batch hooks that feed c. perIndex, when not nil, counts the
// OnOutcome calls of every input index; the engine calls hooks from the
// goroutine running the run, so it needs no lock.
func (c *counters) hooks(perIndex []int) batch.Hooks {
	return batch.Hooks{
		OnCall: func(ci batch.CallInfo) {
			if !ci.Done {
				c.calls.Add(1)
				return
			}
			if ci.Throttled {
				c.throttled.Add(1)
			}
		},
		OnRetry: func(batch.RetryInfo) { c.retries.Add(1) },
		OnOutcome: func(o batch.OutcomeInfo) {
			if o.Index >= 0 && o.Index < len(perIndex) {
				perIndex[o.Index]++
			}
			c.done.Add(1)
			if o.Status == batch.StatusSucceeded {
				c.succeeded.Add(1)
			} else {
				c.failed.Add(1)
			}
		},
	}
}

// snapshot is the sum of several counters at one moment.
type snapshot struct {
	total, done, succeeded, failed, calls, retries, throttled int64
}

func sum(cs []*counters) snapshot {
	var s snapshot
	for _, c := range cs {
		s.total += c.total
		s.done += c.done.Load()
		s.succeeded += c.succeeded.Load()
		s.failed += c.failed.Load()
		s.calls += c.calls.Load()
		s.retries += c.retries.Load()
		s.throttled += c.throttled.Load()
	}
	return s
}

// progress redraws a one-line bar (terminal) or prints a plain line
// (anything else) every tick until stop is called.
type progress struct {
	out      io.Writer
	terminal bool
	cs       []*counters
	start    time.Time
	quit     chan struct{}
	wg       sync.WaitGroup
	width    int // length of the last bar drawn, to blank it out
}

const barWidth = 24

// startProgress starts drawing. every is the interval between plain lines;
// the terminal bar is redrawn ten times a second.
func startProgress(out io.Writer, terminal bool, every time.Duration, cs []*counters) *progress {
	p := &progress{out: out, terminal: terminal, cs: cs, start: time.Now(), quit: make(chan struct{})}
	if terminal {
		every = 100 * time.Millisecond
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.draw()
			}
		}
	})
	return p
}

// stop ends the display after one last drawing, and leaves the cursor at
// the start of a fresh line.
func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
	p.draw()
	if p.terminal {
		fmt.Fprintln(p.out)
	}
}

func (p *progress) draw() {
	s := sum(p.cs)
	elapsed := time.Since(p.start).Round(100 * time.Millisecond)
	pct := 100.0
	if s.total > 0 {
		pct = 100 * float64(s.done) / float64(s.total)
	}
	if !p.terminal {
		fmt.Fprintf(p.out, "progress: %d/%d items (%.0f%%), %d succeeded, %d failed, %d calls, %d retries, %d throttled, %s\n",
			s.done, s.total, pct, s.succeeded, s.failed, s.calls, s.retries, s.throttled, elapsed)
		return
	}
	filled := int(pct / 100 * barWidth)
	line := fmt.Sprintf("[%s%s] %3.0f%%  %d/%d items  ok %d  failed %d  calls %d  retries %d  throttled %d  %s",
		strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), pct,
		s.done, s.total, s.succeeded, s.failed, s.calls, s.retries, s.throttled, elapsed)
	pad := max(0, p.width-len(line))
	p.width = len(line)
	fmt.Fprintf(p.out, "\r%s%s", line, strings.Repeat(" ", pad))
}

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

// isTerminal reports whether f is a character device, which is how batchctl
// tells a terminal from a pipe or a file without a dependency.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// counters are the live numbers of a run, written from the goroutine
// running it and read by the progress display.
type counters struct {
	total     int64 // estimated records; 0 when unknown
	done      atomic.Int64
	succeeded atomic.Int64 // including resumed records
	failed    atomic.Int64 // failed or canceled
	calls     atomic.Int64
	retries   atomic.Int64
	throttled atomic.Int64
}

func (c *counters) hooks() batch.Hooks {
	return batch.Hooks{
		OnCall: func(ci batch.CallInfo) {
			switch {
			case !ci.Done:
				c.calls.Add(1)
			case ci.Throttled:
				c.throttled.Add(1)
			}
		},
		OnRetry: func(batch.RetryInfo) { c.retries.Add(1) },
	}
}

func (c *counters) skip() {
	c.done.Add(1)
	c.succeeded.Add(1)
}

func (c *counters) record(s batch.Status) {
	c.done.Add(1)
	if s == batch.StatusSucceeded {
		c.succeeded.Add(1)
	} else {
		c.failed.Add(1)
	}
}

type snapshot struct {
	total, done, succeeded, failed, calls, retries, throttled int64
}

func (c *counters) snapshot() snapshot {
	return snapshot{
		total: c.total, done: c.done.Load(), succeeded: c.succeeded.Load(), failed: c.failed.Load(),
		calls: c.calls.Load(), retries: c.retries.Load(), throttled: c.throttled.Load(),
	}
}

// progress redraws a one-line bar (bar) or prints a plain line every
// interval until stop is called.
type progress struct {
	out   io.Writer
	bar   bool
	c     *counters
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	width int // length of the last bar drawn, to blank it out
}

const barWidth = 24

// startProgress starts drawing. The bar is redrawn ten times a second;
// plain lines come every interval.
func startProgress(out io.Writer, bar bool, every time.Duration, c *counters) *progress {
	p := &progress{out: out, bar: bar, c: c, start: time.Now(), quit: make(chan struct{})}
	if bar {
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

// stop ends the display. A bar is drawn a last time and ended with a
// newline; plain lines stop, the summary follows.
func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
	if p.bar {
		p.draw()
		fmt.Fprintln(p.out)
	}
}

func (p *progress) draw() {
	s := p.c.snapshot()
	elapsed := time.Since(p.start).Round(100 * time.Millisecond)
	total := s.total
	if total > 0 {
		total = max(total, s.done) // the estimate may fall short
	}
	if !p.bar {
		of := ""
		if total > 0 {
			of = fmt.Sprintf("/%d", total)
		}
		fmt.Fprintf(p.out, "progress: %d%s items, %d succeeded, %d failed, %d calls, %d retries, %d throttled, %s\n",
			s.done, of, s.succeeded, s.failed, s.calls, s.retries, s.throttled, elapsed)
		return
	}
	var line string
	if total > 0 {
		pct := 100 * float64(s.done) / float64(total)
		filled := int(pct / 100 * barWidth)
		line = fmt.Sprintf("[%s%s] %3.0f%%  %d/%d", strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), pct, s.done, total)
	} else {
		line = fmt.Sprintf("%d", s.done)
	}
	line += fmt.Sprintf(" items  ok %d  failed %d  calls %d  retries %d  throttled %d  %s",
		s.succeeded, s.failed, s.calls, s.retries, s.throttled, elapsed)
	pad := max(0, p.width-len(line))
	p.width = len(line)
	fmt.Fprintf(p.out, "\r%s%s", line, strings.Repeat(" ", pad))
}

// Package progress draws the progress of a batch job for batchctl and the
// quickstart: a one-line bar redrawn in place on a terminal, cut to the
// terminal's width, or a plain line now and then for logs and pipes.
//
// Terminal detection and width come from golang.org/x/term, which asks the
// terminal itself (an ioctl on Unix, the console API on Windows) at every
// redraw, so a resized window is followed. The bar is drawn with a carriage
// return and spaces only: no escape sequences, so it also behaves in
// terminals and CI logs that do not interpret them.
package progress

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Counts is a job's numbers at one moment.
type Counts struct {
	// Total is the number of items expected; 0 when unknown.
	Total int64
	// Succeeded, Failed and Canceled count final outcomes. Skipped counts
	// items not sent because an earlier run did them (batchctl --resume):
	// they count towards the total but not the rate.
	Succeeded, Failed, Canceled, Skipped int64
	// Calls, Retries and Throttled count calls sent, item retries and
	// throttled calls.
	Calls, Retries, Throttled int64
}

// processed counts the items with a final answer: canceled items are not
// processed.
func (c Counts) processed() int64 { return c.Succeeded + c.Failed + c.Skipped }

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// TerminalWidth returns a function reporting the width of the terminal f in
// columns, or 80 when it cannot be asked.
func TerminalWidth(f *os.File) func() int {
	return func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}
}

// Options configures [Start].
type Options struct {
	// Width, when not nil, makes the display a bar redrawn in place every
	// BarEvery and cut to fit Width() columns. Nil prints a plain line
	// every LineEvery.
	Width func() int
	// BarEvery is the bar's redraw interval. Zero means 100ms.
	BarEvery time.Duration
	// LineEvery is the interval between plain lines. Zero means 10s.
	LineEvery time.Duration
	// Prefix starts each plain line. Zero means "progress: ".
	Prefix string
}

// Display draws progress until Stop. Its methods are not safe for
// concurrent use; it draws from a goroutine of its own.
type Display struct {
	out   io.Writer
	opts  Options
	read  func() Counts
	start time.Time
	quit  chan struct{}
	wg    sync.WaitGroup
	last  int // columns of the last bar drawn, to blank it out
}

// Start starts drawing the counts read returns on out. read is called from
// the display's goroutine, so it must be safe to call concurrently with the
// job (atomic counters). Stop must be called to end the goroutine.
func Start(out io.Writer, opts Options, read func() Counts) *Display {
	if opts.BarEvery <= 0 {
		opts.BarEvery = 100 * time.Millisecond
	}
	if opts.LineEvery <= 0 {
		opts.LineEvery = 10 * time.Second
	}
	if opts.Prefix == "" {
		opts.Prefix = "progress: "
	}
	d := &Display{out: out, opts: opts, read: read, start: time.Now(), quit: make(chan struct{})}
	every := opts.LineEvery
	if opts.Width != nil {
		every = opts.BarEvery
	}
	d.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-d.quit:
				return
			case <-t.C:
				d.draw()
			}
		}
	})
	return d
}

// Stop ends the display and waits for its goroutine, after drawing the
// final counts: a bar is drawn a last time and ended with a newline, so
// what follows starts on a fresh line; plain lines end with one more.
func (d *Display) Stop() {
	close(d.quit)
	d.wg.Wait()
	d.draw()
	if d.opts.Width != nil {
		fmt.Fprintln(d.out)
	}
}

func (d *Display) draw() {
	c := d.read()
	elapsed := time.Since(d.start)
	if d.opts.Width == nil {
		fmt.Fprintln(d.out, d.opts.Prefix+Line(c, elapsed))
		return
	}
	// The last column is left empty: writing it makes some terminals wrap.
	line := Bar(c, elapsed, d.opts.Width()-1)
	n := len([]rune(line))
	pad := max(0, d.last-n)
	d.last = n
	fmt.Fprintf(d.out, "\r%s%s", line, strings.Repeat(" ", pad))
}

// Line renders the counts as a plain line.
func Line(c Counts, elapsed time.Duration) string {
	var b strings.Builder
	done := c.processed()
	fmt.Fprintf(&b, "%d", done)
	if c.Total > 0 {
		fmt.Fprintf(&b, "/%d items (%.0f%%)", c.Total, percent(c))
	} else {
		b.WriteString(" items")
	}
	fmt.Fprintf(&b, ", %d succeeded, %d failed", c.Succeeded, c.Failed)
	if c.Canceled > 0 {
		fmt.Fprintf(&b, ", %d canceled", c.Canceled)
	}
	fmt.Fprintf(&b, ", %d calls, %d retries, %d throttled, %s", c.Calls, c.Retries, c.Throttled, round(elapsed))
	if r := rate(c, elapsed); r > 0 {
		fmt.Fprintf(&b, ", %.0f items/s", r)
		if eta, ok := eta(c, r); ok {
			fmt.Fprintf(&b, ", ETA %s", eta)
		}
	}
	return b.String()
}

// Bar renders the counts as a bar line of at most width columns: the
// percentage and counts first, then as many of the rate, ETA, elapsed time,
// calls, retries and throttles as fit, and the bar itself in the room left
// (between 10 and 30 columns, or none when even 10 do not fit).
func Bar(c Counts, elapsed time.Duration, width int) string {
	var head string
	if c.Total > 0 {
		head = fmt.Sprintf("%3.0f%% %d/%d", percent(c), c.processed(), c.Total)
	} else {
		head = fmt.Sprintf("%d items", c.processed())
	}
	parts := []string{head, fmt.Sprintf("ok %d", c.Succeeded), fmt.Sprintf("failed %d", c.Failed)}
	if c.Canceled > 0 {
		parts = append(parts, fmt.Sprintf("canceled %d", c.Canceled))
	}
	r := rate(c, elapsed)
	parts = append(parts, fmt.Sprintf("%.0f/s", r))
	if e, ok := eta(c, r); ok {
		parts = append(parts, "ETA "+e)
	}
	parts = append(parts, round(elapsed).String(),
		fmt.Sprintf("calls %d", c.Calls), fmt.Sprintf("retries %d", c.Retries), fmt.Sprintf("throttled %d", c.Throttled))

	const minBar, maxBar = 10, 30
	text := ""
	for _, p := range parts {
		next := p
		if text != "" {
			next = text + "  " + p
		}
		room := width
		if c.Total > 0 {
			room -= minBar + 3 // "[" + bar + "] "
		}
		if len([]rune(next)) > room && text != "" {
			break
		}
		text = next
	}
	if c.Total <= 0 {
		return clipRunes(text, width)
	}
	barLen := min(maxBar, width-len([]rune(text))-3)
	if barLen < minBar {
		return clipRunes(text, width)
	}
	filled := int(math.Round(percent(c) / 100 * float64(barLen)))
	filled = max(0, min(barLen, filled))
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", barLen-filled) + "] " + text
}

func percent(c Counts) float64 {
	if c.Total <= 0 {
		return 0
	}
	return min(100, 100*float64(c.processed())/float64(c.Total))
}

// rate is the items answered per second, leaving out skipped and canceled
// items, which took no work.
func rate(c Counts, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(c.Succeeded+c.Failed) / elapsed.Seconds()
}

func eta(c Counts, rate float64) (string, bool) {
	left := c.Total - c.processed() - c.Canceled
	if c.Total <= 0 || rate <= 0 || left <= 0 {
		return "", false
	}
	d := time.Duration(float64(left) / rate * float64(time.Second))
	return round(d).String(), true
}

// round keeps durations short: tenths of a second below a minute, seconds
// above.
func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if n < 0 {
		n = 0
	}
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

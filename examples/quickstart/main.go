package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/batchkit/batchkit/internal/progress"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	var width func() int
	if progress.IsTerminal(os.Stdout) {
		width = progress.TerminalWidth(os.Stdout)
	}
	code := mainWith(ctx, os.Args[1:], os.Stdout, os.Stderr, width)
	stop()
	os.Exit(code)
}

// mainWith runs the quickstart with command-line args and returns the exit
// status: 0 when every item is accounted for, 1 when not, 2 on bad flags.
// width, when not nil, is the width of the terminal stdout is.
func mainWith(ctx context.Context, args []string, stdout, stderr io.Writer, width func() int) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	items := fs.Int("items", 5000, "items per operation")
	seed := fs.Int64("seed", 1, "seed of the fault plans")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: quickstart [-items N] [-seed N]")
		fmt.Fprintln(stderr, "Runs all five batch operations against in-memory fakes with faults and checks that every item has exactly one outcome.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *items < 1 {
		fs.Usage()
		return 2
	}
	res, err := run(ctx, config{
		Items:         *items,
		Seed:          *seed,
		Out:           stdout,
		Width:         width,
		ProgressEvery: time.Second,
	})
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	if !res.ok() {
		return 1
	}
	return 0
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/batchkit/batchkit/internal/progress"
)

// env is what a subcommand reads and writes besides files.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports that stderr, where progress goes, is a terminal,
	// and width, when not nil, its width in columns.
	terminal bool
	width    func() int
	// progressEvery is the interval between plain progress lines.
	progressEvery time.Duration
}

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go watchSignals(sigs, cancel, os.Stderr, os.Exit)
	code := mainWith(ctx, os.Args[1:], &env{
		stdin:         os.Stdin,
		stdout:        os.Stdout,
		stderr:        os.Stderr,
		terminal:      progress.IsTerminal(os.Stderr),
		width:         progress.TerminalWidth(os.Stderr),
		progressEvery: 10 * time.Second,
	})
	os.Exit(code)
}

// interrupted is the cause of a run canceled by a signal.
type interrupted struct{ name string }

func (i interrupted) Error() string { return "interrupted by " + i.name }

// signalName returns SIGINT or SIGTERM.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// watchSignals handles SIGINT and SIGTERM alike: the first cancels the run,
// which stops sending, writes the outcome of every item read and prints the
// summary (exit status 130), or stops batchctl fake; a second one exits at once with status 130,
// leaving the outcome file as far as it was written. It returns after the
// second signal, or when sigs is closed.
func watchSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer, exit func(int)) {
	first := true
	for s := range sigs {
		if first {
			first = false
			fmt.Fprintf(stderr, "\nbatchctl: %s: stopping (interrupt again to quit at once)\n", signalName(s))
			cancel(interrupted{signalName(s)})
			continue
		}
		fmt.Fprintf(stderr, "\nbatchctl: %s again: quitting at once; the outcome file may lack the last items\n", signalName(s))
		exit(exitInterrupted)
		return
	}
}

// mainWith runs batchctl with command-line args and returns the exit
// status.
func mainWith(ctx context.Context, args []string, e *env) int {
	cmds := commands()
	if len(args) == 0 {
		usage(e.stderr, cmds)
		return exitUsage
	}
	switch args[0] {
	case "version", "-version", "--version":
		fmt.Fprintln(e.stdout, versionString())
		return exitOK
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if args[1] == "fake" {
				return runFake(ctx, e, []string{"-h"}, cmds)
			}
			for _, c := range cmds {
				if c.name == args[1] {
					return c.run(ctx, e, []string{"-h"})
				}
			}
		}
		usage(e.stdout, cmds)
		return exitOK
	}
	if args[0] == "fake" {
		return runFake(ctx, e, args[1:], cmds)
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "batchctl: unknown command %q\n\n", args[0])
	usage(e.stderr, cmds)
	return exitUsage
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprint(w, `batchctl runs bulk operations from a CSV or JSONL file through AWS batch APIs
with batchkit: chunking, retries, bisection of rejected calls and an
adaptive send rate. Every input item gets exactly one outcome.

usage: batchctl <command> --input FILE [flags]
       batchctl --version

Commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s (%s)\n", c.name, c.about, c.service)
		fmt.Fprintf(w, "  %-14s   columns: %s\n", "", c.columns)
	}
	fmt.Fprintf(w, "  %-14s %s\n", "fake", "serve the test kits on loopback ports, to rehearse a job")
	fmt.Fprintf(w, `
Run 'batchctl <command> -h' for the flags.

Exit status: 0 when every item succeeded, 1 when some item failed or was
canceled (or a dry run found invalid items), 2 on bad flags or unreadable
files (nothing is sent), 130 when interrupted (SIGINT or SIGTERM: sending
stops, every item read gets its outcome; a second signal quits at once).

%s
`, credentialSources)
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

// env is what a subcommand reads and writes besides files.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// terminal reports that stderr, where progress goes, is a terminal.
	terminal bool
	// progressEvery is the interval between plain progress lines.
	progressEvery time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := mainWith(ctx, os.Args[1:], &env{
		stdin:         os.Stdin,
		stdout:        os.Stdout,
		stderr:        os.Stderr,
		terminal:      isTerminal(os.Stderr),
		progressEvery: 10 * time.Second,
	})
	stop()
	os.Exit(code)
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
			for _, c := range cmds {
				if c.name == args[1] {
					return c.run(ctx, e, []string{"-h"})
				}
			}
		}
		usage(e.stdout, cmds)
		return exitOK
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
		fmt.Fprintf(w, "  %-13s %s (%s)\n", c.name, c.about, c.service)
		fmt.Fprintf(w, "  %-13s   columns: %s\n", "", c.columns)
	}
	fmt.Fprintf(w, `
Run 'batchctl <command> -h' for the flags.

Exit status: 0 when every item succeeded, 1 when some item failed or was
canceled (or a dry run found invalid items), 2 on bad flags or unreadable
files (nothing is sent).

%s
`, credentialSources)
}

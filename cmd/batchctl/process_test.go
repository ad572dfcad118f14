package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
)

// batchctlProcess returns a command that runs batchctl in a process of its
// own: the test binary, told by runMainEnv to run main.
func batchctlProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	return cmd
}

// exitCode returns the exit status of a finished command.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	return ee.ExitCode()
}

// watchdog kills cmd if it has not ended when the test's deadline nears,
// so a hung process fails the test instead of hanging it. It is no
// synchronization: the test waits on events, not on time.
func watchdog(t *testing.T, cmd *exec.Cmd) (stop func()) {
	d := 2 * time.Minute
	if dl, ok := t.Deadline(); ok {
		d = min(d, time.Until(dl)-5*time.Second)
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	return func() { timer.Stop() }
}

// TestSIGTERMWritesEveryOutcome is the regression test for SIGTERM ending
// batchctl at once (exit 143, 220 of 3,000 outcome lines, no summary): it
// is handled like SIGINT, every row gets its outcome, the summary is
// printed and the exit status is 130. The service never answers, so the
// signal comes while calls are in flight.
func TestSIGTERMWritesEveryOutcome(t *testing.T) {
	testCredentials(t)
	arrived := make(chan struct{}, 1)
	quit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client leave
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	defer srv.Close()
	defer close(quit)
	in := writeFile(t, "in.csv", associateCSV(3000, 0, ""))
	out := filepath.Join(t.TempDir(), "out.jsonl")
	cmd := batchctlProcess("associate", "--input", in, "--output", out, "--endpoint", srv.URL, "--concurrency", "2")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	defer watchdog(t, cmd)()
	<-arrived
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	code := exitCode(t, cmd.Wait())

	assert.Equal(t, exitInterrupted, code, stderr.String())
	errText := stderr.String()
	assert.Contains(t, errText, "batchctl: SIGTERM: stopping")
	assert.Contains(t, errText, "BatchAssociateUserStack: 3000 items: 0 succeeded, 0 failed, 3000 canceled\n")
	assert.Contains(t, errText, "batchctl associate: interrupted by SIGTERM: stopped sending; every item has its outcome\n")
	assert.Contains(t, errText, "To go on: batchctl associate --input "+in+" --resume "+out+"\n")
	assert.NotContains(t, errText, "\r", "not a terminal: plain lines, no bar")
	for _, rec := range readOutcomes(t, out, 3000) {
		assert.Equal(t, "Canceled", rec.Status)
	}
}

// TestProgressFitsAnEightyColumnTerminal runs batchctl under a
// pseudo-terminal of 80 columns and checks that no line it writes is
// wider: the bar used to be 118 columns, and every redraw wrapped and
// scrolled a new line.
func TestProgressFitsAnEightyColumnTerminal(t *testing.T) {
	testCredentials(t)
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 2, ItemFailureRate: 0.05}
		o.DiscardLog = true
	})
	defer srv.Close()
	srv.AddStack("sales")
	const n = 3000
	for i := range n {
		srv.AddUser(fmt.Sprintf("user%04d@example.com", i), "USERPOOL")
	}
	in := writeFile(t, "in.csv", associateCSV(n, 0, ""))
	// The outcome file goes to the current directory, so that the summary's
	// lines are short whatever the temporary directory's name.
	cmd := batchctlProcess("associate", "--input", in, "--endpoint", srv.URL(), "--max-attempts", "10")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 80, Rows: 24})
	require.NoError(t, err)
	defer ptmx.Close()
	defer watchdog(t, cmd)()
	output, err := io.ReadAll(ptmx)
	if !errors.Is(err, syscall.EIO) { // what Linux answers once the terminal's last user is gone
		require.NoError(t, err)
	}
	require.Equal(t, exitOK, exitCode(t, cmd.Wait()), "%s", output)

	text := string(output)
	assert.Contains(t, text, "[", "a bar was drawn")
	assert.Contains(t, text, "BatchAssociateUserStack: 3000 items: 3000 succeeded")
	for line := range strings.FieldsFuncSeq(text, func(r rune) bool { return r == '\r' || r == '\n' }) {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 80, "line %q", line)
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/chime/chimetest"
	"github.com/batchkit/batchkit/messaging/messagingtest"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// kits are the four test kits batchctl fake serves.
type kits struct {
	appstream *appstreamtest.Server
	chime     *chimetest.Server
	wickr     *wickrtest.Server
	messaging *messagingtest.Server

	// wickrUsers holds, per Wickr network, the highest user ID seeded:
	// users 1 to that ID exist, named fakeUsername(ID). See wickrUser.
	wickrUsers map[string]int
	// unames maps the unames of fakeUsername(1) to
	// fakeUsername(maxFakeUserID) to their user IDs; built when first
	// needed.
	unames map[string]int
}

// startKits starts the kits on loopback ports with one fault plan. Their
// request logs are discarded: a rehearsal may run for long.
func startKits(f appstreamtest.Faults) *kits {
	return &kits{
		appstream:  appstreamtest.NewServer(func(o *appstreamtest.Options) { o.Faults, o.DiscardLog = f, true }),
		chime:      chimetest.NewServer(func(o *chimetest.Options) { o.Faults, o.DiscardLog = f, true }),
		wickr:      wickrtest.NewServer(func(o *wickrtest.Options) { o.Faults, o.DiscardLog = f, true }),
		messaging:  messagingtest.NewServer(func(o *messagingtest.Options) { o.Faults, o.DiscardLog = f, true }),
		wickrUsers: make(map[string]int),
	}
}

func (k *kits) close() {
	k.appstream.Close()
	k.chime.Close()
	k.wickr.Close()
	k.messaging.Close()
}

// exports returns the shell lines that point the SDK, and so batchctl, at
// the kits with their test credentials.
func (k *kits) exports() []string {
	return []string{
		"export AWS_ACCESS_KEY_ID=" + shellQuote(appstreamtest.AccessKeyID),
		"export AWS_SECRET_ACCESS_KEY=" + shellQuote(appstreamtest.SecretAccessKey),
		"export AWS_REGION=" + shellQuote(appstreamtest.Region),
		"unset AWS_SESSION_TOKEN AWS_PROFILE",
		"export AWS_ENDPOINT_URL_APPSTREAM=" + shellQuote(k.appstream.URL()),
		"export AWS_ENDPOINT_URL_CHIME=" + shellQuote(k.chime.URL()),
		"export AWS_ENDPOINT_URL_WICKR=" + shellQuote(k.wickr.URL()),
		"export AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING=" + shellQuote(k.messaging.URL()),
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:+@%", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// stateFlag collects --state COMMAND=FILE.
type stateFlag []string

func (s *stateFlag) String() string { return strings.Join(*s, ",") }

func (s *stateFlag) Set(v string) error {
	cmd, file, ok := strings.Cut(v, "=")
	if !ok || cmd == "" || file == "" {
		return errors.New("want COMMAND=FILE, for example associate=users.csv")
	}
	*s = append(*s, v)
	return nil
}

const fakeAbout = `usage: batchctl fake [flags]

Starts the batchkit test kits, in-memory fakes of AppStream, Amazon Chime,
AWS Wickr and Amazon Chime SDK Messaging that speak each service's wire
protocol and check SigV4 signatures, on loopback ports. Prints their
endpoints and the test credentials as shell exports on standard output,
then serves until interrupted. With the exports in the environment,
batchctl (or any AWS SDK client) talks to the kits instead of AWS:

  batchctl fake --state associate=users.csv > fake.env &
  . ./fake.env            # once the file holds the exports
  batchctl associate --input users.csv

The kits start empty: --state seeds them with what a job's items need, so
a rehearsal of it succeeds (except where faults say otherwise).

The Wickr kit numbers the users of a network 1, 2, 3... in creation order,
so for the Wickr commands --state creates predictable users: user ID N of a
network is named fake-user-N, pending (so that reinvite-users succeeds).
A delete-users, reinvite-users, suspend-users or reset-devices file seeds
users 1 to its highest user ID of each network (and for reset-devices the
devices it names); user IDs above 10000 or with leading zeros are not
seeded, and will be answered as not found. The kit's uname of a user is
the first 32 hex digits of the SHA-256 of its name, so a lookup-unames
rehearsal looks up seeded users: a lookup-unames file seeds the users
fake-user-N whose unames it holds. Such a file, for users 1 to 40 of
network 12345678:

  { echo NetworkId,Uname; for n in $(seq 40); do
      printf '12345678,%s\n' "$(printf fake-user-$n | sha256sum | cut -c1-32)"; done; } > unames.csv

batchctl fake says on standard error which Wickr users it seeded, and
counts the rows it could not seed, with their lines.

Flags:
`

// runFake runs batchctl fake.
func runFake(ctx context.Context, e *env, args []string, cmds []command) int {
	fs := flag.NewFlagSet("batchctl fake", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var (
		states stateFlag
		f      appstreamtest.Faults
		envOut string
	)
	fs.Var(&states, "state", "seed the kits with what the items of `COMMAND=FILE` need (repeatable): stacks and users (associate), associations (disassociate), accounts and users (update-users), networks and security groups (create-users), Wickr users fake-user-N named by user ID (delete-users, reinvite-users, suspend-users) or uname (lookup-unames), with devices (reset-devices), channels with the bearers as moderators (add-members)")
	fs.DurationVar(&f.Latency, "latency", 0, "add this `DURATION` to every answer")
	fs.Float64Var(&f.Quota, "quota", 0, "throttle each kit above this many requests per second (0: no quota)")
	fs.Float64Var(&f.ItemFailureRate, "item-failure-rate", 0, "fail this share of items, retryably, inside 200 answers")
	fs.Float64Var(&f.CallFailureRate, "call-failure-rate", 0, "fail this share of calls as a whole with a 500")
	fs.Float64Var(&f.DropRate, "drop-rate", 0, "apply this share of calls and drop the connection before answering")
	fs.Float64Var(&f.MalformedRate, "malformed-rate", 0, "apply this share of calls and truncate their answers")
	fs.Int64Var(&f.Seed, "seed", 1, "seed of the fault draws")
	fs.StringVar(&envOut, "env-file", "", "also write the exports to `FILE`, complete once the kits listen")
	fs.Usage = func() {
		io.WriteString(e.stderr, fakeAbout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "batchctl fake: %s\nRun 'batchctl fake -h' for help.\n", fmt.Sprintf(format, args...))
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"--item-failure-rate", f.ItemFailureRate}, {"--call-failure-rate", f.CallFailureRate}, {"--drop-rate", f.DropRate}, {"--malformed-rate", f.MalformedRate}} {
		if r.v < 0 || r.v > 1 {
			return usage("%s must be between 0 and 1, got %v", r.name, r.v)
		}
	}
	if f.Quota < 0 || f.Latency < 0 {
		return usage("--quota and --latency must not be negative")
	}

	k := startKits(f)
	defer k.close()
	for _, st := range states {
		name, path, _ := strings.Cut(st, "=")
		var seed func(*kits, string) (seedReport, error)
		for _, c := range cmds {
			if c.name == name {
				seed = c.seed
			}
		}
		if seed == nil {
			return usage("--state %s: unknown command %q", st, name)
		}
		rep, err := seed(k, path)
		if err != nil {
			fmt.Fprintf(e.stderr, "batchctl fake: --state %s: %v\n", st, err)
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "batchctl fake: seeded the kits with what the %s of %s need\n", plural(int64(rep.seeded), "item"), path)
		if len(rep.unseeded) > 0 {
			fmt.Fprintf(e.stderr, "batchctl fake: --state %s: %s not seeded %s: line %d: %s\n", st, plural(int64(len(rep.unseeded)), "item"), linesList(rep.unseeded), rep.unseeded[0], rep.why)
		}
	}
	k.printWickrUsers(e.stderr)

	lines := append([]string{"# batchctl fake: test kits on loopback ports; stop them with Ctrl-C"}, k.exports()...)
	text := strings.Join(lines, "\n") + "\n"
	if envOut != "" {
		// Written whole under another name and renamed, so that a reader
		// never sees half of it.
		tmp := envOut + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
			fmt.Fprintf(e.stderr, "batchctl fake: %v\n", err)
			return exitUsage
		}
		if err := os.Rename(tmp, envOut); err != nil {
			fmt.Fprintf(e.stderr, "batchctl fake: %v\n", err)
			return exitUsage
		}
	}
	io.WriteString(e.stdout, text)
	start := time.Now()
	<-ctx.Done()
	fmt.Fprintf(e.stderr, "batchctl fake: stopped after %s\n", time.Since(start).Round(time.Second))
	return exitOK
}

// seedReport is what seeding from a job file did.
type seedReport struct {
	seeded int
	// unseeded are the lines of the items that could not be seeded, and
	// why the first of them could not.
	unseeded []int
	why      string
}

// seedFile reads the items of a job file and seeds the kits with what each
// valid item needs. Malformed lines are skipped: the rehearsal reports them.
func seedFile[T, R any](s *spec[T, R], k *kits, path string) (seedReport, error) {
	var rep seedReport
	format, err := inputFormat(path, "")
	if err != nil {
		return rep, err
	}
	f, err := os.Open(path)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	src, err := newSource(f, format, newFieldSet(s.fields))
	if err != nil {
		return rep, err
	}
	for r := range src.records() {
		if r.bad != nil {
			continue
		}
		if err := s.seed(k, r.item); err != nil {
			if len(rep.unseeded) == 0 {
				rep.why = err.Error()
			}
			rep.unseeded = append(rep.unseeded, r.line)
			continue
		}
		rep.seeded++
	}
	return rep, src.Err()
}

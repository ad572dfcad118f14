// Benchworker is one runner of the shared-quota scenario of examples/bench:
// it runs a share of the items through a batch.Runner against an AppStream
// test kit served by the bench, pacing its calls either with the runner's
// own adaptive rate or with a redislimit.Limiter, and reports what became of
// them. It lives in the redislimit module so that the core module, where the
// bench lives, does not depend on a Redis client; the bench builds it with
// go build and starts one process per runner.
//
// The bench talks to it over standard input and output, one JSON value or
// word per line:
//
//	stdin:  a job (see [benchjob.Job]), then the word "go"
//	stdout: the word "ready" once the runner and its limiter are built (the
//	        limiter has pinged Redis), then the report (see [benchjob.Report])
//
// Between "ready" and "go" the worker waits, so that the bench starts every
// runner at the same moment. Warnings (Redis not answering) and, with the
// job's Trace, the send rate at every throttle signal go to standard error,
// one line each.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	"github.com/redis/go-redis/v9"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/benchjob"
	"github.com/batchkit/batchkit/redislimit"
)

func main() {
	if err := work(context.Background(), os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchworker:", err)
		os.Exit(1)
	}
}

func work(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("reading the job: %w", err)
	}
	var j benchjob.Job
	if err := json.Unmarshal(line, &j); err != nil {
		return fmt.Errorf("decoding the job: %w", err)
	}

	var warnings atomic.Int64
	logger := slog.New(&countingHandler{Handler: slog.NewTextHandler(stderr, nil), warnings: &warnings})
	var lim batch.Limiter
	switch j.Limiter {
	case benchjob.LimiterLocal:
	case benchjob.LimiterShared:
		client := redis.NewClient(&redis.Options{Addr: j.RedisAddr, ContextTimeoutEnabled: true, DisableIdentity: true})
		defer client.Close()
		l, err := redislimit.New(ctx, client, j.Key, func(o *redislimit.Options) {
			o.TTL = j.TTL
			o.Logger = logger
		})
		if err != nil {
			return err
		}
		lim = l
	default:
		return fmt.Errorf("unknown limiter %q", j.Limiter)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 2 * j.Concurrency
	endpoint := j.URL
	cfg := aws.Config{
		Region: j.Region,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: j.AccessKeyID, SecretAccessKey: j.SecretAccessKey, Source: "benchworker"}, nil
		})),
		BaseEndpoint: &endpoint,
		HTTPClient:   &http.Client{Transport: transport},
		// The kit's own retryer: the SDK's standard one with short backoffs.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 20 * time.Millisecond })
		},
	}
	start := time.Now()
	r, err := appstream.NewRunner(appstreamsdk.NewFromConfig(cfg), appstream.Associate, func(o *appstream.Options) {
		o.MaxInFlight = j.Concurrency
		o.Limiter = lim
		if j.Trace {
			o.Hooks.OnThrottle = func(ti batch.ThrottleInfo) {
				// The shared rate as this runner's limiter last saw it:
				// ti.Rate can be 0 for a call throttled in flight.
				r := ti.Rate
				if l, ok := lim.(*redislimit.Limiter); ok {
					r = l.Rate()
				}
				fmt.Fprintf(stderr, "t=%.3fs rate=%.1f\n", time.Since(start).Seconds(), r)
			}
		}
	})
	if err != nil {
		return err
	}

	if _, err := fmt.Fprintln(stdout, "ready"); err != nil {
		return err
	}
	word, err := in.ReadString('\n')
	if err != nil || strings.TrimSpace(word) != "go" {
		return fmt.Errorf("waiting for go: got %q, %v", word, err)
	}

	start = time.Now()
	rep, err := r.Run(ctx, j.Items)
	out := benchjob.Report{Start: start, End: time.Now(), Warnings: warnings.Load()}
	if err != nil {
		out.Err = err.Error()
	}
	tally(&out, rep, len(j.Items))
	return json.NewEncoder(stdout).Encode(out)
}

// tally counts the outcomes of rep into out and notes ledger violations.
func tally(out *benchjob.Report, rep *batch.Report[appstream.Association, appstream.Result], items int) {
	if rep == nil {
		out.Lost = items
		out.Problems = append(out.Problems, "the runner returned no report")
		return
	}
	out.Stats = rep.Stats
	if len(rep.Outcomes) != items {
		out.Problems = append(out.Problems, fmt.Sprintf("the report holds %d outcomes for %d items", len(rep.Outcomes), items))
	}
	misplaced := 0
	for i := range items {
		if i >= len(rep.Outcomes) {
			out.Lost++
			continue
		}
		o := &rep.Outcomes[i]
		if o.Index != i {
			misplaced++
		}
		switch {
		case o.Status == batch.StatusSucceeded:
			out.Succeeded++
		case o.Status == batch.StatusFailed && o.Err != nil && !o.Err.Retryable:
			out.Failed++
		default: // failed retryably, canceled, or no outcome
			out.Lost++
		}
	}
	if misplaced > 0 {
		out.Problems = append(out.Problems, fmt.Sprintf("%d outcomes carry another item's index", misplaced))
	}
}

// countingHandler counts the warnings it passes on.
type countingHandler struct {
	slog.Handler
	warnings *atomic.Int64
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.warnings.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithAttrs(attrs), warnings: h.warnings}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{Handler: h.Handler.WithGroup(name), warnings: h.warnings}
}

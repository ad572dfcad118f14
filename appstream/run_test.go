package appstream_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
)

func TestFullSuccess(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 110, 3)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) {
		t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
	}
	if err := rep.Err(); err != nil {
		t.Fatalf("Report.Err: got %v, want nil", err)
	}
	if got, want := len(srv.Associations()), len(items); got != want {
		t.Fatalf("associations in the kit: got %d, want %d", got, want)
	}
	// 110 items at 25 per call: 5 calls.
	reqs := srv.Requests()
	if got, want := len(reqs), 5; got != want {
		t.Fatalf("requests: got %d, want %d", got, want)
	}
	for _, r := range reqs {
		if r.Operation != "BatchAssociateUserStack" || r.Status != 200 {
			t.Fatalf("request: got %s %d, want BatchAssociateUserStack 200", r.Operation, r.Status)
		}
	}
}

func TestDisassociate(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 30, 2)
	for _, it := range items[:20] {
		srv.AddAssociation(kitAssoc(it))
	}
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Disassociate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) {
		t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
	}
	if got := srv.Associations(); len(got) != 0 {
		t.Fatalf("associations left: got %d, want 0", len(got))
	}
	if op := rep.Operation; op != "BatchDisassociateUserStack" {
		t.Fatalf("operation: got %q", op)
	}
}

func TestPartialFailure(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 60, 2)
	missingStack := map[int]bool{3: true, 17: true, 40: true}
	missingUser := map[int]bool{5: true, 33: true}
	for i := range missingStack {
		items[i].StackName = "NoSuchStack"
	}
	for i := range missingUser {
		// Same name, another authentication type: a different user.
		items[i].AuthenticationType = "SAML"
	}
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	for i, o := range rep.Outcomes {
		switch {
		case missingStack[i]:
			checkItemErr(t, i, o.Err, batch.CodeNotFound, "STACK_NOT_FOUND", "StackName")
		case missingUser[i]:
			checkItemErr(t, i, o.Err, batch.CodeNotFound, "USER_NAME_NOT_FOUND", "UserName")
		default:
			if o.Status != batch.StatusSucceeded {
				t.Errorf("item %d: got %v %v, want success", i, o.Status, o.Err)
			}
		}
		if missingStack[i] || missingUser[i] {
			if o.Attempts != 1 {
				t.Errorf("item %d: attempts got %d, want 1 (NotFound is permanent by default)", i, o.Attempts)
			}
			if !errors.Is(o.Err, batch.ErrNotFound) {
				t.Errorf("item %d: errors.Is(ErrNotFound) false for %v", i, o.Err)
			}
		}
	}
	if got, want := len(srv.Associations()), len(items)-5; got != want {
		t.Fatalf("associations: got %d, want %d", got, want)
	}
	var re *batch.RunError
	if !errors.As(rep.Err(), &re) || len(re.Failures) != 5 {
		t.Fatalf("Report.Err: got %v, want a RunError with 5 failures", rep.Err())
	}
}

func checkItemErr(t *testing.T, i int, e *batch.Error, code batch.Code, svc, field string) {
	t.Helper()
	if e == nil {
		t.Errorf("item %d: got success, want %s", i, svc)
		return
	}
	if e.Code != code || e.ServiceCode != svc || e.Field != field || e.Retryable {
		t.Errorf("item %d: got code %s service %s field %q retryable %v, want %s %s %q false",
			i, e.Code, e.ServiceCode, e.Field, e.Retryable, code, svc, field)
	}
	if e.Operation != "BatchAssociateUserStack" {
		t.Errorf("item %d: operation got %q", i, e.Operation)
	}
}

func TestRetryableItemCodesRetriedUntilSuccess(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 7, ItemFailureRate: 0.3}
	})
	items := seed(srv, 200, 4)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) {
		o.MaxAttempts = 20
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) {
		t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
	}
	if rep.Stats.Retries == 0 {
		t.Fatalf("retries: got 0, want some with a 30%% item failure rate")
	}
	retried := 0
	for _, o := range rep.Outcomes {
		if o.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatalf("no item took more than one attempt")
	}
	if got := len(srv.Associations()); got != len(items) {
		t.Fatalf("associations: got %d, want %d", got, len(items))
	}
}

func TestInternalErrorFinalAfterMaxAttempts(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{ItemFailureRate: 1}
	})
	items := seed(srv, 30, 1)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) {
		o.MaxAttempts = 3
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	for i, o := range rep.Outcomes {
		if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeInternal || o.Err.ServiceCode != "INTERNAL_ERROR" || !o.Err.Retryable || o.Attempts != 3 {
			t.Fatalf("item %d: got %v %v attempts %d, want Failed Internal/INTERNAL_ERROR after 3", i, o.Status, o.Err, o.Attempts)
		}
	}
}

func TestPoisonIsolatedByBisect(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 100, 3)
	poison := map[int]bool{7: true, 51: true, 52: true, 99: true}
	var names []string
	for i := range poison {
		names = append(names, items[i].UserName)
	}
	srv.SetFaults(appstreamtest.Faults{Poison: names})
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	for i, o := range rep.Outcomes {
		if !poison[i] {
			if o.Status != batch.StatusSucceeded {
				t.Errorf("item %d: got %v %v, want success", i, o.Status, o.Err)
			}
			continue
		}
		if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeInvalidInput || o.Err.ServiceCode != "InvalidParameterCombinationException" {
			t.Errorf("item %d: got %v %v, want Failed InvalidInput (InvalidParameterCombinationException)", i, o.Status, o.Err)
		}
		if o.Err.RequestID == "" {
			t.Errorf("item %d: no request ID", i)
		}
	}
	if rep.Stats.Bisections == 0 {
		t.Fatalf("bisections: got 0")
	}
	if got, want := len(srv.Associations()), len(items)-len(poison); got != want {
		t.Fatalf("associations: got %d, want %d", got, want)
	}
}

func TestBadCredentialsEndRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds aws.Credentials
		code  string
	}{
		{"wrong secret", aws.Credentials{AccessKeyID: appstreamtest.AccessKeyID, SecretAccessKey: "wrong"}, "InvalidSignatureException"},
		{"unknown key", aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "wrong"}, "UnrecognizedClientException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newKit(t)
			items := seed(srv, 500, 2)
			cfg := srv.Config()
			cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return tc.creds, nil })
			rep, err := runWith(t, appstream.New(appstreamsdk.NewFromConfig(cfg), appstream.Associate), items, func(o *batch.Options) {
				o.MaxInFlight = 2
			})
			var be *batch.Error
			if !errors.As(err, &be) || be.Code != batch.CodeUnauthorized || be.ServiceCode != tc.code {
				t.Fatalf("run error: got %v, want Unauthorized (%s)", err, tc.code)
			}
			checkAccounted(t, rep, items)
			if rep.Failed != len(items) || rep.ByCode[batch.CodeUnauthorized] != len(items) {
				t.Fatalf("failed %d by code %v, want all %d Unauthorized", rep.Failed, rep.ByCode, len(items))
			}
			if n := len(srv.Requests()); n > 2 {
				t.Fatalf("requests: got %d, want at most MaxInFlight (2): the run must end", n)
			}
			if len(srv.Associations()) != 0 {
				t.Fatalf("associations made with bad credentials")
			}
		})
	}
}

func TestCancellationMidRun(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 1000, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var done atomic.Int32
	r, err := appstream.New(srv.Client(), appstream.Associate).Runner(quick, func(o *batch.Options) {
		o.MaxInFlight = 2
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done && done.Add(1) == 3 {
				cancel()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(ctx, items)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run error: got %v, want context.Canceled", err)
	}
	checkAccounted(t, rep, items)
	if rep.Canceled == 0 || rep.Succeeded == 0 {
		t.Fatalf("got %d succeeded, %d canceled; want some of each", rep.Succeeded, rep.Canceled)
	}
	if rep.Succeeded+rep.Canceled != len(items) {
		t.Fatalf("got %d failed (%v), want none", rep.Failed, rep.ByCode)
	}
	// Every success was applied by the service.
	for i, o := range rep.Outcomes {
		if o.Status == batch.StatusSucceeded && !srv.IsAssociated(kitAssoc(o.Item)) {
			t.Fatalf("item %d succeeded but is not associated", i)
		}
	}
}

func TestTenThousandItems(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) { o.DiscardLog = true })
	items := seed(srv, 10000, 50)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) {
		t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
	}
	if got, want := rep.Stats.Calls, 400; got != want {
		t.Fatalf("calls: got %d, want %d", got, want)
	}
	if got := len(srv.Associations()); got != len(items) {
		t.Fatalf("associations: got %d, want %d", got, len(items))
	}
}

func TestMalformedBodiesAreNeverSuccesses(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 3, MalformedRate: 1}
	})
	items := seed(srv, 60, 2)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != 0 || rep.ByCode[batch.CodeUnmatched] != len(items) {
		t.Fatalf("got %d succeeded, codes %v; want every item Unmatched", rep.Succeeded, rep.ByCode)
	}
	if e := rep.Outcomes[0].Err; !e.Retryable || e.RequestID == "" || e.Field != "" {
		t.Fatalf("got retryable %v request id %q, want retryable with a request ID", e.Retryable, e.RequestID)
	}
}

func TestMalformedBodiesMixed(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 11, MalformedRate: 0.3}
	})
	items := seed(srv, 500, 5)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	malformed := 0
	for _, r := range srv.Requests() {
		if r.Fault == "malformed" {
			malformed++
		}
	}
	if malformed == 0 {
		t.Fatalf("no malformed answers drawn")
	}
	// A malformed answer is sent again, by the SDK retryer and then by the
	// engine, so items end Succeeded (only on a well-formed answer, which
	// the kit gives after applying the call) or Unmatched, never otherwise.
	if rep.Succeeded+rep.ByCode[batch.CodeUnmatched] != len(items) {
		t.Fatalf("got %d succeeded, codes %v, %d malformed answers", rep.Succeeded, rep.ByCode, malformed)
	}
	for _, o := range rep.Outcomes {
		if o.Status == batch.StatusSucceeded && !srv.IsAssociated(kitAssoc(o.Item)) {
			t.Fatalf("item %d succeeded but is not associated", o.Index)
		}
	}
	if rep.ByCode[batch.CodeUnmatched] > malformed*appstream.MaxItemsPerCall {
		t.Fatalf("unmatched %d exceeds the items of %d malformed calls", rep.ByCode[batch.CodeUnmatched], malformed)
	}
}

func TestDroppedResponses(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 5, DropRate: 0.3}
	})
	items := seed(srv, 500, 5)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) {
		o.MaxAttempts = 10
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	dropped := 0
	for _, r := range srv.Requests() {
		if r.Fault == "drop" {
			dropped++
		}
	}
	if dropped == 0 {
		t.Fatalf("no responses dropped")
	}
	for i, o := range rep.Outcomes {
		switch {
		case o.Status == batch.StatusSucceeded:
			if !srv.IsAssociated(kitAssoc(o.Item)) {
				t.Fatalf("item %d succeeded but is not associated", i)
			}
		case o.Err.Code != batch.CodeUnavailable:
			t.Fatalf("item %d: got %v, want success or Unavailable", i, o.Err)
		}
	}
	if rep.Succeeded < len(items)*9/10 {
		t.Fatalf("succeeded: got %d of %d; the SDK and the engine should retry lost answers", rep.Succeeded, len(items))
	}
}

func TestWholeCallFailuresRetried(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) {
		o.Faults = appstreamtest.Faults{Seed: 9, CallFailureRate: 0.4}
	})
	items := seed(srv, 300, 3)
	rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) {
		o.MaxAttempts = 10
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounted(t, rep, items)
	if rep.Succeeded != len(items) {
		t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
	}
}

func TestRetryNotFound(t *testing.T) {
	t.Run("stack created during the run", func(t *testing.T) {
		srv := newKit(t)
		items := seed(srv, 10, 1)
		items[4].StackName = "LateStack"
		r, err := appstream.New(srv.Client(), appstream.Associate, func(o *appstream.Options) {
			o.RetryNotFound = 2
		}).Runner(quick, func(o *batch.Options) {
			o.Hooks.OnRetry = func(ri batch.RetryInfo) {
				srv.AddStack("LateStack")
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := r.Run(context.Background(), items)
		if err != nil {
			t.Fatal(err)
		}
		checkAccounted(t, rep, items)
		if rep.Succeeded != len(items) {
			t.Fatalf("succeeded: got %d, want %d (codes %v)", rep.Succeeded, len(items), rep.ByCode)
		}
		if got := rep.Outcomes[4].Attempts; got != 2 {
			t.Fatalf("attempts of the late item: got %d, want 2", got)
		}
	})
	t.Run("never created", func(t *testing.T) {
		srv := newKit(t)
		items := seed(srv, 10, 1)
		items[4].StackName = "NoSuchStack"
		a := appstream.New(srv.Client(), appstream.Associate, func(o *appstream.Options) { o.RetryNotFound = 2 })
		for run := range 2 {
			rep, err := runWith(t, a, items)
			if err != nil {
				t.Fatal(err)
			}
			o := rep.Outcomes[4]
			if o.Status != batch.StatusFailed || o.Err.Code != batch.CodeNotFound || o.Err.Retryable || o.Attempts != 3 {
				t.Fatalf("run %d: got %v %v retryable %v attempts %d, want a final NotFound after 3 attempts",
					run, o.Status, o.Err, o.Err != nil && o.Err.Retryable, o.Attempts)
			}
		}
	})
}

func TestUserNamesNeverInErrors(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 40, 2)
	items[1].StackName = "Missing"
	items[2].AuthenticationType = "API"
	srv.SetFaults(appstreamtest.Faults{Poison: []string{items[3].UserName}})
	var logs strings.Builder
	rep, _ := runWith(t, appstream.New(srv.Client(), appstream.Associate), items)
	checkAccounted(t, rep, items)
	if err := rep.Err(); err != nil {
		logs.WriteString(err.Error())
	}
	for _, o := range rep.Outcomes {
		if o.Err != nil {
			logs.WriteString(o.Err.Error())
		}
	}
	if rep.Failed != 3 {
		t.Fatalf("failed: got %d, want 3", rep.Failed)
	}
	for _, it := range items {
		if strings.Contains(logs.String(), it.UserName) {
			t.Fatalf("an error string holds a user name: %s", logs.String())
		}
	}
}

package appstream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
)

type report = batch.Report[appstream.Association, appstream.Result]

// newKit starts a kit server that the test closes.
func newKit(t *testing.T, optFns ...func(*appstreamtest.Options)) *appstreamtest.Server {
	t.Helper()
	srv := appstreamtest.NewServer(optFns...)
	t.Cleanup(srv.Close)
	return srv
}

// seed creates n users spread over stacks stacks on srv and returns their
// associations.
func seed(srv *appstreamtest.Server, n, stacks int) []appstream.Association {
	items := make([]appstream.Association, n)
	for i := range items {
		items[i] = appstream.Association{
			StackName:          fmt.Sprintf("Stack-%d", i%stacks),
			UserName:           fmt.Sprintf("user-%d@example.com", i),
			AuthenticationType: appstreamtypes.AuthenticationTypeUserpool,
		}
		srv.AddStack(items[i].StackName)
		srv.AddUser(items[i].UserName, items[i].AuthenticationType)
	}
	return items
}

// quick makes engine backoffs short.
func quick(o *batch.Options) {
	o.BackoffBase = time.Millisecond
	o.BackoffMax = 5 * time.Millisecond
}

// runWith runs items through a with the given engine options.
func runWith(t *testing.T, a *appstream.Adapter, items []appstream.Association, optFns ...func(*batch.Options)) (*report, error) {
	t.Helper()
	r, err := a.Runner(append([]func(*batch.Options){quick}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return r.Run(ctx, items)
}

// checkAccounted fails the test unless rep holds exactly one terminal outcome
// per item, in input order, and the counters add up.
func checkAccounted(t *testing.T, rep *report, items []appstream.Association) {
	t.Helper()
	if got, want := len(rep.Outcomes), len(items); got != want {
		t.Fatalf("outcomes: got %d, want %d", got, want)
	}
	for i, o := range rep.Outcomes {
		if o.Index != i || o.Item != items[i] {
			t.Fatalf("outcome %d: index %d, item mismatch %v", i, o.Index, o.Item != items[i])
		}
		switch o.Status {
		case batch.StatusSucceeded:
			if o.Err != nil {
				t.Fatalf("outcome %d: succeeded with error %v", i, o.Err)
			}
		case batch.StatusFailed, batch.StatusCanceled:
			if o.Err == nil {
				t.Fatalf("outcome %d: %v without error", i, o.Status)
			}
		default:
			t.Fatalf("outcome %d: status %v", i, o.Status)
		}
	}
	if got := rep.Succeeded + rep.Failed + rep.Canceled; got != len(items) {
		t.Fatalf("counters: got %d, want %d", got, len(items))
	}
}

// kitAssoc converts an item to the kit's association.
func kitAssoc(a appstream.Association) appstreamtest.Association {
	return appstreamtest.Association{StackName: a.StackName, UserName: a.UserName, AuthenticationType: a.AuthenticationType}
}

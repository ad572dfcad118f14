package main

import (
	"fmt"
	"time"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
)

// appStreamLane seeds an AppStream fake with four stacks and one user per
// item, then associates every user with a stack and disassociates them
// again.
func appStreamLane(cfg config) (*lane, error) {
	n := cfg.Items
	ks := kinds(n)
	stacks := []string{"stack-sales", "stack-support", "stack-eng", "stack-ops"}
	items := make([]appstream.Association, n)
	var poisoned []string
	for i := range items {
		a := appstream.Association{
			StackName:          stacks[i%len(stacks)],
			UserName:           fmt.Sprintf("user%05d@example.com", i),
			AuthenticationType: appstreamtypes.AuthenticationTypeUserpool,
		}
		switch ks[i] {
		case invalid:
			a.AuthenticationType = "OKTA"
		case poison:
			poisoned = append(poisoned, a.UserName)
		case missing:
			a.StackName = "stack-retired"
		}
		items[i] = a
	}
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) {
		o.DiscardLog = true
		o.Faults = appstreamtest.Faults{
			Seed:            cfg.Seed,
			Latency:         15 * time.Millisecond,
			Quota:           cfg.quota(25),
			ItemFailureRate: 0.03,
			Poison:          poisoned,
		}
	})
	srv.AddStack(stacks...)
	for _, a := range items {
		if a.AuthenticationType == appstreamtypes.AuthenticationTypeUserpool {
			srv.AddUser(a.UserName, a.AuthenticationType)
		}
	}
	client := srv.Client()
	assoc := func(a *appstream.Association) appstreamtest.Association {
		return appstreamtest.Association{StackName: a.StackName, UserName: a.UserName, AuthenticationType: a.AuthenticationType}
	}

	// associated records, by index, what the first task left associated,
	// for checking the second.
	associated := make([]bool, n)
	associate := newTask(appstream.AssociateOperation, items,
		func(opt func(*batch.Options)) (*batch.Runner[appstream.Association, appstream.Result], error) {
			return appstream.New(client, appstream.Associate).Runner(opt)
		},
		func(o *batch.Outcome[appstream.Association, appstream.Result]) error {
			got, want := srv.IsAssociated(assoc(&o.Item)), o.Status == batch.StatusSucceeded
			associated[o.Index] = got
			if got != want {
				return fmt.Errorf("%s, but the fake has associated=%t", o.Status, got)
			}
			return nil
		},
		func(r *opReport) error {
			if got := len(srv.Associations()); got != r.Succeeded {
				return fmt.Errorf("%d associations succeeded, but the fake holds %d", r.Succeeded, got)
			}
			return nil
		})
	left := 0 // associations a failed disassociation must have left in place
	disassociate := newTask(appstream.DisassociateOperation, items,
		func(opt func(*batch.Options)) (*batch.Runner[appstream.Association, appstream.Result], error) {
			return appstream.New(client, appstream.Disassociate).Runner(opt)
		},
		func(o *batch.Outcome[appstream.Association, appstream.Result]) error {
			got := srv.IsAssociated(assoc(&o.Item))
			want := o.Status != batch.StatusSucceeded && associated[o.Index]
			if want {
				left++
			}
			if got != want {
				return fmt.Errorf("%s, but the fake has associated=%t", o.Status, got)
			}
			return nil
		},
		func(*opReport) error {
			if got := len(srv.Associations()); got != left {
				return fmt.Errorf("the fake holds %d associations, want the %d whose disassociation failed", got, left)
			}
			return nil
		})
	return &lane{service: "AppStream", tasks: []*task{associate, disassociate}, close: srv.Close}, nil
}

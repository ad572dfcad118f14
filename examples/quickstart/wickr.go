package main

import (
	"fmt"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// wickrLane seeds a Wickr fake with four networks, each with two security
// groups, and creates one user per item.
func wickrLane(cfg config) (*lane, error) {
	n := cfg.Items
	ks := kinds(n)
	networks := []string{"10000001", "10000002", "10000003", "10000004"}
	items := make([]wickr.NewUser, n)
	var poisoned []string
	for i := range items {
		u := wickr.NewUser{
			NetworkId:        networks[i%len(networks)],
			Username:         fmt.Sprintf("member%05d@example.com", i),
			SecurityGroupIds: []string{"sg-staff"},
			FirstName:        fmt.Sprintf("First%05d", i),
			LastName:         "Example",
		}
		switch ks[i] {
		case invalid:
			u.SecurityGroupIds = nil
		case poison:
			poisoned = append(poisoned, u.Username)
		case missing:
			u.NetworkId = "99999999" // no such network: fails every user of it
		}
		items[i] = u
	}
	srv := wickrtest.NewServer(func(o *wickrtest.Options) {
		o.DiscardLog = true
		o.Faults = wickrtest.Faults{
			Seed:            cfg.Seed + 2,
			Latency:         20 * time.Millisecond,
			Quota:           cfg.quota(8),
			ItemFailureRate: 0.03,
			Poison:          poisoned,
		}
	})
	for _, id := range networks {
		srv.AddNetwork(id, "sg-staff", "sg-admins")
	}
	client := srv.Client()

	create := newTask(wickr.Operation, items,
		func(opt func(*batch.Options)) (*batch.Runner[wickr.NewUser, wickr.Result], error) {
			return wickr.New(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.NewUser, wickr.Result]) error {
			u, ok := srv.User(o.Item.NetworkId, o.Item.Username)
			switch {
			case o.Status == batch.StatusSucceeded && (!ok || u.UserId != o.Value.UserId):
				return fmt.Errorf("succeeded as user ID %q, but the fake has the user: %t, ID %q", o.Value.UserId, ok, u.UserId)
			case o.Status != batch.StatusSucceeded && ok:
				return fmt.Errorf("%s, but the fake created the user", o.Status)
			}
			return nil
		},
		func(r *opReport) error {
			if got := srv.Created(); got != r.Succeeded {
				return fmt.Errorf("%d users succeeded, but the fake created %d", r.Succeeded, got)
			}
			return nil
		})
	return &lane{service: "Wickr", tasks: []*task{create}, close: srv.Close}, nil
}

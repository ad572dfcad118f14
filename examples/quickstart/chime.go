package main

import (
	"fmt"
	"time"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// chimeLane seeds a Chime fake with eight accounts of Basic users and moves
// every user to the Pro license.
func chimeLane(cfg config) (*lane, error) {
	n := cfg.Items
	ks := kinds(n)
	items := make([]chime.UserUpdate, n)
	var poisoned []string
	misses := 0
	for i := range items {
		u := chime.UserUpdate{
			AccountId:   fmt.Sprintf("acct-%02d", i%8),
			UserId:      fmt.Sprintf("u-%05d", i),
			LicenseType: chimetypes.LicensePro,
		}
		switch ks[i] {
		case invalid:
			u.LicenseType = "Gold"
		case poison:
			poisoned = append(poisoned, u.UserId)
		case missing:
			// Alternately a user the account does not have (a NotFound
			// entry in the answer) and an account that does not exist (the
			// call fails with NotFoundException, which condemns the key).
			if misses%2 == 0 {
				u.UserId = fmt.Sprintf("u-gone-%05d", i)
			} else {
				u.AccountId = "acct-closed"
			}
			misses++
		}
		items[i] = u
	}
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.DiscardLog = true
		o.Faults = chimetest.Faults{
			Seed:            cfg.Seed + 1,
			Latency:         5 * time.Millisecond,
			Quota:           cfg.quota(20),
			ItemFailureRate: 0.03,
			Poison:          poisoned,
		}
	})
	for _, u := range items {
		if u.AccountId != "acct-closed" && len(u.UserId) == len("u-00000") {
			srv.AddUser(u.AccountId, u.UserId, chimetypes.LicenseBasic)
		}
	}
	client := srv.Client()

	update := newTask(chime.Operation, items,
		func(opt func(*batch.Options)) (*batch.Runner[chime.UserUpdate, chime.Result], error) {
			return chime.New(client).Runner(opt)
		},
		func(o *batch.Outcome[chime.UserUpdate, chime.Result]) error {
			u, ok := srv.User(o.Item.AccountId, o.Item.UserId)
			switch {
			case o.Status == batch.StatusSucceeded && (!ok || u.LicenseType != chimetypes.LicensePro || u.Updates != 1):
				return fmt.Errorf("succeeded, but the fake has the user: %t, license %s, %d updates", ok, u.LicenseType, u.Updates)
			case o.Status != batch.StatusSucceeded && ok && u.Updates != 0:
				return fmt.Errorf("%s, but the fake applied %d updates", o.Status, u.Updates)
			}
			return nil
		},
		func(r *opReport) error {
			updates := 0
			for a := range 8 {
				for _, u := range srv.Users(fmt.Sprintf("acct-%02d", a)) {
					updates += u.Updates
				}
			}
			if updates != r.Succeeded {
				return fmt.Errorf("%d updates succeeded, but the fake applied %d", r.Succeeded, updates)
			}
			return nil
		})
	return &lane{service: "Chime", tasks: []*task{update}, close: srv.Close}, nil
}

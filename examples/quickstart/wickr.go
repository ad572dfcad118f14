package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// wickrLane seeds a Wickr fake with four networks, each with two security
// groups, creates one user per item, and then runs a lifecycle job over
// some of the users it created: look them up by uname, suspend them, invite
// them again, reset a device of each, and delete them.
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

	// created records, by input index, the users the creation reported,
	// for the lifecycle tasks that follow it.
	created := make([]*wickr.Result, n)
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
			if o.Status == batch.StatusSucceeded {
				created[o.Index] = &o.Value
			}
			return nil
		},
		func(r *opReport) error {
			if got := srv.Created(); got != r.Succeeded {
				return fmt.Errorf("%d users succeeded, but the fake created %d", r.Succeeded, got)
			}
			return nil
		})
	lc := &lifecycle{srv: srv, network: networks[0], items: items, created: created, subjects: lifecycleSubjects(ks)}
	return &lane{service: "Wickr", tasks: append([]*task{create}, lc.tasks(client)...), close: srv.Close}, nil
}

// lifecycleBad is how many items of each lifecycle operation are bad on
// purpose: one invalid (fails validation, never sent) and two naming a
// user, uname or device the fake does not have (NotFound).
const lifecycleBad = 3

// lifecycleSubjects returns the input indexes of the users the lifecycle
// job works on: the first tenth of the good ones (at least one, when there
// is one).
func lifecycleSubjects(ks []kind) []int {
	var good []int
	for i, k := range ks {
		if k == normal {
			good = append(good, i)
		}
	}
	return good[:min(len(good), max(len(ks)/10, 1))]
}

// reinviteActive is how many subjects accept their invitation before the
// reinvite task, which then fails them with Conflict.
func reinviteActive(subjects int) int { return min(subjects, 2) }

// Devices: every call of BatchResetDevicesForUser concerns one user, so
// the reset task takes the devices of a few subjects only, to keep its
// number of calls small.
const (
	resetUsers      = 10
	devicesPerUser  = 3
	resetDeviceApps = "phone tablet laptop"
)

// resetItems is how many items the reset task has for m subjects.
func resetItems(m int) int { return min(m, resetUsers)*devicesPerUser + lifecycleBad }

// lifecycle is the job that follows the creation of the users.
type lifecycle struct {
	srv      *wickrtest.Server
	network  string // the network of the bad items
	items    []wickr.NewUser
	created  []*wickr.Result // by input index; nil when not created
	subjects []int           // input indexes of the users it works on
}

// ref returns the network and ID of the j-th subject. A subject whose
// creation failed gets ID "0", which the fake does not have.
func (lc *lifecycle) ref(j int) wickr.UserRef {
	i := lc.subjects[j]
	r := wickr.UserRef{NetworkId: lc.items[i].NetworkId, UserId: "0"}
	if c := lc.created[i]; c != nil {
		r.UserId = c.UserId
	}
	return r
}

// tasks returns the lifecycle's tasks, each with len(subjects) items and
// lifecycleBad more, except the reset task (see resetItems).
func (lc *lifecycle) tasks(client wickrClient) []*task {
	m := len(lc.subjects)
	total := m + lifecycleBad
	net := lc.network
	missing := []wickr.UserRef{{NetworkId: net, UserId: "999998"}, {NetworkId: net, UserId: "999999"}}
	refs := func() []wickr.UserRef {
		out := make([]wickr.UserRef, 0, total)
		for j := range m {
			out = append(out, lc.ref(j))
		}
		return append(append(out, wickr.UserRef{NetworkId: net, UserId: "not-an-id"}), missing...)
	}
	exists := func(r wickr.UserRef) bool {
		_, ok := lc.srv.UserByID(r.NetworkId, r.UserId)
		return ok
	}

	lookup := newLazyTask(wickr.LookupOperation, total,
		func() []wickr.UnameLookup {
			out := make([]wickr.UnameLookup, 0, total)
			for _, i := range lc.subjects {
				u := wickr.UnameLookup{NetworkId: lc.items[i].NetworkId, Uname: "unknown-uname"}
				if c := lc.created[i]; c != nil && c.User.Uname != nil {
					u.Uname = *c.User.Uname
				}
				out = append(out, u)
			}
			return append(out, wickr.UnameLookup{NetworkId: net},
				wickr.UnameLookup{NetworkId: net, Uname: "0000-no-such-uname"}, wickr.UnameLookup{NetworkId: net, Uname: "ffff-no-such-uname"})
		},
		func(opt func(*batch.Options)) (*batch.Runner[wickr.UnameLookup, wickr.UnameResult], error) {
			return wickr.NewLookup(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.UnameLookup, wickr.UnameResult]) error {
			if o.Status == batch.StatusSucceeded {
				if u, ok := lc.srv.User(o.Item.NetworkId, o.Value.Username); !ok || u.Uname != o.Item.Uname {
					return fmt.Errorf("resolved to %q, which the fake does not hold with this uname", o.Value.Username)
				}
			}
			return nil
		}, nil)

	suspend := newLazyTask(wickr.SuspendOperation, total,
		func() []wickr.SuspendStatus {
			out := make([]wickr.SuspendStatus, 0, total)
			for _, r := range refs() {
				out = append(out, wickr.SuspendStatus{NetworkId: r.NetworkId, UserId: r.UserId, Suspend: true})
			}
			return out
		},
		func(opt func(*batch.Options)) (*batch.Runner[wickr.SuspendStatus, wickr.UserResult], error) {
			return wickr.NewSuspend(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.SuspendStatus, wickr.UserResult]) error {
			u, ok := lc.srv.UserByID(o.Item.NetworkId, o.Item.UserId)
			switch got := ok && u.Suspended; {
			case o.Status == batch.StatusSucceeded && !got:
				return fmt.Errorf("suspended, but the fake has the user: %t, suspended: %t", ok, got)
			case o.Status != batch.StatusSucceeded && got:
				return fmt.Errorf("%s, but the fake suspended the user", o.Status)
			}
			return nil
		}, nil)

	reinvite := newLazyTask(wickr.ReinviteOperation, total,
		func() []wickr.UserRef {
			// A few users accepted their invitation in the meantime: they
			// cannot be invited again.
			for j := range reinviteActive(m) {
				r := lc.ref(j)
				lc.srv.Activate(r.NetworkId, r.UserId)
			}
			return refs()
		},
		func(opt func(*batch.Options)) (*batch.Runner[wickr.UserRef, wickr.UserResult], error) {
			return wickr.NewReinvite(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.UserRef, wickr.UserResult]) error {
			u, ok := lc.srv.UserByID(o.Item.NetworkId, o.Item.UserId)
			switch got := ok && u.Reinvites > 0; {
			case o.Status == batch.StatusSucceeded && !got:
				return fmt.Errorf("invited again, but the fake has the user: %t, invitations resent: %d", ok, u.Reinvites)
			case o.Status != batch.StatusSucceeded && got:
				return fmt.Errorf("%s, but the fake resent the invitation", o.Status)
			}
			return nil
		}, nil)

	reset := newLazyTask(wickr.ResetDevicesOperation, resetItems(m),
		func() []wickr.Device {
			out := make([]wickr.Device, 0, resetItems(m))
			for j := range min(m, resetUsers) {
				r := lc.ref(j)
				for _, app := range strings.Fields(resetDeviceApps) {
					d := wickr.Device{NetworkId: r.NetworkId, UserId: r.UserId, AppId: app + "-" + r.UserId}
					lc.srv.AddDevice(d.NetworkId, d.UserId, d.AppId)
					out = append(out, d)
				}
			}
			return append(out, wickr.Device{NetworkId: net, UserId: "1"}, // no AppId: invalid
				wickr.Device{NetworkId: net, UserId: "999999", AppId: "phone-a"}, wickr.Device{NetworkId: net, UserId: "999999", AppId: "phone-b"})
		},
		func(opt func(*batch.Options)) (*batch.Runner[wickr.Device, wickr.DeviceResult], error) {
			return wickr.NewResetDevices(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.Device, wickr.DeviceResult]) error {
			resets := 0
			for _, d := range lc.srv.Devices(o.Item.NetworkId, o.Item.UserId) {
				if d.AppId == o.Item.AppId {
					resets = d.Resets
				}
			}
			switch {
			case o.Status == batch.StatusSucceeded && resets == 0:
				return fmt.Errorf("reset, but the fake did not reset the device")
			case o.Status != batch.StatusSucceeded && resets > 0:
				return fmt.Errorf("%s, but the fake reset the device", o.Status)
			}
			return nil
		}, nil)

	deleted := 0
	existed := make(map[wickr.UserRef]bool) // the items' users before the task
	del := newLazyTask(wickr.DeleteOperation, total,
		func() []wickr.UserRef {
			out := refs()
			for _, r := range out {
				existed[r] = exists(r)
			}
			return out
		},
		func(opt func(*batch.Options)) (*batch.Runner[wickr.UserRef, wickr.UserResult], error) {
			return wickr.NewDelete(client).Runner(opt)
		},
		func(o *batch.Outcome[wickr.UserRef, wickr.UserResult]) error {
			gone := existed[o.Item] && !exists(o.Item)
			switch {
			case o.Status == batch.StatusSucceeded && !gone:
				return fmt.Errorf("deleted, but the fake still has the user (or never had it)")
			case o.Status == batch.StatusSucceeded:
				deleted++
			case gone && strings.Contains(o.Err.Message, "this run may have deleted"):
				// Not found after a call that lost its answer: the outcome
				// says the run may have deleted the user.
				deleted++
			case gone:
				return fmt.Errorf("%s, but the fake deleted the user", o.Status)
			}
			return nil
		},
		func(r *opReport) error {
			if got := lc.srv.Deleted(); got != deleted {
				return fmt.Errorf("%d users reported deleted, but the fake deleted %d", deleted, got)
			}
			return nil
		})
	return []*task{lookup, suspend, reinvite, reset, del}
}

// wickrClient is what the lifecycle's adapters need of the client.
type wickrClient interface {
	wickr.LookupAPI
	wickr.SuspendAPI
	wickr.ReinviteAPI
	wickr.ResetDevicesAPI
	wickr.DeleteAPI
}

package main

import (
	"fmt"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// appInstance is the app instance the messaging fake's channels belong to.
const appInstance = "arn:aws:chime:us-east-1:111122223333:app-instance/quickstart"

// messagingLane seeds a Chime SDK Messaging fake with four channels and a
// moderator, and adds one member per item.
func messagingLane(cfg config) (*lane, error) {
	n := cfg.Items
	ks := kinds(n)
	moderator := appInstance + "/user/moderator"
	channels := make([]string, 4)
	for i := range channels {
		channels[i] = fmt.Sprintf("%s/channel/ch-%d", appInstance, i)
	}
	items := make([]messaging.Membership, n)
	var poisoned []string
	for i := range items {
		m := messaging.Membership{
			ChannelArn:  channels[i%len(channels)],
			ChimeBearer: moderator,
			MemberArn:   fmt.Sprintf("%s/user/u-%05d", appInstance, i),
		}
		switch ks[i] {
		case invalid:
			m.MemberArn = "user-without-an-arn"
		case poison:
			poisoned = append(poisoned, m.MemberArn)
		case missing:
			m.ChannelArn = appInstance + "/channel/archived" // fails every member of it
		}
		items[i] = m
	}
	srv := messagingtest.NewServer(func(o *messagingtest.Options) {
		o.DiscardLog = true
		o.Faults = messagingtest.Faults{
			Seed:            cfg.Seed + 3,
			Latency:         10 * time.Millisecond,
			Quota:           cfg.quota(10),
			ItemFailureRate: 0.03,
			Poison:          poisoned,
		}
	})
	for _, ch := range channels {
		srv.AddChannel(ch, moderator)
	}
	client := srv.Client()

	add := newTask(messaging.Operation, items,
		func(opt func(*batch.Options)) (*batch.Runner[messaging.Membership, messaging.Result], error) {
			return messaging.New(client).Runner(opt)
		},
		func(o *batch.Outcome[messaging.Membership, messaging.Result]) error {
			m, ok := srv.Member(o.Item.ChannelArn, o.Item.MemberArn, "")
			switch {
			case o.Status == batch.StatusSucceeded && (!ok || m.Adds != 1):
				return fmt.Errorf("succeeded, but the fake has the member: %t, added %d times", ok, m.Adds)
			case o.Status != batch.StatusSucceeded && ok:
				return fmt.Errorf("%s, but the fake added the member", o.Status)
			}
			return nil
		},
		func(r *opReport) error {
			members := 0
			for _, ch := range channels {
				members += len(srv.Members(ch))
			}
			if members != r.Succeeded {
				return fmt.Errorf("%d members succeeded, but the fake holds %d", r.Succeeded, members)
			}
			return nil
		})
	return &lane{service: "Messaging", tasks: []*task{add}, close: srv.Close}, nil
}

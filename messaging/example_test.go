package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// Example adds users to two channels with the messagingapi client, here
// pointed at the messagingtest fake.
func Example() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		general  = instance + "/channel/general"
		random   = instance + "/channel/random"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(general, admin)
	srv.AddChannel(random, admin)

	// In production: messagingapi.NewFromConfig(cfg).
	r, err := messaging.New(srv.Client()).Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []messaging.Membership{
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/alice"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/bob"},
		{ChannelArn: random, ChimeBearer: admin, MemberArn: instance + "/bot/helper", Type: messagingapi.ChannelMembershipTypeHidden},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "failed:", rep.Failed, "calls:", rep.Stats.Calls)
	for _, m := range srv.Members(random) {
		fmt.Println(m.Arn, m.Type)
	}
	// Output:
	// succeeded: 3 failed: 0 calls: 2
	// arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/bot/helper HIDDEN
}

// ExampleAdapter_Runner shows per-item outcomes of a run in which one ARN is
// not a user of the channel's app instance: it fails with the service's
// BadRequest, the other member is added and its Result is the service's
// Members entry.
func ExampleAdapter_Runner() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		channel  = instance + "/channel/general"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)

	r, err := messaging.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxInFlight = 4 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []messaging.Membership{
		{ChannelArn: channel, ChimeBearer: admin, MemberArn: instance + "/user/alice"},
		{ChannelArn: channel, ChimeBearer: admin, MemberArn: "arn:aws:chime:us-east-1:111122223333:app-instance/ai-2/user/eve"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		if o.Err != nil {
			fmt.Println(o.Index, o.Status, o.Err)
			continue
		}
		fmt.Println(o.Index, o.Status, o.Value.Name, o.Value.Arn)
	}
	// Output:
	// 0 Succeeded alice arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/alice
	// 1 Failed batch: BatchCreateChannelMembership: invalid input (BadRequest): only AppInstanceUsers and AppInstanceBots of the channel's app instance can be added (request id 00000000-0000-4000-8000-000000000001)
}

// ExampleNew lowers the number of members per call and shows the plan a
// run would follow, without sending anything: members of different
// channels, bearers, types or SubChannels never share a call.
func ExampleNew() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		general  = instance + "/channel/general"
		random   = instance + "/channel/random"
		admin    = instance + "/user/admin"
	)
	a := messaging.New(nil, func(o *messaging.Options) { o.MaxItemsPerCall = 2 })
	r, err := a.Runner()
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := r.Plan([]messaging.Membership{
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/u1"},
		{ChannelArn: random, ChimeBearer: admin, MemberArn: instance + "/user/u2"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/u3"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/u4"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/u5", Type: messagingapi.ChannelMembershipTypeHidden},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Calls {
		fmt.Println(c.Indexes)
	}
	// Output:
	// [0 2]
	// [3]
	// [1]
	// [4]
}

// ExampleMembership shows the validation that runs before anything is
// sent: an invalid item fails with InvalidInput naming the field.
func ExampleMembership() {
	a := messaging.New(nil)
	err := a.Validate(messaging.Membership{
		ChannelArn:  "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/channel/general",
		ChimeBearer: "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/admin",
		MemberArn:   "alice",
	})
	fmt.Println(err)
	// Output:
	// batch: invalid input in field MemberArn: MemberArn is not an ARN: it must start with arn:partition:service:region:account: (lower-case letters, digits, '-' and '.')
}

// ExampleAdapter_Classify shows how a channel that does not exist is
// reported: its members fail with NotFound after a single call, and the
// other channels are not affected.
func ExampleAdapter_Classify() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		general  = instance + "/channel/general"
		gone     = instance + "/channel/gone"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(general, admin)

	r, err := messaging.New(srv.Client()).Runner(func(o *batch.Options) { o.MaxItemsPerCall = 1; o.MaxInFlight = 1 })
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []messaging.Membership{
		{ChannelArn: gone, ChimeBearer: admin, MemberArn: instance + "/user/u1"},
		{ChannelArn: gone, ChimeBearer: admin, MemberArn: instance + "/user/u2"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/alice"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range rep.Outcomes {
		code := batch.Code("OK")
		if o.Err != nil {
			code = o.Err.Code
		}
		fmt.Println(o.Item.MemberArn[len(instance):], code)
	}
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// /user/u1 NotFound
	// /user/u2 NotFound
	// /user/alice OK
	// requests: 2
}

// ExampleAdapter_Batcher adds members one at a time, as request handlers
// would: each Add blocks until its member's outcome, and the Batcher packs
// the members that arrive together into shared calls.
func ExampleAdapter_Batcher() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		channel  = instance + "/channel/general"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)

	b, err := messaging.New(srv.Client()).Batcher(func(o *batch.Options) { o.MaxDelay = 20 * time.Millisecond })
	if err != nil {
		fmt.Println(err)
		return
	}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() { // one handler per member
			defer wg.Done()
			_, errs[i] = b.Add(context.Background(), messaging.Membership{
				ChannelArn: channel, ChimeBearer: admin, MemberArn: fmt.Sprintf("%s/user/u%d", instance, i)})
		}()
	}
	wg.Wait()
	if err := b.Close(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("errors:", errors.Join(errs...))
	fmt.Println("members:", len(srv.Members(channel)))
	// Output:
	// errors: <nil>
	// members: 10
}

// ExampleNewRunner builds a Runner in one step from one Options value: the
// adapter's fields and the engine's (embedded batch.Options) side by side.
// NewRunner checks its arguments.
func ExampleNewRunner() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		general  = instance + "/channel/general"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(general, admin)

	r, err := messaging.NewRunner(srv.Client(), func(o *messaging.Options) {
		o.MaxItemsPerCall = 1 // the adapter's limit: one member per call
		o.MaxInFlight = 2     // the engine's
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []messaging.Membership{
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/alice"},
		{ChannelArn: general, ChimeBearer: admin, MemberArn: instance + "/user/bob"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", rep.Succeeded, "calls:", rep.Stats.Calls)

	_, err = messaging.NewRunner(nil)
	fmt.Println(err)
	// Output:
	// succeeded: 2 calls: 2
	// messaging: NewRunner: client is nil
}

// ExampleResult reads what an added member's Result holds: its ARN and its
// display name. Name is sensitive: keep it out of logs.
func ExampleResult() {
	const (
		instance = "arn:aws:chime:us-east-1:111122223333:app-instance/ai-1"
		channel  = instance + "/channel/general"
		admin    = instance + "/user/admin"
	)
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)

	r, err := messaging.NewRunner(srv.Client())
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := r.Run(context.Background(), []messaging.Membership{
		{ChannelArn: channel, ChimeBearer: admin, MemberArn: instance + "/user/ada"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := rep.Outcomes[0].Value // a messaging.Result
	fmt.Println("added:", res.Arn)
	fmt.Println("display name:", res.Name)
	// Output:
	// added: arn:aws:chime:us-east-1:111122223333:app-instance/ai-1/user/ada
	// display name: ada
}

package main

import (
	"fmt"

	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what the chime adapter wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/chime/chimetest"
)

// kit is a fresh test kit seeded with the state a run of items needs, and a
// metered adapter pointed at it.
type kit[T, R any] struct {
	adapter  batch.Adapter[T, R]
	url      string // the kit's base URL, for runners in other processes
	meter    *meter
	items    []T
	setQuota func(perSecond float64)
	// applied returns how many items the service applied, and how many of
	// them it applied more than once (-1 when the kit cannot tell).
	applied func() (applied, twice int)
	// requests returns the request log; empty unless the kit keeps it.
	requests func() []appstreamtest.Request
	close    func()
}

// kitSpec says what a kit must hold.
type kitSpec struct {
	items   int
	faults  appstreamtest.Faults // Poison is filled in from poison
	poison  []int                // indexes of the poison items
	keepLog bool
}

// newKitFunc builds a kit for a service.
type newKitFunc[T, R any] func(kitSpec) *kit[T, R]

const benchStack = "bench-stack"

// userName is the AppStream user name of item i.
func userName(i int) string { return fmt.Sprintf("user%07d@example.com", i) }

// newAppStreamKit returns a kit for BatchAssociateUserStack: one stack, a
// user per item, all associations to make.
func newAppStreamKit(spec kitSpec) *kit[appstream.Association, appstream.Result] {
	f := spec.faults
	f.Poison = nil
	for _, i := range spec.poison {
		f.Poison = append(f.Poison, userName(i))
	}
	srv := appstreamtest.NewServer(func(o *appstreamtest.Options) {
		o.Faults = f
		o.DiscardLog = !spec.keepLog
	})
	srv.AddStack(benchStack)
	items := make([]appstream.Association, spec.items)
	for i := range items {
		items[i] = appstream.Association{
			StackName:          benchStack,
			UserName:           userName(i),
			AuthenticationType: appstreamtypes.AuthenticationTypeUserpool,
		}
		srv.AddUser(items[i].UserName, items[i].AuthenticationType)
	}
	m := &meter{}
	cfg := srv.Config()
	cfg.HTTPClient = &meteredClient{base: cfg.HTTPClient, m: m}
	client := appstreamsdk.NewFromConfig(cfg)
	return &kit[appstream.Association, appstream.Result]{
		adapter:  metered[appstream.Association, appstream.Result]{Adapter: appstream.New(client, appstream.Associate), m: m},
		url:      srv.URL(),
		meter:    m,
		items:    items,
		setQuota: srv.SetQuota,
		applied: func() (int, int) {
			return len(srv.Associations()), -1
		},
		requests: srv.Requests,
		close:    srv.Close,
	}
}

const benchAccount = "bench-account"

// userID is the Chime user ID of item i.
func userID(i int) string { return fmt.Sprintf("user-%07d", i) }

// newChimeKit returns a kit for BatchUpdateUser: one account with a Basic
// user per item, each to be updated to Pro.
func newChimeKit(spec kitSpec) *kit[chime.UserUpdate, chime.Result] {
	f := spec.faults
	f.Poison = nil
	for _, i := range spec.poison {
		f.Poison = append(f.Poison, userID(i))
	}
	srv := chimetest.NewServer(func(o *chimetest.Options) {
		o.Faults = f
		o.DiscardLog = !spec.keepLog
	})
	items := make([]chime.UserUpdate, spec.items)
	for i := range items {
		items[i] = chime.UserUpdate{AccountId: benchAccount, UserId: userID(i), LicenseType: chimetypes.LicensePro}
		srv.AddUser(benchAccount, items[i].UserId, chimetypes.LicenseBasic)
	}
	m := &meter{}
	cfg := srv.Config()
	cfg.HTTPClient = &meteredClient{base: cfg.HTTPClient, m: m}
	client := chimesdk.NewFromConfig(cfg)
	return &kit[chime.UserUpdate, chime.Result]{
		adapter:  metered[chime.UserUpdate, chime.Result]{Adapter: chime.New(client), m: m},
		url:      srv.URL(),
		meter:    m,
		items:    items,
		setQuota: srv.SetQuota,
		applied: func() (applied, twice int) {
			for _, u := range srv.Users(benchAccount) {
				if u.Updates > 0 {
					applied++
				}
				if u.Updates > 1 {
					twice++
				}
			}
			return applied, twice
		},
		requests: srv.Requests,
		close:    srv.Close,
	}
}

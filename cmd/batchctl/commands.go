package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what update-users calls.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
)

// spec describes a subcommand: its input columns and how to build the
// adapter that runs them.
type spec[T, R any] struct {
	name    string
	service string
	about   string
	// envEndpoint is the SDK's environment variable for the service's
	// endpoint, for example AWS_ENDPOINT_URL_APPSTREAM.
	envEndpoint string
	fields      []field[T]
	// newAdapter builds the adapter on a client made from cfg.
	newAdapter func(cfg aws.Config, o *options) batch.Adapter[T, R]
	// describeKey renders the fields that make item's call key, for a dry
	// run; nil when the operation has no keys.
	describeKey func(item T) string
	// seed adds to the test kits what item needs to succeed, for
	// batchctl fake --state. It returns why it could not, if it could not.
	seed func(k *kits, item T) error
	// clientTokens gives the command --client-token-prefix: its operation
	// takes client tokens.
	clientTokens bool
	// result, when not nil, writes what the operator asked for of the
	// value of an item that succeeded into its outcome line. Only the
	// outcome file receives it.
	result func(value R, line *outcomeRecord)
	// help is a paragraph of the command's help after its columns, or "".
	help string
}

// command is a subcommand with its item type erased.
type command struct {
	name    string
	service string
	about   string
	columns string
	run     func(ctx context.Context, e *env, args []string) int
	// seed seeds the test kits with what the items of a file need.
	seed func(k *kits, path string) (seedReport, error)
}

func (s *spec[T, R]) command() command {
	return command{
		name:    s.name,
		service: s.service,
		about:   s.about,
		columns: newFieldSet(s.fields).names(),
		run: func(ctx context.Context, e *env, args []string) int {
			return runSpec(ctx, e, s, args)
		},
		seed: func(k *kits, path string) (seedReport, error) { return seedFile(s, k, path) },
	}
}

// commands lists the subcommands in the order the usage shows them.
func commands() []command {
	return []command{
		associateSpec(appstream.Associate, "associate", "associate users with AppStream stacks").command(),
		associateSpec(appstream.Disassociate, "disassociate", "disassociate users from AppStream stacks").command(),
		updateUsersSpec().command(),
		createUsersCommand(),
		deleteUsersSpec().command(),
		reinviteUsersSpec().command(),
		suspendUsersSpec().command(),
		resetDevicesSpec().command(),
		lookupUnamesSpec().command(),
		addMembersCommand(),
	}
}

func str[T any](f func(*T) *string) func(*T, string) error {
	return func(item *T, v string) error {
		*f(item) = v
		return nil
	}
}

func boolValue(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("want true or false")
}

func associateSpec(action appstream.Action, name, about string) *spec[appstream.Association, appstream.Result] {
	fields := []field[appstream.Association]{
		{name: "StackName", required: true, set: str(func(a *appstream.Association) *string { return &a.StackName })},
		{name: "UserName", required: true, set: str(func(a *appstream.Association) *string { return &a.UserName })},
		{name: "AuthenticationType", required: true, set: func(a *appstream.Association, v string) error {
			a.AuthenticationType = appstreamtypes.AuthenticationType(v)
			return nil
		}},
	}
	if action == appstream.Associate {
		fields = append(fields, field[appstream.Association]{name: "SendEmailNotification", kind: kindBool, set: func(a *appstream.Association, v string) error {
			b, err := boolValue(v)
			a.SendEmailNotification = b
			return err
		}})
	}
	return &spec[appstream.Association, appstream.Result]{
		name:        name,
		service:     "AppStream " + string(action),
		about:       about,
		envEndpoint: "AWS_ENDPOINT_URL_APPSTREAM",
		fields:      fields,
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[appstream.Association, appstream.Result] {
			return appstream.New(appstreamsdk.NewFromConfig(cfg, func(c *appstreamsdk.Options) { c.BaseEndpoint = endpoint(o, c.BaseEndpoint) }), action)
		},
		seed: func(k *kits, a appstream.Association) error {
			if action == appstream.Disassociate {
				k.appstream.AddAssociation(appstreamtest.Association{StackName: a.StackName, UserName: a.UserName, AuthenticationType: a.AuthenticationType})
				return nil
			}
			k.appstream.AddStack(a.StackName)
			k.appstream.AddUser(a.UserName, a.AuthenticationType)
			return nil
		},
	}
}

func updateUsersSpec() *spec[chime.UserUpdate, chime.Result] {
	return &spec[chime.UserUpdate, chime.Result]{
		name:        "update-users",
		service:     "Amazon Chime " + chime.Operation,
		about:       "change the license (and user type) of Amazon Chime users",
		envEndpoint: "AWS_ENDPOINT_URL_CHIME",
		describeKey: func(u chime.UserUpdate) string { return keyValue("AccountId", u.AccountId) },
		fields: []field[chime.UserUpdate]{
			{name: "AccountId", required: true, set: str(func(u *chime.UserUpdate) *string { return &u.AccountId })},
			{name: "UserId", required: true, set: str(func(u *chime.UserUpdate) *string { return &u.UserId })},
			{name: "LicenseType", set: func(u *chime.UserUpdate, v string) error {
				u.LicenseType = chimetypes.License(v)
				return nil
			}},
			{name: "UserType", set: func(u *chime.UserUpdate, v string) error {
				u.UserType = chimetypes.UserType(v)
				return nil
			}},
		},
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[chime.UserUpdate, chime.Result] {
			return chime.New(chimesdk.NewFromConfig(cfg, func(c *chimesdk.Options) { c.BaseEndpoint = endpoint(o, c.BaseEndpoint) }))
		},
		seed: func(k *kits, u chime.UserUpdate) error {
			k.chime.AddUser(u.AccountId, u.UserId, chimetypes.LicenseBasic)
			return nil
		},
	}
}

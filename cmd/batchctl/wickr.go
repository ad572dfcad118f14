package main

import (
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

func createUsersCommand() command { return createUsersSpec().command() }

func createUsersSpec() *spec[wickr.NewUser, wickr.Result] {
	return &spec[wickr.NewUser, wickr.Result]{
		name:        "create-users",
		service:     "AWS Wickr " + wickr.Operation,
		about:       "create users in AWS Wickr networks",
		envEndpoint: "AWS_ENDPOINT_URL_WICKR",
		describeKey: func(u wickr.NewUser) string { return keyValue("NetworkId", u.NetworkId) },
		fields: []field[wickr.NewUser]{
			{name: "NetworkId", required: true, set: str(func(u *wickr.NewUser) *string { return &u.NetworkId })},
			{name: "Username", required: true, set: str(func(u *wickr.NewUser) *string { return &u.Username })},
			{name: "SecurityGroupIds", aliases: []string{"SecurityGroupId", "SecurityGroup"}, required: true, list: true,
				set: func(u *wickr.NewUser, v string) error {
					if v != "" {
						u.SecurityGroupIds = append(u.SecurityGroupIds, v)
					}
					return nil
				}},
			{name: "FirstName", set: str(func(u *wickr.NewUser) *string { return &u.FirstName })},
			{name: "LastName", set: str(func(u *wickr.NewUser) *string { return &u.LastName })},
			{name: "InviteCode", set: str(func(u *wickr.NewUser) *string { return &u.InviteCode })},
			{name: "InviteCodeTtl", kind: kindInt, set: func(u *wickr.NewUser, v string) error {
				if v == "" {
					return nil
				}
				n, err := strconv.ParseInt(v, 10, 32)
				if err != nil {
					return errors.New("want a whole number of days")
				}
				u.InviteCodeTtl = aws.Int32(int32(n))
				return nil
			}},
			{name: "CodeValidation", kind: kindBool, set: func(u *wickr.NewUser, v string) error {
				if v == "" {
					return nil
				}
				b, err := boolValue(v)
				u.CodeValidation = aws.Bool(b)
				return err
			}},
		},
		seed: func(k *kits, u wickr.NewUser) error {
			k.wickr.AddNetwork(u.NetworkId, u.SecurityGroupIds...)
			return nil
		},
		clientTokens: true,
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[wickr.NewUser, wickr.Result] {
			return wickr.New(wickrClient(cfg, o), wickrOptions(o))
		},
	}
}

// wickrClient returns the Wickr Admin API client of a run.
func wickrClient(cfg aws.Config, o *options) *wickrapi.Client {
	return wickrapi.NewFromConfig(cfg, func(c *wickrapi.Options) { c.BaseEndpoint = endpoint(o, c.BaseEndpoint) })
}

// wickrOptions applies the flags to a Wickr adapter's options.
func wickrOptions(o *options) func(*wickr.Options) {
	return func(wo *wickr.Options) { wo.ClientTokenPrefix = o.clientTokenPrefix }
}

package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

func addMembersCommand() command { return addMembersSpec().command() }

func addMembersSpec() *spec[messaging.Membership, messaging.Result] {
	return &spec[messaging.Membership, messaging.Result]{
		name:    "add-members",
		service: "Amazon Chime SDK Messaging " + messaging.Operation,
		about:   "add members to Amazon Chime SDK messaging channels",
		fields: []field[messaging.Membership]{
			{name: "ChannelArn", required: true, set: str(func(m *messaging.Membership) *string { return &m.ChannelArn })},
			{name: "ChimeBearer", required: true, set: str(func(m *messaging.Membership) *string { return &m.ChimeBearer })},
			{name: "MemberArn", required: true, set: str(func(m *messaging.Membership) *string { return &m.MemberArn })},
			{name: "Type", set: func(m *messaging.Membership, v string) error {
				m.Type = messagingapi.ChannelMembershipType(v)
				return nil
			}},
			{name: "SubChannelId", set: str(func(m *messaging.Membership) *string { return &m.SubChannelId })},
		},
		newAdapter: func(cfg aws.Config, _ *options) batch.Adapter[messaging.Membership, messaging.Result] {
			return messaging.New(messagingapi.NewFromConfig(cfg))
		},
	}
}

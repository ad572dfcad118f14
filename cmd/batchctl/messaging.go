package main

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/messaging"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

func addMembersCommand() command { return addMembersSpec().command() }

func addMembersSpec() *spec[messaging.Membership, messaging.Result] {
	return &spec[messaging.Membership, messaging.Result]{
		name:        "add-members",
		service:     "Amazon Chime SDK Messaging " + messaging.Operation,
		about:       "add members to Amazon Chime SDK messaging channels",
		envEndpoint: "AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING",
		describeKey: func(m messaging.Membership) string {
			parts := []string{keyValue("ChannelArn", m.ChannelArn), keyValue("ChimeBearer", m.ChimeBearer)}
			if m.Type != "" {
				parts = append(parts, keyValue("Type", string(m.Type)))
			}
			if m.SubChannelId != "" {
				parts = append(parts, keyValue("SubChannelId", m.SubChannelId))
			}
			return strings.Join(parts, " ")
		},
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
		seed: func(k *kits, m messaging.Membership) error {
			k.messaging.AddChannel(m.ChannelArn, m.ChimeBearer)
			return nil
		},
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[messaging.Membership, messaging.Result] {
			return messaging.New(messagingapi.NewFromConfig(cfg, func(c *messagingapi.Options) { c.BaseEndpoint = endpoint(o, c.BaseEndpoint) }))
		},
	}
}

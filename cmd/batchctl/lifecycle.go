package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
)

// This file holds the commands of the Wickr user lifecycle: delete-users,
// reinvite-users, suspend-users, reset-devices and lookup-unames (see "The
// user lifecycle" in the wickr package). Like create-users, each takes
// --client-token-prefix, and batchctl fake --state seeds the Wickr kit
// with the users (and devices) their items name.

// wickrNetworkField is the NetworkId column of the lifecycle commands.
func wickrNetworkField[T any](get func(*T) *string) field[T] {
	return field[T]{name: "NetworkId", required: true, set: str(get)}
}

// wickrUserIDField is the UserId column of the lifecycle commands.
func wickrUserIDField[T any](get func(*T) *string) field[T] {
	return field[T]{name: "UserId", required: true, set: str(get)}
}

// userRefSpec is the spec of delete-users and reinvite-users, whose items
// are wickr.UserRef.
func userRefSpec(name, op, about string, newAdapter func(cfg aws.Config, o *options) batch.Adapter[wickr.UserRef, wickr.UserResult]) *spec[wickr.UserRef, wickr.UserResult] {
	return &spec[wickr.UserRef, wickr.UserResult]{
		name:        name,
		service:     "AWS Wickr " + op,
		about:       about,
		envEndpoint: "AWS_ENDPOINT_URL_WICKR",
		describeKey: func(u wickr.UserRef) string { return keyValue("NetworkId", u.NetworkId) },
		fields: []field[wickr.UserRef]{
			wickrNetworkField(func(u *wickr.UserRef) *string { return &u.NetworkId }),
			wickrUserIDField(func(u *wickr.UserRef) *string { return &u.UserId }),
		},
		seed:         func(k *kits, u wickr.UserRef) error { return k.wickrUser(u.NetworkId, u.UserId) },
		clientTokens: true,
		newAdapter:   newAdapter,
	}
}

func deleteUsersSpec() *spec[wickr.UserRef, wickr.UserResult] {
	s := userRefSpec("delete-users", wickr.DeleteOperation, "delete users from AWS Wickr networks",
		func(cfg aws.Config, o *options) batch.Adapter[wickr.UserRef, wickr.UserResult] {
			return wickr.NewDelete(wickrClient(cfg, o), wickrOptions(o))
		})
	s.help = `A user the network does not have (never had, or already deleted) fails as
NotFound; when an earlier call of the run carrying it lost its answer, the
message says that this run may have deleted it.`
	return s
}

func reinviteUsersSpec() *spec[wickr.UserRef, wickr.UserResult] {
	s := userRefSpec("reinvite-users", wickr.ReinviteOperation, "send pending AWS Wickr users their invitation again",
		func(cfg aws.Config, o *options) batch.Adapter[wickr.UserRef, wickr.UserResult] {
			return wickr.NewReinvite(wickrClient(cfg, o), wickrOptions(o))
		})
	s.help = `A user whose invitation is not pending (it has accepted it) fails as Conflict.`
	return s
}

// suspendValue reads Suspend: true or false in any case; an empty CSV value
// leaves the default, true.
func suspendValue(u *wickr.SuspendStatus, v string) error {
	if v == "" {
		return nil
	}
	b, err := boolValue(v)
	if err != nil {
		return err
	}
	u.Suspend = b
	return nil
}

func suspendUsersSpec() *spec[wickr.SuspendStatus, wickr.UserResult] {
	return &spec[wickr.SuspendStatus, wickr.UserResult]{
		name:        "suspend-users",
		service:     "AWS Wickr " + wickr.SuspendOperation,
		about:       "suspend or reinstate AWS Wickr users",
		envEndpoint: "AWS_ENDPOINT_URL_WICKR",
		describeKey: func(u wickr.SuspendStatus) string {
			return keyValue("NetworkId", u.NetworkId) + " " + keyValue("Suspend", strconv.FormatBool(u.Suspend))
		},
		fields: []field[wickr.SuspendStatus]{
			wickrNetworkField(func(u *wickr.SuspendStatus) *string { return &u.NetworkId }),
			wickrUserIDField(func(u *wickr.SuspendStatus) *string { return &u.UserId }),
			{name: "Suspend", kind: kindBool, def: "true", set: suspendValue},
		},
		help: `Suspend is true (suspend) or false (reinstate); a row without it, or with it
empty or null, suspends. Users to suspend and users to reinstate never share a
call, and the order of those calls is not defined: a user given both in one
file ends in either state.`,
		seed:         func(k *kits, u wickr.SuspendStatus) error { return k.wickrUser(u.NetworkId, u.UserId) },
		clientTokens: true,
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[wickr.SuspendStatus, wickr.UserResult] {
			return wickr.NewSuspend(wickrClient(cfg, o), wickrOptions(o))
		},
	}
}

func resetDevicesSpec() *spec[wickr.Device, wickr.DeviceResult] {
	return &spec[wickr.Device, wickr.DeviceResult]{
		name:        "reset-devices",
		service:     "AWS Wickr " + wickr.ResetDevicesOperation,
		about:       "reset devices of AWS Wickr users, which must then log in again",
		envEndpoint: "AWS_ENDPOINT_URL_WICKR",
		describeKey: func(d wickr.Device) string {
			return keyValue("NetworkId", d.NetworkId) + " " + keyValue("UserId", d.UserId)
		},
		fields: []field[wickr.Device]{
			wickrNetworkField(func(d *wickr.Device) *string { return &d.NetworkId }),
			wickrUserIDField(func(d *wickr.Device) *string { return &d.UserId }),
			{name: "AppId", required: true, set: str(func(d *wickr.Device) *string { return &d.AppId })},
		},
		help: `One row per device (AppId); the devices of one user share calls. A user the
network does not have fails all its devices as NotFound.`,
		seed: func(k *kits, d wickr.Device) error {
			if d.AppId == "" {
				return errors.New("AppId is empty")
			}
			if err := k.wickrUser(d.NetworkId, d.UserId); err != nil {
				return err
			}
			k.wickr.AddDevice(d.NetworkId, d.UserId, d.AppId)
			return nil
		},
		clientTokens: true,
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[wickr.Device, wickr.DeviceResult] {
			return wickr.NewResetDevices(wickrClient(cfg, o), wickrOptions(o))
		},
	}
}

func lookupUnamesSpec() *spec[wickr.UnameLookup, wickr.UnameResult] {
	return &spec[wickr.UnameLookup, wickr.UnameResult]{
		name:        "lookup-unames",
		service:     "AWS Wickr " + wickr.LookupOperation,
		about:       "look up the user names of AWS Wickr unames",
		envEndpoint: "AWS_ENDPOINT_URL_WICKR",
		describeKey: func(u wickr.UnameLookup) string { return keyValue("NetworkId", u.NetworkId) },
		fields: []field[wickr.UnameLookup]{
			wickrNetworkField(func(u *wickr.UnameLookup) *string { return &u.NetworkId }),
			{name: "Uname", required: true, set: str(func(u *wickr.UnameLookup) *string { return &u.Uname })},
		},
		help: strings.TrimSpace(`
The user name each uname stands for (often an email address) is the result
asked for: it is written to the outcome file only, as "username" on the line
of each row that succeeded (and again on its line when resumed), never to
standard error, the progress display, the summary or --failed-rows, which
hold no user names for any command. Keep the outcome file as you would the
names (batchctl creates it readable by its owner only). A uname no user of
the network has fails as NotFound.`),
		seed:         func(k *kits, u wickr.UnameLookup) error { return k.wickrUname(u.NetworkId, u.Uname) },
		clientTokens: true,
		result: func(v wickr.UnameResult, line *outcomeRecord) {
			line.Username = aws.String(v.Username)
		},
		newAdapter: func(cfg aws.Config, o *options) batch.Adapter[wickr.UnameLookup, wickr.UnameResult] {
			return wickr.NewLookup(wickrClient(cfg, o), wickrOptions(o))
		},
	}
}

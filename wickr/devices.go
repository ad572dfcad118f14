package wickr

import (
	"context"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
	"github.com/batchkit/batchkit/wickr/wickrapi"
)

// ResetDevicesAPI is the part of the Wickr Admin API client
// [ResetDevicesAdapter] calls. *wickrapi.Client satisfies it.
type ResetDevicesAPI interface {
	BatchResetDevicesForUser(ctx context.Context, params *wickrapi.BatchResetDevicesForUserInput, optFns ...func(*wickrapi.Options)) (*wickrapi.BatchResetDevicesForUserOutput, error)
}

var _ ResetDevicesAPI = (*wickrapi.Client)(nil)

// Device is one item of BatchResetDevicesForUser: a device of an existing
// user, to reset (the device must log in again).
type Device struct {
	// NetworkId is the user's Wickr network: exactly 8 digits. Required.
	NetworkId string

	// UserId is the ID of the user owning the device: 1 to 10 digits.
	// Required. The request names one user in its path, so NetworkId and
	// UserId make the call key: devices of different users never share a
	// call.
	UserId string

	// AppId is the application ID of the device. Required: non-empty valid
	// UTF-8 (the model allows any string; an empty one could not be told
	// from an answer naming nothing). It is the item's identity, compared
	// byte for byte.
	AppId string
}

// DeviceResult is the value of a [Device] that was reset: the successful
// entry naming it.
type DeviceResult struct {
	// AppId is the application ID the entry named, the item's.
	AppId string
}

// ResetDevicesAdapter runs [Device] items through BatchResetDevicesForUser.
// It implements [batch.Adapter] for Device and [DeviceResult]; hand it to
// [batch.New] or use [ResetDevicesAdapter.Runner]. It is safe for
// concurrent use; build one per job.
type ResetDevicesAdapter struct {
	c *core[Device, DeviceResult]
}

var _ batch.Adapter[Device, DeviceResult] = (*ResetDevicesAdapter)(nil)

// NewResetDevices returns a ResetDevicesAdapter that sends calls through
// client. Option functions are applied in order to a zero [Options], as
// for [New].
func NewResetDevices(client ResetDevicesAPI, optFns ...func(*Options)) *ResetDevicesAdapter {
	spec := &opSpec[Device, DeviceResult]{
		name:     ResetDevicesOperation,
		what:     "app ID",
		key:      deviceKey,
		identity: func(d Device) string { return d.AppId },
		validate: validDevice,
		field:    deviceField,
		keyText:  "the network or the user does not exist",
		send: func(ctx context.Context, first Device, ids []string, token string, optFns []func(*wickrapi.Options)) (*listAnswer[DeviceResult], error) {
			out, err := client.BatchResetDevicesForUser(ctx, &wickrapi.BatchResetDevicesForUserInput{
				NetworkId: aws.String(first.NetworkId), UserId: aws.String(first.UserId), AppIds: ids, ClientToken: aws.String(token),
			}, optFns...)
			if err != nil {
				return nil, err
			}
			if out == nil {
				return nil, nil
			}
			a := &listAnswer[DeviceResult]{
				ok:     make([]okEntry[DeviceResult], len(out.Successful)),
				failed: make([]failedEntry, len(out.Failed)),
			}
			for k, e := range out.Successful {
				a.ok[k] = okEntry[DeviceResult]{id: e.AppId, value: DeviceResult{AppId: aws.ToString(e.AppId)}}
			}
			for k, e := range out.Failed {
				a.failed[k] = failedEntry{id: e.AppId, field: e.Field, reason: e.Reason}
			}
			a.md = out.ResultMetadata
			return a, nil
		},
	}
	return &ResetDevicesAdapter{c: newCore(spec, !wire.NoClient(client), optFns)}
}

// NewResetDevicesRunner returns a [batch.Runner] that resets devices through client,
// built in one step from one [Options] and checking its arguments as
// [NewRunner] does.
func NewResetDevicesRunner(client ResetDevicesAPI, optFns ...func(*Options)) (*batch.Runner[Device, DeviceResult], error) {
	o, bo, err := build("NewResetDevicesRunner", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.New[Device, DeviceResult](NewResetDevices(client, o.set), bo)
	return r, named("NewResetDevicesRunner", err)
}

// NewResetDevicesBatcher returns a [batch.Batcher] that takes devices one at a
// time and runs them through client, configured as [NewResetDevicesRunner] is.
// Close it when done.
func NewResetDevicesBatcher(client ResetDevicesAPI, optFns ...func(*Options)) (*batch.Batcher[Device, DeviceResult], error) {
	o, bo, err := build("NewResetDevicesBatcher", client, optFns)
	if err != nil {
		return nil, err
	}
	r, err := batch.NewBatcher[Device, DeviceResult](NewResetDevices(client, o.set), bo)
	return r, named("NewResetDevicesBatcher", err)
}

// deviceKey is the call key of a Device: the network and the user as the
// request's path names them, "12345678/42".
func deviceKey(d Device) string { return d.NetworkId + "/" + d.UserId }

func validDevice(d Device) error {
	if err := validUserRef(d.NetworkId, d.UserId); err != nil {
		return err
	}
	switch {
	case d.AppId == "":
		return batch.InvalidInput("AppId", "AppId is required")
	case !utf8.ValidString(d.AppId):
		return batch.InvalidInput("AppId", "AppId must be valid UTF-8")
	}
	return nil
}

// Runner returns a [batch.Runner] that runs items through a.
func (a *ResetDevicesAdapter) Runner(optFns ...func(*batch.Options)) (*batch.Runner[Device, DeviceResult], error) {
	return batch.New[Device, DeviceResult](a, optFns...)
}

// Batcher returns a [batch.Batcher] that takes items one at a time and runs
// them through a, configured by optFns. Close it when done.
func (a *ResetDevicesAdapter) Batcher(optFns ...func(*batch.Options)) (*batch.Batcher[Device, DeviceResult], error) {
	return batch.NewBatcher[Device, DeviceResult](a, optFns...)
}

// Operation returns [ResetDevicesOperation].
func (a *ResetDevicesAdapter) Operation() string { return ResetDevicesOperation }

// MaxItems returns the most app IDs per call.
func (a *ResetDevicesAdapter) MaxItems() int { return a.c.maxItems }

// Key returns the item's NetworkId and UserId as the request's path names
// them, for example "12345678/42".
func (a *ResetDevicesAdapter) Key(item Device) string { return deviceKey(item) }

// Identity returns the item's AppId, which the answer's entries echo.
func (a *ResetDevicesAdapter) Identity(item Device) string { return item.AppId }

// Validate checks item against the model: NetworkId is exactly 8 digits,
// UserId 1 to 10 digits, AppId non-empty valid UTF-8. It also fails every
// item when [Options.ClientTokenPrefix] is invalid.
func (a *ResetDevicesAdapter) Validate(item Device) error { return a.c.validate(item) }

// Call resets items, which all belong to the user of key, in one
// BatchResetDevicesForUser request, and attributes the answer to them.
func (a *ResetDevicesAdapter) Call(ctx context.Context, key string, items []Device) ([]batch.Result[DeviceResult], error) {
	return a.c.call(ctx, key, items)
}

// Classify turns an error returned by [ResetDevicesAdapter.Call] into a
// [*batch.Error] and its scope, with the rules of [Adapter.Classify]: a
// ResourceNotFoundError (the network or the user does not exist) or a
// ForbiddenError fails every device of the user without more calls.
func (a *ResetDevicesAdapter) Classify(err error) (*batch.Error, batch.Scope) {
	return classifyListCall(ResetDevicesOperation, a.c.spec.keyText, deviceField, err)
}

// ClientToken returns the client token of the first call carrying exactly
// items (they must share a user); see [DeleteAdapter.ClientToken].
func (a *ResetDevicesAdapter) ClientToken(items ...Device) string { return a.c.clientToken(items) }

// Quickstart runs the batch operations that batchkit supports against
// in-memory fakes of the services, with faults, and shows that every item
// ends in exactly one outcome.
//
//	go run ./examples/quickstart
//
// It starts the four public test kits (appstreamtest, chimetest, wickrtest,
// messagingtest) in the process, with a fault plan: 5 to 20 ms of latency
// per request, a request quota answered with the service's throttling error,
// a share of items failing retryably inside a 200 answer, and a few poison
// items that make any call carrying them fail validation as a whole. It
// seeds their state (stacks and users; accounts and users; networks and
// security groups; channels and bearers) and runs
//
//	BatchAssociateUserStack        AppStream, then
//	BatchDisassociateUserStack     AppStream, on the same associations
//	BatchUpdateUser                Amazon Chime
//	BatchCreateUser                AWS Wickr, then the user lifecycle:
//	BatchLookupUserUname           AWS Wickr, the unames of some users created
//	BatchToggleUserSuspendStatus   AWS Wickr, suspending them
//	BatchReinviteUser              AWS Wickr, inviting them again
//	BatchResetDevicesForUser       AWS Wickr, resetting three devices of ten of them
//	BatchDeleteUser                AWS Wickr, deleting them
//	BatchCreateChannelMembership   Amazon Chime SDK Messaging
//
// with a few thousand items each, the four services at the same time. A few
// items of every operation are invalid (they fail validation and are never
// sent), poison (the engine bisects their calls until only they fail) or
// name something that does not exist.
//
// The Wickr lifecycle job works on a tenth of the users the creation
// reported, by the user IDs and unames it returned, plus three bad items per
// operation: one invalid and two naming a user, uname or device the fake
// does not have. Two of the users accept their invitation before the
// reinvite, which fails them with Conflict.
//
// While it runs it draws a one-line progress bar when standard output is a
// terminal, and prints a plain progress line every second otherwise. At the
// end it prints one row per operation: items, succeeded, failed by code,
// calls, retries, throttled calls, elapsed time and items per second.
//
// It checks the accounting itself: every input index must have exactly one
// outcome in the report and exactly one outcome hook call, the counts must
// agree, and every item reported as succeeded must be visible in the fake's
// state (and every failed item must not): a user created, resolved,
// suspended, invited again, a device reset, a user deleted. It exits with status 0 only when
// all of that holds, 1 when something does not add up, and 2 on bad flags.
//
// Every operation runs with the engine's defaults except its retry budget,
// raised to 100,000 item retries: the default budget (1000) counts items, so
// a few throttled calls of 50 or 100 items before the adaptive rate has
// found a quota would spend it.
//
// Flags:
//
//	-items N   items per operation (default 5000)
//	-seed N    seed of the fault plans (default 1)
package main

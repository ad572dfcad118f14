// Package wickrtest provides an in-memory fake of the AWS Wickr Admin API's
// six batch operations on users, for tests, in the manner of
// net/http/httptest: BatchCreateUser, BatchDeleteUser, BatchReinviteUser,
// BatchToggleUserSuspendStatus, BatchResetDevicesForUser and
// BatchLookupUserUname, over one consistent state.
//
// [NewServer] starts a local HTTP server that speaks the service's restJson1
// protocol as clients send and read it, keeps networks, their security
// groups, their users and the users' devices in memory, verifies SigV4
// signatures as AWS does (the test credentials, signing name "wickr", the
// kit's region, a date within 15 minutes of its clock), and hands out a
// configured client:
//
//	srv := wickrtest.NewServer()
//	defer srv.Close()
//	srv.AddNetwork("12345678", "sg-1")
//	client := srv.Client() // *wickrapi.Client pointed at srv
//
// # Wire behaviour
//
// Every operation takes Content-Type application/json, an optional
// X-Client-Token header and a JSON body; the server routes by method and
// path:
//
//	POST  /networks/{networkId}/users                    BatchCreateUser              {"users":[...]}
//	POST  /networks/{networkId}/users/batch-delete       BatchDeleteUser              {"userIds":[...]}
//	PATCH /networks/{networkId}/users/re-invite          BatchReinviteUser            {"userIds":[...]}
//	PATCH /networks/{networkId}/users/toggleSuspend?suspend=true|false
//	                                                     BatchToggleUserSuspendStatus {"userIds":[...]}
//	PATCH /networks/{networkId}/users/{userId}/devices   BatchResetDevicesForUser     {"appIds":[...]}
//	POST  /networks/{networkId}/users/uname-lookup       BatchLookupUserUname         {"unames":[...]}
//
// Every other method or path is an operation the fake does not implement,
// answered with 404 UnknownOperationException.
//
// A request is checked first against the model, then against the service's
// documented rules:
//
//	networkId not 8 digits, users missing, a user without
//	username or securityGroupIds, a security group ID
//	with white space, an X-Client-Token that is not 1-64
//	characters of [a-zA-Z0-9-_:]; userIds, appIds, unames
//	or suspend missing, a user ID (in the body or the
//	path) that is not 1-10 digits                        422 ValidationError with reasons
//	a poison item (Faults.Poison: a user name, user ID,
//	app ID or uname of the request)                      422 ValidationError with reasons
//	more than 50 items                                   400 BadRequestError
//	a body that is not JSON (or a user ID that is a JSON
//	number), suspend other than true or false            400 BadRequestError
//	a client token already used with another request     400 BadRequestError
//	unknown network                                      404 ResourceNotFoundError
//	BatchResetDevicesForUser for a user the network
//	does not have                                        404 ResourceNotFoundError
//	signature, missing or unknown credentials            401 UnauthorizedError
//	                                                     (403 InvalidSignatureException, ...
//	                                                     with Options.GenericAuthErrors)
//	quota exceeded (Faults.Quota)                        429 RateLimitError
//	whole-call failure (Faults.CallFailureRate)          500 InternalServerError
//
// AWS does not document the error for more than 50 users; the kit answers
// BadRequestError, the service's error for a request it refuses on its own
// rules, and keeps ValidationError (422 in the model) for model
// constraints. Refused credentials get Wickr's modeled UnauthorizedError by
// default; AWS's front end may instead answer with the generic 403 errors,
// which [Options.GenericAuthErrors] selects. Errors carry X-Amzn-ErrorType:
// <Name> and a body with the model's lower-case "message".
//
// The service does not document the error for an unknown network on every
// operation (its model shows 404 ResourceNotFoundError for GetNetwork and
// 403 ForbiddenError "Invalid networkId." for BatchResetDevicesForUser); the
// kit answers 404 everywhere. An empty list is answered 200 with nothing in
// it (the service's answer is not documented; the wickr adapters never send
// one).
//
// # BatchCreateUser
//
// The answer is 200 with {"successful":[...],"failed":[...]}, both keys
// always present. Users are judged one by one, in request order: a
// user picked by Faults.ItemFailureRate fails with field "" and a reason
// from [Options.ItemFailureReasons] ("Internal server error, please retry"
// by default, which the wickr adapter retries; the model has no retryable
// item code, so this is a convention of the kit); an empty user name, a user
// name the network already has (including one created earlier in the same
// request), an empty list of security groups, more than one security group
// (the service documents this as an error without saying at which level;
// the kit fails the user) and an unknown security group each give a failed
// entry with userId "0", the field and one of the Reason constants; any
// other user is created, with status 1, an ID increasing within its network
// and an invite code ("INVITE<id>" unless one was given) and uname
// ([UnameOf]). Failed entries never name the user, as in the service.
//
// # The other operations
//
// They answer 200 with {"message":"success" or "partial success",
// "successful":[...],"failed":[...]}. Items are judged one by one, in
// request order, against the state left by the items and requests before
// them; every entry echoes the item's user ID, app ID or uname, as the
// service's do. An item picked by Faults.ItemFailureRate fails with a reason
// from [Options.ItemFailureReasons] and no field, and nothing happens to it.
// Otherwise, with the texts and fields of the model's examples:
//
//	BatchDeleteUser               deletes the user (and its devices); a user ID
//	                              the network does not have (never had, or
//	                              deleted): field "username", ReasonUserNotFound
//	BatchReinviteUser             counts an invitation sent again (User.Reinvites)
//	                              for a pending user (status 1); a user made
//	                              active with [Server.Activate]:
//	                              ReasonCannotReinvite; an unknown user ID:
//	                              ReasonNotInNetwork
//	BatchToggleUserSuspendStatus  sets User.Suspended to the query's suspend
//	                              (setting the state a user has succeeds); an
//	                              unknown user ID: field "username",
//	                              ReasonUserNotFound
//	BatchResetDevicesForUser      counts a reset of the user's device
//	                              (Device.Resets, see [Server.AddDevice]); an
//	                              app ID the user has no device with: field
//	                              "appId", ReasonInvalidAppID
//	BatchLookupUserUname          answers {uname, username} for the uname of a
//	                              user of the network; an unknown uname (of a
//	                              deleted user too): field "uname",
//	                              ReasonUnameNotFound
//
// Whether the service fails or accepts a user already in the requested state
// (suspended twice, deleted twice) is not documented; the kit accepts the
// first (the operation sets a state) and fails the second ("User not
// found", as for any user the network does not have). An item given twice in
// one request is judged twice.
//
// # Idempotency
//
// The first 200 answer given to a client token, by any operation, is kept.
// A later request with the same token, the same method, path (network,
// user) and query, and the same body byte for byte is answered with that
// answer again, without changing anything (logged with the fault
// [FaultReplay]); a request with the same token and anything else, including
// another operation, is refused with 400 BadRequestError. The service
// documents the replay for BatchCreateUser and BatchDeleteUser only; the kit
// does the same for every operation, and does not know whether the service
// shares tokens across operations. Answers other than 200 are not kept, so
// a request refused for its quota or failed with a 5xx can be sent again
// with its token. Tokens do not expire. Requests without X-Client-Token are
// not deduplicated.
//
// # Faults
//
// A malformed answer (Faults.MalformedRate) is, in turn: a truncated body,
// an empty body, a JSON null, the answer followed by a second JSON object,
// a well-formed answer whose entries name items the request did not carry,
// and a well-formed answer whose entries name nobody, with one failed entry
// too many: none of them names an item of the request as done (for
// BatchCreateUser, only the successful entries name users), so an adapter
// must not report any as done. A
// dropped answer (Faults.DropRate) is applied and then the connection is
// closed. Both are applied to the state, and kept for the client token,
// before they are corrupted or dropped, as a real answer lost on the way
// would be: resending the request with its token gets the real answer.
//
// Every request is logged, named by its operation; [Server.Requests]
// returns the log with the status sent and the fault applied. Messages never
// quote first names, last names or invite codes.
package wickrtest

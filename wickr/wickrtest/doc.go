// Package wickrtest provides an in-memory fake of the AWS Wickr Admin API's
// BatchCreateUser operation for tests, in the manner of net/http/httptest.
//
// [NewServer] starts a local HTTP server that speaks the service's restJson1
// protocol as clients send and read it, keeps networks, their security
// groups and their users in memory, verifies SigV4 signatures as AWS does
// (the test credentials, signing name "wickr", the kit's region, a date
// within 15 minutes of its clock), and hands out a configured client:
//
//	srv := wickrtest.NewServer()
//	defer srv.Close()
//	srv.AddNetwork("12345678", "sg-1")
//	client := srv.Client() // *wickrapi.Client pointed at srv
//
// # Wire behaviour
//
// BatchCreateUser is POST /networks/{networkId}/users with Content-Type
// application/json, an optional X-Client-Token header and the body
// {"users":[...]}. Every other method or path is an operation the fake does
// not implement, answered with 404 UnknownOperationException.
//
// A request is checked first against the model, then against the service's
// documented rules:
//
//	networkId not 8 digits, users missing, a user without
//	username or securityGroupIds, a security group ID
//	with white space, an X-Client-Token that is not 1-64
//	characters of [a-zA-Z0-9-_:]                         422 ValidationError with reasons
//	a poison user name (Faults.Poison)                   422 ValidationError with reasons
//	more than 50 users                                   400 BadRequestError
//	a body that is not JSON                              400 BadRequestError
//	a client token already used with another request     400 BadRequestError
//	unknown network                                      404 ResourceNotFoundError
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
// Otherwise the answer is 200 with {"successful":[...],"failed":[...]}, both
// keys always present. Users are judged one by one, in request order: a
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
// and an invite code ("INVITE<id>" unless one was given). Failed entries
// never name the user, as in the service.
//
// # Idempotency
//
// The first 200 answer given to a client token is kept. A later request
// with the same token, the same network and the same body byte for byte is
// answered with that answer again, without creating anybody (logged with
// the fault [FaultReplay]); a request with the same token and anything
// else is refused with 400 BadRequestError. Answers other than 200 are not
// kept, so a request refused for its quota or failed with a 5xx can be sent
// again with its token. Tokens do not expire. Requests without X-Client-Token are
// not deduplicated.
//
// # Faults
//
// A malformed answer (Faults.MalformedRate) is, in turn: a truncated body,
// an empty body, a JSON null, the answer followed by a second JSON object,
// a well-formed answer whose successful entries name users the request did
// not carry, and a well-formed answer whose successful entries name nobody,
// with one failed entry too many: none of them names a user of the request
// as created, so an adapter must not report any as created. A
// dropped answer (Faults.DropRate) is applied and then the connection is
// closed. Both are applied to the state, and kept for the client token,
// before they are corrupted or dropped, as a real answer lost on the way
// would be: resending the request with its token gets the real answer.
//
// Every request is logged; [Server.Requests] returns the log with the
// status sent and the fault applied. Messages never quote first names, last
// names or invite codes.
package wickrtest

// Package chimetest provides an in-memory fake of the Amazon Chime (legacy)
// BatchUpdateUser operation for tests, in the manner of net/http/httptest.
//
// [NewServer] starts a local HTTP server that speaks the service's restJson1
// protocol as the official client sends and reads it, keeps accounts and
// their users in memory, verifies SigV4 signatures as AWS does (the test
// credentials, signing name "chime", the kit's region, a date within 15
// minutes of its clock), and hands out a configured client:
//
//	srv := chimetest.NewServer()
//	defer srv.Close()
//	srv.AddUser("acct-1", "user-1", chimetypes.LicenseBasic)
//	client := srv.Client() // *chimesdk.Client pointed at srv
//
// # Wire behaviour
//
// BatchUpdateUser is POST /accounts/{AccountId}/users without an operation
// query parameter; the same path with ?operation=create, add, suspend or
// unsuspend, GET on it, and every other path are operations the fake does
// not implement, answered with 404 UnknownOperationException, the error AWS
// REST front ends give for a request that matches no operation (what the
// Chime service itself answers is not documented).
//
// A successful request answers 200 with {"UserErrors":[...]}, always with
// the key present. Items are judged one by one, in request order: an item
// picked by Faults.ItemFailureRate gets a retryable code from
// [Options.ItemFailureCodes] and is not applied; an unknown user gets
// NotFound; an invalid LicenseType or UserType gets BadRequest; any other
// item is applied (LicenseType, UserType and AlexaForBusinessMetadata when
// present) and its user's Updates count grows by one.
//
// Errors carry X-Amzn-ErrorType: <Name>Exception and the body
// {"Code":"<short code>","Message":"..."}, as the Go SDK needs to produce
// the modeled error types:
//
//	more than 20 items, a malformed body, a blank
//	UserId, or a poison user (Faults.Poison)      400 BadRequestException (the whole call)
//	unknown account                               404 NotFoundException
//	signature, missing or unknown credentials     401 UnauthorizedClientException
//	                                              (403 InvalidSignatureException, ...
//	                                              with Options.GenericAuthErrors)
//	quota exceeded (Faults.Quota)                 429 ThrottledClientException
//	whole-call failure (Faults.CallFailureRate)   500 ServiceFailureException
//
// Chime's model gives UnauthorizedClientException (401) as the error for a
// client that is not authorized, so that is what refused credentials get by
// default; AWS's front end may instead answer with the generic 403 errors,
// which [Options.GenericAuthErrors] selects.
//
// A malformed answer (Faults.MalformedRate) is, in turn: a truncated body,
// an empty body, a JSON null, the answer followed by a second JSON object,
// and a well-formed answer whose UserErrors names a user the request did not
// carry. A dropped answer (Faults.DropRate) is applied and then the
// connection is closed. Both are applied to the state before they are
// corrupted or dropped, as a real answer lost on the way would be.
//
// Every request is logged; [Server.Requests] returns the log with the
// status sent and the fault applied.
package chimetest

// Package messagingtest provides an in-memory fake of the Amazon Chime SDK
// Messaging BatchCreateChannelMembership operation for tests, in the manner
// of net/http/httptest.
//
// [NewServer] starts a local HTTP server that speaks the service's restJson1
// protocol as batchkit's [messagingapi.Client] (and the official client)
// sends and reads it, keeps channels, their moderators and their members in
// memory, verifies SigV4 signatures as AWS does (the test credentials,
// signing name "chime", the kit's region, a date within 15 minutes of its
// clock), and hands out a configured client:
//
//	srv := messagingtest.NewServer()
//	defer srv.Close()
//	srv.AddChannel(channelArn, moderatorArn)
//	client := srv.Client() // *messagingapi.Client pointed at srv
//
// # Wire behaviour
//
// BatchCreateChannelMembership is POST
// /channels/{ChannelArn}/memberships?operation=batch-create, with the
// channel ARN percent-encoded in the path (its '/' as %2F, so the server
// routes on the escaped path) and the caller's ARN in the
// X-Amz-Chime-Bearer header. The same path without the query
// (CreateChannelMembership), other methods and other paths are operations
// the fake does not implement, answered with 404 UnknownOperationException,
// the error AWS REST front ends give for a request that matches no
// operation.
//
// A successful request answers 200 with
//
//	{"BatchChannelMemberships":{"ChannelArn":...,"InvitedBy":{"Arn":<bearer>,"Name":...},
//	  "Members":[{"Arn":...,"Name":...}],"SubChannelId":...,"Type":"DEFAULT"},"Errors":[...]}
//
// with Members and Errors always present. Names are the last segment of
// each ARN; SubChannelId is present when the request carried one; Type is
// the request's, DEFAULT when it had none. Members are judged one by one,
// in request order: a member picked by Faults.ItemFailureRate gets a
// retryable code from [Options.ItemFailureCodes] and is not added; an ARN
// that is not a user or bot of the channel's app instance
// (<app instance ARN>/user/<id> or /bot/<id>) gets BadRequest ("only
// AppInstanceUsers and AppInstanceBots can be added"); any other member is
// added and listed in Members. Adding an existing member succeeds and only
// counts the add ([Member.Adds]); what the real service answers is not
// documented. An ARN repeated in one request is answered once. A member
// belongs to a channel once per SubChannelId; the fake does not model
// elastic channels beyond that.
//
// Errors carry X-Amzn-ErrorType: <Name>Exception and the body
// {"Code":"<short code>","Message":"..."}, as clients need to produce the
// modeled error types:
//
//	no or more than 100 MemberArns, a malformed body,
//	an ARN, Type or SubChannelId outside the model,
//	no X-Amz-Chime-Bearer, or a poison member ARN
//	(Faults.Poison)                               400 BadRequestException (the whole call)
//	a call that would take the channel beyond
//	Options.MaxMembersPerChannel                  400 ResourceLimitExceededException
//	unknown channel                               404 NotFoundException
//	bearer not a moderator of the channel         403 ForbiddenException
//	signature, missing or unknown credentials     401 UnauthorizedClientException
//	                                              (403 InvalidSignatureException, ...
//	                                              with Options.GenericAuthErrors)
//	quota exceeded (Faults.Quota)                 429 ThrottledClientException
//	whole-call failure (Faults.CallFailureRate)   500 ServiceFailureException
//
// Only moderators given to [Server.AddChannel] may add members; the fake has
// no app instance administrators or member-added members. The service
// model gives UnauthorizedClientException (401) as the error for a client
// that is not authorized, so that is what refused credentials get by
// default; AWS's front end may instead answer with the generic 403 errors,
// which [Options.GenericAuthErrors] selects. Which error the service gives
// an unauthorised bearer is not documented; the fake uses
// ForbiddenException.
//
// A malformed answer (Faults.MalformedRate) is, in turn: a truncated body,
// an empty body, a JSON null, the answer followed by a second JSON object, a
// well-formed answer naming only a member the request did not carry, and a
// well-formed answer naming every member of the request both in Members and
// in Errors. A dropped answer (Faults.DropRate) is applied and then the
// connection is closed. Both are applied to the state before they are
// corrupted or dropped, as a real answer lost on the way would be.
//
// Every request is logged; [Server.Requests] returns the log with the
// status sent and the fault applied.
package messagingtest

// Package appstreamtest provides an in-memory AppStream 2.0 service for
// tests, in the spirit of net/http/httptest: [NewServer] starts an HTTP
// server that serves BatchAssociateUserStack and BatchDisassociateUserStack
// on the service's real wire protocols, and [Server.Config] (or
// [Server.Client]) points the official client at it.
//
//	srv := appstreamtest.NewServer()
//	defer srv.Close()
//	srv.AddStack("Stack")
//	srv.AddUser("jane@example.com", appstreamtypes.AuthenticationTypeUserpool)
//	client := srv.Client()
//
// # Protocols
//
// The server speaks both protocols AppStream accepts:
//
//   - AWS JSON 1.1: POST / with X-Amz-Target
//     PhotonAdminProxyService.BatchAssociateUserStack (or
//     ...BatchDisassociateUserStack) and Content-Type
//     application/x-amz-json-1.1. Answers carry the lower-case "errors"
//     member; errors are {"__type": code, "message": ...}.
//   - Smithy RPC v2 CBOR: POST /service/PhotonAdminProxyService/operation/<Op>
//     with Smithy-Protocol: rpc-v2-cbor and no X-Amz-Target. Answers carry
//     Smithy-Protocol: rpc-v2-cbor and Content-Type application/cbor; errors
//     are a CBOR map with __type and the message, under the key the official
//     client reads: "Message" for the two errors the model defines
//     (InvalidParameterCombinationException, OperationNotPermittedException),
//     "message" for the others (ValidationException, ThrottlingException,
//     InternalFailure, the authentication errors).
//
// aws-sdk-go-v2 service/appstream sends RPC v2 CBOR from v1.64.0 on, and
// AWS JSON 1.1 before; botocore and other SDKs still send AWS JSON 1.1.
// [SentAssociations] decodes a logged request of either protocol.
//
// Every request must be signed with SigV4, as AWS verifies it: with the
// kit's test credentials ([AccessKeyID], [SecretAccessKey]), for the service
// name "appstream" and the kit's region ([Options.Region], by default
// [Region]), dated within 15 minutes of the kit's clock, over the body and
// headers as sent. Otherwise the answer is a 403
// MissingAuthenticationTokenException, UnrecognizedClientException or
// InvalidSignatureException whose message says what is wrong.
//
// # State and semantics
//
// The server holds stacks, users (a name, case-sensitive, and an
// authentication type) and associations, seeded with [Server.AddStack],
// [Server.AddUser] and [Server.AddAssociation] and inspected with
// [Server.Associations] and [Server.IsAssociated]. For each association of a
// call, in order: an unknown stack gives a STACK_NOT_FOUND entry in the
// answer's errors list, an unknown user a USER_NAME_NOT_FOUND entry, and
// otherwise the pair is associated (or disassociated). Associating an
// associated pair and disassociating an absent pair succeed: AWS does not
// document either case, and the kit takes the operations to be idempotent.
//
// Requests are checked against the service model first: a list of 0 or more
// than 25 associations, or an association with a missing or invalid member,
// is a 400 ValidationException (AWS does not document the error for more
// than 25; the kit uses the error AWS uses for model constraints). Messages
// never quote user names.
//
// # Faults
//
// [Faults] (in [Options] and [Server.SetFaults]) adds latency, a request
// quota answered with a 400 ThrottlingException, INTERNAL_ERROR entries for
// a share of associations (which then change nothing), whole-call 500
// InternalFailure answers, responses dropped after the call was applied,
// truncated 200 bodies, and poison user names that make any call carrying
// them fail with a 400 InvalidParameterCombinationException. Draws are seeded,
// so a plan is deterministic for a given order of requests. Every request is
// logged ([Server.Requests]) with its status and the fault applied, one of
// the Fault constants ([FaultPoison] and [FaultItemErrors] label calls the
// kit itself failed).
package appstreamtest

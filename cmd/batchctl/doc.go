// Batchctl runs bulk operations from a CSV or JSONL file through AWS batch
// APIs with batchkit, for operators. Install it with
//
//	go install github.com/batchkit/batchkit/cmd/batchctl@latest
//
// and run
//
//	batchctl <command> --input FILE [flags]
//	batchctl fake [flags]
//	batchctl --version
//
// Commands:
//
//	associate      AppStream BatchAssociateUserStack
//	               StackName, UserName, AuthenticationType [, SendEmailNotification]
//	disassociate   AppStream BatchDisassociateUserStack
//	               StackName, UserName, AuthenticationType
//	update-users   Amazon Chime BatchUpdateUser
//	               AccountId, UserId [, LicenseType, UserType]
//	create-users   AWS Wickr BatchCreateUser
//	               NetworkId, Username, SecurityGroupIds [, FirstName, LastName,
//	               InviteCode, InviteCodeTtl, CodeValidation]
//	delete-users   AWS Wickr BatchDeleteUser
//	               NetworkId, UserId
//	reinvite-users AWS Wickr BatchReinviteUser
//	               NetworkId, UserId
//	suspend-users  AWS Wickr BatchToggleUserSuspendStatus
//	               NetworkId, UserId [, Suspend (default true; false reinstates)]
//	reset-devices  AWS Wickr BatchResetDevicesForUser
//	               NetworkId, UserId, AppId
//	lookup-unames  AWS Wickr BatchLookupUserUname
//	               NetworkId, Uname
//	add-members    Amazon Chime SDK Messaging BatchCreateChannelMembership
//	               ChannelArn, ChimeBearer, MemberArn [, Type, SubChannelId]
//	fake           the test kits on loopback ports, to rehearse a job
//
// # Input
//
// One item per line: CSV with a header row naming the columns, or JSONL
// with one JSON object per line. --format csv|jsonl chooses; by default the
// file extension does (.csv, .jsonl, .ndjson); standard input (--input -)
// needs --format. Column names and JSON keys match the SDK member names,
// ignoring case, '_', '-', '.' and spaces (StackName, stack_name and
// stack-name are the same column). A CSV header naming an unknown column,
// or lacking a required one, stops batchctl before anything is sent. A
// SecurityGroupIds value holds one ID (the service's rule); in CSV several
// are separated by ';', in JSONL they may be an array. Blank lines are
// skipped. The input is read lazily: a run holds a bounded number of items
// whatever the file's size (100,000 rows run in about 25 MB).
//
// Nothing in the input is silently lost or changed:
//
//   - A file is read once before anything is sent, to count and
//     fingerprint it. A CSV quote that is never closed, which would make
//     every line after it part of one value, stops batchctl there, naming
//     the line and the lines that would not have been read. (From standard
//     input, the row fails naming those lines, and the run exits 1.)
//   - No value of these operations holds a line break, so a CSV row that
//     runs over several lines inside quotes fails, naming the lines.
//   - JSONL values must have their field's JSON type: strings for names,
//     IDs and enums, true or false for SendEmailNotification,
//     CodeValidation and Suspend, a whole number for InviteCodeTtl. A number given for
//     AccountId, or "true" (a string) for a boolean, is an error, never
//     converted. A key given twice, in any spelling, is an error.
//   - Values are taken exactly as written and never trimmed: a value with
//     spaces at either end ("Sales ") is rejected, in CSV and JSONL, since
//     it would name another stack, account or user. So is text that is not
//     valid UTF-8.
//
// A malformed line (broken CSV quoting, a wrong number of fields, invalid
// JSON, an unknown, missing or repeated key, a value of the wrong type or
// with spaces around it) does not stop the run: it gets an outcome with
// code InvalidInput and a message naming the line and the field, and the
// other lines go on. Items the service model rejects (validated by the
// adapters before anything is sent) fail the same way.
//
// # Outputs
//
// Every run writes an outcome file: --output FILE (- for standard output),
// or else a new batchctl-COMMAND-DATE-TIME.jsonl in the current directory,
// named in the summary. Its first line records the command, the operation
// and the input's fingerprint (rows and SHA-256); then comes one JSON
// object per input item, in completion order:
//
//	{"index":12,"line":14,"operation":"BatchAssociateUserStack","status":"Failed","code":"NotFound",
//	 "service_code":"STACK_NOT_FOUND","message":"...","field":"StackName","attempts":1,"request_id":"..."}
//
// index is the item's position in the input from 0 (the CSV header and
// blank lines do not count), line the line it starts on. status is
// Succeeded, Failed or Canceled; code is batchkit's normalized code
// (InvalidInput, NotFound, Conflict, Forbidden, Unauthorized, LimitExceeded,
// Throttled, Unavailable, Internal, Unmatched, Canceled, Unknown). The file
// never holds input values: no user names, first or last names, invite
// codes, IDs or ARNs. It is flushed at least every second. A run that ends
// early still accounts for every row of an input file: rows not read are
// written as canceled.
//
// lookup-unames is run for a result, the user name each uname stands for,
// and its outcome lines carry it: "username" on the line of each row that
// succeeded (and on the line of a row resumed, from the resume file). It is
// written there only, never to standard error, the progress display, the
// summary or --failed-rows; keep the file as you would the user names.
//
// --failed-rows FILE receives the input rows that did not succeed (failed
// or canceled), exactly as they were written in the input, after the CSV
// header: fix them and run the file again. It holds input values, and is
// created readable by its owner only.
//
// --summary-json FILE (- for standard output) receives the run's summary:
// items by status and by code, calls, retries, throttled calls, elapsed
// time, the files written and the exit status.
//
// --resume FILE skips the items whose index has status Succeeded in FILE,
// the outcome file of an earlier run. It refuses a file written by another
// command, or for an input whose fingerprint differs: the input must be the
// same file, unchanged (so --resume needs --input FILE, not standard
// input). Skipped items are written to the new outcome file as
// {"index":N,"status":"Succeeded","attempts":0,"resumed":true}, so the new
// file again accounts for every item and can itself be resumed from;
// --output may name the resume file, which is read whole first. For the
// AWS Wickr commands, also pass the same --client-token-prefix to both
// runs: a call the first run sent whose answer was lost, sent again with
// the same content, then carries the same token and is recognised by the
// service instead of creating its users twice (the service documents this
// for BatchCreateUser and BatchDeleteUser).
//
// --dry-run prints the calls a run would make (Runner.Plan: calls per key,
// the key's fields by name, items that fail validation) and sends nothing;
// it needs no credentials. Unlike a run, it holds the whole input in
// memory.
//
// # Sending
//
// --concurrency N calls in flight (default 8). The send rate adapts to
// throttling; --rate R starts it at R calls per second, --max-rate R never
// lets it exceed R, and --fixed-rate sends at --max-rate without adapting.
// --max-attempts N bounds the calls that carry one item (default 5);
// --retry-budget N bounds the item retries of the whole run after errors
// (throttles are free), the library's default of 1000 unless set.
//
// If no call can connect (connection refused, no such host) before any
// call is answered, batchctl stops at once with one message instead of
// retrying every item: the endpoint or region is wrong, or the service
// down.
//
// # Credentials and endpoints
//
// Credentials and region come from the SDK's default chain
// (config.LoadDefaultConfig): environment variables, the shared config and
// credentials files, SSO, web identity, and container or instance roles.
// --profile NAME and --region R override the profile and region.
//
// --endpoint URL sends the calls to URL instead of AWS, for example a test
// kit; so do the SDK's own variables AWS_ENDPOINT_URL_APPSTREAM,
// AWS_ENDPOINT_URL_CHIME, AWS_ENDPOINT_URL_WICKR and
// AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, which --endpoint overrides. With an
// endpoint and no region configured, the region is us-east-1.
//
// batchctl fake starts the four test kits (in-memory fakes speaking each
// service's wire protocol and checking SigV4) on loopback ports and prints
// those variables and the kits' test credentials as shell exports, then
// serves until interrupted. --state COMMAND=FILE seeds the kits with what
// the items of a job file need; --latency, --quota, --item-failure-rate,
// --call-failure-rate, --drop-rate and --malformed-rate add faults. The
// Wickr kit numbers a network's users 1, 2, 3..., so for the Wickr
// lifecycle commands --state creates users 1 to the highest user ID a file
// names (up to 10000), user ID N named fake-user-N, with the devices a
// reset-devices file names; a lookup-unames file seeds the users fake-user-N
// whose unames it holds (in the kit, the first 32 hex digits of the SHA-256
// of the name). batchctl fake prints the users it seeded and counts the
// rows it could not seed.
//
// # Progress, signals and exit status
//
// Progress goes to standard error: on a terminal, a one-line bar redrawn in
// place that fits the terminal's width, with the rate and the time left;
// otherwise a plain line every ten seconds (--progress auto|bar|lines|none).
// A summary follows.
//
// SIGINT (Ctrl-C) and SIGTERM stop the run the same way: sending stops,
// calls in flight are abandoned, every item gets its outcome (those not
// answered are canceled), and the summary says how to resume. A second
// signal quits at once.
//
// The exit status is 0 when every item succeeded (or had succeeded in the
// --resume file); 1 when any item failed or was canceled, the run ended
// early or the input could not be read to its end (and for a dry run that
// found invalid items); 2 on bad flags or unusable files, before anything
// is sent; 130 when interrupted.
package main

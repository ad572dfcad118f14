// Batchctl runs bulk operations from a CSV or JSONL file through AWS batch
// APIs with batchkit, for operators.
//
//	batchctl <command> --input FILE [flags]
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
//	add-members    Amazon Chime SDK Messaging BatchCreateChannelMembership
//	               ChannelArn, ChimeBearer, MemberArn [, Type, SubChannelId]
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
// whatever the file's size (a 100,000-line file runs in under 20 MB).
//
// A malformed line (broken CSV quoting, a wrong number of fields, invalid
// JSON, an unknown or missing JSON key, a value of the wrong type) does not
// stop the run: it gets an outcome with code InvalidInput and a message
// naming the line and the field, and the other lines go on. Items the
// service model rejects (validated by the adapters before anything is sent)
// fail the same way.
//
// # Outcomes
//
// --output FILE (or - for standard output) receives one JSON object per
// input item, in completion order:
//
//	{"index":12,"line":14,"status":"Failed","code":"NotFound","service_code":"STACK_NOT_FOUND",
//	 "message":"the stack does not exist","field":"StackName","attempts":1,"request_id":"..."}
//
// index is the item's position in the input from 0 (the CSV header and
// blank lines do not count), line the line it starts on. status is
// Succeeded, Failed or Canceled; code is batchkit's normalized code
// (InvalidInput, NotFound, Conflict, Forbidden, Unauthorized, LimitExceeded,
// Throttled, Unavailable, Internal, Unmatched, Canceled, Unknown). The file
// never holds input values: no user names, first or last names, invite
// codes, IDs or ARNs. It is flushed at least every second.
//
// --resume FILE skips the items whose index has status Succeeded in FILE,
// an outcome file of an earlier run. It matches by input index only, so the
// input must be the same file, unchanged. Skipped items are written to the
// new output as {"index":N,"status":"Succeeded","attempts":0,"resumed":true},
// so the new file again accounts for every item and can itself be resumed
// from; --output may name the resume file, which is read whole first. For
// create-users, also pass the same --client-token-prefix to both runs: a
// call the first run sent whose answer was lost is then recognised by the
// service instead of creating its users twice (they would fail with
// Conflict).
//
// --dry-run prints the calls a run would make (Runner.Plan: calls per key,
// items that fail validation) and sends nothing; it needs no credentials.
// Unlike a run, it holds the whole input in memory.
//
// # Credentials
//
// Without --endpoint, calls go to AWS. With --endpoint URL (and --region,
// us-east-1 by default) they go to that URL instead, for example a batchkit
// test kit, which verifies SigV4 signatures against its test credentials:
// put those in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
//
// Credentials and region come from the SDK's default chain
// (config.LoadDefaultConfig): environment variables, the shared config and
// credentials files (AWS_PROFILE), SSO, web identity, and container or
// instance roles. --region overrides the region.
//
// # Progress and exit status
//
// Progress goes to standard error: a one-line bar redrawn in place when it
// is a terminal, a plain line every ten seconds otherwise (--progress
// auto|bar|lines|none), then a summary line. The exit status is 0 when every
// item succeeded (or had succeeded in the --resume file), 1 when any item
// failed or was canceled, the run ended early or the input could not be
// read to its end (and for a dry run that found invalid items), and 2 on bad
// flags or unreadable files, before anything is sent.
package main

// Package resttest holds what the tests of awsrest, wickrapi and
// messagingapi share: a recording httptest server ([NewServer]) whose
// replies a test scripts per request (status, headers, body, or a dropped
// connection), an aws.Config pointed at it with static test credentials and
// a zero-backoff standard retryer, an in-memory [StubClient] for endpoint
// tests, and [VerifySignature], which recomputes a request's SigV4
// signature with the SDK's signer. It is for tests only.
package resttest

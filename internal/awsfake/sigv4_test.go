package awsfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignatureRefusals sends one request per refusal AWS makes while
// verifying SigV4, signed by the SDK's own signer, and checks that the
// server refuses it before the handler runs, with the error AWS's JSON
// protocols use and a message that says what is wrong. Before, the server
// re-signed with the region named in the request's own credential scope,
// so a request signed for eu-west-1 passed a server for us-east-1.
func TestSignatureRefusals(t *testing.T) {
	body := []byte(`{"MemberArns":["a"]}`)
	hdr := map[string]string{"X-Amz-Chime-Bearer": "arn:bearer"}
	now := time.Now()
	sign := func(t *testing.T, s *Server, service, region string, creds aws.Credentials, at time.Time) *http.Request {
		return signedFor(t, s, http.MethodPost, messagingPath, body, hdr, service, region, creds, at)
	}
	tests := []struct {
		name    string
		req     func(t *testing.T, s *Server) *http.Request
		code    string
		fault   string
		message string // a part of the message
	}{
		{"accepted", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", Region, testCreds, now)
		}, "", "", ""},
		{"wrong secret", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", Region, aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: "not-the-secret"}, now)
		}, "InvalidSignatureException", FaultSignature, "signature we calculated does not match"},
		{"unknown key", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", Region, aws.Credentials{AccessKeyID: "AKIDSOMEONEELSE", SecretAccessKey: SecretAccessKey}, now)
		}, "UnrecognizedClientException", FaultUnknownKey, "security token included in the request is invalid"},
		{"wrong region", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", "eu-west-1", testCreds, now)
		}, "InvalidSignatureException", FaultSignature, "scoped to a valid region, not 'eu-west-1'. This endpoint serves 'us-east-1'"},
		{"wrong service", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "appstream", Region, testCreds, now)
		}, "InvalidSignatureException", FaultSignature, "scoped to correct service: 'chime'"},
		{"expired date", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", Region, testCreds, now.Add(-16*time.Minute))
		}, "InvalidSignatureException", FaultSignature, "Signature expired"},
		{"future date", func(t *testing.T, s *Server) *http.Request {
			return sign(t, s, "chime", Region, testCreds, now.Add(16*time.Minute))
		}, "InvalidSignatureException", FaultSignature, "Signature not yet current"},
		{"tampered body", func(t *testing.T, s *Server) *http.Request {
			req := sign(t, s, "chime", Region, testCreds, now)
			req.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte(`"a"`), []byte(`"b"`), 1)))
			return req
		}, "InvalidSignatureException", FaultSignature, "signature we calculated does not match"},
		{"tampered header", func(t *testing.T, s *Server) *http.Request {
			req := sign(t, s, "chime", Region, testCreds, now)
			req.Header.Set("X-Amz-Chime-Bearer", "arn:someone-else")
			return req
		}, "InvalidSignatureException", FaultSignature, "signature we calculated does not match"},
		{"missing authorization", func(t *testing.T, s *Server) *http.Request {
			req := sign(t, s, "chime", Region, testCreds, now)
			req.Header.Del("Authorization")
			return req
		}, "MissingAuthenticationTokenException", FaultMissingAuth, "missing authentication token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int64
			s := NewServer(Options{SigningName: "chime"}, answer(ContentTypeJSON, `{}`, &calls))
			defer s.Close()
			status, got, err := do(s, tt.req(t, s))
			require.NoError(t, err)
			log := s.Requests()
			require.Len(t, log, 1)
			if tt.code == "" {
				assert.Equal(t, http.StatusOK, status, "%s", got)
				assert.Equal(t, int64(1), calls.Load())
				return
			}
			var eb struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(got, &eb), "%s", got)
			assert.Equal(t, http.StatusForbidden, status)
			assert.Equal(t, tt.code, eb.Type)
			assert.Contains(t, eb.Message, tt.message)
			assert.Equal(t, int64(0), calls.Load(), "the handler ran")
			assert.Equal(t, tt.fault, log[0].Fault)
		})
	}
}

// TestRegionOption: a server set up for another region accepts requests
// signed for it, refuses those signed for us-east-1, and its Config sets
// it.
func TestRegionOption(t *testing.T) {
	s := NewServer(Options{SigningName: "chime", Region: "eu-west-1"}, answer(ContentTypeJSON, `{}`, nil))
	defer s.Close()
	assert.Equal(t, "eu-west-1", s.Config().Region)
	body := []byte(`{}`)
	status, got, err := do(s, signedFor(t, s, http.MethodPost, messagingPath, body, nil, "chime", "eu-west-1", testCreds, time.Now()))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "%s", got)
	status, got, err = do(s, signedFor(t, s, http.MethodPost, messagingPath, body, nil, "chime", Region, testCreds, time.Now()))
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, status)
	assert.Contains(t, string(got), "not 'us-east-1'. This endpoint serves 'eu-west-1'")
}

// TestSDKWrongRegionRefused: the official client configured for another
// region than the server's is refused with a 403 it reports as an
// InvalidSignatureException, in its own protocol (RPC v2 CBOR).
func TestSDKWrongRegionRefused(t *testing.T) {
	var calls atomic.Int64
	s := NewServer(Options{SigningName: "appstream"}, appstreamAnswer(&calls))
	defer s.Close()
	cfg := s.Config()
	cfg.Region = "eu-west-1"
	_, err := appstreamsdk.NewFromConfig(cfg).BatchAssociateUserStack(context.Background(), appstreamInput())
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "got %v", err)
	assert.Equal(t, "InvalidSignatureException", apiErr.ErrorCode())
	assert.Contains(t, apiErr.ErrorMessage(), "not 'eu-west-1'")
	assert.Equal(t, int64(0), calls.Load())
}

package resttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test credentials and region used by [Server.Config].
const (
	AccessKeyID     = "AKIDEXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	Region          = "us-east-1"
)

// Request is one request the server received.
type Request struct {
	Method     string
	RequestURI string // as on the request line: escaped path and query
	Path       string // decoded path
	RawPath    string // r.URL.EscapedPath()
	RawQuery   string
	Host       string
	Header     http.Header
	Body       []byte
}

// Reply is what the server answers. Drop closes the connection without an
// answer.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
	Drop   bool
}

// Handler decides the reply to the n-th request (from 1). r is the live
// request: its context ends when the client goes away.
type Handler func(n int, r *http.Request, req Request) Reply

// Server is a recording httptest server.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []Request
	handler Handler
}

// NewServer starts a server answering with h and closes it when the test
// ends.
func NewServer(t testing.TB, h Handler) *Server {
	s := &Server{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{
		Method:     r.Method,
		RequestURI: r.RequestURI,
		Path:       r.URL.Path,
		RawPath:    r.URL.EscapedPath(),
		RawQuery:   r.URL.RawQuery,
		Host:       r.Host,
		Header:     r.Header.Clone(),
		Body:       body,
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	n := len(s.reqs)
	s.mu.Unlock()

	reply := Reply{Status: http.StatusOK, Body: "{}"}
	if s.handler != nil {
		reply = s.handler(n, r, req)
	}
	if reply.Drop {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(reply.Status)
	io.WriteString(w, reply.Body)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Config returns an aws.Config pointed at the server: static test
// credentials, [Region], the server's client, and a standard retryer
// without backoff delays.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  Credentials(),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   s.Client(),
		Retryer:      func() aws.Retryer { return NoDelayRetryer() },
	}
}

// Credentials returns a provider of the static test credentials.
func Credentials() aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, Source: "resttest"}, nil
	})
}

// NoDelayRetryer returns a standard retryer whose backoff is zero.
func NoDelayRetryer(optFns ...func(*retry.StandardOptions)) aws.Retryer {
	return retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	}}, optFns...)...)
}

// VerifySignature recomputes the SigV4 signature of req with the SDK's
// signer over the headers req says it signed, and reports a mismatch or a
// credential scope other than the expected one.
func VerifySignature(req Request, signingName, region string) error {
	auth := req.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return fmt.Errorf("authorization %q is not SigV4", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ", ") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	signTime, err := time.Parse("20060102T150405Z", req.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("bad X-Amz-Date: %v", err)
	}
	wantScope := fmt.Sprintf("%s/%s/%s/%s/aws4_request", AccessKeyID, signTime.Format("20060102"), region, signingName)
	if fields["Credential"] != wantScope {
		return fmt.Errorf("credential %q, want %q", fields["Credential"], wantScope)
	}

	u := &url.URL{Scheme: "http", Host: req.Host, Path: req.Path, RawPath: req.RawPath, RawQuery: req.RawQuery}
	r, err := http.NewRequestWithContext(context.Background(), req.Method, u.String(), nil)
	if err != nil {
		return err
	}
	r.URL = u
	r.ContentLength = int64(len(req.Body))
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h == "host" || h == "content-length" {
			continue
		}
		r.Header[http.CanonicalHeaderKey(h)] = req.Header.Values(h)
	}
	sum := sha256.Sum256(req.Body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), signingName, region, signTime); err != nil {
		return err
	}
	if got := r.Header.Get("Authorization"); got != auth {
		return fmt.Errorf("signature mismatch:\n got  %s\n want %s", auth, got)
	}
	return nil
}

// StubClient is an HTTP client that answers every request with 200 and an
// empty JSON object, without a network, and records the requests. It is
// safe for concurrent use.
type StubClient struct {
	mu   sync.Mutex
	reqs []*http.Request
}

// Do records r and answers 200 {}.
func (c *StubClient) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r)
	c.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader("{}")),
		Request:    r,
	}, nil
}

// Requests returns the requests received so far.
func (c *StubClient) Requests() []*http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*http.Request(nil), c.reqs...)
}

package awsrest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/httpbinding"
	"github.com/aws/smithy-go/middleware"
	smithyrand "github.com/aws/smithy-go/rand"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// MaxResponseBytes is the largest response body [Invoke] reads; a longer
// body fails the attempt with a *smithy.DeserializationError.
const MaxResponseBytes = 16 << 20

// Operation describes one request of an operation. Invoke does not modify it
// and may be called with the same Operation concurrently only if its
// decoders are safe for that.
type Operation struct {
	// Name is the operation name, for example "BatchCreateUser".
	Name string

	// Method is the HTTP method.
	Method string

	// Path is the request path as sent on the wire, labels already escaped
	// with [EscapeLabel]. It is appended to the endpoint's own path.
	Path string

	// RawQuery is the encoded query string without "?", or "".
	RawQuery string

	// Header holds the operation's headers (Content-Type, bound members).
	Header http.Header

	// Body is the request payload. It is resent unchanged on every attempt.
	Body []byte

	// DecodeError returns the modeled error for an error code (already
	// sanitized; match it case-insensitively, as the SDK does), nil when the
	// code is not modeled, or a *smithy.DeserializationError when the body
	// does not fit the modeled shape. body is the whole error body.
	DecodeError func(code string, body []byte) error

	// DecodeOutput decodes the body of a 2xx answer. It is called once per
	// successful attempt and must overwrite, not merge into, its result.
	DecodeOutput func(body []byte) error

	// ResultMetadata, when not nil, receives the metadata of the answer
	// Invoke succeeded with, as an SDK client puts it in an output's
	// ResultMetadata: the request ID (awsmiddleware.GetRequestIDMetadata),
	// the raw *smithyhttp.Response (awsmiddleware.GetRawResponse), the time
	// it was received and the server's Date (awsmiddleware.GetResponseAt,
	// GetServerTime). It is left alone when Invoke fails.
	ResultMetadata *middleware.Metadata
}

// EscapeLabel escapes a path label the way the SDK's restJson1 serializers
// do: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX, so ':' is %3A and
// '/' is %2F.
func EscapeLabel(v string) string {
	return httpbinding.EscapePath(v, true)
}

var (
	defaultHTTPClient = NewHTTPClient()
	languageVersion   = strings.TrimPrefix(runtime.Version(), "go")
)

// Invoke sends op with the retries cfg.Retryer allows and returns nil after a
// 2xx answer whose body op.DecodeOutput accepted. Any failure is a
// *smithy.OperationError; the package documentation lists what it wraps.
// Invoke blocks until the call ends: it returns promptly when ctx is done.
// It is safe for concurrent use.
func Invoke(ctx context.Context, svc *Service, cfg *Config, op *Operation) error {
	if err := invoke(ctx, svc, cfg, op); err != nil {
		return svc.OperationError(op.Name, err)
	}
	return nil
}

// call is the state shared by the attempts of one operation call.
type call struct {
	svc          *Service
	cfg          *Config
	op           *Operation
	url          *url.URL
	client       HTTPClient
	invocationID string
	signer       *v4.Signer
	userAgent    string
	payloadHash  string
	maxAttempts  int
}

func invoke(ctx context.Context, svc *Service, cfg *Config, op *Operation) error {
	endpoint, err := svc.resolveEndpoint(cfg)
	if err != nil {
		return fmt.Errorf("failed to resolve service endpoint, %w", err)
	}
	u, err := requestURL(endpoint, op)
	if err != nil {
		return &smithy.SerializationError{Err: err}
	}
	if cfg.Region == "" {
		return errors.New("invalid configuration: missing region")
	}
	id, err := smithyrand.NewUUID(rand.Reader).GetUUID()
	if err != nil {
		return fmt.Errorf("failed to generate invocation id, %w", err)
	}
	sum := sha256.Sum256(op.Body)
	c := &call{
		svc:          svc,
		cfg:          cfg,
		op:           op,
		url:          u,
		client:       cfg.HTTPClient,
		invocationID: id,
		userAgent:    userAgent(svc, cfg.AppID),
		payloadHash:  hex.EncodeToString(sum[:]),
		// A signer of its own: the signer caches derived keys by access key,
		// date, region and service, not by secret, so one shared signer would
		// let a client with a wrong secret break every other client of the
		// process for the rest of the day.
		signer: v4.NewSigner(),
	}
	if c.client == nil {
		c.client = defaultHTTPClient
	}
	return c.run(ctx, asRetryerV2(cfg.Retryer))
}

// run is the retry loop. It follows the bookkeeping of the SDK's
// retry.Attempt middleware step by step, so the retryer's quota, attempt
// tokens and backoff behave as they do inside an SDK client.
func (c *call) run(ctx context.Context, r aws.RetryerV2) error {
	newRetries := os.Getenv("AWS_NEW_RETRIES_2026") == "true"
	c.maxAttempts = r.MaxAttempts()
	releaseRetryToken := nopRelease
	for attempt := 1; ; attempt++ {
		// An attempt that cannot succeed must not touch the token pools.
		if err := ctx.Err(); err != nil {
			return err
		}
		releaseAttemptToken, err := r.GetAttemptToken(ctx)
		if err != nil {
			return fmt.Errorf("failed to get retry Send token, %w", err)
		}

		err = c.attempt(ctx, attempt)

		if relErr := releaseRetryToken(err); relErr != nil && err != nil {
			return fmt.Errorf("failed to release retry token after request error, %w", err)
		}
		if !newRetries || attempt == 1 {
			if relErr := releaseAttemptToken(err); relErr != nil && err != nil {
				return fmt.Errorf("failed to release initial token after request error, %w", err)
			}
		}
		releaseRetryToken = nopRelease
		if err == nil {
			return nil
		}
		if !r.IsErrorRetryable(err) {
			return err
		}
		if c.maxAttempts > 0 && attempt >= c.maxAttempts {
			return &retry.MaxAttemptsError{Attempt: attempt, Err: err}
		}
		release, tokenErr := r.GetRetryToken(ctx, err)
		if tokenErr != nil {
			return errors.Join(err, tokenErr)
		}
		releaseRetryToken = release
		delayAttempt := attempt
		if newRetries {
			delayAttempt = attempt - 1
		}
		delay, delayErr := r.RetryDelay(delayAttempt, err)
		if delayErr != nil {
			return delayErr
		}
		if newRetries {
			delay = adjustForRetryAfter(delay, err)
		}
		if sleepErr := sleep(ctx, delay); sleepErr != nil {
			return &aws.RequestCanceledError{Err: sleepErr}
		}
	}
}

// attempt sends the request once and decodes the answer.
func (c *call) attempt(ctx context.Context, attempt int) error {
	req, err := c.newRequest(ctx, attempt)
	if err != nil {
		return err
	}
	if err := c.sign(ctx, req); err != nil {
		return err
	}

	resp, err := c.client.Do(req)
	if err != nil {
		err = &smithyhttp.RequestSendError{Err: err}
		if ctx.Err() != nil {
			err = &smithy.CanceledError{Err: ctx.Err()}
		}
		// Like the SDK, a transport failure still arrives inside a response
		// error, with an empty response (status 0).
		return responseError(&http.Response{Header: http.Header{}, Body: http.NoBody}, "", err)
	}

	body, readErr := readBody(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	reqID := requestID(resp.Header)
	if readErr != nil {
		var err error = &smithy.DeserializationError{
			Err: fmt.Errorf("failed to read response body, %w", readErr),
		}
		if ctx.Err() != nil {
			err = &smithy.CanceledError{Err: ctx.Err()}
		}
		return responseError(resp, reqID, err)
	}

	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return responseError(resp, reqID, decodeError(resp.Header, body, c.op.DecodeError))
	}
	if c.op.DecodeOutput != nil {
		if err := c.op.DecodeOutput(body); err != nil {
			return responseError(resp, reqID, err)
		}
	}
	if c.op.ResultMetadata != nil {
		*c.op.ResultMetadata = resultMetadata(ctx, resp)
	}
	return nil
}

// resultMetadata returns the metadata an SDK client records for a
// successful answer, recorded by the SDK's own deserialize middlewares
// (RequestIDRetriever, AddRawResponse, RecordResponseTiming) run over resp.
func resultMetadata(ctx context.Context, resp *http.Response) middleware.Metadata {
	raw := &smithyhttp.Response{Response: resp}
	var h middleware.DeserializeHandler = middleware.DeserializeHandlerFunc(
		func(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
			return middleware.DeserializeOutput{RawResponse: raw}, middleware.Metadata{}, nil
		})
	for _, m := range []middleware.DeserializeMiddleware{
		&awsmiddleware.RequestIDRetriever{},
		&awsmiddleware.RecordResponseTiming{DisableClockSkewCorrection: true},
		&awsmiddleware.AddRawResponse{},
	} {
		h = decorated{m, h}
	}
	_, md, _ := h.HandleDeserialize(ctx, middleware.DeserializeInput{})
	return md
}

// decorated runs a deserialize middleware in front of a handler.
type decorated struct {
	m    middleware.DeserializeMiddleware
	next middleware.DeserializeHandler
}

func (d decorated) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return d.m.HandleDeserialize(ctx, in, d.next)
}

// newRequest builds the HTTP request of one attempt.
func (c *call) newRequest(ctx context.Context, attempt int) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, c.op.Method, c.url.String(), bytes.NewReader(c.op.Body))
	if err != nil {
		return nil, &smithy.SerializationError{Err: err}
	}
	// Keep the path exactly as escaped by the operation: the signer and the
	// HTTP client both read URL.EscapedPath, which returns RawPath.
	u := *c.url
	req.URL = &u
	for k, v := range c.op.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	req.Header.Set("Amz-Sdk-Invocation-Id", c.invocationID)
	metric := "attempt=" + strconv.Itoa(attempt)
	if c.maxAttempts != 0 {
		metric += "; max=" + strconv.Itoa(c.maxAttempts)
	}
	req.Header.Set("Amz-Sdk-Request", metric)
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// sign signs req with fresh credentials, or leaves it unsigned when the
// provider is nil or anonymous.
func (c *call) sign(ctx context.Context, req *http.Request) error {
	p := c.cfg.Credentials
	if p == nil || aws.IsCredentialsProvider(p, (*aws.AnonymousCredentials)(nil)) {
		return nil
	}
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("failed to retrieve credentials, %w", err)
	}
	if err := c.signer.SignHTTP(ctx, creds, req, c.payloadHash, c.svc.SigningName, c.cfg.Region, time.Now().UTC()); err != nil {
		return fmt.Errorf("failed to sign request, %w", err)
	}
	return nil
}

// requestURL joins the endpoint and the operation's escaped path.
func requestURL(endpoint *url.URL, op *Operation) (*url.URL, error) {
	u := *endpoint
	raw := strings.TrimSuffix(endpoint.EscapedPath(), "/") + op.Path
	if raw == "" {
		raw = "/"
	}
	p, err := url.PathUnescape(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid request path, %w", err)
	}
	u.Path, u.RawPath = p, raw
	u.RawQuery = op.RawQuery
	u.Fragment, u.RawFragment = "", ""
	return &u, nil
}

// readBody reads and closes body, failing past MaxResponseBytes. A read
// failure is wrapped as a connection error: the answer was cut off in
// transit, which the retryers treat like a dropped connection.
func readBody(body io.ReadCloser) ([]byte, error) {
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, MaxResponseBytes+1))
	if err != nil {
		return b, &smithyhttp.RequestSendError{Err: err}
	}
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("response body exceeds %d bytes", MaxResponseBytes)
	}
	return b, nil
}

// requestID returns the service request ID of a response, from the headers
// the SDK reads.
func requestID(h http.Header) string {
	if v := h.Get("X-Amzn-Requestid"); v != "" {
		return v
	}
	return h.Get("X-Amz-Requestid")
}

func responseError(resp *http.Response, reqID string, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
		RequestID:     reqID,
	}
}

// userAgent builds the User-Agent header in the SDK's format.
func userAgent(svc *Service, appID string) string {
	var b strings.Builder
	b.WriteString(aws.SDKName + "/" + aws.SDKVersion + " ua/2.1 os/" + osName())
	b.WriteString(" lang/go#" + uaToken(languageVersion))
	b.WriteString(" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH)
	b.WriteString(" api/" + uaToken(svc.APIName) + "#" + uaToken(svc.APIVersion))
	b.WriteString(" lib/batchkit")
	if appID != "" {
		b.WriteString(" app/" + uaToken(appID))
	}
	return b.String()
}

func osName() string {
	switch runtime.GOOS {
	case "android", "linux", "windows", "ios":
		return runtime.GOOS
	case "darwin":
		return "macos"
	default:
		return "other"
	}
}

// uaToken replaces the characters a User-Agent token may not hold with '-'.
func uaToken(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case strings.ContainsRune("!$%&'*+-.^_`|~", r):
			return r
		default:
			return '-'
		}
	}, s)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// adjustForRetryAfter applies the x-amz-retry-after header (milliseconds)
// to a backoff, clamped to [backoff, backoff+5s], as the SDK does in its
// 2026 retry mode.
func adjustForRetryAfter(backoff time.Duration, err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		return backoff
	}
	v := re.Response.Header.Get("X-Amz-Retry-After")
	if v == "" {
		return backoff
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 {
		return backoff
	}
	return min(max(time.Duration(ms)*time.Millisecond, backoff), backoff+5*time.Second)
}

func nopRelease(error) error { return nil }

// asRetryerV2 returns r as an aws.RetryerV2, adapting a plain aws.Retryer
// the way the SDK does (GetAttemptToken delegates to GetInitialToken).
func asRetryerV2(r aws.Retryer) aws.RetryerV2 {
	if r == nil {
		return aws.NopRetryer{}
	}
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV1{r}
}

type retryerV1 struct{ aws.Retryer }

func (r retryerV1) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

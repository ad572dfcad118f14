package wire_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/internal/wire"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// timeoutErr is a net.Error-like error that reports a time-out, as the
// transport's own time-out errors do.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// opErr wraps err the way a client of the SDK returns it: an operation
// error around a response error with the given status.
func opErr(status int, err error) error {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
	return &smithy.OperationError{ServiceID: "Test", OperationName: "BatchTest", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp}, Err: err},
	}}
}

// sendErr wraps err the way a client returns a failure of HTTPClient.Do:
// inside a RequestSendError, an empty response error and an operation
// error, after the retryer gave up.
func sendErr(err error) error {
	return &retry.MaxAttemptsError{Attempt: 3, Err: opErr(0, &smithyhttp.RequestSendError{Err: err})}
}

// pastDialError dials with a deadline in the past: the dialer fails at
// once with its own time-out error, without touching the network.
func pastDialError(t *testing.T) error {
	t.Helper()
	d := net.Dialer{Deadline: time.Unix(1, 0)}
	conn, err := d.Dial("tcp", "127.0.0.1:9")
	if conn != nil {
		_ = conn.Close()
	}
	require.Error(t, err)
	return err
}

// clientTimeoutError returns the error of a real http.Client whose Timeout
// ends a request the server never answers. The server holds each request
// until its client goes away, so the time-out always fires first.
func clientTimeoutError(t *testing.T) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := &http.Client{Timeout: 10 * time.Millisecond, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Get(srv.URL)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err)
	return err
}

func TestClassify(t *testing.T) {
	dial := pastDialError(t)
	clientTimeout := clientTimeoutError(t)
	// The bug this package fixes: time-outs satisfy errors.Is with
	// context.DeadlineExceeded, which the adapters took for the run's
	// cancellation.
	require.ErrorIs(t, clientTimeout, context.DeadlineExceeded)
	require.ErrorIs(t, dial, context.DeadlineExceeded)

	reset := &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}
	malformed := &wire.MalformedError{ContentType: "application/json", Reason: "the body is empty"}
	tests := []struct {
		name string
		err  error
		want wire.Kind
	}{
		{"nil", nil, wire.Other},
		{"http.Client.Timeout", clientTimeout, wire.Transport},
		{"http.Client.Timeout sent", sendErr(clientTimeout), wire.Transport},
		{"dial time-out", dial, wire.Transport},
		{"dial time-out sent", sendErr(dial), wire.Transport},
		{"dial refused", sendErr(&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}), wire.Transport},
		{"net.OpError", &net.OpError{Op: "write", Net: "tcp", Err: errors.New("broken")}, wire.Transport},
		{"url.Error time-out", &url.Error{Op: "Post", URL: "https://example.com", Err: timeoutErr{}}, wire.Transport},
		{"url.Error EOF", sendErr(&url.Error{Op: "Post", URL: "https://example.com", Err: io.EOF}), wire.Transport},
		{"time-out without net.Error", fmt.Errorf("reading: %w", timeoutErr{}), wire.Transport},
		{"unexpected EOF", io.ErrUnexpectedEOF, wire.Transport},
		{"unexpected EOF in a 200", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", io.ErrUnexpectedEOF)}), wire.Transport},
		{"connection reset", reset, wire.Transport},
		{"connection reset alone", &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}, wire.Transport},
		{"connection reset sent", sendErr(reset), wire.Transport},
		{"connection reset reading a 200", opErr(200, &smithy.DeserializationError{Err: &smithyhttp.RequestSendError{Err: reset}}), wire.Transport},
		{"closed connection", fmt.Errorf("read: %w", net.ErrClosed), wire.Transport},
		{"max attempts over time-outs", &retry.MaxAttemptsError{Attempt: 3, Err: &url.Error{Op: "Post", URL: "u", Err: timeoutErr{}}}, wire.Transport},
		{"max attempts over reset", &retry.MaxAttemptsError{Attempt: 3, Err: reset}, wire.Transport},
		{"deadline", context.DeadlineExceeded, wire.Transport},
		{"deadline in RequestCanceledError", &smithy.OperationError{Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, wire.Transport},
		{"deadline in CanceledError", &smithy.CanceledError{Err: context.DeadlineExceeded}, wire.Transport},
		{"canceled", context.Canceled, wire.Canceled},
		{"canceled in CanceledError", &smithy.OperationError{Err: &smithy.CanceledError{Err: context.Canceled}}, wire.Canceled},
		{"canceled in RequestCanceledError", &aws.RequestCanceledError{Err: context.Canceled}, wire.Canceled},
		{"canceled sent", sendErr(context.Canceled), wire.Canceled},
		{"canceled and deadline", errors.Join(context.Canceled, context.DeadlineExceeded), wire.Transport},
		{"malformed", malformed, wire.Malformed},
		{"malformed in a 200", opErr(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", malformed)}), wire.Malformed},
		{"malformed read by our client", &retry.MaxAttemptsError{Attempt: 3, Err: opErr(200, &smithy.DeserializationError{Err: &smithyhttp.RequestSendError{Err: malformed}})}, wire.Malformed},
		{"API error", opErr(500, &smithy.GenericAPIError{Code: "InternalFailure"}), wire.Other},
		{"undecodable 200", opErr(200, &smithy.DeserializationError{Err: errors.New("expected String")}), wire.Other},
		{"invalid params", &smithy.OperationError{Err: smithy.InvalidParamsError{Context: "Input"}}, wire.Other},
		{"other", errors.New("boom"), wire.Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want.String(), wire.Classify(tt.err).String(), "Classify(%v)", tt.err)
		})
	}
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "Kind(9)", wire.Kind(9).String())
}

func TestBareCode(t *testing.T) {
	for in, want := range map[string]string{
		"ThrottlingException":                                                                    "ThrottlingException",
		"com.amazon.coral.availability#ThrottlingException":                                      "ThrottlingException",
		"com.amazonaws.appstream#InvalidParameterCombinationException":                           "InvalidParameterCombinationException",
		"InvalidParameterCombinationException:http://internal.amazon.com/coral/":                 "InvalidParameterCombinationException",
		"aws.protocoltests#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/": "FooError",
		"": "",
	} {
		assert.Equal(t, want, wire.BareCode(in), "BareCode(%q)", in)
	}
}

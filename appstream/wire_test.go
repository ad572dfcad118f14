package appstream_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// TestHTTPClientTimeoutIsRetryableUnavailable is the regression test of
// HTTP time-outs failing permanently as Canceled: an http.Client.Timeout
// error satisfies errors.Is with context.DeadlineExceeded, which Classify
// took for the run's cancellation. The kit holds every request far longer
// than the client waits, so the time-out always fires.
func TestHTTPClientTimeoutIsRetryableUnavailable(t *testing.T) {
	srv := newKit(t, func(o *appstreamtest.Options) { o.Faults.Latency = time.Hour })
	items := seed(srv, 2, 1)
	client := srv.Client(func(o *appstreamsdk.Options) {
		o.HTTPClient = &http.Client{Transport: srv.Config().HTTPClient.(*http.Client).Transport, Timeout: 20 * time.Millisecond}
		o.RetryMaxAttempts = 1
	})
	a := appstream.New(client, appstream.Associate)

	_, err := a.Call(context.Background(), "", items)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	e, scope := a.Classify(err)
	assert.Equal(t, batch.CodeUnavailable, e.Code)
	assert.True(t, e.Retryable)
	assert.Equal(t, batch.ScopeCall, scope)
	assert.NotErrorIs(t, e, batch.ErrCanceled)

	rep, err := runWith(t, a, items, func(o *batch.Options) { o.MaxAttempts = 1 })
	require.NoError(t, err)
	for _, o := range rep.Outcomes {
		require.Equal(t, batch.StatusFailed, o.Status)
		assert.Equal(t, batch.CodeUnavailable, o.Err.Code)
		assert.True(t, o.Err.Retryable)
	}
}

// TestMalformedBodiesAreUnmatched sends every 200 answer malformed in one
// way at a time through the official client: no association is reported as
// a success, and every item ends Unmatched and retryable, the rule every
// adapter shares. Before, a body with trailing data after the JSON object
// counted as success (the check read only its first byte), and malformed
// answers were permanent here and retryable in the other adapters.
func TestMalformedBodiesAreUnmatched(t *testing.T) {
	for _, m := range []appstreamtest.Malformation{appstreamtest.MalformTrailing, appstreamtest.MalformTruncated, appstreamtest.MalformEmpty, appstreamtest.MalformNull} {
		t.Run(m.String(), func(t *testing.T) {
			srv := newKit(t, func(o *appstreamtest.Options) {
				o.Faults = appstreamtest.Faults{MalformedRate: 1, Malformation: m}
			})
			items := seed(srv, 3, 1)
			rep, err := runWith(t, appstream.New(srv.Client(), appstream.Associate), items, func(o *batch.Options) { o.MaxAttempts = 2 })
			require.NoError(t, err)
			for _, o := range rep.Outcomes {
				require.Equal(t, batch.StatusFailed, o.Status, "item %d", o.Index)
				assert.Equal(t, batch.CodeUnmatched, o.Err.Code)
				assert.True(t, o.Err.Retryable)
			}
		})
	}
}

// TestTrailingDataAfterAnswerIsNotSuccess is the regression test of a 200
// with data after its document counting as success. The check follows the
// protocol of the client's request: a CBOR request's answer is checked as
// CBOR, so a truncated CBOR map, one followed by more data, or a JSON
// object answered to it is refused too.
func TestTrailingDataAfterAnswerIsNotSuccess(t *testing.T) {
	tests := []struct {
		name string
		ans  answer
	}{
		{"trailing document", malformed(`{"errors":[]}{"errors":[]}`, "a1 66 6572726f7273 80 a0")},
		{"trailing garbage", malformed(`{"errors":[]} <html>`, "a1 66 6572726f7273 80 3c")},
		{"truncated map", malformed(`{"errors":[`, "bf 66 6572726f7273 9f")},
		{"null", malformed("null", "f6")},
		{"answer in the other protocol", func() answer {
			// A JSON object answered to a CBOR request, marked as JSON: the
			// CBOR client would decode it as CBOR all the same.
			a := malformed("\xa1\x66errors\x80", "7b226572726f7273223a5b5d7d")
			a.header = map[string]string{"Content-Type": "application/json"}
			return a
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := appstream.New(crafted(t, func(int, []byte) answer { return tt.ans }), appstream.Associate)
			res, err := a.Call(context.Background(), "", twoItems())
			require.Error(t, err, "Call: got %d results", len(res))
			var me *wire.MalformedError
			require.True(t, errors.As(err, &me), "got %v, want the answer refused as malformed", err)
			e, scope := a.Classify(err)
			assert.Equal(t, batch.CodeUnmatched, e.Code)
			assert.True(t, e.Retryable)
			assert.Equal(t, batch.ScopeCall, scope)
		})
	}
}

// TestUndecodableAnswersAreUnmatched is the regression test of well-formed
// 200 answers the client cannot decode ending Unknown: the RPC v2 CBOR
// client returns a member of the wrong type as a plain error, not a
// smithy.DeserializationError. Such answers, and answers without the
// Smithy-Protocol header a CBOR client requires, are Unmatched and
// retryable like every answer that cannot be read.
func TestUndecodableAnswersAreUnmatched(t *testing.T) {
	proto := clientProtocol(t)
	tests := []struct {
		name string
		ans  answer
		only string
	}{
		{"errors is a string", answer{body: `{"errors":"x"}`}, ""},
		{"an entry is a number", answer{body: `{"errors":[1]}`}, ""},
		{"echo of the wrong type", answer{body: `{"errors":[{"UserStackAssociation":"S","ErrorCode":"INTERNAL_ERROR"}]}`}, ""},
		{"no Smithy-Protocol header", answer{body: `{"errors":[]}`, header: map[string]string{"Smithy-Protocol": ""}}, "cbor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.only != "" && tt.only != proto {
				t.Skipf("a case of the %s protocol; the pinned client speaks %s", tt.only, proto)
			}
			a := appstream.New(crafted(t, func(int, []byte) answer { return tt.ans }), appstream.Associate)
			_, err := a.Call(context.Background(), "", twoItems())
			require.Error(t, err)
			e, scope := a.Classify(err)
			assert.Equal(t, batch.CodeUnmatched, e.Code, "%v", err)
			assert.True(t, e.Retryable)
			assert.Equal(t, batch.ScopeCall, scope)
		})
	}
}

// TestTruncatedCBORAnswerIsUnmatched cuts a real answer of the kit, in
// whichever protocol the pinned client speaks, at every length: no cut is
// ever a success, and every one fails the call Unmatched and retryable.
func TestTruncatedCBORAnswerIsUnmatched(t *testing.T) {
	srv := newKit(t)
	items := seed(srv, 2, 1)
	items = append(items, appstream.Association{StackName: "NoSuchStack", UserName: "x@example.com", AuthenticationType: "USERPOOL"})
	var full []byte
	var header http.Header
	record := func(o *appstreamsdk.Options) {
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := srv.Config().HTTPClient.Do(r)
			if err == nil {
				full, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				header = resp.Header
				resp.Body = io.NopCloser(bytes.NewReader(full))
			}
			return resp, err
		})
	}
	_, err := appstream.New(srv.Client(record), appstream.Associate).Call(context.Background(), "", items)
	require.NoError(t, err)
	require.NotEmpty(t, full)
	for n := range len(full) {
		a := appstream.New(crafted(t, func(int, []byte) answer {
			return answer{raw: &rawBody{json: string(full[:n]), cbor: full[:n]}, header: map[string]string{"Content-Type": header.Get("Content-Type")}}
		}), appstream.Associate, func(o *appstream.Options) {
			o.ClientOptions = append(o.ClientOptions, func(o *appstreamsdk.Options) { o.RetryMaxAttempts = 1 })
		})
		_, err := a.Call(context.Background(), "", items)
		require.Error(t, err, "the first %d of %d bytes read as a success", n, len(full))
		e, _ := a.Classify(err)
		require.Equal(t, batch.CodeUnmatched, e.Code, "the first %d of %d bytes: %v", n, len(full), err)
	}
}

// doFunc is an HTTP client made of a function.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestNilClientFailsClearly checks that appstream.New(nil, op) fails a run
// with one InvalidInput error naming the missing client, like the other
// adapters, while validation and planning need no client.
func TestNilClientFailsClearly(t *testing.T) {
	items := twoItems()
	var typedNil *appstreamsdk.Client
	for _, client := range []appstream.API{nil, typedNil} {
		a := appstream.New(client, appstream.Associate)
		require.NoError(t, a.Validate(items[0]))
		r, err := a.Runner(quick)
		require.NoError(t, err)
		plan, err := r.Plan(items)
		require.NoError(t, err)
		assert.Empty(t, plan.Invalid)

		rep, err := r.Run(context.Background(), items)
		var runErr *batch.Error
		require.True(t, errors.As(err, &runErr), "Run error %v, want the missing client's", err)
		for _, o := range rep.Outcomes {
			require.Equal(t, batch.StatusFailed, o.Status)
			assert.Equal(t, batch.CodeInvalidInput, o.Err.Code)
			assert.Contains(t, o.Err.Error(), "appstream: the adapter has no client")
		}
	}
}

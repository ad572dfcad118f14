package wire

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind is what a call error means on the wire; see [Classify].
type Kind uint8

// The kinds, in the order [Classify] tests them.
const (
	// Other is an error that is none of the kinds below: an HTTP error
	// answer, an answer the client could not decode although it was well
	// formed, a request the client refused to send, ...
	Other Kind = iota
	// Malformed is a 2xx answer whose body [CheckAnswers] refused.
	Malformed
	// Canceled is a context canceled without a deadline running out.
	Canceled
	// Transport is a request that got no complete answer, including every
	// time-out.
	Transport
)

func (k Kind) String() string {
	switch k {
	case Other:
		return "other"
	case Malformed:
		return "malformed"
	case Canceled:
		return "canceled"
	case Transport:
		return "transport"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Classify returns what err, an error returned by an adapter's client,
// means on the wire. The tests, in order:
//
//  1. a [*MalformedError] anywhere in err: [Malformed];
//  2. context.Canceled, unless context.DeadlineExceeded is in err too:
//     [Canceled];
//  3. context.DeadlineExceeded (which http.Client.Timeout errors, net
//     time-outs and smithy.CanceledError or aws.RequestCanceledError over
//     an expired context all satisfy), any error with a Timeout method
//     reporting true, a net.Error (*url.Error, *net.OpError,
//     *net.DNSError, ...), a *smithyhttp.RequestSendError (the HTTP
//     client's Do failed, or the answer's body could not be read),
//     io.ErrUnexpectedEOF, net.ErrClosed, or a reset, refused or aborted
//     connection or a broken pipe: [Transport];
//  4. anything else, including nil: [Other].
//
// An adapter calls it after matching service error codes (an HTTP error
// answer is never a wire failure) and before treating a
// *smithy.DeserializationError of a 2xx answer as unreadable. Classify
// never sees the run's own cancellation, so a deadline in err is always a
// time-out of something else.
func Classify(err error) Kind {
	if err == nil {
		return Other
	}
	var me *MalformedError
	if errors.As(err, &me) {
		return Malformed
	}
	deadline := errors.Is(err, context.DeadlineExceeded)
	switch {
	case errors.Is(err, context.Canceled) && !deadline:
		return Canceled
	case deadline, transport(err):
		return Transport
	}
	return Other
}

// transport reports whether err is a failure of the connection rather than
// an answer.
func transport(err error) bool {
	var send *smithyhttp.RequestSendError
	var netErr net.Error
	var timeout interface{ Timeout() bool }
	switch {
	case errors.As(err, &send), errors.As(err, &netErr):
		return true
	case errors.As(err, &timeout) && timeout.Timeout():
		return true
	}
	for _, target := range []error{
		io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// BareCode returns an error code reduced to the error's bare name, as the
// JSON protocols' clients reduce it before anyone sees it: everything from
// the first ':' is dropped, then everything up to the last '#'.
// "com.amazon.coral.availability#ThrottlingException" is
// "ThrottlingException". The Smithy RPC v2 CBOR clients (AppStream from
// service/appstream v1.64.0 on) strip the namespace only to match the
// errors their model defines, and report any other code as the service
// sent it, namespace included, so an adapter reduces every code before
// looking it up.
func BareCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return code
}

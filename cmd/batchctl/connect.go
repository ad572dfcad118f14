package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	"github.com/batchkit/batchkit/batch"
)

// noConnectionError ends a run in which no call could connect.
type noConnectionError struct {
	err error
}

func (e *noConnectionError) Error() string {
	where := "the service"
	var ue *url.Error
	if errors.As(e.err, &ue) {
		if u, err := url.Parse(ue.URL); err == nil {
			where = u.Scheme + "://" + u.Host
		}
	}
	return fmt.Sprintf("no call could connect to %s (%s): stopped at once instead of retrying every item; check --endpoint (or AWS_ENDPOINT_URL_*), --region and the network",
		where, connectReason(e.err))
}

func (e *noConnectionError) Unwrap() error { return e.err }

// connectReason names why a connection failed, in a few words.
func connectReason(err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host"
	}
	return ""
}

// connWatch ends a run whose calls cannot reach the service at all. When
// a call fails to connect (refused, no such host, no route) before any call
// has been answered, the endpoint is wrong or down: retrying would only
// fail every item as Unavailable after a long while (16 seconds for 59
// items against a closed port, issue 13). Once a call has been answered,
// connection errors are left to the retries. onCall is an OnCall hook: the
// engine calls hooks one at a time, so connWatch needs no lock.
type connWatch struct {
	answered bool
	cancel   context.CancelCauseFunc
}

func (w *connWatch) onCall(ci batch.CallInfo) {
	if !ci.Done || w.answered {
		return
	}
	if ci.Err == nil || connectReason(ci.Err) == "" {
		w.answered = true
		return
	}
	w.cancel(&noConnectionError{err: ci.Err})
}

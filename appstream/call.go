package appstream

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/wire"
)

// Call sends items in one request and maps the answer to one result per
// item, aligned with items.
//
// Items absent from the answer's errors list succeeded. An error entry is
// matched to the item whose (StackName, UserName, AuthenticationType) it
// echoes exactly. When an entry cannot be attributed (no echo, or an echo of
// an association the call did not carry), nobody can tell which item it was
// about, so no item of the call counts as a success: items without an entry
// of their own fail with [batch.CodeUnmatched], and items with one keep it.
//
// A request that failed as a whole returns its error for [Adapter.Classify].
func (a *Adapter) Call(ctx context.Context, _ string, items []Association) ([]batch.Result[Result], error) {
	switch {
	case !a.action.valid():
		return nil, a.unknownAction()
	case wire.NoClient(a.client):
		return nil, a.noClient()
	}
	in := make([]appstreamtypes.UserStackAssociation, len(items))
	for i := range items {
		in[i] = toSDK(&items[i])
	}
	optFns := make([]func(*appstreamsdk.Options), 0, len(a.opts.ClientOptions)+1)
	optFns = append(optFns, a.opts.ClientOptions...)
	optFns = append(optFns, callOptions(ctx))

	var (
		errs []appstreamtypes.UserStackAssociationError
		md   middleware.Metadata
		err  error
	)
	switch a.action {
	case Associate:
		var out *appstreamsdk.BatchAssociateUserStackOutput
		out, err = a.client.BatchAssociateUserStack(ctx, &appstreamsdk.BatchAssociateUserStackInput{UserStackAssociations: in}, optFns...)
		if err == nil && out == nil {
			err = errNoOutput
		}
		if err == nil {
			errs, md = out.Errors, out.ResultMetadata
		}
	case Disassociate:
		var out *appstreamsdk.BatchDisassociateUserStackOutput
		out, err = a.client.BatchDisassociateUserStack(ctx, &appstreamsdk.BatchDisassociateUserStackInput{UserStackAssociations: in}, optFns...)
		if err == nil && out == nil {
			err = errNoOutput
		}
		if err == nil {
			errs, md = out.Errors, out.ResultMetadata
		}
	}
	if err != nil {
		return nil, &callError{err: err, items: items}
	}
	res := a.mapAnswer(items, errs)
	wire.StampRequestID(res, md)
	return res, nil
}

// errNoOutput is returned by Call when the client returned neither an output
// nor an error.
var errNoOutput = errors.New("appstream: the client returned no output and no error")

func toSDK(it *Association) appstreamtypes.UserStackAssociation {
	u := appstreamtypes.UserStackAssociation{
		StackName:          aws.String(it.StackName),
		UserName:           aws.String(it.UserName),
		AuthenticationType: it.AuthenticationType,
	}
	if it.SendEmailNotification {
		u.SendEmailNotification = aws.Bool(true)
	}
	return u
}

// callError carries a call-level error together with the call's items, so
// that Classify can keep user names out of messages.
type callError struct {
	err   error
	items []Association
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// mapAnswer turns the errors list of a 200 answer into per-item results.
func (a *Adapter) mapAnswer(items []Association, errs []appstreamtypes.UserStackAssociationError) []batch.Result[Result] {
	res := make([]batch.Result[Result], len(items))
	unattributed := 0
	for k := range errs {
		e := &errs[k]
		i := match(items, e.UserStackAssociation)
		if i < 0 {
			unattributed++
			continue
		}
		if res[i].Err != nil {
			// A second entry for the same association: the first one stands.
			continue
		}
		res[i].Err = a.itemError(e, &items[i])
	}
	if unattributed > 0 {
		um := &batch.Error{
			Code:      batch.CodeUnmatched,
			Operation: a.Operation(),
			Message:   "the answer holds an error entry that names no association of the call, so it is unknown which item failed",
		}
		for i := range res {
			if res[i].Err == nil {
				res[i].Err = um
			}
		}
	}
	if a.opts.RetryNotFound > 0 {
		a.trackNotFound(items, res)
	}
	return res
}

// match returns the index of the item echoed by u, or -1.
func match(items []Association, u *appstreamtypes.UserStackAssociation) int {
	if u == nil || u.StackName == nil || u.UserName == nil {
		return -1
	}
	for i := range items {
		it := &items[i]
		if it.StackName == *u.StackName && it.UserName == *u.UserName && it.AuthenticationType == u.AuthenticationType {
			return i
		}
	}
	return -1
}

// trackNotFound decides whether NotFound answers are retried, per identity,
// and forgets identities that succeeded. Only called when RetryNotFound > 0.
func (a *Adapter) trackNotFound(items []Association, res []batch.Result[Result]) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range res {
		e := res[i].Err
		switch {
		case e == nil:
			if len(a.notFound) > 0 {
				delete(a.notFound, a.Identity(items[i]))
			}
		case e.Code == batch.CodeNotFound:
			id := a.Identity(items[i])
			n := a.notFound[id] + 1
			if n <= a.opts.RetryNotFound {
				if a.notFound == nil {
					a.notFound = make(map[string]int)
				}
				a.notFound[id] = n
				e.Retryable = true
			} else {
				delete(a.notFound, id)
			}
		}
	}
}

// callOptions returns the per-call option function installed on every call:
// it wraps the client's retryer so that every throttled HTTP attempt is
// reported to the run with [batch.SignalThrottle] and the throttle codes the
// SDK does not know are retried, and it sends requests through
// wire.CheckAnswers, which refuses 200 answers whose body is not exactly one
// document (a JSON object, or a CBOR map for the RPC v2 CBOR protocol). The
// SDK's JSON decoder accepts an empty body or "null" as an answer without
// errors, and reads only the first value of a body with trailing data,
// which would turn every item of the call into a success.
func callOptions(ctx context.Context) func(*appstreamsdk.Options) {
	return func(o *appstreamsdk.Options) {
		if o.Retryer != nil {
			o.Retryer = newThrottleRetryer(ctx, o.Retryer)
		}
		o.HTTPClient = wire.CheckAnswers(o.HTTPClient)
	}
}

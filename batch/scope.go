package batch

import (
	"container/heap"
	"log/slog"
)

// failCall applies a call-level error to the call's items according to its
// scope.
func (rn *run[T, R]) failCall(c *call[T, R], err *Error, scope Scope) {
	now := rn.set.Clock.Now()
	switch scope {
	case ScopeRun:
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, err)
		}
		rn.fatal = err
		if l := rn.set.Logger; l != nil {
			l.LogAttrs(rn.ctx, slog.LevelError, "batch: run ended by a call error",
				slog.String("operation", rn.op), slog.String("code", string(err.Code)), slog.String("service_code", err.ServiceCode))
		}
		rn.halt(StatusFailed, err)
	case ScopeKey:
		ks := c.ks
		if ks.dead == nil {
			ks.dead = err
			rn.dead.put(ks.key, err)
			rn.condemn(ks)
		}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, err)
		}
	case ScopeItems:
		rn.reject(c, err)
	default:
		if err.Retryable && !rn.halted && c.ks.dead == nil {
			rn.resend(c, err, now)
			return
		}
		for _, e := range c.entries {
			rn.retryOrFail(e, err, now, false)
		}
	}
}

// condemn fails every held item of a key whose key-wide error is set, except
// those in flight, which fail when their calls return.
func (rn *run[T, R]) condemn(ks *keyState[T]) {
	for ks.ready.len() > 0 {
		rn.finish(ks.ready.pop(), StatusFailed, ks.dead)
	}
	ks.suspects.drain(func(e *entry[T]) { rn.finish(e, StatusFailed, ks.dead) })
	for ks.released.len() > 0 {
		rn.finish(ks.released.pop(), StatusFailed, ks.dead)
	}
	for e := range ks.parked {
		rn.finish(e, StatusFailed, ks.dead)
	}
	// Resends and waiting retries of the key fail below; items in flight
	// fail when their calls return. None of them is sent again.
	if l := rn.set.Logger; l != nil {
		l.LogAttrs(rn.ctx, slog.LevelWarn, "batch: key failed as a whole",
			slog.String("operation", rn.op), slog.String("key", ks.key), slog.String("code", string(ks.dead.Code)))
	}
	kept := rn.resends[:0]
	for _, c := range rn.resends {
		if c.ks != ks {
			kept = append(kept, c)
			continue
		}
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, ks.dead)
		}
		rn.freeCall(c)
	}
	clear(rn.resends[len(kept):])
	rn.resends = kept
	var keep []*entry[T]
	for _, e := range rn.waiting {
		if e.key == ks {
			rn.finish(e, StatusFailed, ks.dead)
		} else {
			keep = append(keep, e)
		}
	}
	if len(keep) != len(rn.waiting) {
		rn.waiting = append(rn.waiting[:0], keep...)
		heap.Init(&rn.waiting)
	}
}

// deadKeysRemembered is how many condemned keys a run remembers after their
// last held item is reported, so that later items of the key fail without a
// call. The memory stays bounded whatever the input (issue 8, bug 7: 200,000
// condemned keys held 80 MB): an input grouped or sorted by key needs one
// entry, and a key forgotten among more than 4,096 condemned ones costs one
// more call, which fails the same way.
const deadKeysRemembered = 4096

// deadKeys remembers the errors of the most recently condemned keys.
type deadKeys struct {
	errs  map[string]*Error
	order queue[string]
}

func (d *deadKeys) get(key string) *Error { return d.errs[key] }

func (d *deadKeys) put(key string, err *Error) {
	if d.errs == nil {
		d.errs = make(map[string]*Error)
	}
	if _, ok := d.errs[key]; ok {
		return
	}
	if d.order.len() >= deadKeysRemembered {
		delete(d.errs, d.order.pop())
	}
	d.errs[key] = err
	d.order.push(key)
}

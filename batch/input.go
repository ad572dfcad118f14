package batch

import "fmt"

// source yields input items one at a time.
type source[T any] interface {
	next() (T, srcState)
}

// srcState says what a source's next returned.
type srcState uint8

const (
	srcItem srcState = iota // an item
	srcEnd                  // the input has ended
	srcDry                  // no item now; more may come (a Batcher's feed)
)

type sliceSource[T any] struct {
	items []T
	i     int
}

func (s *sliceSource[T]) next() (T, srcState) {
	if s.i >= len(s.items) {
		var zero T
		return zero, srcEnd
	}
	s.i++
	return s.items[s.i-1], srcItem
}

type pullSource[T any] struct{ pull func() (T, bool) }

func (s pullSource[T]) next() (T, srcState) {
	it, ok := s.pull()
	if !ok {
		return it, srcEnd
	}
	return it, srcItem
}

// fill reads input until the buffer is full or the input ends.
func (rn *run[T, R]) fill() {
	for rn.canFill() {
		if rn.ctx.Err() != nil {
			rn.cancel()
			return
		}
		item, st := rn.src.next()
		switch st {
		case srcEnd:
			rn.inputDone = true
			return
		case srcDry:
			// Nothing to read now: wait watches the feed (invariant 1).
			rn.dry = true
			return
		}
		e := rn.newEntry()
		e.index, e.item = rn.read, item
		if rn.feed != nil {
			e.added = rn.set.Clock.Now()
		}
		rn.read++
		rn.held++
		key, id, err := rn.prepare(item)
		if err != nil {
			rn.finish(e, StatusFailed, err)
			continue
		}
		ks := rn.keys[key]
		if ks == nil {
			if dead := rn.dead.get(key); dead != nil {
				rn.finish(e, StatusFailed, dead)
				continue
			}
			ks = &keyState[T]{key: key}
			rn.keys[key] = ks
		}
		ks.refs++
		e.key, e.id = ks, id
		if ks.dead != nil {
			rn.finish(e, StatusFailed, ks.dead)
			continue
		}
		rn.makeReady(e)
	}
}

// prepare validates an item and computes its key and identity. A panic in
// the adapter fails only this item.
func (rn *run[T, R]) prepare(item T) (key, id string, err *Error) {
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Code: CodeInternal, Operation: rn.op, Message: fmt.Sprintf("adapter panicked while validating the item: %v", p)}
		}
	}()
	if verr := rn.a.Validate(item); verr != nil {
		e := AsError(verr)
		if e.Code == CodeUnknown && e.Err == verr {
			e = &Error{Code: CodeInvalidInput, Err: verr}
		}
		if e.Operation == "" {
			e.Operation = rn.op
		}
		return "", "", e
	}
	return rn.a.Key(item), rn.a.Identity(item), nil
}

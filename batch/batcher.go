package batch

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by [Batcher.Add] and [Batcher.AddAsync] after
// [Batcher.Close].
var ErrClosed = errors.New("batch: batcher is closed")

// Batcher runs items that arrive one at a time through one batch
// operation, on the same engine as a [Runner]: the same ledger, retries,
// isolation of bad items, send rate and hooks. A call goes out when it is
// full, or when its oldest item has waited [Options.MaxDelay]. Build it with
// [NewBatcher] (or an adapter's Batcher method) and Close it when done.
//
// A Batcher is safe for concurrent use: many goroutines may Add at once. It
// runs one goroutine of its own, plus one per call in flight, all of which
// have exited when Close returns.
//
// Each item gets exactly one outcome, delivered to its [Pending]. Add and
// AddAsync block while the Batcher holds [Options.MaxBuffered] items not
// yet answered plus one call's worth waiting to be read, until room frees
// up or the caller's context ends.
type Batcher[T, R any] struct {
	feed   *feed[*Pending[T, R]]
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why the run ended; read after done is closed
}

// Pending is an item added to a [Batcher], waiting for its outcome.
type Pending[T, R any] struct {
	item T
	ctx  context.Context
	done chan struct{}
	out  Outcome[T, R]
}

// Done is closed when the item's outcome is known.
func (p *Pending[T, R]) Done() <-chan struct{} { return p.done }

// Outcome returns the item's outcome. It is valid once Done is closed. Its
// Index is the order in which the Batcher took the item in, from 0.
func (p *Pending[T, R]) Outcome() Outcome[T, R] {
	<-p.done
	return p.out
}

// Wait blocks until the item's outcome is known or ctx ends. It returns the
// item's value, or its [*Error] when it failed or was canceled, or the
// context's error when ctx ended first; the item then goes on, and its
// outcome can still be read.
func (p *Pending[T, R]) Wait(ctx context.Context) (R, error) {
	var zero R
	if ctx == nil {
		return zero, errNilContext
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		select {
		case <-p.done:
		default:
			return zero, context.Cause(ctx)
		}
	}
	if p.out.Err != nil {
		return zero, p.out.Err
	}
	return p.out.Value, nil
}

// NewBatcher returns a Batcher for adapter with the options optFns set,
// as [New] does for a Runner, and starts its goroutine. It fails when New
// would.
func NewBatcher[T, R any](adapter Adapter[T, R], optFns ...func(*Options)) (*Batcher[T, R], error) {
	if adapter == nil {
		return nil, errors.New("batch: adapter is nil")
	}
	r, err := New[*Pending[T, R], R](batcherAdapter[T, R]{adapter}, optFns...)
	if err != nil {
		return nil, err
	}
	f := &feed[*Pending[T, R]]{
		limit:     r.set.maxItems,
		space:     make(chan struct{}),
		avail:     make(chan struct{}, 1),
		withdrawn: func(p *Pending[T, R]) bool { return p.ctx.Err() != nil },
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Batcher[T, R]{feed: f, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		_, runErr := r.execute(ctx, f, func(o *Outcome[*Pending[T, R], R]) bool {
			o.Item.deliver(Outcome[T, R]{Index: o.Index, Item: o.Item.item, Status: o.Status,
				Value: o.Value, Err: o.Err, Attempts: o.Attempts})
			return true
		})
		// The run ended: after Close, or because an error ended it (refused
		// credentials) or Close's context did. Items never read get the
		// error; later Adds return it.
		st, unread := unreadOutcome(r.adapter.Operation(), runErr)
		if runErr == nil {
			runErr = ErrClosed
		}
		b.err = runErr
		for _, p := range f.end(runErr) {
			// Every outcome goes through the hook exactly once, as in a
			// Runner's items never read.
			if h := r.set.Hooks.OnOutcome; h != nil {
				h(OutcomeInfo{Operation: r.adapter.Operation(), Index: -1, Status: st, Err: unread})
			}
			p.deliver(Outcome[T, R]{Index: -1, Item: p.item, Status: st, Err: unread})
		}
	}()
	return b, nil
}

// Add adds item and blocks until its outcome is known. It returns the
// item's value, or its [*Error] when it failed or was canceled. When ctx
// ends first, Add returns the context's error: an item not yet sent is then
// withdrawn and never sent; one already sent goes on.
//
// Add returns [ErrClosed] after Close, and the run's error when an error
// ended the Batcher's run.
func (b *Batcher[T, R]) Add(ctx context.Context, item T) (R, error) {
	p, err := b.AddAsync(ctx, item)
	if err != nil {
		var zero R
		return zero, err
	}
	return p.Wait(ctx)
}

// AddAsync adds item and returns at once with its [Pending], or blocks
// while the Batcher is full. ctx governs the item: when it ends before the
// item is sent, the item is withdrawn and its outcome is [StatusCanceled];
// once sent, the item goes on and its outcome is delivered whatever ctx.
func (b *Batcher[T, R]) AddAsync(ctx context.Context, item T) (*Pending[T, R], error) {
	if ctx == nil {
		return nil, errNilContext
	}
	p := &Pending[T, R]{item: item, ctx: ctx, done: make(chan struct{})}
	if err := b.feed.add(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Close stops accepting items, sends every pending call without waiting
// for it to fill, and waits until every item added has its outcome. When
// ctx ends first, items not yet answered are canceled, as when a run's
// context ends, and Close returns the context's error once every goroutine
// has exited. Close may be called more than once.
func (b *Batcher[T, R]) Close(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	b.feed.close()
	select {
	case <-b.done:
	case <-ctx.Done():
		b.cancel()
		<-b.done
		return context.Cause(ctx)
	}
	b.cancel()
	if errors.Is(b.err, ErrClosed) {
		return nil
	}
	return b.err
}

func (p *Pending[T, R]) deliver(o Outcome[T, R]) {
	p.out = o
	close(p.done)
}

// batcherAdapter runs a Batcher's pending items through the adapter.
type batcherAdapter[T, R any] struct{ a Adapter[T, R] }

func (b batcherAdapter[T, R]) Operation() string                { return b.a.Operation() }
func (b batcherAdapter[T, R]) MaxItems() int                    { return b.a.MaxItems() }
func (b batcherAdapter[T, R]) Key(p *Pending[T, R]) string      { return b.a.Key(p.item) }
func (b batcherAdapter[T, R]) Identity(p *Pending[T, R]) string { return b.a.Identity(p.item) }
func (b batcherAdapter[T, R]) Validate(p *Pending[T, R]) error  { return b.a.Validate(p.item) }
func (b batcherAdapter[T, R]) Classify(err error) (*Error, Scope) {
	return b.a.Classify(err)
}

func (b batcherAdapter[T, R]) Call(ctx context.Context, key string, ps []*Pending[T, R]) ([]Result[R], error) {
	items := make([]T, len(ps))
	for i, p := range ps {
		items[i] = p.item
	}
	return b.a.Call(ctx, key, items)
}

// feed is a Batcher's intake: items added by callers, read by the run. It
// holds at most limit items; adders wait for room.
type feed[T any] struct {
	mu     sync.Mutex
	items  queue[T]
	limit  int
	closed bool
	ended  error         // set when the run ended: nothing more is read
	space  chan struct{} // closed, and replaced, when a full feed gives an item
	// avail holds a token when items were added or the feed closed since the
	// run last found it dry; the run waits on it (see run.loop).
	avail chan struct{}
	// withdrawn reports an item whose caller gave up before it was sent.
	withdrawn func(T) bool
}

func (f *feed[T]) next() (T, srcState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var zero T
	if f.items.len() > 0 {
		full := f.items.len() >= f.limit
		it := f.items.pop()
		if full {
			close(f.space)
			f.space = make(chan struct{})
		}
		return it, srcItem
	}
	if f.closed {
		return zero, srcEnd
	}
	return zero, srcDry
}

func (f *feed[T]) add(ctx context.Context, it T) error {
	for {
		f.mu.Lock()
		switch {
		case f.ended != nil:
			err := f.ended
			f.mu.Unlock()
			return err
		case f.closed:
			f.mu.Unlock()
			return ErrClosed
		case f.items.len() < f.limit:
			f.items.push(it)
			f.mu.Unlock()
			f.poke()
			return nil
		}
		space := f.space
		f.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

func (f *feed[T]) poke() {
	select {
	case f.avail <- struct{}{}:
	default:
	}
}

func (f *feed[T]) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.poke()
}

// end marks the run ended with err and returns the items it never read.
func (f *feed[T]) end(err error) []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = err
	var rest []T
	for f.items.len() > 0 {
		rest = append(rest, f.items.pop())
	}
	close(f.space)
	f.space = make(chan struct{})
	return rest
}

package batch

import (
	"context"
	"errors"
	"iter"
)

// Runner runs items through one batch operation. Build it with [New]; it is
// safe for concurrent use, and each Run or Stream is independent.
type Runner[T, R any] struct {
	adapter Adapter[T, R]
	set     settings
}

// New returns a Runner for adapter. Option functions are applied to a zero
// [Options] in order. It fails when adapter is nil, when its MaxItems is not
// positive, or when an option is out of range.
func New[T, R any](adapter Adapter[T, R], optFns ...func(*Options)) (*Runner[T, R], error) {
	if adapter == nil {
		return nil, errors.New("batch: adapter is nil")
	}
	var opts Options
	for _, fn := range optFns {
		fn(&opts)
	}
	set, err := newSettings(opts, adapter.MaxItems())
	if err != nil {
		return nil, err
	}
	return &Runner[T, R]{adapter: adapter, set: set}, nil
}

// Run processes items and returns one outcome per item, in input order. It
// blocks until every item has an outcome and every goroutine it started has
// exited.
func (r *Runner[T, R]) Run(ctx context.Context, items []T) (*Report[T, R], error) {
	panic("batch: Run not implemented yet")
}

// Stream processes items lazily and yields outcomes as calls complete.
func (r *Runner[T, R]) Stream(ctx context.Context, items iter.Seq[T]) iter.Seq2[Outcome[T, R], error] {
	panic("batch: Stream not implemented yet")
}

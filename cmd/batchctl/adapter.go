package main

import (
	"context"

	"github.com/batchkit/batchkit/batch"
)

// recordAdapter runs input records through a service adapter. Records carry
// their input position and line, and malformed lines ride along as records
// that fail validation: the engine then reports them as InvalidInput
// outcomes like any invalid item, and every record gets exactly one outcome.
type recordAdapter[T, R any] struct {
	inner batch.Adapter[T, R]
}

var _ batch.Adapter[record[struct{}], struct{}] = recordAdapter[struct{}, struct{}]{}

func (a recordAdapter[T, R]) Operation() string { return a.inner.Operation() }

func (a recordAdapter[T, R]) MaxItems() int { return a.inner.MaxItems() }

func (a recordAdapter[T, R]) Key(rec record[T]) string { return a.inner.Key(rec.item) }

func (a recordAdapter[T, R]) Identity(rec record[T]) string { return a.inner.Identity(rec.item) }

func (a recordAdapter[T, R]) Validate(rec record[T]) error {
	if rec.bad != nil {
		return rec.bad
	}
	return a.inner.Validate(rec.item)
}

func (a recordAdapter[T, R]) Call(ctx context.Context, key string, recs []record[T]) ([]batch.Result[R], error) {
	items := make([]T, len(recs))
	for i := range recs {
		items[i] = recs[i].item
	}
	return a.inner.Call(ctx, key, items)
}

func (a recordAdapter[T, R]) Classify(err error) (*batch.Error, batch.Scope) {
	return a.inner.Classify(err)
}

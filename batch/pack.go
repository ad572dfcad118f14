package batch

// maxSkipFactor bounds how far packing looks past items whose identity is
// already in the call: at most maxSkipFactor calls' worth. Inputs with long
// runs of one identity then make short calls instead of quadratic scans.
const maxSkipFactor = 4

// pack moves entries from q into out until out holds limit entries, never
// two with the same identity, keeping the order of q for what it leaves.
// seen holds the identities already in out; the caller clears it for a new
// call. skip is scratch space owned by the caller.
func pack[T any](q *queue[*entry[T]], limit int, out []*entry[T], seen map[string]struct{}, skip []*entry[T]) ([]*entry[T], []*entry[T]) {
	skip = skip[:0]
	for q.len() > 0 && len(out) < limit && len(skip) < maxSkipFactor*limit {
		e := q.pop()
		if _, dup := seen[e.id]; dup {
			skip = append(skip, e)
			continue
		}
		seen[e.id] = struct{}{}
		out = append(out, e)
	}
	q.pushFront(skip)
	clear(skip)
	return out, skip[:0]
}

// planCalls groups items by key, in order of each key's first appearance, and
// packs each key's items into calls of at most limit items with distinct
// identities. keys and ids are aligned; the result holds indexes into them.
// It is the same packing the runner does, without time.
func planCalls(keys, ids []string, limit int) []PlannedCall {
	type group struct {
		key string
		q   queue[*entry[struct{}]]
	}
	var order []*group
	byKey := make(map[string]*group)
	for i := range keys {
		g := byKey[keys[i]]
		if g == nil {
			g = &group{key: keys[i]}
			byKey[keys[i]] = g
			order = append(order, g)
		}
		g.q.push(&entry[struct{}]{index: i, id: ids[i]})
	}
	var (
		calls []PlannedCall
		out   []*entry[struct{}]
		skip  []*entry[struct{}]
		seen  = make(map[string]struct{})
	)
	for _, g := range order {
		for g.q.len() > 0 {
			clear(seen)
			out, skip = pack(&g.q, limit, out[:0], seen, skip)
			idx := make([]int, len(out))
			for i, e := range out {
				idx[i] = e.index
			}
			calls = append(calls, PlannedCall{Key: g.key, Indexes: idx})
		}
	}
	return calls
}

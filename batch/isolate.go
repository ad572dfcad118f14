package batch

// Isolating bad items (promise 6, issue 10).
//
// When the service rejects a call as a whole for bad input (ScopeItems), the
// call's items become suspects. A suspect is tested a part at a time: each
// test call carries a few suspects and is filled up with fresh items of the
// same key, so a test that passes does a full call's work. An item is
// convicted, failing with the service's error, only when its guilt is
// proven:
//
//   - it was rejected alone, or
//   - by elimination: every other item of a rejected call it was in has
//     since been answered (the service accepted it as valid input in some
//     call), so it alone can explain the rejection.
//
// A rejected test call makes its tested suspects the suspects of a smaller
// group, tested a part at a time again; its fresh items go back to the
// pending queue, where they are answered by later calls and so clear the
// way for elimination. A suspect that is the only suspect of a rejected test
// call is parked: it waits to be convicted by elimination instead of costing
// a call of its own. Should every rejected call it was in lose a member that
// can no longer be answered (failed for another reason, or itself
// convicted), it is tested again.
//
// The other suspects of the tested call are held meanwhile, neither tested
// nor sent: a test call also carries fresh items, and one of those may be
// the bad item it was rejected for (at one bad item in 200, a quarter of
// the rejections of a test of a quarter). Once a suspect of the smaller
// group is convicted, the held suspects go back to the pending queue as
// fresh items (the rejection is explained); should the smaller group's
// suspects all turn out good instead, the held suspects are tested again.
// Releasing them at the rejection instead sent the bad item, when the fresh
// items were the cause, back as a fresh one, to be rejected and isolated all
// over again: TestIsolationCost measured 4.6 extra calls per bad item (0.62
// of the ideal call count) that way, and 3.75 (0.67) with them held. A test
// call without fresh items (none were left) explains the rejection at once,
// and the other suspects go back as fresh items then: holding them too left
// more of the work to the end of the run, in calls with nothing to fill
// them (at 100 items per call, 5-10% more calls).

// testFraction sets the share of a rejected call's suspects that one test
// call carries: a quarter. Bad items are rare (one in a few hundred), so a
// rejected call almost always holds one. A test of s suspects out of k is
// rejected with probability about s/k, or because a fresh item filling it is
// bad, and then narrows the search to s; accepted, it clears s suspects at
// no cost, since the rest of the call is fresh work. One suspect at a time
// leaves the fresh items as the likelier cause of a rejection; halving
// wastes a rejected call in every second test. TestIsolationCost measures
// the three at one bad item in 200 and 25 items per call: 0.62, 0.67 and
// 0.63 of the ideal call count.
const testFraction = 4

// testPart returns how many of g's suspects the next test call of ks
// carries: a 1/testFraction part of the suspects left of g when fresh items
// can fill the call, and half of them when they cannot, since a test that
// passes then costs a call instead of riding on fresh work (bisection is
// optimal there).
func (rn *run[T, R]) testPart(ks *keyState[T], g *rejected[T]) int {
	left := max(g.suspects, 1)
	div := testFraction
	if rn.set.testFraction > 0 {
		div = rn.set.testFraction
	}
	part := (left + div - 1) / div
	if ks.ready.len() < rn.set.maxItems-part {
		part = (left + 1) / 2
	}
	return part
}

// testGroup returns the rejected call whose suspects ks should test now,
// or nil. A rejected call's suspects are tested one part at a time: parts
// sent side by side would each be cut at the size the first one had, and
// the rejected one then narrows nothing the others learned. TestIsolationCost
// measures the difference at eight calls in flight. The other calls in
// flight meanwhile carry fresh work or test other rejected calls; when the
// key has no fresh work left, parts of one call go side by side.
func (rn *run[T, R]) testGroup(ks *keyState[T]) *rejected[T] {
	return ks.suspects.next(ks.ready.len()+ks.released.len() == 0)
}

// suspectQueue holds a key's suspects waiting to be tested, by the rejected
// call they are tested for. The suspects of a held rejected call (one with a
// rejected test still being narrowed down, see rejected.children) wait
// outside the count and the order, in held.
type suspectQueue[T any] struct {
	groups queue[*rejected[T]] // rejected calls with waiting suspects, each once
	n      int                 // suspects waiting, but for held ones
	held   map[*rejected[T]]struct{}
}

func (q *suspectQueue[T]) len() int { return q.n }

// push queues suspect e under the rejected call it is tested for.
func (q *suspectQueue[T]) push(e *entry[T]) {
	g := e.suspect
	if g.held() {
		q.hold(g)
		g.waiting.push(e)
		return
	}
	g.waiting.push(e)
	q.n++
	if !g.queued {
		g.queued = true
		q.groups.push(g)
	}
}

// hold takes g's waiting suspects out of the count: g is held.
func (q *suspectQueue[T]) hold(g *rejected[T]) {
	if g.inHeld {
		return
	}
	if q.held == nil {
		q.held = make(map[*rejected[T]]struct{})
	}
	q.held[g] = struct{}{}
	g.inHeld = true
	q.n -= g.waiting.len()
}

// unhold counts g's waiting suspects again, after g stopped being held.
func (q *suspectQueue[T]) unhold(g *rejected[T]) {
	if !g.inHeld {
		return
	}
	delete(q.held, g)
	g.inHeld = false
	q.n += g.waiting.len()
	if g.waiting.len() > 0 && !g.queued {
		g.queued = true
		q.groups.push(g)
	}
}

// next returns the first rejected call with waiting suspects and no test in
// flight, or with any set the first with waiting suspects; nil when none.
// Held rejected calls are skipped.
func (q *suspectQueue[T]) next(any bool) *rejected[T] {
	for range q.groups.len() {
		g := q.groups.peek()
		switch {
		case g.waiting.len() == 0 || g.inHeld:
			q.groups.pop()
			g.queued = false
		case g.testing == 0 || any:
			return g
		default:
			q.groups.push(q.groups.pop())
		}
	}
	return nil
}

// pop takes the next waiting suspect of g, which is not held.
func (q *suspectQueue[T]) pop(g *rejected[T]) *entry[T] {
	q.n--
	return g.waiting.pop()
}

// drain takes every waiting suspect out, held ones included, calling fn
// with each.
func (q *suspectQueue[T]) drain(fn func(*entry[T])) {
	for g := range q.held {
		q.unhold(g)
	}
	for q.groups.len() > 0 {
		g := q.groups.pop()
		g.queued = false
		for g.waiting.len() > 0 {
			q.n--
			fn(g.waiting.pop())
		}
	}
}

// rejected is a call the service rejected as a whole for bad input: the
// evidence elimination works from.
type rejected[T any] struct {
	ks  *keyState[T]
	err *Error
	// members are the items of the call not yet answered elsewhere, nil
	// where an item has since been answered or reported.
	members []*entry[T]
	// uncleared counts the non-nil members.
	uncleared int
	// suspects counts the members tested for this call: suspects whose
	// latest rejection it is.
	suspects int
	// testing counts the test calls of its suspects in flight: one at a
	// time, so each test narrows the suspects of the next one (see
	// testGroup).
	testing int
	// waiting holds its suspects waiting to be tested; queued reports that
	// it is in its key's suspect queue, inHeld that it is in its held set.
	waiting queue[*entry[T]]
	queued  bool
	inHeld  bool
	// broken: a member was reported without ever being answered, so
	// elimination can no longer point at one item.
	broken bool

	// parent is the rejected call whose suspects a test call carried when
	// the service rejected it, making this one; nil for a call of fresh
	// items. children counts the rejected calls made so from its own
	// suspects that are not settled yet: while there are any, its other
	// suspects are held. settled: its suspects are all gone (answered,
	// reported, or suspects of a child) and its children settled.
	// explained: a suspect of it or of a child was convicted, which
	// explains its rejection; its other suspects are fresh items again.
	parent    *rejected[T]
	children  int
	settled   bool
	explained bool
}

// held reports whether g's waiting suspects wait for a child to settle.
func (g *rejected[T]) held() bool { return g.children > 0 && !g.explained }

// reject handles a call rejected as a whole for bad input.
func (rn *run[T, R]) reject(c *call[T, R], err *Error) {
	if rn.halted {
		for _, e := range c.entries {
			rn.finish(e, rn.haltStatus, rn.haltFor(e))
		}
		return
	}
	if dead := c.ks.dead; dead != nil {
		for _, e := range c.entries {
			rn.finish(e, StatusFailed, dead)
		}
		return
	}
	if len(c.entries) == 1 {
		// Rejected alone: guilty.
		rn.explain(c.entries[0].suspect, c.entries[0])
		rn.finish(c.entries[0], StatusFailed, err)
		return
	}
	rn.stats.Bisections++
	g := &rejected[T]{err: err, ks: c.ks}
	nSuspects := 0
	for _, e := range c.entries {
		if e.suspect != nil {
			nSuspects++
		}
	}
	// A call of fresh items makes every item a suspect; a test call only
	// its tested suspects.
	all := nSuspects == 0
	if all {
		nSuspects = len(c.entries)
	}
	// A test that carried fresh items may have been rejected for one of
	// them: hold the other suspects of the rejected call it tested until
	// this one is narrowed down (linked before its suspects leave that
	// call, so it cannot settle). A test of suspects alone proves a bad
	// item among them, which explains that call's rejection (below, once
	// they left it).
	var explained *rejected[T]
	if p := c.tests; !all && p != nil && !p.explained {
		if nSuspects < len(c.entries) {
			g.parent = p
			p.children++
			rn.holdGroup(p)
		} else {
			explained = p
		}
	}
	// Every member first: parking a suspect looks at the others.
	for _, e := range c.entries {
		if !e.cleared {
			g.members = append(g.members, e)
			g.uncleared++
			e.groups = append(e.groups, g)
		}
	}
	for _, e := range c.entries {
		switch {
		case e.cleared || !all && e.suspect == nil:
			// Fresh, or known good: back to the pending queue.
			e.suspect = nil
			rn.makeReady(e)
		default:
			if e.suspect != nil {
				rn.unsuspect(e)
			}
			e.suspect = g
			g.suspects++
			if nSuspects == 1 {
				rn.park(e)
			} else {
				rn.makeReady(e)
			}
		}
	}
	if explained != nil {
		rn.explain(explained, nil)
	}
	rn.evidence = rn.evidence[:0]
	for _, m := range c.entries {
		rn.evidence = append(rn.evidence, m.groups...)
	}
	// Convicting an item releases it and its group lists: walk a copy.
	for _, h := range rn.evidence {
		rn.checkGroup(h)
	}
	clear(rn.evidence)
}

// holdGroup holds the waiting suspects of g, whose test the service just
// rejected: they are neither tested nor sent until the test's suspects are
// narrowed down. A parked suspect that waited on one of them to be answered
// is tested instead (canEliminate).
func (rn *run[T, R]) holdGroup(g *rejected[T]) {
	g.ks.suspects.hold(g)
	for _, m := range g.members {
		if m != nil && m.suspect == g && !m.inFlight {
			rn.recheckParked(m.groups)
		}
	}
}

// unsuspect takes e out of the suspects of its rejected call, which may
// settle it.
func (rn *run[T, R]) unsuspect(e *entry[T]) {
	g := e.suspect
	e.suspect = nil
	g.suspects--
	rn.settle(g)
}

// settle marks g settled once its suspects are all gone and its children
// settled, and then its parent has one unsettled child less: when none is
// left, the parent's held suspects are tested again (the rejection of its
// test was not theirs to explain, and it was not explained either).
func (rn *run[T, R]) settle(g *rejected[T]) {
	for g != nil && !g.settled && g.suspects == 0 && g.children == 0 {
		g.settled = true
		p := g.parent
		if p == nil {
			return
		}
		p.children--
		if p.children == 0 && !p.explained {
			rn.release(p)
		}
		g = p
	}
}

// explain marks the rejection of g explained, and of each rejected call up
// its parents: a bad item among the suspects of g was found (convicted, or
// proven to be among the suspects of a test call without fresh items), so
// their other suspects, but for e, become fresh items again. They stay
// evidence of those calls: should one of them be bad too, its next call is
// rejected and it becomes a suspect again. Bad items are rare, so this
// spares a test call for each part that would almost surely pass.
func (rn *run[T, R]) explain(g *rejected[T], e *entry[T]) {
	for ; g != nil && !g.explained; g = g.parent {
		g.explained = true
		for _, m := range g.members {
			if m != nil && m != e && m.suspect == g {
				// m waits among g's suspects, in flight or for a backoff;
				// makeReady and packCall route it as fresh.
				m.suspect = nil
				g.suspects--
			}
		}
		rn.release(g)
	}
}

// release lets the waiting suspects of g, held until now, be taken again:
// tested, or sent as fresh items once explained.
func (rn *run[T, R]) release(g *rejected[T]) {
	if !g.inHeld {
		return
	}
	g.ks.suspects.unhold(g)
	if g.ks.pending() {
		rn.enqueue(g.ks)
	}
}

// park sets a suspect aside to wait for elimination, when some rejected
// call it was in still holds another item that can be answered; otherwise
// the suspect is tested again. The caller has taken it out of every queue.
//
// Parking keeps invariant 3 of run.loop: a parked suspect always waits on an
// item that is not parked. Parking one item may take that away from others,
// which are then tested again.
func (rn *run[T, R]) park(e *entry[T]) {
	if !rn.canEliminate(e) {
		rn.retest(e)
		return
	}
	e.parked = true
	if e.key.parked == nil {
		e.key.parked = make(map[*entry[T]]struct{})
	}
	e.key.parked[e] = struct{}{}
	rn.recheckParked(e.groups)
}

// recheckParked tests again the parked members of groups that no longer
// wait on an item that can be answered.
func (rn *run[T, R]) recheckParked(groups []*rejected[T]) {
	for _, g := range groups {
		for _, m := range g.members {
			if m != nil && m.parked && !rn.canEliminate(m) {
				rn.unpark(m)
			}
		}
	}
}

// unpark puts a parked suspect back to be tested again.
func (rn *run[T, R]) unpark(e *entry[T]) {
	e.parked = false
	delete(e.key.parked, e)
	rn.retest(e)
}

// retest queues a suspect to be tested on its own part: one suspect in a
// call filled with fresh items, or alone when there are none.
func (rn *run[T, R]) retest(e *entry[T]) {
	rn.makeReady(e)
}

// clearItem records that the service answered a call carrying e: its input
// is valid, and it is no longer evidence in any rejected call.
func (rn *run[T, R]) clearItem(e *entry[T]) {
	if e.cleared {
		return
	}
	if e.suspect != nil {
		rn.unsuspect(e)
	}
	e.cleared, e.guilty = true, nil
	groups := e.groups
	e.groups = nil
	for _, g := range groups {
		g.remove(e)
		rn.checkGroup(g)
	}
	rn.recheckParked(groups)
	clear(groups)
}

// forget removes an item reported without having been answered from the
// rejected calls it was in: they can no longer convict anyone by
// elimination, and their parked suspects may need testing again.
func (rn *run[T, R]) forget(e *entry[T]) {
	if e.suspect != nil {
		rn.unsuspect(e)
	}
	groups := e.groups
	e.groups = nil
	for _, g := range groups {
		g.remove(e)
		g.broken = true
	}
	rn.recheckParked(groups)
	clear(groups)
}

func (g *rejected[T]) remove(e *entry[T]) {
	for i, m := range g.members {
		if m == e {
			g.members[i] = nil
			g.uncleared--
			return
		}
	}
}

// checkGroup convicts the one member of g not yet answered, when g still
// holds its evidence.
func (rn *run[T, R]) checkGroup(g *rejected[T]) {
	if g.broken || g.uncleared != 1 {
		return
	}
	for _, m := range g.members {
		if m != nil {
			rn.convict(m, g.err)
			return
		}
	}
}

// canEliminate reports whether some rejected call e was in may still
// convict it by elimination: it holds its evidence and another member that
// is neither parked nor held waiting, so will be answered or reported.
func (rn *run[T, R]) canEliminate(e *entry[T]) bool {
	for _, g := range e.groups {
		if g.broken {
			continue
		}
		for _, m := range g.members {
			if m != nil && m != e && !m.parked && !m.heldBack() {
				return true
			}
		}
	}
	return false
}

// convict fails e with the error of the rejected call that proved it
// guilty. An item in flight is left to its call's answer; one waiting in a
// queue is marked and fails when it is next taken (dropGuilty).
func (rn *run[T, R]) convict(e *entry[T], err *Error) {
	rn.explain(e.suspect, e)
	switch {
	case e.inFlight:
	case e.parked:
		e.parked = false
		delete(e.key.parked, e)
		rn.finish(e, StatusFailed, err)
	default:
		e.guilty = err
	}
}

// dropGuilty fails the items of c proven guilty while they waited, cancels
// those a Batcher's caller withdrew before they were ever sent, and reports
// whether any item is left to send.
func (rn *run[T, R]) dropGuilty(c *call[T, R]) bool {
	kept := c.entries[:0]
	for _, e := range c.entries {
		if e.guilty != nil {
			rn.finish(e, StatusFailed, e.guilty)
			continue
		}
		if rn.feed != nil && e.sends == 0 && rn.feed.withdrawn(e.item) {
			rn.finish(e, StatusCanceled, rn.canceledByCaller)
			continue
		}
		kept = append(kept, e)
	}
	clear(c.entries[len(kept):])
	c.entries = kept
	return len(kept) > 0
}

// heldBack reports whether e waits among the held suspects of its rejected
// call, and so will not be sent before a child of that call settles.
func (e *entry[T]) heldBack() bool {
	return e.suspect != nil && e.suspect.held() && !e.inFlight
}

package batch

// JoinHooks returns Hooks that call each of hs in order, so that several
// observers (a progress bar, metrics, traces) watch one run without a
// hand-written fan-out. Nil functions are skipped; when only one of hs sets
// a function, the result calls it directly.
func JoinHooks(hs ...Hooks) Hooks {
	return Hooks{
		OnCall:     join(hs, func(h Hooks) func(CallInfo) { return h.OnCall }),
		OnRetry:    join(hs, func(h Hooks) func(RetryInfo) { return h.OnRetry }),
		OnThrottle: join(hs, func(h Hooks) func(ThrottleInfo) { return h.OnThrottle }),
		OnOutcome:  join(hs, func(h Hooks) func(OutcomeInfo) { return h.OnOutcome }),
	}
}

func join[I any](hs []Hooks, get func(Hooks) func(I)) func(I) {
	var fns []func(I)
	for _, h := range hs {
		if fn := get(h); fn != nil {
			fns = append(fns, fn)
		}
	}
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0]
	}
	return func(info I) {
		for _, fn := range fns {
			fn(info)
		}
	}
}

package batch_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/batchkit/batchkit/batch"
)

// greeter is a tiny adapter for the examples: it "greets" names in calls of
// at most three, grouped by language. Names starting with "x" fail
// permanently; it never fails a call as a whole.
type greeter struct{}

type greeting struct{ Lang, Name string }

func (greeter) Operation() string          { return "BatchGreet" }
func (greeter) MaxItems() int              { return 3 }
func (greeter) Key(g greeting) string      { return g.Lang }
func (greeter) Identity(g greeting) string { return g.Name }
func (greeter) Classify(err error) (*batch.Error, batch.Scope) {
	return &batch.Error{Code: batch.CodeUnknown, Err: err}, batch.ScopeCall
}

func (greeter) Validate(g greeting) error {
	if g.Name == "" {
		return batch.InvalidInput("Name", "name is required")
	}
	return nil
}

func (greeter) Call(_ context.Context, lang string, items []greeting) ([]batch.Result[string], error) {
	hello := map[string]string{"en": "hello", "fr": "bonjour"}[lang]
	out := make([]batch.Result[string], len(items))
	for i, g := range items {
		if strings.HasPrefix(g.Name, "x") {
			out[i].Err = &batch.Error{Code: batch.CodeNotFound, ServiceCode: "NO_SUCH_NAME", Message: "unknown name"}
			continue
		}
		out[i].Value = hello + " " + g.Name
	}
	return out, nil
}

func ExampleRunner_Run() {
	r, err := batch.New[greeting, string](greeter{})
	if err != nil {
		panic(err)
	}
	rep, err := r.Run(context.Background(), []greeting{
		{"en", "ada"}, {"fr", "blaise"}, {"en", "xavier"}, {"en", ""}, {"en", "alan"},
	})
	if err != nil {
		panic(err)
	}
	for _, o := range rep.Outcomes {
		if o.Status == batch.StatusSucceeded {
			fmt.Println(o.Index, o.Value)
		} else {
			fmt.Println(o.Index, o.Status, o.Err.Code)
		}
	}
	fmt.Println("succeeded:", rep.Succeeded, "failed:", rep.Failed)
	fmt.Println(errors.Is(rep.Err(), batch.ErrNotFound))
	// Output:
	// 0 hello ada
	// 1 bonjour blaise
	// 2 Failed NotFound
	// 3 Failed InvalidInput
	// 4 hello alan
	// succeeded: 3 failed: 2
	// true
}

func ExampleRunner_Stream() {
	r, err := batch.New[greeting, string](greeter{}, func(o *batch.Options) {
		o.MaxBuffered = 100 // at most 100 items in memory, whatever the input
	})
	if err != nil {
		panic(err)
	}
	names := func(yield func(greeting) bool) {
		for i := range 1000 {
			if !yield(greeting{"en", fmt.Sprint("n", i)}) {
				return
			}
		}
	}
	succeeded := 0
	for o, err := range r.Stream(context.Background(), names) {
		if err != nil {
			panic(err) // the run could not finish
		}
		if o.Status == batch.StatusSucceeded {
			succeeded++
		}
	}
	fmt.Println("succeeded:", succeeded)
	// Output:
	// succeeded: 1000
}

func ExampleRunner_Plan() {
	r, err := batch.New[greeting, string](greeter{})
	if err != nil {
		panic(err)
	}
	p, err := r.Plan([]greeting{{"en", "a"}, {"fr", "b"}, {"en", "c"}, {"en", "a"}, {"en", "d"}, {"en", ""}})
	if err != nil {
		panic(err)
	}
	for _, c := range p.Calls {
		fmt.Println(c.Key, c.Indexes)
	}
	for _, e := range p.Invalid {
		fmt.Println(e)
	}
	// Output:
	// en [0 2 4]
	// en [3]
	// fr [1]
	// item 5: batch: BatchGreet: invalid input in field Name: name is required
}

func ExampleError() {
	err := error(&batch.Error{
		Code:        batch.CodeThrottled,
		ServiceCode: "ThrottledClientException",
		Operation:   "BatchUpdateUser",
		Message:     "rate exceeded",
		Retryable:   true,
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, batch.ErrThrottled))
	// Output:
	// batch: BatchUpdateUser: throttled (ThrottledClientException): rate exceeded
	// true
}

func ExampleReport_Err() {
	r, _ := batch.New[greeting, string](greeter{})
	rep, _ := r.Run(context.Background(), []greeting{{"en", "ada"}, {"en", "xena"}})
	var re *batch.RunError
	if errors.As(rep.Err(), &re) {
		for _, f := range re.Failures {
			fmt.Println(f.Index, f.Err)
		}
	}
	fmt.Println(slices.Equal(rep.Codes(), []batch.Code{batch.CodeNotFound}))
	// Output:
	// 1 batch: BatchGreet: not found (NO_SUCH_NAME): unknown name
	// true
}

func ExampleHooks() {
	var calls, retries int
	r, err := batch.New[greeting, string](greeter{}, func(o *batch.Options) {
		o.MaxInFlight = 2
		o.Hooks.OnCall = func(ci batch.CallInfo) {
			if ci.Done {
				calls++
			}
		}
		o.Hooks.OnRetry = func(batch.RetryInfo) { retries++ }
	})
	if err != nil {
		panic(err)
	}
	rep, _ := r.Run(context.Background(), []greeting{{"en", "a"}, {"en", "b"}, {"en", "c"}, {"en", "d"}, {"fr", "e"}})
	fmt.Println("calls:", calls, "retries:", retries, "succeeded:", rep.Succeeded)
	// Output:
	// calls: 3 retries: 0 succeeded: 5
}

// ExampleBatcher greets names as they arrive: Add blocks until its name's
// outcome; Close flushes what waits and ends the Batcher.
func ExampleBatcher() {
	b, err := batch.NewBatcher[greeting, string](greeter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"ada", "xavier"} {
		v, err := b.Add(context.Background(), greeting{Lang: "en", Name: name})
		fmt.Printf("%s: %q %v\n", name, v, errors.Is(err, batch.ErrNotFound))
	}
	fmt.Println(b.Close(context.Background()))
	// Output:
	// ada: "hello ada" false
	// xavier: "" true
	// <nil>
}

// ExampleBatcher_AddAsync adds names without waiting, then reads each
// outcome from its Pending.
func ExampleBatcher_AddAsync() {
	b, err := batch.NewBatcher[greeting, string](greeter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var ps []*batch.Pending[greeting, string]
	for _, name := range []string{"ada", "grace", "alan"} {
		p, err := b.AddAsync(context.Background(), greeting{Lang: "en", Name: name})
		if err != nil {
			fmt.Println(err)
			return
		}
		ps = append(ps, p)
	}
	if err := b.Close(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		o := p.Outcome()
		fmt.Println(o.Item.Name, o.Status, o.Value)
	}
	// Output:
	// ada Succeeded hello ada
	// grace Succeeded hello grace
	// alan Succeeded hello alan
}

// ExampleJoinHooks drives a progress count and a failure log from one run.
func ExampleJoinHooks() {
	done := 0
	progress := batch.Hooks{OnOutcome: func(batch.OutcomeInfo) { done++ }}
	failures := batch.Hooks{OnOutcome: func(o batch.OutcomeInfo) {
		if o.Status != batch.StatusSucceeded {
			fmt.Println("item", o.Index, o.Err.Code)
		}
	}}
	r, err := batch.New[greeting, string](greeter{}, func(o *batch.Options) {
		o.Hooks = batch.JoinHooks(progress, failures)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = r.Run(context.Background(), []greeting{{"en", "ada"}, {"en", "xena"}, {"fr", "marie"}})
	fmt.Println("done:", done)
	// Output:
	// item 1 NotFound
	// done: 3
}

// Two runners share one adaptive send rate: a throttle met by either lowers
// the rate of both. redislimit shares a rate between processes the same way.
func ExampleNewAdaptiveLimiter() {
	lim, err := batch.NewAdaptiveLimiter(batch.Options{MaxRate: 1000})
	if err != nil {
		panic(err)
	}
	shared := func(o *batch.Options) { o.Limiter = lim }
	en, err := batch.New[greeting, string](greeter{}, shared)
	if err != nil {
		panic(err)
	}
	fr, err := batch.New[greeting, string](greeter{}, shared)
	if err != nil {
		panic(err)
	}
	a, err := en.Run(context.Background(), []greeting{{"en", "ada"}, {"en", "alan"}})
	if err != nil {
		panic(err)
	}
	b, err := fr.Run(context.Background(), []greeting{{"fr", "blaise"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Succeeded+b.Succeeded, "greeted")
	// Output: 3 greeted
}

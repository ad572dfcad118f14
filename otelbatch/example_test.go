package otelbatch_test

import (
	"context"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/otelbatch"
)

// printSums prints the points of the counters named, without the operation
// attribute, in a stable order.
func printSums(reader *sdkmetric.ManualReader, names ...string) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !slices.Contains(names, m.Name) {
				continue
			}
			for _, p := range sum.DataPoints {
				f := attribute.NewSet(slices.DeleteFunc(p.Attributes.ToSlice(), func(kv attribute.KeyValue) bool {
					return kv.Key == otelbatch.AttrOperation
				})...)
				lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, f.Encoded(attribute.DefaultEncoder()), p.Value))
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}

// A traced run: a run span, a span per call and the metrics. The program
// would install its own providers (or use the global ones); the example uses
// the SDK's in-memory reader and span recorder.
func ExampleObserver_Start() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) }()

	obs, err := otelbatch.New(func(o *otelbatch.Options) {
		o.MeterProvider = mp
		o.TracerProvider = tp
	})
	if err != nil {
		panic(err)
	}
	adapter := newGreeter()
	// One RunObserver, and so one Runner, per traced run.
	ctx, ro := obs.Start(context.Background(), adapter.Operation())
	r, err := batch.New[greeting, string](adapter, func(o *batch.Options) {
		o.MaxInFlight = 1
		o.Hooks = ro.Hooks() // or batch.JoinHooks(progress, ro.Hooks())
	})
	if err != nil {
		panic(err)
	}
	rep, err := r.Run(ctx, []greeting{{"en", "ada"}, {"en", "alan"}, {"en", "x-xavier"}, {"en", "grace"}, {"en", ""}})
	ro.End(err)

	fmt.Println("succeeded:", rep.Succeeded, "failed:", rep.Failed)
	printSums(reader, otelbatch.MetricItems, otelbatch.MetricCalls)
	for _, s := range spans.Ended() {
		fmt.Println("span:", s.Name())
	}
	// Output:
	// succeeded: 3 failed: 2
	// batchkit.calls{batchkit.call.outcome=ok} 2
	// batchkit.items{batchkit.error.code=InvalidInput,batchkit.item.status=failed} 1
	// batchkit.items{batchkit.error.code=NotFound,batchkit.item.status=failed} 1
	// batchkit.items{batchkit.item.status=succeeded} 3
	// span: batchkit.call BatchGreet
	// span: batchkit.call BatchGreet
	// span: batchkit.run BatchGreet
}

// Metrics only, from a long-lived Runner that any number of goroutines run
// at once.
func ExampleObserver_Hooks() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()

	obs, err := otelbatch.New(func(o *otelbatch.Options) { o.MeterProvider = mp })
	if err != nil {
		panic(err)
	}
	r, err := batch.New[greeting, string](newGreeter(), func(o *batch.Options) {
		o.Hooks = obs.Hooks()
	})
	if err != nil {
		panic(err)
	}
	for range 2 {
		if _, err := r.Run(context.Background(), []greeting{{"en", "ada"}, {"fr", "blaise"}, {"en", "x-xena"}}); err != nil {
			panic(err)
		}
	}
	printSums(reader, otelbatch.MetricItems, otelbatch.MetricCalls, otelbatch.MetricRetries)
	// Output:
	// batchkit.calls{batchkit.call.outcome=ok} 4
	// batchkit.items{batchkit.error.code=NotFound,batchkit.item.status=failed} 2
	// batchkit.items{batchkit.item.status=succeeded} 4
}

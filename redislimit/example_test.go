package redislimit_test

import (
	"context"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/redislimit"
)

// Every worker of a quota builds a Limiter on the same key and gives it to
// its runs: a throttle met by any of them lowers the rate of all. The
// example needs a Redis server, so it compiles without running.
func ExampleNew() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	lim, err := redislimit.New(context.Background(), client, "batchkit:rate:messaging:us-east-1",
		func(o *redislimit.Options) { o.MaxRate = 50 })
	if err != nil {
		log.Fatal(err) // no server, a wrong password, or a key in use
	}
	opts := func(o *batch.Options) { o.Limiter = lim }
	_ = opts // pass to batch.New or an adapter's runner
}

package redislimit

import (
	"os"
	"testing"
)

// redisAddr is the test server's address from BATCHKIT_REDIS_ADDR. Without
// it the test is skipped, except in CI (CI=true), where it fails.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("BATCHKIT_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("BATCHKIT_REDIS_ADDR is not set: CI must run a Redis server for redislimit (see .ci/run)")
		}
		t.Skip("BATCHKIT_REDIS_ADDR is not set: start a server, e.g. redis-server --port 6390 --save '' --appendonly no --daemonize yes, and set BATCHKIT_REDIS_ADDR=127.0.0.1:6390")
	}
	return addr
}

// RedisAddr gives the external tests redisAddr.
var RedisAddr = redisAddr

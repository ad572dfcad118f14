package awsfake_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/batchkit/batchkit/appstream/appstreamtest"
	"github.com/batchkit/batchkit/chime/chimetest"
	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/messaging/messagingtest"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// TestKitFaultLabels checks that every kit exports, as plain strings its
// users can read in its godoc, the labels the shared server records in
// Request.Fault.
func TestKitFaultLabels(t *testing.T) {
	want := []string{
		awsfake.FaultSignature, awsfake.FaultMissingAuth, awsfake.FaultUnknownKey, awsfake.FaultThrottle,
		awsfake.FaultInternal, awsfake.FaultDrop, awsfake.FaultMalformed, awsfake.FaultCanceled,
		awsfake.KindSignature.String(), awsfake.KindMissingAuth.String(), awsfake.KindUnknownKey.String(),
		awsfake.KindThrottle.String(), awsfake.KindInternal.String(),
	}
	for kit, got := range map[string][]string{
		"appstreamtest": {appstreamtest.FaultSignature, appstreamtest.FaultMissingAuth, appstreamtest.FaultUnknownKey,
			appstreamtest.FaultThrottle, appstreamtest.FaultInternal, appstreamtest.FaultDrop, appstreamtest.FaultMalformed,
			appstreamtest.FaultCanceled},
		"chimetest": {chimetest.FaultSignature, chimetest.FaultMissingAuth, chimetest.FaultUnknownKey,
			chimetest.FaultThrottle, chimetest.FaultInternal, chimetest.FaultDrop, chimetest.FaultMalformed,
			chimetest.FaultCanceled},
		"wickrtest": {wickrtest.FaultSignature, wickrtest.FaultMissingAuth, wickrtest.FaultUnknownKey,
			wickrtest.FaultThrottle, wickrtest.FaultInternal, wickrtest.FaultDrop, wickrtest.FaultMalformed,
			wickrtest.FaultCanceled},
		"messagingtest": {messagingtest.FaultSignature, messagingtest.FaultMissingAuth, messagingtest.FaultUnknownKey,
			messagingtest.FaultThrottle, messagingtest.FaultInternal, messagingtest.FaultDrop, messagingtest.FaultMalformed,
			messagingtest.FaultCanceled},
	} {
		assert.Equal(t, want[:8], got, kit)
	}
	assert.Equal(t, want[:5], want[8:], "ErrorKind.String")
}

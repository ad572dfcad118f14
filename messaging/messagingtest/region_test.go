package messagingtest_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/messaging/messagingapi"
	"github.com/batchkit/batchkit/messaging/messagingtest"
)

// TestWrongRegionRefused is the regression test of the kits accepting a
// request signed for any region: they re-signed with the region of the
// request's own credential scope. A client configured for another region
// than the kit's is refused, and a kit set up for that region accepts it.
func TestWrongRegionRefused(t *testing.T) {
	srv := messagingtest.NewServer()
	defer srv.Close()
	srv.AddChannel(channel, admin)
	_, err := add(srv.Client(func(o *messagingapi.Options) { o.Region = "eu-west-1" }), channel, admin, user("u1"))
	var ue *messagingapi.UnauthorizedClientException
	require.True(t, errors.As(err, &ue), "got %v", err)
	assert.Contains(t, ue.ErrorMessage(), "not 'eu-west-1'")
	assert.Equal(t, messagingtest.FaultSignature, srv.Requests()[0].Fault)
	assert.Empty(t, srv.Members(channel), "a refused call added members")

	other := messagingtest.NewServer(func(o *messagingtest.Options) { o.Region = "eu-west-1" })
	defer other.Close()
	other.AddChannel(channel, admin)
	assert.Equal(t, "eu-west-1", other.Config().Region)
	_, err = add(other.Client(), channel, admin, user("u1"))
	require.NoError(t, err)
}

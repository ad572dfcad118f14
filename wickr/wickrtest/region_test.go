package wickrtest_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/wickr/wickrapi"
	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// TestWrongRegionRefused is the regression test of the kits accepting a
// request signed for any region: they re-signed with the region of the
// request's own credential scope. A client configured for another region
// than the kit's is refused, and a kit set up for that region accepts it.
func TestWrongRegionRefused(t *testing.T) {
	srv := wickrtest.NewServer()
	defer srv.Close()
	srv.AddNetwork(net1, "sg-1")
	_, err := create(srv.Client(func(o *wickrapi.Options) { o.Region = "eu-west-1" }), net1, user("a@example.com"))
	var ue *wickrapi.UnauthorizedError
	require.True(t, errors.As(err, &ue), "got %v", err)
	assert.Contains(t, ue.ErrorMessage(), "not 'eu-west-1'")
	assert.Equal(t, wickrtest.FaultSignature, srv.Requests()[0].Fault)
	assert.Empty(t, srv.Users(net1), "a refused call created users")

	other := wickrtest.NewServer(func(o *wickrtest.Options) { o.Region = "eu-west-1" })
	defer other.Close()
	other.AddNetwork(net1, "sg-1")
	assert.Equal(t, "eu-west-1", other.Config().Region)
	_, err = create(other.Client(), net1, user("a@example.com"))
	require.NoError(t, err)
}

package chimetest_test

import (
	"errors"
	"testing"

	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what the kit fakes.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/chime/chimetest"
)

// TestWrongRegionRefused is the regression test of the kits accepting a
// request signed for any region: they re-signed with the region of the
// request's own credential scope. A client configured for another region
// than the kit's is refused, and a kit set up for that region accepts it.
func TestWrongRegionRefused(t *testing.T) {
	srv := chimetest.NewServer(func(o *chimetest.Options) { o.GenericAuthErrors = true })
	defer srv.Close()
	srv.AddUser("acct", "u1", "Basic")
	cfg := srv.Config()
	cfg.Region = "eu-west-1"
	_, err := update(t, chimesdk.NewFromConfig(cfg), "acct", item("u1", "Pro"))
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "got %v", err)
	assert.Equal(t, "InvalidSignatureException", ae.ErrorCode())
	assert.Contains(t, ae.ErrorMessage(), "not 'eu-west-1'")
	assert.Equal(t, chimetest.FaultSignature, srv.Requests()[0].Fault)
	u, _ := srv.User("acct", "u1")
	assert.EqualValues(t, "Basic", u.LicenseType, "a refused call changed state")

	other := chimetest.NewServer(func(o *chimetest.Options) { o.Region = "eu-west-1" })
	defer other.Close()
	other.AddUser("acct", "u1", "Basic")
	assert.Equal(t, "eu-west-1", other.Config().Region)
	_, err = update(t, other.Client(), "acct", item("u1", "Pro"))
	require.NoError(t, err)
}

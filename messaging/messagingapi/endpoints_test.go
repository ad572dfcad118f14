package messagingapi_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/internal/awsrest/resttest"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// TestEndpointsMatchOfficialClient resolves the endpoints the official
// service/chimesdkmessaging client resolves (its endpoints.go rules over
// the SDK's partitions): dual-stack, every partition's DNS suffix, FIPS
// pseudo-regions, whose signing scope keeps the pseudo-region. Before, the
// client ignored dual-stack, sent every partition to amazonaws.com and
// built messaging-chime.fips-us-east-1.amazonaws.com.
func TestEndpointsMatchOfficialClient(t *testing.T) {
	dual := func(o *messagingapi.Options) { o.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled }
	fips := func(o *messagingapi.Options) { o.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled }
	tests := []struct {
		region string
		opts   []func(*messagingapi.Options)
		host   string
	}{
		{"us-east-1", []func(*messagingapi.Options){dual}, "messaging-chime.us-east-1.api.aws"},
		{"us-east-1", []func(*messagingapi.Options){dual, fips}, "messaging-chime-fips.us-east-1.api.aws"},
		{"fips-us-east-1", nil, "messaging-chime-fips.us-east-1.amazonaws.com"},
		{"us-east-1-fips", nil, "messaging-chime-fips.us-east-1.amazonaws.com"},
		{"cn-north-1", nil, "messaging-chime.cn-north-1.amazonaws.com.cn"},
		{"eusc-de-east-1", nil, "messaging-chime.eusc-de-east-1.amazonaws.eu"},
		{"us-iso-east-1", nil, "messaging-chime.us-iso-east-1.c2s.ic.gov"},
		{"us-isob-east-1", nil, "messaging-chime.us-isob-east-1.sc2s.sgov.gov"},
		{"eu-isoe-west-1", nil, "messaging-chime.eu-isoe-west-1.cloud.adc-e.uk"},
		{"us-isof-south-1", nil, "messaging-chime.us-isof-south-1.csp.hci.ic.gov"},
		{"us-gov-west-1", []func(*messagingapi.Options){fips}, "messaging-chime-fips.us-gov-west-1.amazonaws.com"},
	}
	for _, tt := range tests {
		stub := &resttest.StubClient{}
		cfg := aws.Config{Region: tt.region, HTTPClient: stub, Credentials: resttest.Credentials()}
		_, err := messagingapi.NewFromConfig(cfg, tt.opts...).BatchCreateChannelMembership(context.Background(), input())
		require.NoError(t, err, tt.region)
		r := stub.Requests()[0]
		assert.Equal(t, "https://"+tt.host+escapedURI, r.URL.String(), tt.region)
		assert.Contains(t, r.Header.Get("Authorization"), "/"+tt.region+"/chime/aws4_request", "signed for the region as given")
	}
}

// TestDualStackFromEnvironment: AWS_USE_DUALSTACK_ENDPOINT=true, read by
// config.LoadDefaultConfig into the config's sources, selects the
// dual-stack endpoint, as with the official client.
func TestDualStackFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, k := range []string{"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING", "AWS_USE_FIPS_ENDPOINT"} {
		t.Setenv(k, "")
		require.NoError(t, os.Unsetenv(k))
	}
	t.Setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")
	stub := &resttest.StubClient{}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(resttest.Credentials()))
	require.NoError(t, err)
	cfg.HTTPClient = stub
	_, err = messagingapi.NewFromConfig(cfg).BatchCreateChannelMembership(context.Background(), input())
	require.NoError(t, err)
	assert.Equal(t, "messaging-chime.us-east-1.api.aws", stub.Requests()[0].URL.Host)
	assert.Equal(t, aws.DualStackEndpointStateEnabled, messagingapi.NewFromConfig(cfg).Options().UseDualStackEndpoint)
}

// TestEndpointConfigurationErrors: a base endpoint cannot be combined with
// dual-stack or a FIPS pseudo-region; the call fails, like the official
// client's, and nothing is sent.
func TestEndpointConfigurationErrors(t *testing.T) {
	for _, tt := range []struct {
		region string
		dual   aws.DualStackEndpointState
		want   string
	}{
		{"us-east-1", aws.DualStackEndpointStateEnabled, "Dualstack and custom endpoint are not supported"},
		{"fips-us-east-1", aws.DualStackEndpointStateUnset, "FIPS and custom endpoint are not supported"},
	} {
		stub := &resttest.StubClient{}
		client := messagingapi.New(messagingapi.Options{Region: tt.region, BaseEndpoint: aws.String("https://x"),
			UseDualStackEndpoint: tt.dual, HTTPClient: stub, Credentials: resttest.Credentials()})
		_, err := client.BatchCreateChannelMembership(context.Background(), input())
		var opErr *smithy.OperationError
		require.True(t, errors.As(err, &opErr), "got %v", err)
		assert.True(t, strings.Contains(err.Error(), tt.want), "got %v", err)
		assert.Empty(t, stub.Requests())
	}
}

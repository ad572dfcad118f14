package awsrest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndpointPerPartition resolves a region of every partition, and one
// no partition names, in its four variants. Before, every region resolved
// to amazonaws.com and dual-stack was ignored.
func TestEndpointPerPartition(t *testing.T) {
	tests := []struct {
		partition, region                      string
		standard, fips, dualStack, fipsAndDual string
	}{
		{"aws", "us-east-1", "test.us-east-1.amazonaws.com", "test-fips.us-east-1.amazonaws.com",
			"test.us-east-1.api.aws", "test-fips.us-east-1.api.aws"},
		{"aws (by pattern)", "ap-south-9", "test.ap-south-9.amazonaws.com", "test-fips.ap-south-9.amazonaws.com",
			"test.ap-south-9.api.aws", "test-fips.ap-south-9.api.aws"},
		{"aws (default)", "xx-nowhere-1", "test.xx-nowhere-1.amazonaws.com", "test-fips.xx-nowhere-1.amazonaws.com",
			"test.xx-nowhere-1.api.aws", "test-fips.xx-nowhere-1.api.aws"},
		{"aws-cn", "cn-north-1", "test.cn-north-1.amazonaws.com.cn", "test-fips.cn-north-1.amazonaws.com.cn",
			"test.cn-north-1.api.amazonwebservices.com.cn", "test-fips.cn-north-1.api.amazonwebservices.com.cn"},
		{"aws-eusc", "eusc-de-east-1", "test.eusc-de-east-1.amazonaws.eu", "test-fips.eusc-de-east-1.amazonaws.eu",
			"test.eusc-de-east-1.api.amazonwebservices.eu", "test-fips.eusc-de-east-1.api.amazonwebservices.eu"},
		{"aws-iso", "us-iso-east-1", "test.us-iso-east-1.c2s.ic.gov", "test-fips.us-iso-east-1.c2s.ic.gov",
			"test.us-iso-east-1.api.aws.ic.gov", "test-fips.us-iso-east-1.api.aws.ic.gov"},
		{"aws-iso-b", "us-isob-east-1", "test.us-isob-east-1.sc2s.sgov.gov", "test-fips.us-isob-east-1.sc2s.sgov.gov",
			"test.us-isob-east-1.api.aws.scloud", "test-fips.us-isob-east-1.api.aws.scloud"},
		{"aws-iso-e", "eu-isoe-west-1", "test.eu-isoe-west-1.cloud.adc-e.uk", "test-fips.eu-isoe-west-1.cloud.adc-e.uk",
			"test.eu-isoe-west-1.api.cloud-aws.adc-e.uk", "test-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
		{"aws-iso-f", "us-isof-south-1", "test.us-isof-south-1.csp.hci.ic.gov", "test-fips.us-isof-south-1.csp.hci.ic.gov",
			"test.us-isof-south-1.api.aws.hci.ic.gov", "test-fips.us-isof-south-1.api.aws.hci.ic.gov"},
		{"aws-us-gov", "us-gov-west-1", "test.us-gov-west-1.amazonaws.com", "test-fips.us-gov-west-1.amazonaws.com",
			"test.us-gov-west-1.api.aws", "test-fips.us-gov-west-1.api.aws"},
	}
	for _, tt := range tests {
		t.Run(tt.partition, func(t *testing.T) {
			for _, v := range []struct {
				fips aws.FIPSEndpointState
				dual aws.DualStackEndpointState
				want string
			}{
				{aws.FIPSEndpointStateUnset, aws.DualStackEndpointStateUnset, tt.standard},
				{aws.FIPSEndpointStateEnabled, aws.DualStackEndpointStateDisabled, tt.fips},
				{aws.FIPSEndpointStateDisabled, aws.DualStackEndpointStateEnabled, tt.dualStack},
				{aws.FIPSEndpointStateEnabled, aws.DualStackEndpointStateEnabled, tt.fipsAndDual},
			} {
				u, err := testService.resolveEndpoint(&Config{Region: tt.region, UseFIPSEndpoint: v.fips, UseDualStackEndpoint: v.dual})
				require.NoError(t, err)
				assert.Equal(t, "https://"+v.want, u.String(), "FIPS %v, dual-stack %v", v.fips, v.dual)
			}
		})
	}
}

// TestPartitionsMatchSDK checks the partition table against the official
// endpoint resolver of the pinned service/appstream, whose rules take the
// DNS suffixes from the SDK's own partitions.json: for every region the
// table lists, and one region of each pattern, the suffix after
// "appstream2[-fips].{region}." must be the one the table gives, in all
// four variants.
func TestPartitionsMatchSDK(t *testing.T) {
	sdk := appstreamsdk.NewDefaultEndpointResolverV2()
	appstream := &Service{Host: "appstream2", FIPSHost: "appstream2-fips"}
	var regions []string
	for _, p := range partitions {
		regions = append(regions, p.regions...)
	}
	regions = append(regions, "ap-south-9", "cn-west-9", "eusc-de-west-9", "us-iso-west-9", "us-isob-west-9",
		"eu-isoe-east-9", "us-isof-west-9", "us-gov-north-9", "xx-nowhere-1")
	for _, region := range regions {
		for _, fips := range []bool{false, true} {
			for _, dual := range []bool{false, true} {
				ep, err := sdk.ResolveEndpoint(context.Background(), appstreamsdk.EndpointParameters{
					Region: aws.String(region), UseFIPS: aws.Bool(fips), UseDualStack: aws.Bool(dual),
				})
				require.NoError(t, err, "%s fips %v dual-stack %v", region, fips, dual)
				cfg := Config{Region: region}
				if fips {
					cfg.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
				}
				if dual {
					cfg.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
				}
				u, err := appstream.resolveEndpoint(&cfg)
				require.NoError(t, err)
				assert.Equal(t, ep.URI.Host, u.Host, "%s fips %v dual-stack %v (partition %s)", region, fips, dual, partitionOf(region).id)
			}
		}
	}
}

// TestEndpointPseudoRegions: a FIPS pseudo-region selects the FIPS
// endpoint of the region it names, and cannot be combined with a base
// endpoint, as in the official clients.
func TestEndpointPseudoRegions(t *testing.T) {
	for _, region := range []string{"fips-us-east-1", "us-east-1-fips"} {
		u, err := testService.resolveEndpoint(&Config{Region: region})
		require.NoError(t, err)
		assert.Equal(t, "https://test-fips.us-east-1.amazonaws.com", u.String(), region)
		u, err = testService.resolveEndpoint(&Config{Region: region, UseDualStackEndpoint: aws.DualStackEndpointStateEnabled})
		require.NoError(t, err)
		assert.Equal(t, "https://test-fips.us-east-1.api.aws", u.String(), region)
		_, err = testService.resolveEndpoint(&Config{Region: region, BaseEndpoint: aws.String("https://x")})
		assert.ErrorContains(t, err, "FIPS and custom endpoint are not supported")
	}
	u, err := testService.resolveEndpoint(&Config{Region: "fips-us-gov-west-1", UseFIPSEndpoint: aws.FIPSEndpointStateDisabled})
	require.NoError(t, err)
	assert.Equal(t, "https://test-fips.us-gov-west-1.amazonaws.com", u.String(), "the pseudo-region wins over a disabled setting")
	for in, want := range map[string]string{"fips-us-east-1": "us-east-1", "us-east-1-fips": "us-east-1",
		"us-fips-east-1": "us-east-1", "us-east-1": "us-east-1"} {
		got, pseudo := MapFIPSRegion(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, in != want, pseudo, in)
	}
}

func TestEndpointConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"dual-stack with base endpoint", Config{Region: "us-east-1", BaseEndpoint: aws.String("https://x"), UseDualStackEndpoint: aws.DualStackEndpointStateEnabled},
			"Dualstack and custom endpoint are not supported"},
		{"fips with base endpoint", Config{Region: "us-east-1", BaseEndpoint: aws.String("https://x"), UseFIPSEndpoint: aws.FIPSEndpointStateEnabled},
			"FIPS and custom endpoint are not supported"},
		{"missing region", Config{}, "Missing Region"},
		{"region not a host name", Config{Region: "us-east-1/evil"}, "invalid input region"},
		{"empty label", Config{Region: "us-east-1..x"}, "invalid input region"},
	} {
		_, err := testService.resolveEndpoint(&tt.cfg)
		assert.ErrorContains(t, err, tt.want, tt.name)
	}
	// Dots are allowed, as the rules allow sub-domains in a region.
	u, err := testService.resolveEndpoint(&Config{Region: "local.test"})
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(u.Host, ".local.test.amazonaws.com"), u.Host)
}

type dualStackSource bool

func (d dualStackSource) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	if d {
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateDisabled, true, nil
}

type noSource struct{}

func TestConfigDualStack(t *testing.T) {
	assert.Equal(t, aws.DualStackEndpointStateUnset, ConfigDualStack(aws.Config{}))
	assert.Equal(t, aws.DualStackEndpointStateEnabled, ConfigDualStack(aws.Config{ConfigSources: []any{noSource{}, dualStackSource(true), dualStackSource(false)}}))
	assert.Equal(t, aws.DualStackEndpointStateDisabled, ConfigDualStack(aws.Config{ConfigSources: []any{dualStackSource(false)}}))
}

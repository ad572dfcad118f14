package awsrest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// HTTPClient sends HTTP requests; *http.Client and the SDK's
// *awshttp.BuildableClient satisfy it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Service holds what is fixed about one restJson1 service.
type Service struct {
	// ID is the SDK service ID, reported in *smithy.OperationError
	// (for example "Wickr").
	ID string

	// SigningName is the SigV4 signing name (for example "wickr").
	SigningName string

	// Host and FIPSHost are the endpoint host prefixes: the endpoint is
	// https://{Host}.{region}.{dnsSuffix} (for example "admin.wickr" and
	// "admin.wickr-fips"), with the partition's dual-stack DNS suffix for
	// dual-stack endpoints.
	Host, FIPSHost string

	// APIName and APIVersion name the API in the User-Agent header
	// ("api/{APIName}#{APIVersion}").
	APIName, APIVersion string
}

// Config is the configuration of one operation call, resolved by the client
// from its options after the per-call option functions ran.
type Config struct {
	// Region is the signing region and, without BaseEndpoint, selects the
	// endpoint. Required. A FIPS pseudo-region ("fips-us-east-1",
	// "us-east-1-fips") selects the FIPS endpoint of the region it names
	// and is still the signing region, as in the SDK's clients.
	Region string

	// BaseEndpoint, when non-nil, replaces the resolved endpoint (scheme,
	// host and an optional path prefix). It cannot be combined with FIPS
	// (a FIPS pseudo-region included) or dual-stack.
	BaseEndpoint *string

	// UseFIPSEndpoint selects the FIPS host when aws.FIPSEndpointStateEnabled.
	UseFIPSEndpoint aws.FIPSEndpointState

	// UseDualStackEndpoint selects the partition's dual-stack DNS suffix
	// when aws.DualStackEndpointStateEnabled.
	UseDualStackEndpoint aws.DualStackEndpointState

	// Credentials signs the requests. Nil or aws.AnonymousCredentials sends
	// them unsigned.
	Credentials aws.CredentialsProvider

	// HTTPClient sends the requests. Nil means a shared
	// awshttp.NewBuildableClient().
	HTTPClient HTTPClient

	// Retryer decides retries. Nil means aws.NopRetryer (one attempt).
	Retryer aws.Retryer

	// AppID is added to the User-Agent header as app/{AppID} when set.
	AppID string
}

// OperationError wraps err the way the SDK reports every failure of an
// operation: as a *smithy.OperationError naming the service and operation.
func (s *Service) OperationError(operation string, err error) error {
	return &smithy.OperationError{ServiceID: s.ID, OperationName: operation, Err: err}
}

// resolveEndpoint returns the endpoint URL for cfg, following the endpoint
// rules the official clients of these services are generated with (checked
// against service/wickr and service/chimesdkmessaging endpoints.go): a
// BaseEndpoint as it is, unless FIPS or dual-stack is asked for; otherwise
// https://{Host or FIPSHost}.{region}.{the partition's DNS suffix or
// dual-stack DNS suffix}, the partition found by [partitionOf] in the one
// table of [partitions]. The messages are the rules' own.
func (s *Service) resolveEndpoint(cfg *Config) (*url.URL, error) {
	region, pseudoFIPS := MapFIPSRegion(cfg.Region)
	fips := cfg.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled || pseudoFIPS
	dualStack := cfg.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled
	if cfg.BaseEndpoint != nil {
		switch {
		case fips:
			return nil, errors.New("endpoint rule error, Invalid Configuration: FIPS and custom endpoint are not supported")
		case dualStack:
			return nil, errors.New("endpoint rule error, Invalid Configuration: Dualstack and custom endpoint are not supported")
		}
		u, err := url.Parse(*cfg.BaseEndpoint)
		if err != nil {
			return nil, fmt.Errorf("invalid base endpoint, %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("invalid base endpoint %q: want scheme://host[:port][/path]", *cfg.BaseEndpoint)
		}
		return u, nil
	}
	if cfg.Region == "" {
		return nil, errors.New("endpoint rule error, Invalid Configuration: Missing Region")
	}
	if !validHostLabels(cfg.Region) {
		return nil, fmt.Errorf("invalid input region %s", cfg.Region)
	}
	p := partitionOf(region)
	prefix, suffix := s.Host, p.dnsSuffix
	if fips {
		prefix = s.FIPSHost
	}
	if dualStack {
		suffix = p.dualStackDNSSuffix
	}
	switch {
	case fips && dualStack && !(p.supportsFIPS && p.supportsDualStack):
		return nil, errors.New("endpoint rule error, FIPS and DualStack are enabled, but this partition does not support one or both")
	case fips && !p.supportsFIPS:
		return nil, errors.New("endpoint rule error, FIPS is enabled but this partition does not support FIPS")
	case dualStack && !p.supportsDualStack:
		return nil, errors.New("endpoint rule error, DualStack is enabled but this partition does not support DualStack")
	}
	return &url.URL{Scheme: "https", Host: prefix + "." + region + "." + suffix}, nil
}

// validHostLabels reports whether s is a DNS name the endpoint rules accept
// as a region: dot-separated labels of 1 to 63 letters, digits and
// hyphens, none starting or ending with a hyphen.
func validHostLabels(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if !validHostLabel(label) {
			return false
		}
	}
	return true
}

// validHostLabel reports whether s is a DNS label: 1 to 63 letters, digits
// and hyphens, not starting or ending with a hyphen.
func validHostLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// NewRetryer returns the retryer an SDK client builds when none is
// configured: retry.NewAdaptiveMode for aws.RetryModeAdaptive, otherwise
// retry.NewStandard, with maxAttempts when it is positive.
func NewRetryer(mode aws.RetryMode, maxAttempts int) aws.Retryer {
	setMax := func(o *retry.StandardOptions) {
		if maxAttempts > 0 {
			o.MaxAttempts = maxAttempts
		}
	}
	if mode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, setMax)
		})
	}
	return retry.NewStandard(setMax)
}

// NewHTTPClient returns the HTTP client an SDK client builds when none is
// configured.
func NewHTTPClient() HTTPClient {
	return awshttp.NewBuildableClient()
}

// ConfigFIPS returns the FIPS setting found in cfg.ConfigSources (for
// example AWS_USE_FIPS_ENDPOINT or use_fips_endpoint in the shared config),
// as SDK clients read it.
func ConfigFIPS(cfg aws.Config) aws.FIPSEndpointState {
	type provider interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		p, ok := src.(provider)
		if !ok {
			continue
		}
		v, found, err := p.GetUseFIPSEndpoint(context.Background())
		if err != nil {
			break
		}
		if found {
			return v
		}
	}
	return aws.FIPSEndpointStateUnset
}

// ConfigDualStack returns the dual-stack setting found in cfg.ConfigSources
// (AWS_USE_DUALSTACK_ENDPOINT, use_dualstack_endpoint in the shared config,
// or config.WithUseDualStackEndpoint), as SDK clients read it.
func ConfigDualStack(cfg aws.Config) aws.DualStackEndpointState {
	type provider interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		p, ok := src.(provider)
		if !ok {
			continue
		}
		v, found, err := p.GetUseDualStackEndpoint(context.Background())
		if err != nil {
			break
		}
		if found {
			return v
		}
	}
	return aws.DualStackEndpointStateUnset
}

// ConfigBaseEndpoint returns the base endpoint an SDK client with the given
// service ID takes from cfg: cfg.BaseEndpoint, replaced by a service-specific
// endpoint from cfg.ConfigSources (AWS_ENDPOINT_URL_{SERVICE} or the shared
// config's services section) unless only the global AWS_ENDPOINT_URL is set.
func ConfigBaseEndpoint(cfg aws.Config, serviceID string) *string {
	base := cfg.BaseEndpoint
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, specific := os.LookupEnv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_")))
	if global && !specific {
		return base
	}
	type provider interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	for _, src := range cfg.ConfigSources {
		p, ok := src.(provider)
		if !ok {
			continue
		}
		v, found, err := p.GetServiceBaseEndpoint(context.Background(), serviceID)
		if err != nil {
			break
		}
		if found {
			return &v
		}
	}
	return base
}

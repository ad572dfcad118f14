package messagingapi

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/batchkit/batchkit/internal/awsrest"
)

// ServiceID is the SDK service ID, reported in every *smithy.OperationError.
const ServiceID = "Chime SDK Messaging"

// SigningName is the SigV4 signing name of Amazon Chime SDK Messaging (the
// same as Amazon Chime's, not the endpoint prefix "messaging-chime").
const SigningName = "chime"

// ThrottleErrorCodes are the Chime SDK Messaging error codes that mean "slow
// down". The SDK's retryers do not know them (ThrottledClientException is
// answered with HTTP 429, which they do not retry either), so [New] wraps
// the client's retryer with retry.AddWithErrorCodes(r, ThrottleErrorCodes...).
var ThrottleErrorCodes = []string{"ThrottledClientException"}

var service = &awsrest.Service{
	ID:          ServiceID,
	SigningName: SigningName,
	Host:        "messaging-chime",
	FIPSHost:    "messaging-chime-fips",
	APIName:     "chimesdkmessaging",
	APIVersion:  "2021-05-15",
}

// HTTPClient sends HTTP requests; *http.Client satisfies it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configures a [Client]. Zero values select the documented defaults.
type Options struct {
	// Region is the AWS Region, used for signing and, without BaseEndpoint,
	// for the endpoint messaging-chime.{Region}.{partition DNS suffix}: amazonaws.com,
	// amazonaws.com.cn, amazonaws.eu, c2s.ic.gov, sc2s.sgov.gov,
	// cloud.adc-e.uk or csp.hci.ic.gov, by the region's partition, as the
	// official client resolves it. A FIPS pseudo-region ("fips-us-east-1",
	// "us-east-1-fips") selects the FIPS endpoint of the region it names,
	// and requests are signed for the pseudo-region as given. Required.
	Region string

	// BaseEndpoint, when non-nil, replaces the resolved endpoint, for example
	// with a test server's URL. It cannot be combined with FIPS (a FIPS
	// pseudo-region included) or dual-stack: the call fails, as with the
	// official client.
	BaseEndpoint *string

	// UseFIPSEndpoint selects messaging-chime-fips.{Region}.{partition DNS suffix} when
	// aws.FIPSEndpointStateEnabled. Zero (unset) means the standard endpoint.
	UseFIPSEndpoint aws.FIPSEndpointState

	// UseDualStackEndpoint selects the partition's dual-stack DNS suffix
	// (for example messaging-chime.us-east-1.api.aws) when
	// aws.DualStackEndpointStateEnabled. Zero (unset) means the standard
	// endpoint. [NewFromConfig] takes it from the config's sources, as the
	// official client does (AWS_USE_DUALSTACK_ENDPOINT,
	// use_dualstack_endpoint in the shared config, or
	// config.WithUseDualStackEndpoint).
	UseDualStackEndpoint aws.DualStackEndpointState

	// Credentials signs requests with SigV4. Nil sends them unsigned (the
	// service then refuses them).
	Credentials aws.CredentialsProvider

	// HTTPClient sends requests. Nil means awshttp.NewBuildableClient(), as
	// in SDK clients.
	HTTPClient HTTPClient

	// Retryer decides which failed attempts are retried and how long to wait.
	// Nil means a retryer built from RetryMode and RetryMaxAttempts. [New]
	// wraps it so that [ThrottleErrorCodes] are retried.
	Retryer aws.Retryer

	// RetryMaxAttempts, when non-zero, overrides the retryer's maximum
	// attempts (retry.AddWithMaxAttempts), for the client or, set by a
	// per-call option function, for one call.
	RetryMaxAttempts int

	// RetryMode selects the retryer built when Retryer is nil: "standard"
	// (the default) or "adaptive".
	RetryMode aws.RetryMode

	// AppID, when set, is added to the User-Agent header.
	AppID string
}

// Client is an Amazon Chime SDK Messaging client for
// BatchCreateChannelMembership, shaped like the aws-sdk-go-v2 service client.
// It is safe for concurrent use; its options are fixed when it is built.
type Client struct {
	options Options
}

// New returns a client built from options, after applying optFns to a copy of
// them.
func New(options Options, optFns ...func(*Options)) *Client {
	resolveDefaults(&options)
	for _, fn := range optFns {
		fn(&options)
	}
	resolveDefaults(&options)
	if options.RetryMaxAttempts != 0 {
		options.Retryer = retry.AddWithMaxAttempts(options.Retryer, options.RetryMaxAttempts)
	}
	options.Retryer = retry.AddWithErrorCodes(options.Retryer, ThrottleErrorCodes...)
	return &Client{options: options}
}

// NewFromConfig returns a client configured from cfg the way SDK clients
// are: Region, Credentials, HTTPClient, AppID, the retryer (cfg.Retryer, else
// cfg.RetryMode and cfg.RetryMaxAttempts), BaseEndpoint (including
// AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING found in cfg.ConfigSources), the
// FIPS and dual-stack settings from cfg.ConfigSources, then
// cfg.ServiceOptions called with [ServiceID] and a *Options, then optFns.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	opts := Options{
		Region:               cfg.Region,
		Credentials:          cfg.Credentials,
		HTTPClient:           cfg.HTTPClient,
		AppID:                cfg.AppID,
		RetryMaxAttempts:     cfg.RetryMaxAttempts,
		RetryMode:            cfg.RetryMode,
		BaseEndpoint:         awsrest.ConfigBaseEndpoint(cfg, ServiceID),
		UseFIPSEndpoint:      awsrest.ConfigFIPS(cfg),
		UseDualStackEndpoint: awsrest.ConfigDualStack(cfg),
	}
	if cfg.Retryer != nil {
		opts.Retryer = cfg.Retryer()
	}
	return New(opts, func(o *Options) {
		for _, fn := range cfg.ServiceOptions {
			fn(ServiceID, o)
		}
		for _, fn := range optFns {
			fn(o)
		}
	})
}

// Options returns a copy of the client's options, with the defaults
// resolved and the retryer as wrapped by [New].
func (c *Client) Options() Options {
	return c.options
}

func resolveDefaults(o *Options) {
	if o.Retryer == nil {
		o.Retryer = awsrest.NewRetryer(o.RetryMode, 0)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = awsrest.NewHTTPClient()
	}
}

// operationOptions applies the per-call option functions to a copy of the
// client's options. A Retryer or HTTPClient set to nil there falls back to
// the client's.
func (c *Client) operationOptions(optFns []func(*Options)) Options {
	o := c.options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Retryer == nil {
		o.Retryer = c.options.Retryer
	}
	if o.RetryMaxAttempts != 0 && o.RetryMaxAttempts != c.options.RetryMaxAttempts {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, o.RetryMaxAttempts)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = c.options.HTTPClient
	}
	return o
}

func (o *Options) restConfig() *awsrest.Config {
	return &awsrest.Config{
		Region:               o.Region,
		BaseEndpoint:         o.BaseEndpoint,
		UseFIPSEndpoint:      o.UseFIPSEndpoint,
		UseDualStackEndpoint: o.UseDualStackEndpoint,
		Credentials:          o.Credentials,
		HTTPClient:           o.HTTPClient,
		Retryer:              o.Retryer,
		AppID:                o.AppID,
	}
}

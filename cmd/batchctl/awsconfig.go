package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// credentialSources says where loadAWSConfig looks, for the usage text.
const credentialSources = `Credentials and region come from the SDK's default chain: environment
variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_REGION, AWS_PROFILE), the shared config and credentials files, SSO,
web identity, and container or instance roles. --profile and --region
override the profile and region; --endpoint, or AWS_ENDPOINT_URL_<SERVICE>
(see 'batchctl fake'), sends the calls elsewhere.`

// loadAWSConfig returns the configuration for real calls from the SDK's
// default credential chain (config.LoadDefaultConfig), with the profile and
// region when they are not empty. Without a region and with an endpoint
// set (a test kit), the region is us-east-1. It retrieves the credentials
// once, so that a machine without any fails at once.
func loadAWSConfig(ctx context.Context, profile, region string, endpointSet bool) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" && (endpointSet || cfg.BaseEndpoint != nil) {
		cfg.Region = "us-east-1"
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no region: set --region, AWS_REGION or a region in the shared config file")
	}
	// Fail before reading the input when no source has credentials, rather
	// than on every call.
	if cfg.Credentials == nil {
		return aws.Config{}, errors.New("no credentials found by the default credential chain")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("retrieving credentials: %w", err)
	}
	return cfg, nil
}

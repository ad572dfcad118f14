//go:build !batchctl_sdkconfig

package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// credentialSources says where loadAWSConfig looks, for the usage text.
const credentialSources = `Credentials come from the environment only: AWS_ACCESS_KEY_ID (or
AWS_ACCESS_KEY), AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) and, for
temporary credentials, AWS_SESSION_TOKEN. The region comes from --region,
AWS_REGION or AWS_DEFAULT_REGION. Shared config and credentials files,
profiles, SSO and instance or container roles are not read by this build.`

// loadAWSConfig returns the configuration for real calls: credentials from
// the environment, and region, or AWS_REGION / AWS_DEFAULT_REGION when
// region is empty. The service clients fill in the SDK's defaults (standard
// retryer, HTTP client) for what it leaves unset.
//
// This is the fallback used while github.com/aws/aws-sdk-go-v2/config is not
// a dependency of the module; awsconfig_sdk.go (build tag
// batchctl_sdkconfig) is the same function on the SDK's default credential
// chain.
func loadAWSConfig(_ context.Context, region string) (aws.Config, error) {
	key := firstEnv("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secret := firstEnv("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if key == "" || secret == "" {
		return aws.Config{}, errors.New("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (this build reads credentials from the environment only)")
	}
	creds := aws.Credentials{
		AccessKeyID:     key,
		SecretAccessKey: secret,
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}
	if region == "" {
		region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("no region: set --region or AWS_REGION")
	}
	return aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		})),
	}, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

package awsrest

import (
	"regexp"
	"slices"
	"strings"
)

// partition is an AWS partition as the endpoint rules see it: the DNS
// suffixes of its endpoints and whether it has FIPS and dual-stack ones.
type partition struct {
	id                 string
	regionRegex        *regexp.Regexp
	regions            []string // the regions the partition lists by name
	dnsSuffix          string
	dualStackDNSSuffix string
	supportsFIPS       bool
	supportsDualStack  bool
}

// partitions is the only copy of the partition data in batchkit, in the
// order the SDK searches it.
//
// Source: github.com/aws/aws-sdk-go-v2 v1.47.7 (released 2026-11-05),
// internal/endpoints/awsrulesfn/partitions.json, which is where the
// official clients' endpoint rules get partitions from
// (awsrulesfn.GetPartition). No region of the file overrides its
// partition's outputs, so only the outputs are kept. When the module's
// aws-sdk-go-v2 pin moves, compare with that file;
// TestPartitionsMatchSDK checks every partition against the resolver of
// the pinned service/appstream, which reads the same file.
var partitions = []partition{
	{
		id:          "aws",
		regionRegex: regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$`),
		regions: []string{
			"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
			"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
			"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1",
			"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1",
			"eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
			"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
		},
		dnsSuffix:          "amazonaws.com",
		dualStackDNSSuffix: "api.aws",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-cn",
		regionRegex:        regexp.MustCompile(`^cn\-\w+\-\d+$`),
		regions:            []string{"aws-cn-global", "cn-north-1", "cn-northwest-1"},
		dnsSuffix:          "amazonaws.com.cn",
		dualStackDNSSuffix: "api.amazonwebservices.com.cn",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-eusc",
		regionRegex:        regexp.MustCompile(`^eusc\-(de)\-\w+\-\d+$`),
		regions:            []string{"eusc-de-east-1"},
		dnsSuffix:          "amazonaws.eu",
		dualStackDNSSuffix: "api.amazonwebservices.eu",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-iso",
		regionRegex:        regexp.MustCompile(`^us\-iso\-\w+\-\d+$`),
		regions:            []string{"aws-iso-global", "us-iso-east-1", "us-iso-west-1"},
		dnsSuffix:          "c2s.ic.gov",
		dualStackDNSSuffix: "api.aws.ic.gov",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-iso-b",
		regionRegex:        regexp.MustCompile(`^us\-isob\-\w+\-\d+$`),
		regions:            []string{"aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"},
		dnsSuffix:          "sc2s.sgov.gov",
		dualStackDNSSuffix: "api.aws.scloud",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-iso-e",
		regionRegex:        regexp.MustCompile(`^eu\-isoe\-\w+\-\d+$`),
		regions:            []string{"aws-iso-e-global", "eu-isoe-west-1"},
		dnsSuffix:          "cloud.adc-e.uk",
		dualStackDNSSuffix: "api.cloud-aws.adc-e.uk",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-iso-f",
		regionRegex:        regexp.MustCompile(`^us\-isof\-\w+\-\d+$`),
		regions:            []string{"aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"},
		dnsSuffix:          "csp.hci.ic.gov",
		dualStackDNSSuffix: "api.aws.hci.ic.gov",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
	{
		id:                 "aws-us-gov",
		regionRegex:        regexp.MustCompile(`^us\-gov\-\w+\-\d+$`),
		regions:            []string{"aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"},
		dnsSuffix:          "amazonaws.com",
		dualStackDNSSuffix: "api.aws",
		supportsFIPS:       true,
		supportsDualStack:  true,
	},
}

// partitionOf returns the partition of region as the SDK finds it: the
// partition that lists region by name, else the first whose region pattern
// matches it, else the aws partition.
func partitionOf(region string) *partition {
	for i := range partitions {
		if slices.Contains(partitions[i].regions, region) {
			return &partitions[i]
		}
	}
	for i := range partitions {
		if partitions[i].regionRegex.MatchString(region) {
			return &partitions[i]
		}
	}
	return &partitions[0]
}

// MapFIPSRegion returns the region a FIPS pseudo-region stands for, and
// whether region was one: "fips-us-east-1" and "us-east-1-fips" are
// us-east-1 with FIPS endpoints ("-fips-" inside a name is removed too), as
// in the SDK's clients. Requests are still signed for region as given.
func MapFIPSRegion(region string) (string, bool) {
	const infix, prefix, suffix = "-fips-", "fips-", "-fips"
	if !strings.Contains(region, infix) && !strings.Contains(region, prefix) && !strings.Contains(region, suffix) {
		return region, false
	}
	region = strings.ReplaceAll(region, infix, "-")
	region = strings.ReplaceAll(region, prefix, "")
	region = strings.ReplaceAll(region, suffix, "")
	return region, true
}

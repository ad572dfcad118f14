module github.com/batchkit/batchkit

go 1.26.0

require (
	github.com/aws/aws-sdk-go-v2 v1.47.7
	github.com/aws/aws-sdk-go-v2/service/appstream v1.60.1
	github.com/aws/aws-sdk-go-v2/service/chime v1.42.0
	github.com/aws/smithy-go v1.28.8
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.24.0
	golang.org/x/time v0.16.0
)

require (
	github.com/aws/aws-sdk-go-v2/internal/configsources v1.5.10 // indirect
	github.com/aws/aws-sdk-go-v2/internal/endpoints/v2 v2.8.10 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)

package chimecodes_test

import (
	"slices"
	"testing"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"
	"go.uber.org/goleak"

	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/internal/chimecodes"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestItemCodesMatchBothServices checks that the shared enum is the one of
// the pinned Chime SDK and of the messaging client.
func TestItemCodesMatchBothServices(t *testing.T) {
	want := chimecodes.ItemCodes()
	var chime, messaging []string
	for _, v := range chimetypes.ErrorCode("").Values() {
		chime = append(chime, string(v))
	}
	for _, v := range messagingapi.ErrorCode("").Values() {
		messaging = append(messaging, string(v))
	}
	if !slices.Equal(chime, want) {
		t.Errorf("chime ErrorCode values %v, want %v", chime, want)
	}
	if !slices.Equal(messaging, want) {
		t.Errorf("messaging ErrorCode values %v, want %v", messaging, want)
	}
	chimecodes.ItemCodes()[0] = "changed"
	if chimecodes.ItemCodes()[0] != "BadRequest" {
		t.Error("ItemCodes returns a shared slice")
	}
}

func TestItem(t *testing.T) {
	want := map[string]chimecodes.Class{
		"BadRequest":                           {Code: batch.CodeInvalidInput},
		"Conflict":                             {Code: batch.CodeConflict},
		"Forbidden":                            {Code: batch.CodeForbidden},
		"NotFound":                             {Code: batch.CodeNotFound},
		"PreconditionFailed":                   {Code: batch.CodeConflict},
		"ResourceLimitExceeded":                {Code: batch.CodeLimitExceeded},
		"ServiceFailure":                       {Code: batch.CodeInternal, Retryable: true},
		"AccessDenied":                         {Code: batch.CodeForbidden},
		"ServiceUnavailable":                   {Code: batch.CodeUnavailable, Retryable: true},
		"Throttled":                            {Code: batch.CodeThrottled, Retryable: true},
		"Throttling":                           {Code: batch.CodeThrottled, Retryable: true},
		"Unauthorized":                         {Code: batch.CodeUnauthorized},
		"Unprocessable":                        {Code: batch.CodeInvalidInput},
		"VoiceConnectorGroupAssociationsExist": {Code: batch.CodeConflict},
		"PhoneNumberAssociationsExist":         {Code: batch.CodeConflict},
		"":                                     {Code: batch.CodeUnknown},
		"SomethingNew":                         {Code: batch.CodeUnknown},
		"badrequest":                           {Code: batch.CodeUnknown},
	}
	for _, c := range chimecodes.ItemCodes() {
		if _, ok := want[c]; !ok {
			t.Errorf("ErrorCode %s has no expectation", c)
		}
	}
	for code, w := range want {
		if got := chimecodes.Item(code); got != w {
			t.Errorf("Item(%q) = %+v, want %+v", code, got, w)
		}
	}
}

func TestCall(t *testing.T) {
	tests := []struct {
		code string
		want chimecodes.Class
		ok   bool
	}{
		{"NotFoundException", chimecodes.Class{Code: batch.CodeNotFound}, true},
		{"NotFound", chimecodes.Class{Code: batch.CodeNotFound}, true},
		{"BadRequestException", chimecodes.Class{Code: batch.CodeInvalidInput}, true},
		{"BadRequest", chimecodes.Class{Code: batch.CodeInvalidInput}, true},
		{"ValidationException", chimecodes.Class{Code: batch.CodeInvalidInput}, true},
		{"UnauthorizedClientException", chimecodes.Class{Code: batch.CodeUnauthorized}, true},
		{"InvalidSignatureException", chimecodes.Class{Code: batch.CodeUnauthorized}, true},
		{"UnrecognizedClientException", chimecodes.Class{Code: batch.CodeUnauthorized}, true},
		{"MissingAuthenticationTokenException", chimecodes.Class{Code: batch.CodeUnauthorized}, true},
		{"ForbiddenException", chimecodes.Class{Code: batch.CodeForbidden}, true},
		{"AccessDeniedException", chimecodes.Class{Code: batch.CodeForbidden}, true},
		{"ResourceLimitExceededException", chimecodes.Class{Code: batch.CodeLimitExceeded}, true},
		{"ConflictException", chimecodes.Class{Code: batch.CodeConflict}, true},
		{"ThrottledClientException", chimecodes.Class{Code: batch.CodeThrottled, Retryable: true}, true},
		{"Throttled", chimecodes.Class{Code: batch.CodeThrottled, Retryable: true}, true},
		{"ServiceUnavailableException", chimecodes.Class{Code: batch.CodeUnavailable, Retryable: true}, true},
		{"ServiceFailureException", chimecodes.Class{Code: batch.CodeInternal, Retryable: true}, true},
		{"Teapot", chimecodes.Class{}, false},
	}
	for _, tt := range tests {
		got, ok := chimecodes.Call(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Call(%q) = %+v, %v, want %+v, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		status int
		want   chimecodes.Class
		ok     bool
	}{
		{401, chimecodes.Class{Code: batch.CodeUnauthorized}, true},
		{403, chimecodes.Class{Code: batch.CodeForbidden}, true},
		{429, chimecodes.Class{Code: batch.CodeThrottled, Retryable: true}, true},
		{500, chimecodes.Class{Code: batch.CodeInternal, Retryable: true}, true},
		{502, chimecodes.Class{Code: batch.CodeUnavailable, Retryable: true}, true},
		{599, chimecodes.Class{Code: batch.CodeUnavailable, Retryable: true}, true},
		{0, chimecodes.Class{Code: batch.CodeUnknown}, false},
		{400, chimecodes.Class{Code: batch.CodeUnknown}, false},
		{418, chimecodes.Class{Code: batch.CodeUnknown}, false},
		{600, chimecodes.Class{Code: batch.CodeUnknown}, false},
	}
	for _, tt := range tests {
		got, ok := chimecodes.Status(tt.status)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Status(%d) = %+v, %v, want %+v, %v", tt.status, got, ok, tt.want, tt.ok)
		}
	}
}

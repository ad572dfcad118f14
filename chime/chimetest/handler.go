package chimetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// MaxItemsPerCall is the most UpdateUserRequestItems the server accepts in
// one request, as the service model allows.
const MaxItemsPerCall = 20

// Wire shapes of BatchUpdateUser (restJson1; member names as in the model).
type (
	updateRequest struct {
		UpdateUserRequestItems *[]updateItem
	}
	updateItem struct {
		UserId                   *string
		LicenseType              *string
		UserType                 *string
		AlexaForBusinessMetadata *alexaMetadata
	}
	alexaMetadata struct {
		AlexaForBusinessRoomArn   *string
		IsAlexaForBusinessEnabled *bool
	}
	updateResponse struct {
		UserErrors []userError
	}
	userError struct {
		UserId       string
		ErrorCode    string
		ErrorMessage string
	}
)

// accountID returns the account of a /accounts/{AccountId}/users path.
func accountID(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/accounts/")
	if !ok {
		return "", false
	}
	label, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "users" || label == "" {
		return "", false
	}
	id, err := url.PathUnescape(label)
	if err != nil {
		return "", false
	}
	return id, true
}

// isBatchUpdateUser reports whether r is BatchUpdateUser: POST
// /accounts/{AccountId}/users without an operation query parameter. The same
// path with ?operation=create, add, suspend or unsuspend, and GET on it, are
// other operations.
func isBatchUpdateUser(r *http.Request) bool {
	_, ok := accountID(r)
	return ok && r.Method == http.MethodPost && !r.URL.Query().Has("operation")
}

// operationName names a request for the log.
func operationName(r *http.Request) string {
	if isBatchUpdateUser(r) {
		return "BatchUpdateUser"
	}
	return "Unsupported"
}

// writeError renders a Chime error the way the service does: the status,
// X-Amzn-ErrorType: <Name>Exception, and {"Code":<short code>,"Message":...}.
func writeError(w http.ResponseWriter, status int, name string, code chimetypes.ErrorCode, msg string) {
	awsfake.WriteJSONError(w, status, name, map[string]any{"Code": string(code), "Message": msg}, true)
}

func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "BadRequestException", chimetypes.ErrorCodeBadRequest, fmt.Sprintf(format, args...))
}

// writeRefusal renders the wrapper's refusals as Chime does.
func (s *Server) writeRefusal(w http.ResponseWriter, r *http.Request, kind awsfake.ErrorKind, msg string) {
	switch kind {
	case awsfake.KindSignature, awsfake.KindMissingAuth, awsfake.KindUnknownKey:
		if s.opts.GenericAuthErrors {
			awsfake.WriteDefaultError(w, r, kind, msg)
			return
		}
		writeError(w, http.StatusUnauthorized, "UnauthorizedClientException", chimetypes.ErrorCodeUnauthorized, msg)
	case awsfake.KindThrottle:
		writeError(w, http.StatusTooManyRequests, "ThrottledClientException", chimetypes.ErrorCodeThrottled, msg)
	default:
		writeError(w, http.StatusInternalServerError, "ServiceFailureException", chimetypes.ErrorCodeServiceFailure, msg)
	}
}

// serve handles requests that passed the signature check and the fault
// plan.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !isBatchUpdateUser(r) {
		// The fake implements only BatchUpdateUser; AWS's answer for an
		// operation a service does not have is 404 UnknownOperationException.
		awsfake.WriteJSONError(w, http.StatusNotFound, "UnknownOperationException",
			map[string]any{"Message": "chimetest serves only BatchUpdateUser (POST /accounts/{AccountId}/users without an operation query)"}, true)
		return
	}
	account, _ := accountID(r)
	if !hasNonSpace(account) {
		badRequest(w, "AccountId must contain a non-space character")
		return
	}
	var req updateRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		badRequest(w, "the request body is not valid JSON: %v", err)
		return
	}
	if req.UpdateUserRequestItems == nil {
		badRequest(w, "UpdateUserRequestItems is required")
		return
	}
	items := *req.UpdateUserRequestItems
	if len(items) > MaxItemsPerCall {
		badRequest(w, "UpdateUserRequestItems must hold at most %d items, got %d", MaxItemsPerCall, len(items))
		return
	}
	for i, it := range items {
		if it.UserId == nil || !hasNonSpace(*it.UserId) {
			badRequest(w, "UpdateUserRequestItems[%d].UserId must contain a non-space character", i)
			return
		}
		if s.fake.IsPoison(*it.UserId) {
			awsfake.MarkFault(r, FaultPoison)
			badRequest(w, "UpdateUserRequestItems[%d] is not valid", i)
			return
		}
	}

	// Draw the item faults first, one per item in request order, so the
	// plan does not depend on the state.
	fails := make([]bool, len(items))
	for i := range items {
		fails[i] = s.fake.ItemFails()
	}

	s.mu.Lock()
	users, ok := s.accounts[account]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "NotFoundException", chimetypes.ErrorCodeNotFound, "the account does not exist")
		return
	}
	resp := updateResponse{UserErrors: []userError{}}
	for i, it := range items {
		id := *it.UserId
		fail := func(code chimetypes.ErrorCode, msg string) {
			resp.UserErrors = append(resp.UserErrors, userError{UserId: id, ErrorCode: string(code), ErrorMessage: msg})
		}
		if fails[i] {
			code := s.opts.ItemFailureCodes[s.itemFails%len(s.opts.ItemFailureCodes)]
			s.itemFails++
			fail(code, "the update could not be applied now; try again")
			continue
		}
		u, ok := users[id]
		switch {
		case !ok:
			fail(chimetypes.ErrorCodeNotFound, "the user does not exist in the account")
			continue
		case it.LicenseType != nil && !valid(chimetypes.License(*it.LicenseType)):
			fail(chimetypes.ErrorCodeBadRequest, "LicenseType is not one of Basic, Plus, Pro, ProTrial")
			continue
		case it.UserType != nil && !valid(chimetypes.UserType(*it.UserType)):
			fail(chimetypes.ErrorCodeBadRequest, "UserType is not one of PrivateUser, SharedDevice")
			continue
		}
		if it.LicenseType != nil {
			u.LicenseType = chimetypes.License(*it.LicenseType)
		}
		if it.UserType != nil {
			u.UserType = chimetypes.UserType(*it.UserType)
		}
		if m := it.AlexaForBusinessMetadata; m != nil {
			u.AlexaForBusinessMetadata = &chimetypes.AlexaForBusinessMetadata{
				AlexaForBusinessRoomArn:   m.AlexaForBusinessRoomArn,
				IsAlexaForBusinessEnabled: m.IsAlexaForBusinessEnabled,
			}
		}
		u.Updates++
	}
	s.mu.Unlock()
	if len(resp.UserErrors) > 0 {
		awsfake.MarkFault(r, FaultItemErrors)
	}
	awsfake.WriteJSON(w, http.StatusOK, resp)
}

func valid[E interface {
	~string
	Values() []E
}](v E) bool {
	for _, x := range v.Values() {
		if v == x {
			return true
		}
	}
	return false
}

// hasNonSpace reports whether s holds a character that is not white space
// (the model's pattern \S).
func hasNonSpace(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }) >= 0
}

// corrupt is the server's Options.Corrupt: it rotates through the ways an
// answer can be broken, so that every one of them is exercised: a truncated
// body, an empty body, a JSON null, trailing garbage after the object, and a
// well-formed answer whose UserErrors names a user the call did not carry.
func (s *Server) corrupt(body []byte) []byte {
	s.mu.Lock()
	n := s.corrupted
	s.corrupted++
	s.mu.Unlock()
	switch n % 5 {
	case 0:
		return awsfake.Truncate(body)
	case 1:
		return []byte{}
	case 2:
		return []byte("null")
	case 3:
		return append(bytes.TrimSpace(body), []byte(`{"UserErrors":[]}`)...)
	}
	stranger, _ := json.Marshal(updateResponse{UserErrors: []userError{{
		UserId: "chimetest-stranger", ErrorCode: string(chimetypes.ErrorCodeNotFound), ErrorMessage: "the user does not exist in the account",
	}}})
	return stranger
}

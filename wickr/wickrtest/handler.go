package wickrtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// MaxItemsPerCall is the most users, user IDs, app IDs or unames the server
// accepts in one request, as the service documents.
const MaxItemsPerCall = 50

// Wire shapes of BatchCreateUser (restJson1; member names as in the model).
type (
	createRequest struct {
		Users *[]createItem `json:"users"`
	}
	createItem struct {
		Username         *string   `json:"username"`
		SecurityGroupIds *[]string `json:"securityGroupIds"`
		FirstName        *string   `json:"firstName"`
		LastName         *string   `json:"lastName"`
		InviteCode       *string   `json:"inviteCode"`
		InviteCodeTtl    *int32    `json:"inviteCodeTtl"`
		CodeValidation   *bool     `json:"codeValidation"`
	}
	createResponse struct {
		Successful []userJSON   `json:"successful"`
		Failed     []failedJSON `json:"failed"`
	}
	userJSON struct {
		UserId          string   `json:"userId"`
		Username        string   `json:"username,omitempty"`
		FirstName       string   `json:"firstName,omitempty"`
		LastName        string   `json:"lastName,omitempty"`
		SecurityGroups  []string `json:"securityGroups"`
		IsAdmin         bool     `json:"isAdmin"`
		Suspended       bool     `json:"suspended"`
		Status          int32    `json:"status"`
		OtpEnabled      bool     `json:"otpEnabled"`
		IsUser          bool     `json:"isUser"`
		InviteCode      string   `json:"inviteCode,omitempty"`
		IsInviteExpired bool     `json:"isInviteExpired"`
		CodeValidation  bool     `json:"codeValidation"`
		Uname           string   `json:"uname,omitempty"`
	}
	failedJSON struct {
		UserId string `json:"userId"`
		Field  string `json:"field"`
		Reason string `json:"reason"`
	}
	reasonJSON struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	}
)

// Reasons of the failed entries the server gives, always with userId "0".
const (
	// ReasonUserExists (field "username"): the network already has a user
	// with the name, or the request carries the name twice (the first is
	// created). This is the service's documented example.
	ReasonUserExists = "User already exists"
	// ReasonUsernameRequired (field "username"): the user name is empty.
	ReasonUsernameRequired = "Username is required"
	// ReasonGroupRequired (field "securityGroupIds"): the list is empty.
	ReasonGroupRequired = "A security group is required"
	// ReasonOneGroup (field "securityGroupIds"): the list names more than
	// one group; the service documents that this is an error.
	ReasonOneGroup = "A user can belong to only one security group"
	// ReasonGroupNotFound (field "securityGroupIds"): the network has no
	// such security group.
	ReasonGroupNotFound = "Security group not found"
)

// Messages of the errors the server answers with.
const (
	msgTokenReused      = "The client token was already used with a different request"
	msgTooManyUsers     = "Maximum 50 users per batch request"
	msgNetworkNotFound  = "Network not found"
	msgUnknownOperation = "wickrtest serves only BatchCreateUser, BatchDeleteUser, BatchReinviteUser, BatchToggleUserSuspendStatus, BatchResetDevicesForUser and BatchLookupUserUname"
	msgRateLimit        = "Too many requests sent"
	msgInternal         = "Internal server error"
	strangerName        = "wickrtest-stranger"
)

// The operations the server serves, as named in the request log.
const (
	opCreate   = "BatchCreateUser"
	opDelete   = "BatchDeleteUser"
	opReinvite = "BatchReinviteUser"
	opSuspend  = "BatchToggleUserSuspendStatus"
	opReset    = "BatchResetDevicesForUser"
	opLookup   = "BatchLookupUserUname"
)

// route is what a request's method and path say: the operation and its
// path labels.
type route struct {
	op      string // "" when the server does not serve the request
	network string
	user    string // the {userId} label of BatchResetDevicesForUser
}

// routeOf maps a request to its operation by method and path, as the
// service's restJson1 bindings do:
//
//	POST  /networks/{networkId}/users                   BatchCreateUser
//	POST  /networks/{networkId}/users/batch-delete      BatchDeleteUser
//	PATCH /networks/{networkId}/users/re-invite         BatchReinviteUser
//	PATCH /networks/{networkId}/users/toggleSuspend     BatchToggleUserSuspendStatus
//	PATCH /networks/{networkId}/users/{userId}/devices  BatchResetDevicesForUser
//	POST  /networks/{networkId}/users/uname-lookup      BatchLookupUserUname
//
// GET (ListUsers) and PATCH (UpdateUser) on /networks/{networkId}/users
// are other operations.
func routeOf(r *http.Request) route {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/networks/")
	if !ok {
		return route{}
	}
	segs := strings.Split(rest, "/")
	if len(segs) < 2 || segs[0] == "" || segs[1] != "users" {
		return route{}
	}
	network, err := url.PathUnescape(segs[0])
	if err != nil {
		return route{}
	}
	rt := route{network: network}
	switch tail := segs[2:]; {
	case len(tail) == 0 && r.Method == http.MethodPost:
		rt.op = opCreate
	case len(tail) == 1 && tail[0] == "batch-delete" && r.Method == http.MethodPost:
		rt.op = opDelete
	case len(tail) == 1 && tail[0] == "re-invite" && r.Method == http.MethodPatch:
		rt.op = opReinvite
	case len(tail) == 1 && tail[0] == "toggleSuspend" && r.Method == http.MethodPatch:
		rt.op = opSuspend
	case len(tail) == 1 && tail[0] == "uname-lookup" && r.Method == http.MethodPost:
		rt.op = opLookup
	case len(tail) == 2 && tail[0] != "" && tail[1] == "devices" && r.Method == http.MethodPatch:
		user, err := url.PathUnescape(tail[0])
		if err != nil {
			return route{}
		}
		rt.op, rt.user = opReset, user
	}
	return rt
}

// operationName names a request for the log.
func operationName(r *http.Request) string {
	if op := routeOf(r).op; op != "" {
		return op
	}
	return "Unsupported"
}

// writeError renders a Wickr error: the status, X-Amzn-ErrorType: <Name>,
// and {"message": ...} with the model's lower-case member name.
func writeError(w http.ResponseWriter, status int, name, msg string) {
	awsfake.WriteJSONError(w, status, name, map[string]any{"message": msg}, true)
}

// writeValidation renders a 422 ValidationError with its reasons.
func writeValidation(w http.ResponseWriter, reasons []reasonJSON) {
	awsfake.WriteJSONError(w, http.StatusUnprocessableEntity, "ValidationError", map[string]any{
		"message": "The request failed validation",
		"reasons": reasons,
	}, true)
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "BadRequestError", msg)
}

// writeRefusal renders the wrapper's refusals as Wickr does.
func (s *Server) writeRefusal(w http.ResponseWriter, r *http.Request, kind awsfake.ErrorKind, msg string) {
	switch kind {
	case awsfake.KindSignature, awsfake.KindMissingAuth, awsfake.KindUnknownKey:
		if s.opts.GenericAuthErrors {
			awsfake.WriteDefaultError(w, r, kind, msg)
			return
		}
		writeError(w, http.StatusUnauthorized, "UnauthorizedError", msg)
	case awsfake.KindThrottle:
		writeError(w, http.StatusTooManyRequests, "RateLimitError", msgRateLimit)
	default:
		writeError(w, http.StatusInternalServerError, "InternalServerError", msgInternal+": "+msg)
	}
}

// serve handles requests that passed the signature check and the fault
// plan: it checks what every operation shares (the network label and the
// client token), then hands the request to its operation.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt := routeOf(r)
	if rt.op == "" {
		awsfake.WriteJSONError(w, http.StatusNotFound, "UnknownOperationException",
			map[string]any{"message": msgUnknownOperation}, true)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		badRequest(w, "the request body could not be read")
		return
	}
	if !isNetworkID(rt.network) {
		writeValidation(w, []reasonJSON{{Field: "networkId", Reason: "must be exactly 8 digits"}})
		return
	}
	tok := clientToken{value: r.Header.Get("X-Client-Token"), set: len(r.Header.Values("X-Client-Token")) > 0}
	if tok.set && !isClientToken(tok.value) {
		writeValidation(w, []reasonJSON{{Field: "clientToken", Reason: "must be 1 to 64 characters matching ^[a-zA-Z0-9-_:]+$"}})
		return
	}
	// The request a token is kept for: operation, labels, query and body.
	tok.request = sha256.Sum256([]byte(r.Method + "\x00" + r.URL.EscapedPath() + "\x00" + r.URL.RawQuery + "\x00" + string(body)))
	if rt.op == opCreate {
		s.serveCreate(w, r, rt.network, body, tok)
		return
	}
	s.serveBatch(w, r, rt, body, tok)
}

// clientToken is a request's X-Client-Token and the hash of the request it
// came with.
type clientToken struct {
	value   string
	set     bool
	request [32]byte
}

// replay answers a request whose client token was used before: with the
// kept answer when the request is the same, with 400 BadRequestError
// otherwise. It reports whether it answered. s.mu must be held.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, tok clientToken) bool {
	if !tok.set {
		return false
	}
	rec, ok := s.tokens[tok.value]
	if !ok {
		return false
	}
	if rec.request != tok.request {
		badRequest(w, msgTokenReused)
		return true
	}
	awsfake.MarkFault(r, FaultReplay)
	awsfake.WriteBody(w, http.StatusOK, rec.answer)
	return true
}

// keep records the 200 answer given to a client token. s.mu must be held.
func (s *Server) keep(tok clientToken, answer []byte) {
	if tok.set {
		s.tokens[tok.value] = &tokenRecord{request: tok.request, answer: answer}
	}
}

// serveCreate serves BatchCreateUser.
func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request, networkID string, body []byte, tok clientToken) {
	var req createRequest
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(w, "The request body is not valid JSON")
		return
	}
	if req.Users == nil {
		writeValidation(w, []reasonJSON{{Field: "users", Reason: "is required"}})
		return
	}
	items := *req.Users
	if len(items) > MaxItemsPerCall {
		badRequest(w, msgTooManyUsers)
		return
	}
	var reasons []reasonJSON
	for i, it := range items {
		if it.Username == nil {
			reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("users[%d].username", i), Reason: "is required"})
		}
		if it.SecurityGroupIds == nil {
			reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("users[%d].securityGroupIds", i), Reason: "is required"})
			continue
		}
		for j, g := range *it.SecurityGroupIds {
			if !isSecurityGroupID(g) {
				reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("users[%d].securityGroupIds[%d]", i, j), Reason: `must match ^[\S]+$`})
			}
		}
	}
	if len(reasons) > 0 {
		writeValidation(w, reasons)
		return
	}
	for i, it := range items {
		if s.fake.IsPoison(*it.Username) {
			reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("users[%d].username", i), Reason: "is not a valid user name"})
		}
	}
	if len(reasons) > 0 {
		awsfake.MarkFault(r, FaultPoison)
		writeValidation(w, reasons)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replay(w, r, tok) {
		return
	}
	n, ok := s.networks[networkID]
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFoundError", msgNetworkNotFound)
		return
	}
	resp := createResponse{Successful: []userJSON{}, Failed: []failedJSON{}}
	fail := func(field, reason string) {
		resp.Failed = append(resp.Failed, failedJSON{UserId: "0", Field: field, Reason: reason})
	}
	for _, it := range items {
		groups := *it.SecurityGroupIds
		switch {
		case s.fake.ItemFails():
			fail("", s.itemFailureReason())
			continue
		case *it.Username == "":
			fail("username", ReasonUsernameRequired)
			continue
		case n.users[*it.Username] != nil:
			fail("username", ReasonUserExists)
			continue
		case len(groups) == 0:
			fail("securityGroupIds", ReasonGroupRequired)
			continue
		case len(groups) > 1:
			fail("securityGroupIds", ReasonOneGroup)
			continue
		}
		if _, ok := n.groups[groups[0]]; !ok {
			fail("securityGroupIds", ReasonGroupNotFound)
			continue
		}
		u := n.add(networkID, *it.Username, groups)
		s.created++
		u.FirstName = deref(it.FirstName)
		u.LastName = deref(it.LastName)
		u.InviteCode = deref(it.InviteCode)
		if u.InviteCode == "" {
			u.InviteCode = "INVITE" + u.UserId
		}
		if it.InviteCodeTtl != nil {
			u.InviteCodeTtl = *it.InviteCodeTtl
		}
		if it.CodeValidation != nil {
			u.CodeValidation = *it.CodeValidation
		}
		resp.Successful = append(resp.Successful, toJSON(u))
	}
	s.answer(w, r, tok, resp, len(resp.Failed) > 0)
}

// itemFailureReason returns the next of Options.ItemFailureReasons, for an
// item Faults.ItemFailureRate picked. s.mu must be held.
func (s *Server) itemFailureReason() string {
	reason := s.opts.ItemFailureReasons[s.itemFails%len(s.opts.ItemFailureReasons)]
	s.itemFails++
	return reason
}

// answer encodes resp, keeps it for the client token and sends it with
// status 200. s.mu must be held.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, tok clientToken, resp any, failures bool) {
	answer, err := json.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", "wickrtest: encoding the answer: "+err.Error())
		return
	}
	s.keep(tok, answer)
	if failures {
		awsfake.MarkFault(r, FaultItemErrors)
	}
	awsfake.WriteBody(w, http.StatusOK, answer)
}

func toJSON(u *User) userJSON {
	return userJSON{
		UserId:         u.UserId,
		Username:       u.Username,
		FirstName:      u.FirstName,
		LastName:       u.LastName,
		SecurityGroups: append([]string{}, u.SecurityGroups...),
		Status:         u.Status,
		IsUser:         true,
		InviteCode:     u.InviteCode,
		CodeValidation: u.CodeValidation,
		Suspended:      u.Suspended,
		Uname:          u.Uname,
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// isNetworkID reports whether s matches ^[0-9]{8}$.
func isNetworkID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isClientToken reports whether s is 1 to 64 characters matching
// ^[a-zA-Z0-9-_:]+$.
func isClientToken(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':') {
			return false
		}
	}
	return true
}

// isSecurityGroupID reports whether s matches ^[\S]+$ (ECMAScript \s: Unicode
// white space and U+FEFF, not U+0085).
func isSecurityGroupID(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return r == 0xFEFF || (r != 0x85 && unicode.IsSpace(r))
	}) < 0
}

// corrupt is the server's Options.Corrupt: it rotates through the ways an
// answer can be broken, so that every one of them is exercised: a truncated
// body, an empty body, a JSON null, trailing data after the object, a
// well-formed answer whose successful entries name users the request did not
// carry (or that adds one such entry when nobody was created), and a
// well-formed answer whose successful entries name nobody, with one failed
// entry too many. None of them names a user the request carried as
// created. The answers of the other operations get the same last two
// kinds from corruptList, applied to both lists.
func (s *Server) corrupt(body []byte) []byte {
	s.mu.Lock()
	k := s.corrupted
	s.corrupted++
	s.mu.Unlock()
	switch k % 6 {
	case 0:
		return awsfake.Truncate(body)
	case 1:
		return []byte{}
	case 2:
		return []byte("null")
	case 3:
		return append(bytes.TrimSpace(body), []byte(`{"successful":[],"failed":[]}`)...)
	}
	if out, ok := corruptList(body, k%6 == 4); ok {
		return out
	}
	var resp createResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return awsfake.Truncate(body)
	}
	if resp.Successful == nil {
		resp.Successful = []userJSON{}
	}
	if resp.Failed == nil {
		resp.Failed = []failedJSON{}
	}
	if k%6 == 4 {
		for i := range resp.Successful {
			resp.Successful[i].Username = fmt.Sprintf("%s-%d", strangerName, i)
		}
		if len(resp.Successful) == 0 {
			resp.Successful = append(resp.Successful, userJSON{UserId: "999999", Username: strangerName, SecurityGroups: []string{}, Status: 1, IsUser: true})
		}
	} else {
		for i := range resp.Successful {
			resp.Successful[i].Username = ""
		}
		resp.Failed = append(resp.Failed, failedJSON{UserId: "0", Field: "username", Reason: ReasonUserExists})
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return awsfake.Truncate(body)
	}
	return out
}

package messagingtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/messaging/messagingapi"
)

// Wire shapes of BatchCreateChannelMembership (restJson1; member names as in
// the model).
type (
	createRequest struct {
		MemberArns   *[]string
		Type         *string
		SubChannelId *string
	}
	identity struct {
		Arn  string
		Name string `json:",omitempty"`
	}
	memberships struct {
		ChannelArn   string
		InvitedBy    identity
		Members      []identity
		SubChannelId string `json:",omitempty"`
		Type         string
	}
	memberError struct {
		MemberArn    string
		ErrorCode    string
		ErrorMessage string
	}
	createResponse struct {
		BatchChannelMemberships *memberships
		Errors                  []memberError
	}
)

// channelArnOf returns the channel of a /channels/{ChannelArn}/memberships
// path. It reads the escaped path: the ARN's own '/' characters arrive as
// %2F, so the decoded path cannot be split.
func channelArnOf(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/channels/")
	if !ok {
		return "", false
	}
	label, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "memberships" || label == "" {
		return "", false
	}
	arn, err := url.PathUnescape(label)
	if err != nil {
		return "", false
	}
	return arn, true
}

// isBatchCreate reports whether r is BatchCreateChannelMembership: POST
// /channels/{ChannelArn}/memberships?operation=batch-create. The same path
// without the query is CreateChannelMembership, which the fake does not
// serve.
func isBatchCreate(r *http.Request) bool {
	_, ok := channelArnOf(r)
	return ok && r.Method == http.MethodPost && r.URL.Query().Get("operation") == "batch-create"
}

// operationName names a request for the log.
func operationName(r *http.Request) string {
	if isBatchCreate(r) {
		return "BatchCreateChannelMembership"
	}
	return "Unsupported"
}

// writeError renders an error the way the service does: the status,
// X-Amzn-ErrorType: <Name>Exception, and {"Code":<short code>,"Message":...}.
func writeError(w http.ResponseWriter, status int, name string, code messagingapi.ErrorCode, msg string) {
	awsfake.WriteJSONError(w, status, name, map[string]any{"Code": string(code), "Message": msg}, true)
}

func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "BadRequestException", messagingapi.ErrorCodeBadRequest, fmt.Sprintf(format, args...))
}

// writeRefusal renders the wrapper's refusals as the service does.
func (s *Server) writeRefusal(w http.ResponseWriter, r *http.Request, kind awsfake.ErrorKind, msg string) {
	switch kind {
	case awsfake.KindSignature, awsfake.KindMissingAuth, awsfake.KindUnknownKey:
		if s.opts.GenericAuthErrors {
			awsfake.WriteDefaultError(w, r, kind, msg)
			return
		}
		writeError(w, http.StatusUnauthorized, "UnauthorizedClientException", messagingapi.ErrorCodeUnauthorized, msg)
	case awsfake.KindThrottle:
		writeError(w, http.StatusTooManyRequests, "ThrottledClientException", messagingapi.ErrorCodeThrottled, msg)
	default:
		writeError(w, http.StatusInternalServerError, "ServiceFailureException", messagingapi.ErrorCodeServiceFailure, msg)
	}
}

// arnResource matches the part of the model's ChimeArn pattern before the
// resource, ^arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:,
// and returns the rest of v. None of the classes holds ':', so the fields
// are the text between the first five colons.
func arnResource(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, "arn:")
	if !ok {
		return "", false
	}
	for field := range 4 {
		n := strings.IndexByte(rest, ':')
		if n < 0 || n > 63 || (field == 0 && n == 0) {
			return "", false
		}
		for _, c := range []byte(rest[:n]) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
				return "", false
			}
		}
		rest = rest[n+1:]
	}
	return rest, true
}

var subChannelPattern = regexp.MustCompile(`^[-_a-zA-Z0-9]{1,128}$`)

// checkArn returns why v is not a ChimeArn of the model (5 to 1600
// characters, the pattern
// ^arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}$),
// or "".
func checkArn(v string) string {
	if n := utf8.RuneCountInString(v); n < 5 || n > 1600 {
		return fmt.Sprintf("must be 5 to 1600 characters, got %d", n)
	}
	res, ok := arnResource(v)
	if !ok {
		return "is not an ARN"
	}
	first, size := utf8.DecodeRuneInString(res)
	if res == "" || first == '/' || utf8.RuneCountInString(res) > 1024 || strings.ContainsAny(res[size:], "\n\r\u2028\u2029") {
		return "does not match the ARN pattern"
	}
	return ""
}

// isAppInstanceMember reports whether arn names an AppInstanceUser or
// AppInstanceBot that can join ch: <app instance ARN>/user/<id> or
// <app instance ARN>/bot/<id>.
func (ch *channel) isAppInstanceMember(arn string) bool {
	rest := arn
	if ch.appInstance != "" {
		var ok bool
		if rest, ok = strings.CutPrefix(arn, ch.appInstance); !ok {
			return false
		}
	} else if i := strings.LastIndex(arn, "/user/"); i >= 0 {
		rest = arn[i:]
	} else if i := strings.LastIndex(arn, "/bot/"); i >= 0 {
		rest = arn[i:]
	}
	for _, kind := range []string{"/user/", "/bot/"} {
		if id, ok := strings.CutPrefix(rest, kind); ok && id != "" && !strings.Contains(id, "/") {
			return true
		}
	}
	return false
}

// displayName is the Name the fake gives an identity: the last segment of
// its ARN.
func displayName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

// serve handles requests that passed the signature check and the fault
// plan.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !isBatchCreate(r) {
		awsfake.WriteJSONError(w, http.StatusNotFound, "UnknownOperationException",
			map[string]any{"Message": "messagingtest serves only BatchCreateChannelMembership (POST /channels/{ChannelArn}/memberships?operation=batch-create)"}, true)
		return
	}
	channelArn, _ := channelArnOf(r)
	if why := checkArn(channelArn); why != "" {
		badRequest(w, "ChannelArn %s", why)
		return
	}
	bearer := r.Header.Get("X-Amz-Chime-Bearer")
	if bearer == "" {
		badRequest(w, "the X-Amz-Chime-Bearer header (ChimeBearer) is required")
		return
	}
	if why := checkArn(bearer); why != "" {
		badRequest(w, "ChimeBearer %s", why)
		return
	}
	var req createRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		badRequest(w, "the request body is not valid JSON: %v", err)
		return
	}
	if req.MemberArns == nil {
		badRequest(w, "MemberArns is required")
		return
	}
	arns := *req.MemberArns
	if len(arns) < 1 || len(arns) > MaxItemsPerCall {
		badRequest(w, "MemberArns must hold 1 to %d ARNs, got %d", MaxItemsPerCall, len(arns))
		return
	}
	typ := messagingapi.ChannelMembershipTypeDefault
	if req.Type != nil {
		typ = messagingapi.ChannelMembershipType(*req.Type)
		if typ != messagingapi.ChannelMembershipTypeDefault && typ != messagingapi.ChannelMembershipTypeHidden {
			badRequest(w, "Type must be DEFAULT or HIDDEN")
			return
		}
	}
	sub := ""
	if req.SubChannelId != nil {
		sub = *req.SubChannelId
		if !subChannelPattern.MatchString(sub) {
			badRequest(w, "SubChannelId must be 1 to 128 letters, digits, '-' or '_'")
			return
		}
	}
	for i, arn := range arns {
		if why := checkArn(arn); why != "" {
			badRequest(w, "MemberArns[%d] %s", i, why)
			return
		}
		if s.fake.IsPoison(arn) {
			awsfake.MarkFault(r, FaultPoison)
			badRequest(w, "MemberArns[%d] is not valid", i)
			return
		}
	}

	// Draw the item faults first, one per ARN in request order, so the
	// plan does not depend on the state.
	fails := make([]bool, len(arns))
	for i := range arns {
		fails[i] = s.fake.ItemFails()
	}

	resp, refusal := s.add(channelArn, bearer, typ, sub, arns, fails)
	if refusal != nil {
		writeError(w, refusal.status, refusal.name, refusal.code, refusal.msg)
		return
	}
	if len(resp.Errors) > 0 {
		awsfake.MarkFault(r, FaultItemErrors)
	}
	awsfake.WriteJSON(w, http.StatusOK, resp)
}

// refusal is an error answer of a whole call.
type refusal struct {
	status int
	name   string
	code   messagingapi.ErrorCode
	msg    string
}

// add applies one valid request to the state and returns its answer, or
// the refusal of the whole call. fails[i] says whether arns[i] fails with a
// retryable item error.
func (s *Server) add(channelArn, bearer string, typ messagingapi.ChannelMembershipType, sub string, arns []string, fails []bool) (*createResponse, *refusal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelArn]
	if !ok {
		return nil, &refusal{http.StatusNotFound, "NotFoundException", messagingapi.ErrorCodeNotFound, "the channel does not exist"}
	}
	if _, ok := ch.moderators[bearer]; !ok {
		return nil, &refusal{http.StatusForbidden, "ForbiddenException", messagingapi.ErrorCodeForbidden, "the bearer may not add members to the channel"}
	}

	resp := &createResponse{
		BatchChannelMemberships: &memberships{
			ChannelArn:   channelArn,
			InvitedBy:    identity{Arn: bearer, Name: displayName(bearer)},
			Members:      []identity{},
			SubChannelId: sub,
			Type:         string(typ),
		},
		Errors: []memberError{},
	}
	seen := make(map[string]bool, len(arns))
	var add []string
	for i, arn := range arns {
		if seen[arn] {
			continue // a duplicate is answered once
		}
		seen[arn] = true
		switch {
		case fails[i]:
			code := s.opts.ItemFailureCodes[s.itemFails%len(s.opts.ItemFailureCodes)]
			s.itemFails++
			resp.Errors = append(resp.Errors, memberError{MemberArn: arn, ErrorCode: string(code), ErrorMessage: "the member could not be added now; try again"})
		case !ch.isAppInstanceMember(arn):
			resp.Errors = append(resp.Errors, memberError{
				MemberArn: arn, ErrorCode: string(messagingapi.ErrorCodeBadRequest),
				ErrorMessage: "only AppInstanceUsers and AppInstanceBots of the channel's app instance can be added",
			})
		default:
			add = append(add, arn)
		}
	}
	if limit := s.opts.MaxMembersPerChannel; limit > 0 {
		n := len(ch.members)
		for _, arn := range add {
			if _, ok := ch.members[memberKey{arn, sub}]; !ok {
				n++
			}
		}
		if n > limit {
			return nil, &refusal{http.StatusBadRequest, "ResourceLimitExceededException", messagingapi.ErrorCodeResourceLimitExceeded,
				fmt.Sprintf("the channel can hold at most %d members", limit)}
		}
	}
	for _, arn := range add {
		k := memberKey{arn, sub}
		m, ok := ch.members[k]
		if !ok {
			m = &Member{ChannelArn: channelArn, Arn: arn, Type: typ, SubChannelId: sub, InvitedBy: bearer}
			ch.members[k] = m
		}
		m.Adds++
		resp.BatchChannelMemberships.Members = append(resp.BatchChannelMemberships.Members, identity{Arn: arn, Name: displayName(arn)})
	}
	return resp, nil
}

// strangerArn is the member a corrupted answer names instead of the call's.
const strangerArn = "arn:aws:chime:us-east-1:000000000000:app-instance/messagingtest/user/stranger"

// corrupt is the server's Options.Corrupt: it rotates through the ways an
// answer can be broken, so that every one of them is exercised: a truncated
// body, an empty body, a JSON null, trailing data after the object, a
// well-formed answer that names only a member the call did not carry, and a
// well-formed answer that names every member of the call both as added and
// as failed.
func (s *Server) corrupt(body []byte) []byte {
	s.mu.Lock()
	n := s.corrupted
	s.corrupted++
	s.mu.Unlock()
	switch n % 6 {
	case 0:
		return awsfake.Truncate(body)
	case 1:
		return []byte{}
	case 2:
		return []byte("null")
	case 3:
		return append(bytes.TrimSpace(body), []byte(`{"Errors":[]}`)...)
	}
	var resp createResponse
	if err := json.Unmarshal(body, &resp); err != nil || resp.BatchChannelMemberships == nil {
		return awsfake.Truncate(body)
	}
	m := resp.BatchChannelMemberships
	if n%6 == 4 {
		m.Members = []identity{{Arn: strangerArn, Name: displayName(strangerArn)}}
		resp.Errors = []memberError{}
	} else {
		all := append([]identity(nil), m.Members...)
		for _, e := range resp.Errors {
			all = append(all, identity{Arn: e.MemberArn})
		}
		m.Members = all
		resp.Errors = resp.Errors[:0]
		for _, id := range all {
			resp.Errors = append(resp.Errors, memberError{MemberArn: id.Arn, ErrorCode: string(messagingapi.ErrorCodeServiceFailure), ErrorMessage: "contradiction"})
		}
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return awsfake.Truncate(body)
	}
	return out
}

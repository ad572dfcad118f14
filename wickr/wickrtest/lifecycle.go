package wickrtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// Reasons of the failed entries of the operations on existing users,
// devices and unames. Each entry echoes the user ID, app ID or uname the
// request carried. The texts and fields are the ones in the service model's
// examples.
const (
	// ReasonUserNotFound (field "username"): BatchDeleteUser and
	// BatchToggleUserSuspendStatus name a user ID the network does not have
	// (never had, or deleted).
	ReasonUserNotFound = "User not found"
	// ReasonNotInNetwork (no field): BatchReinviteUser names a user ID the
	// network does not have.
	ReasonNotInNetwork = "user not found in current network"
	// ReasonCannotReinvite (no field): BatchReinviteUser names a user whose
	// invitation is not pending (see [Server.Activate]).
	ReasonCannotReinvite = "user cannot be reinvited"
	// ReasonInvalidAppID (field "appId"): BatchResetDevicesForUser names an
	// app ID the user has no device with.
	ReasonInvalidAppID = "Invalid app ID."
	// ReasonUnameNotFound (field "uname"): BatchLookupUserUname names a
	// uname no user of the network has.
	ReasonUnameNotFound = "Uname not found"
)

// msgUserNotFound is the 404 ResourceNotFoundError message of
// BatchResetDevicesForUser for a user the network does not have, as the
// model's GetUser example words it.
const msgUserNotFound = "User not found."

// listRequest is the body of the operations on existing users, devices and
// unames: one list of strings.
type listRequest struct {
	UserIds *[]string `json:"userIds"`
	AppIds  *[]string `json:"appIds"`
	Unames  *[]string `json:"unames"`
}

// listResponse is their answer. Entries are string maps so that every
// member the kit sets is sent, even empty, and keys come out sorted.
type listResponse struct {
	Message    string              `json:"message"`
	Successful []map[string]string `json:"successful"`
	Failed     []map[string]string `json:"failed"`
}

// batchOp describes one of these operations to serveBatch.
type batchOp struct {
	member string // body member, also the identity key of entries ("userIds" → "userId")
	entry  string // identity member of the answer's entries
	what   string // noun for the 400 "Maximum 50 ..." message
	ids    func(*listRequest) *[]string
	digits bool // items are UserIds: 1 to 10 digits
}

var batchOps = map[string]batchOp{
	opDelete:   {member: "userIds", entry: "userId", what: "users", ids: func(r *listRequest) *[]string { return r.UserIds }, digits: true},
	opReinvite: {member: "userIds", entry: "userId", what: "users", ids: func(r *listRequest) *[]string { return r.UserIds }, digits: true},
	opSuspend:  {member: "userIds", entry: "userId", what: "users", ids: func(r *listRequest) *[]string { return r.UserIds }, digits: true},
	opReset:    {member: "appIds", entry: "appId", what: "devices", ids: func(r *listRequest) *[]string { return r.AppIds }},
	opLookup:   {member: "unames", entry: "uname", what: "unames", ids: func(r *listRequest) *[]string { return r.Unames }},
}

// serveBatch serves BatchDeleteUser, BatchReinviteUser,
// BatchToggleUserSuspendStatus, BatchResetDevicesForUser and
// BatchLookupUserUname: the request is checked against the model, then
// every item is judged in request order against the network's state.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, rt route, body []byte, tok clientToken) {
	op := batchOps[rt.op]
	var suspend bool
	if rt.op == opSuspend {
		q := r.URL.Query()
		switch v, ok := q["suspend"]; {
		case !ok:
			writeValidation(w, []reasonJSON{{Field: "suspend", Reason: "is required"}})
			return
		case len(v) != 1 || (v[0] != "true" && v[0] != "false"):
			badRequest(w, "suspend must be true or false")
			return
		default:
			suspend = v[0] == "true"
		}
	}
	if rt.op == opReset && !isUserID(rt.user) {
		writeValidation(w, []reasonJSON{{Field: "userId", Reason: "must be 1 to 10 digits"}})
		return
	}
	var req listRequest
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(w, "The request body is not valid JSON")
		return
	}
	list := op.ids(&req)
	if list == nil {
		writeValidation(w, []reasonJSON{{Field: op.member, Reason: "is required"}})
		return
	}
	ids := *list
	if len(ids) > MaxItemsPerCall {
		badRequest(w, fmt.Sprintf("Maximum %d %s per batch request", MaxItemsPerCall, op.what))
		return
	}
	var reasons []reasonJSON
	if op.digits {
		for i, id := range ids {
			if !isUserID(id) {
				reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("%s[%d]", op.member, i), Reason: "must be 1 to 10 digits"})
			}
		}
	}
	if len(reasons) > 0 {
		writeValidation(w, reasons)
		return
	}
	for i, id := range ids {
		if s.fake.IsPoison(id) {
			reasons = append(reasons, reasonJSON{Field: fmt.Sprintf("%s[%d]", op.member, i), Reason: "is not valid"})
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
	n, ok := s.networks[rt.network]
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFoundError", msgNetworkNotFound)
		return
	}
	if rt.op == opReset && n.byID[rt.user] == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFoundError", msgUserNotFound)
		return
	}
	resp := listResponse{Successful: []map[string]string{}, Failed: []map[string]string{}}
	ok200 := func(entry map[string]string) { resp.Successful = append(resp.Successful, entry) }
	fail := func(id, field, reason string) {
		e := map[string]string{op.entry: id, "reason": reason}
		if field != "" {
			e["field"] = field
		}
		resp.Failed = append(resp.Failed, e)
	}
	for _, id := range ids {
		if s.fake.ItemFails() {
			fail(id, "", s.itemFailureReason())
			continue
		}
		switch rt.op {
		case opDelete:
			u := n.byID[id]
			if u == nil {
				fail(id, "username", ReasonUserNotFound)
				continue
			}
			n.remove(u)
			s.deleted++
		case opReinvite:
			u := n.byID[id]
			switch {
			case u == nil:
				fail(id, "", ReasonNotInNetwork)
				continue
			case u.Status != 1:
				fail(id, "", ReasonCannotReinvite)
				continue
			}
			u.Reinvites++
		case opSuspend:
			u := n.byID[id]
			if u == nil {
				fail(id, "username", ReasonUserNotFound)
				continue
			}
			u.Suspended = suspend
		case opReset:
			d := n.devices[rt.user][id]
			if d == nil {
				fail(id, "appId", ReasonInvalidAppID)
				continue
			}
			d.Resets++
		case opLookup:
			u := n.byUname[id]
			if u == nil {
				fail(id, "uname", ReasonUnameNotFound)
				continue
			}
			ok200(map[string]string{"uname": id, "username": u.Username})
			continue
		}
		ok200(map[string]string{op.entry: id})
	}
	resp.Message = "success"
	if len(resp.Failed) > 0 {
		resp.Message = "partial success"
	}
	s.answer(w, r, tok, resp, len(resp.Failed) > 0)
}

// isUserID reports whether s matches the model's UserId: 1 to 10
// characters matching ^[0-9]+$.
func isUserID(s string) bool {
	if len(s) < 1 || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// corruptList breaks a well-formed answer of the operations on existing
// users, devices and unames (recognized by its "message" member, which the
// kit's BatchCreateUser answers never carry) so that it names no item of the
// request: strangers replaces every entry's identity with one the request
// did not carry (adding a successful entry when there is none); otherwise
// every identity is blanked and a failed entry too many is added. It
// reports false when body is not such an answer.
func corruptList(body []byte, strangers bool) ([]byte, bool) {
	var resp listResponse
	if !bytes.HasPrefix(body, []byte(`{"message":`)) || json.Unmarshal(body, &resp) != nil {
		return nil, false
	}
	key := "userId"
	for _, e := range append(slices.Clone(resp.Successful), resp.Failed...) {
		for _, k := range []string{"appId", "uname", "userId"} {
			if _, ok := e[k]; ok {
				key = k
			}
		}
	}
	n := 0
	rename := func(es []map[string]string) {
		for _, e := range es {
			e[key] = ""
			if strangers {
				e[key] = fmt.Sprintf("%s-%d", strangerName, n)
				n++
			}
		}
	}
	rename(resp.Successful)
	rename(resp.Failed)
	if resp.Successful == nil {
		resp.Successful = []map[string]string{}
	}
	if resp.Failed == nil {
		resp.Failed = []map[string]string{}
	}
	switch {
	case strangers && len(resp.Successful) == 0:
		resp.Successful = append(resp.Successful, map[string]string{key: strangerName})
	case !strangers:
		resp.Failed = append(resp.Failed, map[string]string{key: "", "reason": ReasonUserNotFound})
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, false
	}
	return out, true
}

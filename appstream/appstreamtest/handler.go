package appstreamtest

import (
	"io"
	"net/http"
	"regexp"
	"unicode/utf8"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// Limits of the service model.
const (
	maxAssociations   = 25
	maxUserNameLength = 128
)

var userNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// Item error codes and messages. Messages never quote the user name.
const (
	codeStackNotFound = string(appstreamtypes.UserStackAssociationErrorCodeStackNotFound)
	codeUserNotFound  = string(appstreamtypes.UserStackAssociationErrorCodeUserNameNotFound)
	codeInternal      = string(appstreamtypes.UserStackAssociationErrorCodeInternalError)
)

// serve is the service handler behind the shared fake server, which has
// already checked the signature and applied the fault plan.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	p, op, aerr := route(r)
	if aerr != nil {
		writeError(w, p, aerr)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, p, badRequest("SerializationException", "the request body could not be read"))
		return
	}
	items, aerr := decodeRequest(p, body)
	if aerr == nil {
		aerr = validateRequest(items)
	}
	if aerr != nil {
		writeError(w, p, aerr)
		return
	}
	for _, it := range items {
		if s.fake.IsPoison(*it.UserName) {
			awsfake.MarkFault(r, FaultPoison)
			writeError(w, p, badRequest("InvalidParameterCombinationException", "the request holds an association the service cannot process"))
			return
		}
	}
	errs := s.apply(op, items)
	if len(errs) > 0 {
		awsfake.MarkFault(r, FaultItemErrors)
	}
	writeAnswer(w, p, errs, s.opts.OmitEmptyErrors)
}

// validateRequest applies the service model's constraints, as AWS does
// before the operation runs: the list holds 1 to 25 associations, each with
// a StackName, a UserName of 1 to 128 characters matching the model's
// pattern, and a known AuthenticationType. Violations are a 400
// ValidationException whose message names the member but never its value.
//
// What AWS answers for more than 25 associations is not documented; the kit
// answers ValidationException, the error AWS uses for model constraints.
func validateRequest(items []wireAssociation) *apiError {
	const prefix = "1 validation error detected: "
	switch {
	case items == nil:
		return badRequest("ValidationException", prefix+"Value null at 'userStackAssociations' failed to satisfy constraint: Member must not be null")
	case len(items) == 0:
		return badRequest("ValidationException", prefix+"Value at 'userStackAssociations' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(items) > maxAssociations:
		return badRequest("ValidationException", prefix+"Value at 'userStackAssociations' failed to satisfy constraint: Member must have length less than or equal to 25")
	}
	for i, it := range items {
		at := func(member, constraint string) *apiError {
			return badRequest("ValidationException", prefix+"Value at 'userStackAssociations.%d.member.%s' failed to satisfy constraint: %s", i+1, member, constraint)
		}
		switch {
		case it.StackName == nil:
			return at("stackName", "Member must not be null")
		case *it.StackName == "":
			return at("stackName", "Member must have length greater than or equal to 1")
		case it.UserName == nil:
			return at("userName", "Member must not be null")
		case *it.UserName == "":
			return at("userName", "Member must have length greater than or equal to 1")
		case utf8.RuneCountInString(*it.UserName) > maxUserNameLength:
			return at("userName", "Member must have length less than or equal to 128")
		case !utf8.ValidString(*it.UserName) || !userNamePattern.MatchString(*it.UserName):
			return at("userName", `Member must satisfy regular expression pattern: ^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
		case it.AuthenticationType == nil:
			return at("authenticationType", "Member must not be null")
		}
		switch appstreamtypes.AuthenticationType(*it.AuthenticationType) {
		case appstreamtypes.AuthenticationTypeApi, appstreamtypes.AuthenticationTypeSaml,
			appstreamtypes.AuthenticationTypeUserpool, appstreamtypes.AuthenticationTypeAwsAd:
		default:
			return at("authenticationType", "Member must satisfy enum value set: [API, SAML, USERPOOL, AWS_AD]")
		}
	}
	return nil
}

// apply runs the operation on each association, in order, and returns the
// errors list. Associating an associated pair and disassociating an absent
// pair both succeed: AWS does not document either case, and the kit takes
// them to be idempotent. An association drawn to fail by
// Faults.ItemFailureRate gets INTERNAL_ERROR and changes nothing.
func (s *Server) apply(op string, items []wireAssociation) []wireError {
	var errs []wireError
	fail := func(it wireAssociation, code, msg string) {
		errs = append(errs, wireError{UserStackAssociation: it, ErrorCode: code, ErrorMessage: msg})
	}
	for _, it := range items {
		if s.fake.ItemFails() {
			fail(it, codeInternal, "An internal error occurred. Try again.")
			continue
		}
		a := Association{StackName: *it.StackName, UserName: *it.UserName,
			AuthenticationType: appstreamtypes.AuthenticationType(*it.AuthenticationType)}
		s.mu.Lock()
		_, stackOK := s.stacks[a.StackName]
		_, userOK := s.users[user{a.UserName, a.AuthenticationType}]
		switch {
		case !stackOK:
			fail(it, codeStackNotFound, "The specified stack does not exist.")
		case !userOK:
			fail(it, codeUserNotFound, "The specified user does not exist for this authentication type.")
		case op == opAssociate:
			s.assoc[a] = struct{}{}
		default:
			delete(s.assoc, a)
		}
		s.mu.Unlock()
	}
	return errs
}

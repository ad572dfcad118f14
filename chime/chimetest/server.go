package chimetest

import (
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	//lint:ignore SA1019 the legacy Amazon Chime API, deprecated with its end of support, is what this package wraps.
	chimesdk "github.com/aws/aws-sdk-go-v2/service/chime"
	chimetypes "github.com/aws/aws-sdk-go-v2/service/chime/types"

	"github.com/batchkit/batchkit/internal/awsfake"
)

// Credentials the server accepts, and the region requests must be signed
// for unless [Options.Region] says otherwise; [Server.Config] sets them.
// Requests signed with another access key, secret or region are refused
// with a 403, as AWS refuses them.
const (
	AccessKeyID     = awsfake.AccessKeyID
	SecretAccessKey = awsfake.SecretAccessKey
	Region          = awsfake.Region
)

// DefaultItemFailureCodes are the codes failing items get, in turn, when
// [Options.ItemFailureCodes] is nil: ServiceFailure only. Include Throttled
// or Throttling in Options.ItemFailureCodes to exercise throttles reported
// inside a 200; batchkit lowers its send rate on each of them, so keep them
// rare unless that is what a test is about.
var DefaultItemFailureCodes = []chimetypes.ErrorCode{chimetypes.ErrorCodeServiceFailure}

// Options configures [NewServer]. The zero value selects every default.
type Options struct {
	// Faults is the initial fault plan. Change it later with
	// [Server.SetFaults] and [Server.SetQuota].
	Faults Faults

	// Region is the region requests must be signed for, and the region
	// [Server.Config] sets. A request whose credential scope names another
	// region is refused with a 403 InvalidSignatureException (or the kit's
	// modeled authentication error), as AWS refuses it. Empty means
	// [Region].
	Region string

	// ItemFailureCodes are the UserErrors codes given, in turn, to items
	// that [Faults.ItemFailureRate] makes fail. Nil means
	// DefaultItemFailureCodes.
	ItemFailureCodes []chimetypes.ErrorCode

	// GenericAuthErrors renders refused credentials as the AWS front end's
	// generic errors (403 InvalidSignatureException,
	// MissingAuthenticationTokenException or UnrecognizedClientException)
	// instead of Chime's modeled 401 UnauthorizedClientException. The zero
	// value renders the modeled error.
	GenericAuthErrors bool

	// DiscardLog keeps [Server.Requests] empty, for long runs whose request
	// log would only cost memory.
	DiscardLog bool
}

// User is the state of one user of the fake, as [Server.User] returns it.
type User struct {
	AccountId                string
	UserId                   string
	LicenseType              chimetypes.License
	UserType                 chimetypes.UserType
	AlexaForBusinessMetadata *chimetypes.AlexaForBusinessMetadata
	// Updates counts the BatchUpdateUser items applied to the user.
	Updates int
}

// Server is an in-memory Amazon Chime (legacy) service speaking
// BatchUpdateUser over restJson1 on a local HTTP server, like
// [net/http/httptest.Server]. Seed accounts and users with
// [Server.AddAccount] and [Server.AddUser], point a client at it with
// [Server.Client] or [Server.Config], and inspect users and the request log
// afterwards. Its methods are safe for concurrent use. Close it when done.
type Server struct {
	fake *awsfake.Server
	opts Options

	mu        sync.Mutex // guards everything below
	accounts  map[string]map[string]*User
	itemFails int // items failed by ItemFailureRate so far
	corrupted int // answers corrupted by MalformedRate so far
}

// NewServer starts a fake Chime service. Option functions are applied in
// order to a zero [Options]. Call [Server.Close] when done.
func NewServer(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.ItemFailureCodes = slices.Clone(o.ItemFailureCodes)
	if len(o.ItemFailureCodes) == 0 {
		o.ItemFailureCodes = slices.Clone(DefaultItemFailureCodes)
	}
	s := &Server{opts: o, accounts: make(map[string]map[string]*User)}
	s.fake = awsfake.NewServer(awsfake.Options{
		SigningName: "chime",
		Faults:      o.Faults,
		WriteError:  s.writeRefusal,
		Operation:   operationName,
		Corrupt:     s.corrupt,
		DiscardLog:  o.DiscardLog,
		Region:      o.Region,
	}, http.HandlerFunc(s.serve))
	return s
}

// URL returns the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.fake.URL() }

// Config returns an aws.Config for clients of the server: [Options.Region],
// the test credentials, BaseEndpoint set to [Server.URL], an HTTP client
// for it and the SDK's standard retryer with backoffs capped at 20 ms.
// Callers may change any field.
func (s *Server) Config() aws.Config { return s.fake.Config() }

// Client returns an official Amazon Chime client configured with
// [Server.Config]; optFns are applied to its options.
func (s *Server) Client(optFns ...func(*chimesdk.Options)) *chimesdk.Client {
	return chimesdk.NewFromConfig(s.Config(), optFns...)
}

// Requests returns a copy of the request log in arrival order
// ([Request].Seq), refused requests included, each with the status sent
// and the fault applied ([Request].Fault: "" for a request served
// normally, else one of the Fault constants, such as [FaultThrottle],
// [FaultDrop] or [FaultPoison]). A request is logged before its answer
// leaves, so a client that got an answer finds its request here.
func (s *Server) Requests() []Request { return s.fake.Requests() }

// ResetRequests empties the request log.
func (s *Server) ResetRequests() { s.fake.ResetRequests() }

// Faults returns a copy of the current fault plan.
func (s *Server) Faults() Faults { return s.fake.Faults() }

// SetFaults replaces the fault plan for requests arriving afterwards and
// re-seeds its random sources.
func (s *Server) SetFaults(f Faults) { s.fake.SetFaults(f) }

// SetQuota changes the throttling quota, in requests per second, for
// requests arriving afterwards; 0 removes it. Requests beyond it get 429
// ThrottledClientException.
func (s *Server) SetQuota(perSecond float64) { s.fake.SetQuota(perSecond) }

// Close stops the server and waits for requests in flight. It may be called
// more than once.
func (s *Server) Close() { s.fake.Close() }

// AddAccount creates an account without users. Adding an existing account
// does nothing.
func (s *Server) AddAccount(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[accountID]; !ok {
		s.accounts[accountID] = make(map[string]*User)
	}
}

// AddUser creates a user with license in an account, creating the account
// when needed. Adding an existing user replaces it.
func (s *Server) AddUser(accountID, userID string, license chimetypes.License) {
	s.mu.Lock()
	defer s.mu.Unlock()
	users, ok := s.accounts[accountID]
	if !ok {
		users = make(map[string]*User)
		s.accounts[accountID] = users
	}
	users[userID] = &User{AccountId: accountID, UserId: userID, LicenseType: license}
}

// User returns a copy of a user's current state, and whether it exists.
func (s *Server) User(accountID, userID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.accounts[accountID][userID]
	if !ok {
		return User{}, false
	}
	return copyUser(u), true
}

// Users returns copies of an account's users, sorted by UserId.
func (s *Server) Users(accountID string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	users := s.accounts[accountID]
	out := make([]User, 0, len(users))
	for _, id := range slices.Sorted(maps.Keys(users)) {
		out = append(out, copyUser(users[id]))
	}
	return out
}

func copyUser(u *User) User {
	c := *u
	if m := u.AlexaForBusinessMetadata; m != nil {
		c.AlexaForBusinessMetadata = &chimetypes.AlexaForBusinessMetadata{
			AlexaForBusinessRoomArn:   copyPtr(m.AlexaForBusinessRoomArn),
			IsAlexaForBusinessEnabled: copyPtr(m.IsAlexaForBusinessEnabled),
		}
	}
	return c
}

func copyPtr[V any](p *V) *V {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

package appstreamtest

import (
	"cmp"
	"net/http"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	appstreamsdk "github.com/aws/aws-sdk-go-v2/service/appstream"
	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"

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

// SigningName is the SigV4 service name requests must be signed for.
const SigningName = "appstream"

// Faults is the server's fault plan: seeded and deterministic given the order
// of requests. The zero value injects nothing. Its fields:
//

// Options configures [NewServer]. The zero value injects no faults.
type Options struct {
	// Faults is the initial fault plan; see also [Server.SetFaults].
	Faults Faults

	// Region is the region requests must be signed for, and the region
	// [Server.Config] sets. A request whose credential scope names another
	// region is refused with a 403 InvalidSignatureException (or the kit's
	// modeled authentication error), as AWS refuses it. Empty means
	// [Region].
	Region string

	// OmitEmptyErrors makes a call in which every association succeeded
	// answer {} instead of {"errors":[]}. Which of the two AppStream sends
	// is not documented; clients must accept both.
	OmitEmptyErrors bool

	// DiscardLog keeps [Server.Requests] empty, for long runs whose request
	// log would only cost memory.
	DiscardLog bool
}

// Association is an association held by a [Server].
type Association struct {
	StackName          string
	UserName           string
	AuthenticationType appstreamtypes.AuthenticationType
}

type user struct {
	name string
	auth appstreamtypes.AuthenticationType
}

// Server is an in-memory AppStream serving BatchAssociateUserStack and
// BatchDisassociateUserStack over HTTP, in both AWS JSON 1.1 and Smithy RPC
// v2 CBOR, behind SigV4 verification and a fault plan. Its methods are safe
// for concurrent use. Close it when done.
type Server struct {
	fake *awsfake.Server
	opts Options

	mu     sync.Mutex // guards the state below
	stacks map[string]struct{}
	users  map[user]struct{}
	assoc  map[Association]struct{}
}

// NewServer starts a server. Option functions are applied in order to a zero
// [Options]. Call [Server.Close] when done.
func NewServer(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	s := &Server{
		opts:   o,
		stacks: make(map[string]struct{}),
		users:  make(map[user]struct{}),
		assoc:  make(map[Association]struct{}),
	}
	s.fake = awsfake.NewServer(awsfake.Options{
		SigningName: SigningName,
		Faults:      o.Faults,
		WriteError:  writeKindError,
		Operation:   operationOf,
		DiscardLog:  o.DiscardLog,
		Region:      o.Region,
	}, http.HandlerFunc(s.serve))
	return s
}

// Close stops the server and waits for requests in flight. It may be called
// more than once.
func (s *Server) Close() { s.fake.Close() }

// URL returns the server's base URL.
func (s *Server) URL() string { return s.fake.URL() }

// Config returns an aws.Config pointed at the server: [Options.Region], the
// test credentials, BaseEndpoint set to [Server.URL], and the SDK's standard
// retryer with backoffs capped at 20 ms.
func (s *Server) Config() aws.Config { return s.fake.Config() }

// Client returns a new official AppStream client built from [Server.Config].
func (s *Server) Client(optFns ...func(*appstreamsdk.Options)) *appstreamsdk.Client {
	return appstreamsdk.NewFromConfig(s.Config(), optFns...)
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

// SetFaults replaces the fault plan for requests arriving afterwards.
func (s *Server) SetFaults(f Faults) { s.fake.SetFaults(f) }

// SetQuota changes the quota, in requests per second, for requests arriving
// afterwards; 0 removes it.
func (s *Server) SetQuota(perSecond float64) { s.fake.SetQuota(perSecond) }

// AddStack creates stacks.
func (s *Server) AddStack(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.stacks[n] = struct{}{}
	}
}

// AddUser creates a user. A user is identified by its name (case-sensitive)
// and authentication type together.
func (s *Server) AddUser(name string, auth appstreamtypes.AuthenticationType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user{name, auth}] = struct{}{}
}

// AddAssociation creates the stack and the user if needed, and associates
// them.
func (s *Server) AddAssociation(a Association) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stacks[a.StackName] = struct{}{}
	s.users[user{a.UserName, a.AuthenticationType}] = struct{}{}
	s.assoc[a] = struct{}{}
}

// IsAssociated reports whether the association exists.
func (s *Server) IsAssociated(a Association) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.assoc[a]
	return ok
}

// Associations returns every association, sorted by stack, user and
// authentication type.
func (s *Server) Associations() []Association {
	s.mu.Lock()
	out := make([]Association, 0, len(s.assoc))
	for a := range s.assoc {
		out = append(out, a)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(x, y Association) int {
		return cmp.Or(cmp.Compare(x.StackName, y.StackName), cmp.Compare(x.UserName, y.UserName),
			cmp.Compare(x.AuthenticationType, y.AuthenticationType))
	})
	return out
}

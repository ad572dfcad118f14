package messagingtest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/messaging/messagingapi"
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

// MaxItemsPerCall is the most MemberArns the server accepts in one request,
// as the service model allows (and at least one).
const MaxItemsPerCall = 100

// DefaultItemFailureCodes are the codes failing items get, in turn, when
// [Options.ItemFailureCodes] is nil: ServiceFailure only. Include Throttled
// or Throttling in Options.ItemFailureCodes to exercise throttles reported
// inside a 200; batchkit lowers its send rate on each of them, so keep them
// rare unless that is what a test is about.
var DefaultItemFailureCodes = []messagingapi.ErrorCode{messagingapi.ErrorCodeServiceFailure}

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

	// ItemFailureCodes are the Errors codes given, in turn, to members that
	// [Faults.ItemFailureRate] makes fail. Nil means
	// DefaultItemFailureCodes.
	ItemFailureCodes []messagingapi.ErrorCode

	// GenericAuthErrors renders refused credentials as the AWS front end's
	// generic errors (403 InvalidSignatureException,
	// MissingAuthenticationTokenException or UnrecognizedClientException)
	// instead of the modeled 401 UnauthorizedClientException. The zero
	// value renders the modeled error.
	GenericAuthErrors bool

	// MaxMembersPerChannel is the most memberships a channel holds. A call
	// that would take a channel beyond it is refused as a whole with 400
	// ResourceLimitExceededException and adds no one. Zero means no limit.
	MaxMembersPerChannel int

	// DiscardLog keeps [Server.Requests] empty, for long runs whose request
	// log would only cost memory.
	DiscardLog bool
}

// Member is one membership held by the fake, as [Server.Members] returns
// it. A member belongs to a channel once per SubChannelId ("" for the
// channel itself).
type Member struct {
	ChannelArn   string
	Arn          string
	Type         messagingapi.ChannelMembershipType
	SubChannelId string
	// InvitedBy is the bearer of the call that created the membership.
	InvitedBy string
	// Adds counts the request items that added this membership, the first
	// included: adding an existing member succeeds and changes nothing
	// else.
	Adds int
}

type memberKey struct{ arn, subChannel string }

type channel struct {
	arn         string
	appInstance string // the ARN before "/channel/", or "" when there is none
	moderators  map[string]struct{}
	members     map[memberKey]*Member
}

// Server is an in-memory Amazon Chime SDK Messaging service speaking
// BatchCreateChannelMembership over restJson1 on a local HTTP server, like
// [net/http/httptest.Server]. Seed channels with [Server.AddChannel], point
// a client at it with [Server.Client] or [Server.Config], and inspect
// memberships and the request log afterwards. Its methods are safe for
// concurrent use. Close it when done.
type Server struct {
	fake *awsfake.Server
	opts Options

	mu        sync.Mutex // guards everything below
	channels  map[string]*channel
	itemFails int // members failed by ItemFailureRate so far
	corrupted int // answers corrupted by MalformedRate so far
}

// NewServer starts a fake Chime SDK Messaging service. Option functions are
// applied in order to a zero [Options]. Call [Server.Close] when done.
func NewServer(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.ItemFailureCodes = slices.Clone(o.ItemFailureCodes)
	if len(o.ItemFailureCodes) == 0 {
		o.ItemFailureCodes = slices.Clone(DefaultItemFailureCodes)
	}
	s := &Server{opts: o, channels: make(map[string]*channel)}
	s.fake = awsfake.NewServer(awsfake.Options{
		SigningName: messagingapi.SigningName,
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

// Client returns a [messagingapi.Client] configured with [Server.Config];
// optFns are applied to its options.
func (s *Server) Client(optFns ...func(*messagingapi.Options)) *messagingapi.Client {
	return messagingapi.NewFromConfig(s.Config(), optFns...)
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

// AddChannel creates a channel without members, and lets each of
// moderators (AppInstanceUser or AppInstanceBot ARNs) add members to it as
// the call's ChimeBearer. Adding an existing channel keeps its members and
// adds the moderators. The channel's app instance is the part of its ARN
// before "/channel/"; only users and bots of that app instance can become
// members (any user or bot ARN when the channel ARN has no "/channel/").
func (s *Server) AddChannel(channelArn string, moderators ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelArn]
	if !ok {
		ch = &channel{
			arn:        channelArn,
			moderators: make(map[string]struct{}),
			members:    make(map[memberKey]*Member),
		}
		if i := strings.Index(channelArn, "/channel/"); i >= 0 {
			ch.appInstance = channelArn[:i]
		}
		s.channels[channelArn] = ch
	}
	for _, m := range moderators {
		ch.moderators[m] = struct{}{}
	}
}

// Members returns copies of a channel's memberships, sorted by member ARN
// and then SubChannelId; nil for an unknown channel.
func (s *Server) Members(channelArn string) []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelArn]
	if !ok {
		return nil
	}
	out := make([]Member, 0, len(ch.members))
	for _, m := range ch.members {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Member) int {
		return cmp.Or(cmp.Compare(a.Arn, b.Arn), cmp.Compare(a.SubChannelId, b.SubChannelId))
	})
	return out
}

// Member returns a copy of one membership of a channel (subChannelId ""
// for the channel itself), and whether it exists.
func (s *Server) Member(channelArn, memberArn, subChannelId string) (Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channelArn]
	if !ok {
		return Member{}, false
	}
	m, ok := ch.members[memberKey{memberArn, subChannelId}]
	if !ok {
		return Member{}, false
	}
	return *m, true
}

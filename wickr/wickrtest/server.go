package wickrtest

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchkit/batchkit/internal/awsfake"
	"github.com/batchkit/batchkit/wickr/wickrapi"
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

// DefaultItemFailureReasons are the reasons failing items get, in turn, when
// [Options.ItemFailureReasons] is nil. The wickr adapter takes a reason
// starting with "Internal server error" for a transient failure and sends
// the user again; Wickr's model has no retryable item code, so this is a
// convention of the kit.
var DefaultItemFailureReasons = []string{"Internal server error, please retry"}

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

	// ItemFailureReasons are the reasons given, in turn, to the items that
	// [Faults.ItemFailureRate] makes fail, with field "" (BatchCreateUser)
	// or none (the other operations); nothing happens to those items. Nil means DefaultItemFailureReasons. A reason such as "Rate
	// limit exceeded" exercises throttles reported inside a 200.
	ItemFailureReasons []string

	// GenericAuthErrors renders refused credentials as the AWS front end's
	// generic errors (403 InvalidSignatureException,
	// MissingAuthenticationTokenException or UnrecognizedClientException)
	// instead of Wickr's modeled 401 UnauthorizedError. The zero value
	// renders the modeled error.
	GenericAuthErrors bool

	// DiscardLog keeps [Server.Requests] empty, for long runs whose request
	// log would only cost memory.
	DiscardLog bool
}

// User is the state of one user of the fake, as [Server.User] and
// [Server.Users] return it.
type User struct {
	NetworkId string
	// UserId is the ID the server gave the user: decimal digits, increasing
	// in creation order within a network.
	UserId         string
	Username       string
	SecurityGroups []string
	FirstName      string
	LastName       string
	InviteCode     string
	InviteCodeTtl  int32
	CodeValidation bool
	// Status is 1 (pending invitation) for every user the server creates,
	// and 2 (active) after [Server.Activate].
	Status int32
	// Uname is the user's unique user name hash, which BatchLookupUserUname
	// resolves: 32 lower-case hex digits derived from Username (see
	// [UnameOf]).
	Uname string
	// Suspended is the state BatchToggleUserSuspendStatus last set.
	Suspended bool
	// Reinvites counts the invitations BatchReinviteUser sent again.
	Reinvites int
}

// Device is the state of one device of a user, as [Server.Devices] returns
// it.
type Device struct {
	// AppId is the device's application ID.
	AppId string
	// Resets counts the BatchResetDevicesForUser calls that reset it.
	Resets int
}

// network is one network's state.
type network struct {
	groups  map[string]struct{}
	users   map[string]*User // by user name
	byID    map[string]*User
	byUname map[string]*User
	devices map[string]map[string]*Device // by user ID, then app ID
	nextID  int
}

// tokenRecord is the first answer given to a client token.
type tokenRecord struct {
	request [32]byte // SHA-256 of the network ID and the request body
	answer  []byte
}

// Server is an in-memory AWS Wickr Admin API speaking its six batch
// operations on users over restJson1 on a local HTTP server, like
// [net/http/httptest.Server]. Seed networks, security groups, users and
// devices with [Server.AddNetwork], [Server.AddUser] and [Server.AddDevice],
// point a client at it with [Server.Client] or [Server.Config], and inspect
// users, devices and the request log afterwards. Its methods are safe for
// concurrent use. Close it when done.
type Server struct {
	fake *awsfake.Server
	opts Options

	mu        sync.Mutex // guards everything below; held while a call is applied
	networks  map[string]*network
	tokens    map[string]*tokenRecord
	created   int // users created by BatchCreateUser
	deleted   int // users deleted by BatchDeleteUser
	itemFails int // items failed by ItemFailureRate so far
	corrupted int // answers corrupted by MalformedRate so far
}

// NewServer starts a fake Wickr service. Option functions are applied in
// order to a zero [Options]. Call [Server.Close] when done.
func NewServer(optFns ...func(*Options)) *Server {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.ItemFailureReasons = slices.Clone(o.ItemFailureReasons)
	if len(o.ItemFailureReasons) == 0 {
		o.ItemFailureReasons = slices.Clone(DefaultItemFailureReasons)
	}
	s := &Server{opts: o, networks: make(map[string]*network), tokens: make(map[string]*tokenRecord)}
	s.fake = awsfake.NewServer(awsfake.Options{
		SigningName: wickrapi.SigningName,
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

// Client returns a Wickr client configured with [Server.Config]; optFns are
// applied to its options.
func (s *Server) Client(optFns ...func(*wickrapi.Options)) *wickrapi.Client {
	return wickrapi.NewFromConfig(s.Config(), optFns...)
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

// WaitIdle blocks until no request is being served, so that the effects and
// log entries of every request the caller saw end (answered or dropped) are
// visible.
func (s *Server) WaitIdle() { s.fake.WaitIdle() }

// Faults returns a copy of the current fault plan.
func (s *Server) Faults() Faults { return s.fake.Faults() }

// SetFaults replaces the fault plan for requests arriving afterwards and
// re-seeds its random sources.
func (s *Server) SetFaults(f Faults) { s.fake.SetFaults(f) }

// SetQuota changes the throttling quota, in requests per second, for
// requests arriving afterwards; 0 removes it. Requests beyond it get 429
// RateLimitError.
func (s *Server) SetQuota(perSecond float64) { s.fake.SetQuota(perSecond) }

// Close stops the server and waits for requests in flight. It may be called
// more than once.
func (s *Server) Close() { s.fake.Close() }

// AddNetwork creates a network with the given security groups, or adds the
// groups to the network when it exists. Network IDs are 8 digits on the
// wire; the server refuses requests for other IDs before looking them up.
func (s *Server) AddNetwork(networkID string, securityGroupIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.network(networkID)
	for _, g := range securityGroupIDs {
		n.groups[g] = struct{}{}
	}
}

// network returns a network, creating it when needed. s.mu must be held.
func (s *Server) network(id string) *network {
	n, ok := s.networks[id]
	if !ok {
		n = &network{
			groups:  make(map[string]struct{}),
			users:   make(map[string]*User),
			byID:    make(map[string]*User),
			byUname: make(map[string]*User),
			devices: make(map[string]map[string]*Device),
			nextID:  1,
		}
		s.networks[id] = n
	}
	return n
}

// AddUser creates a user in a network, in the given security group, creating
// the network and the group when needed, and returns it. Adding a user name
// that exists returns the existing user unchanged. Users added this way are
// not counted by [Server.Created].
func (s *Server) AddUser(networkID, username, securityGroupID string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.network(networkID)
	n.groups[securityGroupID] = struct{}{}
	if u, ok := n.users[username]; ok {
		return copyUser(u)
	}
	u := n.add(networkID, username, []string{securityGroupID})
	return copyUser(u)
}

// add creates a user. s.mu must be held.
func (n *network) add(networkID, username string, groups []string) *User {
	u := &User{
		NetworkId:      networkID,
		UserId:         strconv.Itoa(n.nextID),
		Username:       username,
		SecurityGroups: slices.Clone(groups),
		Status:         1,
		Uname:          UnameOf(username),
	}
	n.nextID++
	n.users[username] = u
	n.byID[u.UserId] = u
	n.byUname[u.Uname] = u
	return u
}

// remove deletes a user and its devices. s.mu must be held.
func (n *network) remove(u *User) {
	delete(n.users, u.Username)
	delete(n.byID, u.UserId)
	delete(n.byUname, u.Uname)
	delete(n.devices, u.UserId)
}

// UnameOf returns the uname the server gives a user name: the first 32 hex
// digits of its SHA-256. The real service's hash is not documented.
func UnameOf(username string) string {
	sum := sha256.Sum256([]byte(username))
	return hex.EncodeToString(sum[:16])
}

// UserByID returns a copy of the user with the given ID, and whether it
// exists. A deleted user does not.
func (s *Server) UserByID(networkID, userID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok {
		return User{}, false
	}
	u, ok := n.byID[userID]
	if !ok {
		return User{}, false
	}
	return copyUser(u), true
}

// Activate marks a user as active (status 2), as if it had accepted its
// invitation, so that BatchReinviteUser refuses it. It reports whether the
// user exists.
func (s *Server) Activate(networkID, userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok {
		return false
	}
	u, ok := n.byID[userID]
	if ok {
		u.Status = 2
	}
	return ok
}

// AddDevice registers a device of a user, which BatchResetDevicesForUser can
// then reset. Adding a device that exists does nothing. It reports whether
// the user exists; a user's devices go with it when it is deleted.
func (s *Server) AddDevice(networkID, userID, appID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok || n.byID[userID] == nil {
		return false
	}
	ds := n.devices[userID]
	if ds == nil {
		ds = make(map[string]*Device)
		n.devices[userID] = ds
	}
	if ds[appID] == nil {
		ds[appID] = &Device{AppId: appID}
	}
	return true
}

// Devices returns copies of a user's devices, sorted by AppId.
func (s *Server) Devices(networkID, userID string) []Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok {
		return nil
	}
	out := make([]Device, 0, len(n.devices[userID]))
	for _, d := range n.devices[userID] {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b Device) int { return cmp.Compare(a.AppId, b.AppId) })
	return out
}

// User returns a copy of a user, and whether it exists.
func (s *Server) User(networkID, username string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok {
		return User{}, false
	}
	u, ok := n.users[username]
	if !ok {
		return User{}, false
	}
	return copyUser(u), true
}

// Users returns copies of a network's users in creation order.
func (s *Server) Users(networkID string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.networks[networkID]
	if !ok {
		return nil
	}
	out := make([]User, 0, len(n.users))
	for _, u := range n.users {
		out = append(out, copyUser(u))
	}
	slices.SortFunc(out, func(a, b User) int {
		x, _ := strconv.Atoi(a.UserId)
		y, _ := strconv.Atoi(b.UserId)
		return cmp.Compare(x, y)
	})
	return out
}

// Networks returns the IDs of the networks, sorted.
func (s *Server) Networks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.networks))
}

// Created returns how many users BatchCreateUser calls have created, in all
// networks. A replayed answer creates nobody.
func (s *Server) Created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.created
}

// Deleted returns how many users BatchDeleteUser calls have deleted, in all
// networks. A replayed answer deletes nobody.
func (s *Server) Deleted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted
}

func copyUser(u *User) User {
	c := *u
	c.SecurityGroups = slices.Clone(u.SecurityGroups)
	return c
}

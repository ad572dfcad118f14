package awsfake

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/batchkit/batchkit/internal/quota"
)

// Server is a running fake service: an [httptest.Server] whose handler
// wraps the kit's handler with signature checks, faults and a request log.
// Its methods are safe for concurrent use.
type Server struct {
	opts      Options
	handler   http.Handler
	srv       *httptest.Server
	transport *http.Transport
	client    *http.Client
	signer    *v4.Signer
	now       func() time.Time
	done      chan struct{}
	closeOnce sync.Once
	nextID    atomic.Uint64 // last request sequence number

	busy     sync.Mutex // guards inflight
	idle     *sync.Cond // signalled when inflight drops to 0
	inflight int

	mu           sync.Mutex // guards everything below
	faults       Faults
	poison       map[string]struct{}
	callRand     *rand.Rand
	itemRand     *rand.Rand
	throttleRand *rand.Rand
	bucket       quota.Bucket
	slowed       int // requests given Latency since the plan was installed
	log          []Request
}

// NewServer starts a server that serves h behind the wrapper described in
// the package documentation. opts is copied. Call [Server.Close] when done.
func NewServer(opts Options, h http.Handler) *Server {
	s := &Server{
		opts:    opts,
		handler: h,
		signer:  newSigner(),
		now:     time.Now,
		done:    make(chan struct{}),
	}
	s.idle = sync.NewCond(&s.busy)
	s.opts.Faults.Poison = append([]string(nil), opts.Faults.Poison...)
	s.setFaultsLocked(s.opts.Faults)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	// Our own transport, so that many concurrent calls reuse connections
	// instead of churning through the default two idle ones per host.
	s.transport = s.srv.Client().Transport.(*http.Transport).Clone()
	s.transport.MaxIdleConns = 256
	s.transport.MaxIdleConnsPerHost = 256
	s.client = &http.Client{Transport: s.transport}
	return s
}

// URL returns the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.srv.URL }

// Client returns the HTTP client [Server.Config] uses.
func (s *Server) Client() *http.Client { return s.client }

// Config returns an aws.Config for clients of the fake: Region
// [Options.Region] (by default [Region]),
// the static test credentials behind an aws.CredentialsCache, BaseEndpoint
// set to [Server.URL], HTTPClient set to [Server.Client], and a Retryer
// building the SDK's standard retryer (3 attempts, its usual retry-token
// quota) with backoffs capped at 20 ms, so retries in tests are quick.
// Callers may replace any field, for example the Retryer.
func (s *Server) Config() aws.Config {
	endpoint := s.srv.URL
	return aws.Config{
		Region: s.region(),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(
			func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{
					AccessKeyID:     AccessKeyID,
					SecretAccessKey: SecretAccessKey,
					Source:          "awsfake",
				}, nil
			})),
		BaseEndpoint: &endpoint,
		HTTPClient:   s.client,
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxBackoff = 20 * time.Millisecond
			})
		},
	}
}

// Requests returns a copy of the request log in arrival order
// ([Request.Seq]). A request is logged before its answer is sent or its
// connection closed, so a client that got an answer (or saw a dropped
// response) finds its request here at once. Only a request the client
// abandoned during the added latency is logged after the client gave up:
// when the server notices. It is empty when [Options.DiscardLog] is set.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	log := append([]Request(nil), s.log...)
	s.mu.Unlock()
	slices.SortFunc(log, func(a, b Request) int { return cmp.Compare(a.Seq, b.Seq) })
	return log
}

// WaitIdle blocks until no request is being served, including requests
// whose clients gave up waiting, so that every request that reached the
// server is in the log and every handler's effects are visible. It does
// not stop new requests.
func (s *Server) WaitIdle() {
	s.busy.Lock()
	defer s.busy.Unlock()
	for s.inflight > 0 {
		s.idle.Wait()
	}
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ItemFails draws from the seeded item source and reports whether the item
// at hand should fail with a retryable item error ([Faults.ItemFailureRate]).
// Kits call it once per item, in request order, from their handler. The
// item source is separate from the whole-call source, so the number of
// items does not change which calls fail.
func (s *Server) ItemFails() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return draw(s.itemRand, s.faults.ItemFailureRate)
}

// IsPoison reports whether identity is one of [Faults.Poison].
func (s *Server) IsPoison(identity string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.poison[identity]
	return ok
}

// SetQuota changes the token bucket's rate, in requests per second, for
// requests arriving afterwards; 0 removes the limit. Tokens already in the
// bucket are kept (up to the new burst); going from unlimited to limited
// starts with a full bucket. The burst is [Faults.QuotaBurst], or perSecond
// rounded up when that is zero.
func (s *Server) SetQuota(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Quota = perSecond
	s.bucket.Set(perSecond, float64(s.faults.QuotaBurst), s.now())
}

// Faults returns a copy of the current fault plan.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.Poison = append([]string(nil), f.Poison...)
	return f
}

// SetFaults replaces the fault plan for requests arriving afterwards. The
// random sources are re-seeded from f.Seed and the quota bucket starts
// full. f is copied.
func (s *Server) SetFaults(f Faults) {
	f.Poison = append([]string(nil), f.Poison...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bucket = quota.Bucket{}
	s.setFaultsLocked(f)
}

// setFaultsLocked installs f. s.mu must be held (or s not yet shared).
func (s *Server) setFaultsLocked(f Faults) {
	s.faults = f
	s.poison = make(map[string]struct{}, len(f.Poison))
	for _, p := range f.Poison {
		s.poison[p] = struct{}{}
	}
	seed := uint64(f.Seed)
	s.callRand = rand.New(rand.NewPCG(seed, 0x63616c6c))       // "call"
	s.itemRand = rand.New(rand.NewPCG(seed, 0x6974656d))       // "item"
	s.throttleRand = rand.New(rand.NewPCG(seed, 0x7468726f74)) // "throt"
	s.bucket.Set(f.Quota, float64(f.QuotaBurst), s.now())
	s.slowed = 0
}

// Close stops the server: it ends added latencies, waits for handlers in
// flight, and closes the client's idle connections. It may be called more
// than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
		// srv.Close does not wait for handlers that hijacked their
		// connection (dropped responses).
		s.WaitIdle()
		s.transport.CloseIdleConnections()
	})
}

// draw reports true with probability rate. r's lock must be held.
func draw(r *rand.Rand, rate float64) bool {
	return r.Float64() < rate
}

// markKey is the context key under which a request's fault mark lives.
type markKey struct{}

// MarkFault labels the log entry of the request r with fault (for example
// "poison" or "item-failures"), when the server itself applied none. Kits
// call it from their handler; it does nothing for requests not served by a
// [Server].
func MarkFault(r *http.Request, fault string) {
	if p, ok := r.Context().Value(markKey{}).(*atomic.Pointer[string]); ok {
		p.Store(&fault)
	}
}

// withBody returns a shallow copy of r with a fresh reader over body.
func withBody(r *http.Request, body []byte) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return r2
}

// serveHTTP is the wrapper around the kit's handler. Every answer, the
// kit's or the wrapper's own, is written into a recorder first; the request
// is logged, and only then is the answer sent (or the connection closed),
// so that a client that got its answer finds its request in the log.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.busy.Lock()
	s.inflight++
	s.busy.Unlock()
	defer func() {
		s.busy.Lock()
		s.inflight--
		if s.inflight == 0 {
			s.idle.Broadcast()
		}
		s.busy.Unlock()
	}()

	arrived := s.now()
	seq := s.nextID.Add(1)
	id := requestID(seq)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// The client went away mid-body; nothing useful to answer.
		s.record(r, seq, arrived, body, "", id, 0, FaultCanceled)
		return
	}
	var mark atomic.Pointer[string]
	r = r.WithContext(context.WithValue(r.Context(), markKey{}, &mark))

	op := ""
	if s.opts.Operation != nil {
		op = s.opts.Operation(withBody(r, body))
	}
	rec := newRecorder(id)
	fault, answer := s.serveRecorded(rec, r, body)
	if fault == "" {
		if m := mark.Load(); m != nil {
			fault = *m
		}
	}
	status := 0
	if answer {
		status = rec.Code
	}
	s.record(r, seq, arrived, body, op, id, status, fault)

	switch {
	case answer:
		send(w, rec)
	case fault == FaultDrop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			// Not hijackable (never the case for httptest's HTTP/1.1
			// server): abort the response instead, which also closes the
			// connection.
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
	}
}

// serveRecorded applies the latency, the signature check, the quota and the
// fault plan to r, running the kit's handler when they let it through, and
// writes the answer into rec. It returns the fault applied ("" when none)
// and whether rec holds an answer to send: it does not for a dropped
// response or a client that went away.
func (s *Server) serveRecorded(rec *httptest.ResponseRecorder, r *http.Request, body []byte) (fault string, answer bool) {
	s.mu.Lock()
	latency := s.faults.Latency
	if n := s.faults.LatencyFirst; latency > 0 && n > 0 {
		if s.slowed >= n {
			latency = 0
		} else {
			s.slowed++
		}
	}
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return FaultCanceled, false
		case <-s.done:
			t.Stop()
			s.writeError(rec, r, body, KindInternal, "server is closing")
			return KindInternal.String(), true
		}
	}

	if aerr := s.verifySignature(r, body); aerr != nil {
		s.writeError(rec, r, body, aerr.kind, aerr.msg)
		return aerr.kind.String(), true
	}

	s.mu.Lock()
	allowed := s.bucket.Take(s.now())
	if allowed && s.faults.ThrottleRate > 0 {
		allowed = !draw(s.throttleRand, s.faults.ThrottleRate)
	}
	var fail, drop, malformed bool
	malformation := s.faults.Malformation
	if allowed {
		// Always three draws per admitted request, so one fault's rate
		// does not shift the others' sequence.
		fail = draw(s.callRand, s.faults.CallFailureRate)
		drop = draw(s.callRand, s.faults.DropRate)
		malformed = draw(s.callRand, s.faults.MalformedRate)
	}
	s.mu.Unlock()

	switch {
	case !allowed:
		s.writeError(rec, r, body, KindThrottle, "rate exceeded")
		return KindThrottle.String(), true
	case fail:
		s.writeError(rec, r, body, KindInternal, "we encountered an internal error, please try again")
		return KindInternal.String(), true
	case drop:
		// The handler runs, so its state changes are committed; its answer
		// is never sent.
		s.handler.ServeHTTP(rec, withBody(r, body))
		return FaultDrop, false
	}
	s.handler.ServeHTTP(rec, withBody(r, body))
	if malformed && rec.Code == http.StatusOK {
		out := rec.Body.Bytes()
		if malformation != MalformKit {
			out = malformation.Apply(rec.Header().Get("Content-Type"), out)
		} else if s.opts.Corrupt != nil {
			out = s.opts.Corrupt(out)
		} else {
			out = Truncate(out)
		}
		rec.Body = bytes.NewBuffer(out)
		return FaultMalformed, true
	}
	return "", true
}

// send writes the answer held by rec to w, with a Content-Length matching
// its body. A handler that wrote nothing answers 200 with an empty body, as
// net/http does.
func send(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	h := w.Header()
	for k, v := range rec.Header() {
		h[k] = v
	}
	out := rec.Body.Bytes()
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(out)
}

// newRecorder returns a recorder already carrying the request ID header,
// as every answer does.
func newRecorder(id string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Amzn-RequestId", id)
	return rec
}

// writeError renders a refusal with the kit's WriteError.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, body []byte, kind ErrorKind, msg string) {
	write := s.opts.WriteError
	if write == nil {
		write = WriteDefaultError
	}
	write(w, withBody(r, body), kind, msg)
}

// requestID returns the x-amzn-RequestId of the request with sequence
// number seq, UUID-shaped and unique within the server.
func requestID(seq uint64) string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", seq)
}

// record appends one entry to the request log.
func (s *Server) record(r *http.Request, seq uint64, arrived time.Time, body []byte, op, id string, status int, fault string) {
	if s.opts.DiscardLog {
		return
	}
	h := r.Header.Clone()
	h.Set("Host", r.Host)
	e := Request{
		Method:    r.Method,
		Path:      r.URL.Path,
		RawPath:   r.URL.EscapedPath(),
		Query:     r.URL.RawQuery,
		Operation: op,
		Header:    h,
		Body:      body,
		Status:    status,
		Fault:     fault,
		RequestID: id,
		Seq:       seq,
		Time:      arrived,
	}
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
}

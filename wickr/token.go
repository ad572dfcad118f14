package wickr

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"slices"
	"strings"

	"github.com/batchkit/batchkit/batch"
)

// maxClientToken is the model's length limit of X-Client-Token.
const maxClientToken = 64

// checkPrefix validates Options.ClientTokenPrefix against the model's
// pattern for client tokens, ^[a-zA-Z0-9-_:]+$, and MaxClientTokenPrefix.
func checkPrefix(p string) *batch.Error {
	if len(p) > MaxClientTokenPrefix {
		return batch.InvalidInput("ClientTokenPrefix", "ClientTokenPrefix must hold at most %d characters, got %d", MaxClientTokenPrefix, len(p))
	}
	for i := 0; i < len(p); i++ {
		if !tokenChar(p[i]) {
			return batch.InvalidInput("ClientTokenPrefix", "ClientTokenPrefix may hold only letters, digits, '-', '_' and ':'; character %d is not one", i+1)
		}
	}
	return nil
}

func tokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':'
}

// ClientToken returns the client token of the first call carrying exactly
// users (in any order) in network networkID, as the rule in the package
// documentation derives it: the Adapter's prefix followed by the hash, 64
// characters in all. Later calls with the same content get other tokens.
// It returns "" when [Options.ClientTokenPrefix] is invalid.
func (a *Adapter) ClientToken(networkID string, users ...NewUser) string {
	if a.prefixErr != nil {
		return ""
	}
	sorted := slices.Clone(users)
	slices.SortStableFunc(sorted, func(x, y NewUser) int { return strings.Compare(x.Username, y.Username) })
	return a.token(contentHash(networkID, sorted, 0))
}

// contentHash hashes a call's content: the network ID, then each user in
// the request's order (by Username) with every member the request carries
// for it, then, for the n-th later call with the same content, n > 0. See
// "Client tokens" in the package documentation for the encoding.
func contentHash(network string, users []NewUser, n uint64) []byte {
	h := sha256.New()
	writeString(h, network)
	for i := range users {
		u := &users[i]
		writeString(h, u.Username)
		writeUvarint(h, uint64(len(u.SecurityGroupIds)))
		for _, g := range u.SecurityGroupIds {
			writeString(h, g)
		}
		writeString(h, u.FirstName)
		writeString(h, u.LastName)
		writeString(h, u.InviteCode)
		if u.InviteCodeTtl == nil {
			writeUvarint(h, 0)
		} else {
			writeUvarint(h, 1)
			writeUvarint(h, uint64(uint32(*u.InviteCodeTtl)))
		}
		switch {
		case u.CodeValidation == nil:
			writeUvarint(h, 0)
		case !*u.CodeValidation:
			writeUvarint(h, 1)
		default:
			writeUvarint(h, 2)
		}
	}
	if n > 0 {
		writeUvarint(h, n)
	}
	return h.Sum(nil)
}

func writeString(h hash.Hash, s string) {
	writeUvarint(h, uint64(len(s)))
	_, _ = io.WriteString(h, s)
}

func writeUvarint(h hash.Hash, v uint64) {
	var buf [binary.MaxVarintLen64]byte
	n := binary.PutUvarint(buf[:], v)
	_, _ = h.Write(buf[:n])
}

// token returns the prefix and as many hex digits of sum as fit in 64
// characters.
func (a *Adapter) token(sum []byte) string {
	hexSum := hex.EncodeToString(sum)
	return a.prefix + hexSum[:maxClientToken-len(a.prefix)]
}

// contentKey identifies a call's content in Adapter.seen: the first 16
// bytes of its hash with n = 0.
type contentKey [16]byte

// sentCall is what the Adapter remembers of a call the engine may send
// again: its content and its rank among the calls with that content.
type sentCall struct {
	content contentKey
	n       uint64
}

// callToken returns the client token of a call to network with users (in
// request order), and the call's ID when ctx comes from a run. A call the
// run sends again as a whole, with the same content, gets the token it got
// first, so the service replays its answer; any other call gets the next
// rank of its content, so no two calls share a token (issue 8).
func (a *Adapter) callToken(ctx context.Context, network string, users []NewUser) (token string, id uint64, hasID bool) {
	base := contentHash(network, users, 0)
	key := contentKey(base[:16])
	id, hasID = batch.CallID(ctx)
	a.mu.Lock()
	sc, resend := a.pending[id]
	if !hasID || !resend || sc.content != key {
		sc = sentCall{content: key, n: a.seen[key]}
		a.seen[key]++
		if hasID {
			a.pending[id] = sc
		}
	}
	a.mu.Unlock()
	if sc.n == 0 {
		return a.token(base), id, hasID
	}
	return a.token(contentHash(network, users, sc.n)), id, hasID
}

// answered forgets the call id: it got an answer, so the engine never sends
// it again.
func (a *Adapter) answered(id uint64) {
	a.mu.Lock()
	delete(a.pending, id)
	a.mu.Unlock()
}

func unsureKey(network, username string) string {
	return network + "\x00" + username
}

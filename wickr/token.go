package wickr

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"slices"

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
// the users named usernames (in any order) in network networkID, as the
// rule in the package documentation derives it: the Adapter's prefix
// followed by the hash, 64 characters in all. It returns "" when
// [Options.ClientTokenPrefix] is invalid.
func (a *Adapter) ClientToken(networkID string, usernames ...string) string {
	if a.prefixErr != nil {
		return ""
	}
	names := slices.Clone(usernames)
	slices.Sort(names)
	return a.token(setHash(networkID, names, 0))
}

// setHash hashes a call set: the network ID, then each user name (sorted in
// increasing byte order by the caller), each preceded by its length in bytes
// as an unsigned varint; then, for resend n > 0, the uvarint n.
func setHash(network string, sortedNames []string, resend uint64) []byte {
	h := sha256.New()
	writeString(h, network)
	for _, u := range sortedNames {
		writeString(h, u)
	}
	if resend > 0 {
		writeUvarint(h, resend)
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

// callToken returns the client token for a call set and the set's key in
// a.resends. sortedNames are the call's user names in increasing order.
func (a *Adapter) callToken(network string, sortedNames []string) (token, set string) {
	base := setHash(network, sortedNames, 0)
	set = hex.EncodeToString(base)
	a.mu.Lock()
	n := a.resends[set]
	a.mu.Unlock()
	if n == 0 {
		return a.token(base), set
	}
	return a.token(setHash(network, sortedNames, n)), set
}

// answered records that the call set got an answer leaving some user to be
// retried: a resend of the same set must not replay that answer, so it gets
// the next token.
func (a *Adapter) answered(set string) {
	a.mu.Lock()
	a.resends[set]++
	a.mu.Unlock()
}

func unsureKey(network, username string) string {
	return network + "\x00" + username
}

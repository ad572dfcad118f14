package wire

import (
	"encoding/binary"
	"errors"
)

// maxCBORDepth bounds the nesting of containers and tags [WellFormed]
// follows, so that a hostile body cannot exhaust the stack. Answers of the
// checked operations nest four levels deep; smithy-go's decoder stops at
// 128.
const maxCBORDepth = 128

var (
	errCBORTruncated = errors.New("the CBOR data item is truncated")
	errCBORMalformed = errors.New("the CBOR data item is not well formed")
	errCBORDepth     = errors.New("the CBOR data item is nested too deeply")
)

// cborMap reports whether body is exactly one well-formed CBOR data item
// whose major type is a map. It follows the well-formedness rules of
// RFC 8949 appendix C; it does not check validity (UTF-8 of text strings,
// duplicate keys, tag contents), which the decoder does.
func cborMap(body []byte) error {
	if len(body) == 0 {
		return errors.New("the body is empty")
	}
	if body[0]>>5 != 5 {
		return errors.New("the body is not a CBOR map")
	}
	n, err := cborItem(body, 0)
	if err != nil {
		return err
	}
	if n != len(body) {
		return errors.New("trailing data after the CBOR map")
	}
	return nil
}

// cborItem returns the length of the well-formed data item at the start of
// p. depth is the number of containers and tags around it.
func cborItem(p []byte, depth int) (int, error) {
	if depth > maxCBORDepth {
		return 0, errCBORDepth
	}
	if len(p) == 0 {
		return 0, errCBORTruncated
	}
	major, ai := p[0]>>5, p[0]&0x1f
	if ai == 31 {
		return cborIndefinite(p, major, depth)
	}
	arg, n, err := cborArgument(p)
	if err != nil {
		return 0, err
	}
	rest := uint64(len(p) - n)
	switch major {
	case 0, 1: // unsigned and negative integers
		return n, nil
	case 2, 3: // byte and text strings
		if arg > rest {
			return 0, errCBORTruncated
		}
		return n + int(arg), nil
	case 4, 5: // arrays and maps
		items := arg
		if major == 5 {
			if arg > rest/2 {
				return 0, errCBORTruncated
			}
			items = 2 * arg
		}
		if items > rest {
			// Every item takes at least one byte.
			return 0, errCBORTruncated
		}
		for range items {
			m, err := cborItem(p[n:], depth+1)
			if err != nil {
				return 0, err
			}
			n += m
		}
		return n, nil
	case 6: // a tag and its content
		m, err := cborItem(p[n:], depth+1)
		if err != nil {
			return 0, err
		}
		return n + m, nil
	}
	// Major type 7: simple values and floats. A one-byte simple value below
	// 32 is not well formed (RFC 8949 section 3.3).
	if ai == 24 && arg < 32 {
		return 0, errCBORMalformed
	}
	return n, nil
}

// cborArgument decodes the argument of the head at the start of p, whose
// additional information is not 31, and returns it with the head's length.
func cborArgument(p []byte) (arg uint64, n int, err error) {
	ai := p[0] & 0x1f
	switch {
	case ai < 24:
		return uint64(ai), 1, nil
	case ai > 27:
		return 0, 0, errCBORMalformed // reserved
	}
	size := 1 << (ai - 24) // 1, 2, 4 or 8 bytes
	if len(p) < 1+size {
		return 0, 0, errCBORTruncated
	}
	b := p[1 : 1+size]
	switch size {
	case 1:
		arg = uint64(b[0])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(b))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(b))
	default:
		arg = binary.BigEndian.Uint64(b)
	}
	return arg, 1 + size, nil
}

// cborIndefinite returns the length of the indefinite-length item at the
// start of p, of the given major type, up to and including its break code.
func cborIndefinite(p []byte, major byte, depth int) (int, error) {
	switch major {
	case 2, 3, 4, 5:
	default:
		// Integers and tags have no indefinite form; a lone break code
		// (major type 7) belongs to no container.
		return 0, errCBORMalformed
	}
	n, items := 1, 0
	for {
		if n >= len(p) {
			return 0, errCBORTruncated
		}
		if p[n] == 0xff {
			if major == 5 && items%2 == 1 {
				return 0, errCBORMalformed // a key without its value
			}
			return n + 1, nil
		}
		if major == 2 || major == 3 {
			// Chunks are definite-length strings of the same major type.
			if p[n]>>5 != major || p[n]&0x1f == 31 {
				return 0, errCBORMalformed
			}
		}
		m, err := cborItem(p[n:], depth+1)
		if err != nil {
			return 0, err
		}
		n += m
		items++
	}
}

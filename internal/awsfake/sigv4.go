package awsfake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	amzDateLayout = "20060102T150405Z"
	// maxSkew is how far X-Amz-Date may be from the server's clock, as AWS
	// allows.
	maxSkew = 15 * time.Minute
)

// authError is a refusal found while verifying a signature.
type authError struct {
	kind ErrorKind
	msg  string
}

// sigHeader is a parsed Authorization header.
type sigHeader struct {
	accessKey string
	date      string // yyyymmdd from the credential scope
	region    string
	service   string
	signed    []string
	signature string
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/date/region/
// service/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(v string) (sigHeader, *authError) {
	var h sigHeader
	rest, ok := strings.CutPrefix(v, sigAlgorithm+" ")
	if !ok {
		return h, &authError{KindSignature, "unsupported authorization algorithm"}
	}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return h, &authError{KindSignature, "malformed authorization header"}
		}
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			h.signature = val
		}
	}
	if cred == "" || signed == "" || h.signature == "" {
		return h, &authError{KindSignature, "authorization header requires Credential, SignedHeaders and Signature"}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
		return h, &authError{KindSignature, "malformed credential scope"}
	}
	h.accessKey, h.date, h.region, h.service = scope[0], scope[1], scope[2], scope[3]
	h.signed = strings.Split(signed, ";")
	return h, nil
}

// verifySignature checks r's SigV4 signature against the test credentials,
// in the order AWS's front end does: an Authorization header, a known access
// key, a credential scope for the server's service and region, an
// X-Amz-Date matching the scope's date and within 15 minutes of the
// server's clock, then the signature itself. body is the full request
// body. It recomputes the signature with the SDK's own signer, for the
// server's service and region, over a request rebuilt from the signed
// headers only, the raw request URI as sent, the X-Amz-Date time and the
// body's SHA-256.
func (s *Server) verifySignature(r *http.Request, body []byte) *authError {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return &authError{KindMissingAuth, "missing authentication token"}
	}
	h, aerr := parseAuthorization(authz)
	if aerr != nil {
		return aerr
	}
	if h.accessKey != AccessKeyID {
		return &authError{KindUnknownKey, "the security token included in the request is invalid"}
	}
	if s.opts.SigningName != "" && h.service != s.opts.SigningName {
		return &authError{KindSignature, "Credential should be scoped to correct service: '" + s.opts.SigningName + "'."}
	}
	// AWS checks the scope's region against the endpoint's, before the
	// signature: a request signed for another region is refused even when
	// its signature is right for the region it names.
	if want := s.region(); h.region != want {
		return &authError{KindSignature, "Credential should be scoped to a valid region, not '" + h.region + "'. This endpoint serves '" + want + "'."}
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return &authError{KindSignature, "authorization header requires existence of an X-Amz-Date header"}
	}
	signingTime, err := time.Parse(amzDateLayout, amzDate)
	if err != nil {
		return &authError{KindSignature, "malformed X-Amz-Date"}
	}
	if signingTime.Format("20060102") != h.date {
		return &authError{KindSignature, "credential scope date does not match X-Amz-Date"}
	}
	switch d := s.now().Sub(signingTime); {
	case d > maxSkew:
		return &authError{KindSignature, "Signature expired: " + amzDate + " is now earlier than " +
			s.now().Add(-maxSkew).UTC().Format(amzDateLayout) + " (15 minutes ago)."}
	case d < -maxSkew:
		return &authError{KindSignature, "Signature not yet current: " + amzDate + " is still later than " +
			s.now().Add(maxSkew).UTC().Format(amzDateLayout) + " (15 minutes from now)."}
	}

	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return &authError{KindSignature, "malformed request URI"}
	}
	rebuilt := &http.Request{
		Method: r.Method,
		URL:    u,
		Host:   r.Host,
		Header: make(http.Header),
	}
	for _, name := range h.signed {
		switch name {
		case "host":
			// From rebuilt.Host.
		case "content-length":
			rebuilt.ContentLength = int64(len(body))
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return &authError{KindSignature, "signed header " + name + " is missing"}
			}
			rebuilt.Header[http.CanonicalHeaderKey(name)] = vals
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}
	err = s.signer.SignHTTP(context.Background(), creds, rebuilt, hex.EncodeToString(sum[:]),
		h.service, s.region(), signingTime)
	if err != nil {
		return &authError{KindSignature, "cannot compute signature"}
	}
	want, aerr := parseAuthorization(rebuilt.Header.Get("Authorization"))
	if aerr != nil {
		return aerr
	}
	if !hmac.Equal([]byte(want.signature), []byte(h.signature)) {
		return &authError{KindSignature, "the request signature we calculated does not match the signature you provided"}
	}
	return nil
}

// region returns the region requests must be signed for.
func (s *Server) region() string {
	if s.opts.Region != "" {
		return s.opts.Region
	}
	return Region
}

// newSigner returns the SDK's signer configured as for non-S3 services.
func newSigner() *v4.Signer {
	return v4.NewSigner()
}

package appstreamtest

import (
	"errors"
	"strings"

	appstreamtypes "github.com/aws/aws-sdk-go-v2/service/appstream/types"
)

// SentAssociations decodes the associations a logged request carried, in
// the order sent, whichever protocol it spoke: Smithy RPC v2 CBOR (a path
// /service/PhotonAdminProxyService/operation/<Op>, the protocol of
// aws-sdk-go-v2 service/appstream from v1.64.0 on) or AWS JSON 1.1 (an
// X-Amz-Target header, the protocol of older clients and other SDKs). It
// returns the operation's name, BatchAssociateUserStack or
// BatchDisassociateUserStack. Members the request left out are empty in
// the result.
//
// It fails for a request of neither operation and for a body that does not
// decode, which the server itself refused. Its errors never quote the body,
// which holds user names.
func SentAssociations(r Request) (operation string, associations []Association, err error) {
	p := protoJSON
	if _, op, ok := cborRoute(r.RawPath); ok {
		p, operation = protoCBOR, op
	} else if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix); ok {
		operation = op
	}
	if operation != opAssociate && operation != opDisassociate {
		return "", nil, errors.New("appstreamtest: not a BatchAssociateUserStack or BatchDisassociateUserStack request")
	}
	items, aerr := decodeRequest(p, r.Body)
	if aerr != nil {
		return operation, nil, errors.New("appstreamtest: the request body does not decode: " + aerr.message)
	}
	associations = make([]Association, len(items))
	for i, it := range items {
		associations[i] = Association{
			StackName:          deref(it.StackName),
			UserName:           deref(it.UserName),
			AuthenticationType: appstreamtypes.AuthenticationType(deref(it.AuthenticationType)),
		}
	}
	return operation, associations, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

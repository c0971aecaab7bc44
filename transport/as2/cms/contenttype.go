package cms

import (
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// The content types ContentType reports, spelt as the smime-type parameter
// of application/pkcs7-mime spells them (RFC 8551 3.2.2, RFC 3274).
const (
	TypeEnvelopedData     = "enveloped-data"
	TypeAuthEnvelopedData = "authEnveloped-data"
	TypeCompressedData    = "compressed-data"
	TypeSignedData        = "signed-data"
)

// ContentType tells which CMS content type a DER/BER ContentInfo holds,
// without decrypting: TypeEnvelopedData, TypeAuthEnvelopedData,
// TypeCompressedData or TypeSignedData, or an error. It reads only the
// outer SEQUENCE header and the content type OID, so it is cheap on large
// messages, and does not check the rest.
func ContentType(data []byte) (string, error) {
	h, err := readBERHeader(data)
	if err != nil || len(h.identifier) != 1 || h.identifier[0] != 0x30 {
		return "", malformed("ContentInfo")
	}
	oidHeader, err := readBERHeader(data[h.size:])
	if err != nil || oidHeader.length == indefiniteLength || !oidHeader.minimal {
		return "", malformed("ContentInfo contentType")
	}
	oidSize := oidHeader.size + oidHeader.length
	if h.length != indefiniteLength && oidSize > h.length {
		return "", malformed("ContentInfo contentType")
	}
	field := cryptobyte.String(data[h.size : h.size+oidSize])
	var oid asn1.ObjectIdentifier
	if !field.ReadASN1ObjectIdentifier(&oid) {
		return "", malformed("ContentInfo contentType")
	}
	switch {
	case oid.Equal(oidEnvelopedData):
		return TypeEnvelopedData, nil
	case oid.Equal(oidAuthEnvelopedData):
		return TypeAuthEnvelopedData, nil
	case oid.Equal(oidCompressedData):
		return TypeCompressedData, nil
	case oid.Equal(oidSignedData):
		return TypeSignedData, nil
	}
	return "", fmt.Errorf("cms: content type %v is not supported", oid)
}

package cms

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers (RFC 5652, 5083, 5084, 3274, 3565, 4055, 8017). They
// are never modified.
var (
	oidData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidEnvelopedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidAuthEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 23}
	oidCompressedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 9}
	oidZlibCompress      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 3, 8}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAESOAEP     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 7}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidPSpecified    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 9}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidAES128GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 6}
	oidAES192GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 26}
	oidAES256GCM  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 46}
)

// Identifier octets of context-specific fields, for cryptobyte.
const (
	constructed     = 0x20
	contextSpecific = 0x80

	tagExplicit0 cbasn1.Tag = 0 | constructed | contextSpecific // [0] EXPLICIT, or IMPLICIT of a constructed type
	tagExplicit1 cbasn1.Tag = 1 | constructed | contextSpecific
	tagExplicit2 cbasn1.Tag = 2 | constructed | contextSpecific
	tagImplicit0 cbasn1.Tag = 0 | contextSpecific // [0] IMPLICIT of a primitive type
)

// derNULL is the encoding of NULL.
const derNULL = "\x05\x00"

// malformed is the error for input that does not follow the ASN.1 module.
func malformed(what string) error {
	return fmt.Errorf("cms: malformed %s", what)
}

// readContentInfo normalises a BER or DER ContentInfo and returns its
// content type and its content (the value inside [0] EXPLICIT).
func readContentInfo(data []byte) (asn1.ObjectIdentifier, cryptobyte.String, error) {
	der, err := normalizeBER(data)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: malformed ContentInfo: %w", err)
	}
	input := cryptobyte.String(der)
	var contentInfo, content cryptobyte.String
	var contentType asn1.ObjectIdentifier
	if !input.ReadASN1(&contentInfo, cbasn1.SEQUENCE) ||
		!contentInfo.ReadASN1ObjectIdentifier(&contentType) ||
		!contentInfo.ReadASN1(&content, tagExplicit0) ||
		!contentInfo.Empty() {
		return nil, nil, malformed("ContentInfo")
	}
	return contentType, content, nil
}

// addContentInfo writes a ContentInfo of the given type whose content
// addContent writes, and returns its DER.
func addContentInfo(contentType asn1.ObjectIdentifier, addContent cryptobyte.BuilderContinuation) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(contentType)
		b.AddASN1(tagExplicit0, addContent)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encoding %v: %w", contentType, err)
	}
	return der, nil
}

// An algorithmIdentifier is an AlgorithmIdentifier (RFC 5280) as read.
type algorithmIdentifier struct {
	oid    asn1.ObjectIdentifier
	params cryptobyte.String // the parameters element, DER; empty when absent
}

// paramsAbsentOrNULL tells whether the parameters are absent or NULL, two
// spellings of "none" that both occur.
func (a algorithmIdentifier) paramsAbsentOrNULL() bool {
	return len(a.params) == 0 || string(a.params) == derNULL
}

// readAlgorithmIdentifier reads an AlgorithmIdentifier from s.
func readAlgorithmIdentifier(s *cryptobyte.String) (algorithmIdentifier, bool) {
	var seq cryptobyte.String
	var a algorithmIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.oid) {
		return algorithmIdentifier{}, false
	}
	if seq.Empty() {
		return a, true
	}
	var tag cbasn1.Tag
	if !seq.ReadAnyASN1Element(&a.params, &tag) || !seq.Empty() {
		return algorithmIdentifier{}, false
	}
	return a, true
}

// addAlgorithmIdentifier writes an AlgorithmIdentifier whose parameters
// addParams writes; with nil addParams, the parameters are absent.
func addAlgorithmIdentifier(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, addParams cryptobyte.BuilderContinuation) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if addParams != nil {
			addParams(b)
		}
	})
}

// hashForOID returns the hash function an OID names; SHA-1 and SHA-2 only.
func hashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	case oid.Equal(oidSHA224):
		return crypto.SHA224, true
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// oidForHash is the inverse of hashForOID.
func oidForHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	switch h {
	case crypto.SHA1:
		return oidSHA1, true
	case crypto.SHA224:
		return oidSHA224, true
	case crypto.SHA256:
		return oidSHA256, true
	case crypto.SHA384:
		return oidSHA384, true
	case crypto.SHA512:
		return oidSHA512, true
	}
	return nil, false
}

// readHashAlgorithm reads the AlgorithmIdentifier of a hash function, with
// absent or NULL parameters (both occur: OpenSSL omits them, libas2 writes
// NULL).
func readHashAlgorithm(s *cryptobyte.String) (crypto.Hash, error) {
	alg, ok := readAlgorithmIdentifier(s)
	if !ok {
		return 0, malformed("hash AlgorithmIdentifier")
	}
	h, ok := hashForOID(alg.oid)
	if !ok {
		return 0, fmt.Errorf("cms: hash algorithm %v is not supported", alg.oid)
	}
	if !alg.paramsAbsentOrNULL() {
		return 0, malformed("hash algorithm parameters")
	}
	return h, nil
}

// hashName is the short lower-case name of a hash function, as used in
// KeyTransport names.
func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "sha1"
	case crypto.SHA224:
		return "sha224"
	case crypto.SHA256:
		return "sha256"
	case crypto.SHA384:
		return "sha384"
	case crypto.SHA512:
		return "sha512"
	}
	return h.String()
}

// readOctets reads the bytes of an OCTET STRING stored under tag, which may
// be primitive, or constructed from primitive OCTET STRING segments (BER
// after normalisation: only universal OCTET STRINGs are flattened by it).
func readOctets(s *cryptobyte.String, primitive, constructed cbasn1.Tag) ([]byte, bool) {
	var content cryptobyte.String
	switch {
	case s.PeekASN1Tag(primitive):
		if !s.ReadASN1(&content, primitive) {
			return nil, false
		}
		return content, true
	case s.PeekASN1Tag(constructed):
		if !s.ReadASN1(&content, constructed) {
			return nil, false
		}
		var octets []byte
		for !content.Empty() {
			var segment cryptobyte.String
			if !content.ReadASN1(&segment, cbasn1.OCTET_STRING) {
				return nil, false
			}
			octets = append(octets, segment...)
		}
		return octets, true
	}
	return nil, false
}

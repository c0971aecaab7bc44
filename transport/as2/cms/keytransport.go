package cms

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrNoRecipient is returned (wrapped) by Decrypt when no recipient of the
// message is the certificate it was given: the partner encrypted for
// someone else, or for an older certificate of ours.
var ErrNoRecipient = errors.New("cms: the message is not encrypted for this certificate")

// A keyTransRecipient is a KeyTransRecipientInfo (RFC 5652 6.2.1).
type keyTransRecipient struct {
	issuer       []byte   // rid IssuerAndSerialNumber: the issuer Name, DER...
	serial       *big.Int // ...and the serial number; nil for a key identifier
	keyID        []byte   // rid [0] SubjectKeyIdentifier
	algorithm    algorithmIdentifier
	encryptedKey []byte
}

// findRecipient returns the KeyTransRecipientInfo for cert among
// recipientInfos, the content of the RecipientInfos SET. Other kinds of
// RecipientInfo (key agreement, KEK, password, other) cannot be for an RSA
// certificate and are passed over: they name other recipients.
func findRecipient(recipientInfos cryptobyte.String, cert *x509.Certificate) (keyTransRecipient, error) {
	for !recipientInfos.Empty() {
		var info cryptobyte.String
		var tag cbasn1.Tag
		if !recipientInfos.ReadAnyASN1Element(&info, &tag) {
			return keyTransRecipient{}, malformed("RecipientInfos")
		}
		if tag != cbasn1.SEQUENCE { // kari [1], kekri [2], pwri [3], ori [4]
			continue
		}
		recipient, err := parseKeyTransRecipient(info)
		if err != nil {
			return keyTransRecipient{}, err
		}
		if recipient.isFor(cert) {
			return recipient, nil
		}
	}
	return keyTransRecipient{}, fmt.Errorf("%w (issuer %q, serial %X)", ErrNoRecipient, cert.Issuer.String(), cert.SerialNumber)
}

// parseKeyTransRecipient reads one KeyTransRecipientInfo element. The
// version (0 or 2) is not checked: the form of the identifier says which
// it is.
func parseKeyTransRecipient(info cryptobyte.String) (keyTransRecipient, error) {
	var seq cryptobyte.String
	var version int64
	if !info.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Integer(&version) {
		return keyTransRecipient{}, malformed("KeyTransRecipientInfo")
	}
	var r keyTransRecipient
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		r.serial = new(big.Int)
		if !seq.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(r.serial) || !ias.Empty() {
			return keyTransRecipient{}, malformed("IssuerAndSerialNumber")
		}
		r.issuer = issuer
	case seq.PeekASN1Tag(tagImplicit0):
		if !seq.ReadASN1Bytes(&r.keyID, tagImplicit0) {
			return keyTransRecipient{}, malformed("SubjectKeyIdentifier")
		}
	default:
		return keyTransRecipient{}, malformed("RecipientIdentifier")
	}
	var ok bool
	if r.algorithm, ok = readAlgorithmIdentifier(&seq); !ok {
		return keyTransRecipient{}, malformed("keyEncryptionAlgorithm")
	}
	if !seq.ReadASN1Bytes(&r.encryptedKey, cbasn1.OCTET_STRING) || !seq.Empty() {
		return keyTransRecipient{}, malformed("KeyTransRecipientInfo")
	}
	return r, nil
}

// isFor tells whether the recipient identifier names cert: by issuer and
// serial number, or by the certificate's subject key identifier extension.
func (r keyTransRecipient) isFor(cert *x509.Certificate) bool {
	if r.serial != nil {
		return cert.SerialNumber != nil && r.serial.Cmp(cert.SerialNumber) == 0 && bytes.Equal(r.issuer, cert.RawIssuer)
	}
	return len(r.keyID) > 0 && bytes.Equal(r.keyID, cert.SubjectKeyId)
}

// decryptKey recovers the content-encryption key, which must be keySize
// bytes long, and names the key transport used.
func (r keyTransRecipient) decryptKey(key *rsa.PrivateKey, keySize int) ([]byte, KeyTransport, error) {
	switch {
	case r.algorithm.oid.Equal(oidRSAEncryption):
		cek, err := decryptKeyPKCS1v15(key, r.encryptedKey, keySize)
		return cek, RSAPKCS1v15, err
	case r.algorithm.oid.Equal(oidRSAESOAEP):
		opts, err := parseOAEPParams(r.algorithm.params)
		if err != nil {
			return nil, "", err
		}
		kt := oaepKeyTransport(opts.Hash, opts.MGFHash)
		cek, err := key.Decrypt(nil, r.encryptedKey, opts)
		if err != nil {
			return nil, kt, fmt.Errorf("cms: decrypting the content-encryption key (%s): %w", kt, err)
		}
		if len(cek) != keySize {
			return nil, kt, fmt.Errorf("cms: content-encryption key is %d bytes, the cipher takes %d", len(cek), keySize)
		}
		return cek, kt, nil
	}
	return nil, "", fmt.Errorf("cms: key transport algorithm %v is not supported", r.algorithm.oid)
}

// decryptKeyPKCS1v15 decrypts a content-encryption key sent with RSA PKCS #1
// v1.5. It counters Bleichenbacher's attack as RFC 3218 2.3.2 says: when
// the padding or the length is wrong, it goes on, in constant time, with a
// substitute key, so a forged key shows only as content that fails to
// decrypt, the same as a well-formed key of the wrong value. The
// substitute is derived from the private key and the encrypted key (as
// OpenSSL 3.2's implicit rejection does), not drawn at random: the same
// forged bytes sent twice must fail the same way, or the difference
// between the two answers is the oracle the attack needs.
func decryptKeyPKCS1v15(key *rsa.PrivateKey, encryptedKey []byte, keySize int) ([]byte, error) {
	cek := implicitRejectionKey(key, encryptedKey, keySize)
	// Deprecated for new protocols, but CMS and AS2 partners still use v1.5.
	if err := rsa.DecryptPKCS1v15SessionKey(nil, key, encryptedKey, cek); err != nil {
		return nil, fmt.Errorf("cms: decrypting the content-encryption key (%s): %w", RSAPKCS1v15, err)
	}
	return cek, nil
}

// implicitRejectionKey is the substitute key for an encrypted key whose
// padding is wrong: keySize bytes (at most 32, the longest content key)
// of HMAC-SHA-256 over it, keyed by a hash of the private exponent.
func implicitRejectionKey(key *rsa.PrivateKey, encryptedKey []byte, keySize int) []byte {
	secret := sha256.Sum256(append([]byte("edibridge cms implicit rejection\x00"), key.D.Bytes()...))
	mac := hmac.New(sha256.New, secret[:])
	mac.Write(encryptedKey)
	sum := mac.Sum(nil)
	for len(sum) < keySize {
		mac.Write(sum)
		sum = mac.Sum(sum)
	}
	return sum[:keySize]
}

// parseOAEPParams reads RSAES-OAEP-params (RFC 8017 A.2.1). Every field has
// a default (SHA-1, MGF1 with SHA-1, an empty label), and the parameters
// come absent, NULL, or as an empty SEQUENCE (OpenSSL's OAEP-SHA-1) when all
// are defaults. The MGF1 hash may differ from the OAEP hash: Java's
// OAEPWithSHA-256AndMGF1Padding is SHA-256 with MGF1-SHA-1.
func parseOAEPParams(params cryptobyte.String) (*rsa.OAEPOptions, error) {
	opts := &rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}
	alg := algorithmIdentifier{params: params}
	if alg.paramsAbsentOrNULL() {
		return opts, nil
	}
	var seq cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() {
		return nil, malformed("RSAES-OAEP-params")
	}
	var err error
	if opts.Hash, err = readOAEPHash(&seq, opts.Hash); err != nil {
		return nil, err
	}
	if opts.MGFHash, err = readMGF1Hash(&seq, opts.MGFHash); err != nil {
		return nil, err
	}
	if opts.Label, err = readOAEPLabel(&seq); err != nil {
		return nil, err
	}
	if !seq.Empty() {
		return nil, malformed("RSAES-OAEP-params")
	}
	return opts, nil
}

// readOAEPHash reads the optional hashAlgorithm field.
func readOAEPHash(seq *cryptobyte.String, def crypto.Hash) (crypto.Hash, error) {
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, tagExplicit0) {
		return 0, malformed("RSAES-OAEP-params hashAlgorithm")
	}
	if !present {
		return def, nil
	}
	h, err := readHashAlgorithm(&field)
	if err != nil {
		return 0, err
	}
	if !field.Empty() {
		return 0, malformed("RSAES-OAEP-params hashAlgorithm")
	}
	return h, nil
}

// readMGF1Hash reads the optional maskGenAlgorithm field, which must be MGF1,
// and returns its hash.
func readMGF1Hash(seq *cryptobyte.String, def crypto.Hash) (crypto.Hash, error) {
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, tagExplicit1) {
		return 0, malformed("RSAES-OAEP-params maskGenAlgorithm")
	}
	if !present {
		return def, nil
	}
	mgf, ok := readAlgorithmIdentifier(&field)
	if !ok || !field.Empty() {
		return 0, malformed("RSAES-OAEP-params maskGenAlgorithm")
	}
	if !mgf.oid.Equal(oidMGF1) {
		return 0, fmt.Errorf("cms: OAEP mask generation function %v is not supported", mgf.oid)
	}
	h, err := readHashAlgorithm(&mgf.params)
	if err != nil {
		return 0, err
	}
	if !mgf.params.Empty() {
		return 0, malformed("MGF1 parameters")
	}
	return h, nil
}

// readOAEPLabel reads the optional pSourceAlgorithm field, which must be
// pSpecified, and returns the label.
func readOAEPLabel(seq *cryptobyte.String) ([]byte, error) {
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, tagExplicit2) {
		return nil, malformed("RSAES-OAEP-params pSourceAlgorithm")
	}
	if !present {
		return nil, nil
	}
	source, ok := readAlgorithmIdentifier(&field)
	if !ok || !field.Empty() {
		return nil, malformed("RSAES-OAEP-params pSourceAlgorithm")
	}
	if !source.oid.Equal(oidPSpecified) {
		return nil, fmt.Errorf("cms: OAEP label source %v is not supported", source.oid)
	}
	if len(source.params) == 0 {
		return nil, nil
	}
	var label []byte
	if !source.params.ReadASN1Bytes(&label, cbasn1.OCTET_STRING) || !source.params.Empty() {
		return nil, malformed("OAEP label")
	}
	return label, nil
}

// encryptKey encrypts the content-encryption key for pub.
func encryptKey(pub *rsa.PublicKey, cek []byte, spec keyTransportSpec) ([]byte, error) {
	var encrypted []byte
	var err error
	if spec.oaep {
		opts := &rsa.OAEPOptions{Hash: spec.hash, MGFHash: spec.hash}
		encrypted, err = rsa.EncryptOAEPWithOptions(rand.Reader, pub, cek, opts)
	} else {
		// Deprecated for new protocols, but many AS2 partners read nothing else.
		encrypted, err = rsa.EncryptPKCS1v15(rand.Reader, pub, cek)
	}
	if err != nil {
		return nil, fmt.Errorf("cms: encrypting the content-encryption key (%s): %w", spec.keyTransport, err)
	}
	return encrypted, nil
}

// addKeyTransRecipient writes a KeyTransRecipientInfo for cert: version 0,
// identified by issuer and serial number, which every reader supports.
func addKeyTransRecipient(b *cryptobyte.Builder, cert *x509.Certificate, encryptedKey []byte, spec keyTransportSpec) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(cert.RawIssuer)
			b.AddASN1BigInt(cert.SerialNumber)
		})
		addKeyTransportAlgorithm(b, spec)
		b.AddASN1OctetString(encryptedKey)
	})
}

// addKeyTransportAlgorithm writes the keyEncryptionAlgorithm exactly as
// OpenSSL 3 does, which every partner reads: rsaEncryption with NULL; OAEP
// with SHA-1 as an empty SEQUENCE (all defaults); other OAEP hashes with
// both hashAlgorithm and maskGenAlgorithm spelt out, hash parameters
// absent. Leaving out maskGenAlgorithm would make it MGF1-SHA-1 by default,
// and the partner would unwrap a wrong key.
func addKeyTransportAlgorithm(b *cryptobyte.Builder, spec keyTransportSpec) {
	if !spec.oaep {
		addAlgorithmIdentifier(b, oidRSAEncryption, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
		return
	}
	addAlgorithmIdentifier(b, oidRSAESOAEP, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if spec.hash == crypto.SHA1 {
				return
			}
			hashOID, ok := oidForHash(spec.hash)
			if !ok {
				b.SetError(fmt.Errorf("no OID for hash %v", spec.hash))
				return
			}
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				addAlgorithmIdentifier(b, hashOID, nil)
			})
			b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
				addAlgorithmIdentifier(b, oidMGF1, func(b *cryptobyte.Builder) {
					addAlgorithmIdentifier(b, hashOID, nil)
				})
			})
		})
	})
}

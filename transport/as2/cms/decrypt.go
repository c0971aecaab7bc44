package cms

import (
	"crypto/cipher"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Envelope says how a message was encrypted (for logs and the journal).
type Envelope struct {
	Cipher        Cipher       // e.g. AES256CBC
	KeyTransport  KeyTransport // e.g. RSAOAEPSHA256
	Authenticated bool         // AuthEnvelopedData
}

// Decrypt opens an EnvelopedData or AuthEnvelopedData ContentInfo (DER or
// BER, e.g. indefinite lengths, constructed OCTET STRINGs) addressed to
// cert, and returns the plaintext and what was used.
//
// The recipient is found by cert's issuer and serial number, or by its
// subject key identifier extension; when there is none, the error wraps
// ErrNoRecipient. On other errors the Envelope holds what was learnt before
// the failure, for the log. With RSA PKCS #1 v1.5, a wrong or forged key
// is reported as a content decryption failure (see RFC 3218).
func Decrypt(data []byte, cert *x509.Certificate, key *rsa.PrivateKey) (plaintext []byte, env Envelope, err error) {
	defer func() {
		// Defence in depth: the code checks every length it uses, but a
		// message from the network must never take the process down.
		if r := recover(); r != nil {
			plaintext, err = nil, fmt.Errorf("cms: decrypt: %w: %v", errRecovered, r)
		}
	}()
	if cert == nil || key == nil {
		return nil, Envelope{}, errors.New("cms: decrypt: no certificate or key")
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, Envelope{}, errors.New("cms: decrypt: the key is not the certificate's")
	}
	msg, err := parseEnvelope(data)
	if err != nil {
		return nil, Envelope{}, err
	}
	env.Authenticated = msg.authenticated
	spec, ok := cipherSpecForOID(msg.algorithm.oid)
	if !ok {
		return nil, env, fmt.Errorf("cms: content encryption algorithm %v is not supported", msg.algorithm.oid)
	}
	env.Cipher = spec.cipher
	recipient, err := findRecipient(msg.recipientInfos, cert)
	if err != nil {
		return nil, env, err
	}
	cek, kt, err := recipient.decryptKey(key, spec.keySize)
	env.KeyTransport = kt
	if err != nil {
		return nil, env, err
	}
	plaintext, err = msg.decryptContent(spec, cek)
	if err != nil {
		return nil, env, fmt.Errorf("cms: decrypting the content (%s, %s): %w", env.Cipher, env.KeyTransport, err)
	}
	return plaintext, env, nil
}

// errRecovered marks the error of a recovered panic, which the fuzz tests
// look for: recovering is the last line of defence, not the plan.
var errRecovered = errors.New("internal error on malformed input")

// An envelope is an EnvelopedData or AuthEnvelopedData, as read.
type envelope struct {
	authenticated  bool              // AuthEnvelopedData
	recipientInfos cryptobyte.String // content of the RecipientInfos SET
	algorithm      algorithmIdentifier
	ciphertext     []byte
	aad            []byte // AuthEnvelopedData: the authAttrs, DER, tagged as a SET
	mac            []byte // AuthEnvelopedData
}

// parseEnvelope reads a ContentInfo holding EnvelopedData (RFC 5652 6.1)
// or AuthEnvelopedData (RFC 5083 2.1). Attributes are not interpreted; the
// authenticated ones are authenticated.
func parseEnvelope(data []byte) (envelope, error) {
	contentType, content, err := readContentInfo(data)
	if err != nil {
		return envelope{}, err
	}
	var msg envelope
	switch {
	case contentType.Equal(oidEnvelopedData):
	case contentType.Equal(oidAuthEnvelopedData):
		msg.authenticated = true
	default:
		return envelope{}, fmt.Errorf("cms: content type %v is not enveloped-data or authEnveloped-data", contentType)
	}
	var seq cryptobyte.String
	var version int64
	if !content.ReadASN1(&seq, cbasn1.SEQUENCE) || !content.Empty() ||
		!seq.ReadASN1Integer(&version) ||
		!seq.SkipOptionalASN1(tagExplicit0) || // originatorInfo
		!seq.ReadASN1(&msg.recipientInfos, cbasn1.SET) {
		return envelope{}, malformed("EnvelopedData")
	}
	if err := msg.readEncryptedContentInfo(&seq); err != nil {
		return envelope{}, err
	}
	if msg.authenticated {
		if err := msg.readAuthenticatedFields(&seq); err != nil {
			return envelope{}, err
		}
	} else if !seq.SkipOptionalASN1(tagExplicit1) { // unprotectedAttrs
		return envelope{}, malformed("EnvelopedData unprotectedAttrs")
	}
	if !seq.Empty() {
		return envelope{}, malformed("EnvelopedData: data after the last field")
	}
	return msg, nil
}

// readEncryptedContentInfo reads the EncryptedContentInfo. The encrypted
// content is an implicit OCTET STRING, so BER writers (OpenSSL -stream,
// libas2) send it in segments, which are joined here.
func (msg *envelope) readEncryptedContentInfo(seq *cryptobyte.String) error {
	var eci cryptobyte.String
	var contentType cryptobyte.String
	if !seq.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.ReadASN1(&contentType, cbasn1.OBJECT_IDENTIFIER) {
		return malformed("EncryptedContentInfo")
	}
	var ok bool
	if msg.algorithm, ok = readAlgorithmIdentifier(&eci); !ok {
		return malformed("contentEncryptionAlgorithm")
	}
	if eci.Empty() {
		return errors.New("cms: the encrypted content is absent (detached content is not supported)")
	}
	if msg.ciphertext, ok = readOctets(&eci, tagImplicit0, tagExplicit0); !ok || !eci.Empty() {
		return malformed("encryptedContent")
	}
	return nil
}

// readAuthenticatedFields reads what follows the EncryptedContentInfo in
// AuthEnvelopedData: authAttrs, mac, unauthAttrs. The authAttrs are
// authenticated as their DER with the SET OF tag, not the [1] they are
// sent with (RFC 5083 2.2).
func (msg *envelope) readAuthenticatedFields(seq *cryptobyte.String) error {
	if seq.PeekASN1Tag(tagExplicit1) {
		var attrs cryptobyte.String
		if !seq.ReadASN1Element(&attrs, tagExplicit1) {
			return malformed("AuthEnvelopedData authAttrs")
		}
		msg.aad = append([]byte{byte(cbasn1.SET)}, attrs[1:]...)
	}
	if !seq.ReadASN1Bytes(&msg.mac, cbasn1.OCTET_STRING) {
		return malformed("AuthEnvelopedData mac")
	}
	if !seq.SkipOptionalASN1(tagExplicit2) {
		return malformed("AuthEnvelopedData unauthAttrs")
	}
	return nil
}

// decryptContent decrypts the content with the content-encryption key.
func (msg *envelope) decryptContent(spec cipherSpec, cek []byte) ([]byte, error) {
	block, err := spec.newBlock(cek)
	if err != nil {
		return nil, err
	}
	if spec.gcm {
		return msg.openGCM(block)
	}
	if msg.authenticated {
		return nil, fmt.Errorf("%s in authEnveloped-data: not an authenticated cipher", spec.cipher)
	}
	return decryptCBC(block, msg.algorithm.params, msg.ciphertext)
}

// decryptCBC decrypts CBC with PKCS #7 padding (RFC 5652 6.3). The
// parameters are the IV, an OCTET STRING of one block.
func decryptCBC(block cipher.Block, params cryptobyte.String, ciphertext []byte) ([]byte, error) {
	blockSize := block.BlockSize()
	var iv []byte
	if !params.ReadASN1Bytes(&iv, cbasn1.OCTET_STRING) || !params.Empty() || len(iv) != blockSize {
		return nil, fmt.Errorf("the IV is not an OCTET STRING of %d bytes", blockSize)
	}
	if len(ciphertext) == 0 || len(ciphertext)%blockSize != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes is not a whole number of %d-byte blocks", len(ciphertext), blockSize)
	}
	plaintext := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plaintext, ciphertext)
	return unpad(plaintext, blockSize)
}

// unpad removes PKCS #7 padding: n bytes of value n, 1 <= n <= blockSize.
// It looks at the whole last block whatever n is, and decides once, so
// that its time tells nothing of the padding (a padding oracle).
// len(plaintext) must be a positive multiple of blockSize.
func unpad(plaintext []byte, blockSize int) ([]byte, error) {
	last := plaintext[len(plaintext)-blockSize:]
	n := int(last[blockSize-1])
	good := subtle.ConstantTimeLessOrEq(1, n) & subtle.ConstantTimeLessOrEq(n, blockSize)
	for i, b := range last {
		inPadding := subtle.ConstantTimeLessOrEq(blockSize-i, n)
		matches := subtle.ConstantTimeByteEq(b, byte(n))
		good &= subtle.ConstantTimeSelect(inPadding, matches, 1)
	}
	if good != 1 {
		return nil, errors.New("invalid padding (wrong key or damaged message)")
	}
	return plaintext[:len(plaintext)-n], nil
}

// GCM limits: RFC 5084 allows tags of 12 to 16 bytes; the nonce bound only
// keeps nonsense out.
const (
	gcmStandardNonceSize = 12
	gcmMinTagSize        = 12
	gcmDefaultTagSize    = 12 // aes-ICVlen DEFAULT 12
	gcmMaxTagSize        = 16
	gcmMaxNonceSize      = 64
)

// openGCM decrypts and authenticates AES-GCM content. AuthEnvelopedData
// carries the tag in mac. EnvelopedData with a GCM algorithm is what libas2
// (PKI.js) sends: the tag is the end of the ciphertext.
func (msg *envelope) openGCM(block cipher.Block) ([]byte, error) {
	nonce, tagSize, err := readGCMParams(msg.algorithm.params)
	if err != nil {
		return nil, err
	}
	var aead cipher.AEAD
	switch {
	case len(nonce) == gcmStandardNonceSize:
		aead, err = cipher.NewGCMWithTagSize(block, tagSize)
	case tagSize == gcmMaxTagSize:
		aead, err = cipher.NewGCMWithNonceSize(block, len(nonce))
	default:
		err = fmt.Errorf("a %d-byte GCM nonce with a %d-byte tag is not supported", len(nonce), tagSize)
	}
	if err != nil {
		return nil, err
	}
	sealed := msg.ciphertext
	if msg.authenticated {
		if len(msg.mac) != tagSize {
			return nil, fmt.Errorf("mac of %d bytes, GCMParameters say %d", len(msg.mac), tagSize)
		}
		sealed = append(append(make([]byte, 0, len(sealed)+tagSize), sealed...), msg.mac...)
	}
	if len(sealed) < tagSize {
		return nil, errors.New("ciphertext shorter than the GCM tag")
	}
	plaintext, err := aead.Open(make([]byte, 0, len(sealed)-tagSize), nonce, sealed, msg.aad)
	if err != nil {
		return nil, fmt.Errorf("authentication failed (wrong key or damaged message): %w", err)
	}
	return plaintext, nil
}

// readGCMParams reads the GCM parameters: GCMParameters (RFC 5084 3.2: a
// nonce and a tag length defaulting to 12) or, as libas2 writes them, a
// bare OCTET STRING nonce with a 16-byte tag.
func readGCMParams(params cryptobyte.String) (nonce []byte, tagSize int, err error) {
	tagSize = gcmMaxTagSize
	switch {
	case params.PeekASN1Tag(cbasn1.OCTET_STRING):
		if !params.ReadASN1Bytes(&nonce, cbasn1.OCTET_STRING) || !params.Empty() {
			return nil, 0, errors.New("malformed GCM nonce")
		}
	case params.PeekASN1Tag(cbasn1.SEQUENCE):
		var seq cryptobyte.String
		if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() ||
			!seq.ReadASN1Bytes(&nonce, cbasn1.OCTET_STRING) {
			return nil, 0, errors.New("malformed GCMParameters")
		}
		tagSize = gcmDefaultTagSize
		if !seq.Empty() && !seq.ReadASN1Integer(&tagSize) || !seq.Empty() {
			return nil, 0, errors.New("malformed GCMParameters aes-ICVlen")
		}
	default:
		return nil, 0, errors.New("GCM parameters are neither GCMParameters nor a nonce")
	}
	if len(nonce) == 0 || len(nonce) > gcmMaxNonceSize {
		return nil, 0, fmt.Errorf("GCM nonce of %d bytes", len(nonce))
	}
	if tagSize < gcmMinTagSize || tagSize > gcmMaxTagSize {
		return nil, 0, fmt.Errorf("GCM tag of %d bytes", tagSize)
	}
	return nonce, tagSize, nil
}

package cms

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Encrypt writes EnvelopedData (CBC ciphers) or AuthEnvelopedData (GCM, RFC
// 5083/5084: 12-byte nonce, ICVLen 16), DER, for one recipient: a
// KeyTransRecipientInfo version 0 with IssuerAndSerialNumber, rsaEncryption
// parameters NULL, and OAEP parameters exactly as OpenSSL 3 writes them.
func Encrypt(content []byte, recipient *x509.Certificate, c Cipher, kt KeyTransport) ([]byte, error) {
	spec, ok := cipherSpecFor(c)
	if !ok {
		return nil, fmt.Errorf("cms: encrypt: unknown cipher %q", c)
	}
	ktSpec, ok := keyTransportSpecFor(kt)
	if !ok {
		return nil, fmt.Errorf("cms: encrypt: unknown key transport %q", kt)
	}
	if recipient == nil || len(recipient.RawIssuer) == 0 || recipient.SerialNumber == nil {
		return nil, errors.New("cms: encrypt: the recipient certificate is missing or was not parsed")
	}
	pub, ok := recipient.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("cms: encrypt: the recipient's key is %T, not RSA", recipient.PublicKey)
	}
	cek, err := randomBytes(spec.keySize)
	if err != nil {
		return nil, err
	}
	encryptedKey, err := encryptKey(pub, cek, ktSpec)
	if err != nil {
		return nil, err
	}
	addRecipientInfos := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			addKeyTransRecipient(b, recipient, encryptedKey, ktSpec)
		})
	}
	block, err := spec.newBlock(cek)
	if err != nil {
		return nil, fmt.Errorf("cms: encrypt: %w", err)
	}
	if spec.gcm {
		return sealAuthEnveloped(content, block, spec, addRecipientInfos)
	}
	return encryptEnveloped(content, block, spec, addRecipientInfos)
}

// encryptEnveloped writes EnvelopedData with a CBC cipher.
func encryptEnveloped(content []byte, block cipher.Block, spec cipherSpec, addRecipientInfos cryptobyte.BuilderContinuation) ([]byte, error) {
	iv, err := randomBytes(block.BlockSize())
	if err != nil {
		return nil, err
	}
	padded := pad(content, block.BlockSize())
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(padded, padded)
	return addContentInfo(oidEnvelopedData, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0) // version 0: only version-0 KeyTransRecipientInfos, no attributes
			addRecipientInfos(b)
			addEncryptedContentInfo(b, spec, func(b *cryptobyte.Builder) { b.AddASN1OctetString(iv) }, padded)
		})
	})
}

// sealAuthEnveloped writes AuthEnvelopedData with AES-GCM: a 12-byte nonce
// and a 16-byte tag, no attributes, as OpenSSL does.
func sealAuthEnveloped(content []byte, block cipher.Block, spec cipherSpec, addRecipientInfos cryptobyte.BuilderContinuation) ([]byte, error) {
	aead, err := cipher.NewGCMWithTagSize(block, gcmMaxTagSize)
	if err != nil {
		return nil, fmt.Errorf("cms: encrypt: %w", err)
	}
	nonce, err := randomBytes(aead.NonceSize())
	if err != nil {
		return nil, err
	}
	sealed := aead.Seal(nil, nonce, content, nil)
	ciphertext, tag := sealed[:len(content)], sealed[len(content):]
	addParams := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GCMParameters
			b.AddASN1OctetString(nonce)
			b.AddASN1Int64(int64(len(tag)))
		})
	}
	return addContentInfo(oidAuthEnvelopedData, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			addRecipientInfos(b)
			addEncryptedContentInfo(b, spec, addParams, ciphertext)
			b.AddASN1OctetString(tag) // mac
		})
	})
}

// addEncryptedContentInfo writes an EncryptedContentInfo of id-data.
func addEncryptedContentInfo(b *cryptobyte.Builder, spec cipherSpec, addParams cryptobyte.BuilderContinuation, ciphertext []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidData)
		addAlgorithmIdentifier(b, spec.oid, addParams)
		b.AddASN1(tagImplicit0, func(b *cryptobyte.Builder) { b.AddBytes(ciphertext) })
	})
}

// pad returns a copy of content with PKCS #7 padding: 1 to blockSize bytes.
func pad(content []byte, blockSize int) []byte {
	n := blockSize - len(content)%blockSize
	padded := make([]byte, len(content), len(content)+n)
	copy(padded, content)
	return append(padded, bytes.Repeat([]byte{byte(n)}, n)...)
}

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return nil, fmt.Errorf("cms: random bytes: %w", err)
	}
	return b, nil
}

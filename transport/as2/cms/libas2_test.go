package cms

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The files in testdata/libas2 were captured from libas2 0.8.2 (Node)
// sending to PEERB: BER with indefinite lengths, EnvelopedData version 2,
// OAEP-SHA-512 with NULL hash parameters, and for GCM a 16-byte IV as a
// bare OCTET STRING with the tag appended to the ciphertext. The .mime
// files are the plaintexts, a multipart/signed entity signed by PEERA,
// whose first part and signature are signed-content.mime and
// signature.der. The keys are throw-away test keys.

func readPEM(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "libas2", file))
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block, file)
	return block.Bytes
}

func libas2Identity(t *testing.T, name string) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	cert, err := x509.ParseCertificate(readPEM(t, name+".crt"))
	require.NoError(t, err)
	if name != "PEERB" {
		return cert, nil
	}
	key, err := x509.ParsePKCS8PrivateKey(readPEM(t, name+".key"))
	require.NoError(t, err)
	return cert, key.(*rsa.PrivateKey)
}

func TestDecryptLibas2Captures(t *testing.T) {
	cert, key := libas2Identity(t, "PEERB")
	for file, want := range map[string]Cipher{
		"aes128-gcm":   AES128GCM,
		"aes256-cbc":   AES256CBC,
		"des-ede3-cbc": DES3CBC,
	} {
		t.Run(file, func(t *testing.T) {
			ber, err := os.ReadFile(filepath.Join("testdata", "libas2", file+".der"))
			require.NoError(t, err)
			plaintext, err := os.ReadFile(filepath.Join("testdata", "libas2", file+".mime"))
			require.NoError(t, err)
			got, env, err := Decrypt(ber, cert, key)
			require.NoError(t, err)
			assert.Equal(t, plaintext, got)
			assert.Equal(t, Envelope{Cipher: want, KeyTransport: RSAOAEPSHA512}, env)

			ct, err := ContentType(ber)
			require.NoError(t, err)
			assert.Equal(t, TypeEnvelopedData, ct)
		})
	}
}

func TestVerifyLibas2Capture(t *testing.T) {
	signer, _ := libas2Identity(t, "PEERA")
	signature, err := os.ReadFile(filepath.Join("testdata", "libas2", "signature.der"))
	require.NoError(t, err)
	content, err := os.ReadFile(filepath.Join("testdata", "libas2", "signed-content.mime"))
	require.NoError(t, err)
	digest, err := Verify(content, signature, signer)
	require.NoError(t, err)
	assert.Equal(t, crypto.SHA256, digest)
}

// TestDecryptLibas2GCMCrafted builds libas2's form of AES-GCM with our own
// keys, and checks that the tag is checked.
func TestDecryptLibas2GCMCrafted(t *testing.T) {
	content := testContent()
	for _, c := range []Cipher{AES128GCM, AES256GCM} {
		der := libas2GCMEnvelope(t, content, c, false)
		got, env, err := Decrypt(der, us.cert, us.key)
		require.NoError(t, err)
		assert.Equal(t, content, got)
		assert.Equal(t, Envelope{Cipher: c, KeyTransport: RSAOAEPSHA512}, env)

		der = libas2GCMEnvelope(t, content, c, true)
		_, _, err = Decrypt(der, us.cert, us.key)
		require.ErrorContains(t, err, "authentication failed")
	}
}

// libas2GCMEnvelope encrypts content for us as libas2 does with AES-GCM:
// EnvelopedData version 2, the GCM OID with a 16-byte OCTET STRING IV, the
// tag appended to the ciphertext, OAEP-SHA-512 with NULL hash parameters.
// With badTag, the last byte of the tag is flipped.
func libas2GCMEnvelope(tb testing.TB, content []byte, c Cipher, badTag bool) []byte {
	spec := mustCipherSpec(c)
	cek := randomTestBytes(tb, spec.keySize)
	iv := randomTestBytes(tb, 16)
	block, err := aes.NewCipher(cek)
	require.NoError(tb, err)
	aead, err := cipher.NewGCMWithNonceSize(block, 16)
	require.NoError(tb, err)
	sealed := aead.Seal(nil, iv, content, nil)
	if badTag {
		sealed[len(sealed)-1] ^= 1
	}
	encryptedKey, err := rsa.EncryptOAEP(crypto.SHA512.New(), rand.Reader, &us.key.PublicKey, cek, nil)
	require.NoError(tb, err)
	return buildEnveloped(tb, oidEnvelopedData, 2, func(b *cryptobyte.Builder) {
		addLibas2Recipient(b, us.cert, encryptedKey)
	}, spec, func(b *cryptobyte.Builder) { b.AddASN1OctetString(iv) }, sealed, nil)
}

// TestDecryptAuthAttributes: AuthEnvelopedData with authAttrs, which are
// authenticated as a DER SET (RFC 5083 2.2). OpenSSL writes none.
func TestDecryptAuthAttributes(t *testing.T) {
	content := testContent()
	spec := mustCipherSpec(AES192GCM)
	cek := randomTestBytes(t, spec.keySize)
	nonce := randomTestBytes(t, 12)
	var attrs cryptobyte.Builder // one attribute: contentType id-data
	attrs.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidContentTypeAttribute)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
		})
	})
	authAttrs := attrs.BytesOrPanic()
	aad := append([]byte{0x31}, authAttrs[1:]...)

	block, err := aes.NewCipher(cek)
	require.NoError(t, err)
	aead, err := cipher.NewGCMWithTagSize(block, 12) // and the default ICVlen, omitted below
	require.NoError(t, err)
	sealed := aead.Seal(nil, nonce, content, aad)
	ciphertext, mac := sealed[:len(content)], sealed[len(content):]
	encryptedKey, err := encryptKey(&us.key.PublicKey, cek, keyTransportSpec{RSAOAEPSHA256, true, crypto.SHA256})
	require.NoError(t, err)

	build := func(authAttrs []byte) []byte {
		return buildEnveloped(t, oidAuthEnvelopedData, 0, func(b *cryptobyte.Builder) {
			addKeyTransRecipient(b, us.cert, encryptedKey, keyTransportSpec{RSAOAEPSHA256, true, crypto.SHA256})
		}, spec, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1OctetString(nonce) })
		}, ciphertext, func(b *cryptobyte.Builder) {
			b.AddBytes(authAttrs)
			b.AddASN1OctetString(mac)
		})
	}
	got, env, err := Decrypt(build(authAttrs), us.cert, us.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.True(t, env.Authenticated)

	changed := bytes.Clone(authAttrs)
	changed[len(changed)-1] ^= 1 // another OID: the attributes are authenticated
	_, _, err = Decrypt(build(changed), us.cert, us.key)
	require.ErrorContains(t, err, "authentication failed")
}

var oidContentTypeAttribute = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}

// buildEnveloped writes a ContentInfo of EnvelopedData or
// AuthEnvelopedData from its parts; addTrailer writes what follows the
// EncryptedContentInfo.
func buildEnveloped(t testing.TB, contentType asn1.ObjectIdentifier, version int64, addRecipients cryptobyte.BuilderContinuation,
	spec cipherSpec, addParams cryptobyte.BuilderContinuation, ciphertext []byte, addTrailer cryptobyte.BuilderContinuation) []byte {
	t.Helper()
	der, err := addContentInfo(contentType, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(version)
			b.AddASN1(cbasn1.SET, addRecipients)
			addEncryptedContentInfo(b, spec, addParams, ciphertext)
			if addTrailer != nil {
				addTrailer(b)
			}
		})
	})
	require.NoError(t, err)
	return der
}

// addLibas2Recipient writes a KeyTransRecipientInfo as libas2 does:
// OAEP-SHA-512 with NULL hash parameters.
func addLibas2Recipient(b *cryptobyte.Builder, cert *x509.Certificate, encryptedKey []byte) {
	sha512 := func(b *cryptobyte.Builder) {
		addAlgorithmIdentifier(b, oidSHA512, func(b *cryptobyte.Builder) { b.AddASN1NULL() })
	}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(cert.RawIssuer)
			b.AddASN1BigInt(cert.SerialNumber)
		})
		addAlgorithmIdentifier(b, oidRSAESOAEP, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(tagExplicit0, sha512)
				b.AddASN1(tagExplicit1, func(b *cryptobyte.Builder) {
					addAlgorithmIdentifier(b, oidMGF1, sha512)
				})
			})
		})
		b.AddASN1OctetString(encryptedKey)
	})
}

func mustCipherSpec(c Cipher) cipherSpec {
	spec, ok := cipherSpecFor(c)
	if !ok {
		panic("no cipher " + c)
	}
	return spec
}

func randomTestBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

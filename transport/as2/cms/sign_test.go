package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var signingDigests = []struct {
	md   string // openssl's -md
	hash crypto.Hash
}{
	{"sha1", crypto.SHA1},
	{"sha256", crypto.SHA256},
	{"sha384", crypto.SHA384},
	{"sha512", crypto.SHA512},
}

// TestSignOpenSSL: openssl verifies our signatures, with each digest.
func TestSignOpenSSL(t *testing.T) {
	content := testContent()
	contentFile := writeFile(t, "content", content)
	for _, d := range signingDigests {
		t.Run(d.md, func(t *testing.T) {
			t.Parallel()
			signature, err := Sign(content, us.cert, us.key, d.hash)
			require.NoError(t, err)
			assert.False(t, bytes.Contains(signature, content), "detached")
			openssl(t, "cms", "-verify", "-binary", "-inform", "DER", "-in", writeFile(t, "sig.der", signature),
				"-content", contentFile, "-CAfile", us.certFile, "-purpose", "any", "-out", "/dev/null")

			digest, err := Verify(content, signature, us.cert)
			require.NoError(t, err)
			assert.Equal(t, d.hash, digest)
		})
	}
}

// TestVerifyOpenSSL: we verify openssl's signatures: each digest, and with
// -nocerts (we supply the certificate), -noattr, and -stream (BER).
func TestVerifyOpenSSL(t *testing.T) {
	content := testContent()
	contentFile := writeFile(t, "content", content)
	for _, d := range signingDigests {
		for _, variant := range []string{"", "-nocerts", "-noattr", "-stream"} {
			t.Run(d.md+variant, func(t *testing.T) {
				t.Parallel()
				signature := opensslSign(t, contentFile, us, "-md", d.md, variant)
				if variant == "-stream" {
					require.Equal(t, byte(0x80), signature[1], "BER")
				}
				digest, err := Verify(content, signature, us.cert)
				require.NoError(t, err)
				assert.Equal(t, d.hash, digest)

				tampered := bytes.Clone(content)
				tampered[len(tampered)/2] ^= 1
				digest, err = Verify(tampered, signature, us.cert)
				// Without signed attributes, a changed content cannot be told
				// from a wrong key.
				requireVerifyError(t, err, variant != "-noattr")
				assert.Equal(t, d.hash, digest, "known before the failure")
			})
		}
	}
}

// opensslSign signs the content file with openssl cms (detached, DER).
func opensslSign(t *testing.T, contentFile string, signer testIdentity, options ...string) []byte {
	t.Helper()
	args := []string{"cms", "-sign", "-binary", "-in", contentFile, "-signer", signer.certFile, "-inkey", signer.keyFile, "-outform", "DER"}
	for _, option := range options {
		if option != "" {
			args = append(args, option)
		}
	}
	return openssl(t, args...)
}

func requireVerifyError(t *testing.T, err error, integrity bool) {
	t.Helper()
	var verifyErr *VerifyError
	require.True(t, errors.As(err, &verifyErr), "want a *VerifyError, got %v", err)
	assert.Equal(t, integrity, verifyErr.Integrity, "Integrity of %v", err)
	assert.NotEmpty(t, verifyErr.Error())
	assert.Equal(t, verifyErr.Err, errors.Unwrap(verifyErr))
}

// TestVerifyWrongSigner: a valid signature by anyone but the partner is
// refused, even by a certificate with the partner's issuer and serial.
func TestVerifyWrongSigner(t *testing.T) {
	content := testContent()
	contentFile := writeFile(t, "content", content)
	for _, tc := range []struct {
		name      string
		signature func(t *testing.T) []byte
	}{
		{"other", func(t *testing.T) []byte {
			signature, err := Sign(content, other.cert, other.key, crypto.SHA256)
			require.NoError(t, err)
			return signature
		}},
		{"other without certificates", func(t *testing.T) []byte {
			return opensslSign(t, contentFile, other, "-nocerts")
		}},
		{"impostor", func(t *testing.T) []byte {
			signature, err := Sign(content, impostor.cert, impostor.key, crypto.SHA256)
			require.NoError(t, err)
			return signature
		}},
		{"impostor without certificates", func(t *testing.T) []byte {
			return opensslSign(t, contentFile, impostor, "-nocerts")
		}},
		{"two signers", func(t *testing.T) []byte {
			return opensslSign(t, contentFile, us, "-signer", other.certFile, "-inkey", other.keyFile)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(content, tc.signature(t), us.cert)
			requireVerifyError(t, err, false)
		})
	}
}

// TestVerifySigningTime: a signing time outside the certificate's validity
// is refused (pkcs7 checks it).
func TestVerifySigningTime(t *testing.T) {
	template := *us.cert
	template.NotBefore = time.Now().Add(time.Hour)
	template.NotAfter = time.Now().Add(2 * time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &us.key.PublicKey, us.key)
	require.NoError(t, err)
	future, err := x509.ParseCertificate(der)
	require.NoError(t, err)

	signature, err := Sign([]byte("x"), future, us.key, crypto.SHA256)
	require.NoError(t, err)
	_, err = Verify([]byte("x"), signature, future)
	requireVerifyError(t, err, false)
	assert.ErrorContains(t, err, "signing time")
}

// TestVerifyContentTypeAttribute: the contentType attribute must say
// id-data.
func TestVerifyContentTypeAttribute(t *testing.T) {
	content := testContent()
	signature := opensslSign(t, writeFile(t, "content", content), us, "-econtent_type", "1.2.840.113549.1.9.16.1.4")
	_, err := Verify(content, signature, us.cert)
	requireVerifyError(t, err, false)
	assert.ErrorContains(t, err, "contentType")
}

func TestVerifyMalformed(t *testing.T) {
	content := []byte("x")
	enveloped, err := Encrypt(content, us.cert, AES128CBC, RSAPKCS1v15)
	require.NoError(t, err)
	signature, err := Sign(content, us.cert, us.key, crypto.SHA256)
	require.NoError(t, err)
	for name, input := range map[string][]byte{
		"nil":            nil,
		"garbage":        []byte("not a signature"),
		"enveloped-data": enveloped,
		"truncated":      signature[:len(signature)/2],
		"empty SEQUENCE": {0x30, 0x00},
		"signed-data with nothing inside": unhex(t,
			"30 0f 06 09 2a 86 48 86 f7 0d 01 07 02 a0 02 30 00"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(content, input, us.cert)
			requireVerifyError(t, err, false)
		})
	}
	_, err = Verify(content, signature, nil)
	requireVerifyError(t, err, false)
}

func TestSignErrors(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA224, crypto.MD5, 0} {
		_, err := Sign([]byte("x"), us.cert, us.key, h)
		require.Error(t, err, h)
	}
	_, err := Sign([]byte("x"), us.cert, other.key, crypto.SHA256)
	require.ErrorContains(t, err, "not the certificate's")
	_, err = Sign([]byte("x"), nil, us.key, crypto.SHA256)
	require.Error(t, err)
}

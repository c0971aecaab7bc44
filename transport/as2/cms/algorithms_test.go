package cms

import (
	"crypto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCipher(t *testing.T) {
	for want, spellings := range map[Cipher][]string{
		DES3CBC:   {"3des", "des3", "DES-EDE3-CBC", "des-EDE3-CBC", "tripledes", "3DES"},
		AES128CBC: {"aes128", "aes-128-cbc", "AES128-CBC", "aes128cbc", "aes_128_cbc"},
		AES192CBC: {"aes192", "aes-192-cbc", "aes192-cbc"},
		AES256CBC: {"aes256", "aes-256-cbc", "aes256-CBC", " AES256 "},
		AES128GCM: {"aes128-gcm", "aes-128-gcm", "id-aes128-GCM", "aes128-GCM"},
		AES192GCM: {"aes192-gcm", "AES-192-GCM"},
		AES256GCM: {"aes256-gcm", "aes-256-gcm", "id-aes256-GCM"},
	} {
		assert.True(t, want.Valid(), want)
		for _, s := range append(spellings, string(want)) {
			got, err := ParseCipher(s)
			require.NoError(t, err, s)
			assert.Equal(t, want, got, s)
		}
	}
	for _, s := range []string{"", "des", "des-cbc", "rc2", "aes", "aes-256-ccm", "none"} {
		_, err := ParseCipher(s)
		assert.Error(t, err, s)
		assert.False(t, Cipher(s).Valid(), s)
	}
}

func TestParseKeyTransport(t *testing.T) {
	for want, spellings := range map[KeyTransport][]string{
		RSAPKCS1v15:   {"v1.5", "pkcs1v15", "PKCS1-v1.5", "rsa", "RSA", "rsaes-pkcs1-v1_5", "pkcs1"},
		RSAOAEPSHA1:   {"oaep", "OAEP", "oaep-sha1", "rsaes-oaep", "rsa-oaep-sha1", "oaep-sha-1"},
		RSAOAEPSHA256: {"oaep-sha256", "oaep-sha-256", "OAEP_SHA256", "oaep256", "rsaes-oaep-sha256"},
		RSAOAEPSHA384: {"oaep-sha384", "rsa-oaep-sha-384"},
		RSAOAEPSHA512: {"oaep-sha512", "RSA-OAEP-SHA512"},
	} {
		assert.True(t, want.Valid(), want)
		for _, s := range append(spellings, string(want)) {
			got, err := ParseKeyTransport(s)
			require.NoError(t, err, s)
			assert.Equal(t, want, got, s)
		}
	}
	for _, s := range []string{"", " ", "none", "oaep-sha224", "rsa-oaep-sha256-mgf1-sha1", "pss", "oaep-md5"} {
		_, err := ParseKeyTransport(s)
		assert.Error(t, err, s)
		assert.False(t, KeyTransport(s).Valid(), s)
	}
}

func TestContentType(t *testing.T) {
	compressed, err := Compress([]byte("x"))
	require.NoError(t, err)
	enveloped, err := Encrypt([]byte("x"), us.cert, AES128CBC, RSAPKCS1v15)
	require.NoError(t, err)
	authEnveloped, err := Encrypt([]byte("x"), us.cert, AES128GCM, RSAPKCS1v15)
	require.NoError(t, err)
	signed, err := Sign([]byte("x"), us.cert, us.key, crypto.SHA1)
	require.NoError(t, err)
	for want, der := range map[string][]byte{
		TypeCompressedData:    compressed,
		TypeEnvelopedData:     enveloped,
		TypeAuthEnvelopedData: authEnveloped,
		TypeSignedData:        signed,
	} {
		got, err := ContentType(der)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		got, err = ContentType(toBER(t, der, 8, true))
		require.NoError(t, err)
		assert.Equal(t, want, got, "BER")
	}

	for name, in := range map[string]string{
		"empty":             "",
		"not a SEQUENCE":    "31 0b 06 09 2a 86 48 86 f7 0d 01 07 01",
		"no OID":            "30 03 02 01 00",
		"OID outside":       "30 02 06 09 2a 86 48 86 f7 0d 01 07 01",
		"truncated":         "30 0b 06 09 2a 86 48",
		"id-data":           "30 0b 06 09 2a 86 48 86 f7 0d 01 07 01",
		"encrypted-data":    "30 0b 06 09 2a 86 48 86 f7 0d 01 07 06",
		"indefinite OID":    "30 80 06 80 00 00 00 00",
		"non-minimal OID":   "30 0c 06 81 09 2a 86 48 86 f7 0d 01 07 02",
		"malformed OID":     "30 03 06 01 80",
		"high tag SEQUENCE": "3f 10 0b 06 09 2a 86 48 86 f7 0d 01 07 02",
	} {
		_, err := ContentType(unhex(t, in))
		assert.Error(t, err, name)
	}
}

func TestOAEPKeyTransportNames(t *testing.T) {
	assert.Equal(t, RSAOAEPSHA1, oaepKeyTransport(crypto.SHA1, crypto.SHA1))
	assert.Equal(t, RSAOAEPSHA512, oaepKeyTransport(crypto.SHA512, crypto.SHA512))
	assert.Equal(t, KeyTransport("rsa-oaep-sha224"), oaepKeyTransport(crypto.SHA224, crypto.SHA224))
	assert.Equal(t, KeyTransport("rsa-oaep-sha256-mgf1-sha1"), oaepKeyTransport(crypto.SHA256, crypto.SHA1))
	assert.Equal(t, KeyTransport("rsa-oaep-sha1-mgf1-sha384"), oaepKeyTransport(crypto.SHA1, crypto.SHA384))
}

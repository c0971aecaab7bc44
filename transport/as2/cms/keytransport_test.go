package cms

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
)

func TestParseOAEPParams(t *testing.T) {
	const (
		sha1       = "30 07 06 05 2b 0e 03 02 1a"
		sha256     = "30 0b 06 09 60 86 48 01 65 03 04 02 01"
		sha256NULL = "30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00"
		mgf1       = "06 09 2a 86 48 86 f7 0d 01 01 08"
		pSpecified = "06 09 2a 86 48 86 f7 0d 01 01 09"
	)
	for _, tc := range []struct {
		name, params string
		want         rsa.OAEPOptions
	}{
		{"absent", "", rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}},
		{"NULL", "05 00", rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}},
		{"empty SEQUENCE", "30 00", rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}},
		{"SHA-1 spelt out", "30 0b a0 09 " + sha1, rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}},
		{"SHA-256 and MGF1-SHA-256", "30 2b a0 0d " + sha256 + " a1 1a 30 18 " + mgf1 + " " + sha256,
			rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}},
		{"with NULL hash parameters", "30 2f a0 0f " + sha256NULL + " a1 1c 30 1a " + mgf1 + " " + sha256NULL,
			rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}},
		{"SHA-256 with default MGF1-SHA-1 (Java)", "30 0f a0 0d " + sha256,
			rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1}},
		{"label", "30 16 a2 14 30 12 " + pSpecified + " 04 05 01 02 03 04 05",
			rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1, Label: []byte{1, 2, 3, 4, 5}}},
		{"pSpecified without parameters", "30 0f a2 0d 30 0b " + pSpecified,
			rsa.OAEPOptions{Hash: crypto.SHA1, MGFHash: crypto.SHA1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOAEPParams(cryptobyte.String(unhex(t, tc.params)))
			require.NoError(t, err)
			assert.Equal(t, tc.want, *got)
		})
	}
	for _, tc := range []struct{ name, params, want string }{
		{"not a SEQUENCE", "04 00", "malformed RSAES-OAEP-params"},
		{"trailing data", "30 00 00", "malformed RSAES-OAEP-params"},
		{"unknown hash", "30 0c a0 0a 30 08 06 06 2a 03 04 05 06 07", "hash algorithm 1.2.3.4.5.6.7 is not supported"},
		{"MD5", "30 10 a0 0e 30 0c 06 08 2a 86 48 86 f7 0d 02 05 05 00", "is not supported"},
		{"hash parameters not NULL", "30 0d a0 0b 30 09 06 05 2b 0e 03 02 1a 04 00", "malformed hash algorithm parameters"},
		{"not MGF1", "30 0b a1 09 " + sha1, "mask generation function 1.3.14.3.2.26 is not supported"},
		{"MGF1 without hash", "30 0f a1 0d 30 0b " + mgf1, "malformed hash AlgorithmIdentifier"},
		{"not pSpecified", "30 0f a2 0d 30 0b " + mgf1, "label source 1.2.840.113549.1.1.8 is not supported"},
		{"label not an OCTET STRING", "30 12 a2 10 30 0e " + pSpecified + " 02 01 05", "malformed OAEP label"},
		{"fields out of order", "30 2b a1 1a 30 18 " + mgf1 + " " + sha256 + " a0 0d " + sha256, "malformed RSAES-OAEP-params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseOAEPParams(cryptobyte.String(unhex(t, tc.params)))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// A key block with wrong padding decrypts to a substitute key that is the
// same each time the same bytes come, and differs for other bytes: the
// answer to a forged message sent again must not change, or comparing the
// answers tells a forger which blocks have valid padding (Bleichenbacher).
func TestPKCS1v15SubstituteKeyIsDeterministic(t *testing.T) {
	size := us.key.Size()
	forged := make([]byte, size) // zero: far from any valid padding
	forged[size-1] = 1
	other := bytes.Clone(forged)
	other[size-2] = 1
	first, err := decryptKeyPKCS1v15(us.key, forged, 16)
	require.NoError(t, err)
	again, err := decryptKeyPKCS1v15(us.key, forged, 16)
	require.NoError(t, err)
	assert.Equal(t, first, again)
	third, err := decryptKeyPKCS1v15(us.key, other, 16)
	require.NoError(t, err)
	assert.NotEqual(t, first, third)
	assert.Len(t, implicitRejectionKey(us.key, forged, 32), 32, "AES-256 keys")
	assert.Len(t, implicitRejectionKey(us.key, forged, 24), 24, "3DES keys")
}

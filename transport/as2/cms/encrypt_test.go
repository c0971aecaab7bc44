package cms

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func allCiphers() []Cipher {
	return []Cipher{DES3CBC, AES128CBC, AES192CBC, AES256CBC, AES128GCM, AES192GCM, AES256GCM}
}

func allKeyTransports() []KeyTransport {
	return []KeyTransport{RSAPKCS1v15, RSAOAEPSHA1, RSAOAEPSHA256, RSAOAEPSHA384, RSAOAEPSHA512}
}

// TestEncryptOpenSSL: openssl decrypts every combination we write.
func TestEncryptOpenSSL(t *testing.T) {
	content := testContent()
	for _, c := range allCiphers() {
		for _, kt := range allKeyTransports() {
			t.Run(string(c)+"/"+string(kt), func(t *testing.T) {
				t.Parallel()
				der, err := Encrypt(content, us.cert, c, kt)
				require.NoError(t, err)
				got := openssl(t, "cms", "-decrypt", "-binary", "-inform", "DER", "-in", writeFile(t, "enc.der", der),
					"-recip", us.certFile, "-inkey", us.keyFile)
				assert.Equal(t, content, got)
			})
		}
	}
}

// TestEncryptRoundTrip: Decrypt reads every combination Encrypt writes, for
// contents around the block size.
func TestEncryptRoundTrip(t *testing.T) {
	for _, c := range allCiphers() {
		for _, kt := range allKeyTransports() {
			for _, size := range []int{0, 1, 7, 8, 15, 16, 17, 1000} {
				content := make([]byte, size)
				_, err := rand.Read(content)
				require.NoError(t, err)
				der, err := Encrypt(content, us.cert, c, kt)
				require.NoError(t, err)
				got, env, err := Decrypt(der, us.cert, us.key)
				require.NoError(t, err, "%s %s %d bytes", c, kt, size)
				assert.Equal(t, content, got)
				assert.Equal(t, Envelope{Cipher: c, KeyTransport: kt, Authenticated: isGCM(c)}, env)
			}
		}
	}
}

// TestEncryptKeyTransportEncoding: the keyEncryptionAlgorithm bytes are
// OpenSSL's, byte for byte.
func TestEncryptKeyTransportEncoding(t *testing.T) {
	const (
		rsaOID  = "06092a864886f70d010101"
		oaepOID = "06092a864886f70d010107"
		mgf1OID = "06092a864886f70d010108"
	)
	sha2 := func(last string) string {
		hash := "300b0609608648016503040" + last
		return "302b" + "a00d" + hash + "a11a" + "3018" + mgf1OID + hash
	}
	for kt, want := range map[KeyTransport]string{
		RSAPKCS1v15:   "300d" + rsaOID + "0500",
		RSAOAEPSHA1:   "300d" + oaepOID + "3000",
		RSAOAEPSHA256: "3038" + oaepOID + sha2("201"),
		RSAOAEPSHA384: "3038" + oaepOID + sha2("202"),
		RSAOAEPSHA512: "3038" + oaepOID + sha2("203"),
	} {
		der, err := Encrypt([]byte("x"), us.cert, AES128CBC, kt)
		require.NoError(t, err)
		recipient := onlyRecipient(t, der)
		got := hex.EncodeToString(recipientAlgorithm(t, recipient))
		assert.Equal(t, want, got, kt)
	}
}

// TestEncryptStructure: versions, recipient identifier and GCM parameters
// as RFC 5652/5083/5084 and OpenSSL have them.
func TestEncryptStructure(t *testing.T) {
	for _, c := range []Cipher{AES256CBC, AES256GCM} {
		der, err := Encrypt([]byte("hello"), us.cert, c, RSAOAEPSHA256)
		require.NoError(t, err)
		msg, err := parseEnvelope(der)
		require.NoError(t, err)
		assert.Equal(t, isGCM(c), msg.authenticated)
		if isGCM(c) {
			assert.Len(t, msg.mac, 16)
			params := msg.algorithm.params
			var seq cryptobyte.String
			var nonce []byte
			var icv int
			require.True(t, params.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.ReadASN1Bytes(&nonce, cbasn1.OCTET_STRING) &&
				seq.ReadASN1Integer(&icv) && seq.Empty())
			assert.Len(t, nonce, 12)
			assert.Equal(t, 16, icv)
		} else {
			assert.Len(t, msg.algorithm.params, 2+16, "OCTET STRING of a 16-byte IV")
		}
		recipient, err := findRecipient(msg.recipientInfos, us.cert)
		require.NoError(t, err)
		assert.NotNil(t, recipient.serial, "identified by issuer and serial number")
		ct, err := ContentType(der)
		require.NoError(t, err)
		assert.Equal(t, map[bool]string{false: TypeEnvelopedData, true: TypeAuthEnvelopedData}[isGCM(c)], ct)
	}
}

func TestEncryptErrors(t *testing.T) {
	_, err := Encrypt(nil, us.cert, "rc2", RSAPKCS1v15)
	require.ErrorContains(t, err, "unknown cipher")
	_, err = Encrypt(nil, us.cert, AES128CBC, "rsa-oaep-sha256-mgf1-sha1")
	require.ErrorContains(t, err, "unknown key transport")
	_, err = Encrypt(nil, nil, AES128CBC, RSAPKCS1v15)
	require.Error(t, err)
	_, err = Encrypt(nil, &x509.Certificate{}, AES128CBC, RSAPKCS1v15)
	require.Error(t, err)

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecCert := *us.cert
	ecCert.PublicKey = &ecKey.PublicKey
	_, err = Encrypt(nil, &ecCert, AES128CBC, RSAPKCS1v15)
	require.ErrorContains(t, err, "not RSA")
}

// onlyRecipient returns the single KeyTransRecipientInfo element of der.
func onlyRecipient(t *testing.T, der []byte) cryptobyte.String {
	t.Helper()
	msg, err := parseEnvelope(der)
	require.NoError(t, err)
	var element cryptobyte.String
	require.True(t, msg.recipientInfos.ReadASN1Element(&element, cbasn1.SEQUENCE) && msg.recipientInfos.Empty())
	return element
}

// recipientAlgorithm returns the keyEncryptionAlgorithm element of a
// KeyTransRecipientInfo.
func recipientAlgorithm(t *testing.T, recipient cryptobyte.String) []byte {
	t.Helper()
	var seq, alg cryptobyte.String
	require.True(t, recipient.ReadASN1(&seq, cbasn1.SEQUENCE) && seq.SkipASN1(cbasn1.INTEGER) &&
		seq.SkipASN1(cbasn1.SEQUENCE) && seq.ReadASN1Element(&alg, cbasn1.SEQUENCE))
	return alg
}

// TestEncryptContentInfoIsDER: the output is DER, so the normaliser leaves
// it untouched.
func TestEncryptContentInfoIsDER(t *testing.T) {
	for _, c := range allCiphers() {
		der, err := Encrypt([]byte(strings.Repeat("x", 300)), us.cert, c, RSAOAEPSHA1)
		require.NoError(t, err)
		normalized, err := normalizeBER(der)
		require.NoError(t, err)
		assert.Equal(t, &der[0], &normalized[0], "%s: DER input is returned without copying", c)
		assert.Len(t, normalized, len(der))
	}
}

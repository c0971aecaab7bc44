package cms

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// opensslCiphers are openssl cms's cipher options and what Decrypt should
// report for them.
var opensslCiphers = []struct {
	flag string
	want Cipher
}{
	{"-des3", DES3CBC},
	{"-aes-128-cbc", AES128CBC},
	{"-aes-192-cbc", AES192CBC},
	{"-aes-256-cbc", AES256CBC},
	{"-aes-128-gcm", AES128GCM},
	{"-aes-192-gcm", AES192GCM},
	{"-aes-256-gcm", AES256GCM},
}

// opensslKeyTransports are openssl cms's key transport options (given after
// -recip) and what Decrypt should report for them.
var opensslKeyTransports = []struct {
	name    string
	keyopts []string
	want    KeyTransport
}{
	{"v1.5", nil, RSAPKCS1v15},
	{"oaep", []string{"-keyopt", "rsa_padding_mode:oaep"}, RSAOAEPSHA1},
	{"oaep-sha256", []string{"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"}, RSAOAEPSHA256},
	{"oaep-sha384", []string{"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha384"}, RSAOAEPSHA384},
	{"oaep-sha512", []string{"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha512"}, RSAOAEPSHA512},
	// Java's OAEPWithSHA-256AndMGF1Padding: SHA-256 with MGF1-SHA-1.
	{"oaep-sha256-mgf1-sha1", []string{"-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256",
		"-keyopt", "rsa_mgf1_md:sha1"}, "rsa-oaep-sha256-mgf1-sha1"},
}

// opensslEncrypt encrypts content with openssl cms for the recipients, each
// followed by its -keyopt options, and returns the output (DER, or BER with
// -stream among extra).
func opensslEncrypt(t *testing.T, content []byte, cipherFlag string, extra []string, recipients ...[]string) []byte {
	t.Helper()
	args := []string{"cms", "-encrypt", "-binary", cipherFlag, "-in", writeFile(t, "content", content), "-outform", "DER"}
	args = append(args, extra...)
	for _, recipient := range recipients {
		args = append(args, recipient...)
	}
	return openssl(t, args...)
}

// recip is the openssl cms options that add id as a recipient.
func recip(id testIdentity, keyopts ...string) []string {
	return append([]string{"-recip", id.certFile}, keyopts...)
}

// TestDecryptOpenSSL: every cipher and key transport openssl writes.
func TestDecryptOpenSSL(t *testing.T) {
	content := testContent()
	for _, c := range opensslCiphers {
		for _, kt := range opensslKeyTransports {
			t.Run(string(c.want)+"/"+kt.name, func(t *testing.T) {
				t.Parallel()
				der := opensslEncrypt(t, content, c.flag, nil, recip(us, kt.keyopts...))
				got, env, err := Decrypt(der, us.cert, us.key)
				require.NoError(t, err)
				assert.Equal(t, content, got)
				want := Envelope{Cipher: c.want, KeyTransport: kt.want, Authenticated: isGCM(c.want)}
				assert.Equal(t, want, env)
			})
		}
	}
}

// TestDecryptOpenSSLStream: openssl -stream writes BER: indefinite lengths
// and the encrypted content in segments.
func TestDecryptOpenSSLStream(t *testing.T) {
	content := append(testContent(), make([]byte, 5000)...) // several segments
	for _, tc := range []struct {
		flag string
		kt   int // index in opensslKeyTransports
	}{
		{"-aes-256-cbc", 0},
		{"-des3", 1},
		{"-aes-128-gcm", 2},
		{"-aes-256-gcm", 5},
	} {
		kt := opensslKeyTransports[tc.kt]
		t.Run(tc.flag+"/"+kt.name, func(t *testing.T) {
			t.Parallel()
			ber := opensslEncrypt(t, content, tc.flag, []string{"-stream"}, recip(us, kt.keyopts...))
			require.Equal(t, byte(0x80), ber[1], "openssl -stream should write an indefinite length")
			got, env, err := Decrypt(ber, us.cert, us.key)
			require.NoError(t, err)
			assert.Equal(t, content, got)
			assert.Equal(t, kt.want, env.KeyTransport)
		})
	}
}

// TestDecryptOpenSSLKeyID: a recipient named by subject key identifier
// (KeyTransRecipientInfo version 2).
func TestDecryptOpenSSLKeyID(t *testing.T) {
	content := testContent()
	der := opensslEncrypt(t, content, "-aes-256-cbc", []string{"-keyid"}, recip(us, opensslKeyTransports[2].keyopts...))
	got, env, err := Decrypt(der, us.cert, us.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Equal(t, RSAOAEPSHA256, env.KeyTransport)

	// The impostor has our issuer and serial number, but not our key
	// identifier.
	_, _, err = Decrypt(der, impostor.cert, impostor.key)
	require.ErrorIs(t, err, ErrNoRecipient)
}

// TestDecryptOpenSSLSecondRecipient: ours is the second of two recipients.
func TestDecryptOpenSSLSecondRecipient(t *testing.T) {
	content := testContent()
	der := opensslEncrypt(t, content, "-aes-128-gcm", nil,
		recip(other, opensslKeyTransports[1].keyopts...), recip(us, opensslKeyTransports[4].keyopts...))
	got, env, err := Decrypt(der, us.cert, us.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Equal(t, RSAOAEPSHA512, env.KeyTransport)

	got, env, err = Decrypt(der, other.cert, other.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Equal(t, RSAOAEPSHA1, env.KeyTransport)
}

// TestDecryptSkipsOtherRecipientKinds: password (pwri) and KEK (kekri)
// recipients before ours are passed over. openssl writes them after the
// key transport recipients, so the test moves ours to the end of the SET.
func TestDecryptSkipsOtherRecipientKinds(t *testing.T) {
	content := testContent()
	der := opensslEncrypt(t, content, "-aes-256-cbc", []string{
		"-pwri_password", "secret",
		"-secretkey", "000102030405060708090a0b0c0d0e0f", "-secretkeyid", "0102",
	}, recip(us))
	tags := moveFirstRecipientLast(t, der)
	require.Equal(t, []cbasn1.Tag{tagExplicit2, tagExplicit3, cbasn1.SEQUENCE}, tags)
	got, _, err := Decrypt(der, us.cert, us.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
}

var tagExplicit3 = cbasn1.Tag(3).Constructed().ContextSpecific()

// moveFirstRecipientLast rotates the RecipientInfos of a DER EnvelopedData
// in place (the SET keeps its length) and returns their tags in the new
// order.
func moveFirstRecipientLast(t *testing.T, der []byte) []cbasn1.Tag {
	t.Helper()
	s := cryptobyte.String(der)
	var ci, content, ed, set cryptobyte.String
	require.True(t, s.ReadASN1(&ci, cbasn1.SEQUENCE) && ci.SkipASN1(cbasn1.OBJECT_IDENTIFIER) &&
		ci.ReadASN1(&content, tagExplicit0) && content.ReadASN1(&ed, cbasn1.SEQUENCE) &&
		ed.SkipASN1(cbasn1.INTEGER) && ed.ReadASN1(&set, cbasn1.SET))
	var first cryptobyte.String
	var tag cbasn1.Tag
	rest := set
	require.True(t, rest.ReadAnyASN1Element(&first, &tag))
	rotated := append(append([]byte{}, rest...), first...)
	copy(set, rotated)

	var tags []cbasn1.Tag
	for !set.Empty() {
		var element cryptobyte.String
		require.True(t, set.ReadAnyASN1Element(&element, &tag))
		tags = append(tags, tag)
	}
	return tags
}

// TestDecryptWrongRecipient: a message for someone else is ErrNoRecipient,
// also for a certificate with our name but another serial, or our serial
// under another name.
func TestDecryptWrongRecipient(t *testing.T) {
	der, err := Encrypt(testContent(), other.cert, AES256CBC, RSAOAEPSHA256)
	require.NoError(t, err)
	_, env, err := Decrypt(der, us.cert, us.key)
	require.ErrorIs(t, err, ErrNoRecipient)
	assert.Equal(t, AES256CBC, env.Cipher, "what was learnt before the failure")

	_, _, err = Decrypt(der, us.cert, other.key)
	require.Error(t, err, "a key that is not the certificate's")
}

// TestDecryptImpostorKey: the recipient's issuer and serial are ours but
// the key is not: the content must not decrypt. With v1.5 the key is then
// random (RFC 3218), so the failure shows in the content.
func TestDecryptImpostorKey(t *testing.T) {
	for _, c := range []Cipher{AES128CBC, AES256GCM} {
		for _, kt := range []KeyTransport{RSAPKCS1v15, RSAOAEPSHA256} {
			der, err := Encrypt(testContent(), impostor.cert, c, kt)
			require.NoError(t, err)
			_, _, err = Decrypt(der, us.cert, us.key)
			require.Error(t, err, "%s %s", c, kt)
			assert.NotErrorIs(t, err, ErrNoRecipient)
		}
	}
}

func TestDecryptNotEnveloped(t *testing.T) {
	compressed, err := Compress([]byte("x"))
	require.NoError(t, err)
	_, _, err = Decrypt(compressed, us.cert, us.key)
	require.ErrorContains(t, err, "not enveloped-data")

	_, _, err = Decrypt(nil, us.cert, us.key)
	require.Error(t, err)
	_, _, err = Decrypt([]byte{0x30, 0x80}, us.cert, us.key)
	require.Error(t, err)
	_, _, err = Decrypt([]byte{0x30, 0x00}, nil, nil)
	require.Error(t, err)
}

// isGCM tells whether c is authenticated encryption, which Encrypt and
// openssl write as AuthEnvelopedData.
func isGCM(c Cipher) bool {
	spec, _ := cipherSpecFor(c)
	return spec.gcm
}

// TestDecryptOpenSSLOAEPLabel: an OAEP label (pSourceAlgorithm pSpecified).
func TestDecryptOpenSSLOAEPLabel(t *testing.T) {
	content := testContent()
	keyopts := slices.Concat(opensslKeyTransports[2].keyopts, []string{"-keyopt", "rsa_oaep_label:0102030405"})
	der := opensslEncrypt(t, content, "-aes-128-cbc", nil, recip(us, keyopts...))
	got, env, err := Decrypt(der, us.cert, us.key)
	require.NoError(t, err)
	assert.Equal(t, content, got)
	assert.Equal(t, RSAOAEPSHA256, env.KeyTransport)
}

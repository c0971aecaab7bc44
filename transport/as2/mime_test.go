package as2

import (
	"crypto"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitMultipartKeepsPartsExactly(t *testing.T) {
	body := "preamble\r\n--B\r\nContent-Type: text/plain\r\n\r\nline one\nline two\r\n\r\n--B  \t\r\npart two\r\n--B--\r\nepilogue"
	parts, err := splitMultipart([]byte(body), "B")
	require.NoError(t, err)
	require.Len(t, parts, 2)
	// The CRLF before each delimiter belongs to the delimiter; the one
	// before it belongs to the content.
	assert.Equal(t, "Content-Type: text/plain\r\n\r\nline one\nline two\r\n", string(parts[0]))
	assert.Equal(t, "part two", string(parts[1]))
}

func TestSplitMultipartLFOnlyAndLongerBoundaries(t *testing.T) {
	body := "--B\nfirst\n--BX is content, not a delimiter\n--B\nsecond\n--B--"
	parts, err := splitMultipart([]byte(body), "B")
	require.NoError(t, err)
	require.Len(t, parts, 2)
	assert.Equal(t, "first\n--BX is content, not a delimiter", string(parts[0]))
	assert.Equal(t, "second", string(parts[1]))
}

func TestSplitMultipartErrors(t *testing.T) {
	_, err := splitMultipart([]byte("--B\r\nno end\r\n"), "B")
	assert.ErrorContains(t, err, "closing delimiter --B-- missing")
	_, err = splitMultipart([]byte("x"), "")
	assert.ErrorContains(t, err, "without a boundary")
}

func TestParseEntity(t *testing.T) {
	raw := "Content-Type: multipart/signed;\r\n protocol=\"application/pkcs7-signature\"; boundary=\"b\"\r\nX: 1\r\n\r\nbody\n"
	e, err := parseEntity([]byte(raw))
	require.NoError(t, err)
	mt, params, err := e.mediaType()
	require.NoError(t, err)
	assert.Equal(t, "multipart/signed", mt)
	assert.Equal(t, "b", params["boundary"])
	assert.Equal(t, "body\n", string(e.body))
	assert.Equal(t, raw, string(e.raw), "raw is kept as received")

	lf, err := parseEntity([]byte("Content-Type: application/EDIFACT\n\nUNA:+.? '\n"))
	require.NoError(t, err)
	assert.Equal(t, "application/EDIFACT", lf.header.Get("Content-Type"))
	assert.Equal(t, "UNA:+.? '\n", string(lf.body))

	none, err := parseEntity([]byte("\r\nonly a body"))
	require.NoError(t, err)
	assert.Equal(t, "only a body", string(none.body))

	_, err = parseEntity([]byte("Content-Type: x/y\r\nno empty line"))
	assert.Error(t, err)
}

func TestDecodeTransfer(t *testing.T) {
	for _, tc := range []struct{ cte, in, want string }{
		{"", "a\nb", "a\nb"},
		{"binary", "a\r\nb", "a\r\nb"},
		{"BASE64", "VU5B\r\nOis= \r\n", "UNA:+"},
		{"quoted-printable", "UNB=3D1", "UNB=1"},
	} {
		got, err := decodeTransfer(tc.cte, []byte(tc.in))
		require.NoError(t, err, tc.cte)
		assert.Equal(t, tc.want, string(got), tc.cte)
	}
	_, err := decodeTransfer("x-uuencode", nil)
	assert.ErrorContains(t, err, `unsupported Content-Transfer-Encoding "x-uuencode"`)
	_, err = decodeTransfer("base64", []byte("!!!"))
	assert.ErrorContains(t, err, "base64 body")
}

func TestParseMDNRequest(t *testing.T) {
	r := parseMDNRequest("as2@x", "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5, SHA256, sha1", "")
	assert.True(t, r.wanted)
	assert.True(t, r.signed)
	assert.Equal(t, crypto.SHA256, r.micAlg, "the first supported algorithm")

	libas2 := parseMDNRequest("PEERA", "signed-receipt-protocol=required,pkcs7-signature; signed-receipt-micalg=required,sha-1", "http://h/mdn?x=1")
	assert.True(t, libas2.signed)
	assert.Equal(t, crypto.SHA1, libas2.micAlg)
	assert.Equal(t, "http://h/mdn?x=1", libas2.url)

	unsigned := parseMDNRequest("x", "", "")
	assert.True(t, unsigned.wanted)
	assert.False(t, unsigned.signed)
	assert.Zero(t, unsigned.micAlg)
	assert.False(t, parseMDNRequest("", "", "").wanted)
}

func TestParseMIC(t *testing.T) {
	for _, v := range []string{"abc=, sha-256", "abc=,sha256", " abc= ,  SHA-256 "} {
		m, err := parseMIC(v)
		require.NoError(t, err, v)
		assert.Equal(t, MIC{Digest: "abc=", Algorithm: crypto.SHA256}, m, v)
	}
	_, err := parseMIC("abc=")
	assert.ErrorContains(t, err, "no algorithm")
	_, err = parseMIC("abc=, md5")
	assert.ErrorContains(t, err, `unsupported digest algorithm "md5"`)
	assert.Equal(t, "abc=, sha1", MIC{Digest: "abc=", Algorithm: crypto.SHA1}.String())
}

func TestAS2IDQuoting(t *testing.T) {
	for _, id := range []string{"PEERA", `PEER "A" X`, `back\slash`, "with space"} {
		assert.Equal(t, id, unquoteAS2ID(quoteAS2ID(id)), id)
	}
	assert.Equal(t, "PEERA", quoteAS2ID("PEERA"))
	assert.Equal(t, `"PEER \"A\" X"`, quoteAS2ID(`PEER "A" X`))
	assert.Equal(t, "PEER B", unquoteAS2ID(` "PEER B" `))
	assert.Error(t, checkAS2ID(""))
	assert.Error(t, checkAS2ID("caf\xc3\xa9"))
	assert.NoError(t, checkAS2ID("PEER B"))
}

func TestFileName(t *testing.T) {
	assert.Equal(t, "orders.edi", fileName(`attachment; filename="../../etc/orders.edi"`, ""))
	assert.Equal(t, "x.edi", fileName("", `C:\in\x.edi`))
	assert.Equal(t, "", fileName("", ".."))
}

func TestMDNDisposition(t *testing.T) {
	for _, tc := range []struct {
		disposition, problem string
		processed            bool
	}{
		{"automatic-action/MDN-sent-automatically; processed", "", true},
		{"automatic-action/MDN-sent-automatically;Processed/Warning: duplicate-document", "Warning: duplicate-document", true},
		{"automatic-action/MDN-sent-automatically; processed/error: decryption-failed", "error: decryption-failed", false},
		{"automatic-action/MDN-sent-automatically; failed/Failure: unsupported format", "Failure: unsupported format", false},
		{"automatic-action/MDN-sent-automatically; deleted", "deleted", false},
	} {
		m := &MDN{Disposition: tc.disposition}
		assert.Equal(t, tc.processed, m.Processed(), tc.disposition)
		assert.Equal(t, tc.problem, m.Problem(), tc.disposition)
	}
}

func TestASCIIText(t *testing.T) {
	assert.Equal(t, "caf?? ok\r\n --B", asciiText("caf\xc3\xa9 ok\n--B"))
	assert.Equal(t, "-", asciiText(""))
}

// Header lines real senders write and RFC 5322 frowns upon: an 8-bit file
// name, a space before the colon, and Java mail's unquoted boundary with
// an equals sign.
func TestLenientMIME(t *testing.T) {
	for _, raw := range []string{
		"Content-Type: application/EDIFACT\r\nContent-Disposition: attachment; filename=\"M\xfcller.edi\"\r\n\r\nUNA",
		"Content-Type : application/EDIFACT\r\n\r\nUNA",
	} {
		e, err := parseEntity([]byte(raw))
		require.NoError(t, err, "%q", raw)
		mt, _, err := e.mediaType()
		require.NoError(t, err)
		assert.Equal(t, "application/edifact", mt)
	}
	mt, params, err := parseMediaType(`multipart/signed; protocol="application/pkcs7-signature"; micalg=sha1; boundary=----=_Part_0_1.2`)
	require.NoError(t, err)
	assert.Equal(t, "multipart/signed", mt)
	assert.Equal(t, map[string]string{"protocol": "application/pkcs7-signature", "micalg": "sha1", "boundary": "----=_Part_0_1.2"}, params)
	_, params, err = parseMediaType(`multipart/signed; boundary="a;b"; micalg=sha-256=x`)
	require.NoError(t, err)
	assert.Equal(t, "a;b", params["boundary"], "a semicolon inside quotes")
	_, _, err = parseMediaType(`multipart/signed; boundary`)
	assert.Error(t, err, "a parameter without a value")
}

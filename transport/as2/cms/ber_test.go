package cms

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// toBER re-encodes DER as a streaming BER writer would: every constructed
// element with an indefinite length, and every universal OCTET STRING
// longer than segment in constructed form, in segments of at most segment
// bytes. With implicitToo, the [0] IMPLICIT OCTET STRING of encryptedContent
// is segmented too, as OpenSSL and libas2 do.
func toBER(t testing.TB, der []byte, segment int, implicitToo bool) []byte {
	t.Helper()
	var out []byte
	s := cryptobyte.String(der)
	for !s.Empty() {
		var element, content cryptobyte.String
		var tag cbasn1.Tag
		require.True(t, s.ReadAnyASN1Element(&element, &tag), "not DER")
		whole := element
		require.True(t, whole.ReadAnyASN1(&content, &tag))
		segmented := tag == cbasn1.OCTET_STRING || implicitToo && tag == tagImplicit0
		switch {
		case tag&0x20 != 0:
			out = append(out, byte(tag), 0x80)
			out = append(out, toBER(t, content, segment, implicitToo)...)
			out = append(out, 0, 0)
		case segmented && len(content) > segment:
			out = append(out, byte(tag)|0x20, 0x80)
			for len(content) > 0 {
				n := min(segment, len(content))
				out = append(out, 0x04)
				out = appendDERLength(out, n)
				out = append(out, content[:n]...)
				content = content[n:]
			}
			out = append(out, 0, 0)
		default:
			out = append(out, element...)
		}
	}
	return out
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

func TestNormalizeBER(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"DER unchanged", "30 03 02 01 05", "30 03 02 01 05"},
		{"trailing bytes dropped", "30 03 02 01 05 ff ff", "30 03 02 01 05"},
		{"indefinite", "30 80 02 01 05 00 00", "30 03 02 01 05"},
		{"nested indefinite", "30 80 30 80 02 01 05 00 00 04 00 00 00", "30 07 30 03 02 01 05 04 00"},
		{"empty indefinite", "30 80 00 00", "30 00"},
		{"long form made minimal", "30 81 03 02 01 05", "30 03 02 01 05"},
		{"long form with zeros", "04 84 00 00 00 01 aa", "04 01 aa"},
		{"long form inside", "30 80 41 81 00 00 00", "30 02 41 00"},
		{"constructed OCTET STRING", "24 80 04 02 aa bb 04 01 cc 00 00", "04 03 aa bb cc"},
		{"nested constructed OCTET STRING", "24 80 24 80 04 01 aa 00 00 04 00 24 03 04 01 bb 00 00", "04 02 aa bb"},
		{"constructed OCTET STRING inside", "30 80 24 80 04 01 aa 00 00 00 00", "30 03 04 01 aa"},
		{"context tag keeps its children", "a0 80 04 01 aa 04 01 bb 00 00", "a0 06 04 01 aa 04 01 bb"},
		{"high tag number", "3f 81 00 80 02 01 05 00 00", "3f 81 00 03 02 01 05"},
		{"primitive high tag number", "9f 20 01 aa", "9f 20 01 aa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeBER(unhex(t, tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, spacedHex(got))
		})
	}
}

func TestNormalizeBERLongLengths(t *testing.T) {
	der := append([]byte{0x04, 0x83, 0x01, 0x11, 0x70}, bytes.Repeat([]byte{0xab}, 70000)...)
	got, err := normalizeBER(toBER(t, der, 1000, false))
	require.NoError(t, err)
	assert.Equal(t, der, got)

	nonMinimal := append([]byte{0x04, 0x88, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70}, der[5:]...)
	got, err = normalizeBER(nonMinimal)
	require.NoError(t, err)
	assert.Equal(t, der, got)
}

func TestNormalizeBERErrors(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no length", "30"},
		{"truncated content", "04 05 aa"},
		{"truncated long length", "04 82 01"},
		{"length beyond input", "04 84 7f ff ff ff aa"},
		{"length overflows int", "04 89 01 00 00 00 00 00 00 00 00 aa"},
		{"reserved length", "04 ff aa"},
		{"indefinite primitive", "04 80 aa 00 00"},
		{"missing end-of-contents", "30 80 02 01 05"},
		{"stray end-of-contents", "30 02 00 00"},
		{"end-of-contents at top", "00 00"},
		{"child overruns parent", "30 02 04 05 aa bb cc dd ee"},
		{"OCTET STRING segment of another type", "24 80 02 01 05 00 00"},
		{"truncated high tag", "3f 81"},
		{"tag number too large", "3f 81 81 81 81 01 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := normalizeBER(unhex(t, tc.in))
			require.Error(t, err)
		})
	}
}

func TestNormalizeBERDepth(t *testing.T) {
	nest := func(depth int) []byte {
		b := bytes.Repeat([]byte{0x30, 0x80}, depth)
		b = append(b, 0x05, 0x00)
		return append(b, bytes.Repeat([]byte{0, 0}, depth)...)
	}
	_, err := normalizeBER(nest(maxBERDepth))
	require.NoError(t, err)
	_, err = normalizeBER(nest(maxBERDepth + 2))
	require.ErrorIs(t, err, errBERTooDeep)
}

// TestNormalizeBEROfDER: a BER version of real messages normalises back to
// their DER, and Decrypt and Verify read it.
func TestNormalizeBEROfDER(t *testing.T) {
	content := testContent()
	enveloped, err := Encrypt(content, us.cert, AES256GCM, RSAOAEPSHA256)
	require.NoError(t, err)
	signature, err := Sign(content, us.cert, us.key, crypto.SHA256)
	require.NoError(t, err)
	for _, segment := range []int{1, 7, 1000} {
		for _, der := range [][]byte{enveloped, signature} {
			got, err := normalizeBER(toBER(t, der, segment, false))
			require.NoError(t, err)
			assert.Equal(t, der, got)
		}
		got, _, err := Decrypt(toBER(t, enveloped, segment, true), us.cert, us.key)
		require.NoError(t, err)
		assert.Equal(t, content, got)
		_, err = Verify(content, toBER(t, signature, segment, true), us.cert)
		require.NoError(t, err)
	}
}

func spacedHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = hex.EncodeToString([]byte{c})
	}
	return strings.Join(parts, " ")
}

// Input of millions of tiny elements (what a stranger can post as an
// envelope before anything is verified) costs memory in proportion to
// the input, not several times it: elements that need no change are
// copied, and measured with one bit each.
func TestNormalizeBERMemoryStaysProportional(t *testing.T) {
	for _, tc := range []struct {
		name    string
		element []byte
	}{
		{"empty definite sequences", []byte{0x30, 0x00}},
		{"empty indefinite sequences", []byte{0x30, 0x80, 0x00, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 4 << 20
			in := make([]byte, 0, n+4)
			in = append(in, 0x30, 0x80)
			for len(in) < n {
				in = append(in, tc.element...)
			}
			in = append(in, 0x00, 0x00)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			out, err := normalizeBER(in)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			require.NotEmpty(t, out)
			alloc := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, alloc, uint64(4*len(in)), "allocated %d bytes for %d bytes of input", alloc, len(in))
		})
	}
}

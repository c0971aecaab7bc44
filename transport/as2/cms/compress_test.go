package cms

import (
	"bytes"
	"compress/flate"
	"encoding/asn1"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestCompressRoundTrip(t *testing.T) {
	for _, content := range [][]byte{nil, []byte("x"), testContent(), bytes.Repeat(testContent(), 100)} {
		der, err := Compress(content)
		require.NoError(t, err)
		ct, err := ContentType(der)
		require.NoError(t, err)
		assert.Equal(t, TypeCompressedData, ct)

		got, err := Decompress(der, int64(len(content)))
		require.NoError(t, err, "a limit of exactly the content's size")
		assert.Equal(t, string(content), string(got))
		if len(content) > 0 {
			_, err = Decompress(der, int64(len(content)-1))
			require.ErrorIs(t, err, ErrTooLarge)
		}
		got, err = Decompress(der, math.MaxInt64)
		require.NoError(t, err)
		assert.Equal(t, string(content), string(got))
	}
}

// TestCompressPython: the peers' reference reader, as2mime.py uncompress
// (python's zlib), reads what Compress writes (OpenSSL here has no zlib).
func TestCompressPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	require.NoError(t, err, "this test needs python3")
	const script = "/work/shared/peers/as2/as2mime.py"
	_, err = os.Stat(script)
	require.NoError(t, err, "this test needs the AS2 peer scripts")

	content := bytes.Repeat(testContent(), 20)
	der, err := Compress(content)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(python, script, "uncompress", writeFile(t, "compressed.der", der), out)
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", output)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, content, got)
}

// TestDecompressBomb: 100 MiB of zeros in about 100 KB stops at the limit,
// without inflating the rest.
func TestDecompressBomb(t *testing.T) {
	der, err := wrapCompressed(zlibZeros(t, 100))
	require.NoError(t, err)
	require.Less(t, len(der), 200<<10)
	_, err = Decompress(der, 1<<20)
	require.ErrorIs(t, err, ErrTooLarge)

	// The stream is valid: a smaller one inflates whole, checksum and all.
	der, err = wrapCompressed(zlibZeros(t, 3))
	require.NoError(t, err)
	got, err := Decompress(der, 3<<20)
	require.NoError(t, err)
	assert.Equal(t, make([]byte, 3<<20), got)
	_, err = Decompress(der, 3<<20-1)
	require.ErrorIs(t, err, ErrTooLarge)
}

// zlibZeros returns a valid zlib stream of mib MiB of zeros, made without
// deflating them all (which takes seconds under the race detector): one
// MiB deflated and flushed to a byte boundary is a run of non-final blocks
// that refer to nothing before them, so it can be repeated.
func zlibZeros(t *testing.T, mib int) []byte {
	t.Helper()
	var chunk bytes.Buffer
	w, err := flate.NewWriter(&chunk, flate.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, w.Flush())

	stream := []byte{0x78, 0xda} // zlib header: deflate, 32 KiB window, best compression
	for range mib {
		stream = append(stream, chunk.Bytes()...)
	}
	stream = append(stream, 0x03, 0x00) // an empty final block
	// Adler-32 of n zeros: a stays 1, b adds 1 per byte.
	n := uint32(mib<<20) % 65521
	return binary.BigEndian.AppendUint32(stream, n<<16|1)
}

// TestDecompressBER: indefinite lengths and a segmented OCTET STRING.
func TestDecompressBER(t *testing.T) {
	content := bytes.Repeat(testContent(), 10)
	der, err := Compress(content)
	require.NoError(t, err)
	ber := toBER(t, der, 100, false)
	require.NotEqual(t, der, ber)
	got, err := Decompress(ber, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, content, got)
}

func TestDecompressErrors(t *testing.T) {
	der, err := Compress([]byte("hello"))
	require.NoError(t, err)
	_, err = Decompress(der, -1)
	require.Error(t, err)

	enveloped, err := Encrypt([]byte("x"), us.cert, AES128CBC, RSAPKCS1v15)
	require.NoError(t, err)
	_, err = Decompress(enveloped, 100)
	require.ErrorContains(t, err, "not compressed-data")

	notZlib, err := wrapCompressed([]byte("not a zlib stream"))
	require.NoError(t, err)
	_, err = Decompress(notZlib, 100)
	require.Error(t, err)

	for n := range der {
		_, err := Decompress(der[:n], 100)
		require.Error(t, err, "%d of %d bytes", n, len(der))
	}
}

// TestDecompressStructure: what CompressedData may and may not be.
func TestDecompressStructure(t *testing.T) {
	oneMiB := zlibZeros(t, 1)
	build := func(alg asn1.ObjectIdentifier, addContent func(b *cryptobyte.Builder)) []byte {
		der, err := addContentInfo(oidCompressedData, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(0)
				addAlgorithmIdentifier(b, alg, nil)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidData)
					if addContent != nil {
						addContent(b)
					}
				})
			})
		})
		require.NoError(t, err)
		return der
	}
	content := func(b *cryptobyte.Builder) {
		b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(oneMiB) })
	}
	got, err := Decompress(build(oidZlibCompress, content), 1<<20)
	require.NoError(t, err)
	assert.Len(t, got, 1<<20)

	_, err = Decompress(build(oidData, content), 1<<20)
	require.ErrorContains(t, err, "not supported (only zlib)")
	_, err = Decompress(build(oidZlibCompress, nil), 1<<20)
	require.ErrorContains(t, err, "absent")
	_, err = Decompress(build(oidZlibCompress, func(b *cryptobyte.Builder) {
		b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1Int64(1) })
	}), 1<<20)
	require.ErrorContains(t, err, "malformed eContent")
}

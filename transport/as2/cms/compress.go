package cms

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ErrTooLarge is returned (wrapped) by Decompress when the content
// decompresses to more than the limit: a zip bomb, or a message larger than
// we accept.
var ErrTooLarge = errors.New("cms: decompressed content is larger than the limit")

// Compress wraps content in CompressedData (RFC 3274, zlib) in a
// ContentInfo, DER.
func Compress(content []byte) ([]byte, error) {
	var compressed bytes.Buffer
	w := zlib.NewWriter(&compressed)
	if _, err := w.Write(content); err != nil {
		return nil, fmt.Errorf("cms: compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("cms: compress: %w", err)
	}
	return wrapCompressed(compressed.Bytes())
}

// wrapCompressed wraps a zlib stream in CompressedData in a ContentInfo.
func wrapCompressed(compressed []byte) ([]byte, error) {
	return addContentInfo(oidCompressedData, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			addAlgorithmIdentifier(b, oidZlibCompress, nil)          // RFC 3274: parameters absent
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo
				b.AddASN1ObjectIdentifier(oidData)
				b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(compressed)
				})
			})
		})
	})
}

// Decompress reads CompressedData (DER or BER); more than limit bytes of
// output is ErrTooLarge (zip bombs).
func Decompress(data []byte, limit int64) (content []byte, err error) {
	defer func() {
		// Defence in depth, as in Decrypt.
		if r := recover(); r != nil {
			content, err = nil, fmt.Errorf("cms: decompress: %w: %v", errRecovered, r)
		}
	}()
	if limit < 0 {
		return nil, fmt.Errorf("cms: decompress: negative limit %d", limit)
	}
	compressed, err := readCompressedData(data)
	if err != nil {
		return nil, err
	}
	r, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("cms: decompress: %w", err)
	}
	defer r.Close()
	// Read one byte more than the limit, to tell "exactly limit" from "more".
	readLimit := limit
	if readLimit < math.MaxInt64 {
		readLimit++
	}
	content, err = io.ReadAll(io.LimitReader(r, readLimit))
	if err != nil {
		return nil, fmt.Errorf("cms: decompress: %w", err)
	}
	if int64(len(content)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	return content, nil
}

// readCompressedData reads a ContentInfo holding CompressedData (RFC 3274)
// and returns the compressed bytes.
func readCompressedData(data []byte) ([]byte, error) {
	contentType, content, err := readContentInfo(data)
	if err != nil {
		return nil, err
	}
	if !contentType.Equal(oidCompressedData) {
		return nil, fmt.Errorf("cms: content type %v is not compressed-data", contentType)
	}
	var seq, encap cryptobyte.String
	var version int64
	if !content.ReadASN1(&seq, cbasn1.SEQUENCE) || !content.Empty() || !seq.ReadASN1Integer(&version) {
		return nil, malformed("CompressedData")
	}
	alg, ok := readAlgorithmIdentifier(&seq)
	if !ok {
		return nil, malformed("compressionAlgorithm")
	}
	if !alg.oid.Equal(oidZlibCompress) {
		return nil, fmt.Errorf("cms: compression algorithm %v is not supported (only zlib)", alg.oid)
	}
	if !seq.ReadASN1(&encap, cbasn1.SEQUENCE) || !seq.Empty() ||
		!encap.SkipASN1(cbasn1.OBJECT_IDENTIFIER) {
		return nil, malformed("EncapsulatedContentInfo")
	}
	if encap.Empty() {
		return nil, errors.New("cms: the compressed content is absent")
	}
	// After normalisation, a constructed (BER) OCTET STRING is a primitive one.
	var eContent cryptobyte.String
	var compressed []byte
	if !encap.ReadASN1(&eContent, tagExplicit0) || !encap.Empty() ||
		!eContent.ReadASN1Bytes(&compressed, cbasn1.OCTET_STRING) || !eContent.Empty() {
		return nil, malformed("eContent")
	}
	return compressed, nil
}

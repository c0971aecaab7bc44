package cms

import (
	"errors"
	"fmt"
	"math"
)

// maxBERDepth bounds how deeply nested the normaliser follows elements. CMS
// needs about fifteen levels (a certificate inside a SignedData); the bound
// keeps hostile input from exhausting the stack.
const maxBERDepth = 64

// Errors of the BER normaliser; callers wrap them with what they were reading.
var (
	errBERTruncated    = errors.New("truncated")
	errBERTooDeep      = fmt.Errorf("nested more than %d levels", maxBERDepth)
	errBERBadLength    = errors.New("invalid length")
	errBERTagTooLarge  = errors.New("tag number too large")
	errBERStrayEOC     = errors.New("end-of-contents outside an indefinite length")
	errBERPrimitiveEOC = errors.New("indefinite length on a primitive element")
	errBERSegment      = errors.New("constructed OCTET STRING holds something else than OCTET STRINGs")
)

// normalizeBER returns the first element of data re-encoded so that
// cryptobyte and encoding/asn1 can read it: indefinite lengths become
// definite, lengths become minimal, and constructed OCTET STRINGs (universal
// tag 4) become one primitive OCTET STRING. Other constructed values,
// context-tagged implicit OCTET STRINGs among them, keep their children: only
// the caller knows their type, and concatenates them. Everything else is
// copied unchanged, tags with high tag numbers included. Input that needs no
// change is returned as is, without copying. Bytes after the first element
// are ignored.
//
// It works in two passes over the input: scan checks the input and
// measures each constructed element that must be rewritten, write writes.
// Elements that need no change are copied, and the scan keeps one bit for
// each (an int32 for the others), so that input made of millions of tiny
// elements costs no more than the input again.
func normalizeBER(data []byte) ([]byte, error) {
	var n berNormalizer
	el, rest, err := n.scan(data, 0)
	if err != nil {
		return nil, err
	}
	if !el.changed {
		return data[:len(data)-len(rest)], nil
	}
	out := make([]byte, 0, el.encodedSize)
	out, _, err = n.write(out, data)
	if err != nil { // scan accepted what write refuses: a bug, but no reason to panic
		return nil, fmt.Errorf("rewriting: %w", err)
	}
	return out, nil
}

// berNormalizer carries the results of the scan to the write.
type berNormalizer struct {
	// rewrite has a bit for each constructed element, in the order the
	// elements start in the input, except those inside an element copied
	// as it is: set when the element is rewritten, clear when copied.
	rewrite []uint64
	bits    int
	// sizes holds the content length, as written, of each rewritten
	// element, in the same order.
	sizes chunked
	// The entries write uses next.
	nextBit, nextSize int
}

func (n *berNormalizer) pushBit() int {
	if n.bits%64 == 0 {
		n.rewrite = append(n.rewrite, 0)
	}
	n.bits++
	return n.bits - 1
}

func (n *berNormalizer) setBit(i int) { n.rewrite[i/64] |= 1 << (i % 64) }

// truncate forgets the entries after bit i, those of an element's
// children when the element is copied as it is.
func (n *berNormalizer) truncate(bit, sizes int) {
	n.bits = bit + 1
	n.rewrite = n.rewrite[:(n.bits+63)/64]
	if r := n.bits % 64; r != 0 { // clear the forgotten bits of the last word
		n.rewrite[len(n.rewrite)-1] &= 1<<r - 1
	}
	n.sizes.truncate(sizes)
}

// chunked is a list of int32 in fixed chunks: growing it never copies, so
// that what it allocates is what it holds.
type chunked struct {
	chunks [][]int32
	n      int
}

const chunkSize = 4096

func (c *chunked) len() int { return c.n }

func (c *chunked) append(v int32) {
	if c.n%chunkSize == 0 && c.n/chunkSize == len(c.chunks) {
		c.chunks = append(c.chunks, make([]int32, chunkSize))
	}
	c.chunks[c.n/chunkSize][c.n%chunkSize] = v
	c.n++
}

func (c *chunked) set(i int, v int32) { c.chunks[i/chunkSize][i%chunkSize] = v }

func (c *chunked) at(i int) int32 { return c.chunks[i/chunkSize][i%chunkSize] }

// truncate keeps the first n values; their chunks stay for reuse.
func (c *chunked) truncate(n int) { c.n = n }

// A berHeader is the identifier and length octets of an element.
type berHeader struct {
	identifier []byte // identifier octets, as read
	length     int    // content length, or indefiniteLength
	size       int    // number of identifier and length octets
	minimal    bool   // whether the length is encoded as DER wants it
}

func (h berHeader) constructed() bool { return h.identifier[0]&0x20 != 0 }

// constructedOctetString tells whether the element is a universal OCTET
// STRING in constructed form, which the normaliser flattens.
func (h berHeader) constructedOctetString() bool {
	return len(h.identifier) == 1 && h.identifier[0] == 0x24
}

// octetString tells whether the element is a universal OCTET STRING.
func (h berHeader) octetString() bool {
	return len(h.identifier) == 1 && (h.identifier[0] == 0x04 || h.identifier[0] == 0x24)
}

// A scanned element is what the scan learnt of one element.
type scanned struct {
	contentSize int  // length of the content as written
	encodedSize int  // length of the whole element as written
	octetString bool // universal OCTET STRING, primitive or constructed
	changed     bool // whether it, or an element inside it, is rewritten
}

// scan checks the element at the start of b, records the written content
// length of each constructed element in n.sizes, and returns what follows
// the element.
func (n *berNormalizer) scan(b []byte, depth int) (scanned, []byte, error) {
	if depth > maxBERDepth {
		return scanned{}, nil, errBERTooDeep
	}
	h, err := readBERHeader(b)
	if err != nil {
		return scanned{}, nil, err
	}
	b = b[h.size:]
	if !h.constructed() {
		el := scanned{contentSize: h.length, octetString: h.octetString(), changed: !h.minimal}
		el.encodedSize = len(h.identifier) + derLengthSize(h.length) + h.length
		return el, b[h.length:], nil
	}
	bit, slot := n.pushBit(), n.sizes.len()
	n.sizes.append(0)
	flatten := h.constructedOctetString()
	changed := flatten || !h.minimal // an indefinite length is never minimal
	var contentSize int
	rest, err := eachChild(h, b, func(child []byte) ([]byte, error) {
		el, rest, err := n.scan(child, depth+1)
		changed = changed || el.changed
		switch {
		case err != nil:
			return nil, err
		case !flatten:
			contentSize += el.encodedSize
		case el.octetString:
			contentSize += el.contentSize
		default:
			return nil, errBERSegment
		}
		return rest, nil
	})
	if err != nil {
		return scanned{}, nil, err
	}
	if contentSize > math.MaxInt32 {
		return scanned{}, nil, errBERBadLength
	}
	if changed {
		n.setBit(bit)
		n.sizes.set(slot, int32(contentSize))
	} else {
		n.truncate(bit, slot)
	}
	idLen := len(h.identifier)
	if flatten {
		idLen = 1
	}
	el := scanned{contentSize: contentSize, octetString: flatten, changed: changed}
	el.encodedSize = idLen + derLengthSize(contentSize) + contentSize
	return el, rest, nil
}

// write appends the element at the start of b, re-encoded, to out, and
// returns what follows the element. The element must have been scanned.
func (n *berNormalizer) write(out, b []byte) ([]byte, []byte, error) {
	h, err := readBERHeader(b)
	if err != nil {
		return nil, nil, err
	}
	element := b
	b = b[h.size:]
	if !h.constructed() {
		out = append(out, h.identifier...)
		out = appendDERLength(out, h.length)
		return append(out, b[:h.length]...), b[h.length:], nil
	}
	size, rewrite, err := n.next()
	if err != nil {
		return nil, nil, err
	}
	if !rewrite { // definite and minimal throughout
		end := h.size + h.length
		return append(out, element[:end]...), element[end:], nil
	}
	if h.constructedOctetString() {
		out = append(out, 0x04)
		out = appendDERLength(out, size)
	} else {
		out = append(out, h.identifier...)
		out = appendDERLength(out, size)
	}
	rest, err := eachChild(h, b, func(child []byte) ([]byte, error) {
		var rest []byte
		var err error
		if h.constructedOctetString() {
			out, rest, err = n.writeOctets(out, child)
		} else {
			out, rest, err = n.write(out, child)
		}
		return rest, err
	})
	return out, rest, err
}

// writeOctets appends the bytes of the OCTET STRING at the start of b,
// however segmented, to out, and returns what follows it.
func (n *berNormalizer) writeOctets(out, b []byte) ([]byte, []byte, error) {
	h, err := readBERHeader(b)
	if err != nil {
		return nil, nil, err
	}
	b = b[h.size:]
	if !h.constructed() {
		return append(out, b[:h.length]...), b[h.length:], nil
	}
	if _, _, err := n.next(); err != nil {
		return nil, nil, err
	}
	rest, err := eachChild(h, b, func(child []byte) ([]byte, error) {
		var rest []byte
		var err error
		out, rest, err = n.writeOctets(out, child)
		return rest, err
	})
	return out, rest, err
}

// next says whether the next constructed element is rewritten, and if so
// the length of its content as written.
func (n *berNormalizer) next() (size int, rewrite bool, err error) {
	if n.nextBit >= n.bits {
		return 0, false, errors.New("more constructed elements than scanned")
	}
	i := n.nextBit
	n.nextBit++
	if n.rewrite[i/64]&(1<<(i%64)) == 0 {
		return 0, false, nil
	}
	if n.nextSize >= n.sizes.len() {
		return 0, false, errors.New("more rewritten elements than scanned")
	}
	n.nextSize++
	return int(n.sizes.at(n.nextSize - 1)), true, nil
}

// eachChild calls fn for each child of a constructed element whose content
// starts at b; fn returns what follows the child. eachChild returns what
// follows the element.
func eachChild(h berHeader, b []byte, fn func([]byte) ([]byte, error)) ([]byte, error) {
	if h.length != indefiniteLength {
		content := b[:h.length]
		for len(content) > 0 {
			var err error
			if content, err = fn(content); err != nil {
				return nil, err
			}
		}
		return b[h.length:], nil
	}
	for {
		if len(b) < 2 {
			return nil, errBERTruncated
		}
		if b[0] == 0x00 && b[1] == 0x00 {
			return b[2:], nil
		}
		var err error
		if b, err = fn(b); err != nil {
			return nil, err
		}
	}
}

// readBERHeader reads the identifier and length octets at the start of b
// and checks that a definite length fits in b.
func readBERHeader(b []byte) (berHeader, error) {
	idLen, err := identifierLength(b)
	if err != nil {
		return berHeader{}, err
	}
	h := berHeader{identifier: b[:idLen]}
	if h.identifier[0] == 0x00 { // tag 0 is end-of-contents, valid only where eachChild looks for it
		return berHeader{}, errBERStrayEOC
	}
	length, lenLen, err := readBERLength(b[idLen:])
	if err != nil {
		return berHeader{}, err
	}
	h.length, h.size = length, idLen+lenLen
	h.minimal = lenLen == derLengthSize(length)
	if length == indefiniteLength {
		if !h.constructed() {
			return berHeader{}, errBERPrimitiveEOC
		}
		return h, nil
	}
	if length > len(b)-h.size {
		return berHeader{}, errBERTruncated
	}
	return h, nil
}

// identifierLength returns the number of identifier octets at the start of
// b: one, or more for tag numbers of 31 and above (base 128, the last octet
// with bit 8 clear). Tag numbers are limited to four base-128 octets (2^28),
// more than any ASN.1 module uses.
func identifierLength(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errBERTruncated
	}
	if b[0]&0x1f != 0x1f {
		return 1, nil
	}
	for i := 1; i <= 4; i++ {
		if i >= len(b) {
			return 0, errBERTruncated
		}
		if b[i]&0x80 == 0 {
			return i + 1, nil
		}
	}
	return 0, errBERTagTooLarge
}

// indefiniteLength is what readBERLength returns for the 0x80 length octet.
const indefiniteLength = -1

// readBERLength reads the length octets at the start of b and returns the
// length (or indefiniteLength) and the number of octets read. The length
// must fit in an int; the caller checks it against the input.
func readBERLength(b []byte) (length, n int, err error) {
	if len(b) == 0 {
		return 0, 0, errBERTruncated
	}
	first := b[0]
	switch {
	case first < 0x80:
		return int(first), 1, nil
	case first == 0x80:
		return indefiniteLength, 1, nil
	case first == 0xff: // reserved, X.690 8.1.3.5 c)
		return 0, 0, errBERBadLength
	}
	count := int(first & 0x7f)
	if count >= len(b) {
		return 0, 0, errBERTruncated
	}
	var v int
	for _, octet := range b[1 : 1+count] {
		if v > math.MaxInt>>8 {
			return 0, 0, errBERBadLength
		}
		v = v<<8 | int(octet)
	}
	return v, 1 + count, nil
}

// derLengthSize is the number of octets of the minimal encoding of length.
// For indefiniteLength it returns 0, which no encoding has.
func derLengthSize(length int) int {
	if length < 0 {
		return 0
	}
	if length < 0x80 {
		return 1
	}
	n := 1
	for ; length > 0; length >>= 8 {
		n++
	}
	return n
}

// appendDERLength appends the minimal encoding of length.
func appendDERLength(out []byte, length int) []byte {
	if length < 0x80 {
		return append(out, byte(length))
	}
	count := derLengthSize(length) - 1
	out = append(out, 0x80|byte(count))
	for shift := 8 * (count - 1); shift >= 0; shift -= 8 {
		out = append(out, byte(length>>shift))
	}
	return out
}

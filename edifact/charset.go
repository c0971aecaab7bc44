package edifact

import (
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// A charset is the character repertoire and encoding that a UNB syntax
// identifier declares: the Reader decodes an interchange to UTF-8 by it and
// the Writer encodes to it. See the package documentation for the fallback
// used in lenient mode.
type charset struct {
	id   string           // syntax identifier, e.g. "UNOC"
	name string           // what the identifier stands for, e.g. "ISO 8859-1"
	cm   *charmap.Charmap // single-byte sets; nil for ASCII subsets and UTF-8
	utf8 bool             // UNOW, UNOY
	// inSet marks the bytes below 0x80 that belong to the repertoire; the
	// high half is decided by cm or utf8.
	inSet *[128]bool
	// high holds, for single-byte sets, the UTF-8 of each byte above 0x7f
	// ("" where the set has no character).
	high *[128]string
}

// withHighTable fills in the decoding table of a single-byte set.
func withHighTable(cs *charset) *charset {
	if cs.cm == nil {
		return cs
	}
	var t [128]string
	for c := range t {
		if r := cs.cm.DecodeByte(byte(c + 0x80)); r != utf8.RuneError {
			t[c] = string(r)
		}
	}
	cs.high = &t
	return cs
}

var (
	levelA  = asciiSet("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>")
	levelB  = asciiRange(0x20, 0x7e, "#$@[\\]^`{|}~") // ISO 646 without national positions
	graphic = asciiRange(0x20, 0x7e, "")
)

// charsets are the syntax identifiers the Reader and Writer know; built
// once, never changed.
var charsets = func() map[string]*charset {
	m := map[string]*charset{
		"UNOA": {id: "UNOA", name: "UN/ECE level A (upper-case ASCII subset)", inSet: levelA},
		"UNOB": {id: "UNOB", name: "UN/ECE level B (ASCII subset)", inSet: levelB},
		"UNOC": {id: "UNOC", name: "ISO 8859-1", cm: charmap.ISO8859_1, inSet: graphic},
		"UNOD": {id: "UNOD", name: "ISO 8859-2", cm: charmap.ISO8859_2, inSet: graphic},
		"UNOE": {id: "UNOE", name: "ISO 8859-5", cm: charmap.ISO8859_5, inSet: graphic},
		"UNOF": {id: "UNOF", name: "ISO 8859-7", cm: charmap.ISO8859_7, inSet: graphic},
		"UNOG": {id: "UNOG", name: "ISO 8859-3", cm: charmap.ISO8859_3, inSet: graphic},
		"UNOH": {id: "UNOH", name: "ISO 8859-4", cm: charmap.ISO8859_4, inSet: graphic},
		"UNOI": {id: "UNOI", name: "ISO 8859-6", cm: charmap.ISO8859_6, inSet: graphic},
		"UNOJ": {id: "UNOJ", name: "ISO 8859-8", cm: charmap.ISO8859_8, inSet: graphic},
		"UNOK": {id: "UNOK", name: "ISO 8859-9", cm: charmap.ISO8859_9, inSet: graphic},
		"UNOW": {id: "UNOW", name: "UTF-8", utf8: true, inSet: graphic},
		"UNOY": {id: "UNOY", name: "UTF-8", utf8: true, inSet: graphic},
		// IATA's identifiers use the repertoires of levels A and B.
		"IATA": {id: "IATA", name: "IATA level A (upper-case ASCII subset)", inSet: levelA},
		"IATB": {id: "IATB", name: "IATA level B (ASCII subset)", inSet: levelB},
	}
	for _, cs := range m {
		withHighTable(cs)
	}
	return m
}()

// unknownCharset reads an interchange whose syntax identifier is unknown: its
// repertoire is printable ASCII, anything else goes to the fallback.
var unknownCharset = &charset{id: "", name: "unknown", inSet: graphic}

// lookupCharset returns the character set of a syntax identifier, or false.
func lookupCharset(syntaxID string) (*charset, bool) {
	cs, ok := charsets[syntaxID]
	return cs, ok
}

func asciiSet(chars string) *[128]bool {
	var s [128]bool
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return &s
}

func asciiRange(lo, hi byte, except string) *[128]bool {
	var s [128]bool
	for c := lo; c <= hi; c++ {
		s[c] = true
	}
	for i := 0; i < len(except); i++ {
		s[except[i]] = false
	}
	return &s
}

// fits reports whether byte c is plain data of the repertoire that needs no
// decoding: a character of the ASCII part of the set.
func (cs *charset) fits(c byte) bool {
	return c < 0x80 && cs.inSet[c]
}

// decode appends the UTF-8 form of data (one component, already unescaped
// and checked) to dst; with fallback set, it decodes by the fallback instead.
func (cs *charset) decode(dst, data []byte, fallback bool) []byte {
	if fallback {
		return fallbackDecode(dst, data)
	}
	if cs.cm == nil { // ASCII subsets and UTF-8 need no change
		return append(dst, data...)
	}
	for _, c := range data {
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, cs.high[c-0x80]...)
	}
	return dst
}

// check returns the offset of the first byte of data outside the repertoire
// and the reason, or -1.
func (cs *charset) check(data []byte) (int, string) {
	if cs.cm != nil && looksUTF8(data) {
		return firstHigh(data), "bytes are UTF-8, not " + cs.name + " as " + cs.id + " declares"
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c < utf8.RuneSelf {
			if !cs.inSet[c] {
				return i, cs.asciiReason(c)
			}
			continue
		}
		switch {
		case cs.utf8:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, "byte " + hexByte(c) + " is not valid UTF-8"
			}
			if r < 0xa0 { // C1 control characters
				return i, "control character " + hexRune(r) + " is not in the repertoire"
			}
			i += size - 1
		case cs.cm != nil:
			if c < 0xa0 {
				return i, "byte " + hexByte(c) + " is a control character in " + cs.name
			}
			if cs.cm.DecodeByte(c) == utf8.RuneError {
				return i, "byte " + hexByte(c) + " is not defined in " + cs.name
			}
		default:
			return i, "byte " + hexByte(c) + " is not in the repertoire of " + cs.label()
		}
	}
	return -1, ""
}

func (cs *charset) asciiReason(c byte) string {
	if c < 0x20 || c == 0x7f {
		return "control character " + hexByte(c) + " in data"
	}
	return "character " + quoteByte(c) + " is not in the repertoire of " + cs.label()
}

func (cs *charset) label() string {
	if cs.id == "" {
		return "the unknown syntax identifier"
	}
	return cs.id
}

// looksUTF8 reports whether data has bytes above 0x7f that form valid UTF-8:
// in an 8859 set such text would be mojibake ("Ã¼"), which real files never
// mean.
func looksUTF8(data []byte) bool {
	return firstHigh(data) >= 0 && utf8.Valid(data)
}

func firstHigh(data []byte) int {
	for i, c := range data {
		if c >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// fallbackDecode reads data as UTF-8 when it is valid UTF-8, else as
// Windows-1252.
func fallbackDecode(dst, data []byte) []byte {
	if utf8.Valid(data) {
		return append(dst, data...)
	}
	for _, c := range data {
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			continue
		}
		dst = utf8.AppendRune(dst, charmap.Windows1252.DecodeByte(c))
	}
	return dst
}

// encodeTo appends the bytes of s in the character set to dst. It returns
// the offending rune and false if s has a character the set cannot represent
// (or bytes that are not UTF-8, as utf8.RuneError).
func (cs *charset) encodeTo(dst []byte, s string) ([]byte, rune, bool) {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == utf8.RuneError && size == 1:
			return dst, r, false
		case r < utf8.RuneSelf:
			if !cs.inSet[r] {
				return dst, r, false
			}
			dst = append(dst, byte(r))
		case cs.utf8:
			if r < 0xa0 {
				return dst, r, false
			}
			dst = utf8.AppendRune(dst, r)
		case cs.cm != nil:
			b, ok := cs.cm.EncodeRune(r)
			if !ok || b < 0xa0 {
				return dst, r, false
			}
			dst = append(dst, b)
		default:
			return dst, r, false
		}
	}
	return dst, 0, true
}

const hexDigits = "0123456789ABCDEF"

func hexByte(c byte) string { return "0x" + string([]byte{hexDigits[c>>4], hexDigits[c&15]}) }

func hexRune(r rune) string {
	b := []byte("U+")
	for shift := 12; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(r>>uint(shift))&15])
	}
	return string(b)
}

func quoteByte(c byte) string { return "'" + string(rune(c)) + "'" }

package as2

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"strconv"
	"strings"
)

// An entity is one MIME entity exactly as it arrived. AS2 signs and hashes
// entities byte for byte, so nothing here re-serialises, unfolds into the
// raw bytes, or rewrites line endings: raw is kept as received and header
// is only a parsed view of it.
type entity struct {
	raw    []byte               // header block, blank line and body, as received
	header textproto.MIMEHeader // the header block, unfolded, keys canonical
	body   []byte               // the body, still in its transfer encoding
}

// parseEntity splits raw at the first empty line. Header lines may end in
// CRLF or a bare LF (some partners write LF-only MIME); folded header
// lines are unfolded in the parsed view.
func parseEntity(raw []byte) (entity, error) {
	head, body, ok := splitHeader(raw)
	e := entity{raw: raw, body: body}
	if !ok {
		return e, errors.New("MIME entity has no empty line after its header")
	}
	if len(head) == 0 {
		e.header = textproto.MIMEHeader{}
		return e, nil
	}
	r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n"))))
	h, err := r.ReadMIMEHeader()
	if err != nil {
		return e, fmt.Errorf("MIME header: %w", err)
	}
	e.header = trimHeaderNames(h)
	return e, nil
}

// trimHeaderNames files values under names written with white space before
// the colon ("Content-Type : ..."), which textproto keeps in the name, under
// the name itself: read as an unknown header, the Content-Type would be
// taken for text/plain.
func trimHeaderNames(h textproto.MIMEHeader) textproto.MIMEHeader {
	for k, vs := range h {
		name := strings.TrimRight(k, " \t")
		if name == k {
			continue
		}
		delete(h, k)
		name = textproto.CanonicalMIMEHeaderKey(name)
		h[name] = append(h[name], vs...)
	}
	return h
}

// splitHeader returns the header block (without the empty line) and the
// body. A raw entity that starts with an empty line has no header.
func splitHeader(raw []byte) (head, body []byte, ok bool) {
	switch {
	case bytes.HasPrefix(raw, []byte("\r\n")):
		return nil, raw[2:], true
	case bytes.HasPrefix(raw, []byte("\n")):
		return nil, raw[1:], true
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		switch {
		case i+1 < len(raw) && raw[i+1] == '\n':
			return raw[:i+1], raw[i+2:], true
		case i+2 < len(raw) && raw[i+1] == '\r' && raw[i+2] == '\n':
			return raw[:i+1], raw[i+3:], true
		}
	}
	return raw, nil, false
}

// mediaType returns the entity's media type, lower case, and parameters.
// A missing Content-Type is text/plain (RFC 2045), which no AS2 layer is.
func (e entity) mediaType() (string, map[string]string, error) {
	return parseMediaType(e.header.Get("Content-Type"))
}

func parseMediaType(v string) (string, map[string]string, error) {
	if v == "" {
		return "text/plain", map[string]string{}, nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if errors.Is(err, mime.ErrInvalidMediaParameter) {
		// Java mail stacks write boundaries like ----=_Part_0_1.2
		// unquoted, which RFC 2045 forbids and every AS2 peer accepts.
		params, err = lenientParams(v)
	}
	if err != nil {
		return "", nil, fmt.Errorf("Content-Type %q: %w", v, err)
	}
	return mt, params, nil
}

// lenientParams reads the parameters of a media type whose unquoted values
// hold special characters: each is name=value up to the next semicolon
// outside quotes.
func lenientParams(v string) (map[string]string, error) {
	params := map[string]string{}
	_, rest, _ := strings.Cut(v, ";")
	for rest != "" {
		var param string
		param, rest = cutParam(rest)
		name, value, ok := strings.Cut(param, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			if strings.TrimSpace(param) == "" {
				continue
			}
			return nil, fmt.Errorf("%w: %q", mime.ErrInvalidMediaParameter, param)
		}
		value = strings.TrimSpace(value)
		if uq, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
			value = uq
		}
		params[name] = value
	}
	return params, nil
}

// cutParam returns the text up to the first semicolon outside quotes, and
// what follows it.
func cutParam(s string) (param, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '\\' && quoted:
			i++
		case s[i] == ';' && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// decodedBody undoes the entity's Content-Transfer-Encoding. No encoding
// means binary: the body is returned as it came, line endings untouched.
func (e entity) decodedBody() ([]byte, error) {
	return decodeTransfer(e.header.Get("Content-Transfer-Encoding"), e.body)
}

func decodeTransfer(cte string, body []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "binary", "7bit", "8bit":
		return body, nil
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			return nil, fmt.Errorf("quoted-printable body: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported Content-Transfer-Encoding %q", cte)
}

// decodeBase64 decodes base64 split into lines. The standard decoder skips
// CR and LF but not the spaces and tabs some senders leave at line ends.
func decodeBase64(body []byte) ([]byte, error) {
	clean := make([]byte, 0, len(body))
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("base64 body: %w", err)
	}
	return out[:n], nil
}

// splitMultipart returns the body parts of a multipart body exactly as
// they are, each from the first byte after its delimiter line to the last
// byte before the line break that precedes the next delimiter: RFC 2046
// makes that line break part of the delimiter, and it is what a signature
// over the first part of a multipart/signed does not cover. The preamble
// and epilogue are dropped; transport padding after a delimiter is
// allowed.
func splitMultipart(body []byte, boundary string) ([][]byte, error) {
	if boundary == "" {
		return nil, errors.New("multipart without a boundary parameter")
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // where the current part begins; -1 in the preamble
	for pos := 0; ; {
		k := bytes.Index(body[pos:], delim)
		if k < 0 {
			return nil, fmt.Errorf("multipart: closing delimiter --%s-- missing", boundary)
		}
		at := pos + k
		next := at + len(delim)
		if at > 0 && body[at-1] != '\n' { // not at the start of a line: content
			pos = next
			continue
		}
		closing := bytes.HasPrefix(body[next:], []byte("--"))
		lineEnd, ok := 0, true
		if !closing {
			lineEnd, ok = delimiterLineEnd(body, next)
		}
		if !ok { // "--boundaryX": a longer boundary, not ours
			pos = next
			continue
		}
		if start >= 0 {
			parts = append(parts, body[start:trimLineBreak(body, start, at)])
		}
		if closing {
			return parts, nil
		}
		start, pos = lineEnd, lineEnd
	}
}

// trimLineBreak returns end moved back over the CRLF or LF that belongs to
// the delimiter at end, but not before start.
func trimLineBreak(body []byte, start, end int) int {
	if end > start && body[end-1] == '\n' {
		end--
		if end > start && body[end-1] == '\r' {
			end--
		}
	}
	return end
}

// delimiterLineEnd skips transport padding and the line break after a
// delimiter and returns where the part's content starts.
func delimiterLineEnd(body []byte, i int) (int, bool) {
	for i < len(body) && (body[i] == ' ' || body[i] == '\t') {
		i++
	}
	switch {
	case bytes.HasPrefix(body[i:], []byte("\r\n")):
		return i + 2, true
	case bytes.HasPrefix(body[i:], []byte("\n")):
		return i + 1, true
	}
	return 0, false
}

// newBoundary returns a boundary that cannot occur in base64 or in the
// header lines this package writes.
func newBoundary(kind string) string {
	return "----=_" + kind + "_" + randomHex(12)
}

// wrapBase64 writes b as base64 in lines of 76 characters, each ended by
// CRLF, as MIME wants.
func wrapBase64(buf *bytes.Buffer, b []byte) {
	enc := base64.StdEncoding.EncodeToString(b)
	for len(enc) > 76 {
		buf.WriteString(enc[:76])
		buf.WriteString("\r\n")
		enc = enc[76:]
	}
	buf.WriteString(enc)
	buf.WriteString("\r\n")
}

package as2

import (
	"bufio"
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// The error dispositions of RFC 4130 section 7.4.3 and RFC 5402, as
// "processed/error:" modifiers.
const (
	DecryptionFailed            = "decryption-failed"
	AuthenticationFailed        = "authentication-failed"
	IntegrityCheckFailed        = "integrity-check-failed"
	InsufficientMessageSecurity = "insufficient-message-security"
	DecompressionFailed         = "decompression-failed"
	UnexpectedProcessingError   = "unexpected-processing-error"
)

// An MDN is a message disposition notification (RFC 3798, RFC 4130
// section 7) as the sender reads it.
type MDN struct {
	MessageID         string // the MDN's own Message-ID
	OriginalMessageID string // the Message-ID of the message it answers
	Disposition       string // the whole Disposition field
	MIC               MIC    // Received-Content-MIC; zero when absent
	Signed            bool   // signed, and the partner's signature checked
	Text              string // the human-readable explanation
	ReportingUA       string
	FinalRecipient    string
}

// Processed reports whether the MDN says the message was processed
// without error: a "processed" disposition with no modifier, or with a
// warning.
func (m *MDN) Processed() bool {
	kind, modifier := m.dispositionParts()
	if kind != "processed" {
		return false
	}
	return modifier == "" || strings.HasPrefix(strings.ToLower(modifier), "warning")
}

// Problem returns what the MDN reports beyond "processed", for example
// "error: decryption-failed"; "" when it reports nothing.
func (m *MDN) Problem() string {
	kind, modifier := m.dispositionParts()
	if kind != "processed" && modifier == "" {
		return kind
	}
	return modifier
}

// dispositionParts splits "action-mode/sending-mode; type/modifier" into
// the type, lower case, and the modifier as written.
func (m *MDN) dispositionParts() (kind, modifier string) {
	_, rest, _ := strings.Cut(m.Disposition, ";")
	kind, modifier, _ = strings.Cut(strings.TrimSpace(rest), "/")
	return strings.ToLower(strings.TrimSpace(kind)), strings.TrimSpace(modifier)
}

// An mdnReport is what the receiver says in an MDN.
type mdnReport struct {
	reportingUA       string
	recipient         string // our AS2 id
	originalMessageID string
	mic               MIC    // zero: no Received-Content-MIC
	failure           string // "" for processed, else one of the error dispositions
	text              string
}

// body writes the multipart/report entity body and returns its
// Content-Type. The layout is the one openssl-based, libas2 and Java AS2
// peers all read: a non-empty text/plain part, then the 7bit
// message/disposition-notification part; lower-case media types; no
// transport padding on delimiter lines.
func (r mdnReport) body() (string, []byte) {
	boundary := newBoundary("Report")
	disposition := "automatic-action/MDN-sent-automatically; processed"
	if r.failure != "" {
		disposition += "/error: " + r.failure
	}
	var b bytes.Buffer
	line := func(s ...string) {
		for _, p := range s {
			b.WriteString(p)
		}
		b.WriteString("\r\n")
	}
	line("--", boundary)
	line("Content-Type: text/plain; charset=us-ascii")
	line("Content-Transfer-Encoding: 7bit")
	line()
	line(asciiText(r.text))
	line("--", boundary)
	line("Content-Type: message/disposition-notification")
	line("Content-Transfer-Encoding: 7bit")
	line()
	line("Reporting-UA: ", r.reportingUA)
	line("Original-Recipient: rfc822; ", quoteAS2ID(r.recipient))
	line("Final-Recipient: rfc822; ", quoteAS2ID(r.recipient))
	line("Original-Message-ID: ", r.originalMessageID)
	if r.mic.Digest != "" {
		line("Received-Content-MIC: ", r.mic.String())
	}
	line("Disposition: ", disposition)
	line()
	line("--", boundary, "--")
	return `multipart/report; report-type=disposition-notification; boundary="` + boundary + `"`, b.Bytes()
}

// asciiText makes an explanation safe for a 7bit us-ascii part: other
// bytes become '?', line breaks CRLF, and no line is a delimiter.
func asciiText(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		if strings.HasPrefix(line, "--") {
			b.WriteByte(' ')
		}
		for _, c := range []byte(line) {
			if c < 0x20 && c != '\t' || c > 0x7e {
				c = '?'
			}
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// mdnSigner signs MDNs with our key.
type mdnSigner struct {
	p      *Partner
	digest crypto.Hash
}

// buildMDN writes the MDN for a report, signed when s is not nil, with the
// HTTP header it travels with (sync in the response, async in a POST).
func buildMDN(p *Partner, r mdnReport, s *mdnSigner, now time.Time) (StoredMDN, error) {
	contentType, report := r.body()
	body := report
	if s != nil {
		var err error
		contentType, body, err = signEntity(contentType, report, s.p, s.digest)
		if err != nil {
			return StoredMDN{}, fmt.Errorf("as2: signing the MDN: %w", err)
		}
	}
	h := http.Header{}
	// Direct assignment keeps the spelling AS2 software prints and some of
	// it compares; Header.Set would write As2-From and Message-Id.
	h["AS2-Version"] = []string{"1.2"}
	h["AS2-From"] = []string{quoteAS2ID(p.OurAS2ID)}
	h["AS2-To"] = []string{quoteAS2ID(p.AS2ID)}
	h["Message-ID"] = []string{newMessageID("mdn", p.OurAS2ID, now)}
	h["Date"] = []string{now.UTC().Format(time.RFC1123Z)}
	h["MIME-Version"] = []string{"1.0"}
	h["Content-Type"] = []string{contentType}
	return StoredMDN{Header: h, Body: body}, nil
}

// signEntity wraps the entity (Content-Type header, then body) in a
// multipart/signed with a detached signature, and returns its
// Content-Type and body. The signed bytes are the first part exactly.
func signEntity(contentType string, body []byte, p *Partner, digest crypto.Hash) (string, []byte, error) {
	var part bytes.Buffer
	part.Grow(len(body) + len(contentType) + 20)
	part.WriteString("Content-Type: ")
	part.WriteString(contentType)
	part.WriteString("\r\n\r\n")
	part.Write(body)
	return signPart(part.Bytes(), p, digest)
}

// signPart wraps a whole MIME entity as the first part of a
// multipart/signed.
func signPart(part []byte, p *Partner, digest crypto.Hash) (string, []byte, error) {
	sig, err := cms.Sign(part, p.OurCertificate, p.OurKey, digest)
	if err != nil {
		return "", nil, err
	}
	boundary := newBoundary("Signed")
	var b bytes.Buffer
	b.Grow(len(part) + len(sig)*4/3 + 400)
	b.WriteString("--" + boundary + "\r\n")
	b.Write(part)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.WriteString("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"; smime-type=signed-data\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n")
	wrapBase64(&b, sig)
	b.WriteString("--" + boundary + "--\r\n")
	contentType := `multipart/signed; protocol="application/pkcs7-signature"; micalg=` + DigestName(digest) + `; boundary="` + boundary + `"`
	return contentType, b.Bytes(), nil
}

// readMDN reads an MDN from its HTTP header and body, and checks its
// signature against the partner's certificate when it is signed.
func readMDN(h http.Header, body []byte, p *Partner) (*MDN, error) {
	mt, params, err := parseMediaType(h.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("MDN: %w", err)
	}
	m := &MDN{MessageID: h.Get("Message-ID")}
	report := entity{header: textproto.MIMEHeader{"Content-Type": {h.Get("Content-Type")}}, body: body}
	if cte := h.Get("Content-Transfer-Encoding"); cte != "" {
		if report.body, err = decodeTransfer(cte, body); err != nil {
			return nil, fmt.Errorf("MDN: %w", err)
		}
	}
	if mt == "multipart/signed" {
		if report, err = verifySigned(report.body, params["boundary"], p); err != nil {
			return nil, fmt.Errorf("MDN: %w", err)
		}
		m.Signed = true
	}
	if err := m.readReport(report); err != nil {
		return nil, fmt.Errorf("MDN: %w", err)
	}
	return m, nil
}

// verifySigned checks a multipart/signed body against the partner's
// certificate and returns its first part.
func verifySigned(body []byte, boundary string, p *Partner) (entity, error) {
	parts, err := splitMultipart(body, boundary)
	if err != nil {
		return entity{}, err
	}
	if len(parts) != 2 {
		return entity{}, fmt.Errorf("multipart/signed has %d parts, not 2", len(parts))
	}
	sigPart, err := parseEntity(parts[1])
	if err != nil {
		return entity{}, fmt.Errorf("signature part: %w", err)
	}
	sig, err := sigPart.decodedBody()
	if err != nil {
		return entity{}, fmt.Errorf("signature part: %w", err)
	}
	if _, err := cms.Verify(parts[0], sig, p.Certificate); err != nil {
		return entity{}, fmt.Errorf("signature: %w", err)
	}
	return parseEntity(parts[0])
}

// readReport reads the multipart/report entity.
func (m *MDN) readReport(e entity) error {
	mt, params, err := e.mediaType()
	if err != nil {
		return err
	}
	if mt != "multipart/report" {
		return fmt.Errorf("content type %s is not multipart/report", mt)
	}
	parts, err := splitMultipart(e.body, params["boundary"])
	if err != nil {
		return err
	}
	found := false
	for _, raw := range parts {
		part, err := parseEntity(raw)
		if err != nil {
			return err
		}
		pt, _, err := part.mediaType()
		if err != nil {
			return err
		}
		content, err := part.decodedBody()
		if err != nil {
			return err
		}
		switch {
		case pt == "message/disposition-notification" && !found:
			if err := m.readFields(content); err != nil {
				return err
			}
			found = true
		case pt == "text/plain" && m.Text == "":
			m.Text = strings.TrimSpace(string(content))
		}
	}
	if !found {
		return errors.New("no message/disposition-notification part")
	}
	return nil
}

// readFields reads the disposition-notification fields, a header block.
func (m *MDN) readFields(content []byte) error {
	r := textproto.NewReader(bufio.NewReader(io.MultiReader(bytes.NewReader(content), strings.NewReader("\r\n\r\n"))))
	f, err := r.ReadMIMEHeader()
	if err != nil {
		return fmt.Errorf("disposition notification fields: %w", err)
	}
	m.OriginalMessageID = strings.TrimSpace(f.Get("Original-Message-Id"))
	m.Disposition = strings.TrimSpace(f.Get("Disposition"))
	m.ReportingUA = strings.TrimSpace(f.Get("Reporting-Ua"))
	m.FinalRecipient = strings.TrimSpace(f.Get("Final-Recipient"))
	if m.Disposition == "" {
		return errors.New("disposition notification without a Disposition field")
	}
	if v := strings.TrimSpace(f.Get("Received-Content-Mic")); v != "" {
		mic, err := parseMIC(v)
		if err != nil {
			return err
		}
		m.MIC = mic
	}
	return nil
}

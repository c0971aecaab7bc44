package as2

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// A Partner is the AS2 profile of one trading relationship: who the
// partner is, which keys each side uses, what the partner's messages must
// carry, and how we send to it.
type Partner struct {
	// Name is the partner's id in the configuration; received files carry
	// it as transport.File.Partner.
	Name string
	// AS2ID is the partner's AS2 name (the AS2-From of what it sends),
	// OurAS2ID ours in this relationship (its AS2-To). 1 to 128 printable
	// ASCII characters; ids with spaces are fine, they travel quoted.
	AS2ID, OurAS2ID string

	// Certificate is the partner's: it verifies the partner's signatures
	// (messages and MDNs) and is what we encrypt to.
	Certificate *x509.Certificate
	// OurCertificate and OurKey are ours: the partner encrypts to the
	// certificate, and we sign messages and MDNs with the key. RSA only,
	// as AS2 partners use.
	OurCertificate *x509.Certificate
	OurKey         *rsa.PrivateKey

	// RequireSigned and RequireEncrypted refuse partner messages that are
	// not signed or not encrypted, with the MDN disposition
	// insufficient-message-security.
	RequireSigned, RequireEncrypted bool

	// Send says how we send to the partner.
	Send SendOptions
}

// Compression says whether and where a sent message is compressed (RFC
// 5402).
type Compression string

// The places compression can take.
const (
	NoCompression         Compression = ""
	CompressBeforeSigning Compression = "before-signing"
	CompressAfterSigning  Compression = "after-signing"
)

// MDNMode is how the partner is asked to return its MDN.
type MDNMode string

// The MDN modes.
const (
	MDNSync  MDNMode = "sync"  // in the HTTP response
	MDNAsync MDNMode = "async" // POSTed later to SendOptions.AsyncMDNURL
	MDNNone  MDNMode = "none"  // none: the HTTP status is all we learn
)

// SendOptions say how a message to the partner is built and what receipt
// it asks for. The zero value of a field means its default.
type SendOptions struct {
	// URL is the partner's AS2 endpoint.
	URL string
	// Sign is the signing digest (crypto.SHA256, ...); 0 sends unsigned.
	Sign crypto.Hash
	// Encrypt is the content cipher; "" sends unencrypted.
	Encrypt cms.Cipher
	// KeyTransport wraps the content key; "" means RSA PKCS#1 v1.5, which
	// every partner reads.
	KeyTransport cms.KeyTransport
	// Compress compresses the payload before or after signing.
	Compress Compression
	// MDN is the receipt mode; "" means MDNSync.
	MDN MDNMode
	// SignedMDN asks for a signed receipt; an unsigned receipt is then a
	// failed delivery.
	SignedMDN bool
	// MICAlg is the signed-receipt-micalg asked for; 0 means the signing
	// digest, or SHA-256 for unsigned messages.
	MICAlg crypto.Hash
	// AsyncMDNURL is where the partner POSTs an asynchronous MDN: our AS2
	// endpoint as the partner reaches it.
	AsyncMDNURL string
	// ContentType is the payload's; "" means application/EDIFACT.
	ContentType string
	// Timeout bounds one send, request and synchronous MDN together; zero
	// means DefaultSendTimeout.
	Timeout time.Duration
}

// DefaultSendTimeout bounds one send when SendOptions.Timeout is zero.
const DefaultSendTimeout = 2 * time.Minute

// Check reports the first thing wrong with the profile: missing ids or
// keys, a key that does not match our certificate, an unknown algorithm.
// It checks the send options only when a URL is set.
func (p *Partner) Check() error {
	if p.Name == "" {
		return errors.New("as2: partner without a name")
	}
	for _, id := range []struct{ what, v string }{{"AS2 id", p.AS2ID}, {"our AS2 id", p.OurAS2ID}} {
		if err := checkAS2ID(id.v); err != nil {
			return fmt.Errorf("as2: partner %s: %s: %w", p.Name, id.what, err)
		}
	}
	if err := p.checkKeys(); err != nil {
		return fmt.Errorf("as2: partner %s: %w", p.Name, err)
	}
	if p.Send.URL == "" {
		return nil
	}
	if err := p.Send.check(); err != nil {
		return fmt.Errorf("as2: partner %s: send: %w", p.Name, err)
	}
	return nil
}

func (p *Partner) checkKeys() error {
	if p.Certificate == nil {
		return errors.New("the partner's certificate is missing")
	}
	if _, ok := p.Certificate.PublicKey.(*rsa.PublicKey); !ok {
		return errors.New("the partner's certificate has no RSA key")
	}
	if p.OurCertificate == nil || p.OurKey == nil {
		return errors.New("our certificate or key is missing")
	}
	pub, ok := p.OurCertificate.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&p.OurKey.PublicKey) {
		return errors.New("our key does not belong to our certificate")
	}
	return nil
}

func (o *SendOptions) check() error {
	if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q is not an http or https URL", o.URL)
	}
	for _, h := range []crypto.Hash{o.Sign, o.MICAlg} {
		if h != 0 && !supportedDigest(h) {
			return fmt.Errorf("digest %v is not supported", h)
		}
	}
	if o.Encrypt != "" {
		if _, err := cms.ParseCipher(string(o.Encrypt)); err != nil {
			return err
		}
	}
	if o.KeyTransport != "" {
		if _, err := cms.ParseKeyTransport(string(o.KeyTransport)); err != nil {
			return err
		}
	}
	switch o.Compress {
	case NoCompression, CompressBeforeSigning, CompressAfterSigning:
	default:
		return fmt.Errorf("compression %q is none of %q, %q", o.Compress, CompressBeforeSigning, CompressAfterSigning)
	}
	switch o.mdnMode() {
	case MDNSync, MDNNone:
	case MDNAsync:
		if u, err := url.Parse(o.AsyncMDNURL); err != nil || u.Host == "" {
			return fmt.Errorf("asynchronous MDNs need an http(s) AsyncMDNURL, not %q", o.AsyncMDNURL)
		}
	default:
		return fmt.Errorf("MDN mode %q is none of sync, async, none", o.MDN)
	}
	return nil
}

// supportedDigest says whether we sign with h and may ask partners for
// MICs by it: the four digests AS2 software knows.
func supportedDigest(h crypto.Hash) bool {
	switch h {
	case crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512:
		return true
	}
	return false
}

func (o *SendOptions) mdnMode() MDNMode {
	if o.MDN == "" {
		return MDNSync
	}
	return o.MDN
}

// micAlg is the MIC algorithm we ask the partner for.
func (o *SendOptions) micAlg() crypto.Hash {
	switch {
	case o.MICAlg != 0:
		return o.MICAlg
	case o.Sign != 0:
		return o.Sign
	}
	return crypto.SHA256
}

// checkAS2ID applies RFC 4130 section 6.2: 1 to 128 printable ASCII
// characters.
func checkAS2ID(id string) error {
	if id == "" {
		return errors.New("empty")
	}
	if len(id) > 128 {
		return fmt.Errorf("%q is longer than 128 characters", id)
	}
	for _, c := range []byte(id) {
		if c < 0x20 || c > 0x7e {
			return fmt.Errorf("%q holds a character that is not printable ASCII", id)
		}
	}
	return nil
}

// quoteAS2ID writes an AS2 id for a header: as it is when it is a plain
// token, otherwise in double quotes with " and \ escaped (RFC 4130
// section 6.2).
func quoteAS2ID(id string) string {
	if !strings.ContainsAny(id, " \t\"\\()<>@,;:/[]?=") {
		return id
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(id) {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}

// unquoteAS2ID reads an AS2-From or AS2-To value, quoted or not.
func unquoteAS2ID(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' && i+1 < len(v)-1 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

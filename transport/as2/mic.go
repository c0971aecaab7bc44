package as2

import (
	"crypto"
	_ "crypto/sha1" // MIC and signature digests
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/base64"
	"fmt"
	"strings"
)

// ParseDigest reads a digest algorithm name as partners write it in
// micalg parameters, Disposition-Notification-Options and
// Received-Content-MIC: "sha1" and "sha-1", "sha256" and "sha-256", and so
// on, in any case. MD5 is not accepted: RFC 4130's default is obsolete and
// no partner this bridge talks to needs it.
func ParseDigest(name string) (crypto.Hash, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sha1", "sha-1":
		return crypto.SHA1, nil
	case "sha224", "sha-224":
		return crypto.SHA224, nil
	case "sha256", "sha-256":
		return crypto.SHA256, nil
	case "sha384", "sha-384":
		return crypto.SHA384, nil
	case "sha512", "sha-512":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("as2: unsupported digest algorithm %q", strings.TrimSpace(name))
}

// DigestName is the name this package writes for h: "sha1" (as RFC 3851
// and most partners spell it), "sha-256", "sha-384", "sha-512" (RFC 5751).
func DigestName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "sha1"
	case crypto.SHA224:
		return "sha-224"
	case crypto.SHA256:
		return "sha-256"
	case crypto.SHA384:
		return "sha-384"
	case crypto.SHA512:
		return "sha-512"
	}
	return h.String()
}

// A MIC is a message integrity check (RFC 4130 section 7.3.1): the base64
// digest of what was received, and the digest algorithm.
type MIC struct {
	Digest    string      // base64
	Algorithm crypto.Hash // crypto.SHA256, ...
}

// computeMIC digests b.
func computeMIC(h crypto.Hash, b []byte) MIC {
	d := h.New()
	d.Write(b)
	return MIC{Digest: base64.StdEncoding.EncodeToString(d.Sum(nil)), Algorithm: h}
}

// String is the Received-Content-MIC form: "digest, algorithm".
func (m MIC) String() string {
	if m.Digest == "" {
		return ""
	}
	return m.Digest + ", " + DigestName(m.Algorithm)
}

// Equal reports whether two MICs are the same digest by the same algorithm.
func (m MIC) Equal(o MIC) bool {
	return m.Algorithm == o.Algorithm && m.Digest == o.Digest
}

// parseMIC reads a Received-Content-MIC value, "digest, algorithm", with
// or without spaces around the comma.
func parseMIC(v string) (MIC, error) {
	digest, alg, ok := strings.Cut(v, ",")
	if !ok {
		return MIC{}, fmt.Errorf("Received-Content-MIC %q has no algorithm", v)
	}
	h, err := ParseDigest(alg)
	if err != nil {
		return MIC{}, fmt.Errorf("Received-Content-MIC %q: %w", v, err)
	}
	return MIC{Digest: strings.TrimSpace(digest), Algorithm: h}, nil
}

// mdnRequest is what a message asks of its MDN (RFC 4130 section 7.3).
type mdnRequest struct {
	wanted bool          // Disposition-Notification-To is present
	signed bool          // signed-receipt-protocol names pkcs7-signature
	micAlg crypto.Hash   // the first supported signed-receipt-micalg; 0 if none
	url    string        // Receipt-Delivery-Option: an asynchronous MDN
	algs   []crypto.Hash // every supported signed-receipt-micalg, in order
}

// parseMDNRequest reads Disposition-Notification-To,
// Disposition-Notification-Options and Receipt-Delivery-Option.
// Disposition-Notification-To is opaque: partners put a mail address, an
// AS2 id or a URL there, so only its presence counts.
func parseMDNRequest(to, options, url string) mdnRequest {
	req := mdnRequest{wanted: strings.TrimSpace(to) != "", url: strings.TrimSpace(url)}
	for _, param := range strings.Split(options, ";") {
		name, value, ok := strings.Cut(param, "=")
		if !ok {
			continue
		}
		// value is "importance, v1, v2, ..."; the importance is
		// "required" or "optional", and this receiver honours both.
		// Some senders leave the importance out.
		values := strings.Split(value, ",")
		switch strings.ToLower(strings.TrimSpace(values[0])) {
		case "required", "optional":
			values = values[1:]
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "signed-receipt-protocol":
			for _, v := range values {
				if strings.EqualFold(strings.TrimSpace(v), "pkcs7-signature") {
					req.signed = true
				}
			}
		case "signed-receipt-micalg":
			for _, v := range values {
				if h, err := ParseDigest(v); err == nil {
					req.algs = append(req.algs, h)
				}
			}
		}
	}
	if len(req.algs) > 0 {
		req.micAlg = req.algs[0]
	}
	return req
}

// formatMDNOptions is the Disposition-Notification-Options value asking
// for a receipt signed with pkcs7-signature and a MIC by alg.
func formatMDNOptions(alg crypto.Hash) string {
	return "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, " + DigestName(alg)
}

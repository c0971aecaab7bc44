package as2

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// maxMessageIDLength is the longest Message-ID accepted. RFC 4130 asks
// receivers to take at least 255 characters; RFC 5322 lines end at 998.
const maxMessageIDLength = 998

// newMessageID returns a unique Message-ID, angle brackets included:
// the kind, the time, 64 random bits and our AS2 id made safe for the
// domain part.
func newMessageID(kind, ourID string, now time.Time) string {
	return "<edibridge-" + kind + "-" + now.UTC().Format("20060102T150405") + "-" + randomHex(8) + "@" + idDomain(ourID) + ">"
}

// idDomain keeps letters, digits, dots and hyphens of an AS2 id.
func idDomain(id string) string {
	d := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, id)
	if d == "" {
		return "edibridge"
	}
	return d
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}

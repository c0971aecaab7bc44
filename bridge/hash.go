package bridge

import (
	"crypto/sha256"
	"encoding/hex"
)

// shortHash tells payloads apart in keys: the first 16 hex digits of
// their SHA-256.
func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

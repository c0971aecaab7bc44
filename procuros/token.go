package procuros

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// TokenEnv is the environment variable TokenFromEnv reads.
const TokenEnv = "PROCUROS_API_TOKEN"

// redacted is what a Token prints as, whatever the verb or encoder.
const redacted = "[redacted]"

// Token is the API token of an ERP connection. It never prints: fmt, slog
// and text or JSON encoders all show "[redacted]", so a Token that ends up
// in a log line or an error message by mistake does not leak. Only the
// client reads its value, to build the Authorization header.
type Token string

// ErrNoToken is returned when no token is configured.
var ErrNoToken = errors.New("procuros: no API token")

// String returns "[redacted]".
func (Token) String() string { return redacted }

// GoString returns "[redacted]".
func (Token) GoString() string { return redacted }

// Format writes "[redacted]" for every verb.
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]".
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so encoders do not write the token.
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// TokenFromEnv reads the token from PROCUROS_API_TOKEN.
func TokenFromEnv() (Token, error) {
	t := strings.TrimSpace(os.Getenv(TokenEnv))
	if t == "" {
		return "", fmt.Errorf("%w: %s is not set", ErrNoToken, TokenEnv)
	}
	return Token(t), nil
}

// TokenFromFile reads the token from the file at path, such as a mounted
// secret; surrounding white space (a trailing newline) is removed.
func TokenFromFile(path string) (Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("procuros: read token file: %w", err)
	}
	t := strings.TrimSpace(string(data))
	if t == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrNoToken, path)
	}
	return Token(t), nil
}

// check refuses a token that cannot be sent: an empty one, or one with a
// space, control character or DEL in it. No real token has those; one that
// does was pasted with a line break or quoted wrongly, and net/http would
// fail every request with it, which a retrying caller would repeat forever.
// The message never shows the token.
func (t Token) check() error {
	if t == "" {
		return ErrNoToken
	}
	for i := range len(t) {
		if b := t[i]; b <= 0x20 || b == 0x7f {
			return fmt.Errorf("procuros: the API token has a space or control character at byte %d", i+1)
		}
	}
	return nil
}

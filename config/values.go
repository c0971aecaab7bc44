package config

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is the type of every duration in a Config: a time.Duration,
// written in the file as Go writes durations ("30s", "5m", "72h") or in
// days ("90d", "1d12h").
type Duration = time.Duration

// day is the length of the "d" unit.
const day = 24 * time.Hour

// parseDuration reads a Go duration with, in front, an optional number of
// days: "90d", "1.5d", "1d12h", "30s".
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration (like 30s, 5m, 72h or 90d)", s)
	text := strings.TrimSpace(s)
	days, rest, hasDays := strings.Cut(text, "d")
	if !hasDays {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, bad
		}
		return d, nil
	}
	n, err := strconv.ParseFloat(days, 64)
	if err != nil || days == "" || strings.ContainsAny(days, "eEpPxX_") || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, bad
	}
	if math.Abs(n) > float64(math.MaxInt64/int64(day))-1 {
		return 0, fmt.Errorf("%q is too long a duration", s)
	}
	total := time.Duration(n * float64(day))
	if rest == "" {
		return total, nil
	}
	if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		return 0, bad
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, bad
	}
	if n < 0 {
		d = -d
	}
	if (d > 0 && total > math.MaxInt64-d) || (d < 0 && total < math.MinInt64-d) {
		return 0, fmt.Errorf("%q is too long a duration", s)
	}
	return total + d, nil
}

// Size is a number of bytes, written in the file as a plain number or with
// a binary unit: B, KiB, MiB, GiB or TiB ("64MiB", "512 KiB").
type Size int64

var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// String writes the size with the largest unit that divides it.
func (s Size) String() string {
	for _, u := range sizeUnits {
		if s != 0 && int64(s)%u.bytes == 0 {
			return strconv.FormatInt(int64(s)/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// parseSize reads a Size.
func parseSize(s string) (Size, error) {
	bad := fmt.Errorf("%q is not a size (a number of bytes, or with KiB, MiB, GiB or TiB, like 64MiB)", s)
	text := strings.TrimSpace(s)
	unit := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			text, unit = strings.TrimSpace(rest), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || text == "" || text[0] == '+' {
		return 0, bad
	}
	if n > math.MaxInt64/unit {
		return 0, fmt.Errorf("%q is too large a size", s)
	}
	return Size(n * unit), nil
}

// redacted is what a Secret prints as.
const redacted = "[redacted]"

// A Secret is a value that must not be shown: a password, a password
// hash. Like procuros.Token it prints as "[redacted]" through fmt, slog and
// text or JSON encoders; string(s) is the value.
type Secret string

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]".
func (Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]".
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so that encoders do not write it.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// validGLN reports whether s is a GLN: thirteen digits, the last the GS1
// mod-10 check digit of the others.
func validGLN(s string) bool {
	if len(s) != 13 {
		return false
	}
	sum := 0
	for i := range 12 {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		weight := 1
		if i%2 == 1 {
			weight = 3
		}
		sum += int(c-'0') * weight
	}
	return s[12] == byte('0'+(10-sum%10)%10)
}

// hasControl reports whether s has a space, a control character or DEL:
// never part of a token or password, and a sign of a bad paste.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

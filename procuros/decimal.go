package procuros

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is a number kept as the decimal text it was written as, such as
// "19.0" or "26.775". Money, quantities, percentages and weights use it so
// that no binary floating point ever changes a value on its way between an
// EDIFACT file and the API: what was read is what is written, digit for
// digit, and it goes out as a JSON number.
//
// The empty Decimal is "absent" and fields carrying one use `omitempty`.
// Arithmetic is not its job; use Rat for exact computation.
type Decimal string

// ParseDecimal checks that s is a number in JSON syntax (optional minus,
// digits, optional fraction and exponent) and returns it unchanged. Input
// with a decimal comma or a leading plus must be converted by the caller,
// who knows the sender's conventions.
func ParseDecimal(s string) (Decimal, error) {
	if !isJSONNumber(s) {
		return "", fmt.Errorf("procuros: %q is not a decimal number", s)
	}
	return Decimal(s), nil
}

// MustDecimal is ParseDecimal for constants; it panics on invalid input.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromInt returns n as a Decimal.
func DecimalFromInt(n int64) Decimal { return Decimal(strconv.FormatInt(n, 10)) }

// IsZero reports whether d is absent. A present zero is "0".
func (d Decimal) IsZero() bool { return d == "" }

// String returns the text of d.
func (d Decimal) String() string { return string(d) }

// Rat returns the exact value of d; ok is false when d is absent or invalid.
func (d Decimal) Rat() (r *big.Rat, ok bool) {
	if !isJSONNumber(string(d)) {
		return nil, false
	}
	return new(big.Rat).SetString(string(d))
}

// Float64 returns the nearest float64, for display and tolerance checks
// only: never write it back.
func (d Decimal) Float64() (float64, error) {
	if !isJSONNumber(string(d)) {
		return 0, fmt.Errorf("procuros: %q is not a decimal number", string(d))
	}
	return strconv.ParseFloat(string(d), 64)
}

// MarshalJSON writes d as a JSON number; the absent Decimal is null.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	if !isJSONNumber(string(d)) {
		return nil, fmt.Errorf("procuros: %q is not a decimal number", string(d))
	}
	return []byte(d), nil
}

// UnmarshalJSON keeps the text of a JSON number. A string holding a number
// is accepted too, since some serialisers write decimals that way; null
// leaves d absent.
func (d *Decimal) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*d = ""
		return nil
	}
	text := string(data)
	if strings.HasPrefix(text, `"`) {
		if err := json.Unmarshal(data, &text); err != nil {
			return fmt.Errorf("procuros: decimal: %w", err)
		}
		text = strings.TrimSpace(text)
	}
	parsed, err := ParseDecimal(text)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// isJSONNumber reports whether s is a number in the grammar of RFC 8259.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

package procuros_test

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
)

func TestParseDecimal(t *testing.T) {
	for _, s := range []string{"0", "-0", "20.0", "26.775", "0.15", "1e3", "-1.5E-2", "12345678901234567890.123456789012345678901"} {
		d, err := procuros.ParseDecimal(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, d.String())
	}
	for _, s := range []string{"", "1,5", "+1", "01", "1.", ".5", "1e", "NaN", "Infinity", " 1", "0x10"} {
		_, err := procuros.ParseDecimal(s)
		assert.Error(t, err, "%q", s)
	}
}

// TestDecimalKeepsDigits: what is read is written, digit for digit, where a
// float64 would not keep "20.0" or the last digits of a long fraction.
func TestDecimalKeepsDigits(t *testing.T) {
	in := `{"q":20.0,"p":0.1000000000000000055511151231257827,"big":12345678901234567890.12,"tax":26.775}`
	var v struct {
		Q   procuros.Decimal `json:"q"`
		P   procuros.Decimal `json:"p"`
		Big procuros.Decimal `json:"big"`
		Tax procuros.Decimal `json:"tax"`
	}
	require.NoError(t, json.Unmarshal([]byte(in), &v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, in, string(out))
}

func TestDecimalJSON(t *testing.T) {
	var v struct {
		A procuros.Decimal `json:"a"`
		B procuros.Decimal `json:"b"`
		C procuros.Decimal `json:"c,omitempty"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"4.75","b":null}`), &v), "a quoted number is accepted")
	assert.Equal(t, procuros.Decimal("4.75"), v.A)
	assert.True(t, v.B.IsZero())
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, `{"a":4.75,"b":null}`, string(out), "a number on output; absent values are null or omitted")

	assert.Error(t, json.Unmarshal([]byte(`{"a":"4,75"}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"a":true}`), &v))
	_, err = json.Marshal(struct{ A procuros.Decimal }{"12abc"})
	assert.Error(t, err, "an invalid Decimal is never sent")
}

func TestDecimalValue(t *testing.T) {
	d := procuros.MustDecimal("26.775")
	r, ok := d.Rat()
	require.True(t, ok)
	assert.Equal(t, 0, r.Cmp(big.NewRat(26775, 1000)))
	f, err := d.Float64()
	require.NoError(t, err)
	assert.InDelta(t, 26.775, f, 1e-9)
	assert.Equal(t, procuros.Decimal("-42"), procuros.DecimalFromInt(-42))

	_, ok = procuros.Decimal("").Rat()
	assert.False(t, ok)
	assert.Panics(t, func() { procuros.MustDecimal("x") })
}

package mapping

import (
	"testing"
	"time"

	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDate(t *testing.T) {
	berlin := procuros.Berlin()
	for _, tt := range []struct {
		value, format string
		start, end    time.Time
		dateOnly      bool
	}{
		{"20260315", "102", time.Date(2026, 3, 15, 0, 0, 0, 0, berlin), time.Time{}, true},
		{"20260315", "", time.Date(2026, 3, 15, 0, 0, 0, 0, berlin), time.Time{}, true},
		{"260315", "101", time.Date(2026, 3, 15, 0, 0, 0, 0, berlin), time.Time{}, true},
		{"202607011430", "203", time.Date(2026, 7, 1, 14, 30, 0, 0, berlin), time.Time{}, false},
		{"20260701143005", "204", time.Date(2026, 7, 1, 14, 30, 5, 0, berlin), time.Time{}, false},
		{"202614", "616", time.Date(2026, 3, 30, 0, 0, 0, 0, berlin), time.Date(2026, 4, 5, 0, 0, 0, 0, berlin), true}, // ISO week 14
		{"202601", "616", time.Date(2025, 12, 29, 0, 0, 0, 0, berlin), time.Date(2026, 1, 4, 0, 0, 0, 0, berlin), true},
		{"202653", "616", time.Date(2026, 12, 28, 0, 0, 0, 0, berlin), time.Date(2027, 1, 3, 0, 0, 0, 0, berlin), true},
		{"20260301-20260307", "718", time.Date(2026, 3, 1, 0, 0, 0, 0, berlin), time.Date(2026, 3, 7, 0, 0, 0, 0, berlin), true},
		{"202603010800-202603011600", "719", time.Date(2026, 3, 1, 8, 0, 0, 0, berlin), time.Date(2026, 3, 1, 16, 0, 0, 0, berlin), false},
	} {
		start, end, err := parseDate(tt.value, tt.format)
		require.NoError(t, err, tt.value)
		assert.True(t, start.Time.Equal(tt.start), "%s %s: %v", tt.value, tt.format, start.Time)
		assert.True(t, end.Time.Equal(tt.end), "%s %s: end %v", tt.value, tt.format, end.Time)
		assert.Equal(t, tt.dateOnly, start.DateOnly, tt.value)
	}
	for _, tt := range []struct{ value, format, err string }{
		{"20261301", "102", `"20261301" is not a date in format 102 (CCYYMMDD)`},
		{"2026031", "102", "is not a date"},
		{"202654", "616", "is not a week CCYYWW"},
		{"202553", "616", "2025 has no ISO week 53"},
		{"20260301", "718", "is not a range CCYYMMDD-CCYYMMDD"},
		{"20260301", "999", "date format 999 is not supported"},
	} {
		_, _, err := parseDate(tt.value, tt.format)
		assert.ErrorContains(t, err, tt.err, tt.value)
	}
}

func TestFormatDateRoundTrips(t *testing.T) {
	berlin := procuros.Berlin()
	for _, d := range []procuros.DateTime{
		{Time: time.Date(2026, 3, 15, 0, 0, 0, 0, berlin), DateOnly: true},
		{Time: time.Date(2026, 3, 15, 0, 0, 0, 0, berlin)},
		{Time: time.Date(2026, 10, 25, 2, 30, 0, 0, time.UTC)}, // the autumn hour, given in UTC
		{Time: time.Date(2026, 7, 1, 14, 30, 5, 0, berlin)},
	} {
		v, format := formatDate(d)
		back, _, err := parseDate(v, format)
		require.NoError(t, err)
		assert.True(t, back.Time.Equal(d.Time), "%v -> %s %s -> %v", d.Time, v, format, back.Time)
	}
}

func TestDecimals(t *testing.T) {
	for _, tt := range []struct {
		in   string
		mark byte
		want procuros.Decimal
	}{
		{"1.29", '.', "1.29"}, {"1,29", ',', "1.29"}, {"1,29", '.', "1.29"}, {".5", '.', "0.5"},
		{"-.5", '.', "-0.5"}, {"12.", '.', "12"}, {"-3", '.', "-3"}, {"0.000", '.', "0.000"},
	} {
		got, err := parseDecimal(tt.in, tt.mark)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	for _, bad := range []string{"", "1,2,3", "1e5", "+1", "abc", "1.2.3"} {
		_, err := parseDecimal(bad, '.')
		assert.Error(t, err, bad)
	}
	s, err := formatDecimal("1234.5", ',')
	require.NoError(t, err)
	assert.Equal(t, "1234,5", s)
	s, err = formatDecimal("1.5e3", '.')
	require.NoError(t, err)
	assert.Equal(t, "1500", s)
}

func TestWrapJoinsBack(t *testing.T) {
	for _, text := range []string{
		"",
		"short",
		"Schokolade Zartbitter 70 % Kakao, 100 g Tafel, fair gehandelt und in Deutschland hergestellt",
		"Ein_sehr_langes_Wort_ohne_Leerzeichen_das_mitten_im_Wort_getrennt_werden_muss",
		"Straße mit Umlauten äöü und ß, die nach Runen gezählt werden müssen, nicht nach Bytes",
		"exactly thirty-five characters lon g and more",
	} {
		for _, width := range []int{35, 70} {
			parts := wrap(text, width)
			for _, p := range parts {
				assert.LessOrEqual(t, len([]rune(p)), width, p)
			}
			assert.Equal(t, text, joinWrapped(parts, width), "width %d: %q", width, parts)
		}
	}
}

func TestWeights(t *testing.T) {
	g, err := toGrams("0.112", "KGM")
	require.NoError(t, err)
	assert.Equal(t, procuros.Decimal("112"), g)
	g, err = toGrams("1.5", "TNE")
	require.NoError(t, err)
	assert.Equal(t, procuros.Decimal("1500000"), g)
	_, err = toGrams("1", "LBR")
	assert.ErrorContains(t, err, `weight unit "LBR" is not mapped`)
	kg, ok := kilograms("112")
	assert.True(t, ok)
	assert.Equal(t, procuros.Decimal("0.112"), kg)
}

func TestGLN(t *testing.T) {
	assert.True(t, isGLN("4012345000009"))
	assert.False(t, isGLN("4012345000008"))
	assert.False(t, isGLN("401234500000"))
	assert.False(t, isGLN("40123450000O9"))
}

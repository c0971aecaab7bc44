package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"30s":     30 * time.Second,
		"5m":      5 * time.Minute,
		"72h":     72 * time.Hour,
		"90d":     90 * 24 * time.Hour,
		"1.5d":    36 * time.Hour,
		"1d12h":   36 * time.Hour,
		"2d30m":   48*time.Hour + 30*time.Minute,
		"0":       0,
		"0d":      0,
		" 7d ":    7 * 24 * time.Hour,
		"1h30m":   90 * time.Minute,
		"-1d":     -24 * time.Hour,
		"-1d12h":  -36 * time.Hour,
		"100000d": 100000 * 24 * time.Hour,
	}
	for in, want := range good {
		got, err := parseDuration(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{"", "d", "5", "3x", "1e3d", "0x10d", "infd", "NaNd", "1d-2h", "1dd", "d12h", "1_0d", "200000d"} {
		_, err := parseDuration(in)
		assert.Error(t, err, in)
	}
	_, err := parseDuration("3x")
	assert.EqualError(t, err, `"3x" is not a duration (like 30s, 5m, 72h or 90d)`)
}

func TestParseSize(t *testing.T) {
	good := map[string]Size{
		"0":        0,
		"1048576":  1 << 20,
		"64MiB":    64 << 20,
		"512 KiB":  512 << 10,
		"2GiB":     2 << 30,
		"1TiB":     1 << 40,
		"100B":     100,
		" 16MiB  ": 16 << 20,
	}
	for in, want := range good {
		got, err := parseSize(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, in := range []string{"", "MiB", "64MB", "64mib", "1.5MiB", "-1", "+5", "0x10", "99999999999TiB", "64 M"} {
		_, err := parseSize(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "64MiB", Size(64<<20).String())
	assert.Equal(t, "1000B", Size(1000).String())
	assert.Equal(t, "0", Size(0).String())
}

func TestValidGLN(t *testing.T) {
	for _, gln := range []string{"4012345000009", "4098765000003", "4000000000006", "0000000000000"} {
		assert.True(t, validGLN(gln), gln)
	}
	for _, gln := range []string{"4000000000002", "4012345000008", "401234500000", "40123450000090", "401234500000X", ""} {
		assert.False(t, validGLN(gln), gln)
	}
}

func TestEditDistance(t *testing.T) {
	assert.Equal(t, 1, editDistance("sing", "sign"), "a swap counts one")
	assert.Equal(t, 0, editDistance("", ""))
	assert.Equal(t, 3, editDistance("abc", ""))
	assert.Equal(t, 1, editDistance("inbox", "inbx"))
	assert.Equal(t, `; did you mean "publicURL"?`, suggest("publicUrl", []string{"address", "path", "publicURL"}))
	assert.Equal(t, " (known: address, path)", suggest("certificate", []string{"path", "address"}))
}

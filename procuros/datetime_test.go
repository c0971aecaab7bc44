package procuros_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// The spec's DateTime pattern, and kin-openapi's format date-time, both of
// which an emitted value must satisfy.
var (
	specPattern  = regexp.MustCompile(`\d{4}(.\d{2}){2}(\s|T)(\d{2}.){2}\d{2}(.\d{6}(Z?))?`)
	rfc3339Regex = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|10|11|12)-(0[1-9]|[12][0-9]|3[01])T([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)[0-9]{2}:[0-9]{2})$`)
)

func TestParseDateTime(t *testing.T) {
	berlin := procuros.Berlin()
	tests := []struct {
		in       string
		want     time.Time
		dateOnly bool
		out      string
	}{
		{"2021-09-30", time.Date(2021, 9, 30, 0, 0, 0, 0, berlin), true, "2021-09-30T00:00:00+02:00"},
		{"2021-12-24", time.Date(2021, 12, 24, 0, 0, 0, 0, berlin), true, "2021-12-24T00:00:00+01:00"},
		{"2021-10-23T00:00:00.000000Z", time.Date(2021, 10, 23, 0, 0, 0, 0, time.UTC), false, "2021-10-23T00:00:00Z"},
		{"2024-01-01T00:00:00+00:00", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), false, "2024-01-01T00:00:00Z"},
		{"2022-10-12T12:53:51.123456Z", time.Date(2022, 10, 12, 12, 53, 51, 123456000, time.UTC), false, "2022-10-12T12:53:51.123456Z"},
		{"2022-10-12 12:53:51", time.Date(2022, 10, 12, 12, 53, 51, 0, berlin), false, "2022-10-12T12:53:51+02:00"},
		{"2022-10-12T12:53:51", time.Date(2022, 10, 12, 12, 53, 51, 0, berlin), false, "2022-10-12T12:53:51+02:00"},
		{"2022-10-12 12:53:51.5", time.Date(2022, 10, 12, 12, 53, 51, 5e8, berlin), false, "2022-10-12T12:53:51.500000+02:00"},
		{"2022-10-12T12:53:51+0200", time.Date(2022, 10, 12, 10, 53, 51, 0, time.UTC), false, "2022-10-12T12:53:51+02:00"},
		{"2022-10-12T12:53:51-05", time.Date(2022, 10, 12, 17, 53, 51, 0, time.UTC), false, "2022-10-12T12:53:51-05:00"},
		{"2022-10-12t12:53:51z", time.Date(2022, 10, 12, 12, 53, 51, 0, time.UTC), false, "2022-10-12T12:53:51Z"},
		{"2022-10-12T12:53", time.Date(2022, 10, 12, 12, 53, 0, 0, berlin), false, "2022-10-12T12:53:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := procuros.ParseDateTime(tt.in)
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(d.Time), "got %v, want %v", d.Time, tt.want)
			assert.Equal(t, tt.dateOnly, d.DateOnly)
			assert.Equal(t, tt.out, d.String())
			assert.Regexp(t, specPattern, d.String())
			assert.Regexp(t, rfc3339Regex, d.String())
		})
	}
}

func TestParseDateTimeInvalid(t *testing.T) {
	for _, in := range []string{"", "30.09.2021", "2021-13-01", "2021-09-30T25:00:00Z", "yesterday", "2021-09-30Tnoon"} {
		_, err := procuros.ParseDateTime(in)
		assert.Error(t, err, in)
	}
}

func TestDateTimeJSON(t *testing.T) {
	var v struct {
		A procuros.DateTime  `json:"a"`
		B procuros.DateTime  `json:"b"`
		C procuros.DateTime  `json:"c,omitzero"`
		D *procuros.DateTime `json:"d"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":"2021-09-30","b":null,"d":"2021-09-30 08:00:00"}`), &v))
	assert.True(t, v.A.DateOnly)
	assert.True(t, v.B.IsZero())
	require.NotNil(t, v.D)

	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"2021-09-30T00:00:00+02:00","b":null,"d":"2021-09-30T08:00:00+02:00"}`, string(out),
		"absent C is left out; zero B is null, never an invented date")

	assert.Error(t, json.Unmarshal([]byte(`{"a":20210930}`), &v))
	assert.Error(t, json.Unmarshal([]byte(`{"a":"30.09.2021"}`), &v))
}

// TestDateTimeValidAgainstSpec: every value DateTime writes passes the
// embedded spec's DateTime schema (pattern and format date-time).
func TestDateTimeValidAgainstSpec(t *testing.T) {
	v, err := spec.NewValidator()
	require.NoError(t, err)
	values := []procuros.DateTime{
		procuros.Date{Year: 2021, Month: 9, Day: 30}.DateTime(),
		procuros.NewDateTime(time.Date(2021, 3, 28, 2, 30, 0, 0, time.UTC)),
		procuros.NewDateTime(time.Date(2021, 1, 2, 3, 4, 5, 123456789, time.FixedZone("", -3*3600-1800))),
		procuros.NewDateTime(time.Unix(0, 0)),
	}
	for _, d := range values {
		errs, err := v.Schema("DateTime", d.String())
		require.NoError(t, err)
		assert.Empty(t, errs, d.String())
	}
}

func TestDateTimeOutOfRange(t *testing.T) {
	_, err := json.Marshal(procuros.NewDateTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)))
	assert.Error(t, err)
}

func TestDate(t *testing.T) {
	d, err := procuros.ParseDate("2022-12-24")
	require.NoError(t, err)
	assert.Equal(t, procuros.Date{Year: 2022, Month: 12, Day: 24}, d)
	assert.Equal(t, "2022-12-24T00:00:00+01:00", d.DateTime().String())

	out, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `"2022-12-24"`, string(out))

	var back procuros.Date
	require.NoError(t, json.Unmarshal([]byte(`"2022-12-24T13:00:00+01:00"`), &back), "a timestamp gives its date")
	assert.Equal(t, d, back)
	require.NoError(t, json.Unmarshal([]byte(`null`), &back))
	assert.True(t, back.IsZero())

	_, err = json.Marshal(procuros.Date{Year: 2023, Month: 2, Day: 30})
	assert.Error(t, err, "an impossible date is refused, not normalised")
	_, err = procuros.ParseDate("2023-02-30")
	assert.Error(t, err)
}

// TestZoneLessDaylightSaving: a zone-less time that Europe/Berlin skips
// moves forward by the skipped hour; one it repeats is its first
// occurrence. Go leaves both choices open, so they are made explicitly.
func TestZoneLessDaylightSaving(t *testing.T) {
	tests := []struct{ in, out string }{
		{"2021-03-28T01:59:59", "2021-03-28T01:59:59+01:00"},
		{"2021-03-28T02:00:00", "2021-03-28T03:00:00+02:00"}, // skipped
		{"2021-03-28 02:30", "2021-03-28T03:30:00+02:00"},    // skipped
		{"2021-03-28T03:00:00", "2021-03-28T03:00:00+02:00"},
		{"2021-10-31T01:59:59", "2021-10-31T01:59:59+02:00"},
		{"2021-10-31T02:00:00", "2021-10-31T02:00:00+02:00"}, // repeated: the first
		{"2021-10-31T02:30:00", "2021-10-31T02:30:00+02:00"}, // repeated: the first
		{"2021-10-31T02:59:59", "2021-10-31T02:59:59+02:00"}, // repeated: the first
		{"2021-10-31T03:00:00", "2021-10-31T03:00:00+01:00"},
		{"2021-07-01T12:00:00", "2021-07-01T12:00:00+02:00"},
		{"2021-01-01T12:00:00", "2021-01-01T12:00:00+01:00"},
	}
	for _, tt := range tests {
		d, err := procuros.ParseDateTime(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.out, d.String(), tt.in)
	}
	// The same wall time with a zone is taken as written.
	d, err := procuros.ParseDateTime("2021-10-31T02:30:00+01:00")
	require.NoError(t, err)
	assert.Equal(t, "2021-10-31T02:30:00+01:00", d.String())
}

// TestZeroInstantRefused: "0001-01-01T00:00:00Z" is the instant DateTime
// takes for absent; read, it is refused with a clear error instead of
// vanishing from the data.
func TestZeroInstantRefused(t *testing.T) {
	for _, in := range []string{"0001-01-01T00:00:00Z", "0001-01-01 00:00:00Z", "0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00.000000Z"} {
		_, err := procuros.ParseDateTime(in)
		assert.ErrorContains(t, err, "is the zero instant, which stands for an absent value", in)
	}
	var v struct {
		A procuros.DateTime `json:"a"`
	}
	err := json.Unmarshal([]byte(`{"a":"0001-01-01T00:00:00Z"}`), &v)
	assert.ErrorContains(t, err, `"0001-01-01T00:00:00Z" is the zero instant`)

	d, err := procuros.ParseDateTime("0001-01-02T00:00:00Z")
	require.NoError(t, err, "the next day is an ordinary instant")
	assert.False(t, d.IsZero())
	d, err = procuros.ParseDateTime("0001-01-01")
	require.NoError(t, err, "the date alone is Berlin midnight, not the zero instant")
	assert.False(t, d.IsZero())
}

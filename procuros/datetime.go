package procuros

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Berlin must resolve on machines without zoneinfo.
)

// berlin is the zone Procuros recommends for sending and uses for returning
// every datetime; a date without time of day means midnight there.
var berlin = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		// Unreachable with time/tzdata linked in; keep a sane winter offset
		// rather than fail.
		return time.FixedZone("CET", 60*60)
	}
	return loc
})

// Berlin returns the Europe/Berlin location.
func Berlin() *time.Location { return berlin() }

// wireLayout is RFC 3339 with a zone, which satisfies both `format:
// date-time` and the pattern of the spec's DateTime schema. Fractions are
// written with six digits, the form of the spec's example, and only when
// there is one.
const (
	wireLayout         = "2006-01-02T15:04:05Z07:00"
	wireLayoutFraction = "2006-01-02T15:04:05.000000Z07:00"
)

// readLayouts are tried in order after the date/time separator has been
// normalised to "T". A fractional second is accepted by every one of them,
// since time.Parse accepts one after the seconds even when the layout has none.
var readLayouts = []struct {
	layout string
	zoned  bool
}{
	{"2006-01-02T15:04:05Z07:00", true},
	{"2006-01-02T15:04:05Z0700", true},
	{"2006-01-02T15:04:05Z07", true},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04Z07:00", true},
	{"2006-01-02T15:04", false},
}

// DateTime is an instant as the API's DateTime schema carries it.
//
// It reads every form found in the wild: a date alone ("2021-09-30", taken as
// midnight Europe/Berlin, see SPEC-NOTES item 1), a timestamp with "T" or a
// space, with or without fraction, with or without zone (a zone-less value
// is Europe/Berlin time). It always writes RFC 3339 with zone, for example
// "2021-09-30T00:00:00+02:00", so that the value satisfies the spec's
// pattern and `format: date-time` at once.
//
// A zone-less time that Europe/Berlin skips or repeats at a change of
// daylight saving time is read by a fixed rule, since Go leaves the choice
// open: a skipped time (02:30 on the last Sunday of March) moves forward by
// the skipped hour, to 03:30+02:00; a repeated time (02:30 on the last
// Sunday of October) is its first occurrence, 02:30+02:00. These are the
// rules of RFC 5545 and java.time.
//
// The zero DateTime is "absent": fields use `omitzero`, so nothing is
// invented on output. Because of that, the instant of the zero time.Time,
// "0001-01-01T00:00:00Z" (the "no date" of many systems), is refused when
// read rather than read as absent without a word: a value that was sent is
// never silently dropped.
type DateTime struct {
	Time time.Time
	// DateOnly records that the value is a calendar date without time of
	// day, read as such or made with Date.DateTime. A mapping to EDIFACT can
	// then write a date (format 102) rather than a timestamp.
	DateOnly bool
}

// NewDateTime returns the DateTime of t.
func NewDateTime(t time.Time) DateTime { return DateTime{Time: t} }

// ParseDateTime reads any of the forms described at DateTime.
func ParseDateTime(s string) (DateTime, error) {
	s = strings.TrimSpace(s)
	if d, err := ParseDate(s); err == nil {
		return d.DateTime(), nil
	}
	norm := strings.ToUpper(s)
	if len(norm) > 10 && norm[10] == ' ' {
		norm = norm[:10] + "T" + norm[11:]
	}
	for _, l := range readLayouts {
		t, err := time.Parse(l.layout, norm)
		if err != nil {
			continue
		}
		if !l.zoned {
			t = berlinWallClock(t)
		}
		if t.IsZero() {
			return DateTime{}, fmt.Errorf("procuros: %q is the zero instant, which stands for an absent value; refused rather than dropped", s)
		}
		return DateTime{Time: t}, nil
	}
	return DateTime{}, fmt.Errorf("procuros: %q is not a date or date-time", s)
}

// berlinWallClock returns the instant at which Europe/Berlin clocks show the
// wall time of wall (read as UTC), by the rules told at DateTime. The
// offsets in force 12 hours before and after are the only candidates, as
// Berlin's offset never changes twice within a day.
func berlinWallClock(wall time.Time) time.Time {
	_, before := wall.Add(-12 * time.Hour).In(Berlin()).Zone()
	_, after := wall.Add(12 * time.Hour).In(Berlin()).Zone()
	for _, offset := range []int{before, after} { // the first occurrence first
		t := wall.Add(-time.Duration(offset) * time.Second).In(Berlin())
		if _, o := t.Zone(); o == offset {
			return t
		}
	}
	// Skipped: the wall time read with the offset before the change lands
	// the skipped length later.
	return wall.Add(-time.Duration(before) * time.Second).In(Berlin())
}

// IsZero reports whether d is absent.
func (d DateTime) IsZero() bool { return d.Time.IsZero() }

// Date returns the calendar date of d in its own zone.
func (d DateTime) Date() Date {
	y, m, day := d.Time.Date()
	return Date{Year: y, Month: m, Day: day}
}

// String returns the wire form, or "" for the zero DateTime.
func (d DateTime) String() string {
	if d.IsZero() {
		return ""
	}
	t := d.Time
	if t.Nanosecond()/1000 != 0 {
		return t.Format(wireLayoutFraction)
	}
	return t.Format(wireLayout)
}

// MarshalJSON writes the wire form; the zero DateTime is null.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if y := d.Time.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("procuros: year %d of %v does not fit a DateTime", y, d.Time)
	}
	// The layouts give ASCII without quotes or backslashes: no escaping.
	layout := wireLayout
	if d.Time.Nanosecond()/1000 != 0 {
		layout = wireLayoutFraction
	}
	b := make([]byte, 0, len(wireLayoutFraction)+2)
	b = append(b, '"')
	b = d.Time.AppendFormat(b, layout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads a string in any accepted form; null leaves d zero.
func (d *DateTime) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*d = DateTime{}
		return nil
	}
	var s string
	if n := len(data); n >= 2 && data[0] == '"' && data[n-1] == '"' && bytes.IndexByte(data, '\\') < 0 {
		s = string(data[1 : n-1]) // a plain string, as dates are: no decoder needed
	} else if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("procuros: DateTime must be a string: %w", err)
	}
	parsed, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// Date is a calendar date, the spec's Date schema ("2021-11-11"), used for
// batch expiration dates and the like.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written as YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("procuros: %q is not a date (YYYY-MM-DD)", s)
	}
	return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
}

// IsZero reports whether d is absent.
func (d Date) IsZero() bool { return d == Date{} }

// DateTime returns midnight of d in Europe/Berlin, marked DateOnly.
func (d Date) DateTime() DateTime {
	return DateTime{Time: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Berlin()), DateOnly: true}
}

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalJSON writes YYYY-MM-DD; the zero Date is null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	// Normalise through time.Date so that an impossible date such as
	// February 30 is refused rather than sent.
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	if t.Year() != d.Year || t.Month() != d.Month || t.Day() != d.Day || d.Year < 0 || d.Year > 9999 {
		return nil, fmt.Errorf("procuros: %d-%d-%d is not a valid date", d.Year, d.Month, d.Day)
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads YYYY-MM-DD, or a timestamp whose date part is taken;
// null leaves d zero.
func (d *Date) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("procuros: Date must be a string: %w", err)
	}
	if parsed, err := ParseDate(s); err == nil {
		*d = parsed
		return nil
	}
	dt, err := ParseDateTime(s)
	if err != nil {
		return err
	}
	*d = dt.Date()
	return nil
}

package mapping

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/edibridge/edibridge/procuros"
)

// EDIFACT dates (DTM C507 2379 format qualifier) carry no zone: they are
// read and written as Europe/Berlin local time, the zone Procuros recommends.

// parseDate reads an EDIFACT date/time value in the given format. A range
// (718, 719) gives its start and end.
func parseDate(value, format string) (start, end procuros.DateTime, err error) {
	loc := procuros.Berlin()
	one := func(layout, v string, dateOnly bool) (procuros.DateTime, error) {
		t, err := time.ParseInLocation(layout, v, loc)
		if err != nil {
			return procuros.DateTime{}, fmt.Errorf("%q is not a date in format %s (%s)", value, format, formatName(format))
		}
		return procuros.DateTime{Time: t, DateOnly: dateOnly}, nil
	}
	switch format {
	case "102", "": // CCYYMMDD, the EANCOM default
		start, err = one("20060102", value, true)
	case "101": // YYMMDD
		start, err = one("060102", value, true)
	case "203": // CCYYMMDDHHMM
		start, err = one("200601021504", value, false)
	case "204": // CCYYMMDDHHMMSS
		start, err = one("20060102150405", value, false)
	case "718": // CCYYMMDD-CCYYMMDD
		a, b, ok := strings.Cut(value, "-")
		if !ok {
			return start, end, fmt.Errorf("%q is not a range CCYYMMDD-CCYYMMDD (format 718)", value)
		}
		if start, err = one("20060102", a, true); err == nil {
			end, err = one("20060102", b, true)
		}
	case "719": // CCYYMMDDHHMM-CCYYMMDDHHMM
		a, b, ok := strings.Cut(value, "-")
		if !ok {
			return start, end, fmt.Errorf("%q is not a range CCYYMMDDHHMM-CCYYMMDDHHMM (format 719)", value)
		}
		if start, err = one("200601021504", a, false); err == nil {
			end, err = one("200601021504", b, false)
		}
	case "616": // CCYYWW: the ISO week, Monday to Sunday
		if start, err = isoWeek(value); err == nil {
			end = procuros.DateTime{Time: start.Time.AddDate(0, 0, 6), DateOnly: true}
		}
	default:
		return start, end, fmt.Errorf("date format %s is not supported (102, 101, 203, 204, 616, 718, 719 are)", format)
	}
	return start, end, err
}

func formatName(format string) string {
	switch format {
	case "", "102":
		return "CCYYMMDD"
	case "101":
		return "YYMMDD"
	case "203":
		return "CCYYMMDDHHMM"
	case "204":
		return "CCYYMMDDHHMMSS"
	case "616":
		return "CCYYWW"
	}
	return "format " + format
}

// isoWeek returns the Monday of week CCYYWW.
func isoWeek(value string) (procuros.DateTime, error) {
	if len(value) != 6 {
		return procuros.DateTime{}, fmt.Errorf("%q is not a week CCYYWW (format 616)", value)
	}
	year, err1 := strconv.Atoi(value[:4])
	week, err2 := strconv.Atoi(value[4:])
	if err1 != nil || err2 != nil || week < 1 || week > 53 {
		return procuros.DateTime{}, fmt.Errorf("%q is not a week CCYYWW (format 616)", value)
	}
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, procuros.Berlin())
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	if y, _ := monday.AddDate(0, 0, 3).ISOWeek(); y != year {
		return procuros.DateTime{}, fmt.Errorf("%q: %d has no ISO week %d (format 616)", value, year, week)
	}
	return procuros.DateTime{Time: monday, DateOnly: true}, nil
}

// formatDate returns the EDIFACT value and format of a DateTime: a date
// (102) for midnight in Berlin, minutes (203) or seconds (204) otherwise.
func formatDate(d procuros.DateTime) (value, format string) {
	t := d.Time.In(procuros.Berlin())
	switch {
	case d.DateOnly || t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0:
		return t.Format("20060102"), "102"
	case t.Second() == 0:
		return t.Format("200601021504"), "203"
	}
	return t.Format("20060102150405"), "204"
}

// parseDecimal reads an EDIFACT number, with the interchange's decimal mark
// (either mark is accepted, as real files mix them), into a Decimal.
func parseDecimal(s string, mark byte) (procuros.Decimal, error) {
	if s == "" {
		return "", fmt.Errorf("number is empty")
	}
	norm := s
	if mark == ',' || strings.IndexByte(s, ',') >= 0 {
		norm = strings.Replace(s, ",", ".", 1)
	}
	if strings.HasPrefix(norm, ".") {
		norm = "0" + norm
	} else if strings.HasPrefix(norm, "-.") {
		norm = "-0" + norm[1:]
	}
	norm = strings.TrimSuffix(norm, ".")
	if strings.ContainsAny(norm, "eE+") {
		return "", fmt.Errorf("%q is not an EDIFACT number", s)
	}
	d, err := procuros.ParseDecimal(norm)
	if err != nil {
		return "", fmt.Errorf("%q is not a number", s)
	}
	return d, nil
}

// formatDecimal writes a Decimal as an EDIFACT number with the decimal mark.
func formatDecimal(d procuros.Decimal, mark byte) (string, error) {
	s := string(d)
	if strings.ContainsAny(s, "eE") {
		r, ok := d.Rat()
		if !ok {
			return "", fmt.Errorf("%q is not a number", s)
		}
		s = ratString(r)
	}
	if mark != '.' {
		s = strings.Replace(s, ".", string(mark), 1)
	}
	return s, nil
}

// parseInt reads a whole number (line numbers, counts, days).
func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

// Exact arithmetic for the few values a mapping must derive (a tax amount
// or a basis the message does not state): on big.Rat, written back as a
// terminating decimal.

func rat(d procuros.Decimal) (*big.Rat, bool) {
	if d == "" {
		return nil, false
	}
	return d.Rat()
}

// ratString writes r as a decimal, exactly if it terminates within 12
// places, else rounded to 12 places.
func ratString(r *big.Rat) string {
	s := r.FloatString(12)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// roundCents rounds r half away from zero to two places: currency amounts.
func roundCents(r *big.Rat) procuros.Decimal {
	return procuros.Decimal(r.FloatString(2))
}

// joinWrapped joins the parts of a text that EDIFACT split over components
// or segments of at most width characters: a part that fills its width was
// cut in the middle of a word, if the next one continues it (continues); a
// shorter one ended a line or a word, and a space separates it from the
// next.
func joinWrapped(parts []string, width int) string {
	var b strings.Builder
	for i, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 && i > 0 && !continues(parts[i-1], p, width) {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// continues reports whether next continues the word prev was cut in: prev
// fills its width, and next does not start a new word with a capital
// ("...Tafe" + "l", but "...GmbH" + "Filiale Nord"). A long word in
// capitals cut at the width is read back with a space: the text says no
// more.
func continues(prev, next string, width int) bool {
	if utf8.RuneCountInString(prev) < width {
		return false
	}
	r, _ := utf8.DecodeRuneInString(next)
	return !unicode.IsUpper(r) && !unicode.IsSpace(r)
}

// wrap cuts a text into parts of at most width characters (runes), the
// inverse of joinWrapped: spaces at the cuts are kept where the reader needs
// them, so that joinWrapped gives the text back.
func wrap(text string, width int) []string {
	var parts []string
	r := []rune(text)
	for len(r) > width {
		cut := width
		// Prefer a cut at a space: drop the space, the part ends short,
		// and joinWrapped puts it back.
		if i := lastSpace(r[:width]); i > 0 {
			parts = append(parts, string(r[:i]))
			r = r[i+1:]
			continue
		}
		parts = append(parts, string(r[:cut]))
		r = r[cut:]
	}
	if len(r) > 0 {
		parts = append(parts, string(r))
	}
	return parts
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i > 0; i-- {
		if r[i] == ' ' && r[i-1] != ' ' {
			return i
		}
	}
	return -1
}

// toGrams converts a weight in unit (KGM, GRM, TNE, MGM) to grams.
func toGrams(v procuros.Decimal, unit string) (procuros.Decimal, error) {
	factors := map[string]*big.Rat{"GRM": big.NewRat(1, 1), "KGM": big.NewRat(1000, 1), "TNE": big.NewRat(1000000, 1), "MGM": big.NewRat(1, 1000)}
	f, ok := factors[unit]
	if !ok {
		return "", fmt.Errorf("weight unit %q is not mapped (GRM, KGM, TNE, MGM are)", unit)
	}
	r, ok := rat(v)
	if !ok {
		return "", fmt.Errorf("%q is not a number", v)
	}
	return procuros.Decimal(ratString(r.Mul(r, f))), nil
}

// kilograms converts a weight in grams to kilograms, the unit EANCOM
// messages weigh in.
func kilograms(grams procuros.Decimal) (procuros.Decimal, bool) {
	r, ok := rat(grams)
	if !ok {
		return "", false
	}
	return procuros.Decimal(ratString(r.Quo(r, big.NewRat(1000, 1)))), true
}

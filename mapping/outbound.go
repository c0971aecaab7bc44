package mapping

import (
	"fmt"
	"strings"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
)

// out is the state of one transaction on its way to EDIFACT: the segments
// written so far, UNH first.
type out struct {
	tabs      *Tables
	t         *MessageTables
	mark      byte
	directory string // D96A or D01B
	segs      []edifact.Segment
	problems  Problems
}

// add appends a segment from its elements, each given as its components.
func (o *out) add(tag string, elements ...[]string) {
	o.segs = append(o.segs, edifact.NewSegment(tag, elements...))
}

// errorf reports that the transaction cannot be written, at a JSON path.
func (o *out) errorf(path, format string, args ...any) {
	o.problems = append(o.problems, &Problem{Path: path, Text: fmt.Sprintf(format, args...)})
}

// warnf notes something the EDIFACT message cannot carry; the message is
// written all the same.
func (o *out) warnf(path, format string, args ...any) {
	o.problems = append(o.problems, &Problem{Path: path, Warning: true, Text: fmt.Sprintf(format, args...)})
}

// num writes a Decimal with the output's decimal mark.
// The JSON path of a value is given in parts, joined only for a problem:
// most values have none, and building the path for each would cost more
// than writing the value.
func (o *out) num(d procuros.Decimal, path ...string) string {
	if d == "" {
		return ""
	}
	s, err := formatDecimal(d, o.mark)
	if err != nil {
		o.errorf(strings.Join(path, ""), "%v", err)
	}
	return s
}

// dtm writes a DTM with the qualifier the table lists first for field.
func (o *out) dtm(tab Table, field, path string, d procuros.DateTime) {
	if d.IsZero() {
		return
	}
	code, ok := tab.Code(field)
	if !ok {
		o.errorf(path, "no DTM qualifier for %s (tables)", field)
		return
	}
	v, format := formatDate(d)
	o.add("DTM", []string{code, v, format})
}

// ftx writes a free text with the subject the table lists first for field,
// cut into segments of five components.
func (o *out) ftx(tab Table, field, path, s string) {
	if s == "" {
		return
	}
	code, ok := tab.Code(field)
	if !ok {
		o.errorf(path, "no FTX subject for %s (tables)", field)
		return
	}
	for _, para := range splitLines(s) {
		parts := wrap(para, textWidth)
		for len(parts) > 0 {
			n := min(5, len(parts))
			o.add("FTX", []string{code}, nil, nil, parts[:n])
			parts = parts[n:]
		}
	}
}

// rff writes an RFF (in its group, with a DTM+171 if date is set).
func (o *out) rff(tab Table, field, path, ref string, date procuros.DateTime) {
	if ref == "" {
		return
	}
	code, ok := tab.Code(field)
	if !ok {
		o.errorf(path, "no RFF qualifier for %s (tables)", field)
		return
	}
	o.add("RFF", []string{code, ref})
	if !date.IsZero() {
		v, format := formatDate(date)
		o.add("DTM", []string{"171", v, format})
	}
}

// code returns the code a table lists first for value, or reports it at
// the path (given in parts, as for num).
func (o *out) code(tab Table, value, what string, path ...string) string {
	c, ok := tab.Code(value)
	if !ok {
		o.errorf(strings.Join(path, ""), "no %s for %q (tables)", what, value)
	}
	return c
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return append(lines, s[start:])
}

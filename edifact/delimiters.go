package edifact

import "fmt"

// Delimiters are the service characters of an interchange, as a UNA service
// string advice declares them.
type Delimiters struct {
	Component  byte // component data element separator, default ':'
	Element    byte // data element separator, default '+'
	Decimal    byte // decimal mark, default '.'
	Release    byte // release (escape) character, default '?'; 0 when not used
	Repetition byte // repetition separator (syntax version 4), default '*'; 0 when not used
	Segment    byte // segment terminator, default '\''
}

// DefaultDelimiters are the service characters of syntax levels A and C and
// of every level above, when no UNA is given (syntax version 3; version 4 adds
// the repetition separator '*').
var DefaultDelimiters = Delimiters{Component: ':', Element: '+', Decimal: '.', Release: '?', Segment: '\''}

// levelBDelimiters are the defaults of syntax level B (UNOB) without UNA: the
// information separators IS1, IS3 and IS4, and no release character. (Syntax
// version 4 adds IS2 as the repetition separator; see beginInterchange.)
var levelBDelimiters = Delimiters{Component: 0x1f, Element: 0x1d, Decimal: '.', Segment: 0x1c}

// defaultsFor returns the delimiters in force without a UNA for a syntax
// version: version 4 adds the repetition separator.
func defaultsFor(version string) Delimiters {
	d := DefaultDelimiters
	if version >= "4" {
		d.Repetition = '*'
	}
	return d
}

// una returns the service string advice for d: "UNA" and six characters, the
// unused positions as spaces.
func (d Delimiters) una() []byte {
	orSpace := func(c byte) byte {
		if c == 0 {
			return ' '
		}
		return c
	}
	return []byte{'U', 'N', 'A', d.Component, d.Element, d.Decimal, orSpace(d.Release), orSpace(d.Repetition), d.Segment}
}

// parseUNA reads the six characters after "UNA". A space in the release or
// repetition position means the character is not used.
func parseUNA(six []byte) Delimiters {
	orNone := func(c byte) byte {
		if c == ' ' {
			return 0
		}
		return c
	}
	return Delimiters{
		Component:  six[0],
		Element:    six[1],
		Decimal:    six[2],
		Release:    orNone(six[3]),
		Repetition: orNone(six[4]),
		Segment:    six[5],
	}
}

// validate checks that the separators can be told apart: each is set, none
// repeats, and none is a letter, digit, space or line break.
func (d Delimiters) validate() error {
	seps := []struct {
		name string
		c    byte
		must bool
	}{
		{"component separator", d.Component, true},
		{"data element separator", d.Element, true},
		{"release character", d.Release, false},
		{"repetition separator", d.Repetition, false},
		{"segment terminator", d.Segment, true},
	}
	for i, s := range seps {
		if s.c == 0 {
			if s.must {
				return fmt.Errorf("%s is not set", s.name)
			}
			continue
		}
		if isAlnum(s.c) || s.c == ' ' || s.c == '\r' || s.c == '\n' {
			return fmt.Errorf("%s %q cannot be a letter, digit, space or line break", s.name, s.c)
		}
		for _, t := range seps[:i] {
			if t.c == s.c {
				return fmt.Errorf("%s and %s are both %q", t.name, s.name, s.c)
			}
		}
	}
	if d.Decimal != '.' && d.Decimal != ',' {
		return fmt.Errorf("decimal mark %q is neither '.' nor ','", d.Decimal)
	}
	return nil
}

// isDefault reports whether d needs no UNA for a syntax version.
func (d Delimiters) isDefault(version string) bool {
	return d == defaultsFor(version)
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

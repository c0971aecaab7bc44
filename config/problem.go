package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// A Problem is one thing wrong with a configuration: where it is, which
// field, and what is wrong. Line and Column are 1-based; zero when the
// problem has no place in the file (a value from the environment, a file
// that cannot be read).
type Problem struct {
	File         string // the configuration file, as given to Load
	Line, Column int
	Field        string // the field's path in the file, e.g. partners[0].as2.url
	Msg          string
	// Warning marks what is worth a look but no reason to refuse the
	// configuration (Config.Warnings).
	Warning bool
}

// Error returns "file:line:col: field: message" ("file:line:col: warning:
// field: message" for a warning), leaving out what is not
// known (the column of a YAML syntax error, the place of a value from the
// environment).
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems are all the problems found in a configuration, in the order of
// their place in the file (those without a place first).
type Problems []Problem

// Error returns one line per problem.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sorted returns the problems by place, keeping the order of those at the
// same place, and without repeats.
func (ps Problems) sorted() Problems {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return slices.Compact(out)
}

// orNil returns nil for no problems, so that a caller's err != nil holds
// only when there is something to report.
func (ps Problems) orNil() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.sorted()
}

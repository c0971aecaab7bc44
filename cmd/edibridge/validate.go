package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping"
)

// runValidate checks EDIFACT files, their syntax and envelopes and what
// the mapping makes of each message, and prints one line per problem,
// naming the file and the place.
func runValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "validate", "[flags] FILE|- ...")
	accept := fs.String("accept", "", `faults to tolerate as warnings, comma-separated (e.g. "unt-count,charset", or "all")`)
	syntax := fs.String("syntax", edifact.DefaultSyntax, "syntax identifier for input without UNB")
	syntaxOnly := fs.Bool("syntax-only", false, "check syntax and envelopes only, not the mapping")
	tables := addTableFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var m *mapping.Mapper
	if !*syntaxOnly {
		var err error
		if m, err = tables.mapper(e); err != nil {
			return err
		}
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError("no file given (use - for standard input)")
	}
	faults, err := edifact.ParseFaults(*accept)
	if err != nil {
		return usageError("-accept: %v", err)
	}
	failed := false
	for _, name := range fs.Args() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		problems, err := validateFile(e, name, faults, *syntax, m)
		if err != nil {
			return err
		}
		failed = failed || problems > 0
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

// validateFile reads one file and prints its problems and warnings, those
// of the mapping too unless m is nil. It returns the number of problems;
// an error only if the file cannot be read.
func validateFile(e *env, name string, accept edifact.Fault, syntax string, m *mapping.Mapper) (int, error) {
	in, label, err := openInput(e, name)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	r := edifact.NewReader(in)
	r.Accept, r.Syntax = accept, syntax
	messages := 0
	problems := 0
	for {
		msg, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		var se *edifact.SyntaxError
		if errors.As(err, &se) {
			fmt.Fprintf(e.stdout, "%s: %s: %s\n", label, se.Place(), se.Msg)
			problems++
			break
		}
		if err != nil {
			return problems, fmt.Errorf("%s: %w", label, err)
		}
		messages++
		if m != nil {
			problems += printMapping(e, label, m, msg)
		}
	}
	for _, w := range r.Warnings() {
		fmt.Fprintf(e.stdout, "%s: warning (%s): %s: %s\n", label, w.Fault, w.Place(), w.Msg)
	}
	if problems == 0 {
		fmt.Fprintf(e.stderr, "%s: ok, %d messages\n", label, messages)
	}
	return problems, nil
}

// printMapping maps a message and prints what stops it, and its warnings
// other than the syntax warnings printed for the file. It returns the
// number of problems.
func printMapping(e *env, label string, m *mapping.Mapper, msg *edifact.Message) int {
	var ps mapping.Problems
	res, err := m.ToProcuros(msg)
	switch {
	case err == nil:
		ps = res.Warnings
	case errors.As(err, &ps):
	default:
		fmt.Fprintf(e.stdout, "%s: message %d (UNH %s): %v\n", label, msg.Index, msg.Header.Ref, err)
		return 1
	}
	n := 0
	for _, p := range ps {
		switch {
		case !p.Warning:
			fmt.Fprintf(e.stdout, "%s: %v\n", label, p)
			n++
		case p.Fault == 0: // tolerated syntax faults are printed for the file
			fmt.Fprintf(e.stdout, "%s: warning: %v\n", label, p)
		}
	}
	return n
}

// openInput opens a named file, or standard input for "-".
func openInput(e *env, name string) (io.ReadCloser, string, error) {
	if name == "-" {
		return io.NopCloser(e.stdin), "<stdin>", nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, "", err
	}
	return f, name, nil
}

package config

import (
	"fmt"
	"io"
)

// fmt prints a pointer found inside another value with a verb that does
// not suit pointers (%s, %q, %x) by reflection, in a mode that calls no
// String or Format method on what it reaches: a *Sandbox inside a
// Procuros printed with %s would show the token, whatever Token's own
// methods say. The types that hold secrets therefore format themselves,
// through a copy of their type without methods, whose fields fmt then
// prints with their own redaction.
type (
	sandboxFields     Sandbox
	partnerSFTPFields PartnerSFTP
	remoteSFTPFields  RemoteSFTP
)

// Format prints the sandbox with its token redacted, for every verb.
func (s *Sandbox) Format(f fmt.State, verb rune) { formatAs(f, verb, (*sandboxFields)(s)) }

// Format prints the account with its password hash redacted.
func (s *PartnerSFTP) Format(f fmt.State, verb rune) { formatAs(f, verb, (*partnerSFTPFields)(s)) }

// Format prints the remote server's settings with the password redacted.
func (r *RemoteSFTP) Format(f fmt.State, verb rune) { formatAs(f, verb, (*remoteSFTPFields)(r)) }

func formatAs(f fmt.State, verb rune, v any) { fmt.Fprintf(f, fmt.FormatString(f, verb), v) }

// Format prints nothing of the source, which holds the file's text.
func (s *source) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "{source}") }

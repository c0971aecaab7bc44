package mapping

import (
	"errors"

	"github.com/edibridge/edibridge/procuros"
)

// A Report is what became of every message of an input, in the form the
// translate command prints and the golden files hold: a transaction and
// its warnings, or the problems that stopped the message.
type Report struct {
	ReadError string          `json:"readError,omitempty"` // the syntax error that ended the input
	Messages  []MessageReport `json:"messages"`
}

// A MessageReport is one message of a Report.
type MessageReport struct {
	Message     int                       `json:"message"` // position in the input, from 1
	Ref         string                    `json:"ref"`     // UNH message reference
	Type        string                    `json:"type"`    // e.g. ORDERS:D:96A:UN:EAN008
	Transaction *procuros.SentTransaction `json:"transaction,omitempty"`
	Warnings    []string                  `json:"warnings,omitempty"`
	Errors      []string                  `json:"errors,omitempty"`
}

// Add records one translation.
func (r *Report) Add(tr Translation) {
	if tr.Message == nil {
		r.ReadError = tr.Err.Error()
		return
	}
	m := MessageReport{Message: tr.Message.Index, Ref: tr.Message.Header.Ref, Type: tr.Message.Header.Type.String()}
	var ps Problems
	switch {
	case tr.Err == nil:
		tx := tr.Result.Transaction()
		m.Transaction = &tx
		m.Warnings = problemTexts(tr.Result.Warnings)
	case errors.As(tr.Err, &ps):
		m.Errors, m.Warnings = problemTexts(ps.Errors()), problemTexts(ps.Warnings())
	default:
		m.Errors = []string{tr.Err.Error()}
	}
	r.Messages = append(r.Messages, m)
}

// Failed reports whether any message could not be mapped, or the input not
// read to its end.
func (r *Report) Failed() bool {
	if r.ReadError != "" {
		return true
	}
	for _, m := range r.Messages {
		if m.Transaction == nil {
			return true
		}
	}
	return false
}

func problemTexts(ps Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

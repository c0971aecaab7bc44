package mapping

import (
	"errors"
	"io"
	"iter"

	"github.com/edibridge/edibridge/edifact"
)

// A Translation is one message of an input and what the mapping made of
// it: a Result, or the error that stopped it (Problems).
type Translation struct {
	Message *edifact.Message
	Result  *Result
	Err     error
}

// Translate reads the messages of r one by one and maps each. An error of
// the reader (a syntax fault r does not accept) ends the input: it comes
// last, as a Translation without Message. Messages are independent: one
// that cannot be mapped does not stop the others.
func (m *Mapper) Translate(r *edifact.Reader) iter.Seq[Translation] {
	return func(yield func(Translation) bool) {
		for {
			msg, err := r.ReadMessage()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Translation{Err: err})
				return
			}
			res, err := m.ToProcuros(msg)
			if !yield(Translation{Message: msg, Result: res, Err: err}) {
				return
			}
		}
	}
}

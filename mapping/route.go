package mapping

import "github.com/edibridge/edibridge/procuros"

// MessageFor returns the EDIFACT message type a transaction type is
// written as and who sends that message ("buyer" or "supplier"), so that
// a runtime knows which party of an outbound transaction receives it.
// A credit note is an INVOIC, like an invoice.
func (m *Mapper) MessageFor(t procuros.TransactionType) (ediType, sender string, ok bool) {
	name, _, ok := m.mappingFor(t)
	if !ok {
		return "", "", false
	}
	return name, m.tabs.Messages[name].Sender, true
}

package bridge

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/edibridge/edibridge/procuros"
)

// documentNumber finds a transaction's document number in its POST body
// or content: the header's <type>Identifier (orderIdentifier,
// invoiceIdentifier, shippingNoticeIdentifier, ...).
func documentNumber(typ procuros.TransactionType, data []byte) string {
	var doc struct {
		Content *struct {
			Header map[string]json.RawMessage `json:"header"`
		} `json:"content"`
		Header map[string]json.RawMessage `json:"header"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return ""
	}
	header := doc.Header
	if doc.Content != nil {
		header = doc.Content.Header
	}
	field := lowerCamel(string(typ)) + "Identifier"
	if typ == procuros.TypeReceivalNotice {
		// The one header that breaks the pattern.
		field = "receivalAdviceNumber"
	}
	var id string
	json.Unmarshal(header[field], &id)
	return id
}

// lowerCamel turns SHIPPING_NOTICE into shippingNotice.
func lowerCamel(s string) string {
	var b strings.Builder
	for i, word := range strings.Split(strings.ToLower(s), "_") {
		if i > 0 && word != "" {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		b.WriteString(word)
	}
	return b.String()
}

// partyGLNs returns the GLNs of the header's party (buyer or supplier).
func partyGLNs(content []byte, party string) []string {
	var doc struct {
		Header map[string]json.RawMessage `json:"header"`
	}
	var p struct {
		Identifiers []procuros.PartyIdentifier `json:"identifiers"`
	}
	if json.Unmarshal(content, &doc) != nil || json.Unmarshal(doc.Header[party], &p) != nil {
		return nil
	}
	var glns []string
	for _, id := range p.Identifiers {
		if id.Domain == "" || strings.EqualFold(string(id.Domain), "GS1") {
			glns = append(glns, id.Identifier)
		}
	}
	return glns
}

// route finds the partner an outbound transaction goes to: the one whose
// GLN the receiving party has. Who receives follows from who sends the
// message type (the mapping tables say): a document the buyer sends goes
// to the supplier, and the other way round. It returns the EDIFACT type
// too, or why there is no partner.
func (b *Bridge) route(txType string, content []byte) (*Partner, string, error) {
	ediType, sender, ok := b.messageFor(txType)
	if !ok {
		return nil, "", fmt.Errorf("%s transactions are not written as EDIFACT by this bridge", txType)
	}
	receiver := "buyer"
	if sender == "buyer" {
		receiver = "supplier"
	}
	glns := partyGLNs(content, receiver)
	for _, gln := range glns {
		if p := b.byGLN[gln]; p != nil {
			return p, ediType, nil
		}
	}
	if len(glns) == 0 {
		return nil, ediType, fmt.Errorf("the %s's %s has no GLN to find the partner by", txType, receiver)
	}
	return nil, ediType, fmt.Errorf("no partner has the GLN %s of the %s's %s", strings.Join(glns, " or "), txType, receiver)
}

// messageFor returns the EDIFACT type a transaction type is written as,
// and who sends it (buyer or supplier), from the built-in tables (the
// same for every partner).
func (b *Bridge) messageFor(txType string) (ediType, sender string, ok bool) {
	if len(b.opts.Partners) == 0 {
		return "", "", false
	}
	return b.opts.Partners[0].Mapper.MessageFor(procuros.TransactionType(txType))
}

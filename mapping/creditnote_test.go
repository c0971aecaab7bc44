package mapping

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// interchange wraps message segments (UNH first, without UNT) in UNA, UNB,
// UNT and UNZ.
func interchange(segs ...string) string {
	segs = append(segs, fmt.Sprintf("UNT+%d+1", len(segs)+1))
	return "UNA:+.? 'UNB+UNOC:3+4098765000003:14+4012345000009:14+260405:0900+X1'" + strings.Join(segs, "'") + "'UNZ+1+X1'"
}

// invoicMessage is an INVOIC D96A of document name doc, with the segments
// given after the BGM and DTM+137, a line and a summary.
func invoicMessage(doc string, header []string, line ...string) string {
	return interchange(invoicSegments(doc, header, line...)...)
}

func invoicSegments(doc string, header []string, line ...string) []string {
	segs := append([]string{"UNH+1+INVOIC:D:96A:UN:EAN008", "BGM+" + doc + "+GS-1+9", "DTM+137:20260405:102"}, header...)
	segs = append(segs, "NAD+SU+4098765000003::9", "NAD+BY+4012345000009::9", "LIN+1++4001234567891:EN", "QTY+47:10:PCE")
	segs = append(segs, line...)
	return append(segs, "PRI+AAA:1.19", "TAX+7+VAT+++:::7+S", "UNS+S", "MOA+77:12.73", "TAX+7+VAT+++:::7+S", "MOA+125:11.90", "MOA+124:0.83")
}

// TestCreditNotesShareTheInvoiceTables: the document name decides whether
// an INVOIC is an INVOICE or a CREDIT_NOTE; the fields only one of them has
// are errors in the other, naming the field.
func TestCreditNotesShareTheInvoiceTables(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	tr := translateOne(t, m, invoicMessage("381", []string{"RFF+IV:RE-1", "DTM+171:20260320:102"}))
	require.NoError(t, tr.Err)
	cn := tr.Result.Content.(*procuros.CreditNote)
	assert.Equal(t, "GS-1", cn.Header.CreditNoteIdentifier)
	assert.Equal(t, "RE-1", cn.Header.InvoiceIdentifier)
	assert.Empty(t, cn.Header.Type, "381 says neither CORRECTION nor VALUE_CREDIT")
	assertValid(t, tr.Result.Transaction())

	tr = translateOne(t, m, invoicMessage("83", nil))
	require.NoError(t, tr.Err)
	assert.Equal(t, procuros.CreditNoteValueCredit, tr.Result.Content.(*procuros.CreditNote).Header.Type)

	for _, tt := range []struct {
		doc    string
		header []string
		line   []string
		want   string
	}{
		{"380", []string{"RFF+IV:RE-1"}, nil, `segment 4 RFF, element 1 component 1: RFF+IV: header.invoiceIdentifier has no field in INVOICE`},
		{"380", []string{"FTX+ACD+++Bruch"}, nil, `segment 4 FTX, element 1 component 1: FTX+ACD: header.reason has no field in INVOICE`},
		{"380", nil, []string{"FTX+ACD+++Bruch"}, `segment 6 LIN: line 1: a reason (FTX by item.freeText) has no field in INVOICE; only a credit note's lines carry one`},
		{"381", []string{"RFF+VN:AU-1"}, nil, `segment 4 RFF, element 1 component 1: RFF+VN: header.AdditionalOrderIdentifiers.supplierOrderIdentifier has no field in CREDIT_NOTE`},
		{"381", []string{"NAD+DP+4012345000016::9", "RFF+ON:L-1"}, nil, `segment 4 NAD: the shipTo's order number (RFF+ON in its group) has no field in CREDIT_NOTE`},
		{"383", nil, nil, `segment 2 BGM, element 1 component 1: document name "383" is not mapped`},
	} {
		tr := translateOne(t, m, invoicMessage(tt.doc, tt.header, tt.line...))
		require.Error(t, tr.Err, tt.want)
		assert.Contains(t, tr.Err.Error(), tt.want)
	}
	segs := invoicSegments("381", nil)
	tr = translateOne(t, m, interchange(append(segs[:2:2], segs[3:]...)...)) // without DTM+137
	require.Error(t, tr.Err)
	assert.Contains(t, tr.Err.Error(), "credit note date (DTM+137) missing; CREDIT_NOTE requires creditNoteDate")
}

// TestCreditNoteTypes: VALUE_CREDIT has a code of its own; CORRECTION has
// none in EANCOM, and is written as a plain credit note with a warning,
// unless a partner's tables name a code for it, which then goes both ways.
func TestCreditNoteTypes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "procuros", "testdata", "credit_note.json"))
	require.NoError(t, err)
	c, err := procuros.DecodeContent(procuros.TypeCreditNote, raw)
	require.NoError(t, err)
	cn := c.(*procuros.CreditNote)
	require.Equal(t, procuros.CreditNoteCorrection, cn.Header.Type)

	m, err := New(nil)
	require.NoError(t, err)
	segs, warnings, err := m.ToEDIFACT(cn, "1", "D96A", '.')
	require.NoError(t, err)
	assert.Equal(t, "381", segs[1].Value(0, 0))
	require.NotEmpty(t, warnings)
	assert.Equal(t, "header.type", warnings[0].Path)

	over, err := ParseOverrides([]byte(`messages: {INVOIC: {documentNames: {"ZK1": CORRECTION}}}`))
	require.NoError(t, err)
	partner, err := New(over)
	require.NoError(t, err)
	segs, warnings, err = partner.ToEDIFACT(cn, "1", "D96A", '.')
	require.NoError(t, err)
	assert.Equal(t, "ZK1", segs[1].Value(0, 0))
	for _, w := range warnings {
		assert.NotEqual(t, "header.type", w.Path)
	}
	tr := translateOne(t, partner, invoicMessage("ZK1", nil))
	require.NoError(t, tr.Err)
	assert.Equal(t, procuros.CreditNoteCorrection, tr.Result.Content.(*procuros.CreditNote).Header.Type)
}

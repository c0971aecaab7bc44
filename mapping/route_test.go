package mapping

import (
	"testing"

	"github.com/edibridge/edibridge/procuros"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMessageFor: the runtime routes an outbound transaction by the
// message it is written as and the party that sends that message; a credit
// note is an INVOIC from the supplier, a receival notice a RECADV from the
// buyer.
func TestMessageFor(t *testing.T) {
	m, err := New(nil)
	require.NoError(t, err)
	for _, tt := range []struct {
		tx             procuros.TransactionType
		message, party string
	}{
		{procuros.TypeOrder, "ORDERS", "buyer"},
		{procuros.TypeOrderResponse, "ORDRSP", "supplier"},
		{procuros.TypeShippingNotice, "DESADV", "supplier"},
		{procuros.TypeInvoice, "INVOIC", "supplier"},
		{procuros.TypeCreditNote, "INVOIC", "supplier"},
		{procuros.TypeReceivalNotice, "RECADV", "buyer"},
	} {
		msg, sender, ok := m.MessageFor(tt.tx)
		assert.True(t, ok, "%s", tt.tx)
		assert.Equal(t, tt.message, msg, "%s", tt.tx)
		assert.Equal(t, tt.party, sender, "%s", tt.tx)
	}
	_, _, ok := m.MessageFor(procuros.TypeProductCatalog)
	assert.False(t, ok, "a transaction no message carries")
}

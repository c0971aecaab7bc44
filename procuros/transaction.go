package procuros

import (
	"encoding/json"
	"errors"
	"fmt"
)

// TransactionType names the kind of a transaction (the spec's TransactionType).
type TransactionType string

// The transaction types of API v2.
const (
	TypeOrder                       TransactionType = "ORDER"
	TypeOrderResponse               TransactionType = "ORDER_RESPONSE"
	TypeShippingNotice              TransactionType = "SHIPPING_NOTICE"
	TypeInvoice                     TransactionType = "INVOICE"
	TypeCreditNote                  TransactionType = "CREDIT_NOTE"
	TypeDispatchInstruction         TransactionType = "DISPATCH_INSTRUCTION"
	TypeDispatchInstructionResponse TransactionType = "DISPATCH_INSTRUCTION_RESPONSE"
	TypeReceivalNotice              TransactionType = "RECEIVAL_NOTICE"
	TypeRemittanceAdvice            TransactionType = "REMITTANCE_ADVICE"
	TypeProductCatalog              TransactionType = "PRODUCT_CATALOG"
	TypeInventoryReport             TransactionType = "INVENTORY_REPORT"
	TypeSalesReport                 TransactionType = "SALES_REPORT"
)

// TransactionStatus is the processing state of a transaction.
type TransactionStatus string

// The statuses of the spec's TransactionStatus.
const (
	StatusPending TransactionStatus = "PENDING"
	StatusSuccess TransactionStatus = "SUCCESS"
	StatusFailed  TransactionStatus = "FAILED"
	StatusDropped TransactionStatus = "DROPPED"
	StatusUnknown TransactionStatus = "UNKNOWN"
)

// TransactionFlow tells live traffic from test traffic.
type TransactionFlow string

// The flows of the spec's TransactionFlow.
const (
	FlowLive TransactionFlow = "LIVE"
	FlowTest TransactionFlow = "TEST"
)

// Content is the typed content of a transaction. Order, OrderResponse,
// ShippingNotice, Invoice, CreditNote and ReceivalNotice implement it.
type Content interface {
	TransactionType() TransactionType
}

// ErrUnsupportedType is returned when content of a transaction type this
// package has no Go type for is to be decoded.
var ErrUnsupportedType = errors.New("procuros: no Go type for this transaction type")

// SentTransaction is the body of POST /v2/transactions. Content is usually a
// Content value; a json.RawMessage works for the types without a Go type.
// Content must not be nil (see MarshalTransaction).
type SentTransaction struct {
	Type    TransactionType `json:"type"`
	Content any             `json:"content"`
}

// NewSentTransaction wraps c with its type.
func NewSentTransaction(c Content) SentTransaction {
	return SentTransaction{Type: c.TransactionType(), Content: c}
}

// ReceivedTransaction is an unprocessed incoming transaction, as listed by
// GET /v2/transactions. Content is kept raw; DecodeContent types it.
type ReceivedTransaction struct {
	ProcurosTransactionID string          `json:"procurosTransactionId"`
	Type                  TransactionType `json:"type"`
	Content               json.RawMessage `json:"content"`
	Versioning
}

// Versioning holds the document-versioning members that current API
// responses carry although spec revision 2.0.0 lacks them (SPEC-NOTES item
// 9). They are absent from older responses.
type Versioning struct {
	// IsLatestVersion is false for a version that a newer one superseded;
	// nil when the server did not say.
	IsLatestVersion                 *bool  `json:"isLatestVersion,omitempty"`
	ReplacesProcurosTransactionID   string `json:"replacesProcurosTransactionId,omitempty"`
	ReplacedByProcurosTransactionID string `json:"replacedByProcurosTransactionId,omitempty"`
}

// DecodeContent returns the typed content of t.
func (t ReceivedTransaction) DecodeContent() (Content, error) {
	return decodeContentOf(t.ProcurosTransactionID, t.Type, t.Content)
}

// Transaction is any transaction, incoming or outgoing, as listed by
// GET /v2/all-transactions and shown by GET /v2/all-transactions/{id}.
type Transaction struct {
	ProcurosTransactionID string            `json:"procurosTransactionId"`
	Type                  TransactionType   `json:"type"`
	Status                TransactionStatus `json:"status"`
	Flow                  TransactionFlow   `json:"flow"`
	CreatedAt             DateTime          `json:"createdAt,omitzero"`
	Content               json.RawMessage   `json:"content,omitempty"`
	Versioning
}

// DecodeContent returns the typed content of t.
func (t Transaction) DecodeContent() (Content, error) {
	return decodeContentOf(t.ProcurosTransactionID, t.Type, t.Content)
}

// decodeContentOf is the DecodeContent of both envelopes: DecodeContent
// with the transaction's id in the error.
func decodeContentOf(id string, typ TransactionType, raw json.RawMessage) (Content, error) {
	c, err := DecodeContent(typ, raw)
	if err != nil {
		return nil, fmt.Errorf("procuros: transaction %s: %w", id, err)
	}
	return c, nil
}

// DecodeContent decodes raw content of type typ into its Go type. Members
// this package does not know are ignored, as newer API revisions add some.
func DecodeContent(typ TransactionType, raw json.RawMessage) (Content, error) {
	var c Content
	switch typ {
	case TypeOrder:
		c = &Order{}
	case TypeOrderResponse:
		c = &OrderResponse{}
	case TypeShippingNotice:
		c = &ShippingNotice{}
	case TypeInvoice:
		c = &Invoice{}
	case TypeCreditNote:
		c = &CreditNote{}
	case TypeReceivalNotice:
		c = &ReceivalNotice{}
	default:
		return nil, fmt.Errorf("decode %s content: %w", typ, ErrUnsupportedType)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("decode %s content: no content", typ)
	}
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, fmt.Errorf("decode %s content: %w", typ, err)
	}
	return c, nil
}

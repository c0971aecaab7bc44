package procuros

// Invoice is the content of an INVOICE transaction.
type Invoice struct {
	Header InvoiceHeader `json:"header"`
	Items  []InvoiceItem `json:"items,omitempty"`
	// Summary is required when a modification group exists; then DueAmount
	// is its one required member.
	Summary *Summary `json:"summary,omitempty"`
}

// TransactionType returns TypeInvoice.
func (Invoice) TransactionType() TransactionType { return TypeInvoice }

// InvoiceHeader is the document level of an invoice.
type InvoiceHeader struct {
	Buyer                      Party                       `json:"buyer,omitzero"`
	Supplier                   Party                       `json:"supplier,omitzero"`
	ShipTo                     *Party                      `json:"shipTo,omitempty"`
	BillTo                     *Party                      `json:"billTo,omitempty"`
	BillFrom                   *Party                      `json:"billFrom,omitempty"`
	FinalRecipient             *Party                      `json:"finalRecipient,omitempty"`
	InvoiceIdentifier          string                      `json:"invoiceIdentifier,omitempty"`
	InvoiceDate                DateTime                    `json:"invoiceDate,omitzero"`
	InvoiceDueDate             DateTime                    `json:"invoiceDueDate,omitzero"`
	ShippingNoticeIdentifier   string                      `json:"shippingNoticeIdentifier,omitempty"`
	ShippingNoticeDate         DateTime                    `json:"shippingNoticeDate,omitzero"`
	OrderIdentifier            string                      `json:"orderIdentifier,omitempty"`
	OrderDate                  DateTime                    `json:"orderDate,omitzero"`
	AdditionalOrderIdentifiers *AdditionalOrderIdentifiers `json:"AdditionalOrderIdentifiers,omitempty"`
	RequestedDeliveryDate      DateTime                    `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate       DateTime                    `json:"expectedDeliveryDate,omitzero"`
	PaymentTerms               []PaymentTerm               `json:"paymentTerms,omitempty"`
	Comments                   string                      `json:"comments,omitempty"`
	DeliveryInformation        string                      `json:"deliveryInformation,omitempty"`
	PurchasingInformation      string                      `json:"purchasingInformation,omitempty"`
	LegalInformation           string                      `json:"legalInformation,omitempty"`
	Currency                   string                      `json:"currency,omitempty"`
	PromotionCode              string                      `json:"promotionCode,omitempty"`
	OrganicControlPointNumber  string                      `json:"organicControlPointNumber,omitempty"`
	ContractReference          string                      `json:"contractReference,omitempty"`
	Version                    int                         `json:"version,omitempty"`
}

// InvoiceItem is one line of an invoice. Only an invoiced item
// (IsInvoicedItem) may have a unit price other than 0; SubItems nest two
// levels deep at most and carry total quantities. LineNumber, IsDepositItem
// and IsInvoicedItem are required, and pointers so that an unset one reaches
// the API as missing rather than as 0 or false.
type InvoiceItem struct {
	LineNumber                *int                `json:"lineNumber,omitempty"`
	ShippingNoticeIdentifier  string              `json:"shippingNoticeIdentifier,omitempty"`
	ShippingNoticeDate        DateTime            `json:"shippingNoticeDate,omitzero"`
	ShippingNoticeLineNumber  int                 `json:"shippingNoticeLineNumber,omitempty"`
	OrderIdentifier           string              `json:"orderIdentifier,omitempty"`
	OrderDate                 DateTime            `json:"orderDate,omitzero"`
	OrderLineNumber           int                 `json:"orderLineNumber,omitempty"`
	RequestedDeliveryDate     DateTime            `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate      DateTime            `json:"expectedDeliveryDate,omitzero"`
	Identifiers               []ItemIdentifier    `json:"identifiers,omitempty"`
	IsDepositItem             *bool               `json:"isDepositItem,omitempty"`
	IsInvoicedItem            *bool               `json:"isInvoicedItem,omitempty"`
	Description               string              `json:"description,omitempty"`
	Comments                  string              `json:"comments,omitempty"`
	Quantity                  Decimal             `json:"quantity,omitempty"`
	FreeQuantity              Decimal             `json:"freeQuantity,omitempty"`
	OrderedQuantity           Decimal             `json:"orderedQuantity,omitempty"`
	UnitPrice                 Decimal             `json:"unitPrice,omitempty"`
	RecommendedRetailPrice    Decimal             `json:"recommendedRetailPrice,omitempty"`
	NetWeight                 Decimal             `json:"netWeight,omitempty"`
	GrossWeight               Decimal             `json:"grossWeight,omitempty"`
	OriginCountryCode         string              `json:"originCountryCode,omitempty"`
	ColorCode                 string              `json:"colorCode,omitempty"`
	ColorName                 string              `json:"colorName,omitempty"`
	Size                      string              `json:"size,omitempty"`
	Dimension                 string              `json:"dimension,omitempty"`
	HSCode                    string              `json:"hsCode,omitempty"`
	OrganicControlPointNumber string              `json:"organicControlPointNumber,omitempty"`
	FSCNumber                 string              `json:"fscNumber,omitempty"`
	Certifications            *Certifications     `json:"certifications,omitempty"`
	PromotionCode             string              `json:"promotionCode,omitempty"`
	ContractReference         string              `json:"contractReference,omitempty"`
	Tax                       *Tax                `json:"tax,omitempty"`
	Batches                   []Batch             `json:"batches,omitempty"`
	ModificationGroups        []ModificationGroup `json:"modificationGroups,omitempty"`
	UnitOfMeasure             UnitOfMeasure       `json:"unitOfMeasure,omitempty"`
	SubItems                  []InvoiceItem       `json:"subItems,omitempty"`
}

// CreditNote is the content of a CREDIT_NOTE transaction.
type CreditNote struct {
	Header CreditNoteHeader `json:"header"`
	Items  []CreditNoteItem `json:"items,omitempty"`
	// Summary is required for credit notes; DueAmount is its one required
	// member.
	Summary *Summary `json:"summary,omitempty"`
}

// TransactionType returns TypeCreditNote.
func (CreditNote) TransactionType() TransactionType { return TypeCreditNote }

// CreditNoteType is the kind of a credit note.
type CreditNoteType string

// Credit note types.
const (
	CreditNoteCorrection  CreditNoteType = "CORRECTION"
	CreditNoteValueCredit CreditNoteType = "VALUE_CREDIT"
)

// CreditNoteHeader is the document level of a credit note.
type CreditNoteHeader struct {
	Buyer                     Party          `json:"buyer,omitzero"`
	Supplier                  Party          `json:"supplier,omitzero"`
	ShipTo                    *Party         `json:"shipTo,omitempty"`
	BillTo                    *Party         `json:"billTo,omitempty"`
	BillFrom                  *Party         `json:"billFrom,omitempty"`
	FinalRecipient            *Party         `json:"finalRecipient,omitempty"`
	CreditNoteIdentifier      string         `json:"creditNoteIdentifier,omitempty"`
	CreditNoteDate            DateTime       `json:"creditNoteDate,omitzero"`
	CreditNoteDueDate         DateTime       `json:"creditNoteDueDate,omitzero"`
	Type                      CreditNoteType `json:"type,omitempty"`
	InvoiceIdentifier         string         `json:"invoiceIdentifier,omitempty"`
	InvoiceDate               DateTime       `json:"invoiceDate,omitzero"`
	ShippingNoticeIdentifier  string         `json:"shippingNoticeIdentifier,omitempty"`
	ShippingNoticeDate        DateTime       `json:"shippingNoticeDate,omitzero"`
	OrderIdentifier           string         `json:"orderIdentifier,omitempty"`
	OrderDate                 DateTime       `json:"orderDate,omitzero"`
	RequestedDeliveryDate     DateTime       `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate      DateTime       `json:"expectedDeliveryDate,omitzero"`
	PaymentTerms              []PaymentTerm  `json:"paymentTerms,omitempty"`
	Comments                  string         `json:"comments,omitempty"`
	DeliveryInformation       string         `json:"deliveryInformation,omitempty"`
	PurchasingInformation     string         `json:"purchasingInformation,omitempty"`
	LegalInformation          string         `json:"legalInformation,omitempty"`
	Currency                  string         `json:"currency,omitempty"`
	PromotionCode             string         `json:"promotionCode,omitempty"`
	ContractReference         string         `json:"contractReference,omitempty"`
	Reason                    string         `json:"reason,omitempty"`
	OrganicControlPointNumber string         `json:"organicControlPointNumber,omitempty"`
	Version                   int            `json:"version,omitempty"`
}

// CreditNoteItem is one line of a credit note: the members of InvoiceItem
// plus Reason.
type CreditNoteItem struct {
	LineNumber                *int                `json:"lineNumber,omitempty"`
	ShippingNoticeIdentifier  string              `json:"shippingNoticeIdentifier,omitempty"`
	ShippingNoticeDate        DateTime            `json:"shippingNoticeDate,omitzero"`
	ShippingNoticeLineNumber  int                 `json:"shippingNoticeLineNumber,omitempty"`
	OrderIdentifier           string              `json:"orderIdentifier,omitempty"`
	OrderDate                 DateTime            `json:"orderDate,omitzero"`
	OrderLineNumber           int                 `json:"orderLineNumber,omitempty"`
	RequestedDeliveryDate     DateTime            `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate      DateTime            `json:"expectedDeliveryDate,omitzero"`
	Identifiers               []ItemIdentifier    `json:"identifiers,omitempty"`
	IsDepositItem             *bool               `json:"isDepositItem,omitempty"`
	IsInvoicedItem            *bool               `json:"isInvoicedItem,omitempty"`
	Description               string              `json:"description,omitempty"`
	Comments                  string              `json:"comments,omitempty"`
	Quantity                  Decimal             `json:"quantity,omitempty"`
	FreeQuantity              Decimal             `json:"freeQuantity,omitempty"`
	OrderedQuantity           Decimal             `json:"orderedQuantity,omitempty"`
	UnitPrice                 Decimal             `json:"unitPrice,omitempty"`
	RecommendedRetailPrice    Decimal             `json:"recommendedRetailPrice,omitempty"`
	NetWeight                 Decimal             `json:"netWeight,omitempty"`
	GrossWeight               Decimal             `json:"grossWeight,omitempty"`
	OriginCountryCode         string              `json:"originCountryCode,omitempty"`
	ColorCode                 string              `json:"colorCode,omitempty"`
	ColorName                 string              `json:"colorName,omitempty"`
	Size                      string              `json:"size,omitempty"`
	Dimension                 string              `json:"dimension,omitempty"`
	HSCode                    string              `json:"hsCode,omitempty"`
	OrganicControlPointNumber string              `json:"organicControlPointNumber,omitempty"`
	FSCNumber                 string              `json:"fscNumber,omitempty"`
	Certifications            *Certifications     `json:"certifications,omitempty"`
	PromotionCode             string              `json:"promotionCode,omitempty"`
	Reason                    string              `json:"reason,omitempty"`
	Tax                       *Tax                `json:"tax,omitempty"`
	Batches                   []Batch             `json:"batches,omitempty"`
	ModificationGroups        []ModificationGroup `json:"modificationGroups,omitempty"`
	UnitOfMeasure             UnitOfMeasure       `json:"unitOfMeasure,omitempty"`
	ContractReference         string              `json:"contractReference,omitempty"`
	SubItems                  []CreditNoteItem    `json:"subItems,omitempty"`
}

package procuros

import "encoding/json"

// ShippingNotice is the content of a SHIPPING_NOTICE transaction (DESADV):
// the goods of a shipment, packed in transport units.
type ShippingNotice struct {
	Header         ShippingNoticeHeader          `json:"header"`
	TransportUnits []ShippingNoticeTransportUnit `json:"transportUnits,omitempty"`
}

// TransactionType returns TypeShippingNotice.
func (ShippingNotice) TransactionType() TransactionType { return TypeShippingNotice }

// ShippingNoticeHeader is the document level of a shipping notice.
type ShippingNoticeHeader struct {
	Buyer                      Party                       `json:"buyer,omitzero"`
	Supplier                   Party                       `json:"supplier,omitzero"`
	ShipFrom                   *Party                      `json:"shipFrom,omitempty"`
	ShipTo                     *Party                      `json:"shipTo,omitempty"`
	BillTo                     *Party                      `json:"billTo,omitempty"`
	FinalRecipient             *Party                      `json:"finalRecipient,omitempty"`
	ShippingNoticeIdentifier   string                      `json:"shippingNoticeIdentifier,omitempty"`
	ShippingNoticeDate         DateTime                    `json:"shippingNoticeDate,omitzero"`
	OrderIdentifier            string                      `json:"orderIdentifier,omitempty"`
	OrderDate                  DateTime                    `json:"orderDate,omitzero"`
	AdditionalOrderIdentifiers *AdditionalOrderIdentifiers `json:"AdditionalOrderIdentifiers,omitempty"`
	RequestedDeliveryDate      DateTime                    `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate       DateTime                    `json:"expectedDeliveryDate,omitzero"`
	RequestedDespatchDate      DateTime                    `json:"requestedDespatchDate,omitzero"`
	DespatchDate               DateTime                    `json:"despatchDate,omitzero"`
	Carrier                    string                      `json:"carrier,omitempty"`
	TrackingNumber             string                      `json:"trackingNumber,omitempty"`
	TrackingURL                string                      `json:"trackingUrl,omitempty"`
	ModeOfTransport            ModeOfTransport             `json:"modeOfTransport,omitempty"`
	IncoTerms                  IncoTerms                   `json:"incoTerms,omitempty"`
	ShippingMethod             string                      `json:"shippingMethod,omitempty"`
	Status                     string                      `json:"status,omitempty"`
	Comments                   string                      `json:"comments,omitempty"`
	DeliveryInformation        string                      `json:"deliveryInformation,omitempty"`
	PurchasingInformation      string                      `json:"purchasingInformation,omitempty"`
	LegalInformation           string                      `json:"legalInformation,omitempty"`
	Currency                   string                      `json:"currency,omitempty"`
	Version                    int                         `json:"version,omitempty"`
}

// ShippingNoticeTransportUnit is a pallet, carton or other unit of a
// shipment. A unit holds items, or other units (the layers of a sandwich
// pallet, one level deep) and then an empty item list.
type ShippingNoticeTransportUnit struct {
	UnitIdentifier          string   `json:"unitIdentifier,omitempty"`
	UnitType                UnitType `json:"unitType,omitempty"`
	ContainedTradeUnitCount *int     `json:"containedTradeUnitCount,omitempty"`
	RequestedDeliveryDate   DateTime `json:"requestedDeliveryDate,omitzero"`
	ExpectedDeliveryDate    DateTime `json:"expectedDeliveryDate,omitzero"`
	RequestedDespatchDate   DateTime `json:"requestedDespatchDate,omitzero"`
	DespatchDate            DateTime `json:"despatchDate,omitzero"`
	// Items is always written, as an empty list for a unit that holds only
	// other units: the schema requires the member.
	Items          []ShippingNoticeItem          `json:"items"`
	TransportUnits []ShippingNoticeTransportUnit `json:"transportUnits,omitempty"`
}

// MarshalJSON writes a nil Items as [] rather than null.
func (u ShippingNoticeTransportUnit) MarshalJSON() ([]byte, error) {
	type plain ShippingNoticeTransportUnit // without this method
	if u.Items == nil {
		u.Items = []ShippingNoticeItem{}
	}
	return json.Marshal(plain(u))
}

// ShippingNoticeItem is one line of a shipping notice. SubItems nest two
// levels deep at most; their quantities are totals, not per parent unit.
// LineNumber and IsDepositItem are required, and pointers so that an unset
// one reaches the API as missing rather than as 0 or false.
type ShippingNoticeItem struct {
	LineNumber                      *int               `json:"lineNumber,omitempty"`
	OrderLineNumber                 int                `json:"orderLineNumber,omitempty"`
	Identifiers                     []ItemIdentifier   `json:"identifiers,omitempty"`
	IsDepositItem                   *bool              `json:"isDepositItem,omitempty"`
	Description                     string             `json:"description,omitempty"`
	Comments                        string             `json:"comments,omitempty"`
	OrderedQuantity                 Decimal            `json:"orderedQuantity,omitempty"`
	ShippedQuantity                 Decimal            `json:"shippedQuantity,omitempty"`
	OpenQuantityAction              OpenQuantityAction `json:"openQuantityAction,omitempty"`
	Batches                         []Batch            `json:"batches,omitempty"`
	UnitPrice                       Decimal            `json:"unitPrice,omitempty"`
	RecommendedRetailPrice          Decimal            `json:"recommendedRetailPrice,omitempty"`
	Tax                             *Tax               `json:"tax,omitempty"`
	MinimumRemainingShelfLifeInDays *int               `json:"minimumRemainingShelfLifeInDays,omitempty"`
	NetWeight                       Decimal            `json:"netWeight,omitempty"`
	GrossWeight                     Decimal            `json:"grossWeight,omitempty"`
	OriginCountryCode               string             `json:"originCountryCode,omitempty"`
	ColorCode                       string             `json:"colorCode,omitempty"`
	ColorName                       string             `json:"colorName,omitempty"`
	Size                            string             `json:"size,omitempty"`
	Dimension                       string             `json:"dimension,omitempty"`
	HSCode                          string             `json:"hsCode,omitempty"`
	OrganicControlPointNumber       string             `json:"organicControlPointNumber,omitempty"`
	FSCNumber                       string             `json:"fscNumber,omitempty"`
	Certifications                  *Certifications    `json:"certifications,omitempty"`
	UnitOfMeasure                   UnitOfMeasure      `json:"unitOfMeasure,omitempty"`
	// Breeder, Fattener, Slaughterer and Cutter trace meat; each needs at
	// least one identifier.
	Breeder       *Party               `json:"breeder,omitempty"`
	Fattener      *Party               `json:"fattener,omitempty"`
	Slaughterer   *Party               `json:"slaughterer,omitempty"`
	Cutter        *Party               `json:"cutter,omitempty"`
	SlaughterDate Date                 `json:"slaughterDate,omitzero"`
	TradeClass    string               `json:"tradeClass,omitempty"`
	EarTag        string               `json:"earTag,omitempty"`
	Birthdate     Date                 `json:"birthdate,omitzero"`
	Gender        string               `json:"gender,omitempty"`
	SubItems      []ShippingNoticeItem `json:"subItems,omitempty"`
}

// ReceivalNotice is the content of a RECEIVAL_NOTICE transaction (RECADV):
// what the customer received.
type ReceivalNotice struct {
	Header         ReceivalNoticeHeader          `json:"header"`
	TransportUnits []ReceivalNoticeTransportUnit `json:"transportUnits,omitempty"`
}

// TransactionType returns TypeReceivalNotice.
func (ReceivalNotice) TransactionType() TransactionType { return TypeReceivalNotice }

// ReceivalNoticeHeader is the document level of a receival notice.
type ReceivalNoticeHeader struct {
	ReceivalAdviceNumber string   `json:"receivalAdviceNumber,omitempty"`
	ReceivalDate         DateTime `json:"receivalDate,omitzero"`
	DeliveryNoteNumber   string   `json:"deliveryNoteNumber,omitempty"`
	CustomerOrderNumber  string   `json:"customerOrderNumber,omitempty"`
	ShipTo               *Party   `json:"shipTo,omitempty"`
	Customer             Party    `json:"customer,omitzero"`
	DeliveryNoteDate     DateTime `json:"deliveryNoteDate,omitzero"`
	OrderDate            DateTime `json:"orderDate,omitzero"`
	ShipFrom             *Party   `json:"shipFrom,omitempty"`
	BillTo               *Party   `json:"billTo,omitempty"`
	Supplier             Party    `json:"supplier,omitzero"`
	Comments             string   `json:"comments,omitempty"`
	CarrierID            string   `json:"carrierId,omitempty"`
	CarrierDomain        string   `json:"carrierDomain,omitempty"`
	TrackingNumber       string   `json:"trackingNumber,omitempty"`
	TrackingURL          string   `json:"trackingUrl,omitempty"`
	Version              int      `json:"version,omitempty"`
}

// ReceivalNoticeTransportUnit is a unit as received.
type ReceivalNoticeTransportUnit struct {
	UnitIdentifier          string               `json:"unitIdentifier,omitempty"`
	UnitType                UnitType             `json:"unitType,omitempty"`
	ContainedTradeUnitCount *int                 `json:"containedTradeUnitCount,omitempty"`
	Items                   []ReceivalNoticeItem `json:"items,omitempty"`
}

// ReceivalNoticeItem is one line of a receival notice.
type ReceivalNoticeItem struct {
	LineNumber         int                `json:"lineNumber,omitempty"`
	ReceivedQuantity   Decimal            `json:"receivedQuantity,omitempty"`
	ShippedQuantity    Decimal            `json:"shippedQuantity,omitempty"`
	Identifiers        []ItemIdentifier   `json:"identifiers,omitempty"`
	OrderLineNumber    int                `json:"orderLineNumber,omitempty"`
	OrderedQuantity    Decimal            `json:"orderedQuantity,omitempty"`
	RejectedQuantity   Decimal            `json:"rejectedQuantity,omitempty"`
	RejectReason       string             `json:"rejectReason,omitempty"`
	OpenQuantityAction OpenQuantityAction `json:"openQuantityAction,omitempty"`
	UnitPrice          Decimal            `json:"unitPrice,omitempty"`
	Currency           string             `json:"currency,omitempty"`
	UnitOfMeasure      UnitOfMeasure      `json:"unitOfMeasure,omitempty"`
	Description        string             `json:"description,omitempty"`
	Batches            []Batch            `json:"batches,omitempty"`
}

package procuros

// Order is the content of an ORDER transaction: a purchase order.
type Order struct {
	Header OrderHeader `json:"header"`
	Items  []OrderItem `json:"items,omitempty"`
	// Summary is required when a modification group exists.
	Summary *Summary `json:"summary,omitempty"`
}

// TransactionType returns TypeOrder.
func (Order) TransactionType() TransactionType { return TypeOrder }

// OrderHeader is the document level of an order.
type OrderHeader struct {
	Buyer                      Party                       `json:"buyer,omitzero"`
	Supplier                   Party                       `json:"supplier,omitzero"`
	ShipTo                     *Party                      `json:"shipTo,omitempty"`
	BillTo                     *Party                      `json:"billTo,omitempty"`
	FinalRecipient             *Party                      `json:"finalRecipient,omitempty"`
	OrderIdentifier            string                      `json:"orderIdentifier,omitempty"`
	OrderDate                  DateTime                    `json:"orderDate,omitzero"`
	AdditionalOrderIdentifiers *AdditionalOrderIdentifiers `json:"AdditionalOrderIdentifiers,omitempty"`
	Type                       string                      `json:"type,omitempty"`
	RequestedDeliveryDate      DateTime                    `json:"requestedDeliveryDate,omitzero"`
	Currency                   string                      `json:"currency,omitempty"`
	PaymentTerms               []PaymentTerm               `json:"paymentTerms,omitempty"`
	Comments                   string                      `json:"comments,omitempty"`
	DeliveryInformation        string                      `json:"deliveryInformation,omitempty"`
	PurchasingInformation      string                      `json:"purchasingInformation,omitempty"`
	LegalInformation           string                      `json:"legalInformation,omitempty"`
	PromotionCode              string                      `json:"promotionCode,omitempty"`
	ContractReference          string                      `json:"contractReference,omitempty"`
	Version                    int                         `json:"version,omitempty"`
	Attachments                []Attachment                `json:"attachments,omitempty"`
}

// OrderItem is one line of an order. Weights are in grams.
type OrderItem struct {
	LineNumber                      int                 `json:"lineNumber,omitempty"`
	Identifiers                     []ItemIdentifier    `json:"identifiers,omitempty"`
	IsDepositItem                   *bool               `json:"isDepositItem,omitempty"`
	Quantity                        Decimal             `json:"quantity,omitempty"`
	UnitOfMeasure                   UnitOfMeasure       `json:"unitOfMeasure,omitempty"`
	Description                     string              `json:"description,omitempty"`
	Comments                        string              `json:"comments,omitempty"`
	UnitPrice                       Decimal             `json:"unitPrice,omitempty"`
	RecommendedRetailPrice          Decimal             `json:"recommendedRetailPrice,omitempty"`
	Tax                             *Tax                `json:"tax,omitempty"`
	PromotionCode                   string              `json:"promotionCode,omitempty"`
	ContractReference               string              `json:"contractReference,omitempty"`
	RequestedDeliveryDate           DateTime            `json:"requestedDeliveryDate,omitzero"`
	RequestedEarliestDeliveryDate   DateTime            `json:"requestedEarliestDeliveryDate,omitzero"`
	RequestedLatestDeliveryDate     DateTime            `json:"requestedLatestDeliveryDate,omitzero"`
	DeliveryGracePeriodInDays       *int                `json:"deliveryGracePeriodInDays,omitempty"`
	MinimumRemainingShelfLifeInDays *int                `json:"minimumRemainingShelfLifeInDays,omitempty"`
	NetWeight                       Decimal             `json:"netWeight,omitempty"`
	GrossWeight                     Decimal             `json:"grossWeight,omitempty"`
	OriginCountryCode               string              `json:"originCountryCode,omitempty"`
	ColorCode                       string              `json:"colorCode,omitempty"`
	ColorName                       string              `json:"colorName,omitempty"`
	Size                            string              `json:"size,omitempty"`
	Dimension                       string              `json:"dimension,omitempty"`
	HSCode                          string              `json:"hsCode,omitempty"`
	OrganicControlPointNumber       string              `json:"organicControlPointNumber,omitempty"`
	FSCNumber                       string              `json:"fscNumber,omitempty"`
	Brand                           string              `json:"brand,omitempty"`
	ConsumerGroup                   string              `json:"consumerGroup,omitempty"`
	Assortment                      string              `json:"assortment,omitempty"`
	Category                        string              `json:"category,omitempty"`
	SubCategory                     string              `json:"subCategory,omitempty"`
	Certifications                  *Certifications     `json:"certifications,omitempty"`
	ModificationGroups              []ModificationGroup `json:"modificationGroups,omitempty"`
}

// OrderResponse is the content of an ORDER_RESPONSE transaction.
type OrderResponse struct {
	Header OrderResponseHeader `json:"header"`
	// Items are required for type CHANGE (all lines) and prohibited for
	// REJECT.
	Items   []OrderResponseItem `json:"items,omitempty"`
	Summary *Summary            `json:"summary,omitempty"`
}

// TransactionType returns TypeOrderResponse.
func (OrderResponse) TransactionType() TransactionType { return TypeOrderResponse }

// OrderResponseType is the kind of answer to an order.
type OrderResponseType string

// Order response types.
const (
	OrderResponseAccept OrderResponseType = "ACCEPT"
	OrderResponseReject OrderResponseType = "REJECT"
	OrderResponseChange OrderResponseType = "CHANGE"
)

// OrderResponseHeader is the document level of an order response.
type OrderResponseHeader struct {
	Type                       OrderResponseType           `json:"type,omitempty"`
	Version                    int                         `json:"version,omitempty"`
	Buyer                      Party                       `json:"buyer,omitzero"`
	Supplier                   Party                       `json:"supplier,omitzero"`
	ShipTo                     *Party                      `json:"shipTo,omitempty"`
	BillTo                     *Party                      `json:"billTo,omitempty"`
	FinalRecipient             *Party                      `json:"finalRecipient,omitempty"`
	OrderResponseIdentifier    string                      `json:"orderResponseIdentifier,omitempty"`
	OrderResponseDate          DateTime                    `json:"orderResponseDate,omitzero"`
	OrderIdentifier            string                      `json:"orderIdentifier,omitempty"`
	OrderDate                  DateTime                    `json:"orderDate,omitzero"`
	AdditionalOrderIdentifiers *AdditionalOrderIdentifiers `json:"AdditionalOrderIdentifiers,omitempty"`
	ConfirmedDeliveryDate      DateTime                    `json:"confirmedDeliveryDate,omitzero"`
	RequestedDeliveryDate      DateTime                    `json:"requestedDeliveryDate,omitzero"`
	Currency                   string                      `json:"currency,omitempty"`
	PaymentTerms               []PaymentTerm               `json:"paymentTerms,omitempty"`
	Comments                   string                      `json:"comments,omitempty"`
	DeliveryInformation        string                      `json:"deliveryInformation,omitempty"`
	PurchasingInformation      string                      `json:"purchasingInformation,omitempty"`
	LegalInformation           string                      `json:"legalInformation,omitempty"`
	ContractReference          string                      `json:"contractReference,omitempty"`
	PromotionCode              string                      `json:"promotionCode,omitempty"`
}

// OrderResponseItem is one line of an order response.
type OrderResponseItem struct {
	LineNumber                      int                 `json:"lineNumber,omitempty"`
	OrderLineNumber                 int                 `json:"orderLineNumber,omitempty"`
	Identifiers                     []ItemIdentifier    `json:"identifiers,omitempty"`
	IsDepositItem                   *bool               `json:"isDepositItem,omitempty"`
	OrderedQuantity                 Decimal             `json:"orderedQuantity,omitempty"`
	ConfirmedQuantity               Decimal             `json:"confirmedQuantity,omitempty"`
	RequestedDeliveryDate           DateTime            `json:"requestedDeliveryDate,omitzero"`
	RequestedEarliestDeliveryDate   DateTime            `json:"requestedEarliestDeliveryDate,omitzero"`
	RequestedLatestDeliveryDate     DateTime            `json:"requestedLatestDeliveryDate,omitzero"`
	ConfirmedDeliveryDate           DateTime            `json:"confirmedDeliveryDate,omitzero"`
	ConfirmedEarliestDeliveryDate   DateTime            `json:"confirmedEarliestDeliveryDate,omitzero"`
	ConfirmedLatestDeliveryDate     DateTime            `json:"confirmedLatestDeliveryDate,omitzero"`
	UnitOfMeasure                   UnitOfMeasure       `json:"unitOfMeasure,omitempty"`
	Description                     string              `json:"description,omitempty"`
	Comments                        string              `json:"comments,omitempty"`
	UnitPrice                       Decimal             `json:"unitPrice,omitempty"`
	RecommendedRetailPrice          Decimal             `json:"recommendedRetailPrice,omitempty"`
	Tax                             *Tax                `json:"tax,omitempty"`
	ContractReference               string              `json:"contractReference,omitempty"`
	PromotionCode                   string              `json:"promotionCode,omitempty"`
	MinimumRemainingShelfLifeInDays *int                `json:"minimumRemainingShelfLifeInDays,omitempty"`
	NetWeight                       Decimal             `json:"netWeight,omitempty"`
	GrossWeight                     Decimal             `json:"grossWeight,omitempty"`
	OriginCountryCode               string              `json:"originCountryCode,omitempty"`
	ColorCode                       string              `json:"colorCode,omitempty"`
	ColorName                       string              `json:"colorName,omitempty"`
	Size                            string              `json:"size,omitempty"`
	Dimension                       string              `json:"dimension,omitempty"`
	HSCode                          string              `json:"hsCode,omitempty"`
	OrganicControlPointNumber       string              `json:"organicControlPointNumber,omitempty"`
	FSCNumber                       string              `json:"fscNumber,omitempty"`
	ModificationGroups              []ModificationGroup `json:"modificationGroups,omitempty"`
}

package procuros

// This file holds the building blocks that the content types share. Field
// rules, the same everywhere:
//   - JSON names are the spec's, letter for letter.
//   - Optional members are omitted when zero (`omitempty`, `omitzero`), so
//     nothing the source did not say goes out. Where zero is a meaningful
//     value of an optional member (a boolean, a count of days) the field is
//     a pointer.
//   - Required members are omitted when nothing set them, so that a gap
//     surfaces as the API's "field is required" rather than an invented
//     value. For strings, numbers, dates and objects the empty value marks
//     the gap; required booleans and integers (lineNumber, isDepositItem,
//     isInvoicedItem, payInNumberOfDays, level) are pointers for the same
//     reason, since false and 0 are values the source may well mean. Set them
//     with Bool and Int.
//   - The one exception is ShippingNoticeTransportUnit.Items, always written
//     (as [] when empty): the schema requires the member even for a unit that
//     holds only other units, and an empty list there is not an invention.
//   - Unknown members of incoming JSON are ignored.

// Domain is the identification system of a party or item identifier. Party
// identifiers take GS1, DUNS, VAT_DE, FED_TAX, SENDER_INTERNAL,
// RECEIVER_INTERNAL (and VVVO, VETERINARY in shipping notice item parties);
// item identifiers take GS1, BUYER, SUPPLIER.
type Domain string

// Identifier domains of the spec.
const (
	DomainGS1              Domain = "GS1"
	DomainDUNS             Domain = "DUNS"
	DomainVATDE            Domain = "VAT_DE"
	DomainFedTax           Domain = "FED_TAX"
	DomainSenderInternal   Domain = "SENDER_INTERNAL"
	DomainReceiverInternal Domain = "RECEIVER_INTERNAL"
	DomainVVVO             Domain = "VVVO"
	DomainVeterinary       Domain = "VETERINARY"
	DomainBuyer            Domain = "BUYER"
	DomainSupplier         Domain = "SUPPLIER"
)

// Party is a trade partner or location (buyer, supplier, ship-to, ...).
type Party struct {
	Name                 string                `json:"name,omitempty"`
	Identifiers          []PartyIdentifier     `json:"identifiers,omitempty"`
	PostalAddress        *PostalAddress        `json:"postalAddress,omitempty"`
	Contacts             []Contact             `json:"contacts,omitempty"`
	FinancialInstitution *FinancialInstitution `json:"financialInstitution,omitempty"`
}

// PartyIdentifier identifies a party within a domain, such as a GLN in GS1.
type PartyIdentifier struct {
	Identifier string `json:"identifier,omitempty"`
	Domain     Domain `json:"domain,omitempty"`
}

// PostalAddress is a party's address. Name is deprecated in favour of
// Party.Name but still read and written.
type PostalAddress struct {
	Name         string `json:"name,omitempty"`
	Street       string `json:"street,omitempty"`
	AddressExtra string `json:"addressExtra,omitempty"`
	City         string `json:"city,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	State        string `json:"state,omitempty"`
	CountryCode  string `json:"countryCode,omitempty"`
}

// Contact is a person at a party.
type Contact struct {
	Title      string `json:"title,omitempty"`
	Salutation string `json:"salutation,omitempty"`
	FirstName  string `json:"firstName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Mobile     string `json:"mobile,omitempty"`
	Email      string `json:"email,omitempty"`
	Fax        string `json:"fax,omitempty"`
	Department string `json:"department,omitempty"`
}

// FinancialInstitution is a party's bank account.
type FinancialInstitution struct {
	Name                string `json:"name,omitempty"`
	InstitutionID       string `json:"institutionId,omitempty"`
	InstitutionIDDomain string `json:"institutionIdDomain,omitempty"`
	AccountNumber       string `json:"accountNumber,omitempty"`
	AccountHolder       string `json:"accountHolder,omitempty"`
}

// ItemIdentifier identifies a product within a domain: a GTIN in GS1, the
// buyer's or supplier's article number.
type ItemIdentifier struct {
	Identifier string `json:"identifier,omitempty"`
	Domain     Domain `json:"domain,omitempty"`
}

// AdditionalOrderIdentifiers are the order numbers other parties gave the
// order. The JSON name of the member that holds it starts with a capital A,
// as in the spec (SPEC-NOTES item 7).
type AdditionalOrderIdentifiers struct {
	SupplierOrderIdentifier       string `json:"supplierOrderIdentifier,omitempty"`
	ShipToOrderIdentifier         string `json:"shipToOrderIdentifier,omitempty"`
	ShipFromOrderIdentifier       string `json:"shipFromOrderIdentifier,omitempty"`
	BillToOrderIdentifier         string `json:"billToOrderIdentifier,omitempty"`
	BillFromOrderIdentifier       string `json:"billFromOrderIdentifier,omitempty"`
	FinalRecipientOrderIdentifier string `json:"finalRecipientOrderIdentifier,omitempty"`
}

// Attachment is a file linked from a document.
type Attachment struct {
	FileName string `json:"fileName,omitempty"`
	URL      string `json:"url,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
}

// PaymentTerm grants Percentage discount for payment within PayInNumberOfDays
// (required; 0 means immediate payment, hence a pointer).
type PaymentTerm struct {
	PayInNumberOfDays *int    `json:"payInNumberOfDays,omitempty"`
	Percentage        Decimal `json:"percentage,omitempty"`
}

// Tax is the tax of an item or modification: Amount in currency at
// Percentage.
type Tax struct {
	Amount      Decimal `json:"amount,omitempty"`
	Percentage  Decimal `json:"percentage,omitempty"`
	Description string  `json:"description,omitempty"`
}

// Certifications of an item.
type Certifications struct {
	DeBNN string `json:"deBnn,omitempty"`
}

// Batch is the part of an item's quantity that belongs to one production
// batch. Weights are in grams.
type Batch struct {
	BatchIdentifier string  `json:"batchIdentifier,omitempty"`
	ExpirationDate  Date    `json:"expirationDate,omitzero"`
	Quantity        Decimal `json:"quantity,omitempty"`
	NetWeight       Decimal `json:"netWeight,omitempty"`
	GrossWeight     Decimal `json:"grossWeight,omitempty"`
}

// ModificationGroup is a set of allowances and charges applied together on
// Basis; groups apply in increasing Level (required), starting at 1.
type ModificationGroup struct {
	Basis         Decimal        `json:"basis,omitempty"`
	Level         *int           `json:"level,omitempty"`
	Modifications []Modification `json:"modifications,omitempty"`
}

// ModificationType tells an allowance from a charge.
type ModificationType string

// Modification types.
const (
	Allowance ModificationType = "ALLOWANCE"
	Charge    ModificationType = "CHARGE"
)

// CalculationType tells an absolute amount from a percentage.
type CalculationType string

// Calculation types.
const (
	Absolute CalculationType = "ABSOLUTE"
	Relative CalculationType = "RELATIVE"
)

// ReasonCode is why a modification applies.
type ReasonCode string

// Modification reasons.
const (
	ReasonShipping  ReasonCode = "SHIPPING"
	ReasonPackaging ReasonCode = "PACKAGING"
	ReasonHandling  ReasonCode = "HANDLING"
	ReasonDiscount  ReasonCode = "DISCOUNT"
	ReasonInsurance ReasonCode = "INSURANCE"
)

// Modification is one allowance or charge; one of Percentage and Amount is
// required.
type Modification struct {
	Type            ModificationType `json:"type,omitempty"`
	CalculationType CalculationType  `json:"calculationType,omitempty"`
	ReasonCode      ReasonCode       `json:"reasonCode,omitempty"`
	Description     string           `json:"description,omitempty"`
	Percentage      Decimal          `json:"percentage,omitempty"`
	Amount          Decimal          `json:"amount,omitempty"`
	Tax             *Tax             `json:"tax,omitempty"`
}

// Summary holds the document totals of an order, order response, invoice or
// credit note. Order and order response require every amount and Tax;
// invoice and credit note require DueAmount only.
type Summary struct {
	SubtotalAmount     Decimal             `json:"subtotalAmount,omitempty"`
	GrossAmount        Decimal             `json:"grossAmount,omitempty"`
	NetAmount          Decimal             `json:"netAmount,omitempty"`
	DueAmount          Decimal             `json:"dueAmount,omitempty"`
	TotalCharges       Decimal             `json:"totalCharges,omitempty"`
	TotalAllowances    Decimal             `json:"totalAllowances,omitempty"`
	Tax                *SummaryTax         `json:"tax,omitempty"`
	ModificationGroups []ModificationGroup `json:"modificationGroups,omitempty"`
}

// SummaryTax is the document's tax total and its breakdown by rate.
type SummaryTax struct {
	Total       Decimal        `json:"total,omitempty"`
	Description string         `json:"description,omitempty"`
	Items       []TaxBreakdown `json:"items,omitempty"`
}

// TaxBreakdown is the tax at one rate and category.
type TaxBreakdown struct {
	Percentage    Decimal `json:"percentage,omitempty"`
	TaxableAmount Decimal `json:"taxableAmount,omitempty"`
	TaxAmount     Decimal `json:"taxAmount,omitempty"`
	Category      string  `json:"category,omitempty"`
	Description   string  `json:"description,omitempty"`
}

// UnitOfMeasure is a UN/CEFACT Recommendation 20 code from the subset the
// spec allows; EA (each) is the default.
type UnitOfMeasure string

// The units the spec allows.
const (
	UnitEach        UnitOfMeasure = "EA"
	UnitGram        UnitOfMeasure = "GRM"
	UnitHour        UnitOfMeasure = "HUR"
	UnitKilogram    UnitOfMeasure = "KGM"
	UnitLitre       UnitOfMeasure = "LTR"
	UnitMillilitre  UnitOfMeasure = "MLT"
	UnitSquareMetre UnitOfMeasure = "MTK"
	UnitMetre       UnitOfMeasure = "MTR"
	UnitPack        UnitOfMeasure = "PCK"
	UnitSet         UnitOfMeasure = "SET"
	UnitCase        UnitOfMeasure = "CS"
	UnitCan         UnitOfMeasure = "CA"
	UnitDay         UnitOfMeasure = "DAY"
	UnitWeek        UnitOfMeasure = "WEE"
	UnitMonth       UnitOfMeasure = "MON"
	UnitCarton      UnitOfMeasure = "CT"
	UnitCartridge   UnitOfMeasure = "CQ"
	UnitCup         UnitOfMeasure = "CU"
	UnitBucket      UnitOfMeasure = "BJ"
	UnitBottle      UnitOfMeasure = "BO"
	UnitCubicMetre  UnitOfMeasure = "MTQ"
	UnitPallet      UnitOfMeasure = "PF"
	UnitBag         UnitOfMeasure = "BG"
	UnitRoll        UnitOfMeasure = "RO"
	UnitTonne       UnitOfMeasure = "TNE"
	UnitBundle      UnitOfMeasure = "BE"
	UnitCentimetre  UnitOfMeasure = "CMT"
	UnitKilometre   UnitOfMeasure = "KMT"
	UnitPair        UnitOfMeasure = "PR"
	UnitTube        UnitOfMeasure = "TU"
)

// OpenQuantityAction says what happens to a quantity ordered but not shipped.
type OpenQuantityAction string

// Open quantity actions.
const (
	OpenQuantityDiscarded      OpenQuantityAction = "DISCARDED"
	OpenQuantityDeliveredLater OpenQuantityAction = "DELIVERED_LATER"
)

// UnitType is the kind of a transport unit.
type UnitType string

// Transport unit types. Receival notices allow the first four only.
const (
	UnitTypeEuroPallet        UnitType = "EURO_PALLET"
	UnitTypeEuroPalletHalf    UnitType = "EURO_PALLET_HALF"
	UnitTypeEuroPalletQuarter UnitType = "EURO_PALLET_QUARTER"
	UnitTypeCarton            UnitType = "CARTON"
	UnitTypePackage           UnitType = "PACKAGE"
	UnitTypePallet            UnitType = "PALLET"
	UnitTypeContainer         UnitType = "CONTAINER"
)

// ModeOfTransport of a shipment.
type ModeOfTransport string

// Modes of transport.
const (
	TransportRoad       ModeOfTransport = "ROAD"
	TransportRail       ModeOfTransport = "RAIL"
	TransportAir        ModeOfTransport = "AIR"
	TransportSea        ModeOfTransport = "SEA"
	TransportMultimodal ModeOfTransport = "MULTIMODAL"
)

// IncoTerms is an ICC Incoterms code such as "DAP" or "FCA".
type IncoTerms string

// Bool returns a pointer to b, for boolean members that are pointers: the
// optional ones, and the required ones whose absence must reach the API.
func Bool(b bool) *bool { return &b }

// Int returns a pointer to n, for integer members that are pointers: the
// optional ones where 0 matters, and the required ones.
func Int(n int) *int { return &n }

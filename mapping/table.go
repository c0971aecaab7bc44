package mapping

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// A Table maps the codes of an EANCOM data element (a qualifier, a unit, an
// agency) to the Procuros value or field they stand for. Reading, every code
// listed is accepted; writing, the first code listed for a value is the one
// written. The value "-" marks a code that is known and deliberately not
// carried (the table file says why).
type Table struct {
	codes  []string
	values []string
}

// NotCarried is the value of codes a mapping reads and drops on purpose.
const NotCarried = "-"

// Get returns the value of code.
func (t Table) Get(code string) (string, bool) {
	for i, c := range t.codes {
		if c == code {
			return t.values[i], true
		}
	}
	return "", false
}

// Code returns the code written for value: the first listed.
func (t Table) Code(value string) (string, bool) {
	for i, v := range t.values {
		if v == value {
			return t.codes[i], true
		}
	}
	return "", false
}

// Len returns the number of codes.
func (t Table) Len() int { return len(t.codes) }

// with returns t with the entries of over in front, so that they win both
// ways; a code of over replaces the same code of t.
func (t Table) with(over Table) Table {
	if over.Len() == 0 {
		return t
	}
	out := Table{codes: append([]string(nil), over.codes...), values: append([]string(nil), over.values...)}
	for i, c := range t.codes {
		if _, dup := over.Get(c); !dup {
			out.codes = append(out.codes, c)
			out.values = append(out.values, t.values[i])
		}
	}
	return out
}

// UnmarshalYAML reads a mapping of codes to values, keeping their order.
func (t *Table) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a table is a mapping of codes to values", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: table entries are code: value", k.Line)
		}
		if _, dup := t.Get(k.Value); dup {
			return fmt.Errorf("line %d: code %q listed twice", k.Line, k.Value)
		}
		t.codes = append(t.codes, k.Value)
		t.values = append(t.values, v.Value)
	}
	return nil
}

// Tables are the code lists and qualifier tables of every message the
// bridge maps: the built-in ones (tables/*.yaml), possibly with a partner's
// overrides in front.
type Tables struct {
	// Shared code lists (tables/eancom.yaml).
	Units            Table `yaml:"units"`
	PartyAgencies    Table `yaml:"partyAgencies"`
	PartyReferences  Table `yaml:"partyReferences"`
	ItemIdentifiers  Table `yaml:"itemIdentifiers"`
	Communication    Table `yaml:"communication"`
	AllowanceReasons Table `yaml:"allowanceReasons"`
	PackageTypes     Table `yaml:"packageTypes"`
	TaxCategories    Table `yaml:"taxCategories"`
	BankAgencies     Table `yaml:"bankAgencies"`

	// Messages holds each message's own tables, by EDIFACT message type.
	Messages map[string]*MessageTables `yaml:"messages"`
}

// MessageTables are the tables of one message type (tables/orders.yaml and
// the like): which qualifier carries which field.
type MessageTables struct {
	Message       string `yaml:"message"`     // EDIFACT message type, e.g. ORDERS
	Transaction   string `yaml:"transaction"` // Procuros transaction type, e.g. ORDER
	Sender        string `yaml:"sender"`      // buyer or supplier: who sends the message
	DocumentNames Table  `yaml:"documentNames"`
	Functions     Table  `yaml:"functions"`
	Dates         Table  `yaml:"dates"`
	References    Table  `yaml:"references"`
	Parties       Table  `yaml:"parties"`
	PartyOrders   Table  `yaml:"partyOrderReferences"`
	FreeText      Table  `yaml:"freeText"`
	Amounts       Table  `yaml:"amounts"`
	Transport     Table  `yaml:"transportModes"`
	Discrepancies Table  `yaml:"discrepancies"`
	LineActions   Table  `yaml:"lineActions"`
	Item          struct {
		Dates       Table `yaml:"dates"`
		Quantities  Table `yaml:"quantities"`
		Prices      Table `yaml:"prices"`
		Amounts     Table `yaml:"amounts"`
		References  Table `yaml:"references"`
		FreeText    Table `yaml:"freeText"`
		Description Table `yaml:"descriptions"`
		Codes       Table `yaml:"descriptionCodes"`
		Measures    Table `yaml:"measures"`
	} `yaml:"item"`
	// Ignore lists segments (TAG) or qualified segments (TAG+QUALIFIER) that
	// are read and dropped on purpose, with the reason in the file.
	Ignore []string `yaml:"ignore"`
	// Defaults are values for fields a message leaves empty, by field name
	// (see the message's fields in the table file).
	Defaults map[string]string `yaml:"defaults"`
}

//go:embed tables/*.yaml
var tableFiles embed.FS

// builtin parses the embedded tables once; they are never changed after.
var builtin = sync.OnceValues(func() (*Tables, error) {
	t := &Tables{Messages: map[string]*MessageTables{}}
	if err := decodeFile(t, "tables/eancom.yaml"); err != nil {
		return nil, err
	}
	entries, err := tableFiles.ReadDir("tables")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name() == "eancom.yaml" {
			continue
		}
		var mt MessageTables
		if err := decodeFile(&mt, "tables/"+e.Name()); err != nil {
			return nil, err
		}
		t.Messages[mt.Message] = &mt
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
})

func decodeFile(v any, name string) error {
	data, err := tableFiles.ReadFile(name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("mapping: %s: %w", name, err)
	}
	return nil
}

// BuiltinTables returns the tables the bridge ships with.
func BuiltinTables() (*Tables, error) { return builtin() }

// ParseOverrides reads a partner's table overrides: the shape of Tables,
// with only the entries that differ, for example
//
//	units: {KRT: CT}
//	messages:
//	  ORDERS:
//	    item: {quantities: {"1": quantity}}
//	    ignore: [DTM+43E]
func ParseOverrides(data []byte) (*Tables, error) {
	var t Tables
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("mapping overrides: %w", err)
	}
	return &t, nil
}

// With returns the tables with a partner's overrides in front, checked.
func (t *Tables) With(over *Tables) (*Tables, error) {
	if over == nil {
		return t, nil
	}
	out := *t
	out.Units = t.Units.with(over.Units)
	out.PartyAgencies = t.PartyAgencies.with(over.PartyAgencies)
	out.PartyReferences = t.PartyReferences.with(over.PartyReferences)
	out.ItemIdentifiers = t.ItemIdentifiers.with(over.ItemIdentifiers)
	out.Communication = t.Communication.with(over.Communication)
	out.AllowanceReasons = t.AllowanceReasons.with(over.AllowanceReasons)
	out.PackageTypes = t.PackageTypes.with(over.PackageTypes)
	out.TaxCategories = t.TaxCategories.with(over.TaxCategories)
	out.BankAgencies = t.BankAgencies.with(over.BankAgencies)
	out.Messages = map[string]*MessageTables{}
	for name, mt := range t.Messages {
		out.Messages[name] = mt
	}
	for name, o := range over.Messages {
		base, ok := t.Messages[name]
		if !ok {
			return nil, fmt.Errorf("mapping overrides: no message %s (known: %s)", name, strings.Join(t.messageNames(), ", "))
		}
		if o.Message != "" || o.Transaction != "" || o.Sender != "" {
			return nil, fmt.Errorf("mapping overrides: messages.%s: message, transaction and sender are the bridge's, not a partner's to set", name)
		}
		out.Messages[name] = base.with(o)
	}
	if err := out.check(); err != nil {
		return nil, err
	}
	return &out, nil
}

func (mt *MessageTables) with(o *MessageTables) *MessageTables {
	out := *mt
	out.DocumentNames = mt.DocumentNames.with(o.DocumentNames)
	out.Functions = mt.Functions.with(o.Functions)
	out.Dates = mt.Dates.with(o.Dates)
	out.References = mt.References.with(o.References)
	out.Parties = mt.Parties.with(o.Parties)
	out.PartyOrders = mt.PartyOrders.with(o.PartyOrders)
	out.FreeText = mt.FreeText.with(o.FreeText)
	out.Amounts = mt.Amounts.with(o.Amounts)
	out.Transport = mt.Transport.with(o.Transport)
	out.Discrepancies = mt.Discrepancies.with(o.Discrepancies)
	out.LineActions = mt.LineActions.with(o.LineActions)
	out.Item.Dates = mt.Item.Dates.with(o.Item.Dates)
	out.Item.Quantities = mt.Item.Quantities.with(o.Item.Quantities)
	out.Item.Prices = mt.Item.Prices.with(o.Item.Prices)
	out.Item.Amounts = mt.Item.Amounts.with(o.Item.Amounts)
	out.Item.References = mt.Item.References.with(o.Item.References)
	out.Item.FreeText = mt.Item.FreeText.with(o.Item.FreeText)
	out.Item.Description = mt.Item.Description.with(o.Item.Description)
	out.Item.Codes = mt.Item.Codes.with(o.Item.Codes)
	out.Item.Measures = mt.Item.Measures.with(o.Item.Measures)
	out.Ignore = append(append([]string(nil), o.Ignore...), mt.Ignore...)
	out.Defaults = map[string]string{}
	for k, v := range mt.Defaults {
		out.Defaults[k] = v
	}
	for k, v := range o.Defaults {
		out.Defaults[k] = v
	}
	return &out
}

func (t *Tables) messageNames() []string {
	return sortedKeys(t.Messages)
}

// check verifies that every table names only values the mappings know, so
// that a typo in a table or an override fails at start, not on a message.
func (t *Tables) check() error {
	var errs []string
	add := func(where string, tab Table, allowed []string) {
		for i, v := range tab.values {
			if v != NotCarried && !contains(allowed, v) {
				errs = append(errs, fmt.Sprintf("%s: %q maps to %q, which is none of %s", where, tab.codes[i], v, strings.Join(allowed, ", ")))
			}
		}
	}
	add("units", t.Units, unitsAllowed)
	add("partyAgencies", t.PartyAgencies, []string{"GS1", "DUNS", "BUYER", "SELLER", "VAT_DE", "FED_TAX", "SENDER_INTERNAL", "RECEIVER_INTERNAL"})
	add("partyReferences", t.PartyReferences, []string{"GS1", "DUNS", "VAT_DE", "FED_TAX", "SENDER_INTERNAL", "RECEIVER_INTERNAL"})
	add("itemIdentifiers", t.ItemIdentifiers, []string{"GS1", "BUYER", "SUPPLIER"})
	add("communication", t.Communication, []string{"phone", "fax", "email", "mobile"})
	add("allowanceReasons", t.AllowanceReasons, []string{"SHIPPING", "PACKAGING", "HANDLING", "DISCOUNT", "INSURANCE"})
	add("packageTypes", t.PackageTypes, []string{"EURO_PALLET", "EURO_PALLET_HALF", "EURO_PALLET_QUARTER", "CARTON", "PACKAGE", "PALLET", "CONTAINER"})
	for _, name := range t.messageNames() {
		mt := t.Messages[name]
		f, ok := messageFields[name]
		if !ok {
			errs = append(errs, fmt.Sprintf("messages: %s has no mapping", name))
			continue
		}
		p := "messages." + name + "."
		add(p+"documentNames", mt.DocumentNames, f.documentNames)
		add(p+"functions", mt.Functions, f.functions)
		add(p+"dates", mt.Dates, f.dates)
		add(p+"references", mt.References, f.references)
		add(p+"parties", mt.Parties, f.parties)
		add(p+"partyOrderReferences", mt.PartyOrders, f.partyOrders)
		add(p+"freeText", mt.FreeText, f.freeText)
		add(p+"amounts", mt.Amounts, f.amounts)
		add(p+"transportModes", mt.Transport, f.transport)
		add(p+"discrepancies", mt.Discrepancies, f.discrepancies)
		add(p+"lineActions", mt.LineActions, f.lineActions)
		add(p+"item.dates", mt.Item.Dates, f.itemDates)
		add(p+"item.quantities", mt.Item.Quantities, f.itemQuantities)
		add(p+"item.prices", mt.Item.Prices, f.itemPrices)
		add(p+"item.amounts", mt.Item.Amounts, f.itemAmounts)
		add(p+"item.references", mt.Item.References, f.itemReferences)
		add(p+"item.freeText", mt.Item.FreeText, f.itemFreeText)
		add(p+"item.descriptions", mt.Item.Description, f.itemDescriptions)
		add(p+"item.descriptionCodes", mt.Item.Codes, f.itemCodes)
		add(p+"item.measures", mt.Item.Measures, f.itemMeasures)
		for k, v := range mt.Defaults {
			allowed, ok := f.defaults[k]
			switch {
			case !ok:
				errs = append(errs, fmt.Sprintf("%sdefaults: no default for %q (known: %s)", p, k, strings.Join(sortedKeys(f.defaults), ", ")))
			case allowed != nil && !contains(allowed, v):
				errs = append(errs, fmt.Sprintf("%sdefaults: %s %q is none of %s", p, k, v, strings.Join(allowed, ", ")))
			}
		}
		for _, ig := range mt.Ignore {
			if !ignorePattern.MatchString(ig) {
				errs = append(errs, fmt.Sprintf("%signore: %q is neither a segment tag (LOC) nor a tag and qualifier (RFF+ON)", p, ig))
			}
		}
		if cur, ok := mt.Defaults["currency"]; ok && !currencyPattern.MatchString(cur) {
			errs = append(errs, fmt.Sprintf("%sdefaults: currency %q is not an ISO 4217 code (EUR)", p, cur))
		}
		if mt.Sender != "buyer" && mt.Sender != "supplier" {
			errs = append(errs, fmt.Sprintf("%ssender: %q is neither buyer nor supplier", p, mt.Sender))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("mapping tables:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

var (
	ignorePattern   = regexp.MustCompile(`^[A-Z0-9]{3}(\+[A-Za-z0-9]+)?$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unitsAllowed are the units of the spec's UnitOfMeasure.
var unitsAllowed = []string{"EA", "GRM", "HUR", "KGM", "LTR", "MLT", "MTK", "MTR", "PCK", "SET", "CS", "CA", "DAY", "WEE",
	"MON", "CT", "CQ", "CU", "BJ", "BO", "MTQ", "PF", "BG", "RO", "TNE", "BE", "CMT", "KMT", "PR", "TU"}

// fieldSet lists, for one message, the values each of its tables may name:
// the Procuros fields (or meanings) its mapping code knows.
type fieldSet struct {
	documentNames, functions, dates, references, parties, partyOrders, freeText, amounts, transport, discrepancies, lineActions []string
	itemDates, itemQuantities, itemPrices, itemAmounts, itemReferences, itemFreeText, itemDescriptions, itemCodes, itemMeasures []string
	// defaults lists the fields a message's defaults may fill, with the
	// values each allows (nil: any).
	defaults map[string][]string
}

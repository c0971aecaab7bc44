package spec

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Errors maps a JSON path in dot notation ("content.items.0.tax.amount") to
// the problems found there. It has the shape of the `errors` member of the
// API's 422 responses. A nil or empty Errors means valid.
type Errors map[string][]string

// Add records msg for path, once.
func (e Errors) Add(path, msg string) {
	if !slices.Contains(e[path], msg) {
		e[path] = append(e[path], msg)
	}
}

// Paths returns the paths with problems, sorted.
func (e Errors) Paths() []string {
	paths := make([]string, 0, len(e))
	for p := range e {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Error lists every problem on one line, sorted by path.
func (e Errors) Error() string {
	var b strings.Builder
	for i, p := range e.Paths() {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", p, strings.Join(e[p], ", "))
	}
	return b.String()
}

// contentSchemas names the component schema that validates the content of
// each transaction type. SentTransaction.content is a oneOf that is not
// discriminated and that several payloads match more than once (SPEC-NOTES
// item 2), so content is validated against the schema its type names.
var contentSchemas = map[string]string{
	"ORDER":                         "Order",
	"ORDER_RESPONSE":                "OrderResponse",
	"SHIPPING_NOTICE":               "ShippingNotice",
	"INVOICE":                       "Invoice",
	"CREDIT_NOTE":                   "CreditNote",
	"DISPATCH_INSTRUCTION":          "DispatchInstruction",
	"DISPATCH_INSTRUCTION_RESPONSE": "DispatchInstructionResponse",
	"RECEIVAL_NOTICE":               "ReceivalNotice",
	"REMITTANCE_ADVICE":             "RemittanceAdvice",
	"PRODUCT_CATALOG":               "ProductCatalog",
	"INVENTORY_REPORT":              "InventoryReport",
	"SALES_REPORT":                  "SalesReport",
}

// ContentSchema returns the name of the component schema for the content of
// a transaction of type typ, and whether typ is a known transaction type.
func ContentSchema(typ string) (string, bool) {
	name, ok := contentSchemas[typ]
	return name, ok
}

// Validator checks decoded JSON values (see DecodeJSON) against the
// document. It is safe for concurrent use.
type Validator struct {
	doc *openapi3.T
}

// NewValidator returns a validator over the embedded document.
func NewValidator() (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return &Validator{doc: doc}, nil
}

// Document returns the parsed document the validator uses. The caller must not
// modify it.
func (v *Validator) Document() *openapi3.T { return v.doc }

// SentTransaction validates the body of POST /v2/transactions: `type` must be
// a TransactionType and `content` must match the schema that type names.
func (v *Validator) SentTransaction(body any) Errors {
	errs := Errors{}
	obj, ok := body.(map[string]any)
	if !ok {
		errs.Add("", "The request body must be a JSON object.")
		return errs
	}
	typ, hasType := obj["type"]
	content, hasContent := obj["content"]
	if !hasType {
		errs.Add("type", "The type field is required.")
	}
	if !hasContent {
		errs.Add("content", "The content field is required.")
	}
	if !hasType {
		return errs
	}
	name, ok := typ.(string)
	if !ok {
		errs.Add("type", "The type field must be a string.")
		return errs
	}
	if _, known := contentSchemas[name]; !known {
		// The wording of the spec's "Invalid Payload" example.
		errs.Add("type", fmt.Sprintf("Transaction type %q is not valid", name))
		return errs
	}
	if hasContent {
		v.content(errs, name, content, "content")
	}
	return errs
}

// Content validates the content of a transaction of type typ.
func (v *Validator) Content(typ string, content any) Errors {
	errs := Errors{}
	if _, known := contentSchemas[typ]; !known {
		errs.Add("type", fmt.Sprintf("Transaction type %q is not valid", typ))
		return errs
	}
	v.content(errs, typ, content, "")
	return errs
}

func (v *Validator) content(errs Errors, typ string, content any, prefix string) {
	schema := v.doc.Components.Schemas[contentSchemas[typ]]
	visit(errs, schema.Value, content, prefix)
}

// Envelope validates a transaction envelope against the component schema
// called name (Transaction, ReceivedTransaction or SentTransaction) with
// its content checked against the schema its type names, not the spec's
// undiscriminated oneOf.
func (v *Validator) Envelope(name string, value any) (Errors, error) {
	obj, ok := value.(map[string]any)
	if !ok {
		return v.Schema(name, value)
	}
	content, hasContent := obj["content"]
	rest := make(map[string]any, len(obj))
	for k, val := range obj {
		if k != "content" {
			rest[k] = val
		}
	}
	errs, err := v.Schema(name, rest)
	if err != nil || !hasContent {
		return errs, err
	}
	delete(errs, "content") // required, and present
	if typ, ok := obj["type"].(string); ok {
		if _, known := contentSchemas[typ]; known {
			v.content(errs, typ, content, "content")
		}
	}
	return errs, nil
}

// Schema validates value against the component schema called name.
func (v *Validator) Schema(name string, value any) (Errors, error) {
	ref := v.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("spec: no component schema %q", name)
	}
	errs := Errors{}
	visit(errs, ref.Value, value, "")
	return errs, nil
}

// RequestBody validates the JSON body of the operation at method and path
// (the path template as the document spells it, such as
// "/v2/transactions/{procurosTransactionId}"). For POST /v2/transactions use
// SentTransaction, which picks the content schema by type.
func (v *Validator) RequestBody(method, path string, body any) (Errors, error) {
	op, err := v.operation(method, path)
	if err != nil {
		return nil, err
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil, fmt.Errorf("spec: %s %s takes no request body", method, path)
	}
	media := op.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return nil, fmt.Errorf("spec: %s %s has no JSON request body", method, path)
	}
	errs := Errors{}
	visit(errs, media.Schema.Value, body, "")
	return errs, nil
}

// Query validates the query parameters of the operation at method and path
// against their declared schemas. Parameters the operation does not declare
// are ignored, as the API ignores them.
func (v *Validator) Query(method, path string, query url.Values) (Errors, error) {
	op, err := v.operation(method, path)
	if err != nil {
		return nil, err
	}
	errs := Errors{}
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInQuery || !query.Has(p.Name) {
			continue
		}
		raw := query.Get(p.Name)
		value, ok := queryValue(p.Schema.Value, raw)
		if !ok {
			errs.Add(p.Name, fmt.Sprintf("The %s field must be an integer.", p.Name))
			continue
		}
		visit(errs, p.Schema.Value, value, p.Name)
	}
	return errs, nil
}

// queryValue converts a query string value to the JSON type its schema
// declares; only integers need converting in this document.
func queryValue(schema *openapi3.Schema, raw string) (any, bool) {
	if schema.Type != nil && schema.Type.Is(openapi3.TypeInteger) {
		n, err := strconv.ParseInt(raw, 10, 64)
		return n, err == nil
	}
	return raw, true
}

func (v *Validator) operation(method, path string) (*openapi3.Operation, error) {
	item := v.doc.Paths.Value(path)
	if item == nil {
		return nil, fmt.Errorf("spec: no path %s", path)
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		return nil, fmt.Errorf("spec: no operation %s %s", method, path)
	}
	return op, nil
}

// visit validates value against schema and adds every problem to errs under
// prefix.
func visit(errs Errors, schema *openapi3.Schema, value any, prefix string) {
	err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails())
	collect(errs, err, prefix)
}

// collect flattens the error tree of kin-openapi into errs. Errors of allOf
// and oneOf carry the errors of their branches, which name the real place
// of the problem, so only those leaves are recorded.
func collect(errs Errors, err error, prefix string) {
	if err == nil {
		return
	}
	var multi openapi3.MultiError
	if errors.As(err, &multi) && !isSchemaError(err) {
		for _, e := range multi {
			collect(errs, e, prefix)
		}
		return
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		errs.Add(prefix, err.Error())
		return
	}
	// The branches of allOf all apply, so their errors are the real ones.
	// Those of a failed oneOf or anyOf are alternatives, and listing them
	// all would mislead: the error stays at the oneOf.
	if se.Origin != nil && se.SchemaField == "allOf" {
		var branches openapi3.MultiError
		if errors.As(se.Origin, &branches) {
			for _, e := range branches {
				collect(errs, e, prefix)
			}
			return
		}
	}
	path := joinPath(prefix, se.JSONPointer())
	errs.Add(path, message(path, se))
}

func isSchemaError(err error) bool {
	_, ok := err.(*openapi3.SchemaError)
	return ok
}

// joinPath writes a JSON pointer in the dot notation of the API's error keys.
func joinPath(prefix string, pointer []string) string {
	parts := make([]string, 0, len(pointer)+1)
	if prefix != "" {
		parts = append(parts, prefix)
	}
	parts = append(parts, pointer...)
	return strings.Join(parts, ".")
}

// message words a schema error in the style of the API ("The x field is
// required."), keeping the validator's reason for everything else.
func message(path string, se *openapi3.SchemaError) string {
	name := path
	if name == "" {
		name = "request body"
	}
	switch se.SchemaField {
	case "required":
		return fmt.Sprintf("The %s field is required.", name)
	case "pattern", "format":
		// DateTime has both a pattern and format date-time, so a date-only
		// value fails twice; one message says what both want.
		if se.Schema != nil && se.Schema.Format == "date-time" {
			return fmt.Sprintf("The %s field must be a date-time with time of day and zone, such as 2021-10-23T00:00:00+02:00.", name)
		}
	}
	return fmt.Sprintf("The %s field is invalid: %s.", name, se.Reason)
}

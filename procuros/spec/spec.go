// Package spec embeds the Procuros API v2 OpenAPI document and validates
// payloads against it the way the real API reports problems: an errors map
// keyed by JSON path.
//
// The document is a verbatim copy of the published "Complete OpenAPI
// Specification" (version 2.0.0); its quirks are listed in SPEC-NOTES.md in
// the project's shared folder. Loading it costs tens of milliseconds, so Load
// parses it once per process and every Validator shares the result.
package spec

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi-v2.yaml
var document []byte

// YAML returns a copy of the embedded OpenAPI document.
func YAML() []byte { return bytes.Clone(document) }

// load parses the document once; the result is shared and only ever read.
var load = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("spec: load openapi-v2.yaml: %w", err)
	}
	// Several published examples are invalid against their own schemas
	// (SPEC-NOTES item 3), so examples are not part of document validation.
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("spec: openapi-v2.yaml is not a valid OpenAPI document: %w", err)
	}
	return doc, nil
})

// Load returns the parsed document. It is parsed on the first call only; the
// caller must not modify it.
func Load() (*openapi3.T, error) { return load() }

// DecodeJSON decodes one JSON value the way the validator expects it: numbers
// stay json.Number, so that no float rounding hides what was sent, and
// trailing data after the value is an error.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

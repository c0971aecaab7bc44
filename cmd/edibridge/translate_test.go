package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/mapping"
)

const testdata = "../../testdata/edi"

// runCmd runs a command line in-process and returns its exit status and
// what it wrote.
func runCmd(t *testing.T, stdin string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	status = run(context.Background(), e, args)
	return status, out.String(), errOut.String()
}

func TestValidateNamesEveryProblem(t *testing.T) {
	status, out, _ := runCmd(t, "", "validate", filepath.Join(testdata, "orders_bad.edi"))
	assert.Equal(t, 1, status)
	file := filepath.Join(testdata, "orders_bad.edi")
	assert.Contains(t, out, file+`: message 2 (UNH M2) segment 3 DTM, element 1 component 2: "20261315" is not a date in format 102 (CCYYMMDD)`)
	assert.Contains(t, out, file+`: message 3 (UNH M3) segment 5 NAD, element 1 component 1: NAD+XX: qualifier "XX" has no Procuros field in ORDER`)
	assert.Contains(t, out, file+`: warning: message 2 (UNH M2) segment 5 NAD, element 2 component 1: "4012345000008" is not a GLN`)
	assert.NotContains(t, out, "message 1 ", "the good message has nothing to say")

	status, out, errOut := runCmd(t, "", "validate", "--syntax-only", filepath.Join(testdata, "orders_bad.edi"))
	assert.Equal(t, 0, status, out)
	assert.Contains(t, errOut, "ok, 3 messages")
}

func TestValidateSyntaxError(t *testing.T) {
	input := "UNB+UNOC:3+S:14+R:14+260101:1200+1'UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+1+9'UNT+9+1'UNZ+1+1'"
	status, out, _ := runCmd(t, input, "validate", "-")
	assert.Equal(t, 1, status)
	assert.Contains(t, out, "<stdin>: line 1 (offset 76), message 1 (UNH 1) segment 3 UNT, element 1 component 1: control count is 9, but there are 3 segments in the message")
}

func TestValidateWithPartnerTables(t *testing.T) {
	tables := filepath.Join(t.TempDir(), "partner.yaml")
	require.NoError(t, os.WriteFile(tables, []byte("messages: {ORDERS: {ignore: [DTM+999, NAD+XX]}}\n"), 0o644))
	_, out, _ := runCmd(t, "", "validate", "--tables", tables, filepath.Join(testdata, "orders_bad.edi"))
	assert.NotContains(t, out, "DTM+999")
	assert.NotContains(t, out, "NAD+XX")
	assert.Contains(t, out, `"1,2,3" is not a number`)

	require.NoError(t, os.WriteFile(tables, []byte("units: {STK: PIECE}\n"), 0o644))
	status, _, errOut := runCmd(t, "", "validate", "--tables", tables, filepath.Join(testdata, "orders_bad.edi"))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, `units: "STK" maps to "PIECE", which is none of`)
}

func TestTranslateToProcuros(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(testdata, "orders_d96a_unoc.json"))
	require.NoError(t, err)
	var golden mapping.Report
	require.NoError(t, json.Unmarshal(want, &golden))

	status, out, errOut := runCmd(t, "", "translate", filepath.Join(testdata, "orders_d96a_unoc.edi"))
	require.Equal(t, 0, status, errOut)
	var txs []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &txs), out)
	require.Len(t, txs, 1)
	goldenTx, err := json.Marshal(golden.Messages[0].Transaction)
	require.NoError(t, err)
	assert.JSONEq(t, string(goldenTx), string(txs[0]), "an array of {type, content}, as in the golden report")

	status, out, _ = runCmd(t, "", "translate", "--report", filepath.Join(testdata, "orders_d96a_unoc.edi"))
	require.Equal(t, 0, status)
	assert.JSONEq(t, string(want), out, "--report prints the golden report")

	file := filepath.Join(testdata, "unmapped_and_faulty.edi")
	status, out, errOut = runCmd(t, "", "translate", file)
	assert.Equal(t, 1, status, "a message that cannot be mapped fails the command")
	assert.JSONEq(t, "[]", out)
	assert.Contains(t, errOut, file+`: message 1 (UNH C1) segment 2 BGM, element 1 component 1: document name "383" is not mapped`)
	assert.Contains(t, errOut, file+`: warning: message 2 (UNH D1) segment 16 LIN: line 2 has no ordered quantity`)
}

func TestTranslateToEDIFACTAndBack(t *testing.T) {
	raw, err := os.ReadFile("../../procuros/testdata/shipping_notice.json")
	require.NoError(t, err)
	tx := `{"type": "SHIPPING_NOTICE", "content": ` + string(raw) + `}`
	status, edi, errOut := runCmd(t, tx, "translate", "--to", "edifact", "--directory", "D01B",
		"--sender", "4098765000003", "--recipient", "4012345000009:14", "--control-ref", "77", "-")
	require.Equal(t, 0, status, errOut)
	assert.Contains(t, edi, "UNB+UNOC:3+4098765000003:14+4012345000009:14+")
	assert.Contains(t, edi, "UNH+1+DESADV:D:01B:UN:EAN007'")
	assert.Contains(t, edi, "UNZ+1+77'")

	status, out, _ := runCmd(t, edi, "translate", "--report", "-")
	require.Equal(t, 0, status, out)
	var rep mapping.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Messages, 1)
	assert.Equal(t, "DESADV:D:01B:UN:EAN007", rep.Messages[0].Type)

	// What translate prints, translate --to edifact reads.
	status, out, _ = runCmd(t, edi, "translate", "-")
	require.Equal(t, 0, status)
	status, again, errOut := runCmd(t, out, "translate", "--to", "edifact", "--directory", "D01B",
		"--sender", "4098765000003", "--recipient", "4012345000009:14", "--control-ref", "77", "-")
	require.Equal(t, 0, status, errOut)
	assert.Equal(t, withoutUNB(edi), withoutUNB(again))

	// A page of the API's list, and bare content with -type.
	page := `{"items": [` + tx + `, ` + tx + `], "hasMore": false}`
	status, edi, _ = runCmd(t, page, "translate", "--to", "edifact", "--sender", "S", "--recipient", "R", "-")
	require.Equal(t, 0, status)
	assert.Equal(t, 2, strings.Count(edi, "UNH+"))
	status, _, _ = runCmd(t, string(raw), "translate", "--to", "edifact", "--type", "SHIPPING_NOTICE", "--sender", "S", "--recipient", "R", "-")
	assert.Equal(t, 0, status)
}

func TestTranslateRefusesWhatItCannotWrite(t *testing.T) {
	tx := `{"type": "INVOICE", "content": {"header": {"invoiceIdentifier": "X"}, "items": [{"subItems": [{}]}]}}`
	status, out, errOut := runCmd(t, tx, "translate", "--to", "edifact", "--sender", "S", "--recipient", "R", "-")
	assert.Equal(t, 1, status)
	assert.Empty(t, out, "nothing is written when a transaction cannot be mapped")
	assert.Contains(t, errOut, "<stdin>: [0].items[0].subItems: sub-items are not written")

	for _, args := range [][]string{
		{"translate", "--to", "edifact", "-"}, // no sender
		{"translate", "--to", "xml", "-"},     // unknown target
		{"translate"},                         // no file
		{"translate", "--to", "edifact", "--sender", "S", "--recipient", "R", "--directory", "D93A", "-"}, // caught by the mapper
	} {
		status, _, errOut := runCmd(t, tx, args...)
		assert.NotZero(t, status, "%v: %s", args, errOut)
	}
}

// withoutUNB drops the UNB, whose time is that of the writing.
func withoutUNB(edi string) string {
	_, rest, _ := strings.Cut(edi, "\n")
	return rest
}

// TestTranslateNewMessageTypes: ORDRSP, INVOIC credit notes and RECADV
// translate to their transactions and back, and validate names what breaks
// a rule of ORDER_RESPONSE.
func TestTranslateNewMessageTypes(t *testing.T) {
	for _, tt := range []struct {
		file, typ, dir, unh string
		messages            int
	}{
		{"ordrsp_d96a.edi", "ORDER_RESPONSE", "D96A", "ORDRSP:D:96A:UN:EAN005", 3},
		{"ordrsp_d01b_change.edi", "ORDER_RESPONSE", "D01B", "ORDRSP:D:01B:UN:EAN010", 1},
		{"ordrsp_d01b_accept_reject.edi", "ORDER_RESPONSE", "D01B", "ORDRSP:D:01B:UN:EAN010", 2},
		{"invoic_d96a_credit_note.edi", "CREDIT_NOTE", "D96A", "INVOIC:D:96A:UN:EAN008", 1},
		{"invoic_d01b_value_credit.edi", "CREDIT_NOTE", "D01B", "INVOIC:D:01B:UN:EAN010", 1},
		{"recadv_d96a.edi", "RECEIVAL_NOTICE", "D96A", "RECADV:D:96A:UN:EAN003", 1},
		{"recadv_d01b.edi", "RECEIVAL_NOTICE", "D01B", "RECADV:D:01B:UN:EAN005", 1},
	} {
		t.Run(tt.file, func(t *testing.T) {
			file := filepath.Join(testdata, tt.file)
			status, _, errOut := runCmd(t, "", "validate", file)
			require.Equal(t, 0, status, errOut)
			assert.Contains(t, errOut, fmt.Sprintf("ok, %d messages", tt.messages))

			status, out, errOut := runCmd(t, "", "translate", file)
			require.Equal(t, 0, status, errOut)
			var txs []struct {
				Type    string          `json:"type"`
				Content json.RawMessage `json:"content"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &txs), out)
			require.Len(t, txs, tt.messages)
			for _, tx := range txs {
				assert.Equal(t, tt.typ, tx.Type)
			}

			// What translate prints, translate --to edifact writes, and
			// that reads back to the same transactions.
			status, edi, errOut := runCmd(t, out, "translate", "--to", "edifact", "--directory", tt.dir, "--sender", "4098765000003", "--recipient", "4012345000009", "-")
			require.Equal(t, 0, status, errOut)
			assert.Equal(t, tt.messages, strings.Count(edi, "UNH+"))
			assert.Contains(t, edi, "+"+tt.unh+"'")
			status, again, errOut := runCmd(t, edi, "translate", "-")
			require.Equal(t, 0, status, errOut)
			assert.JSONEq(t, out, again)
		})
	}
}

func TestValidateOrderResponseRules(t *testing.T) {
	file := filepath.Join(testdata, "ordrsp_rules.edi")
	status, out, _ := runCmd(t, "", "validate", file)
	assert.Equal(t, 1, status)
	for _, want := range []string{
		`message 1 (UNH A1) segment 7 LIN: Procuros rule: an ACCEPT order response carries no items, the order being accepted exactly as ordered; this one has 1`,
		`message 2 (UNH R1) segment 4 DTM: Procuros rule: a REJECT order response carries no requested delivery date`,
		`message 2 (UNH R1) segment 5 DTM: Procuros rule: a REJECT order response carries no confirmed delivery date`,
		`message 2 (UNH R1) segment 9 LIN: Procuros rule: a REJECT order response carries no items, the whole order being rejected; this one has 1`,
		`message 3 (UNH C1) segment 2 BGM: Procuros rule: a CHANGE order response requires the confirmed delivery date (DTM+69)`,
		`message 4 (UNH C2) segment 9 LIN: Procuros rule: a CHANGE order response carries all order lines, those with equal ordered and confirmed quantities too; order line 2 is missing (it answers lines 1, 3)`,
	} {
		assert.Contains(t, out, file+": "+want+"\n")
	}

	// The same rule, the other way: a REJECT with items is not written.
	tx := `{"type": "ORDER_RESPONSE", "content": {"header": {"type": "REJECT", "orderResponseIdentifier": "AB-1", "orderIdentifier": "PO-1"},
		"items": [{"lineNumber": 1, "orderedQuantity": 1, "confirmedQuantity": 0}]}}`
	status, out, errOut := runCmd(t, tx, "translate", "--to", "edifact", "--sender", "S", "--recipient", "R", "-")
	assert.Equal(t, 1, status)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "<stdin>: [0].items: Procuros rule: a REJECT order response carries no items, the whole order being rejected; this one has 1")
}

// partnerOrdrsp is an ORDRSP CHANGE in the words of a partner that answers
// with message function 28 and confirms with QTY+194: codes only that
// partner's overrides map.
const partnerOrdrsp = "UNA:+.? 'UNB+UNOC:3+4098765000003:14+4012345000009:14+260316:0900+P1'" +
	"UNH+1+ORDRSP:D:96A:UN:EAN005'BGM+231+AB-1+28'DTM+137:20260316:102'DTM+2:20260323:102'DTM+69:20260325:102'" +
	"RFF+ON:PO-1'NAD+BY+4012345000009::9'NAD+SU+4098765000003::9'" +
	"LIN+1+3+4001234567891:EN'QTY+21:10:PCE'QTY+194:8:PCE'UNS+S'UNT+13+1'UNZ+1+P1'"

// writePartnerConfig writes a configuration of two partners: acme, whose
// mapping file maps partnerOrdrsp's codes, and plain, without one.
func writePartnerConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "acme-mapping.yaml"),
		[]byte("messages:\n  ORDRSP:\n    functions: {\"28\": CHANGE}\n    item: {quantities: {\"194\": confirmedQuantity}}\n"), 0o644))
	cfg := `dataDir: data
procuros: {url: sandbox}
partners:
  - id: acme
    unb: {id: "4098765000003"}
    ourUnb: {id: "4012345000009"}
    mapping: acme-mapping.yaml   # relative to this file
  - id: plain
    unb: {id: "4098765000010"}
    ourUnb: {id: "4012345000009"}
`
	path := filepath.Join(dir, "edibridge.yaml")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o644))
	return path
}

// TestTranslateWithPartnerFromConfig: --config and --partner map with the
// overrides the configuration names for the partner, both ways, as the
// runtime does; validate takes them too.
func TestTranslateWithPartnerFromConfig(t *testing.T) {
	cfg := writePartnerConfig(t)
	status, out, errOut := runCmd(t, partnerOrdrsp, "translate", "--config", cfg, "--partner", "acme", "-")
	require.Equal(t, 0, status, errOut)
	var txs []struct {
		Type    string `json:"type"`
		Content struct {
			Header struct{ Type string } `json:"header"`
			Items  []struct {
				ConfirmedQuantity json.Number `json:"confirmedQuantity"`
			} `json:"items"`
		} `json:"content"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &txs), out)
	require.Len(t, txs, 1)
	assert.Equal(t, "ORDER_RESPONSE", txs[0].Type)
	assert.Equal(t, "CHANGE", txs[0].Content.Header.Type, "BGM 28 is CHANGE for acme")
	assert.Equal(t, json.Number("8"), txs[0].Content.Items[0].ConfirmedQuantity, "QTY+194 confirms for acme")

	// Written for acme, its own codes come first.
	status, edi, errOut := runCmd(t, out, "translate", "--to", "edifact", "--config", cfg, "--partner", "acme",
		"--sender", "4098765000003", "--recipient", "4012345000009", "-")
	require.Equal(t, 0, status, errOut)
	assert.Contains(t, edi, "BGM+231+AB-1+28+AC'")
	assert.Contains(t, edi, "QTY+194:8:PCE'")

	status, _, errOut = runCmd(t, partnerOrdrsp, "validate", "--config", cfg, "--partner", "acme", "-")
	assert.Equal(t, 0, status, errOut)
	assert.Contains(t, errOut, "ok, 1 messages")

	// A partner without a mapping file maps with the built-in tables,
	// which know neither code.
	status, out, _ = runCmd(t, partnerOrdrsp, "validate", "--config", cfg, "--partner", "plain", "-")
	assert.Equal(t, 1, status)
	assert.Contains(t, out, `segment 2 BGM, element 3 component 1: message function "28" is not mapped`)
}

func TestTranslatePartnerFlagErrors(t *testing.T) {
	cfg := writePartnerConfig(t)
	tables := filepath.Join(filepath.Dir(cfg), "acme-mapping.yaml")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfg, "--partner", "nobody"}, `--partner: ` + cfg + ` has no partner "nobody" (it has: acme, plain)`},
		{[]string{"--config", cfg}, "--config: give --partner too"},
		{[]string{"--config", cfg, "--partner", "acme", "--tables", tables}, "--tables and --partner: give one"},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.yaml"), "--partner", "acme"}, "missing.yaml"},
	} {
		for _, cmd := range []string{"translate", "validate"} {
			status, _, errOut := runCmd(t, partnerOrdrsp, append(append([]string{cmd}, tt.args...), "-")...)
			assert.NotZero(t, status, "%s %v", cmd, tt.args)
			assert.Contains(t, errOut, tt.want, "%s %v", cmd, tt.args)
		}
	}

	// A mapping file that does not parse is named, with its partner.
	require.NoError(t, os.WriteFile(tables, []byte("units: {STK: PIECE}\n"), 0o644))
	status, _, errOut := runCmd(t, partnerOrdrsp, "translate", "--config", cfg, "--partner", "acme", "-")
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "partner acme: "+tables+": mapping tables:\n  units: \"STK\" maps to \"PIECE\"")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	assert.Contains(t, errOut, file+`: message 1 (UNH C1) segment 2 BGM, element 1 component 1: document name "381" is not mapped`)
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

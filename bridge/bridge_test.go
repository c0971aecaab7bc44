package bridge

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/journal"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
	"github.com/edibridge/edibridge/transport/folder"
)

// A testBridge runs a Bridge against the fake Procuros, with one partner
// (ACME, the buyer of the golden ORDERS) that sends into a folder inbox and
// receives into a folder outbox.
type testBridge struct {
	bridge  *Bridge
	sandbox *procurostest.Server
	inbox   string
	outbox  string
	stop    func()
}

const (
	acmeGLN     = "4012345000009"
	sandboxAuth = "bridge-test-token"
)

func startBridge(t *testing.T, tweak func(*Options)) *testBridge {
	t.Helper()
	sandbox, err := procurostest.NewServer(procurostest.Options{Token: sandboxAuth})
	require.NoError(t, err)
	api := httptest.NewServer(sandbox)
	t.Cleanup(api.Close)
	client, err := procuros.NewClient(procuros.Config{BaseURL: api.URL, Token: sandboxAuth,
		Retry: procuros.RetryPolicy{MaxAttempts: 2, InitialDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}})
	require.NoError(t, err)
	mapper, err := mapping.New(nil)
	require.NoError(t, err)
	dir := t.TempDir()
	tb := &testBridge{sandbox: sandbox, inbox: filepath.Join(dir, "in"), outbox: filepath.Join(dir, "out")}
	require.NoError(t, os.MkdirAll(tb.inbox, 0o755))
	require.NoError(t, os.MkdirAll(tb.outbox, 0o755))
	acme := &Partner{
		ID: "acme", GLNs: []string{acmeGLN},
		UNB:          edifact.Party{ID: acmeGLN, Qualifier: "14"},
		OurUNB:       edifact.Party{ID: "4098765000003", Qualifier: "14"},
		InboundTypes: []string{"ORDERS"}, OutboundTypes: []string{"INVOIC", "DESADV"},
		Mapper: mapper, Outbound: "folder",
		EDIFACT: EDIFACTOptions{LineBreak: "\n"},
		Folder: &FolderOptions{
			Watcher: &folder.WatcherOptions{Inbox: tb.inbox, Archive: filepath.Join(dir, "archive"), Rules: folder.Rules{Completion: folder.Renamed}, Rescan: 100 * time.Millisecond},
			Outbox:  tb.outbox,
		},
	}
	opts := Options{JournalPath: filepath.Join(dir, "journal.db"), DataDir: dir, Procuros: client, Partners: []*Partner{acme}, PollInterval: 50 * time.Millisecond}
	if tweak != nil {
		tweak(&opts)
	}
	b, err := New(context.Background(), opts)
	require.NoError(t, err)
	tb.bridge = b
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	tb.stop = func() {
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, b.Close())
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			tb.stop()
		}
	})
	return tb
}

// drop writes a file into the inbox the way a careful writer does: under
// a temporary name, then renamed.
func (tb *testBridge) drop(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(tb.inbox, "."+name+".tmp")
	require.NoError(t, os.WriteFile(tmp, data, 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(tb.inbox, name)))
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readFixture(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{".."}, parts...)...))
	require.NoError(t, err)
	return data
}

func TestInboundOrdersReachProcuros(t *testing.T) {
	tb := startBridge(t, nil)
	tb.drop(t, "orders.edi", readFixture(t, "testdata", "edi", "orders_d96a_unoc.edi"))
	eventually(t, "the ORDER in the sandbox", func() bool { return tb.sandbox.Summary().Accepted == 1 })
	got := tb.sandbox.Received()[0]
	assert.Equal(t, "ORDER", got.Type)
	assert.Equal(t, 201, got.Status)

	entries, err := tb.bridge.Journal().List(context.Background(), journal.Filter{Direction: "in"})
	require.NoError(t, err)
	eventually(t, "the message recorded as sent", func() bool {
		entries, err = tb.bridge.Journal().List(context.Background(), journal.Filter{Direction: "in", State: journal.MessageSent})
		return err == nil && len(entries) == 1
	})
	assert.Equal(t, "PO-2026-0042", entries[0].Identifier)
}

func TestBadInputIsQuarantinedAndReportedOnce(t *testing.T) {
	tb := startBridge(t, nil)
	tb.drop(t, "garbage.edi", []byte("this is not EDIFACT"))
	tb.drop(t, "bad.edi", readFixture(t, "testdata", "edi", "orders_bad.edi"))
	// garbage.edi is unreadable; bad.edi has one good ORDERS message and
	// two that cannot be mapped.
	eventually(t, "three error reports", func() bool { return len(tb.sandbox.Errors()) == 3 })
	eventually(t, "the good message sent", func() bool { return tb.sandbox.Summary().Accepted == 1 })
	time.Sleep(300 * time.Millisecond)
	errs := tb.sandbox.Errors()
	require.Len(t, errs, 3, "each reported once")
	byJournal := map[string]string{}
	for _, e := range errs {
		assert.Equal(t, "DATA", e.ErrorType)
		assert.Equal(t, "acme", e.ErrorContext["partner"])
		byJournal[e.ErrorContext["file"]+" "+e.ErrorContext["message"]] = e.ErrorReason
	}
	assert.Contains(t, byJournal["garbage.edi "], "garbage.edi: edifact: line 1 (offset 19), segment 1: input ends without a segment terminator")
	assert.Contains(t, byJournal["bad.edi 2 (UNH M2, ORDERS)"], "bad.edi: message 2 (UNH M2) segment 2 BGM: order date (DTM+137) missing")
	assert.Contains(t, byJournal["bad.edi 3 (UNH M3, ORDERS)"], "message 3 (UNH M3) segment 5 NAD: BY party missing")
}

func TestOutboundInvoiceIsDeliveredAndMarked(t *testing.T) {
	tb := startBridge(t, nil)
	id, err := tb.sandbox.AddIncomingJSON(incoming(t, "INVOICE", "invoice.json"))
	require.NoError(t, err)
	eventually(t, "the invoice marked", func() bool { return len(tb.sandbox.Marks()) == 1 })
	mark := tb.sandbox.Marks()[0]
	assert.Equal(t, id[0], mark.ProcurosTransactionID)
	assert.True(t, mark.Success, mark.ErrorReason)
	files, err := os.ReadDir(tb.outbox)
	require.NoError(t, err)
	require.Len(t, files, 1)
	assert.Equal(t, "INVOIC_1.edi", files[0].Name())
	edi, err := os.ReadFile(filepath.Join(tb.outbox, files[0].Name()))
	require.NoError(t, err)
	assert.Contains(t, string(edi), "UNB+UNOC:3+4098765000003:14+4012345000009:14+")
	assert.Contains(t, string(edi), "+1'\n", "control reference 1")
}

func TestOutboundWithoutPartnerIsMarkedFailed(t *testing.T) {
	tb := startBridge(t, nil)
	// An ORDER goes to its supplier, whose GLN no partner has.
	_, err := tb.sandbox.AddIncomingJSON(incoming(t, "ORDER", "order.json"))
	require.NoError(t, err)
	eventually(t, "the order marked", func() bool { return len(tb.sandbox.Marks()) == 1 })
	mark := tb.sandbox.Marks()[0]
	assert.False(t, mark.Success)
	assert.Contains(t, mark.ErrorReason, "no partner has the GLN 4098765000002 of the ORDER's supplier")
}

func TestProcurosOutageIsRiddenOut(t *testing.T) {
	tb := startBridge(t, nil)
	require.NoError(t, tb.sandbox.InjectFault(procurostest.Fault{Kind: procurostest.FaultServerError, Count: 2, Method: "POST", Path: "/v2/transactions"}))
	tb.drop(t, "orders.edi", readFixture(t, "testdata", "edi", "orders_d96a_unoc.edi"))
	eventually(t, "a retry scheduled", func() bool {
		e, _ := tb.bridge.Journal().List(context.Background(), journal.Filter{State: journal.MessageRetrying})
		return len(e) == 1
	})
	// The journal keeps the wait (ten seconds and more); a retry at once
	// shows the message goes through once Procuros is back.
	e, _ := tb.bridge.Journal().List(context.Background(), journal.Filter{State: journal.MessageRetrying})
	require.NoError(t, tb.bridge.Journal().Retry(context.Background(), e[0].Ref))
	tb.bridge.wake.send.notify()
	eventually(t, "the ORDER in the sandbox", func() bool { return tb.sandbox.Summary().Accepted == 1 })
}

// incoming wraps a procuros content fixture as the API lists it.
func incoming(t *testing.T, typ, name string) []byte {
	content := readFixture(t, "procuros", "testdata", name)
	return []byte(`{"type":"` + typ + `","content":` + strings.TrimSpace(string(content)) + `}`)
}

// Every transaction type the bridge writes finds its partner by the GLN of
// the party that receives it: the supplier of an order or a receival
// notice, the buyer of everything the supplier sends.
func TestRouteByReceivingParty(t *testing.T) {
	mapper, err := mapping.New(nil)
	require.NoError(t, err)
	buyer := &Partner{ID: "buyer", GLNs: []string{acmeGLN}, Mapper: mapper}
	supplier := &Partner{ID: "supplier", GLNs: []string{"4098765000003"}, Mapper: mapper}
	b := &Bridge{opts: Options{Partners: []*Partner{buyer, supplier}},
		byGLN: map[string]*Partner{acmeGLN: buyer, "4098765000003": supplier}}
	cases := []struct {
		file, ediType, partner string
	}{
		{"credit_note_value_credit.json", "INVOIC", "buyer"},
		{"order_response_accept.json", "ORDRSP", "buyer"},
		{"receival_notice_cartons.json", "RECADV", "supplier"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			var tx struct {
				Type    procuros.TransactionType `json:"type"`
				Content json.RawMessage          `json:"content"`
			}
			require.NoError(t, json.Unmarshal(readFixture(t, "testdata", "edi", "outbound", c.file), &tx))
			p, ediType, err := b.route(string(tx.Type), tx.Content)
			require.NoError(t, err)
			assert.Equal(t, c.partner, p.ID)
			assert.Equal(t, c.ediType, ediType)
			assert.NotEmpty(t, documentNumber(tx.Type, tx.Content), "document number")
		})
	}
}

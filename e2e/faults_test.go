package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProcurosFaults sends ORDERS from two partners while the sandbox
// answers 500s, then 429s with Retry-After, then hangs longer than the
// client's timeout, and refuses one partner's bad message with a 422.
// Every good message arrives once after the faults pass; the bad one is
// failed in the journal with the 422's errorUrl (as `messages list` and
// `messages show` print it), and the messages after it, of the same
// partner, are not held up.
func TestProcurosFaults(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	betaGLN := gln("400000000123")
	const badDoc = "FAULT-BAD-1"
	sb.faults(
		map[string]any{"kind": "422", "method": "POST", "path": "/v2/transactions", "bodyContains": badDoc,
			"errors": map[string][]string{"content.header.orderIdentifier": {"The order number is unknown to the buyer."}}},
		map[string]any{"kind": "500", "count": 12, "method": "POST", "path": "/v2/transactions"},
		map[string]any{"kind": "429", "count": 12, "retryAfter": "1", "method": "POST", "path": "/v2/transactions"},
		map[string]any{"kind": "hang", "count": 3, "method": "POST", "path": "/v2/transactions"},
		// Processed, but the answer is lost: the resend is a duplicate.
		map[string]any{"kind": "lose-response", "count": 2, "method": "POST", "path": "/v2/transactions"},
		map[string]any{"kind": "500", "count": 3}, // polls and marks too
	)

	acmeIn, betaIn, outbox := filepath.Join(dir, "acme-in"), filepath.Join(dir, "beta-in"), filepath.Join(dir, "out")
	mkdirs(t, acmeIn, betaIn, outbox)
	config := writeConfig(t, dir, "dataDir: data\nlog: {format: json}\n"+
		procurosYAML(sb, time.Second, 100*time.Millisecond, 2*time.Second)+
		"listen:\n  http: {address: 127.0.0.1:0}\npartners:\n"+
		folderPartnerYAML("acme", acmeIn, outbox)+
		fmt.Sprintf(`  - id: beta
    unb: {id: "%s"}
    ourUnb: {id: "%s"}
    inbound: [folder]
    folder: {inbox: %s, completion: renamed}
`, betaGLN, supplierGLN, betaIn))
	b := startBridge(t, config)

	var good []string
	for i := range 15 {
		doc := fmt.Sprintf("FAULT-ACME-%02d", i)
		good = append(good, doc)
		dropFile(t, acmeIn, doc+".edi", orders(doc, i))
	}
	for i := range 6 {
		doc := fmt.Sprintf("FAULT-BETA-%02d", i)
		if i == 2 {
			doc = badDoc
		} else {
			good = append(good, doc)
		}
		dropFile(t, betaIn, doc+".edi", ordersFrom(betaGLN, doc, 100+i))
	}
	// A transaction goes out meanwhile, through the poll's faults.
	outID := sb.addIncoming(incomingInvoice(t, buyerGLN, "FAULT-OUT-1"))[0]

	allCreated := func(docs []string) func() (bool, string) {
		return func() (bool, string) {
			created, _ := sb.created()
			n := 0
			for _, d := range docs {
				if created[d] > 0 {
					n++
				}
			}
			return n == len(docs), fmt.Sprintf("%d of %d good documents created, %d faults still queued", n, len(docs), sb.queuedFaults())
		}
	}
	eventually(t, 120*time.Second, allCreated(good), "the good messages did not all arrive after the faults")
	if n := sb.queuedFaults(); n != 0 {
		t.Errorf("%d faults were never met: the test did not test them", n)
	}

	// Nothing stalls behind the bad message: more of the same partner's
	// messages go through at once.
	var later []string
	for i := range 3 {
		doc := fmt.Sprintf("FAULT-BETA-LATER-%d", i)
		later = append(later, doc)
		dropFile(t, betaIn, doc+".edi", ordersFrom(betaGLN, doc, 200+i))
	}
	eventually(t, 30*time.Second, allCreated(later), "messages after the bad one stalled")
	eventually(t, 30*time.Second, func() (bool, string) {
		for _, m := range sb.marks() {
			if m.TxID == outID && m.Success {
				return true, ""
			}
		}
		return false, "not marked"
	}, "the outbound transaction was not marked processed")

	// The journal settles: a send whose answer was lost is sent again
	// after its backoff, although the sandbox has it already.
	eventually(t, 60*time.Second, func() (bool, string) {
		for _, e := range b.messages("--direction", "in") {
			if strings.HasPrefix(e.Ref, "msg-") && e.State != "sent" && e.State != "duplicate" && e.Document != badDoc {
				return false, fmt.Sprintf("%s (%s) is %s: %s", e.Ref, e.Document, e.State, e.Note)
			}
		}
		return true, ""
	}, "the journal did not settle")

	// Exactly once each; the bad one refused once, with its errorUrl.
	created, dups := sb.created()
	for _, d := range append(good, later...) {
		if created[d] != 1 {
			t.Errorf("%s created %d times", d, created[d])
		}
	}
	// A send whose answer was lost after it created the transaction is
	// sent again, and the sandbox answers the resend as a duplicate.
	var requests []struct {
		Method, Path, Outcome string
	}
	sb.get("/_admin/requests", &requests)
	lost := 0
	for _, r := range requests {
		if r.Method == "POST" && r.Path == "/v2/transactions" && strings.HasPrefix(r.Outcome, "fault: lost response 201") {
			lost++
		}
	}
	if dups < lost {
		t.Errorf("%d sends lost their answer after creating the transaction, but only %d resends were answered as duplicates", lost, dups)
	}
	if created[badDoc] != 0 {
		t.Errorf("the bad message was created")
	}
	var refusals []received
	for _, r := range sb.received() {
		if r.Document() == badDoc {
			refusals = append(refusals, r)
		}
	}
	if len(refusals) != 1 || refusals[0].Status != http.StatusUnprocessableEntity || refusals[0].ErrorURL == "" {
		t.Fatalf("the bad message reached the sandbox as %+v; want one 422 with an errorUrl", refusals)
	}
	t.Logf("%d good messages created once each (%d resends answered as duplicates, %d answers lost); %s refused with %s", len(created), dups, lost, badDoc, refusals[0].ErrorURL)

	var failed []listEntry
	eventually(t, 30*time.Second, func() (bool, string) {
		failed = b.messages("--state", "failed")
		return len(failed) == 1 && failed[0].Document == badDoc && failed[0].Partner == "beta", fmt.Sprintf("%+v", failed)
	}, "messages list --state failed does not show the one bad message of beta")
	shown := b.edibridge("messages", "show", "--config", config, failed[0].Ref)
	for _, want := range []string{"state: failed", "error url: " + refusals[0].ErrorURL, "The order number is unknown to the buyer.", "document: " + badDoc} {
		if !strings.Contains(shown, want) {
			t.Errorf("messages show %s does not say %q:\n%s", failed[0].Ref, want, shown)
		}
	}
	b.stop()
}

package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadInput drops a malformed interchange (cut off before its UNT) and
// an unmappable message (a unit no table maps) beside a good one: the good
// one is sent, the bad ones are quarantined, visible in `messages list`,
// and each is reported to Procuros (POST /v2/errors) exactly once, also
// after the bridge restarts.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	inbox, outbox := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	mkdirs(t, inbox, outbox)
	config := writeConfig(t, dir, "dataDir: data\nlog: {format: json}\n"+
		procurosYAML(sb, 5*time.Second, 100*time.Millisecond, time.Second)+
		"listen:\n  http: {address: 127.0.0.1:0}\npartners:\n"+folderPartnerYAML("acme", inbox, outbox))
	b := startBridge(t, config)

	broken := orders("BADIN-SYNTAX", 1)
	broken = broken[:bytes.Index(broken, []byte("UNS+S'"))] // no UNT, no UNZ
	unmappable := bytes.Replace(orders("BADIN-UNMAP", 2), []byte("QTY+21:120:PCE"), []byte("QTY+21:120:ZZZ"), 1)
	dropFile(t, inbox, "broken.edi", broken)
	dropFile(t, inbox, "unmappable.edi", unmappable)
	dropFile(t, inbox, "good.edi", orders("BADIN-GOOD-1", 3))

	eventually(t, 60*time.Second, func() (bool, string) {
		created, _ := sb.created()
		return created["BADIN-GOOD-1"] == 1 && len(sb.errors()) >= 2, fmt.Sprintf("created %v, %d errors reported", created, len(sb.errors()))
	}, "the good message was not sent, or the bad ones not reported")

	var sentinels []string // the good documents sent after the first check
	check := func() {
		t.Helper()
		errs := sb.errors()
		if len(errs) != 2 {
			t.Fatalf("%d errors reported, want 2: %+v", len(errs), errs)
		}
		byFile := map[string]reportedError{}
		for _, e := range errs {
			byFile[e.ErrorContext["file"]] = e
			if e.ErrorType != "DATA" || e.ErrorContext["partner"] != "acme" || e.ErrorURL == "" {
				t.Errorf("error report %+v: want type DATA, partner acme, an errorUrl", e)
			}
		}
		if e := byFile["broken.edi"]; !strings.Contains(e.ErrorReason, "no UNT") {
			t.Errorf("the malformed interchange's report says %q", e.ErrorReason)
		}
		if e := byFile["unmappable.edi"]; !strings.Contains(e.ErrorReason, `unit "ZZZ" is not mapped`) || e.ErrorContext["message"] == "" {
			t.Errorf("the unmappable message's report says %q, context %v", e.ErrorReason, e.ErrorContext)
		}
		quarantined := b.messages("--state", "quarantined")
		refs := map[string]bool{}
		for _, q := range quarantined {
			refs[q.Ref] = true
		}
		for _, e := range errs {
			if !refs[e.ErrorContext["journal"]] {
				t.Errorf("the report of %s names journal entry %q, not among the quarantined: %+v", e.ErrorContext["file"], e.ErrorContext["journal"], quarantined)
			}
		}
		if len(quarantined) != 2 {
			t.Errorf("messages list --state quarantined: %+v; want the two bad entries", quarantined)
		}
		created, _ := sb.created()
		if len(created) != len(sentinels)+1 {
			t.Errorf("created %v: only the good documents should be", created)
		}
	}
	check()

	// Once: a restart does not report them again. A good file sent after
	// the restart shows the bridge has looked at its work again.
	b.stop()
	b.start()
	sentinels = append(sentinels, "BADIN-GOOD-2")
	dropFile(t, inbox, "good2.edi", orders("BADIN-GOOD-2", 4))
	eventually(t, 60*time.Second, func() (bool, string) {
		created, _ := sb.created()
		return created["BADIN-GOOD-2"] == 1, fmt.Sprint(created)
	}, "the good message after the restart was not sent")
	check()
	b.stop()
}

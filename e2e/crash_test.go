package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCrashSafety kills the bridge with SIGKILL (its whole process group)
// at random moments while 500 ORDERS come in through a folder and 200
// incoming transactions (ORDERs and INVOICEs) go out to a folder outbox,
// restarting it on the same data directory each time. At the end every
// inbound message created exactly one transaction in the sandbox (resends
// answered "Payload already received" are expected), every outbound
// transaction is in the outbox exactly once, no temporary file is left
// there, and each is marked processed with success.
func TestCrashSafety(t *testing.T) {
	const (
		nIn   = 500
		nOut  = 200
		kills = 8
	)
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	inbox, outbox := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	mkdirs(t, inbox, outbox)
	config := writeConfig(t, dir, "dataDir: data\nlog: {format: json}\n"+
		procurosYAML(sb, 5*time.Second, 100*time.Millisecond, time.Second)+
		"listen:\n  http: {address: 127.0.0.1:0}\npartners:\n"+folderPartnerYAML("acme", inbox, outbox))

	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	// The traffic flows while the bridge is killed and restarted: files
	// are dropped, and transactions queued, in small batches.
	inDocs := make([]string, nIn)
	for i := range inDocs {
		inDocs[i] = fmt.Sprintf("CRASH-IN-%04d", i)
	}
	outDocs := map[string]string{} // transaction id -> document number
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		errs   []error
		failed = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i, doc := range inDocs {
			name := doc + ".edi"
			tmp := filepath.Join(inbox, name+".tmp")
			if err := os.WriteFile(tmp, orders(doc, i), 0o644); err != nil {
				failed(err)
				return
			}
			if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
				failed(err)
				return
			}
			if i%20 == 19 {
				time.Sleep(300 * time.Millisecond)
			}
		}
	}()
	var txs []any
	for i := range nOut {
		doc := fmt.Sprintf("CRASH-OUT-%04d", i)
		if i%2 == 0 {
			txs = append(txs, incomingOrder(t, supplierGLN, doc))
		} else {
			txs = append(txs, incomingInvoice(t, buyerGLN, doc))
		}
	}
	go func() {
		defer wg.Done()
		for i := 0; i < nOut; i += 10 {
			data, _ := json.Marshal(txs[i : i+10])
			resp, err := httpClient.Post(sb.URL+"/_admin/incoming", "application/json", strings.NewReader(string(data)))
			if err != nil {
				failed(err)
				return
			}
			var out struct {
				IDs []string `json:"ids"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil || len(out.IDs) != 10 {
				failed(fmt.Errorf("queueing incoming transactions: %d ids, %v", len(out.IDs), err))
				return
			}
			mu.Lock()
			for k, id := range out.IDs {
				outDocs[id] = fmt.Sprintf("CRASH-OUT-%04d", i+k)
			}
			mu.Unlock()
			time.Sleep(400 * time.Millisecond)
		}
	}()

	b := startBridge(t, config)
	for k := range kills {
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		created, _ := sb.created()
		t.Logf("kill -9 number %d: %d of %d created in the sandbox, %d marks", k+1, len(created), nIn, len(sb.marks()))
		b.kill()
		if k+1 < kills {
			b.start()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("feeding the bridge: %v", errs)
	}
	b.start()

	// Everything arrives, both ways.
	marked := func() map[string]bool {
		ok := map[string]bool{}
		for _, m := range sb.marks() {
			if m.Success {
				ok[m.TxID] = true
			}
		}
		return ok
	}
	eventually(t, 120*time.Second, func() (bool, string) {
		created, dups := sb.created()
		m := marked()
		return len(created) >= nIn && len(m) >= nOut && sb.pending() == 0,
			fmt.Sprintf("%d of %d documents created (%d duplicates answered), %d of %d transactions marked", len(created), nIn, dups, len(m), nOut)
	}, "not everything arrived after the kills")
	// The journal settles too: a send or a mark that landed just before a
	// kill, unrecorded, is made again (and answered as a duplicate).
	eventually(t, 60*time.Second, func() (bool, string) {
		for _, e := range b.messages() {
			if !strings.HasPrefix(e.Ref, "file-") && e.State != "sent" && e.State != "duplicate" && e.State != "marked" {
				return false, fmt.Sprintf("%s is %s: %s", e.Ref, e.State, e.Note)
			}
		}
		return true, ""
	}, "the journal did not settle")
	b.stop()

	// Inbound: each document created exactly once, nothing else.
	created, dups := sb.created()
	for _, doc := range inDocs {
		if created[doc] != 1 {
			t.Errorf("document %s was created %d times in the sandbox", doc, created[doc])
		}
	}
	if len(created) != nIn {
		t.Errorf("%d documents created, want %d", len(created), nIn)
	}
	t.Logf("inbound: %d documents created once each; %d resends answered as duplicates", len(created), dups)

	// Outbound: one file per transaction, each document once, no leftover.
	entries, err := os.ReadDir(outbox)
	if err != nil {
		t.Fatal(err)
	}
	perTx := map[string]int{}
	perDoc := map[string]int{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".") {
			t.Errorf("outbox: temporary file %s left behind", name)
			continue
		}
		data, err := os.ReadFile(filepath.Join(outbox, name))
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSuffix(name[strings.LastIndex(name, "_")+1:], ".edi")
		perTx[id]++
		perDoc[bgm(data)]++
		if want := outDocs[id]; want == "" || bgm(data) != want {
			t.Errorf("outbox: %s holds document %q; transaction %s is %q", name, bgm(data), id, want)
		}
	}
	for id, doc := range outDocs {
		if perTx[id] != 1 || perDoc[doc] != 1 {
			t.Errorf("transaction %s (%s): %d files, its document in %d", id, doc, perTx[id], perDoc[doc])
		}
	}
	if len(perTx) != nOut {
		t.Errorf("%d transactions in the outbox, want %d", len(perTx), nOut)
	}
	m := marked()
	for id := range outDocs {
		if !m[id] {
			t.Errorf("transaction %s is not marked processed with success", id)
		}
	}
	for _, mk := range sb.marks() {
		if !mk.Success {
			t.Errorf("transaction %s marked failed: %s", mk.TxID, mk.ErrorReason)
		}
	}
	t.Logf("outbound: %d transactions delivered once each and marked; %d marks in all", len(perTx), len(sb.marks()))

}

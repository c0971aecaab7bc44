package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// repo is the repository's root, from the package's folder.
const repo = ".."

// Who the generated ORDERS come from and go to (those of the fixture).
const (
	buyerGLN    = "4012345000009"
	supplierGLN = "4098765000003"
)

// gln makes a valid GLN (GS1 check digit) from twelve digits.
func gln(first12 string) string {
	sum := 0
	for i, c := range first12 {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return first12 + strconv.Itoa((10-sum%10)%10)
}

var ordersFixture = func() []byte {
	data, err := os.ReadFile(filepath.Join(repo, "testdata", "edi", "orders_d96a_unoc.edi"))
	if err != nil {
		panic(err)
	}
	return data
}()

// orders returns the ORDERS fixture (D96A, UNOC, two lines) as document
// docNo, with interchange reference and message reference of its own
// (n), so that every file and every message is distinct.
func orders(docNo string, n int) []byte {
	r := strings.NewReplacer(
		"BGM+220+PO-2026-0042+9'", "BGM+220+"+docNo+"+9'",
		"ORD00001", fmt.Sprintf("E%08d", n),
		"UNH+1+", fmt.Sprintf("UNH+M%d+", n),
		"UNT+29+1'", fmt.Sprintf("UNT+29+M%d'", n),
	)
	out := []byte(r.Replace(string(ordersFixture)))
	if bytes.Equal(out, ordersFixture) || !bytes.Contains(out, []byte(docNo)) {
		panic("the ORDERS fixture changed: orders() no longer applies")
	}
	return out
}

// ordersFrom is orders with another interchange sender (UNB 0004).
func ordersFrom(sender, docNo string, n int) []byte {
	out := orders(docNo, n)
	from := []byte("UNB+UNOC:3+" + buyerGLN + ":14+")
	if !bytes.Contains(out, from) {
		panic("the ORDERS fixture changed: ordersFrom() no longer applies")
	}
	return bytes.Replace(out, from, []byte("UNB+UNOC:3+"+sender+":14+"), 1)
}

// dropFile puts data into dir as name the way a careful writer does:
// under a temporary name, renamed when whole. It returns the time of
// the rename, when the file is complete.
func dropFile(t testing.TB, dir, name string, data []byte) time.Time {
	t.Helper()
	tmp := filepath.Join(dir, name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// transaction reads the transaction of a translated fixture
// (testdata/edi/NAME.json, message 1) as a generic JSON object.
func transaction(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "testdata", "edi", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Messages []struct {
			Transaction map[string]any `json:"transaction"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Messages) == 0 || doc.Messages[0].Transaction == nil {
		t.Fatalf("%s.json: no transaction (%v)", name, err)
	}
	return doc.Messages[0].Transaction
}

// incomingOrder is an ORDER for the supplier with GLN receiver, document
// docNo, as Procuros would list it.
func incomingOrder(t testing.TB, receiver, docNo string) map[string]any {
	tx := transaction(t, "orders_d96a_unoc")
	header := tx["content"].(map[string]any)["header"].(map[string]any)
	header["orderIdentifier"] = docNo
	setGLN(t, header, "supplier", receiver)
	return tx
}

// incomingInvoice is an INVOICE for the buyer with GLN receiver.
func incomingInvoice(t testing.TB, receiver, docNo string) map[string]any {
	tx := transaction(t, "invoic_d96a")
	header := tx["content"].(map[string]any)["header"].(map[string]any)
	header["invoiceIdentifier"] = docNo
	setGLN(t, header, "buyer", receiver)
	return tx
}

func setGLN(t testing.TB, header map[string]any, party, g string) {
	t.Helper()
	p, _ := header[party].(map[string]any)
	ids, _ := p["identifiers"].([]any)
	for _, id := range ids {
		m := id.(map[string]any)
		if m["domain"] == "GS1" {
			m["identifier"] = g
			return
		}
	}
	t.Fatalf("the %s has no GLN to replace", party)
}

// bgm is the document number of an interchange we wrote (BGM 1004).
func bgm(edi []byte) string {
	i := bytes.Index(edi, []byte("BGM+"))
	if i < 0 {
		return ""
	}
	seg := edi[i:]
	if end := bytes.IndexByte(seg, '\''); end >= 0 {
		seg = seg[:end]
	}
	parts := strings.Split(string(seg), "+")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// requireTools skips the test when a tool it needs is missing.
func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPED: %s is not on PATH, and this test needs it", tool)
		}
	}
}

// procurosYAML is the procuros block of a configuration: the sandbox
// process, with short timeouts and retries so that faults pass quickly.
func procurosYAML(sb *sandbox, timeout, retryInitial, retryMax time.Duration) string {
	return fmt.Sprintf(`procuros:
  url: %s
  pollInterval: 1s
  timeout: %s
  retryInitial: %s
  retryMax: %s
`, sb.URL, timeout, retryInitial, retryMax)
}

// writeConfig writes a configuration in dir and returns its path.
func writeConfig(t testing.TB, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "edibridge.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "config", "check", path)
	cmd.Env = env("PROCUROS_API_TOKEN=" + token)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config check: %v\n%s\n%s", err, out, yaml)
	}
	return path
}

func mkdirs(t testing.TB, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// folderPartnerYAML is a partner that sends ORDERS through a folder
// (renamed into place) and receives ORDERS and INVOIC in another.
func folderPartnerYAML(id, inbox, outbox string) string {
	return fmt.Sprintf(`  - id: %s
    gln: ["%s", "%s"]
    unb: {id: "%s"}
    ourUnb: {id: "%s"}
    messages: {outbound: [ORDERS, INVOIC]}
    inbound: [folder]
    outbound: folder
    edifact: {fileName: "{type}_{controlRef}_{transaction}.edi"}
    folder: {inbox: %s, outbox: %s, completion: renamed}
`, id, buyerGLN, supplierGLN, buyerGLN, supplierGLN, inbox, outbox)
}

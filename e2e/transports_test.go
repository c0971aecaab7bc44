package e2e

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/edibridge/edibridge/bridge"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/sftp"
	"github.com/edibridge/edibridge/transport/transporttest"
)

// TestTransports runs one bridge with every transport: a partner sends
// ORDERS by AS2 (the openssl peer script, whose MDN is verified), by SFTP
// (the OpenSSH sftp client) and through a folder, and each reaches the
// sandbox; four partners receive an incoming ORDER each, by AS2 (our own
// receiver in the test, which verifies and stores it), in their SFTP out/
// folder (downloaded with OpenSSH sftp), on their own SFTP server (ours
// again, in the test) and in a folder, and each is marked processed.
func TestTransports(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	mkdirs(t, keys)
	for _, f := range []string{"A.crt", "A.key", "B.crt", "B.key", "C.crt", "C.key"} {
		copyFile(t, filepath.Join(repo, "transport", "as2", "testdata", "keys", f), filepath.Join(keys, f))
	}
	for _, k := range []string{"partner", "bridge-remote"} {
		if _, err := bridge.EnsureSSHKey(filepath.Join(keys, k), "e2e-"+k); err != nil {
			t.Fatal(err)
		}
	}
	sb := startSandbox(t, dir)

	// The partner that receives by AS2: our receiver, as RECV, with key C.
	as2Sink := transporttest.NewSink()
	recv, err := as2.NewReceiver(as2.ReceiverOptions{
		Partners: []*as2.Partner{{Name: "edibridge", AS2ID: "EDIBRIDGE", OurAS2ID: "RECV",
			Certificate: loadCert(t, filepath.Join(keys, "B.crt")), OurCertificate: loadCert(t, filepath.Join(keys, "C.crt")),
			OurKey: loadKey(t, filepath.Join(keys, "C.key")), RequireSigned: true, RequireEncrypted: true}},
		Sink: as2Sink,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/as2", recv)
	as2Peer := httptest.NewServer(mux)
	t.Cleanup(as2Peer.Close)

	// The partner with its own SFTP server: ours, with the bridge's key.
	remoteSink := transporttest.NewSink()
	bridgePub, err := os.ReadFile(filepath.Join(keys, "bridge-remote.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	remote, err := sftp.NewServer(ctx, sftp.Options{DataDir: filepath.Join(dir, "remote"),
		Accounts: []sftp.Account{{User: "edibridge", AuthorizedKeys: string(bridgePub)}}, Sink: remoteSink})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- remote.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served })
	writeKnownHosts(t, filepath.Join(keys, "remote_known_hosts"), ln.Addr().String(), remote.HostKeys()...)

	glnAS2, glnSFTP, glnRemote, glnFolder := gln("400000000201"), gln("400000000202"), gln("400000000203"), gln("400000000204")
	inbox, outbox := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	mkdirs(t, inbox, outbox)
	receiver := func(id, g, transport, block string) string {
		return fmt.Sprintf(`  - id: %s
    gln: ["%s"]
    unb: {id: "%s"}
    ourUnb: {id: "%s"}
    inbound: []
    messages: {outbound: [ORDERS]}
    outbound: %s
%s`, id, g, g, supplierGLN, transport, block)
	}
	config := writeConfig(t, dir, "dataDir: data\nlog: {format: json}\n"+
		procurosYAML(sb, 5*time.Second, 100*time.Millisecond, time.Second)+
		`listen:
  as2: {address: 127.0.0.1:0}
  sftp: {address: 127.0.0.1:0}
  http: {address: 127.0.0.1:0}
as2:
  certificate: keys/B.crt
  key: keys/B.key
partners:
  - id: acme
    unb: {id: "`+buyerGLN+`"}
    ourUnb: {id: "`+supplierGLN+`"}
    inbound: [as2, sftp, folder]
    as2: {id: PEERA, ourId: EDIBRIDGE, certificate: keys/A.crt}
    sftp: {user: acme, authorizedKeys: keys/partner.pub}
    folder: {inbox: in, completion: renamed}
`+receiver("to-as2", glnAS2, "as2", "    as2: {id: RECV, ourId: EDIBRIDGE, certificate: keys/C.crt, url: "+as2Peer.URL+"/as2}\n")+
		receiver("to-sftp", glnSFTP, "sftp", "    sftp: {user: tosftp, authorizedKeys: keys/partner.pub}\n")+
		receiver("to-remote", glnRemote, "remote-sftp", fmt.Sprintf("    remoteSftp: {address: %s, user: edibridge, privateKey: keys/bridge-remote, knownHosts: keys/remote_known_hosts, outbox: /in}\n", ln.Addr()))+
		receiver("to-folder", glnFolder, "folder", "    folder: {outbox: out}\n"))
	b := startBridge(t, config)
	sftpAddr := b.addr("SFTP")
	hostKeys := readHostKeys(t, filepath.Join(dir, "data", "sftp", "host-keys"))
	bridgeKnownHosts := filepath.Join(keys, "bridge_known_hosts")
	writeKnownHosts(t, bridgeKnownHosts, sftpAddr, hostKeys...)

	// Outbound: one ORDER for each receiving partner, queued at once.
	outDocs := map[string]string{"E2E-OUT-AS2": glnAS2, "E2E-OUT-SFTP": glnSFTP, "E2E-OUT-REMOTE": glnRemote, "E2E-OUT-FOLDER": glnFolder}
	var txs []any
	for doc, g := range outDocs {
		txs = append(txs, incomingOrder(t, g, doc))
	}
	outIDs := sb.addIncoming(txs...)

	// Inbound, by each transport.
	inDocs := map[string]bool{}
	t.Run("in by AS2", func(t *testing.T) {
		requireTools(t, "openssl", "curl", "python3", "bash")
		peers := filepath.Join(dir, "peers")
		if err := os.CopyFS(peers, os.DirFS(peersDir())); err != nil {
			t.Skipf("SKIPPED: the openssl AS2 peer scripts are not at %s (set EDIBRIDGE_AS2_PEERS): %v", peersDir(), err)
		}
		payload := filepath.Join(dir, "as2.edi")
		writeFile(t, payload, orders("E2E-IN-AS2", 1))
		out := filepath.Join(dir, "as2-sent")
		runTool(t, peers, "./openssl_as2_send.sh", "-f", "PEERA", "-t", "EDIBRIDGE", "-k", filepath.Join(keys, "A.key"),
			"-c", filepath.Join(keys, "A.crt"), "-r", filepath.Join(keys, "B.crt"), "-d", out,
			"http://"+b.addr("AS2")+"/as2", payload)
		runTool(t, peers, "./openssl_as2_verify_mdn.sh", "-r", filepath.Join(keys, "B.crt"), out)
		inDocs["E2E-IN-AS2"] = true
	})
	t.Run("in by SFTP", func(t *testing.T) {
		requireTools(t, "sftp")
		local := filepath.Join(dir, "sftp-local")
		mkdirs(t, local)
		writeFile(t, filepath.Join(local, "e2e-sftp.edi"), orders("E2E-IN-SFTP", 2))
		openSSHSFTP(t, local, sftpAddr, bridgeKnownHosts, filepath.Join(keys, "partner"), "acme", "put e2e-sftp.edi in/")
		inDocs["E2E-IN-SFTP"] = true
	})
	t.Run("in by folder", func(t *testing.T) {
		dropFile(t, inbox, "e2e-folder.edi", orders("E2E-IN-FOLDER", 3))
		inDocs["E2E-IN-FOLDER"] = true
	})
	eventually(t, 60*time.Second, func() (bool, string) {
		created, _ := sb.created()
		for doc := range inDocs {
			if created[doc] != 1 {
				return false, fmt.Sprint(created)
			}
		}
		return len(created) == len(inDocs), fmt.Sprint(created)
	}, "the inbound ORDERS did not reach the sandbox exactly once each")
	journalSays(t, b, "in", func(e listEntry) bool {
		return !strings.HasPrefix(e.Ref, "msg-") || e.State == "sent" && inDocs[e.Document]
	})

	// Outbound: every transaction marked processed with success, then
	// each partner has its document, once.
	eventually(t, 60*time.Second, func() (bool, string) {
		ok := map[string]bool{}
		for _, m := range sb.marks() {
			if !m.Success {
				return false, "marked failed: " + m.ErrorReason
			}
			ok[m.TxID] = true
		}
		for _, id := range outIDs {
			if !ok[id] {
				return false, fmt.Sprintf("%d of %d marked", len(ok), len(outIDs))
			}
		}
		return true, ""
	}, "the outbound transactions were not all marked processed")

	files := as2Sink.Files()
	if len(files) != 1 || bgm(files[0].Data) != "E2E-OUT-AS2" {
		t.Errorf("the AS2 partner received %d files (want 1 with E2E-OUT-AS2)", len(files))
	}
	files = remoteSink.Files()
	if len(files) != 1 || bgm(files[0].Data) != "E2E-OUT-REMOTE" {
		t.Errorf("the remote SFTP server received %d files (want 1 with E2E-OUT-REMOTE)", len(files))
	}
	checkOneDocument(t, outbox, "E2E-OUT-FOLDER")
	t.Run("out by SFTP", func(t *testing.T) {
		requireTools(t, "sftp")
		local := filepath.Join(dir, "sftp-download")
		mkdirs(t, local)
		openSSHSFTP(t, local, sftpAddr, bridgeKnownHosts, filepath.Join(keys, "partner"), "tosftp", "get out/*")
		checkOneDocument(t, local, "E2E-OUT-SFTP")
	})
	journalSays(t, b, "out", func(e listEntry) bool { return e.State == "marked" })
	b.stop()
}

// journalSays waits until every entry `messages list --direction dir`
// prints is ok: the sandbox answers before the bridge records the answer.
func journalSays(t *testing.T, b *bridgeProc, dir string, ok func(listEntry) bool) {
	t.Helper()
	eventually(t, 30*time.Second, func() (bool, string) {
		for _, e := range b.messages("--direction", dir) {
			if !ok(e) {
				return false, fmt.Sprintf("%+v", e)
			}
		}
		return true, ""
	}, "the journal does not say what it should")
}

// checkOneDocument checks that dir holds one file, with document doc.
func checkOneDocument(t *testing.T, dir, doc string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("%s holds %d files, want 1", dir, len(entries))
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if got := bgm(data); got != doc {
		t.Errorf("%s: document %q, want %q", entries[0].Name(), got, doc)
	}
}

func peersDir() string {
	if d := os.Getenv("EDIBRIDGE_AS2_PEERS"); d != "" {
		return d
	}
	return filepath.Join(repo, "..", "shared", "peers", "as2")
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func loadCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	c, err := bridge.LoadCertificate(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadKey(t testing.TB, path string) *rsa.PrivateKey {
	t.Helper()
	k, err := bridge.LoadRSAKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// readHostKeys reads the public host keys of our SFTP server.
func readHostKeys(t testing.TB, dir string) []ssh.PublicKey {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "*.pub"))
	var keys []ssh.PublicKey
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey(data)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		t.Fatalf("no host keys in %s", dir)
	}
	return keys
}

func writeKnownHosts(t testing.TB, path, addr string, keys ...ssh.PublicKey) {
	t.Helper()
	var lines strings.Builder
	for _, k := range keys {
		lines.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, k) + "\n")
	}
	writeFile(t, path, []byte(lines.String()))
}

// runTool runs a command in dir and fails the test with its output when
// it fails.
func runTool(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// openSSHSFTP runs OpenSSH's sftp in batch mode in dir, as user with key,
// with strict host key checking and no user configuration.
func openSSHSFTP(t testing.TB, dir, addr, knownHosts, key, user string, commands ...string) string {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	batch := filepath.Join(dir, ".batch")
	writeFile(t, batch, []byte(strings.Join(commands, "\n")+"\n"))
	defer os.Remove(batch)
	return runTool(t, dir, "sftp", "-b", batch, "-F", "/dev/null", "-i", key, "-P", port,
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-o", "PasswordAuthentication=no", "-o", "ConnectTimeout=20",
		user+"@127.0.0.1")
}

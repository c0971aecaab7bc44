package as2

// Interoperability with AS2 implementations this project did not write:
// the openssl CLI scripts and libas2 (npm) in ../shared/peers/as2. The
// peer folder is copied to a temporary folder, certificates are made
// there by its gen_certs.sh, and every MDN is checked by the peer's own
// verifier.

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport/as2/cms"
	"github.com/edibridge/edibridge/transport/transporttest"
)

// peersDir is where the shared peers are, from this package's folder;
// EDIBRIDGE_AS2_PEERS overrides it.
func peersDir() string {
	if d := os.Getenv("EDIBRIDGE_AS2_PEERS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "peers", "as2")
}

// A peerKit is a writable copy of the peers with fresh certificates:
// PEERA is the partner, PEERB is us, PEERC a stranger.
type peerKit struct {
	dir                 string
	peerA, peerB, peerC identity
}

var (
	kitOnce sync.Once
	kit     *peerKit
	kitErr  error
	kitTmp  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if kitTmp != "" {
		os.RemoveAll(kitTmp)
	}
	os.Exit(code)
}

// peers sets up the peer kit once per test binary.
func peers(t testing.TB) *peerKit {
	t.Helper()
	kitOnce.Do(func() { kit, kitErr = newPeerKit() })
	if kitErr != nil {
		t.Fatalf("AS2 interop peers: %v", kitErr)
	}
	return kit
}

func newPeerKit() (*peerKit, error) {
	for _, tool := range []string{"openssl", "curl", "python3", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("the openssl peer needs %s: %w", tool, err)
		}
	}
	src := peersDir()
	if _, err := os.Stat(filepath.Join(src, "openssl_as2_send.sh")); err != nil {
		return nil, fmt.Errorf("peers not found at %s (set EDIBRIDGE_AS2_PEERS): %w", src, err)
	}
	tmp, err := os.MkdirTemp("", "edibridge-as2-peers-")
	if err != nil {
		return nil, err
	}
	kitTmp = tmp
	dir := filepath.Join(tmp, "peers")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		return nil, fmt.Errorf("copying the peers: %w", err)
	}
	if out, err := runIn(dir, 60*time.Second, "./gen_certs.sh", "PEERA", "PEERB", "PEERC"); err != nil {
		return nil, fmt.Errorf("gen_certs.sh: %v\n%s", err, out)
	}
	k := &peerKit{dir: dir}
	for _, id := range []struct {
		name string
		into *identity
	}{{"PEERA", &k.peerA}, {"PEERB", &k.peerB}, {"PEERC", &k.peerC}} {
		if *id.into, err = loadIdentity(filepath.Join(dir, "certs", id.name)); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// runIn runs a command in dir and returns its combined output.
func runIn(dir string, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// peerReceiver is our Receiver as the peers see it: PEERB, receiving from
// PEERA, from PEERA under quoted ids, and from a partner that must sign.
type peerReceiver struct {
	url        string
	sink       *transporttest.Sink
	quarantine *transporttest.Sink
}

func (k *peerKit) receiver(t *testing.T) *peerReceiver {
	t.Helper()
	profile := func(name, from, to string) *Partner {
		// The peer's own endpoint is on this host: its unsigned messages'
		// asynchronous MDNs may go here.
		return &Partner{Name: name, AS2ID: from, OurAS2ID: to, Certificate: k.peerA.cert, OurCertificate: k.peerB.cert, OurKey: k.peerB.key,
			Send: SendOptions{URL: "http://127.0.0.1:4080/as2"}}
	}
	strict := profile("strict", "STRICT", "PEERB")
	strict.RequireSigned = true
	pr := &peerReceiver{sink: transporttest.NewSink(), quarantine: transporttest.NewSink()}
	r, err := NewReceiver(ReceiverOptions{
		Partners:   []*Partner{profile("peera", "PEERA", "PEERB"), profile("quoted", `PEER "A" X`, "PEER B"), strict},
		Sink:       pr.sink,
		Quarantine: pr.quarantine,
		MDNBackoff: 100 * time.Millisecond,
	})
	require.NoError(t, err)
	// The peers use 127.0.0.1; so does the async listener.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(r)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		r.Close(context.Background())
	})
	pr.url = srv.URL + "/as2"
	return pr
}

// payloadFor returns the payload file and send options for a kind:
// "sample" (the peers' sample.edi, binary), "base64" (the same, base64 in
// the MIME part), "lf" (an LF-only interchange with an 8-bit byte and a
// stray CR).
func (k *peerKit) payloadFor(t *testing.T, kind string) (file string, args []string) {
	switch kind {
	case "sample":
		return filepath.Join(k.dir, "sample.edi"), nil
	case "base64":
		return filepath.Join(k.dir, "sample.edi"), []string{"-b"}
	case "lf":
		f := filepath.Join(k.dir, "lf-only.edi")
		if _, err := os.Stat(f); err != nil {
			require.NoError(t, os.WriteFile(f, testPayload, 0o644))
		}
		return f, nil
	}
	t.Fatalf("payload kind %q", kind)
	return "", nil
}

// parallel runs cases on a few workers: the peers are processes, so more
// run at once than GOMAXPROCS would allow t.Parallel.
func parallel(t *testing.T, names []string, run func(t *testing.T, i int)) {
	workers := 2 * runtime.NumCPU()
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t.Run(names[i], func(t *testing.T) { run(t, i) })
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
}

// opensslCase is one message from openssl_as2_send.sh.
type opensslCase struct {
	digest, cipher, oaep, mdn, payload string
	unsigned                           bool
}

func (c opensslCase) name() string {
	s := fmt.Sprintf("%s/%s/oaep=%s/%s/%s", c.digest, c.cipher, c.oaep, c.mdn, c.payload)
	if c.unsigned {
		s = "unsigned/" + s
	}
	return s
}

// TestOpenSSLToReceiver sends from openssl_as2_send.sh for every signing
// digest, cipher and key transport, each with a synchronous signed MDN,
// an asynchronous MDN, an unsigned MDN and no MDN; the payload kind
// rotates over the cases. Unsigned messages follow, with the MDN modes
// whose MIC algorithm the receiver can know. Every MDN is checked by
// openssl_as2_verify_mdn.sh, every payload byte for byte.
func TestOpenSSLToReceiver(t *testing.T) {
	k := peers(t)
	r := k.receiver(t)
	var cases []opensslCase
	payloads := []string{"sample", "base64", "lf"}
	for _, d := range []string{"sha1", "sha256", "sha384", "sha512"} {
		for _, c := range []string{"none", "des3", "aes128", "aes192", "aes256", "aes128-gcm", "aes256-gcm"} {
			for _, o := range []string{"", "1", "256"} {
				if c == "none" && o != "" {
					continue
				}
				for _, m := range []string{"sync", "async", "unsigned", "none"} {
					cases = append(cases, opensslCase{digest: d, cipher: c, oaep: o, mdn: m, payload: payloads[len(cases)%len(payloads)]})
				}
			}
		}
	}
	for _, c := range []string{"none", "des3", "aes128", "aes256-gcm"} {
		for _, m := range []string{"sync", "async", "unsigned", "none"} {
			for _, p := range payloads {
				cases = append(cases, opensslCase{digest: "sha256", cipher: c, mdn: m, payload: p, unsigned: true})
			}
		}
	}
	// Unsigned messages asking for another MIC algorithm in a signed MDN.
	for _, d := range []string{"sha1", "sha384", "sha512"} {
		cases = append(cases, opensslCase{digest: d, cipher: "aes128", mdn: "sync", payload: "lf", unsigned: true})
	}
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.name()
	}
	parallel(t, names, func(t *testing.T, i int) { k.runOpenSSLCase(t, r, cases[i]) })
}

func (k *peerKit) runOpenSSLCase(t *testing.T, r *peerReceiver, c opensslCase) {
	dir := t.TempDir()
	file, args := k.payloadFor(t, c.payload)
	args = append(args, "-m", c.digest, "-e", c.cipher, "-d", dir)
	if c.oaep != "" {
		args = append(args, "-O", c.oaep)
	}
	if c.unsigned {
		args = append(args, "-S")
	}
	var listener *asyncListener
	switch c.mdn {
	case "unsigned":
		args = append(args, "-u")
	case "none":
		args = append(args, "-N")
	case "async":
		listener = k.startListener(t, filepath.Join(dir, "async"))
		args = append(args, "-a", listener.url)
	}
	args = append(args, r.url, file)
	out, err := runIn(k.dir, time.Minute, "./openssl_as2_send.sh", args...)
	require.NoError(t, err, out)
	assert.Equal(t, "200", readTrimmed(t, dir, "http_code.txt"), out)
	messageID := readTrimmed(t, dir, "message_id.txt")
	switch c.mdn {
	case "none":
		assert.Empty(t, readFile(t, dir, "response.body"))
	case "async":
		require.NoError(t, listener.wait(), "the asynchronous MDN did not come")
		k.verifyMDN(t, dir, "-A", filepath.Join(dir, "async"))
	case "unsigned":
		k.verifyMDN(t, dir, "-U")
	default:
		k.verifyMDN(t, dir)
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, want, r.payload(t, "peera", messageID))
}

// verifyMDN runs openssl_as2_verify_mdn.sh and wants "MDN OK".
func (k *peerKit) verifyMDN(t *testing.T, dir string, args ...string) {
	t.Helper()
	out, err := runIn(k.dir, time.Minute, "./openssl_as2_verify_mdn.sh", append(args, dir)...)
	require.NoError(t, err, out)
	assert.Contains(t, out, "MDN OK", out)
}

// payload is what the sink stored for a message.
func (r *peerReceiver) payload(t *testing.T, partner, messageID string) []byte {
	t.Helper()
	for _, f := range r.sink.Files() {
		if f.Partner == partner && f.Key == messageID {
			return f.Data
		}
	}
	t.Errorf("no payload stored for %s %s", partner, messageID)
	return nil
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return b
}

func readTrimmed(t *testing.T, dir, name string) string {
	return strings.TrimSpace(string(readFile(t, dir, name)))
}

// asyncListener is the peers' async_mdn_listener.py, waiting for one MDN.
type asyncListener struct {
	url  string
	cmd  *exec.Cmd
	done chan error
}

func (k *peerKit) startListener(t *testing.T, outDir string) *asyncListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("python3", "async_mdn_listener.py", fmt.Sprint(port), outDir, "60")
	cmd.Dir = k.dir
	require.NoError(t, cmd.Start())
	l := &asyncListener{url: fmt.Sprintf("http://127.0.0.1:%d/mdn?case=%s", port, strings.ReplaceAll(t.Name(), "/", "_")), cmd: cmd, done: make(chan error, 1)}
	go func() { l.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	// The listener takes a moment to start; it answers HEAD when ready.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Head(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			resp.Body.Close()
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("async_mdn_listener.py did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *asyncListener) wait() error {
	select {
	case err := <-l.done:
		return err
	case <-time.After(70 * time.Second):
		return errors.New("timeout")
	}
}

// TestOpenSSLErrorDispositions provokes each error disposition from the
// openssl peer; openssl_as2_verify_mdn.sh checks the MDN's signature and
// Original-Message-ID, and fails on the error disposition, as it should.
func TestOpenSSLErrorDispositions(t *testing.T) {
	k := peers(t)
	r := k.receiver(t)
	certs := func(n string) string { return filepath.Join(k.dir, "certs", n) }
	for _, tc := range []struct {
		name        string
		args        []string
		disposition string
	}{
		{"signed by a stranger", []string{"-k", certs("PEERC.key"), "-c", certs("PEERC.crt")}, AuthenticationFailed},
		{"encrypted for a stranger", []string{"-r", certs("PEERC.crt")}, DecryptionFailed},
		{"unsigned to a partner that must sign", []string{"-S", "-f", "STRICT"}, InsufficientMessageSecurity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append(append([]string{}, tc.args...), "-d", dir, r.url, filepath.Join(k.dir, "sample.edi"))
			out, err := runIn(k.dir, time.Minute, "./openssl_as2_send.sh", args...)
			require.NoError(t, err, out)
			k.expectErrorMDN(t, dir, tc.disposition)
			assert.Len(t, r.quarantined(readTrimmed(t, dir, "message_id.txt")), 1)
		})
	}
	t.Run("tampered body", func(t *testing.T) {
		dir := t.TempDir()
		out, err := runIn(k.dir, time.Minute, "./openssl_as2_send.sh", "-n", "-e", "none", "-d", dir, r.url, filepath.Join(k.dir, "sample.edi"))
		require.NoError(t, err, out)
		body := readFile(t, dir, "body.bin")
		i := bytes.Index(body, []byte("UNH+"))
		require.Positive(t, i)
		body[i] = 'X'
		postRecorded(t, r.url, dir, body)
		k.expectErrorMDN(t, dir, IntegrityCheckFailed)
	})
	t.Run("unknown partner", func(t *testing.T) {
		dir := t.TempDir()
		out, err := runIn(k.dir, time.Minute, "./openssl_as2_send.sh", "-f", "NOBODY", "-d", dir, r.url, filepath.Join(k.dir, "sample.edi"))
		require.NoError(t, err, out)
		assert.Equal(t, "403", readTrimmed(t, dir, "http_code.txt"))
		assert.Contains(t, string(readFile(t, dir, "response.body")), `no partner is configured for AS2-From "NOBODY" and AS2-To "PEERB"`)
	})
}

// expectErrorMDN wants the verifier to accept the MDN's signature and
// Original-Message-ID and to fail on the error disposition it reports.
func (k *peerKit) expectErrorMDN(t *testing.T, dir, disposition string) {
	t.Helper()
	out, err := runIn(k.dir, time.Minute, "./openssl_as2_verify_mdn.sh", dir)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, out)
	assert.Equal(t, 1, exit.ExitCode(), out)
	assert.Contains(t, out, "PASS  MDN signature verified")
	assert.Contains(t, out, "PASS  Original-Message-ID")
	assert.Contains(t, out, "Disposition: automatic-action/MDN-sent-automatically; processed/error: "+disposition)
}

// quarantined returns the quarantined messages with a Message-ID.
func (r *peerReceiver) quarantined(messageID string) []string {
	var names []string
	for _, f := range r.quarantine.Files() {
		if f.Key == messageID {
			names = append(names, f.Meta["as2.disposition"])
		}
	}
	return names
}

// postRecorded POSTs body with the headers openssl_as2_send.sh recorded
// in dir, and records the answer there as the script would.
func postRecorded(t *testing.T, url, dir string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	for _, line := range strings.Split(string(readFile(t, dir, "request.headers")), "\r\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			req.Header[k] = []string{v}
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var h strings.Builder
	fmt.Fprintf(&h, "HTTP/1.1 %s\r\n", resp.Status)
	for k, vs := range resp.Header {
		for _, v := range vs {
			fmt.Fprintf(&h, "%s: %s\r\n", k, v)
		}
	}
	h.WriteString("\r\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "response.headers"), []byte(h.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "response.body"), answer, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "http_code.txt"), []byte(fmt.Sprint(resp.StatusCode)), 0o644))
}

// TestOpenSSLEdgeCases: quoted AS2 ids, a 255-character Message-ID,
// Expect: 100-continue.
func TestOpenSSLEdgeCases(t *testing.T) {
	k := peers(t)
	r := k.receiver(t)
	longID := "<" + strings.Repeat("x", 251) + "@A>"
	for _, tc := range []struct {
		name, partner string
		args          []string
	}{
		{"quoted ids", "quoted", []string{"-f", `PEER "A" X`, "-t", "PEER B"}},
		{"255-character Message-ID", "peera", []string{"-i", longID}},
		{"Expect 100-continue", "peera", []string{"-H", "Expect: 100-continue", "-e", "aes128-gcm", "-O", "256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(k.dir, "sample.edi")
			out, err := runIn(k.dir, time.Minute, "./openssl_as2_send.sh", append(append([]string{}, tc.args...), "-d", dir, r.url, file)...)
			require.NoError(t, err, out)
			k.verifyMDN(t, dir)
			want, err := os.ReadFile(file)
			require.NoError(t, err)
			assert.Equal(t, want, r.payload(t, tc.partner, readTrimmed(t, dir, "message_id.txt")))
		})
	}
}

// TestSenderToOpenSSL sends with our Sender (as PEERA) and has
// openssl_as2_receive.sh (as PEERB) open the message: payload identical,
// signature valid, and the MIC it computes equal to ours. Every digest
// meets every cipher; key transport and compression rotate.
func TestSenderToOpenSSL(t *testing.T) {
	k := peers(t)
	type sendCase struct {
		sign     crypto.Hash
		cipher   cms.Cipher
		kt       cms.KeyTransport
		compress Compression
	}
	var cases []sendCase
	var names []string
	kts := []cms.KeyTransport{cms.RSAPKCS1v15, cms.RSAOAEPSHA1, cms.RSAOAEPSHA256, cms.RSAOAEPSHA384, cms.RSAOAEPSHA512}
	for _, sign := range testDigests {
		for _, c := range testCiphers {
			sc := sendCase{sign: sign, cipher: c, kt: kts[len(cases)%len(kts)], compress: testCompress[len(cases)%len(testCompress)]}
			cases = append(cases, sc)
			names = append(names, fmt.Sprintf("%s/%s/%s/%s", DigestName(sign), c, sc.kt, sc.compress))
		}
	}
	parallel(t, names, func(t *testing.T, i int) {
		c := cases[i]
		opts := SendOptions{Sign: c.sign, Encrypt: c.cipher, KeyTransport: c.kt, Compress: c.compress, MDN: MDNNone}
		if c.sign == 0 {
			opts.MICAlg = crypto.SHA256 // the script's MIC for unsigned messages
		}
		k.sendToOpenSSL(t, opts, c.sign != 0)
	})
}

func (k *peerKit) sendToOpenSSL(t *testing.T, opts SendOptions, signed bool) {
	dir := t.TempDir()
	var header http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	opts.URL = srv.URL
	p := &Partner{Name: "peerb", AS2ID: "PEERB", OurAS2ID: "PEERA", Certificate: k.peerB.cert, OurCertificate: k.peerA.cert, OurKey: k.peerA.key, Send: opts}
	d, err := NewSender(SenderOptions{}).Send(context.Background(), p, Message{Payload: testPayload, FileName: "lf-only.edi"})
	require.NoError(t, err)
	var h strings.Builder
	for key, vs := range header {
		fmt.Fprintf(&h, "%s: %s\r\n", key, vs[0])
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "request.headers"), []byte(h.String()), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "body.bin"), body, 0o644))
	out, err := runIn(k.dir, time.Minute, "./openssl_as2_receive.sh", filepath.Join(dir, "request.headers"), filepath.Join(dir, "body.bin"), filepath.Join(dir, "out"))
	require.NoError(t, err, out)
	assert.Equal(t, testPayload, readFile(t, dir, "out/payload"), out)
	if signed {
		assert.Contains(t, out, "signature OK", out)
	}
	if micFile, err := os.ReadFile(filepath.Join(dir, "out", "mic.txt")); err == nil {
		digest, _, _ := strings.Cut(string(micFile), ",")
		assert.Equal(t, d.MIC.Digest, strings.TrimSpace(digest), out)
	} else {
		assert.False(t, signed || opts.Encrypt != "", "the script writes a MIC for signed or encrypted messages")
	}
}

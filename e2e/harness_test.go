package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin is the edibridge binary TestMain built.
var bin string

// token is the API token the sandbox takes and the bridge sends.
const token = "e2e-token"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if b := os.Getenv("EDIBRIDGE_E2E_BIN"); b != "" {
		bin = b // a binary built beforehand, for profiling runs
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "edibridge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "edibridge")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/edibridge/edibridge/cmd/edibridge")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building edibridge:", err)
		return 1
	}
	return m.Run()
}

// env is the environment of the processes started: the test's, without
// the variables that would override the generated configuration.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "EDIBRIDGE_") || strings.HasPrefix(kv, "PROCUROS_") || strings.HasPrefix(kv, "GORACE=") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

// A proc is a process the test started, in a process group of its own so
// that kill -9 reaches whatever it started too.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startProc starts the binary with args; its standard error goes to
// stderr (a file, usually), its standard output to stdout when not nil.
func startProc(t testing.TB, name string, environ []string, stdout, stderr io.Writer, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = environ
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL to the process group and waits for the process.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop asks the process to stop (SIGTERM) and kills it when it has not
// within the grace period. It reports whether it stopped by itself.
func (p *proc) stop(grace time.Duration) bool {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
		p.kill()
		return false
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// logFile creates a file for a process's log in the test's folder, named
// so that a failing test's logs can be found (they are printed on
// failure).
func logFile(t testing.TB, dir, name string) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// dumpOnFailure prints the tail of a log when the test failed.
func dumpOnFailure(t testing.TB, path string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		const tail = 12000
		if len(data) > tail {
			data = data[len(data)-tail:]
		}
		t.Logf("--- tail of %s ---\n%s", path, data)
	})
}

// eventually polls cond every interval until it holds or the deadline
// passes, then fails the test with the message and the last state.
func eventually(t testing.TB, deadline time.Duration, cond func() (bool, string), format string, args ...any) {
	t.Helper()
	end := time.Now().Add(deadline)
	interval := 50 * time.Millisecond
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %v: "+format+"\nlast state: %s", append(append([]any{deadline}, args...), state)...)
		}
		time.Sleep(interval)
		interval = min(interval*2, 500*time.Millisecond)
	}
}

// ---- the sandbox: `edibridge sandbox` as a process ----

type sandbox struct {
	t   testing.TB
	URL string // http://127.0.0.1:PORT
	p   *proc
}

// startSandbox runs the fake Procuros API on a free loopback port; it
// prints the address it listens on as its first line.
func startSandbox(t testing.TB, dir string, args ...string) *sandbox {
	t.Helper()
	stderr := logFile(t, dir, "sandbox.log")
	dumpOnFailure(t, stderr.Name())
	r, w := io.Pipe()
	p := startProc(t, "sandbox", env(), w, stderr, append([]string{"sandbox", "--listen", "127.0.0.1:0", "--token", token}, args...)...)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
			}
		}
		io.Copy(io.Discard, r)
	}()
	go func() { <-p.done; w.Close() }()
	select {
	case line := <-lines:
		url, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("sandbox said %q first", line)
		}
		return &sandbox{t: t, URL: url, p: p}
	case <-p.done:
		t.Fatalf("the sandbox exited: %v", p.err)
	case <-time.After(60 * time.Second):
		t.Fatal("the sandbox did not say where it listens within 60s")
	}
	return nil
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

func (s *sandbox) get(path string, v any) {
	s.t.Helper()
	resp, err := httpClient.Get(s.URL + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
}

func (s *sandbox) post(path string, body []byte) []byte {
	s.t.Helper()
	resp, err := httpClient.Post(s.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
	}
	return data
}

// received is a send the sandbox recorded (procurostest.Received).
type received struct {
	Status     int             `json:"status"`
	Type       string          `json:"type"`
	TxID       string          `json:"procurosTransactionId"`
	Duplicates int             `json:"duplicates"`
	ErrorURL   string          `json:"errorUrl"`
	Body       json.RawMessage `json:"body"`
	ReceivedAt time.Time       `json:"receivedAt"`
}

// Document is the send's document number (the header's orderIdentifier,
// invoiceIdentifier, ...).
func (r received) Document() string {
	var doc struct {
		Content struct {
			Header map[string]any `json:"header"`
		} `json:"content"`
	}
	_ = json.Unmarshal(r.Body, &doc)
	for _, k := range []string{"orderIdentifier", "invoiceIdentifier", "shippingNoticeIdentifier"} {
		if s, ok := doc.Content.Header[k].(string); ok {
			return s
		}
	}
	return ""
}

func (s *sandbox) received() []received {
	var out []received
	s.get("/_admin/received", &out)
	return out
}

// created counts the transactions created (201) by document number, and
// the resends answered as duplicates.
func (s *sandbox) created() (created map[string]int, duplicates int) {
	created = map[string]int{}
	for _, r := range s.received() {
		if r.Status == http.StatusCreated {
			created[r.Document()]++
		}
		duplicates += r.Duplicates
	}
	return created, duplicates
}

type mark struct {
	TxID        string `json:"procurosTransactionId"`
	Success     bool   `json:"success"`
	ErrorReason string `json:"errorReason"`
}

func (s *sandbox) marks() []mark {
	var out []mark
	s.get("/_admin/marks", &out)
	return out
}

type reportedError struct {
	ErrorReason  string            `json:"errorReason"`
	ErrorType    string            `json:"errorType"`
	ErrorContext map[string]string `json:"errorContext"`
	ErrorURL     string            `json:"errorUrl"`
}

func (s *sandbox) errors() []reportedError {
	var out []reportedError
	s.get("/_admin/errors", &out)
	return out
}

func (s *sandbox) pending() int {
	var out []json.RawMessage
	s.get("/_admin/incoming", &out)
	return len(out)
}

// addIncoming queues incoming transactions and returns their ids.
func (s *sandbox) addIncoming(txs ...any) []string {
	s.t.Helper()
	data, err := json.Marshal(txs)
	if err != nil {
		s.t.Fatal(err)
	}
	var out struct {
		IDs []string `json:"ids"`
	}
	if err := json.Unmarshal(s.post("/_admin/incoming", data), &out); err != nil {
		s.t.Fatal(err)
	}
	return out.IDs
}

func (s *sandbox) faults(faults ...map[string]any) {
	s.t.Helper()
	data, _ := json.Marshal(faults)
	s.post("/_admin/faults", data)
}

func (s *sandbox) queuedFaults() int {
	var out []json.RawMessage
	s.get("/_admin/faults", &out)
	return len(out)
}

// ---- the bridge: `edibridge serve` as a process ----

type bridgeProc struct {
	t      testing.TB
	config string
	logDir string
	p      *proc

	mu      sync.Mutex
	addrs   map[string]string // listener ("AS2", "SFTP", "HTTP") -> address
	running chan struct{}
	errors  []string // error records of the log
}

// startBridge runs `edibridge serve` on the configuration and waits until
// it runs.
func startBridge(t testing.TB, config string) *bridgeProc {
	t.Helper()
	b := &bridgeProc{t: t, config: config, logDir: filepath.Dir(config)}
	dumpOnFailure(t, filepath.Join(b.logDir, "bridge.log"))
	b.start()
	return b
}

func (b *bridgeProc) start() {
	b.t.Helper()
	logf := logFile(b.t, b.logDir, "bridge.log")
	r, w := io.Pipe()
	b.mu.Lock()
	b.addrs = map[string]string{}
	b.running = make(chan struct{})
	b.mu.Unlock()
	running := b.running
	b.p = startProc(b.t, "bridge", env("PROCUROS_API_TOKEN="+token), logf, w, "serve", "--config", b.config)
	p := b.p
	go func() { <-p.done; w.Close() }()
	go b.readLog(r, logf, running)
	select {
	case <-running:
	case <-p.done:
		b.t.Fatalf("the bridge exited at start: %v (see %s)", p.err, logf.Name())
	case <-time.After(90 * time.Second):
		b.t.Fatalf("the bridge did not run within 90s (see %s)", logf.Name())
	}
}

// readLog copies the bridge's JSON log to its file and notes the
// listeners' addresses, the start, and errors.
func (b *bridgeProc) readLog(r io.Reader, out io.Writer, running chan struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	once := sync.Once{}
	for sc.Scan() {
		line := sc.Bytes()
		out.Write(append(line, '\n'))
		var rec struct {
			Level   string `json:"level"`
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(line, &rec) != nil {
			continue
		}
		b.mu.Lock()
		switch rec.Msg {
		case "bridge: AS2 listening":
			b.addrs["AS2"] = rec.Address
		case "bridge: SFTP listening":
			b.addrs["SFTP"] = rec.Address
		case "bridge: health and metrics listening":
			b.addrs["HTTP"] = rec.Address
		case "bridge: running":
			once.Do(func() { close(running) })
		}
		if rec.Level == "ERROR" {
			b.errors = append(b.errors, string(line))
		}
		b.mu.Unlock()
	}
	io.Copy(io.Discard, r)
}

func (b *bridgeProc) addr(listener string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.addrs[listener]
	if a == "" {
		b.t.Fatalf("the bridge has no %s listener", listener)
	}
	return a
}

// kill is kill -9 of the bridge's process group.
func (b *bridgeProc) kill() { b.p.kill() }

// stop stops the bridge gracefully and fails the test when it does not.
func (b *bridgeProc) stop() {
	b.t.Helper()
	if !b.p.stop(60 * time.Second) {
		b.t.Errorf("the bridge did not stop within 60s of SIGTERM")
	}
}

// edibridge runs a command of the binary on the bridge's configuration
// and returns its standard output.
func (b *bridgeProc) edibridge(args ...string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env("PROCUROS_API_TOKEN=" + token)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.t.Fatalf("edibridge %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// listEntry is a line of `edibridge messages list`.
type listEntry struct {
	Ref, Dir, Partner, Type, State, Document, Note string
}

// messages runs `edibridge messages list` with args and parses its table.
func (b *bridgeProc) messages(args ...string) []listEntry {
	b.t.Helper()
	out := b.edibridge(append([]string{"messages", "list", "--config", b.config, "--limit", "100000"}, args...)...)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "REF") {
		b.t.Fatalf("messages list printed %q", out)
	}
	header := lines[0]
	col := func(name string) int { return strings.Index(header, name) }
	cols := []int{col("REF"), col("UPDATED"), col("DIR"), col("PARTNER"), col("TYPE"), col("STATE"), col("DOCUMENT"), col("NOTE")}
	field := func(line string, i int) string {
		start := cols[i]
		if start >= len(line) {
			return ""
		}
		end := len(line)
		if i+1 < len(cols) && cols[i+1] < end {
			end = cols[i+1]
		}
		return strings.TrimSpace(line[start:end])
	}
	var entries []listEntry
	for _, l := range lines[1:] {
		entries = append(entries, listEntry{Ref: field(l, 0), Dir: field(l, 2), Partner: field(l, 3), Type: field(l, 4),
			State: field(l, 5), Document: field(l, 6), Note: field(l, 7)})
	}
	return entries
}

func (b *bridgeProc) logErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

package sftp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/edibridge/edibridge/transport/transporttest"
)

// sharedHostKeys is one host key folder for all the package's tests:
// generating an RSA key takes a second or more under the race detector.
// It is set once, in TestMain, and only read afterwards.
var sharedHostKeys string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edibridge-sftp-hostkeys-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sharedHostKeys = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testTimeout bounds every wait in the tests: generous, since the race
// detector on a loaded machine is slow, and never reached when all is well.
const testTimeout = 60 * time.Second

// testContext returns a context that ends with the test or after testTimeout.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// A clientKey is a partner's key pair, with its private half in a file as
// OpenSSH's clients want it.
type clientKey struct {
	file       string // private key, OpenSSH format, mode 0600
	signer     ssh.Signer
	authorized string // the authorized_keys line
	pemText    string // the private key file's text, to check logs against
}

func newClientKey(t testing.TB) clientKey {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(private, "test key")
	require.NoError(t, err)
	text := pem.EncodeToMemory(block)
	file := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(file, text, 0o600))
	signer, err := ssh.NewSignerFromKey(private)
	require.NoError(t, err)
	return clientKey{
		file:       file,
		signer:     signer,
		authorized: string(ssh.MarshalAuthorizedKey(signer.PublicKey())),
		pemText:    string(text),
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A testServer is a Server serving on a loopback port for one test.
type testServer struct {
	*Server
	addr       string
	port       string
	sink       *transporttest.Sink
	logs       *syncBuffer
	knownHosts string // a known_hosts file with the server's keys
	cancel     context.CancelFunc
	done       chan error
}

// startServer starts a server with opts, filling in what a test leaves
// out: data folder, shared host keys, an in-memory sink, a logger. It is
// shut down when the test ends.
func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	return startServerOn(t, opts, "127.0.0.1:0")
}

// startServerOn is startServer listening on addr, which may have been
// another server's a moment ago.
func startServerOn(t testing.TB, opts Options, addr string) *testServer {
	t.Helper()
	ts := &testServer{logs: &syncBuffer{}, done: make(chan error, 1)}
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.HostKeyDir == "" {
		opts.HostKeyDir = sharedHostKeys
	}
	if opts.Sink == nil {
		ts.sink = transporttest.NewSink()
		opts.Sink = ts.sink
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := NewServer(t.Context(), opts)
	require.NoError(t, err)
	ts.Server = s
	var ln net.Listener
	eventually(t, "listening on "+addr, func() bool {
		ln, err = net.Listen("tcp", addr)
		return err == nil
	})
	ts.addr = ln.Addr().String()
	_, ts.port, _ = net.SplitHostPort(ts.addr)
	ts.knownHosts = writeKnownHosts(t, ts.addr, s.HostKeys()...)
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ts.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(testTimeout):
			t.Errorf("Serve did not return after shutdown")
		}
	})
	return ts
}

// writeKnownHosts writes a known_hosts file naming keys for addr.
func writeKnownHosts(t testing.TB, addr string, keys ...ssh.PublicKey) string {
	t.Helper()
	var lines strings.Builder
	for _, k := range keys {
		lines.WriteString(knownhosts.Line([]string{knownhosts.Normalize(addr)}, k) + "\n")
	}
	file := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(file, []byte(lines.String()), 0o600))
	return file
}

// testAccount returns an Account for user with the given keys.
func testAccount(user string, keys ...clientKey) Account {
	var authorized strings.Builder
	for _, k := range keys {
		authorized.WriteString(k.authorized)
	}
	return Account{User: user, AuthorizedKeys: authorized.String()}
}

// requireOpenSSH skips the test when the OpenSSH client is missing.
func requireOpenSSH(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("sftp"); err != nil {
		t.Skip("SKIPPED: the OpenSSH sftp client is not on PATH")
	}
}

// sftpBatch runs OpenSSH's sftp in batch mode as user with key against
// the server, in the folder dir (local files are read and written there).
// Batch mode stops at the first command that fails and exits 1.
func (ts *testServer) sftpBatch(t testing.TB, key clientKey, user, dir string, commands ...string) (string, error) {
	t.Helper()
	return runSFTP(t, ts.port, ts.knownHosts, key, user, dir, nil, commands...)
}

// runSFTP runs OpenSSH's sftp in batch mode with no user configuration, no
// agent and strict host key checking against knownHosts.
func runSFTP(t testing.TB, port, knownHosts string, key clientKey, user, dir string, options []string, commands ...string) (string, error) {
	t.Helper()
	batch := filepath.Join(t.TempDir(), "batch")
	require.NoError(t, os.WriteFile(batch, []byte(strings.Join(commands, "\n")+"\n"), 0o600))
	args := []string{"-b", batch, "-F", "/dev/null", "-i", key.file, "-P", port,
		"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-o", "PasswordAuthentication=no",
		"-o", "KbdInteractiveAuthentication=no", "-o", "ConnectTimeout=20"}
	args = append(args, options...)
	args = append(args, user+"@127.0.0.1")
	cmd := exec.CommandContext(testContext(t), "sftp", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dial connects a Go SFTP client to the server.
func (ts *testServer) dial(t testing.TB, user string, auth ssh.AuthMethod) (*ssh.Client, *pkgsftp.Client, error) {
	t.Helper()
	hostKeys, err := knownhosts.New(ts.knownHosts)
	require.NoError(t, err)
	client, err := ssh.Dial("tcp", ts.addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{auth}, HostKeyCallback: hostKeys, Timeout: testTimeout,
	})
	if err != nil {
		return nil, nil, err
	}
	sc, err := pkgsftp.NewClient(client)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	t.Cleanup(func() { sc.Close(); client.Close() })
	return client, sc, nil
}

// mustDial is dial that fails the test on an error.
func (ts *testServer) mustDial(t testing.TB, user string, key clientKey) *pkgsftp.Client {
	t.Helper()
	_, sc, err := ts.dial(t, user, ssh.PublicKeys(key.signer))
	require.NoError(t, err)
	return sc
}

// eventually polls cond until it holds or the test's deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writeLocal writes a local file for a test and returns its content.
func writeLocal(t testing.TB, dir, name string, data []byte) []byte {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	return data
}

// randomBytes returns n random bytes, every byte value likely present.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// folderEntries lists the names in dir, or nil when it does not exist.
func folderEntries(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

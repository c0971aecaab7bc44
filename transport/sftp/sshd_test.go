package sftp

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport/transporttest"
)

// findSSHD returns the absolute path of OpenSSH's sshd (it refuses to run
// by a relative one), or skips the test.
func findSSHD(t *testing.T) string {
	if p, err := exec.LookPath("sshd"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("SKIPPED: sshd is not installed (not on PATH, nor in /usr/sbin, /usr/local/sbin, /sbin), " +
		"so the remote poller is not tested against OpenSSH's sftp-server here; " +
		"it is tested against the embedded server and pkg/sftp's file-system server")
	return ""
}

// findSFTPServer returns OpenSSH's sftp-server beside sshd or in the
// usual places, or "internal-sftp" (the same code, inside sshd).
func findSFTPServer(sshd string) string {
	candidates := []string{
		filepath.Join(filepath.Dir(sshd), "..", "lib", "openssh", "sftp-server"),
		filepath.Join(filepath.Dir(sshd), "..", "libexec", "openssh", "sftp-server"),
		"/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
		"/usr/libexec/sftp-server", "/usr/lib/ssh/sftp-server",
	}
	if p, err := exec.LookPath("sftp-server"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return filepath.Clean(p)
		}
	}
	return "internal-sftp"
}

// startSSHD runs sshd in the foreground on a loopback port, for the
// current user with key, and returns its address and a known_hosts file.
// It skips the test when sshd cannot run without changes only root may
// make (its privilege separation folder or user missing).
func startSSHD(t *testing.T, key clientKey) (addr, knownHosts string) {
	sshd := findSSHD(t)
	dir := t.TempDir()
	_, hostKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(hostKey, "sshd test host key")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "host_key"), pem.EncodeToMemory(block), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(key.authorized), 0o600))
	hostPublic, err := ssh.NewPublicKey(hostKey.Public())
	require.NoError(t, err)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr = ln.Addr().String()
	ln.Close() // sshd takes the port; another process could too, in theory
	_, port, _ := net.SplitHostPort(addr)
	subsystem := findSFTPServer(sshd)
	config := strings.Join([]string{
		"Port " + port, "ListenAddress 127.0.0.1", "HostKey " + filepath.Join(dir, "host_key"),
		"PidFile " + filepath.Join(dir, "sshd.pid"), "AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"StrictModes no", "UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes", "Subsystem sftp " + subsystem, "LogLevel VERBOSE",
	}, "\n") + "\n"
	configFile := filepath.Join(dir, "sshd_config")
	require.NoError(t, os.WriteFile(configFile, []byte(config), 0o600))

	logs := &syncBuffer{}
	cmd := exec.Command(sshd, "-D", "-e", "-f", configFile)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("sshd said:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(testTimeout)
	for {
		select {
		case <-exited:
			if out := logs.String(); strings.Contains(out, "privilege separation") || strings.Contains(out, "Privilege separation") {
				t.Skipf("SKIPPED: sshd cannot run here without root changes: %s", strings.TrimSpace(out))
			}
			t.Fatalf("sshd exited: %s", logs.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd does not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("sshd %s with sftp subsystem %s on %s", sshd, subsystem, addr)
	return addr, writeKnownHosts(t, addr, hostPublic)
}

func TestRemoteAgainstOpenSSHSFTPServer(t *testing.T) {
	key := newClientKey(t)
	addr, knownHosts := startSSHD(t, key)
	me, err := user.Current()
	require.NoError(t, err)
	root := t.TempDir()
	for _, d := range []string{"inbox", "done", "upload"} {
		require.NoError(t, os.Mkdir(filepath.Join(root, d), 0o755))
	}
	target := remoteTarget{
		addr: addr, knownHosts: knownHosts, user: me.Username, key: key,
		dir: filepath.Join(root, "inbox"), local: filepath.Join(root, "inbox"),
		doneDir: filepath.Join(root, "done"), doneLocal: filepath.Join(root, "done"),
		uploadDir: filepath.Join(root, "upload"),
	}

	t.Run("half-written files wait, complete ones are collected once and moved", func(t *testing.T) {
		sink := transporttest.NewSink()
		opts := target.remoteOptions(sink)
		opts.DoneDir = target.doneDir
		r := newRemote(t, opts)
		ctx := testContext(t)
		file := filepath.Join(target.local, "orders.edi")
		appendFile(t, file, []byte("UNB+UNOC:3"))
		require.NoError(t, r.PollOnce(ctx))
		appendFile(t, file, []byte("+SENDER'"))
		require.NoError(t, r.PollOnce(ctx))
		assert.Empty(t, sink.Files())
		require.NoError(t, r.PollOnce(ctx))
		require.Len(t, sink.Files(), 1)
		assert.Equal(t, "UNB+UNOC:3+SENDER'", string(sink.Files()[0].Data))
		assert.NoFileExists(t, file)
		assert.FileExists(t, filepath.Join(target.doneLocal, "orders.edi"))
		require.NoError(t, r.PollOnce(ctx))
		assert.Len(t, sink.Files(), 1)
	})
	t.Run("a crash between store and delete gives no second entry", func(t *testing.T) {
		file := filepath.Join(target.local, "invoic.edi")
		appendFile(t, file, []byte("UNB+invoic'"))
		crashCtx, crash := context.WithCancel(testContext(t))
		sink := &countingSink{Sink: transporttest.NewSink(), after: crash}
		first := newRemote(t, target.remoteOptions(sink))
		require.NoError(t, first.PollOnce(crashCtx))
		require.ErrorIs(t, first.PollOnce(crashCtx), context.Canceled)
		assert.FileExists(t, filepath.Join(target.local, claimPrefix+"invoic.edi"), "left claimed")
		sink.after = nil
		second := newRemote(t, target.remoteOptions(sink))
		ctx := testContext(t)
		require.NoError(t, second.PollOnce(ctx))
		require.NoError(t, second.PollOnce(ctx))
		assert.Len(t, sink.Files(), 1)
		assert.Equal(t, int64(1), sink.duplicates.Load())
		assert.NoFileExists(t, file)
	})
	t.Run("uploads are renamed into place", func(t *testing.T) {
		r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
		ctx := testContext(t)
		require.NoError(t, r.Upload(ctx, "desadv.edi", []byte("UNB+desadv'")))
		assert.Equal(t, []string{"desadv.edi"}, folderEntries(t, target.uploadDir))
		assert.ErrorIs(t, r.Upload(ctx, "desadv.edi", []byte("other")), os.ErrExist)
		assert.NoError(t, r.Upload(ctx, "desadv.edi", []byte("UNB+desadv'")), "a retry of the same file")
		assert.Equal(t, []string{"desadv.edi"}, folderEntries(t, target.uploadDir), "no temporary file left")
	})
}

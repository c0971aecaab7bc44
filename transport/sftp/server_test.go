package sftp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/transporttest"
)

func TestOpenSSHUploadArrivesOnceWithItsBytes(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	local := t.TempDir()
	data := writeLocal(t, local, "order.edi", randomBytes(200_000)) // several SFTP packets, every byte value

	out, err := ts.sftpBatch(t, key, "acme", local, "put order.edi in/order.edi")
	require.NoError(t, err, out)
	files := ts.sink.Files()
	require.Len(t, files, 1)
	f := files[0]
	assert.Equal(t, "acme", f.Partner)
	assert.Equal(t, "sftp", f.Transport)
	assert.Equal(t, "order.edi", f.Name)
	assert.True(t, bytes.Equal(data, f.Data), "bytes changed on the way")
	assert.Contains(t, f.Key, "order.edi|200000|sha256:")
	assert.False(t, f.Received.IsZero())
	assert.Equal(t, "acme", f.Meta["user"])

	// The same file again, as a client does that missed the answer: it is
	// acknowledged, and not stored twice.
	out, err = ts.sftpBatch(t, key, "acme", local, "put order.edi in/order.edi", "ls -l in")
	require.NoError(t, err, out)
	assert.Len(t, ts.sink.Files(), 1)
	_, listing, _ := strings.Cut(out, "ls -l in\n")
	assert.Empty(t, listing, "a stored upload leaves in/")
	assert.Empty(t, folderEntries(t, ts.spoolDir), "the spool is emptied")
	assert.Contains(t, ts.logs.String(), "upload stored")
}

func TestOpenSSHWrongKeyAndUnknownUserAreRefused(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key, wrong := newClientKey(t), newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	local := t.TempDir()
	writeLocal(t, local, "order.edi", []byte("UNB+UNOC:3'"))

	out, err := ts.sftpBatch(t, wrong, "acme", local, "put order.edi in/order.edi")
	require.Error(t, err)
	assert.Contains(t, out, "Permission denied")
	out, err = ts.sftpBatch(t, key, "nobody", local, "put order.edi in/order.edi")
	require.Error(t, err)
	assert.Contains(t, out, "Permission denied")

	assert.Empty(t, ts.sink.Files())
	logs := ts.logs.String()
	assert.Contains(t, logs, "authentication failed")
	assert.Contains(t, logs, ssh.FingerprintSHA256(wrong.signer.PublicKey()), "the refused key is named")
	assert.Contains(t, logs, "no such account")
	assert.NotContains(t, logs, strings.Split(wrong.pemText, "\n")[1], "no private key material")
}

func TestOpenSSHPartnerCannotReachAnotherPartnersFiles(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	acmeKey, boltKey := newClientKey(t), newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", acmeKey), testAccount("bolt", boltKey)}})
	require.NoError(t, ts.Deliver(t.Context(), "acme", "secret.edi", []byte("for acme only")))
	local := t.TempDir()

	out, err := ts.sftpBatch(t, boltKey, "bolt", local, "ls -la /", "ls -la /out", "ls -la ..", "ls -la ../..")
	require.NoError(t, err, out)
	assert.NotContains(t, out, "secret.edi")
	assert.NotContains(t, out, "acme")
	assert.NotContains(t, out, "partners")

	for _, p := range []string{"/out/secret.edi", "out/secret.edi", "../acme/out/secret.edi", "/acme/out/secret.edi",
		"/partners/acme/out/secret.edi", "../../partners/acme/out/secret.edi", "../../../../../partners/acme/out/secret.edi"} {
		out, err := ts.sftpBatch(t, boltKey, "bolt", local, "get "+p+" stolen.edi")
		assert.Error(t, err, "bolt got %s: %s", p, out)
	}
	// bolt logging in as acme is a wrong key.
	out, err = ts.sftpBatch(t, boltKey, "acme", local, "get out/secret.edi stolen.edi")
	assert.Error(t, err, out)
	assert.NoFileExists(t, filepath.Join(local, "stolen.edi"))

	out, err = ts.sftpBatch(t, acmeKey, "acme", local, "get out/secret.edi mine.edi")
	require.NoError(t, err, out)
	assert.FileExists(t, filepath.Join(local, "mine.edi"))
}

func TestOpenSSHPathTraversalAndLinksAreRefused(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	dataDir := t.TempDir()
	ts := startServer(t, Options{DataDir: dataDir, Accounts: []Account{testAccount("acme", key)}})
	require.NoError(t, ts.Deliver(t.Context(), "acme", "desadv.edi", []byte("UNB'")))
	local := t.TempDir()
	writeLocal(t, local, "evil.edi", []byte("UNB+evil'"))

	for _, command := range []string{
		"put evil.edi ../evil.edi",
		"put evil.edi ../../../../../../tmp/evil.edi",
		"put evil.edi /tmp/evil.edi",
		"put evil.edi /in/../../evil.edi",
		"put evil.edi in/../evil.edi",
		"put evil.edi in/sub/evil.edi",
		"put evil.edi out/evil.edi",
		"put evil.edi in/.evil.edi",
		"put evil.edi evil.edi",
		"get /etc/passwd passwd",
		"get ../../../../etc/passwd passwd",
		"get /in/../../../etc/passwd passwd",
		"symlink /etc/passwd in/passwd",
		"symlink ../../../../etc in/etc",
		"ln out/desadv.edi in/desadv.edi",
		"mkdir in/sub",
		"rmdir in",
		"rename out/desadv.edi in/desadv.edi",
		"rename out/desadv.edi /desadv.edi",
		"rm /etc/passwd",
		"chmod 777 /etc/passwd",
	} {
		out, err := ts.sftpBatch(t, key, "acme", local, command)
		assert.Error(t, err, "%q succeeded: %s", command, out)
	}
	assert.Empty(t, ts.sink.Files())
	assert.NoFileExists(t, filepath.Join(local, "passwd"))
	assert.NoFileExists(t, "/tmp/evil.edi")
	require.NoError(t, filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		assert.NotContains(t, d.Name(), "evil", "found %s", p)
		assert.NotEqual(t, fs.ModeSymlink, d.Type()&fs.ModeSymlink, "a link at %s", p)
		return nil
	}))
	assert.FileExists(t, filepath.Join(dataDir, "partners", "acme", "out", "desadv.edi"))
	assert.Contains(t, ts.logs.String(), "operation refused")
}

func TestOpenSSHOversizedUploadIsRefused(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.MaxFileSize = 64 << 10
	ts := startServer(t, Options{Accounts: []Account{acct}})
	local := t.TempDir()
	writeLocal(t, local, "big.edi", randomBytes(64<<10+1))
	fits := writeLocal(t, local, "fits.edi", randomBytes(64<<10))

	out, err := ts.sftpBatch(t, key, "acme", local, "put big.edi in/big.edi")
	require.Error(t, err, out)
	assert.Empty(t, ts.sink.Files())
	eventually(t, "the spool is emptied", func() bool { return len(folderEntries(t, ts.spoolDir)) == 0 })
	assert.Contains(t, ts.logs.String(), "larger than the 65536 bytes allowed")

	out, err = ts.sftpBatch(t, key, "acme", local, "put fits.edi in/fits.edi")
	require.NoError(t, err, out)
	require.Len(t, ts.sink.Files(), 1)
	assert.Equal(t, fits, ts.sink.Files()[0].Data)
}

func TestUploadOverAPendingFileIsRefused(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	local := t.TempDir()
	writeLocal(t, local, "second.edi", []byte("UNB+second'"))

	// A first client is half-way through in/busy.edi.
	first := ts.mustDial(t, "acme", key)
	f, err := first.Create("in/busy.edi")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB+first"))
	require.NoError(t, err)

	out, err := ts.sftpBatch(t, key, "acme", local, "put second.edi in/busy.edi")
	require.Error(t, err, "a second upload replaced a pending one: %s", out)
	assert.Empty(t, ts.sink.Files())

	_, err = f.Write([]byte("'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	files := ts.sink.Files()
	require.Len(t, files, 1)
	assert.Equal(t, "UNB+first'", string(files[0].Data), "the first upload is intact")

	// Stored, the name is free again; new bytes are a new file.
	out, err = ts.sftpBatch(t, key, "acme", local, "put second.edi in/busy.edi")
	require.NoError(t, err, out)
	require.Len(t, ts.sink.Files(), 2)
	assert.Equal(t, "UNB+second'", string(ts.sink.Files()[1].Data))
}

func TestOpenSSHHeldUploadIsStoredWhenRenamed(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	local := t.TempDir()
	data := writeLocal(t, local, "invoic.edi", randomBytes(5000))

	// Held under a temporary name, the upload is pending: a second one is
	// refused, and it is dropped when the connection ends unrenamed.
	out, err := ts.sftpBatch(t, key, "acme", local,
		"put invoic.edi in/invoic.edi.filepart", "ls -l in", "put invoic.edi in/invoic.edi.filepart")
	require.Error(t, err, out)
	assert.Contains(t, out, "invoic.edi.filepart")
	assert.Empty(t, ts.sink.Files())

	out, err = ts.sftpBatch(t, key, "acme", local,
		"put invoic.edi in/invoic.edi.filepart", "rename in/invoic.edi.filepart in/invoic.edi", "ls -l in")
	require.NoError(t, err, out)
	files := ts.sink.Files()
	require.Len(t, files, 1)
	assert.Equal(t, "invoic.edi", files[0].Name)
	assert.Equal(t, data, files[0].Data)
	eventually(t, "spool emptied", func() bool { return len(folderEntries(t, ts.spoolDir)) == 0 })
}

func TestOpenSSHDownloadsFromOut(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	keepKey, archKey := newClientKey(t), newClientKey(t)
	arch := testAccount("arch", archKey)
	arch.ArchiveAfterDownload = true
	dataDir := t.TempDir()
	ts := startServer(t, Options{DataDir: dataDir, Accounts: []Account{testAccount("keep", keepKey), arch}})
	ctx := t.Context()
	desadv, invoic := randomBytes(70_000), randomBytes(3000)
	require.NoError(t, ts.Deliver(ctx, "keep", "desadv.edi", desadv))
	require.NoError(t, ts.Deliver(ctx, "arch", "invoic.edi", invoic))
	assert.ErrorIs(t, ts.Deliver(ctx, "keep", "desadv.edi", []byte("other")), fs.ErrExist, "an unfetched file is not replaced")
	local := t.TempDir()

	t.Run("kept until the partner removes it", func(t *testing.T) {
		out, err := ts.sftpBatch(t, keepKey, "keep", local, "ls -l out", "get out/desadv.edi desadv.edi")
		require.NoError(t, err, out)
		assert.Contains(t, out, "desadv.edi")
		got, err := os.ReadFile(filepath.Join(local, "desadv.edi"))
		require.NoError(t, err)
		assert.Equal(t, desadv, got)
		outFile := filepath.Join(dataDir, "partners", "keep", "out", "desadv.edi")
		assert.FileExists(t, outFile)

		out, err = ts.sftpBatch(t, keepKey, "keep", local, "rm out/desadv.edi")
		require.NoError(t, err, out)
		assert.NoFileExists(t, outFile)
		assert.Empty(t, folderEntries(t, filepath.Join(dataDir, "partners", "keep", "archive")))
	})
	t.Run("archived after download", func(t *testing.T) {
		out, err := ts.sftpBatch(t, archKey, "arch", local, "get out/invoic.edi invoic.edi", "ls -l out")
		require.NoError(t, err, out)
		got, err := os.ReadFile(filepath.Join(local, "invoic.edi"))
		require.NoError(t, err)
		assert.Equal(t, invoic, got)
		assert.NoFileExists(t, filepath.Join(dataDir, "partners", "arch", "out", "invoic.edi"))
		archived, err := os.ReadFile(filepath.Join(dataDir, "partners", "arch", "archive", "invoic.edi"))
		require.NoError(t, err)
		assert.Equal(t, invoic, archived)
	})
}

func TestOpenSSHPutFailsWhenTheSinkFails(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	local := t.TempDir()
	data := writeLocal(t, local, "orders.edi", []byte("UNB+UNOC:3+SENDER+RECIPIENT'"))

	ts.sink.FailNext(1)
	out, err := ts.sftpBatch(t, key, "acme", local, "put orders.edi in/orders.edi")
	require.Error(t, err, "the put succeeded though nothing was stored: %s", out)
	assert.Empty(t, ts.sink.Files())
	assert.Contains(t, ts.logs.String(), transporttest.ErrInjected.Error())

	out, err = ts.sftpBatch(t, key, "acme", local, "put orders.edi in/orders.edi")
	require.NoError(t, err, out)
	require.Len(t, ts.sink.Files(), 1)
	assert.Equal(t, data, ts.sink.Files()[0].Data)
}

func TestOpenSSHWithRSAHostKey(t *testing.T) {
	requireOpenSSH(t)
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	rsaOnly := writeKnownHosts(t, ts.addr, ts.HostKeys()[1])
	require.Equal(t, ssh.KeyAlgoRSA, ts.HostKeys()[1].Type())
	out, err := runSFTP(t, ts.port, rsaOnly, key, "acme", t.TempDir(),
		[]string{"-o", "HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256"}, "ls /")
	require.NoError(t, err, out)
}

func TestNoShellExecOrForwarding(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	client, _, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.NoError(t, err)

	session, err := client.NewSession()
	require.NoError(t, err)
	assert.Error(t, session.Run("id"), "exec")
	session, err = client.NewSession()
	require.NoError(t, err)
	assert.Error(t, session.Shell(), "shell")
	session, err = client.NewSession()
	require.NoError(t, err)
	assert.Error(t, session.RequestSubsystem("netconf"), "another subsystem")

	_, err = client.Dial("tcp", ts.addr)
	assert.Error(t, err, "local forwarding")
	_, err = client.Listen("tcp", "127.0.0.1:0")
	assert.Error(t, err, "remote forwarding")
	assert.Contains(t, ts.logs.String(), "refused channel")
}

func TestPasswordLogin(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	require.NoError(t, err)
	ts := startServer(t, Options{Accounts: []Account{{User: "acme", PasswordHash: string(hash)}}})

	_, _, err = ts.dial(t, "acme", ssh.Password("wrong horse"))
	require.Error(t, err)
	_, _, err = ts.dial(t, "nobody", ssh.Password("correct horse"))
	require.Error(t, err)
	_, sc, err := ts.dial(t, "acme", ssh.Password("correct horse"))
	require.NoError(t, err)
	f, err := sc.Create("/in/orders.edi")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Len(t, ts.sink.Files(), 1)

	logs := ts.logs.String()
	assert.Contains(t, logs, "wrong password")
	assert.NotContains(t, logs, "horse", "a password was logged")
}

func TestConnectionAndOpenFileLimits(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.MaxConnections = 1
	ts := startServer(t, Options{Accounts: []Account{acct}, MaxOpenFiles: 2})

	first := ts.mustDial(t, "acme", key)
	_, _, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.Error(t, err, "a second connection beyond the account's limit")
	assert.Contains(t, ts.logs.String(), "too many connections for the account")

	a, err := first.Create("/in/a.edi")
	require.NoError(t, err)
	b, err := first.Create("/in/b.edi")
	require.NoError(t, err)
	_, err = first.Create("/in/c.edi")
	require.Error(t, err, "a third open file beyond the limit")
	require.NoError(t, a.Close())
	c, err := first.Create("/in/c.edi")
	require.NoError(t, err, "a closed file frees its slot")
	require.NoError(t, b.Close())
	require.NoError(t, c.Close())
	assert.Len(t, ts.sink.Files(), 3)
}

func TestServerConnectionLimit(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}, MaxConnections: 1})
	ts.mustDial(t, "acme", key)
	_, _, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.Error(t, err)
	assert.Contains(t, ts.logs.String(), "too many connections; closing")
}

func TestUploadCutOffIsNotStored(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	client, sc, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.NoError(t, err)
	f, err := sc.Create("/in/half.edi")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB+half"))
	require.NoError(t, err)
	client.Close() // the connection drops with the file open

	other := ts.mustDial(t, "acme", key)
	eventually(t, "the half upload is dropped", func() bool {
		_, err := other.Stat("/in/half.edi")
		return err != nil
	})
	assert.Empty(t, ts.sink.Files())
	eventually(t, "spool emptied", func() bool { return len(folderEntries(t, ts.spoolDir)) == 0 })
}

func TestShutdownLetsAStoreInProgressFinish(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	sink := transporttest.NewSink()
	started, release := make(chan struct{}), make(chan struct{})
	blocking := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		close(started)
		<-release
		return sink.Store(ctx, f)
	})
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}, Sink: blocking})
	sc := ts.mustDial(t, "acme", key)
	f, err := sc.Create("/in/orders.edi")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB'"))
	require.NoError(t, err)
	go f.Close()

	<-started
	ts.cancel()
	select {
	case <-ts.done:
		t.Fatal("Serve returned with a Store in progress")
	case <-time.After(200 * time.Millisecond): // long enough for Serve to have returned, had it not waited
	}
	close(release)
	select {
	case err := <-ts.done:
		require.NoError(t, err)
		ts.done <- nil // for the cleanup
	case <-time.After(testTimeout):
		t.Fatal("Serve did not return")
	}
	assert.Len(t, sink.Files(), 1, "the store in progress completed")
}

func TestHostKeysAreGeneratedOnceAndKept(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	// A .pub left from a key whose private half was deleted.
	require.NoError(t, os.MkdirAll(dir, 0o700))
	stale := newClientKey(t).authorized
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ssh_host_ed25519_key.pub"), []byte(stale), 0o644))
	opts := Options{DataDir: t.TempDir(), HostKeyDir: dir, Sink: transporttest.NewSink(), Accounts: []Account{testAccount("acme", newClientKey(t))}}
	first, err := NewServer(t.Context(), opts)
	require.NoError(t, err)
	second, err := NewServer(t.Context(), opts)
	require.NoError(t, err)
	require.Len(t, first.HostKeys(), 2)
	assert.Equal(t, ssh.KeyAlgoED25519, first.HostKeys()[0].Type())
	assert.Equal(t, ssh.KeyAlgoRSA, first.HostKeys()[1].Type())
	for i := range first.HostKeys() {
		assert.Equal(t, first.HostKeys()[i].Marshal(), second.HostKeys()[i].Marshal())
	}
	for _, name := range []string{"ssh_host_ed25519_key", "ssh_host_rsa_key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), name)
		assert.FileExists(t, filepath.Join(dir, name+".pub"))
	}
	pub, err := os.ReadFile(filepath.Join(dir, "ssh_host_ed25519_key.pub"))
	require.NoError(t, err)
	assert.Equal(t, string(ssh.MarshalAuthorizedKey(first.HostKeys()[0])), string(pub), "the .pub of another key")
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	base := func() Options {
		return Options{DataDir: t.TempDir(), HostKeyDir: sharedHostKeys, Sink: transporttest.NewSink(), Accounts: []Account{testAccount("acme", key)}}
	}
	for name, change := range map[string]func(*Options){
		"no sink":            func(o *Options) { o.Sink = nil },
		"no data dir":        func(o *Options) { o.DataDir = "" },
		"no accounts":        func(o *Options) { o.Accounts = nil },
		"duplicate account":  func(o *Options) { o.Accounts = append(o.Accounts, o.Accounts[0]) },
		"bad user":           func(o *Options) { o.Accounts[0].User = "../acme" },
		"no credentials":     func(o *Options) { o.Accounts[0].AuthorizedKeys = "" },
		"key options":        func(o *Options) { o.Accounts[0].AuthorizedKeys = `from="10.0.0.1" ` + key.authorized },
		"not a key":          func(o *Options) { o.Accounts[0].AuthorizedKeys = "ssh-ed25519 AAAA" },
		"not a bcrypt hash":  func(o *Options) { o.Accounts[0].PasswordHash = "secret" },
		"negative file size": func(o *Options) { o.MaxFileSize = -1 },
		"spool below a file": func(o *Options) { o.MaxSpoolBytes = 1000; o.Accounts[0].MaxFileSize = 2000 },
	} {
		opts := base()
		change(&opts)
		_, err := NewServer(t.Context(), opts)
		assert.Error(t, err, name)
	}
	opts := base()
	opts.Accounts[0].AuthorizedKeys = "# acme's keys\n\n" + key.authorized + newClientKey(t).authorized
	_, err := NewServer(t.Context(), opts)
	assert.NoError(t, err, "comments, blank lines and several keys")
}

func TestListingsAndStats(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	require.NoError(t, ts.Deliver(t.Context(), "acme", "a.edi", []byte("aaa")))
	sc := ts.mustDial(t, "acme", key)

	names := func(dir string) []string {
		infos, err := sc.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, fi := range infos {
			names = append(names, fi.Name())
		}
		return names
	}
	assert.ElementsMatch(t, []string{"in", "out"}, names("/"))
	assert.Equal(t, []string{"a.edi"}, names("/out"))
	assert.Empty(t, names("/in"))
	fi, err := sc.Stat("/out/a.edi")
	require.NoError(t, err)
	assert.Equal(t, int64(3), fi.Size())
	wd, err := sc.Getwd()
	require.NoError(t, err)
	assert.Equal(t, "/", wd)
	_, err = sc.ReadLink("/out/a.edi")
	assert.Error(t, err)

	w, err := sc.Create("/in/b.edi")
	require.NoError(t, err)
	_, err = w.Write([]byte("bb"))
	require.NoError(t, err)
	assert.Equal(t, []string{"b.edi"}, names("/in"), "an upload in progress shows in in/")
	require.NoError(t, w.Close())
	assert.Empty(t, names("/in"))

	r, err := sc.Open("/out/a.edi")
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "aaa", string(got))
	require.NoError(t, r.Close())
	require.NoError(t, sc.Remove("/out/a.edi"))
	assert.Empty(t, names("/out"))
	assert.ErrorIs(t, sc.Remove("/out/a.edi"), fs.ErrNotExist)
}

func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}, IdleTimeout: 200 * time.Millisecond})
	client, sc, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.NoError(t, err)
	_, err = sc.ReadDir("/") // busy, then idle
	require.NoError(t, err)
	closed := make(chan error, 1)
	go func() { closed <- client.Wait() }()
	select {
	case <-closed:
	case <-time.After(testTimeout):
		t.Fatal("an idle connection stayed open")
	}
	eventually(t, "logged", func() bool { return strings.Contains(ts.logs.String(), "connection closed after idling") })
}

func TestUploadWithAnEndingNotHeldIsStoredAtClose(t *testing.T) {
	t.Parallel()
	// ".tmp" is held only for accounts that ask: a client whose real file
	// names end so would be told at close that the file arrived, and the
	// file would then be dropped, never renamed.
	key, tmpKey := newClientKey(t), newClientKey(t)
	holding := testAccount("holding", tmpKey)
	holding.HoldSuffixes = []string{".tmp"}
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key), holding}})

	client, sc, err := ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	require.NoError(t, err)
	f, err := sc.Create("/in/ORDERS_0001.tmp")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB+real file'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	client.Close()
	require.Len(t, ts.sink.Files(), 1, "stored when the client was told so")
	assert.Equal(t, "ORDERS_0001.tmp", ts.sink.Files()[0].Name)

	// Held for the account that asks, and dropped loudly when never renamed.
	client, sc, err = ts.dial(t, "holding", ssh.PublicKeys(tmpKey.signer))
	require.NoError(t, err)
	f, err = sc.Create("/in/invoic.edi.tmp")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	client.Close()
	eventually(t, "the held upload discarded", func() bool {
		return strings.Contains(ts.logs.String(), "level=WARN msg=\"sftp: discarding an upload held under a temporary name")
	})
	assert.Len(t, ts.sink.Files(), 1)
}

func TestUnauthenticatedConnectionsDoNotLockOutPartners(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}, MaxConnections: 2, MaxHandshakesPerIP: 3})
	// Silent sockets from another address: as many as one address may
	// have in handshake, and one more, which is closed at once.
	from := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: testTimeout}
	for range 3 {
		c, err := from.Dial("tcp", ts.addr)
		if err != nil {
			t.Skipf("SKIPPED: cannot connect from 127.0.0.2: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	extra, err := from.Dial("tcp", ts.addr)
	require.NoError(t, err)
	defer extra.Close()
	require.NoError(t, extra.SetReadDeadline(time.Now().Add(testTimeout)))
	banner, err := io.ReadAll(extra)
	require.NoError(t, err, "closed at once")
	assert.Empty(t, banner, "a fourth connection in handshake from one address")

	// As many silent sockets as MaxConnections, from the partner's address.
	for range 2 {
		c, err := net.Dial("tcp", ts.addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
	}
	_, _, err = ts.dial(t, "acme", ssh.PublicKeys(key.signer))
	assert.NoError(t, err, "a partner locked out by sockets that never log in")
	assert.Contains(t, ts.logs.String(), "too many connections logging in from one address")
}

func TestUploadWithGapsIsRefused(t *testing.T) {
	t.Parallel()
	// One byte at the end of an otherwise unwritten file: storing it would
	// read a file of nothing, as large as the limit, into memory.
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.MaxFileSize = 1 << 20
	ts := startServer(t, Options{Accounts: []Account{acct}})
	sc := ts.mustDial(t, "acme", key)
	f, err := sc.Create("/in/sparse.edi")
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{1}, acct.MaxFileSize-1)
	require.NoError(t, err)
	assert.Error(t, f.Close())
	assert.Zero(t, len(ts.sink.Files()), "stored")
	assert.Contains(t, ts.logs.String(), "parts of the file were never written")
}

func TestUploadsWaitingToBeStoredAreNotReadIntoMemory(t *testing.T) {
	// Not parallel: it measures the heap, which other tests would fill.
	const n, size = 8, 4 << 20
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.MaxConnections = n + 1
	release := make(chan struct{})
	mem := transporttest.NewSink()
	blocking := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		<-release
		return mem.Store(ctx, f)
	})
	ts := startServer(t, Options{Accounts: []Account{acct}, Sink: blocking, MaxConcurrentStores: 1, MaxFileSize: size})
	payload := randomBytes(size)
	var files []*pkgsftp.File
	for i := range n {
		f, err := ts.mustDial(t, "acme", key).Create(fmt.Sprintf("/in/f%d.edi", i))
		require.NoError(t, err)
		_, err = f.Write(payload)
		require.NoError(t, err)
		files = append(files, f)
	}
	before := liveHeap()
	var closes sync.WaitGroup
	for _, f := range files {
		closes.Go(func() { assert.NoError(t, f.Close()) })
	}
	watcher := ts.mustDial(t, "acme", key)
	eventually(t, "every upload closed", func() bool {
		infos, err := watcher.ReadDir("/in")
		closed := 0
		for _, fi := range infos {
			if !fi.ModTime().IsZero() {
				closed++
			}
		}
		return err == nil && closed == n
	})
	// What a close reads, it reads at once: a while after the last close
	// the heap shows it, if it is there.
	grown := int64(0)
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		grown = max(grown, liveHeap()-before)
	}
	close(release)
	closes.Wait()
	assert.Equal(t, n, len(mem.Files()))
	assert.Less(t, grown, int64(3*size), "%d MiB held for %d uploads with one store at a time", grown>>20, n)
}

// liveHeap is the heap in use after a collection, in bytes.
func liveHeap() int64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return int64(stats.HeapAlloc)
}

func TestSpoolBudgetBoundsUploadsInProgress(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.MaxFileSize = 60_000
	ts := startServer(t, Options{Accounts: []Account{acct}, MaxSpoolBytes: 100_000})
	sc := ts.mustDial(t, "acme", key)
	first, err := sc.Create("/in/first.edi")
	require.NoError(t, err)
	_, err = first.Write(randomBytes(60_000))
	require.NoError(t, err)

	second, err := sc.Create("/in/second.edi")
	require.NoError(t, err)
	_, err = second.Write(randomBytes(60_000))
	assert.Error(t, err, "beyond the spool's budget")
	assert.Error(t, second.Close())
	assert.Contains(t, ts.logs.String(), "the spool is full")

	require.NoError(t, first.Close())
	third, err := sc.Create("/in/third.edi")
	require.NoError(t, err)
	_, err = third.Write(randomBytes(60_000))
	require.NoError(t, err, "a stored upload gives its room back")
	require.NoError(t, third.Close())
	assert.Equal(t, 2, len(ts.sink.Files()))
}

func TestSetstatAfterCloseIsAccepted(t *testing.T) {
	t.Parallel()
	// WinSCP keeps a file's time by default: it sets it after the close,
	// when the upload is stored and gone from in/.
	key := newClientKey(t)
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", key)}})
	sc := ts.mustDial(t, "acme", key)
	f, err := sc.Create("/in/orders.edi")
	require.NoError(t, err)
	_, err = f.Write([]byte("UNB'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.NoError(t, sc.Chtimes("/in/orders.edi", time.Now(), time.Now()))
	assert.NoError(t, sc.Chmod("/in/orders.edi", 0o644))
	assert.Error(t, sc.Chmod("/in/.hidden", 0o644), "a name no upload can have")
	assert.Error(t, sc.Chmod("/elsewhere/orders.edi", 0o644))
	assert.Len(t, ts.sink.Files(), 1)
}

func TestOnlyADownloadOfEveryByteArchives(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	acct := testAccount("acme", key)
	acct.ArchiveAfterDownload = true
	dataDir := t.TempDir()
	ts := startServer(t, Options{DataDir: dataDir, Accounts: []Account{acct}})
	data := randomBytes(100_000)
	require.NoError(t, ts.Deliver(t.Context(), "acme", "big.edi", data))
	outFile := filepath.Join(dataDir, "partners", "acme", "out", "big.edi")
	sc := ts.mustDial(t, "acme", key)

	f, err := sc.Open("/out/big.edi")
	require.NoError(t, err)
	_, err = f.ReadAt(make([]byte, 10), int64(len(data))-10)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.FileExists(t, outFile, "archived after the last 10 bytes alone were read")

	f, err = sc.Open("/out/big.edi")
	require.NoError(t, err)
	half := len(data) / 2
	tail, head := make([]byte, len(data)-half), make([]byte, half)
	_, err = f.ReadAt(tail, int64(half)) // the end first, then the start
	require.NoError(t, err)
	_, err = f.ReadAt(head, 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.True(t, bytes.Equal(data, append(head, tail...)))
	assert.NoFileExists(t, outFile, "every byte was read")
	assert.FileExists(t, filepath.Join(dataDir, "partners", "acme", "archive", "big.edi"))
}

func TestDeliverRetryOfTheSameFileSucceeds(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Options{Accounts: []Account{testAccount("acme", newClientKey(t))}})
	require.NoError(t, ts.Deliver(t.Context(), "acme", "desadv.edi", []byte("UNB'")))
	assert.NoError(t, ts.Deliver(t.Context(), "acme", "desadv.edi", []byte("UNB'")), "delivered already")
	assert.ErrorIs(t, ts.Deliver(t.Context(), "acme", "desadv.edi", []byte("UNB+other'")), fs.ErrExist)
}

func TestDeliveriesCutShortByACrashAreCleanedAtStart(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	out := filepath.Join(dataDir, "partners", "acme", "out")
	require.NoError(t, os.MkdirAll(out, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(out, ".edibridge-4711.tmp"), []byte("UNB+ha"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(out, "waiting.edi"), []byte("UNB'"), 0o600))
	startServer(t, Options{DataDir: dataDir, Accounts: []Account{testAccount("acme", newClientKey(t))}})
	assert.Equal(t, []string{"waiting.edi"}, folderEntries(t, out))
}

func TestUnknownUsersCostTheSlowestPasswordCheck(t *testing.T) {
	t.Parallel()
	fast, err := bcrypt.GenerateFromPassword([]byte("a"), bcrypt.MinCost)
	require.NoError(t, err)
	slow, err := bcrypt.GenerateFromPassword([]byte("b"), bcrypt.MinCost+2)
	require.NoError(t, err)
	s, err := NewServer(t.Context(), Options{DataDir: t.TempDir(), HostKeyDir: sharedHostKeys, Sink: transporttest.NewSink(),
		Accounts: []Account{{User: "fast", PasswordHash: string(fast)}, {User: "slow", PasswordHash: string(slow)}}})
	require.NoError(t, err)
	cost, err := bcrypt.Cost(s.noAccountHash())
	require.NoError(t, err)
	assert.Equal(t, bcrypt.MinCost+2, cost, "the time of a login tells whether the account exists")
}

func TestGoClientCannotLeaveTheTree(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	dataDir := t.TempDir()
	ts := startServer(t, Options{DataDir: dataDir, Accounts: []Account{testAccount("acme", key), testAccount("bolt", newClientKey(t))}})
	require.NoError(t, ts.Deliver(t.Context(), "bolt", "secret.edi", []byte("bolt's")))
	sc := ts.mustDial(t, "acme", key)
	for _, p := range []string{
		"/../../partners/bolt/out/secret.edi", "/out/../../bolt/out/secret.edi", "../bolt/out/secret.edi",
		"/out/\x00../../bolt", "/out/" + strings.Repeat("a", 4000), `/out/..\..\bolt\out\secret.edi`,
		"/out/.edibridge-1.tmp", "//out//secret.edi", "/out/secret.edi/", "/host-keys/ssh_host_ed25519_key", "/spool",
	} {
		_, err := sc.Stat(p)
		assert.Error(t, err, "stat %q", p)
		_, err = sc.Lstat(p)
		assert.Error(t, err, "lstat %q", p)
		if f, err := sc.Open(p); assert.Error(t, err, "open %q", p) == false {
			f.Close()
		}
		assert.Error(t, sc.Chtimes(p, time.Now(), time.Now()), "setstat %q", p)
		_, err = sc.ReadLink(p)
		assert.Error(t, err, "readlink %q", p)
		_, err = sc.ReadDir(p)
		assert.Error(t, err, "readdir %q", p)
		assert.Error(t, sc.PosixRename("/in/x.filepart", p), "posix-rename to %q", p)
		assert.Error(t, sc.Remove(p), "remove %q", p)
		if real, err := sc.RealPath(p); err == nil {
			assert.NotContains(t, real, dataDir, "realpath %q", p)
		}
	}
	for _, p := range []string{"/in/a\x00b.edi", "/in/" + strings.Repeat("é", 200), "/in/x\u202e.edi", "/in/CON.edi"} {
		if f, err := sc.Create(p); assert.Error(t, err, "create %q", p) == false {
			f.Close()
		}
	}
	assert.Empty(t, ts.sink.Files())
}

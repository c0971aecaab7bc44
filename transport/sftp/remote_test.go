package sftp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/folder"
	"github.com/edibridge/edibridge/transport/transporttest"
)

// A remoteTarget is an SFTP server a Remote collects from, with the
// folder it polls both as the Remote sees it and on local disk, where the
// test writes the partner's files.
type remoteTarget struct {
	name       string
	addr       string
	knownHosts string
	user       string
	key        clientKey
	dir        string // the polled folder, as the Remote names it
	local      string // the same folder on disk
	doneDir    string // a folder for collected files; "" when the server has none
	doneLocal  string
	uploadDir  string // where Upload writes
	sink       *transporttest.Sink
}

// embeddedTarget is our own Server: the Remote collects from an
// account's out/, which a partner's program writes on disk.
func embeddedTarget(t *testing.T) remoteTarget {
	key := newClientKey(t)
	dataDir := t.TempDir()
	ts := startServer(t, Options{DataDir: dataDir, Accounts: []Account{testAccount("acme", key)}})
	return remoteTarget{
		name: "embedded server", addr: ts.addr, knownHosts: ts.knownHosts, user: "acme", key: key,
		dir: "/out", local: filepath.Join(dataDir, "partners", "acme", "out"), uploadDir: "/in", sink: ts.sink,
	}
}

// plainTarget is pkg/sftp's plain file-system server, a stand-in for a
// partner's OpenSSH sftp-server: it has folders, renames and moves.
func plainTarget(t *testing.T) remoteTarget {
	key := newClientKey(t)
	root := t.TempDir()
	for _, dir := range []string{"inbox", "done", "upload"} {
		require.NoError(t, os.Mkdir(filepath.Join(root, dir), 0o750))
	}
	addr, knownHosts := startPlainServer(t, root, key)
	return remoteTarget{
		name: "plain server", addr: addr, knownHosts: knownHosts, user: "partner", key: key,
		dir: "inbox", local: filepath.Join(root, "inbox"), doneDir: "done", doneLocal: filepath.Join(root, "done"),
		uploadDir: "upload",
	}
}

// startPlainServer serves pkg/sftp's file-system server, in folder root,
// to key, on a loopback port. It stops when the test ends.
func startPlainServer(t *testing.T, root string, key clientKey) (addr, knownHosts string) {
	_, hostKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	hostSigner, err := ssh.NewSignerFromKey(hostKey)
	require.NoError(t, err)
	config := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), key.signer.PublicKey().Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	config.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)

	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[nc] = true
			mu.Unlock()
			wg.Go(func() { servePlain(nc, config, root) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), writeKnownHosts(t, ln.Addr().String(), hostSigner.PublicKey())
}

// servePlain serves one connection of the plain server.
func servePlain(nc net.Conn, config *ssh.ServerConfig, root string) {
	defer nc.Close()
	_, channels, requests, err := ssh.NewServerConn(nc, config)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(requests)
	for nch := range channels {
		ch, reqs, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			for req := range reqs {
				ok := req.Type == "subsystem" && isSFTP(req.Payload)
				_ = req.Reply(ok, nil)
				if ok {
					go func() {
						defer ch.Close()
						server, err := pkgsftp.NewServer(ch, pkgsftp.WithServerWorkingDirectory(root))
						if err == nil {
							_ = server.Serve()
						}
					}()
				}
			}
		}()
	}
}

// remoteOptions returns options for a Remote collecting from target into
// sink, polled by hand (PollOnce) unless the test runs it. Under
// StableSize two polls, however close, make a file complete: the tests
// write the partner's files between the polls, never during one.
func (target remoteTarget) remoteOptions(sink transport.Sink) RemoteOptions {
	return RemoteOptions{
		Partner: "acme", Addr: target.addr, User: target.user, IdentityFile: target.key.file,
		KnownHostsFile: target.knownHosts, Dir: target.dir, UploadDir: target.uploadDir,
		Rules:    folder.Rules{StableFor: time.Nanosecond},
		Interval: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		DialTimeout: testTimeout, Sink: sink,
	}
}

func newRemote(t *testing.T, opts RemoteOptions) *Remote {
	t.Helper()
	r, err := NewRemote(opts)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// appendFile appends data to a file, as a partner's program writing it.
func appendFile(t *testing.T, file string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	require.NoError(t, err)
	_, err = f.Write(data)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestRemoteCollectsOnlyCompleteFilesOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		target func(*testing.T) remoteTarget
		move   bool
	}{
		{"embedded server, deleted", embeddedTarget, false},
		{"plain server, deleted", plainTarget, false},
		{"plain server, moved", plainTarget, true},
	} {
		{
			move := c.move
			t.Run(c.name, func(t *testing.T) {
				target := c.target(t)
				sink := transporttest.NewSink()
				opts := target.remoteOptions(sink)
				opts.Rules.Pattern = "*.edi"
				if move {
					opts.DoneDir = target.doneDir
				}
				r := newRemote(t, opts)
				ctx := testContext(t)
				file := filepath.Join(target.local, "orders.edi")
				first, rest := randomBytes(40_000), randomBytes(40_000)

				appendFile(t, file, first)
				require.NoError(t, r.PollOnce(ctx))
				appendFile(t, file, rest) // still being written
				require.NoError(t, r.PollOnce(ctx))
				assert.Empty(t, sink.Files(), "a half-written file was collected")
				appendFile(t, filepath.Join(target.local, "other.txt"), []byte("not matching"))

				require.NoError(t, r.PollOnce(ctx)) // the same size twice: complete
				files := sink.Files()
				require.Len(t, files, 1)
				assert.Equal(t, "orders.edi", files[0].Name)
				assert.Equal(t, "sftp-poll", files[0].Transport)
				assert.Equal(t, append(first, rest...), files[0].Data)
				assert.NoFileExists(t, file)
				if move {
					assert.FileExists(t, filepath.Join(target.doneLocal, "orders.edi"))
				}

				require.NoError(t, r.PollOnce(ctx))
				require.NoError(t, r.PollOnce(ctx))
				assert.Len(t, sink.Files(), 1, "collected once")
				assert.FileExists(t, filepath.Join(target.local, "other.txt"), "the pattern is respected")
			})
		}
	}
}

func TestRemoteReadyMarkerAndRenamedRules(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	ctx := testContext(t)

	t.Run("ready marker", func(t *testing.T) {
		sink := transporttest.NewSink()
		opts := target.remoteOptions(sink)
		opts.Rules = folder.Rules{Completion: folder.ReadyMarker, MarkerSuffix: ".ok"}
		r := newRemote(t, opts)
		file := filepath.Join(target.local, "desadv.edi")
		appendFile(t, file, []byte("UNB+whole'"))
		require.NoError(t, r.PollOnce(ctx))
		require.NoError(t, r.PollOnce(ctx))
		assert.Empty(t, sink.Files(), "collected without its marker")
		appendFile(t, file+".ok", nil)
		require.NoError(t, r.PollOnce(ctx))
		require.Len(t, sink.Files(), 1)
		assert.NoFileExists(t, file)
		assert.NoFileExists(t, file+".ok", "the marker goes with the file")
	})
	t.Run("renamed into place", func(t *testing.T) {
		sink := transporttest.NewSink()
		opts := target.remoteOptions(sink)
		opts.Rules = folder.Rules{Completion: folder.Renamed, Pattern: "*.edi"}
		r := newRemote(t, opts)
		temp := filepath.Join(target.local, "invoic.edi.tmp")
		appendFile(t, temp, []byte("UNB+half"))
		require.NoError(t, r.PollOnce(ctx))
		assert.Empty(t, sink.Files())
		appendFile(t, temp, []byte("'"))
		require.NoError(t, os.Rename(temp, filepath.Join(target.local, "invoic.edi")))
		require.NoError(t, r.PollOnce(ctx), "a renamed file is complete at once")
		require.Len(t, sink.Files(), 1)
		assert.Equal(t, "UNB+half'", string(sink.Files()[0].Data))
	})
}

// countingSink counts the Stores that reach a transporttest.Sink, and runs
// after, when set, once a Store succeeded.
type countingSink struct {
	*transporttest.Sink
	stores     atomic.Int64
	duplicates atomic.Int64
	after      func()
}

func (s *countingSink) Store(ctx context.Context, f transport.File) (transport.Receipt, error) {
	r, err := s.Sink.Store(ctx, f)
	if err == nil {
		s.stores.Add(1)
		if r.Duplicate {
			s.duplicates.Add(1)
		}
		if s.after != nil {
			s.after()
		}
	}
	return r, err
}

func TestRemoteCrashBetweenStoreAndDeleteGivesNoSecondEntry(t *testing.T) {
	t.Parallel()
	for _, target := range []remoteTarget{embeddedTarget(t), plainTarget(t)} {
		t.Run(target.name, func(t *testing.T) {
			file := filepath.Join(target.local, "orders.edi")
			data := randomBytes(10_000)
			appendFile(t, file, data)

			// The first poller stops right after the store, before removing.
			crashCtx, crash := context.WithCancel(testContext(t))
			sink := &countingSink{Sink: transporttest.NewSink(), after: crash}
			first := newRemote(t, target.remoteOptions(sink))
			require.NoError(t, first.PollOnce(crashCtx))
			require.ErrorIs(t, first.PollOnce(crashCtx), context.Canceled)
			require.Len(t, sink.Files(), 1)
			claimed := filepath.Join(target.local, claimPrefix+"orders.edi")
			assert.True(t, fileExists(file) || fileExists(claimed), "removed though the poller stopped")
			first.Close()

			// The restarted poller collects it again: a duplicate, then removed.
			sink.after = nil
			second := newRemote(t, target.remoteOptions(sink))
			ctx := testContext(t)
			require.NoError(t, second.PollOnce(ctx))
			require.NoError(t, second.PollOnce(ctx))
			assert.Len(t, sink.Files(), 1, "a second journal entry")
			assert.Equal(t, int64(2), sink.stores.Load())
			assert.Equal(t, int64(1), sink.duplicates.Load())
			assert.NoFileExists(t, file)
			assert.NoFileExists(t, claimed)
		})
	}
}

func fileExists(file string) bool {
	_, err := os.Lstat(file)
	return err == nil
}

func TestRemoteUploadsUnderATemporaryName(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	t.Run("to the embedded server", func(t *testing.T) {
		target := embeddedTarget(t)
		r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
		data := randomBytes(100_000)
		require.NoError(t, r.Upload(ctx, "orders.edi", data))
		files := target.sink.Files()
		require.Len(t, files, 1, "stored when renamed")
		assert.Equal(t, "orders.edi", files[0].Name)
		assert.Equal(t, data, files[0].Data)

		target.sink.FailNext(1)
		err := r.Upload(ctx, "invoic.edi", []byte("UNB'"))
		require.Error(t, err, "the server's store failed, so must the upload")
		require.NoError(t, r.Upload(ctx, "invoic.edi", []byte("UNB'")), "sent again")
		assert.Len(t, target.sink.Files(), 2)
	})
	t.Run("to a plain server", func(t *testing.T) {
		target := plainTarget(t)
		r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
		require.NoError(t, r.Upload(ctx, "desadv.edi", []byte("UNB+desadv'")))
		uploaded := filepath.Join(filepath.Dir(target.local), "upload")
		assert.Equal(t, []string{"desadv.edi"}, folderEntries(t, uploaded), "no temporary file left")
		err := r.Upload(ctx, "desadv.edi", []byte("UNB+other'"))
		assert.ErrorIs(t, err, fs.ErrExist, "an existing file is not replaced")
		got, err := os.ReadFile(filepath.Join(uploaded, "desadv.edi"))
		require.NoError(t, err)
		assert.Equal(t, "UNB+desadv'", string(got))
	})
}

func TestRemoteChecksTheHostKey(t *testing.T) {
	t.Parallel()
	target := embeddedTarget(t)
	ctx := testContext(t)
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	strangerKey, err := ssh.NewPublicKey(stranger.Public())
	require.NoError(t, err)

	for name, knownHosts := range map[string]string{
		"another key":  writeKnownHosts(t, target.addr, strangerKey),
		"another host": writeKnownHosts(t, "127.0.0.2:22", strangerKey),
		"empty file":   writeKnownHosts(t, target.addr),
	} {
		opts := target.remoteOptions(transporttest.NewSink())
		opts.KnownHostsFile = knownHosts
		err := newRemote(t, opts).PollOnce(ctx)
		assert.ErrorContains(t, err, "known", name)
	}
	opts := target.remoteOptions(transporttest.NewSink())
	opts.KnownHostsFile = ""
	_, err = NewRemote(opts)
	assert.Error(t, err, "no known_hosts file")

	// Known by its RSA key alone, the server is asked for that one.
	server, err := NewServer(ctx, Options{DataDir: t.TempDir(), HostKeyDir: sharedHostKeys, Sink: transporttest.NewSink(), Accounts: []Account{testAccount("x", target.key)}})
	require.NoError(t, err)
	opts.KnownHostsFile = writeKnownHosts(t, target.addr, server.HostKeys()[1])
	assert.NoError(t, newRemote(t, opts).PollOnce(ctx))
}

func TestRemoteRunReconnectsAfterTheServerRestarts(t *testing.T) {
	t.Parallel()
	key := newClientKey(t)
	dataDir := t.TempDir()
	opts := Options{DataDir: dataDir, Accounts: []Account{testAccount("acme", key)}}
	ts := startServer(t, opts)
	outDir := filepath.Join(dataDir, "partners", "acme", "out")

	sink := transporttest.NewSink()
	logs := &syncBuffer{}
	ropts := remoteTarget{addr: ts.addr, knownHosts: ts.knownHosts, user: "acme", key: key, dir: "/out"}.remoteOptions(sink)
	ropts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r := newRemote(t, ropts)
	ctx, cancel := context.WithCancel(testContext(t))
	runDone := make(chan error, 1)
	go func() { runDone <- r.Run(ctx) }()

	require.NoError(t, ts.Deliver(ctx, "acme", "one.edi", []byte("UNB+one'")))
	require.NoError(t, sink.Wait(ctx, 1))

	// The server goes away; the poller fails and keeps trying.
	ts.cancel()
	require.NoError(t, <-ts.done)
	ts.done <- nil
	eventually(t, "a failed poll", func() bool { return bytes.Contains([]byte(logs.String()), []byte("poll failed")) })

	// A new server on the same address, with the same host keys.
	opts.Sink = sink
	opts.Logger = slog.New(slog.DiscardHandler)
	restarted := startServerOn(t, opts, ts.addr)
	require.NoError(t, restarted.Deliver(ctx, "acme", "two.edi", []byte("UNB+two'")))
	require.NoError(t, sink.Wait(ctx, 2))
	eventually(t, "the collected file removed", func() bool { return len(folderEntries(t, outDir)) == 0 })

	cancel()
	select {
	case err := <-runDone:
		assert.NoError(t, err)
	case <-time.After(testTimeout):
		t.Fatal("Run did not return")
	}
}

func TestRemoteNeverRemovesAFileItDidNotStore(t *testing.T) {
	t.Parallel()
	// The partner renames a new orders.edi into place while the first is
	// being stored: the new one must be collected too, not deleted unread.
	target := plainTarget(t)
	mem := transporttest.NewSink()
	file := filepath.Join(target.local, "orders.edi")
	var once sync.Once
	replacing := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		r, err := mem.Store(ctx, f)
		once.Do(func() {
			temp := filepath.Join(target.local, ".orders.edi")
			appendFile(t, temp, []byte("UNB+second'"))
			assert.NoError(t, os.Rename(temp, file))
		})
		return r, err
	})
	opts := target.remoteOptions(replacing)
	opts.Rules = folder.Rules{Completion: folder.Renamed}
	r := newRemote(t, opts)
	appendFile(t, file, []byte("UNB+first'"))
	ctx := testContext(t)
	require.NoError(t, r.PollOnce(ctx))
	require.NoError(t, r.PollOnce(ctx))
	var stored []string
	for _, f := range mem.Files() {
		stored = append(stored, string(f.Data))
	}
	assert.Equal(t, []string{"UNB+first'", "UNB+second'"}, stored)
	assert.Empty(t, folderEntries(t, target.local))
}

func TestRemoteCollectsFilesClaimedBeforeACrash(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	sink := transporttest.NewSink()
	appendFile(t, filepath.Join(target.local, claimPrefix+"orders.edi"), []byte("UNB+claimed'"))
	require.NoError(t, newRemote(t, target.remoteOptions(sink)).PollOnce(testContext(t)), "collected at the first poll")
	require.Len(t, sink.Files(), 1)
	assert.Equal(t, "orders.edi", sink.Files()[0].Name)
	assert.Equal(t, folder.Key("orders.edi", []byte("UNB+claimed'")), sink.Files()[0].Key, "the key it had before the crash")
	assert.Empty(t, folderEntries(t, target.local))
}

func TestRemoteStableForDefaultsToTheInterval(t *testing.T) {
	t.Parallel()
	// Two polls close together (a retry after a failure, a PollOnce) must
	// not take a file whose writer is only pausing.
	target := plainTarget(t)
	sink := transporttest.NewSink()
	opts := target.remoteOptions(sink)
	opts.Rules = folder.Rules{}
	opts.Interval = time.Minute
	r := newRemote(t, opts)
	assert.Equal(t, time.Minute, r.pickup.Rules().StableFor)
	w, err := os.Create(filepath.Join(target.local, "orders.edi"))
	require.NoError(t, err)
	defer w.Close()
	_, err = w.Write([]byte("UNB+half"))
	require.NoError(t, err)
	ctx := testContext(t)
	require.NoError(t, r.PollOnce(ctx))
	require.NoError(t, r.PollOnce(ctx))
	assert.Empty(t, sink.Files(), "half a file taken")
	assert.FileExists(t, filepath.Join(target.local, "orders.edi"))
}

func TestRemoteRefusesADoneFolderThatIsTheFolderCollected(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	for _, c := range []struct{ dir, done string }{{"inbox", "inbox/"}, {"inbox", "./inbox"}, {"", "."}, {"/data/in", "/data/x/../in"}} {
		opts := target.remoteOptions(transporttest.NewSink())
		opts.Dir, opts.DoneDir = c.dir, c.done
		_, err := NewRemote(opts)
		assert.Error(t, err, "collecting from %q into %q collects every file again, forever", c.dir, c.done)
	}
}

func TestRemoteConcurrentUploadsOfOneNameDoNotMix(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
	ctx := testContext(t)
	a, b := randomBytes(1<<20), randomBytes(1<<20)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = r.Upload(ctx, "x.edi", a) })
	wg.Go(func() { errs[1] = r.Upload(ctx, "x.edi", b) })
	wg.Wait()
	uploaded := filepath.Join(filepath.Dir(target.local), "upload")
	got, err := os.ReadFile(filepath.Join(uploaded, "x.edi"))
	require.NoError(t, err)
	switch {
	case errs[0] == nil:
		assert.True(t, bytes.Equal(a, got), "a mix of both")
		assert.ErrorIs(t, errs[1], fs.ErrExist)
	case errs[1] == nil:
		assert.True(t, bytes.Equal(b, got), "a mix of both")
		assert.ErrorIs(t, errs[0], fs.ErrExist)
	default:
		t.Fatalf("both failed: %v", errs)
	}
	assert.Equal(t, []string{"x.edi"}, folderEntries(t, uploaded), "no temporary file left")
}

func TestRemoteUploadRetryOfTheSameFileSucceeds(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
	ctx := testContext(t)
	require.NoError(t, r.Upload(ctx, "desadv.edi", []byte("UNB'")))
	assert.NoError(t, r.Upload(ctx, "desadv.edi", []byte("UNB'")), "delivered already")
	assert.ErrorIs(t, r.Upload(ctx, "desadv.edi", []byte("UNB+X")), fs.ErrExist, "same size, other bytes")
}

func TestRemoteUploadsNamesOfTheLongestLength(t *testing.T) {
	t.Parallel()
	// NAME plus a temporary ending must still be a name the server takes.
	target := plainTarget(t)
	r := newRemote(t, target.remoteOptions(transporttest.NewSink()))
	name := strings.Repeat("a", folder.MaxNameLength-4) + ".edi"
	require.NoError(t, r.Upload(testContext(t), name, []byte("UNB'")))
	assert.Equal(t, []string{name}, folderEntries(t, filepath.Join(filepath.Dir(target.local), "upload")))
}

func TestRemoteMovingToTheDoneFolderKeepsEarlierFiles(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	require.NoError(t, os.WriteFile(filepath.Join(target.doneLocal, "orders.edi"), []byte("yesterday's"), 0o644))
	opts := target.remoteOptions(transporttest.NewSink())
	opts.Rules = folder.Rules{Completion: folder.Renamed}
	opts.DoneDir = target.doneDir
	r := newRemote(t, opts)
	appendFile(t, filepath.Join(target.local, "orders.edi"), []byte("today's"))
	require.NoError(t, r.PollOnce(testContext(t)))
	assert.Len(t, folderEntries(t, target.doneLocal), 2)
	yesterday, err := os.ReadFile(filepath.Join(target.doneLocal, "orders.edi"))
	require.NoError(t, err)
	assert.Equal(t, "yesterday's", string(yesterday), "overwritten")
}

func TestRemoteForgetsReportsOfFilesGone(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	opts := target.remoteOptions(transporttest.NewSink())
	opts.Rules = folder.Rules{Completion: folder.Renamed}
	opts.MaxFileSize = 4
	r := newRemote(t, opts)
	ctx := testContext(t)
	big := filepath.Join(target.local, "big.edi")
	appendFile(t, big, []byte("UNB+too long'"))
	require.NoError(t, r.PollOnce(ctx))
	assert.Len(t, r.reported, 1)
	require.NoError(t, os.Remove(big))
	require.NoError(t, r.PollOnce(ctx))
	assert.Empty(t, r.reported, "a report kept for every large file ever seen")
}

func TestRemoteStoppedDuringAStoreIsNoError(t *testing.T) {
	t.Parallel()
	target := plainTarget(t)
	ctx, cancel := context.WithCancel(testContext(t))
	stopping := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		cancel()
		return transport.Receipt{}, ctx.Err()
	})
	logs := &syncBuffer{}
	opts := target.remoteOptions(stopping)
	opts.Rules = folder.Rules{Completion: folder.Renamed}
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	appendFile(t, filepath.Join(target.local, "orders.edi"), []byte("UNB'"))
	assert.ErrorIs(t, newRemote(t, opts).PollOnce(ctx), context.Canceled)
	assert.Contains(t, logs.String(), "stopped before a collected file was stored")
	assert.NotContains(t, logs.String(), "level=ERROR")
}

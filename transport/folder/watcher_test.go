package folder

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/transporttest"
)

// testTimeout bounds every wait: generous for the race detector on a
// loaded machine, and never reached when all is well.
const testTimeout = 60 * time.Second

// countingSink counts the Stores of each file name that reach a
// transporttest.Sink, duplicates included.
type countingSink struct {
	*transporttest.Sink
	mu     sync.Mutex
	stores map[string]int
}

func newCountingSink() *countingSink {
	return &countingSink{Sink: transporttest.NewSink(), stores: map[string]int{}}
}

func (s *countingSink) Store(ctx context.Context, f transport.File) (transport.Receipt, error) {
	r, err := s.Sink.Store(ctx, f)
	if err == nil {
		s.mu.Lock()
		s.stores[f.Name]++
		s.mu.Unlock()
	}
	return r, err
}

func (s *countingSink) storesOf(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stores[name]
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
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

// A watched is a running Watcher on a fresh inbox.
type watched struct {
	inbox, archive string
	sink           *countingSink
	logs           *syncBuffer
}

// startWatcher runs a Watcher with opts on a new inbox until the test ends.
func startWatcher(t *testing.T, opts WatcherOptions) watched {
	t.Helper()
	root := t.TempDir()
	w := watched{inbox: filepath.Join(root, "inbox"), archive: filepath.Join(root, "archive"), sink: newCountingSink(), logs: &syncBuffer{}}
	require.NoError(t, os.Mkdir(w.inbox, 0o750))
	opts.Partner, opts.Inbox, opts.Archive, opts.Sink = "acme", w.inbox, w.archive, w.sink
	opts.Logger = slog.New(slog.NewTextHandler(w.logs, nil))
	return w.run(t, opts)
}

func (w watched) run(t *testing.T, opts WatcherOptions) watched {
	t.Helper()
	watcher, err := NewWatcher(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(testTimeout):
			t.Error("Run did not return")
		}
	})
	return w
}

// eventually polls cond until it holds or testTimeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func count(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	return len(entries)
}

// waiting counts the files of an inbox not yet archived: those in it, and
// those in its claim folder.
func waiting(t *testing.T, inbox string) int {
	t.Helper()
	return count(t, inbox) - 1 + count(t, filepath.Join(inbox, ClaimFolder))
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// content is what file i of a burst holds: distinct per file, and long
// enough to be written in several pieces.
func content(i int) []byte {
	return bytes.Repeat(fmt.Appendf(nil, "UNH+%06d+ORDERS:D:96A:UN:EAN008'", i), 20)
}

// checkBurst asserts that every file of the burst was stored exactly once,
// whole, and moved to the archive.
func checkBurst(t *testing.T, w watched, n int) {
	t.Helper()
	require.NoError(t, w.sink.Wait(waitCtx(t), n))
	eventually(t, "inbox emptied", func() bool { return waiting(t, w.inbox) == 0 })
	files := w.sink.Files()
	require.Len(t, files, n)
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	for i := range n {
		name := fmt.Sprintf("ORDERS_%04d.edi", i)
		require.Equal(t, content(i), byName[name], "%s stored whole", name)
		require.Equal(t, 1, w.sink.storesOf(name), "%s stored once", name)
	}
	assert.Equal(t, n, count(t, w.archive))
}

func TestWatcherBurstWrittenQuickly(t *testing.T) {
	t.Parallel()
	w := startWatcher(t, WatcherOptions{Rules: Rules{Pattern: "*.edi", StableFor: 200 * time.Millisecond}, Rescan: time.Second})
	for i := range 1000 {
		name := fmt.Sprintf("ORDERS_%04d.edi", i)
		require.NoError(t, os.WriteFile(filepath.Join(w.inbox, name), content(i), 0o644))
	}
	checkBurst(t, w, 1000)
}

func TestWatcherBurstWrittenSlowly(t *testing.T) {
	t.Parallel()
	// Files arrive over a second or two, each written in four pieces with
	// pauses: none may be taken before its last piece.
	w := startWatcher(t, WatcherOptions{Rules: Rules{Pattern: "*.edi", StableFor: time.Second}, Rescan: 2 * time.Second})
	const writers, perWriter = 20, 50
	var wg sync.WaitGroup
	for wr := range writers {
		wg.Go(func() {
			for j := range perWriter {
				i := wr*perWriter + j
				writeInPieces(t, filepath.Join(w.inbox, fmt.Sprintf("ORDERS_%04d.edi", i)), content(i), 4, 2*time.Millisecond)
			}
		})
	}
	wg.Wait()
	checkBurst(t, w, writers*perWriter)
}

// writeInPieces writes data to a new file in pieces, pausing between them.
func writeInPieces(t *testing.T, file string, data []byte, pieces int, pause time.Duration) {
	f, err := os.Create(file)
	if !assert.NoError(t, err) {
		return
	}
	defer f.Close()
	step := (len(data) + pieces - 1) / pieces
	for off := 0; off < len(data); off += step {
		if off > 0 {
			time.Sleep(pause)
		}
		_, err := f.Write(data[off:min(off+step, len(data))])
		assert.NoError(t, err)
	}
}

// writeRenamed writes a file as the Renamed rule expects: under a hidden
// name first, then renamed into place.
func writeRenamed(t *testing.T, file string, data []byte) {
	t.Helper()
	temp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file))
	require.NoError(t, os.WriteFile(temp, data, 0o644))
	require.NoError(t, os.Rename(temp, file))
}

func TestWatcherTakesFilesPresentAtStart(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inbox := filepath.Join(root, "inbox")
	require.NoError(t, os.Mkdir(inbox, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(inbox, "waiting.edi"), []byte("UNB'"), 0o644))
	sink := newCountingSink()
	w := watched{inbox: inbox, archive: filepath.Join(root, "archive"), sink: sink}
	w.run(t, WatcherOptions{Partner: "acme", Inbox: inbox, Archive: w.archive, Sink: sink, Rules: Rules{StableFor: 50 * time.Millisecond}})
	require.NoError(t, sink.Wait(waitCtx(t), 1))
	f := sink.Files()[0]
	assert.Equal(t, "acme", f.Partner)
	assert.Equal(t, "folder", f.Transport)
	assert.Equal(t, Key("waiting.edi", []byte("UNB'")), f.Key)
	eventually(t, "archived", func() bool { return count(t, w.archive) == 1 })
}

func TestWatcherReadyMarker(t *testing.T) {
	t.Parallel()
	w := startWatcher(t, WatcherOptions{Rules: Rules{Completion: ReadyMarker, MarkerSuffix: ".ok"}, Rescan: 50 * time.Millisecond})
	file := filepath.Join(w.inbox, "desadv.edi")
	require.NoError(t, os.WriteFile(file, []byte("UNB+desadv'"), 0o644))
	// A file with its marker, written after: once it is taken, the watcher
	// has looked at desadv.edi too, and left it.
	other := filepath.Join(w.inbox, "orders.edi")
	require.NoError(t, os.WriteFile(other, []byte("UNB+orders'"), 0o644))
	require.NoError(t, os.WriteFile(other+".ok", nil, 0o644))
	require.NoError(t, w.sink.Wait(waitCtx(t), 1))
	assert.Equal(t, "orders.edi", w.sink.Files()[0].Name, "taken without its marker")

	require.NoError(t, os.WriteFile(file+".ok", nil, 0o644))
	require.NoError(t, w.sink.Wait(waitCtx(t), 2))
	eventually(t, "files and markers gone", func() bool { return waiting(t, w.inbox) == 0 })
	assert.Len(t, w.sink.Files(), 2)
	assert.Equal(t, 2, count(t, w.archive), "markers are not archived")
}

func TestWatcherRetriesAFailedStoreAndKeepsTheFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.Mkdir(inbox, 0o750))
	require.NoError(t, os.MkdirAll(archive, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(archive, "orders.edi"), []byte("an older file"), 0o644))
	sink := newCountingSink()
	sink.FailNext(2)
	logs := &syncBuffer{}
	w := watched{inbox: inbox, archive: archive, sink: sink}
	w.run(t, WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: sink,
		Rules: Rules{Completion: Renamed}, Rescan: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	writeRenamed(t, filepath.Join(inbox, "orders.edi"), []byte("UNB+new'"))

	require.NoError(t, sink.Wait(waitCtx(t), 1))
	assert.Contains(t, logs.String(), "could not store the file; it stays claimed and is tried again")
	eventually(t, "archived beside the older file", func() bool { return count(t, archive) == 2 })
	assert.Equal(t, 1, sink.storesOf("orders.edi"))
	older, err := os.ReadFile(filepath.Join(archive, "orders.edi"))
	require.NoError(t, err)
	assert.Equal(t, "an older file", string(older), "nothing in the archive is overwritten")
}

func TestWatcherLeavesTooLargeFiles(t *testing.T) {
	t.Parallel()
	w := startWatcher(t, WatcherOptions{Rules: Rules{Completion: Renamed}, Rescan: 20 * time.Millisecond, MaxFileSize: 10})
	writeRenamed(t, filepath.Join(w.inbox, "big.edi"), []byte("UNB+far too long'"))
	writeRenamed(t, filepath.Join(w.inbox, "small.edi"), []byte("UNB'"))
	require.NoError(t, w.sink.Wait(waitCtx(t), 1))
	eventually(t, "reported", func() bool { return bytes.Contains([]byte(w.logs.String()), []byte("file too large")) })
	assert.FileExists(t, filepath.Join(w.inbox, "big.edi"))
	assert.Len(t, w.sink.Files(), 1)
}

func TestNewWatcherChecksItsOptions(t *testing.T) {
	sink := transporttest.NewSink()
	for name, opts := range map[string]WatcherOptions{
		"no partner": {Inbox: "in", Archive: "a", Sink: sink},
		"no inbox":   {Partner: "p", Archive: "a", Sink: sink},
		"no archive": {Partner: "p", Inbox: "in", Sink: sink},
		"no sink":    {Partner: "p", Inbox: "in", Archive: "a"},
		"bad rules":  {Partner: "p", Inbox: "in", Archive: "a", Sink: sink, Rules: Rules{Pattern: "["}},
		// Each look would archive the file into the inbox under a new
		// name, a new key: stored again, forever.
		"archive is the inbox":        {Partner: "p", Inbox: "in", Archive: "./in/", Sink: sink},
		"archive is the claim folder": {Partner: "p", Inbox: "in", Archive: "in/" + ClaimFolder, Sink: sink},
	} {
		_, err := NewWatcher(opts)
		assert.Error(t, err, name)
	}
	w, err := NewWatcher(WatcherOptions{Partner: "p", Inbox: filepath.Join(t.TempDir(), "missing"), Archive: t.TempDir(), Sink: sink})
	require.NoError(t, err)
	assert.Error(t, w.Run(t.Context()), "a missing inbox")
}

func TestWatcherArchivesOnlyWhatItStored(t *testing.T) {
	t.Parallel()
	// The partner renames a new orders.edi into place while the first one
	// is being stored. The new one must be stored too, not archived (or
	// removed) unread in place of the first.
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.Mkdir(inbox, 0o750))
	require.NoError(t, os.Mkdir(archive, 0o750))
	sink := newCountingSink()
	var once sync.Once
	replacing := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		r, err := sink.Store(ctx, f)
		once.Do(func() { writeRenamed(t, filepath.Join(inbox, "orders.edi"), []byte("UNB+second'")) })
		return r, err
	})
	writeRenamed(t, filepath.Join(inbox, "orders.edi"), []byte("UNB+first'"))
	watched{}.run(t, WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: replacing,
		Rules: Rules{Completion: Renamed}, Rescan: 20 * time.Millisecond})

	eventually(t, "both archived", func() bool { return count(t, archive) == 2 && waiting(t, inbox) == 0 })
	var stored []string
	for _, f := range sink.Files() {
		stored = append(stored, string(f.Data))
	}
	assert.ElementsMatch(t, []string{"UNB+first'", "UNB+second'"}, stored)
}

func TestWatcherTakesFilesClaimedBeforeACrash(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.MkdirAll(filepath.Join(inbox, ClaimFolder), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(inbox, ClaimFolder, "orders.edi"), []byte("UNB+claimed'"), 0o644))
	sink := newCountingSink()
	watched{}.run(t, WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: sink, Rescan: time.Hour})
	require.NoError(t, sink.Wait(waitCtx(t), 1))
	assert.Equal(t, Key("orders.edi", []byte("UNB+claimed'")), sink.Files()[0].Key, "the same key as before the crash")
	eventually(t, "archived", func() bool { return count(t, archive) == 1 && waiting(t, inbox) == 0 })
}

func TestWatcherRunsOnce(t *testing.T) {
	t.Parallel()
	inbox := t.TempDir()
	w, err := NewWatcher(WatcherOptions{Partner: "p", Inbox: inbox, Archive: filepath.Join(inbox, "archive"), Sink: transporttest.NewSink()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 2)
	go func() { done <- w.Run(ctx) }()
	go func() { done <- w.Run(ctx) }()
	select {
	case err := <-done:
		assert.Error(t, err, "a second Run would share the Pickup")
	case <-time.After(testTimeout):
		t.Error("both Runs are running")
	}
	cancel()
	assert.NoError(t, <-done)
}

func TestWatcherStoppedDuringAStoreKeepsTheFileQuietly(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.Mkdir(inbox, 0o750))
	writeRenamed(t, filepath.Join(inbox, "orders.edi"), []byte("UNB'"))
	started := make(chan struct{})
	slow := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		close(started)
		<-ctx.Done()
		return transport.Receipt{}, ctx.Err()
	})
	logs := &syncBuffer{}
	w, err := NewWatcher(WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: slow,
		Rules: Rules{Completion: Renamed}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	<-started
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), "stopped before the file was stored")
	assert.NotContains(t, logs.String(), "level=ERROR", "a shutdown is not an error")
	assert.Equal(t, 1, waiting(t, inbox), "the file is kept")
}

func TestWatcherStaleReadyMarkerDoesNotTakeAFileBeingWritten(t *testing.T) {
	t.Parallel()
	// A marker left behind by an earlier orders.edi (a crash after the
	// file was claimed, before its marker was removed) must not make the
	// next orders.edi complete while the partner is still writing it.
	w := startWatcher(t, WatcherOptions{Rules: Rules{Completion: ReadyMarker, MarkerSuffix: ".ok"}, Rescan: 20 * time.Millisecond})
	file := filepath.Join(w.inbox, "orders.edi")
	require.NoError(t, os.WriteFile(file+".ok", nil, 0o644))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(file+".ok", old, old))
	f, err := os.Create(file)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Write([]byte("UNB+half"))
	require.NoError(t, err)

	// A complete file written after it: once that is stored, the watcher
	// has looked at orders.edi too.
	other := filepath.Join(w.inbox, "desadv.edi")
	require.NoError(t, os.WriteFile(other, []byte("UNB+desadv'"), 0o644))
	require.NoError(t, os.WriteFile(other+".ok", nil, 0o644))
	require.NoError(t, w.sink.Wait(waitCtx(t), 1))
	assert.Equal(t, "desadv.edi", w.sink.Files()[0].Name, "taken by a stale marker")
	assert.FileExists(t, file)

	_, err = f.Write([]byte("+rest'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(file+".ok", nil, 0o644)) // the writer's marker, after the close
	require.NoError(t, w.sink.Wait(waitCtx(t), 2))
	assert.Equal(t, "UNB+half+rest'", string(w.sink.Files()[1].Data))
	eventually(t, "files and markers gone", func() bool { return waiting(t, w.inbox) == 0 })
}

func TestWatcherNeverTakesAnEmptyFile(t *testing.T) {
	t.Parallel()
	// A writer may create its file and compute for a while before it
	// writes: under stable-size the empty file must not be taken.
	w := startWatcher(t, WatcherOptions{Rules: Rules{StableFor: 20 * time.Millisecond}, Rescan: 20 * time.Millisecond})
	file := filepath.Join(w.inbox, "orders.edi")
	f, err := os.Create(file)
	require.NoError(t, err)
	defer f.Close()

	// A file written after it: once that is stored, the watcher has seen
	// the empty one stay the same for as long as StableFor.
	require.NoError(t, os.WriteFile(filepath.Join(w.inbox, "desadv.edi"), []byte("UNB+desadv'"), 0o644))
	require.NoError(t, w.sink.Wait(waitCtx(t), 1))
	assert.Equal(t, "desadv.edi", w.sink.Files()[0].Name, "an empty file taken")
	assert.FileExists(t, file)

	_, err = f.Write([]byte("UNB+orders'"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, w.sink.Wait(waitCtx(t), 2))
	assert.Equal(t, "UNB+orders'", string(w.sink.Files()[1].Data))
}

func TestWatcherCarriesOnWhenTheInboxIsMadeAgain(t *testing.T) {
	t.Parallel()
	// The partner's program (or an operator) removes the inbox and makes
	// it again, claim folder and all: files are still taken.
	w := startWatcher(t, WatcherOptions{Rules: Rules{Completion: Renamed}, Rescan: 20 * time.Millisecond})
	writeRenamed(t, filepath.Join(w.inbox, "one.edi"), []byte("UNB+one'"))
	require.NoError(t, w.sink.Wait(waitCtx(t), 1))
	eventually(t, "archived", func() bool { return count(t, w.archive) == 1 })

	require.NoError(t, os.RemoveAll(w.inbox))
	require.NoError(t, os.Mkdir(w.inbox, 0o750))
	writeRenamed(t, filepath.Join(w.inbox, "two.edi"), []byte("UNB+two'"))
	require.NoError(t, w.sink.Wait(waitCtx(t), 2))
	eventually(t, "archived", func() bool { return count(t, w.archive) == 2 })
}

func TestWatcherWithoutFileEventsReliesOnRescans(t *testing.T) {
	t.Parallel()
	// Network file systems deliver no events: rescans alone find files.
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.Mkdir(inbox, 0o750))
	sink := newCountingSink()
	watcher, err := NewWatcher(WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: sink,
		Rules: Rules{Pattern: "*.edi", StableFor: 20 * time.Millisecond}, Rescan: 20 * time.Millisecond})
	require.NoError(t, err)
	watcher.noEvents = true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watcher.Run(ctx) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done)
	}()
	for i := range 50 {
		name := fmt.Sprintf("ORDERS_%04d.edi", i)
		require.NoError(t, os.WriteFile(filepath.Join(inbox, name), content(i), 0o644))
	}
	checkBurst(t, watched{inbox: inbox, archive: archive, sink: sink}, 50)
}

func TestWatcherReportsAClaimedFileItCannotReadOnce(t *testing.T) {
	t.Parallel()
	// A file it cannot read is tried at every look, but logged as an
	// error once, not every Rescan for as long as it stays.
	root := t.TempDir()
	inbox, archive := filepath.Join(root, "inbox"), filepath.Join(root, "archive")
	require.NoError(t, os.MkdirAll(filepath.Join(inbox, ClaimFolder), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(inbox, ClaimFolder, "big.edi"), []byte("UNB+far too long'"), 0o644))
	sink := newCountingSink()
	logs := &syncBuffer{}
	watched{}.run(t, WatcherOptions{Partner: "acme", Inbox: inbox, Archive: archive, Sink: sink, MaxFileSize: 10,
		Rules: Rules{Completion: Renamed}, Rescan: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	for i := range 3 { // each file stored is a look that tried big.edi again
		writeRenamed(t, filepath.Join(inbox, fmt.Sprintf("small%d.edi", i)), []byte("UNB'"))
		require.NoError(t, sink.Wait(waitCtx(t), i+1))
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "level=ERROR msg=\"folder: cannot read a claimed file"), logs.String())
	assert.FileExists(t, filepath.Join(inbox, ClaimFolder, "big.edi"), "kept")
}

package folder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/edibridge/edibridge/transport"
)

// Defaults of WatcherOptions.
const (
	DefaultStableFor   = 2 * time.Second
	DefaultRescan      = 30 * time.Second
	DefaultMaxFileSize = 64 << 20
)

// eventDelay is how long after a file event the watcher looks: long enough
// to let a burst of events come in and be handled by one look.
const eventDelay = 100 * time.Millisecond

// ClaimFolder is the hidden folder, inside the inbox, that a complete file
// is moved into before it is read. From then on the partner's program can
// neither change it nor replace it by a new file of the same name, so the
// file archived is exactly the file stored. A file found there at a look
// was claimed before a crash, or its store failed: it is stored (again,
// which the sink recognises) and archived before anything else.
const ClaimFolder = ".edibridge-claimed"

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	// Partner is the partner's id, set on every File; required.
	Partner string
	// Inbox is the folder the partner's program writes files into;
	// required, and it must exist.
	Inbox string
	// Archive is where a file goes once stored; required, and not the
	// inbox itself. It is created when missing and must be on the same
	// file system as Inbox, since the file is linked or renamed into it.
	// It may be a subfolder of Inbox: folders are never picked up. A name
	// already in the archive gets a time suffix; nothing there is
	// replaced.
	Archive string
	// Rules select the files and say when each is complete. Under
	// StableSize a zero StableFor means DefaultStableFor here, since looks
	// triggered by events can be milliseconds apart.
	Rules Rules
	// Rescan is the time between two full looks at the folder when no
	// event comes (events can be lost, and are not delivered at all on
	// some network file systems); zero means DefaultRescan.
	Rescan time.Duration
	// MaxFileSize is the largest file taken, in bytes; larger files are
	// left in place and reported. Zero means DefaultMaxFileSize.
	MaxFileSize int64
	// Sink stores the files; required.
	Sink transport.Sink
	// Logger receives a record per file taken and per problem; nil
	// discards them.
	Logger *slog.Logger
}

// A Watcher picks up complete files from a partner's inbox folder: it
// moves each into the ClaimFolder, stores it in the Sink, and only then
// moves it to the archive. A file leaves the inbox's claim folder only once
// it is durable, and a file stored again after a crash between the steps
// has the same Key, so the Sink recognises the duplicate. It learns of new
// files from fsnotify and, since events can be missed, also looks at the
// whole folder every Rescan.
type Watcher struct {
	opts     WatcherOptions
	claimDir string // Inbox/ClaimFolder
	pickup   *Pickup
	log      *slog.Logger
	started  atomic.Bool
	// noEvents makes the watcher rely on rescans alone, as it does when
	// file events cannot be had; for tests.
	noEvents bool
	// reported holds files already reported as too large, so that each is
	// reported once rather than on every look.
	reported map[string]int64
	// unreadable holds claimed files whose reading failed, so that each
	// failure is logged as an error once, not at every look.
	unreadable map[string]bool
}

// NewWatcher checks opts and returns a Watcher; Run starts it.
func NewWatcher(opts WatcherOptions) (*Watcher, error) {
	switch {
	case opts.Partner == "":
		return nil, errors.New("folder: watcher needs a partner")
	case opts.Inbox == "" || opts.Archive == "":
		return nil, errors.New("folder: watcher needs an inbox and an archive folder")
	case opts.Sink == nil:
		return nil, errors.New("folder: watcher needs a sink")
	case opts.Rescan < 0 || opts.MaxFileSize < 0:
		return nil, errors.New("folder: negative rescan interval or file size")
	}
	claimDir := filepath.Join(opts.Inbox, ClaimFolder)
	if samePath(opts.Archive, opts.Inbox) || samePath(opts.Archive, claimDir) {
		// Each look would take the archived file again, under a new name.
		return nil, fmt.Errorf("folder: the archive %s is the inbox, or its claim folder", opts.Archive)
	}
	if opts.Rules.Completion == StableSize && opts.Rules.StableFor == 0 {
		opts.Rules.StableFor = DefaultStableFor
	}
	pickup, err := NewPickup(opts.Rules)
	if err != nil {
		return nil, err
	}
	if opts.Rescan == 0 {
		opts.Rescan = DefaultRescan
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	w := &Watcher{opts: opts, claimDir: claimDir, pickup: pickup, log: opts.Logger, reported: map[string]int64{}, unreadable: map[string]bool{}}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("partner", opts.Partner, "transport", "folder", "inbox", opts.Inbox)
	return w, nil
}

// samePath reports whether a and b name the same folder, once cleaned and
// made absolute.
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// Run watches the inbox until ctx ends, then returns nil; it returns an
// error only when the inbox or the archive cannot be used at all, or when
// the Watcher ran already: a Watcher runs once.
func (w *Watcher) Run(ctx context.Context) error {
	if w.started.Swap(true) {
		return errors.New("folder: a watcher runs once")
	}
	if err := w.prepare(); err != nil {
		return err
	}
	events, errs, stop := w.notify()
	defer stop()

	timer := time.NewTimer(0) // the first look at once: files may be waiting
	defer timer.Stop()
	next := time.Now()
	lookAt := func(at time.Time) { // bring the next look forward, never back
		if at.Before(next) {
			next = at
			timer.Reset(time.Until(at))
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-events:
			lookAt(time.Now().Add(eventDelay))
		case err := <-errs:
			// A queue overflow loses events: look at everything now.
			w.log.Warn("folder: file events failed; looking at the whole folder", "err", err)
			lookAt(time.Now())
		case <-timer.C:
			wait := w.look(ctx)
			next = time.Now().Add(w.opts.Rescan)
			if wait > 0 && wait < w.opts.Rescan {
				next = time.Now().Add(wait)
			}
			timer.Reset(time.Until(next))
		}
	}
}

// prepare checks the inbox and creates the archive and claim folders.
func (w *Watcher) prepare() error {
	inbox, err := os.Stat(w.opts.Inbox)
	if err != nil || !inbox.IsDir() {
		return fmt.Errorf("folder: inbox %s is not a folder: %v", w.opts.Inbox, err)
	}
	for _, dir := range []string{w.opts.Archive, w.claimDir} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("folder: %w", err)
		}
	}
	if archive, err := os.Stat(w.opts.Archive); err != nil || os.SameFile(inbox, archive) {
		return fmt.Errorf("folder: archive %s is the inbox (by a link), or unusable: %v", w.opts.Archive, err)
	}
	return nil
}

// notify subscribes to the inbox's file events. When that fails (no
// inotify instances left, a file system without events) the watcher
// carries on with rescans alone, and says so.
func (w *Watcher) notify() (<-chan fsnotify.Event, <-chan error, func()) {
	if w.noEvents {
		return nil, nil, func() {}
	}
	fsw, err := fsnotify.NewWatcher()
	if err == nil {
		if err = fsw.Add(w.opts.Inbox); err != nil {
			fsw.Close()
		}
	}
	if err != nil {
		w.log.Warn("folder: no file events; relying on rescans", "rescan", w.opts.Rescan, "err", err)
		return nil, nil, func() {}
	}
	return fsw.Events, fsw.Errors, func() { fsw.Close() }
}

// look takes the files left in the claim folder, then lists the inbox
// once and takes every file that is complete; it returns how long until a
// file still changing could be complete.
func (w *Watcher) look(ctx context.Context) time.Duration {
	// The inbox may have been removed and made again, without the claim
	// folder; without it no file could be claimed. A missing inbox is not
	// made (it may be a share that is not mounted).
	if err := os.Mkdir(w.claimDir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		w.log.Error("folder: cannot make the claim folder", "folder", w.claimDir, "err", err)
		return 0
	}
	defer w.syncClaimed()
	w.takeClaimed(ctx)
	listing, err := listFolder(w.opts.Inbox)
	if err != nil {
		w.log.Error("folder: cannot list the inbox", "err", err)
		return 0
	}
	ready, wait := w.pickup.Complete(listing, time.Now())
	for _, fi := range ready {
		if ctx.Err() != nil {
			return 0
		}
		w.take(ctx, fi)
	}
	w.forgetReported(listing)
	return wait
}

// syncClaimed makes the removals from the claim folder of one look
// durable at once: a file archived and then back in the claim folder
// after a crash would be stored again, a duplicate the sink recognises,
// and archived twice.
func (w *Watcher) syncClaimed() {
	if err := transport.SyncDir(w.claimDir); err != nil {
		w.log.Warn("folder: cannot sync the claim folder", "err", err)
	}
}

// takeClaimed stores and archives the files in the claim folder: claimed
// by an earlier run, or claimed by this one when their store failed.
func (w *Watcher) takeClaimed(ctx context.Context) {
	listing, err := listFolder(w.claimDir)
	if err != nil {
		w.log.Error("folder: cannot list the claim folder", "folder", w.claimDir, "err", err)
		return
	}
	claimed := make(map[string]bool, len(listing))
	for _, fi := range listing {
		claimed[fi.Name()] = true
	}
	for name := range w.unreadable {
		if !claimed[name] {
			delete(w.unreadable, name) // gone: removed by hand, say
		}
	}
	for _, fi := range listing {
		if ctx.Err() != nil {
			return
		}
		if fi.Mode().IsRegular() {
			w.storeClaimed(ctx, fi.Name(), nil)
		}
	}
}

// listFolder returns what Lstat says of every entry of dir; entries that
// vanish while being listed are left out.
func listFolder(dir string) ([]fs.FileInfo, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	listing := make([]fs.FileInfo, 0, len(entries))
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			listing = append(listing, fi)
		}
	}
	return listing, nil
}

// errClaimed says that a file of the name is in the claim folder already,
// not yet archived: a new one waits until it is.
var errClaimed = errors.New("a file of that name is claimed already and not yet archived")

// errChanged says that a file is not the one a listing judged complete: it
// was changed or replaced since.
var errChanged = errors.New("the file changed since the folder was listed")

// take claims one complete file, removes its ready marker, and stores and
// archives it. Whatever fails is logged, and the file is taken again at a
// later look: from the inbox when it was not claimed, from the claim
// folder when it was.
func (w *Watcher) take(ctx context.Context, fi fs.FileInfo) {
	name := fi.Name()
	if fi.Size() > w.opts.MaxFileSize {
		w.reportTooLarge(name, fi.Size())
		return
	}
	w.pickup.Forget(name) // whatever happens, the next look judges the inbox afresh
	if err := w.claim(fi); err != nil {
		level := slog.LevelWarn
		if errors.Is(err, errClaimed) || errors.Is(err, errChanged) || errors.Is(err, fs.ErrNotExist) {
			level = slog.LevelInfo // the partner is at work: normal
		}
		w.log.Log(ctx, level, "folder: cannot take the file now; will look again", "file", name, "err", err)
		return
	}
	w.removeMarker(name)
	w.storeClaimed(ctx, name, fi)
}

// claim moves the listed file from the inbox into the claim folder, unless
// it changed since the listing or a file of that name is claimed already.
// Only edibridge writes the claim folder, so a check there before the
// rename is enough to never replace a claimed file.
func (w *Watcher) claim(listed fs.FileInfo) error {
	name := listed.Name()
	from, to := filepath.Join(w.opts.Inbox, name), filepath.Join(w.claimDir, name)
	if _, err := os.Lstat(to); err == nil {
		return errClaimed
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	now, err := os.Lstat(from)
	if err != nil {
		return err
	}
	if !unchanged(listed, now) {
		return errChanged
	}
	return os.Rename(from, to)
}

// unchanged reports whether now describes the same regular file as
// before, with the same size and modification time.
func unchanged(before, now fs.FileInfo) bool {
	return now.Mode().IsRegular() && os.SameFile(before, now) &&
		now.Size() == before.Size() && now.ModTime().Equal(before.ModTime())
}

// removeMarker removes the ready marker of a claimed file. The file is
// out of the inbox already, so a crash before this leaves a marker with
// no file; a later file of that name is newer than the marker, and the
// Pickup does not count a marker older than its file.
func (w *Watcher) removeMarker(name string) {
	if w.opts.Rules.Completion != ReadyMarker {
		return
	}
	marker := filepath.Join(w.opts.Inbox, w.pickup.Rules().Marker(name))
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.log.Warn("folder: cannot remove the ready marker", "file", name, "err", err)
	}
}

// storeClaimed reads the claimed file name, stores it, and archives it.
// listed is what the inbox listing said of it when this look claimed it,
// and nil for a file found in the claim folder; a file that is not what
// the listing judged complete is given back to the inbox.
func (w *Watcher) storeClaimed(ctx context.Context, name string, listed fs.FileInfo) {
	data, err := w.readClaimed(name, listed)
	if errors.Is(err, errChanged) {
		w.unclaim(name)
		return
	}
	if err != nil {
		level := slog.LevelError
		if w.unreadable[name] {
			level = slog.LevelDebug // logged as an error already
		}
		w.unreadable[name] = true
		w.log.Log(ctx, level, "folder: cannot read a claimed file; will try again", "file", name, "folder", w.claimDir, "err", err)
		return
	}
	delete(w.unreadable, name)
	receipt, err := w.opts.Sink.Store(ctx, transport.File{
		Partner:   w.opts.Partner,
		Transport: "folder",
		Name:      name,
		Key:       Key(name, data),
		Received:  time.Now(),
		Data:      data,
		Meta:      map[string]string{"path": filepath.Join(w.opts.Inbox, name)},
	})
	if err != nil {
		w.logStoreFailure(ctx, name, err)
		return
	}
	archived, err := moveAside(filepath.Join(w.claimDir, name), w.opts.Archive, name, time.Now())
	if err != nil {
		// Stored but still claimed: the next look stores it again, and the
		// sink answers that it is a duplicate.
		w.log.Error("folder: stored, but could not move the file to the archive", "file", name, "id", receipt.ID, "err", err)
		return
	}
	w.log.Info("folder: picked up", "file", name, "bytes", len(data), "id", receipt.ID, "duplicate", receipt.Duplicate, "archived", archived)
}

// logStoreFailure logs a failed Store: an error, unless the watcher is
// stopping, which is why a Store is cut short.
func (w *Watcher) logStoreFailure(ctx context.Context, name string, err error) {
	if ctx.Err() != nil {
		w.log.Info("folder: stopped before the file was stored; it is taken at the next start", "file", name, "err", err)
		return
	}
	w.log.Error("folder: could not store the file; it stays claimed and is tried again", "file", name, "err", err)
}

// readClaimed reads the claimed file name, refusing anything that is not
// a regular file (a symlink the partner put there, say). With listed it
// fails with errChanged unless the file is the one listed; without, it
// checks the size against MaxFileSize.
func (w *Watcher) readClaimed(name string, listed fs.FileInfo) ([]byte, error) {
	root, err := os.OpenRoot(w.claimDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", name)
	case listed != nil && !unchanged(listed, fi):
		return nil, errChanged
	case fi.Size() > w.opts.MaxFileSize:
		return nil, fmt.Errorf("%s has %d bytes, more than the %d allowed", name, fi.Size(), w.opts.MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, fi.Size()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != fi.Size() {
		return nil, fmt.Errorf("%s has %d bytes, not the %d it had when opened", name, len(data), fi.Size())
	}
	return data, nil
}

// unclaim gives a claimed file that is not the one the listing judged
// complete (the partner replaced or rewrote it between the listing and the
// claim) back to the inbox, by a link that never replaces a newer file
// there. When that cannot be done it stays claimed, to be stored as it is
// at the next look.
func (w *Watcher) unclaim(name string) {
	claimed := filepath.Join(w.claimDir, name)
	err := os.Link(claimed, filepath.Join(w.opts.Inbox, name))
	if err == nil {
		err = os.Remove(claimed)
	}
	if err != nil {
		w.log.Warn("folder: a file changed as it was claimed, and cannot go back to the inbox; it is stored as it is", "file", name, "err", err)
		return
	}
	w.log.Info("folder: file changed as it was claimed; given back, will look again", "file", name)
}

// reportTooLarge logs a file that exceeds MaxFileSize, once per size.
func (w *Watcher) reportTooLarge(name string, size int64) {
	if w.reported[name] == size {
		return
	}
	w.reported[name] = size
	w.log.Error("folder: file too large; left in the inbox", "file", name, "bytes", size, "max", w.opts.MaxFileSize)
}

// forgetReported drops reports of files no longer in the inbox.
func (w *Watcher) forgetReported(listing []fs.FileInfo) {
	if len(w.reported) == 0 {
		return
	}
	present := make(map[string]bool, len(listing))
	for _, fi := range listing {
		present[fi.Name()] = true
	}
	for name := range w.reported {
		if !present[name] {
			delete(w.reported, name)
		}
	}
}

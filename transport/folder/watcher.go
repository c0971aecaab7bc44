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

// WatcherOptions configure a Watcher.
type WatcherOptions struct {
	// Partner is the partner's id, set on every File; required.
	Partner string
	// Inbox is the folder the partner's program writes files into;
	// required, and it must exist.
	Inbox string
	// Archive is where a file goes once stored; required. It is created
	// when missing and must be on the same file system as Inbox, since the
	// file is renamed into it. It may be a subfolder of Inbox: folders are
	// never picked up. A name already in the archive gets a time suffix.
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

// A Watcher picks up complete files from a partner's inbox folder, stores
// each in the Sink, and only then moves it to the archive: a file is
// removed from the inbox only once it is durable, and a file stored again
// after a crash between the two steps has the same Key, so the Sink
// recognises the duplicate. It learns of new files from fsnotify and, since
// events can be missed, also looks at the whole folder every Rescan.
type Watcher struct {
	opts   WatcherOptions
	pickup *Pickup
	log    *slog.Logger
	// reported holds files already reported as too large, so that each is
	// reported once rather than on every look.
	reported map[string]int64
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
	w := &Watcher{opts: opts, pickup: pickup, log: opts.Logger, reported: map[string]int64{}}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("partner", opts.Partner, "transport", "folder", "inbox", opts.Inbox)
	return w, nil
}

// Run watches the inbox until ctx ends, then returns nil; it returns an
// error only when the inbox or the archive cannot be used at all. A Watcher
// runs once.
func (w *Watcher) Run(ctx context.Context) error {
	if fi, err := os.Stat(w.opts.Inbox); err != nil || !fi.IsDir() {
		return fmt.Errorf("folder: inbox %s is not a folder: %v", w.opts.Inbox, err)
	}
	if err := os.MkdirAll(w.opts.Archive, 0o750); err != nil {
		return fmt.Errorf("folder: archive: %w", err)
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

// notify subscribes to the inbox's file events. When that fails (no
// inotify instances left, a file system without events) the watcher
// carries on with rescans alone, and says so.
func (w *Watcher) notify() (<-chan fsnotify.Event, <-chan error, func()) {
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

// look lists the inbox once, takes every file that is complete, and
// returns how long until a file still changing could be complete.
func (w *Watcher) look(ctx context.Context) time.Duration {
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

// take reads one complete file, stores it, and archives it. Whatever
// fails is logged and the file stays in the inbox to be taken again.
func (w *Watcher) take(ctx context.Context, fi fs.FileInfo) {
	name := fi.Name()
	if fi.Size() > w.opts.MaxFileSize {
		w.reportTooLarge(name, fi.Size())
		return
	}
	data, err := readWhole(w.opts.Inbox, name, fi.Size())
	if err != nil {
		w.pickup.Forget(name) // changed or vanished: look at it afresh
		w.log.Warn("folder: file changed while being read; will look again", "file", name, "err", err)
		return
	}
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
		w.log.Error("folder: could not store the file; it stays in the inbox", "file", name, "err", err)
		return
	}
	w.pickup.Forget(name)
	if err := w.archive(name); err != nil {
		// Stored but still in the inbox: the next look stores it again, and
		// the sink answers that it is a duplicate.
		w.log.Error("folder: stored, but could not move the file to the archive", "file", name, "id", receipt.ID, "err", err)
		return
	}
	w.log.Info("folder: picked up", "file", name, "bytes", len(data), "id", receipt.ID, "duplicate", receipt.Duplicate)
}

// readWhole reads the file called name in dir, refusing anything that is
// not a regular file inside dir (a symlink pointing out of it, say), and
// checks that it still has the size the listing saw.
func readWhole(dir, name string, size int64) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("%s has %d bytes, not the %d listed", name, len(data), size)
	}
	return data, nil
}

// archive moves a stored file, and its ready marker if any, out of the inbox.
func (w *Watcher) archive(name string) error {
	target := filepath.Join(w.opts.Archive, name)
	if _, err := os.Lstat(target); err == nil {
		target += "." + time.Now().UTC().Format("20060102T150405.000000000Z")
	}
	if err := os.Rename(filepath.Join(w.opts.Inbox, name), target); err != nil {
		return err
	}
	if w.opts.Rules.Completion == ReadyMarker {
		marker := filepath.Join(w.opts.Inbox, w.pickup.Rules().Marker(name))
		if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove ready marker: %w", err)
		}
	}
	return nil
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

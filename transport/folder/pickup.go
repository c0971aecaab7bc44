package folder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Completion says how a picker-up knows that a file another program is
// writing is whole. A file is never taken before the rule says so.
type Completion int

const (
	// StableSize takes a file once two looks at it, at least
	// Rules.StableFor apart, saw the same size and modification time. It
	// needs nothing from the writer, but a writer that pauses longer than
	// the gap between two looks can be caught half-way: partners that can
	// do better should use one of the others. An empty file is never
	// complete under it, since its writer may not have started.
	StableSize Completion = iota
	// ReadyMarker takes NAME once a marker file NAME+Rules.MarkerSuffix
	// exists beside it; the writer creates the marker after closing NAME.
	// The marker is removed when the file is taken. A marker older than
	// its file does not count: it was left behind by an earlier file of
	// that name (by a crash between taking the file and removing the
	// marker), and the file beside it may still be being written.
	ReadyMarker
	// Renamed takes every file matching the pattern at once: the writer
	// writes under a name the pattern does not match (NAME.tmp, .NAME) and
	// renames the file into place when it is whole.
	Renamed
)

// String returns the name used in configuration.
func (c Completion) String() string {
	switch c {
	case StableSize:
		return "stable-size"
	case ReadyMarker:
		return "ready-marker"
	case Renamed:
		return "renamed"
	}
	return "Completion(" + strconv.Itoa(int(c)) + ")"
}

// ParseCompletion reads the configuration name of a Completion; the empty
// string is StableSize.
func ParseCompletion(s string) (Completion, error) {
	switch s {
	case "", "stable-size":
		return StableSize, nil
	case "ready-marker":
		return ReadyMarker, nil
	case "renamed":
		return Renamed, nil
	}
	return 0, fmt.Errorf("folder: unknown completion rule %q (stable-size, ready-marker or renamed)", s)
}

// DefaultMarkerSuffix is the suffix of ready markers when Rules leave it empty.
const DefaultMarkerSuffix = ".ready"

// Rules select the files to pick up from a folder, local or remote.
type Rules struct {
	// Pattern is a path.Match glob on the file name ("*.edi", "ORDERS_*").
	// Empty means every file except those with the usual temporary
	// endings (TemporaryEndings: NAME.tmp, NAME.part, ...), which writers
	// use before renaming a file into place; a pattern that matches such
	// names takes them. Names starting with a dot are never taken,
	// whatever the pattern: they are temporary names too.
	Pattern string
	// Completion says when a file is whole; the zero value is StableSize.
	Completion Completion
	// StableFor is, under StableSize, the least time between the two looks
	// that must agree. Zero means two consecutive looks, however close:
	// safe only when the looks are far enough apart, which is why the
	// Watcher and the remote SFTP poller put a default in its place.
	StableFor time.Duration
	// MarkerSuffix is, under ReadyMarker, what is appended to a file's name
	// to name its marker; empty means DefaultMarkerSuffix.
	MarkerSuffix string
}

// TemporaryEndings returns the name endings (compared without regard to
// case) of files that an empty Rules.Pattern never takes: the temporary
// names of common writers (scripts, WinSCP, browsers, editors).
func TemporaryEndings() []string {
	return []string{".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload", ".swp", "~"}
}

// check validates the rules and fills in defaults.
func (r Rules) check() (Rules, error) {
	if _, err := path.Match(r.Pattern, ""); err != nil {
		return r, fmt.Errorf("folder: pattern %q: %w", r.Pattern, err)
	}
	if r.Completion < StableSize || r.Completion > Renamed {
		return r, fmt.Errorf("folder: unknown completion rule %d", int(r.Completion))
	}
	if r.StableFor < 0 {
		return r, fmt.Errorf("folder: negative stable time %v", r.StableFor)
	}
	if r.MarkerSuffix == "" {
		r.MarkerSuffix = DefaultMarkerSuffix
	}
	return r, nil
}

// Marker returns the name of the ready marker of the file called name.
func (r Rules) Marker(name string) string {
	if r.MarkerSuffix == "" {
		return name + DefaultMarkerSuffix
	}
	return name + r.MarkerSuffix
}

// A Pickup decides, from successive listings of one folder, which files
// are complete under its Rules. The folder Watcher and the remote SFTP
// poller share it. A Pickup is not safe for concurrent use.
type Pickup struct {
	rules     Rules
	temporary []string               // endings never taken, when the pattern is empty
	seen      map[string]observation // name -> the last look that changed
}

// observation is what one look saw of a file, and since when.
type observation struct {
	size    int64
	modTime time.Time
	since   time.Time
}

// NewPickup checks rules and returns a Pickup that has seen nothing yet.
func NewPickup(rules Rules) (*Pickup, error) {
	rules, err := rules.check()
	if err != nil {
		return nil, err
	}
	p := &Pickup{rules: rules, seen: map[string]observation{}}
	if rules.Pattern == "" {
		p.temporary = TemporaryEndings()
	}
	return p, nil
}

// Rules returns the rules in force, with defaults filled in.
func (p *Pickup) Rules() Rules { return p.rules }

// Complete takes one listing of the folder, made at now, and returns the
// files that are complete, in the listing's order. Under StableSize it
// also returns how long until a file seen changing could be complete
// (zero when none is waiting), so that a caller woken by events knows
// when to look again.
func (p *Pickup) Complete(listing []fs.FileInfo, now time.Time) (ready []fs.FileInfo, wait time.Duration) {
	files := make(map[string]fs.FileInfo, len(listing)) // the regular files, by name
	for _, fi := range listing {
		if fi.Mode().IsRegular() {
			files[fi.Name()] = fi
		}
	}
	for name := range p.seen {
		if files[name] == nil {
			delete(p.seen, name) // gone, or replaced by something else
		}
	}
	for _, fi := range listing {
		if !p.candidate(fi) {
			continue
		}
		switch p.rules.Completion {
		case Renamed:
			ready = append(ready, fi)
		case ReadyMarker:
			if marker := files[p.rules.Marker(fi.Name())]; marker != nil && !marker.ModTime().Before(fi.ModTime()) {
				ready = append(ready, fi)
			}
		default:
			if left, ok := p.stable(fi, now); ok {
				ready = append(ready, fi)
			} else if left > 0 && (wait == 0 || left < wait) {
				wait = left
			}
		}
	}
	return ready, wait
}

// candidate reports whether fi may be picked up at all: a regular file,
// not hidden, not a marker, and matching the pattern.
func (p *Pickup) candidate(fi fs.FileInfo) bool {
	name := fi.Name()
	if !fi.Mode().IsRegular() || strings.HasPrefix(name, ".") {
		return false
	}
	if p.rules.Completion == ReadyMarker && strings.HasSuffix(name, p.rules.MarkerSuffix) {
		return false
	}
	if p.rules.Pattern == "" {
		lower := strings.ToLower(name)
		return !slices.ContainsFunc(p.temporary, func(end string) bool { return strings.HasSuffix(lower, end) })
	}
	ok, _ := path.Match(p.rules.Pattern, name) // the pattern was checked in NewPickup
	return ok
}

// stable records this look at fi and reports whether the previous one
// agrees with it and lies far enough back; if not, it returns how long
// until it could (zero when only a change can make it complete). An empty
// file is never complete: its writer may have created it and not yet
// written, for any length of time.
func (p *Pickup) stable(fi fs.FileInfo, now time.Time) (time.Duration, bool) {
	name := fi.Name()
	if fi.Size() == 0 {
		delete(p.seen, name)
		return 0, false
	}
	prev, ok := p.seen[name]
	if !ok || prev.size != fi.Size() || !prev.modTime.Equal(fi.ModTime()) {
		p.seen[name] = observation{size: fi.Size(), modTime: fi.ModTime(), since: now}
		return max(p.rules.StableFor, time.Nanosecond), false
	}
	if left := p.rules.StableFor - now.Sub(prev.since); left > 0 {
		return left, false
	}
	return 0, true
}

// Forget drops what was seen of name, once it has been taken or when it
// must be looked at afresh (it changed while being read).
func (p *Pickup) Forget(name string) { delete(p.seen, name) }

// Key is the transport.File key of a picked-up file: its name, size and
// the SHA-256 of its content. A file picked up again after a crash between
// storing it and removing it at its source has the same key, so the sink
// recognises it as a duplicate; a new file under an old name does not.
func Key(name string, data []byte) string {
	sum := sha256.Sum256(data)
	return name + "|" + strconv.Itoa(len(data)) + "|sha256:" + hex.EncodeToString(sum[:])
}

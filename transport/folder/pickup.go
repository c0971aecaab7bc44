package folder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Completion says how a picker-up knows that a file another program is
// writing is whole. A file is never taken before the rule says so.
type Completion int

const (
	// StableSize takes a file once two looks at it, at least
	// Rules.StableFor apart, saw the same size and modification time. It
	// needs nothing from the writer, but a writer that pauses longer than
	// the gap between two looks can be caught half-way: partners that can
	// do better should use one of the others.
	StableSize Completion = iota
	// ReadyMarker takes NAME once a marker file NAME+Rules.MarkerSuffix
	// exists beside it; the writer creates the marker after closing NAME.
	// The marker is removed with the file.
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
	// Pattern is a path.Match glob on the file name ("*.edi", "ORDERS_*");
	// empty means every file. Names starting with a dot are never taken,
	// whatever the pattern: they are the usual temporary names.
	Pattern string
	// Completion says when a file is whole; the zero value is StableSize.
	Completion Completion
	// StableFor is, under StableSize, the least time between the two looks
	// that must agree. Zero means two consecutive looks, however close.
	StableFor time.Duration
	// MarkerSuffix is, under ReadyMarker, what is appended to a file's name
	// to name its marker; empty means DefaultMarkerSuffix.
	MarkerSuffix string
}

// check validates the rules and fills in defaults.
func (r Rules) check() (Rules, error) {
	if r.Pattern == "" {
		r.Pattern = "*"
	}
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
	rules Rules
	seen  map[string]observation // name -> the last look that changed
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
	return &Pickup{rules: rules, seen: map[string]observation{}}, nil
}

// Rules returns the rules in force, with defaults filled in.
func (p *Pickup) Rules() Rules { return p.rules }

// Complete takes one listing of the folder, made at now, and returns the
// files that are complete, in the listing's order. Under StableSize it
// also returns how long until a file seen changing could be complete
// (zero when none is waiting), so that a caller woken by events knows
// when to look again.
func (p *Pickup) Complete(listing []fs.FileInfo, now time.Time) (ready []fs.FileInfo, wait time.Duration) {
	present := make(map[string]bool, len(listing))
	for _, fi := range listing {
		present[fi.Name()] = fi.Mode().IsRegular()
	}
	for name := range p.seen {
		if !present[name] {
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
			if present[p.rules.Marker(fi.Name())] {
				ready = append(ready, fi)
			}
		default:
			if left, ok := p.stable(fi, now); ok {
				ready = append(ready, fi)
			} else if wait == 0 || left < wait {
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
	ok, _ := path.Match(p.rules.Pattern, name) // the pattern was checked in NewPickup
	return ok
}

// stable records this look at fi and reports whether the previous one
// agrees with it and lies far enough back; if not, it returns how long
// until it could.
func (p *Pickup) stable(fi fs.FileInfo, now time.Time) (time.Duration, bool) {
	name := fi.Name()
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

// MaxNameLength is the longest file name, in bytes, that CheckName
// accepts: NAME_MAX of the usual file systems.
const MaxNameLength = 255

// ErrBadName is wrapped by the errors of CheckName.
var ErrBadName = errors.New("bad file name")

// CheckName accepts a file name that is safe to use as one component of a
// path on any system a partner might use: valid UTF-8 of at most
// MaxNameLength bytes, no path separators, no control characters, not
// starting with a dot (so neither "." nor ".." nor a hidden or temporary
// name) and not ending with a space or a dot (which Windows drops).
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrBadName)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrBadName, len(name), MaxNameLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %q is not UTF-8", ErrBadName, name)
	case strings.HasPrefix(name, "."):
		return fmt.Errorf("%w: %q starts with a dot", ErrBadName, name)
	case strings.HasSuffix(name, " ") || strings.HasSuffix(name, "."):
		return fmt.Errorf("%w: %q ends with a space or a dot", ErrBadName, name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Errorf("%w: %q contains a path separator", ErrBadName, name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%w: %q contains a control character", ErrBadName, name)
	}
	return nil
}

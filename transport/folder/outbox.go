package folder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/edibridge/edibridge/transport"
)

// DefaultPerm is the mode of files an Outbox writes when Perm is zero:
// readable by the partner's program, which may run as another user.
const DefaultPerm fs.FileMode = 0o644

// tempPattern names the temporary files of an Outbox: hidden, so that a
// reader that skips dot files (as Pickup does) never sees them, and short,
// so that it fits beside any name CheckName accepts.
const tempPattern = ".edibridge-*.tmp"

// An Outbox writes files into a folder so that a reader of the folder sees
// each file whole or not at all, and so that a file written is still there
// after a crash: the bytes go to a temporary file in the same folder, which
// is synced, then linked (or renamed) to its name, and the folder is synced.
// An existing file is never replaced: Write fails with an error wrapping
// fs.ErrExist, since the partner may not have fetched it yet, unless that
// file holds exactly the bytes written: then the Write is a retry of one
// that succeeded (its answer lost, or the caller stopped before noting it)
// and succeeds again, rather than making the caller deliver the same
// document a second time under another name.
type Outbox struct {
	// Dir is the folder; it must exist.
	Dir string
	// Perm is the mode of the files written; zero means DefaultPerm. It is
	// set explicitly, so the process umask does not apply.
	Perm fs.FileMode
}

// Write stores data as the file name in the outbox. Name must pass
// CheckName. When Write returns nil the file is durable; when it fails, no
// file called name was created (a temporary file may remain after a crash,
// hidden by its leading dot, until RemoveLeftovers).
func (o Outbox) Write(ctx context.Context, name string, data []byte) error {
	if err := CheckName(name); err != nil {
		return fmt.Errorf("folder: write to %s: %w", o.Dir, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	tmp, err := o.writeTemp(data)
	if err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	defer os.Remove(tmp) // after a link the name stays; after a rename this fails harmlessly
	final := filepath.Join(o.Dir, name)
	err = link(tmp, final)
	if errors.Is(err, fs.ErrExist) {
		err = holdsExactly(final, data) // nil for a retry of a Write that succeeded
	}
	if err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	if err := transport.SyncDir(o.Dir); err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file in the outbox, synced and
// closed, and returns its path.
func (o Outbox) writeTemp(data []byte) (string, error) {
	perm := o.Perm
	if perm == 0 {
		perm = DefaultPerm
	}
	return transport.WriteTemp(o.Dir, tempPattern, data, perm)
}

// holdsExactly returns nil when file holds data and nothing else, and an
// error wrapping fs.ErrExist otherwise.
func holdsExactly(file string, data []byte) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("%s: %w (and cannot be read: %v)", file, fs.ErrExist, err)
	}
	defer f.Close()
	there, err := io.ReadAll(io.LimitReader(f, int64(len(data))+1))
	if err != nil || !bytes.Equal(there, data) {
		return fmt.Errorf("%s: %w with other content", file, fs.ErrExist)
	}
	return nil
}

// RemoveLeftovers removes the temporary files that Writes cut short by a
// crash left in the outbox. Call it only while no Write is in progress,
// such as at start: the temporary file of a Write in progress looks the
// same.
func (o Outbox) RemoveLeftovers() error {
	entries, err := os.ReadDir(o.Dir)
	if err != nil {
		return fmt.Errorf("folder: clean %s: %w", o.Dir, err)
	}
	var errs []error
	for _, e := range entries {
		if ok, _ := filepath.Match(tempPattern, e.Name()); !ok || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(o.Dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("folder: clean %s: %w", o.Dir, err)
	}
	return nil
}

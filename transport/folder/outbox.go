package folder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
// fs.ErrExist, since the partner may not have fetched it yet.
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
// hidden by its leading dot).
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
	if err := publish(tmp, final); err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	if err := syncDir(o.Dir); err != nil {
		return fmt.Errorf("folder: write %s: %w", name, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file in the outbox, synced and
// closed, and returns its path.
func (o Outbox) writeTemp(data []byte) (string, error) {
	f, err := os.CreateTemp(o.Dir, tempPattern)
	if err != nil {
		return "", err
	}
	perm := o.Perm
	if perm == 0 {
		perm = DefaultPerm
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// publish gives the synced temporary file its final name without ever
// replacing a file of that name. A hard link does that atomically; on file
// systems without hard links (some network and FUSE mounts) it falls back
// to a check and a rename, which is safe as long as only edibridge writes
// the folder, as it does an outbox.
func publish(tmp, final string) error {
	err := os.Link(tmp, final)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, statErr := os.Lstat(final); statErr == nil {
		return fmt.Errorf("%s: %w", final, fs.ErrExist)
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return statErr
	}
	return os.Rename(tmp, final)
}

// syncDir makes the directory entries of dir durable: a renamed or linked
// file whose directory was not synced can vanish in a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

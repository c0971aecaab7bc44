package folder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/edibridge/edibridge/transport"
)

// link gives the file from the further name to, never replacing a file
// called to: it fails with an error wrapping fs.ErrExist instead. A hard
// link does that atomically; on file systems without hard links (some
// network and FUSE mounts) it falls back to a check and a rename, which
// moves the file (from is gone afterwards) and is safe as long as only
// edibridge writes the folder of to, as it does an outbox or an archive.
func link(from, to string) error {
	err := os.Link(from, to)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, statErr := os.Lstat(to); statErr == nil {
		return fmt.Errorf("%s: %w", to, fs.ErrExist)
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return statErr
	}
	return os.Rename(from, to)
}

// moveAside moves the file from into dir as name, or as name with
// TimeSuffix(now) when dir has a file of that name: it never replaces
// one. It syncs dir before removing from, so that a crash leaves the file
// in one folder or both (and it is then taken again, a duplicate), never
// in neither. The caller syncs the folder of from, when a file moved must
// not come back after a crash; several moves can share that sync. It
// returns the file's new path.
func moveAside(from, dir, name string, now time.Time) (string, error) {
	to := filepath.Join(dir, name)
	err := link(from, to)
	if errors.Is(err, fs.ErrExist) {
		to = filepath.Join(dir, FitName(name, TimeSuffix(now)))
		err = link(from, to)
	}
	if err != nil {
		return "", err
	}
	if err := transport.SyncDir(dir); err != nil {
		return "", err
	}
	if err := os.Remove(from); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return to, nil
}

// TimeSuffix is what is added to the name of a file moved into a folder
// (an archive, a done folder) that has a file of that name already.
func TimeSuffix(now time.Time) string {
	return "." + now.UTC().Format("20060102T150405.000000000Z")
}

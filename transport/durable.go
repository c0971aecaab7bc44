package transport

import (
	"fmt"
	"io/fs"
	"os"
)

// WriteTemp writes data to a new file in dir, named by pattern as
// os.CreateTemp names it, with permissions perm, synced and closed, and
// returns its path; on error nothing is left behind. Renamed or linked
// into place (then SyncDir), it is how a transport writes a file that a
// crash can never leave half-written under its real name.
func WriteTemp(dir, pattern string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
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

// SyncDir makes the entries of the folder dir durable: a file renamed or
// linked into a folder that was not synced can vanish in a crash.
func SyncDir(dir string) error {
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

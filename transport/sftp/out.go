package sftp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	pkgsftp "github.com/pkg/sftp"

	"github.com/edibridge/edibridge/transport/folder"
)

// The account's out/ folder is on disk, at DataDir/partners/USER/out, and
// is reached only through an os.Root on DataDir/partners/USER, so that no
// name and no link can lead outside it.

// openRoot opens the account's folder as an os.Root.
func (a *account) openRoot() (*os.Root, error) { return os.OpenRoot(a.dir) }

// statOut describes the file name in out/; only regular files are there.
func (a *account) statOut(name string) (os.FileInfo, error) {
	if err := folder.CheckName(name); err != nil {
		return nil, err
	}
	root, err := a.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	fi, err := root.Lstat(path.Join(outFolder, name))
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	return fi, nil
}

// listOut lists the regular files of out/, leaving out temporary files of
// deliveries in progress (their names start with a dot).
func (a *account) listOut() ([]os.FileInfo, error) {
	root, err := a.openRoot()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), outFolder)
	if err != nil {
		return nil, err
	}
	var infos []os.FileInfo
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			infos = append(infos, fi)
		}
	}
	return infos, nil
}

// A download is a file of out/ open for reading. When a read reaches its
// end, the download counts as complete, and with ArchiveAfterDownload the
// file leaves out/ when the client closes it.
type download struct {
	conn *conn
	name string
	file *os.File
	size int64

	mu       sync.Mutex
	complete bool
	closed   bool
}

// openDownload opens out/name, which must be a regular file.
func (c *conn) openDownload(name string) (*download, error) {
	if folder.CheckName(name) != nil {
		return nil, notFound(path.Join("/", outFolder, name))
	}
	root, err := c.acct.openRoot()
	if err != nil {
		c.log.Error("sftp: cannot open the account's folder", "err", err)
		return nil, fmt.Errorf("edibridge cannot serve downloads now: %w", pkgsftp.ErrSSHFxFailure)
	}
	defer root.Close()
	f, err := root.Open(path.Join(outFolder, name))
	if err != nil {
		return nil, notFound(path.Join("/", outFolder, name))
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, notFound(path.Join("/", outFolder, name))
	}
	return &download{conn: c, name: name, file: f, size: fi.Size()}, nil
}

// ReadAt reads from the file, noting when the end is reached.
func (d *download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.file.ReadAt(p, off)
	if off+int64(n) >= d.size {
		d.mu.Lock()
		d.complete = true
		d.mu.Unlock()
	}
	return n, err
}

// TransferError is called when the connection breaks with the file open:
// whatever was read, the partner does not have the file.
func (d *download) TransferError(error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.complete = false
}

// Close closes the file and, after a complete download, archives it when
// the account says so.
func (d *download) Close() error {
	d.mu.Lock()
	complete, closed := d.complete, d.closed
	d.closed = true
	d.mu.Unlock()
	if closed {
		return nil
	}
	d.file.Close()
	d.conn.closeFile()
	if complete {
		d.conn.log.Info("sftp: file downloaded", "file", d.name, "bytes", d.size)
		if d.conn.acct.ArchiveAfterDownload {
			_ = d.conn.retireOut(d.name, "downloaded")
		}
	}
	return nil
}

// retireOut takes a file out of out/: moved to archive/ when the account
// archives, deleted otherwise. A name already in the archive gets a time
// suffix, so that nothing there is overwritten.
func (c *conn) retireOut(name, why string) error {
	p := path.Join("/", outFolder, name)
	if folder.CheckName(name) != nil {
		return notFound(p)
	}
	root, err := c.acct.openRoot()
	if err != nil {
		c.log.Error("sftp: cannot open the account's folder", "err", err)
		return fmt.Errorf("%s: %w", p, pkgsftp.ErrSSHFxFailure)
	}
	defer root.Close()
	from := path.Join(outFolder, name)
	if fi, err := root.Lstat(from); err != nil || !fi.Mode().IsRegular() {
		return notFound(p)
	}
	if !c.acct.ArchiveAfterDownload {
		err = root.Remove(from)
	} else {
		err = archiveIn(root, from, name)
	}
	if errors.Is(err, fs.ErrNotExist) { // a concurrent download or removal got there first
		return notFound(p)
	}
	if err != nil {
		c.log.Error("sftp: cannot take the file out of out/", "file", name, "err", err)
		return fmt.Errorf("%s: %w", p, pkgsftp.ErrSSHFxFailure)
	}
	c.log.Info("sftp: file left out/", "file", name, "why", why, "archived", c.acct.ArchiveAfterDownload)
	return nil
}

// archiveIn moves from to archive/name in root, or to a name with a time
// suffix when that is taken.
func archiveIn(root *os.Root, from, name string) error {
	to := path.Join(archiveFolder, name)
	if _, err := root.Lstat(to); err == nil {
		to += "." + time.Now().UTC().Format("20060102T150405.000000000Z")
	}
	return root.Rename(from, to)
}

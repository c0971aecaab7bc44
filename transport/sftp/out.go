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

// A download is a file of out/ open for reading. Once its reads have
// covered every byte, the download counts as complete, and with
// ArchiveAfterDownload the file leaves out/ when the client closes it.
type download struct {
	conn *conn
	name string
	file *os.File
	size int64

	mu     sync.Mutex
	read   byteRanges // the bytes read, in whatever order
	reads  bool       // a read was made (of an empty file, too)
	broken bool       // the transfer broke off
	closed bool
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

// ReadAt reads from the file, noting which bytes were read. Reading part
// of the file does not make a download complete: neither the end alone (to
// check a trailer) nor the rest of a download begun on an earlier
// connection, which this one cannot tell was whole; such a file stays in
// out/ until the partner removes it.
func (d *download) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.file.ReadAt(p, off)
	d.mu.Lock()
	d.reads = true
	if !d.read.add(off, int64(n)) {
		d.broken = true // too scattered to follow: never counted complete
	}
	d.mu.Unlock()
	return n, err
}

// TransferError is called when the connection breaks with the file open:
// whatever was read, the partner does not have the file.
func (d *download) TransferError(error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.broken = true
}

// Close closes the file and, after a complete download, archives it when
// the account says so.
func (d *download) Close() error {
	d.mu.Lock()
	complete := d.reads && !d.broken && d.read.covers(d.size)
	closed := d.closed
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
// suffix, so that nothing there is overwritten. The folders are synced, so
// that after a power loss a file the partner fetched and removed is not
// back in out/ to be fetched again.
func (c *conn) retireOut(name, why string) error {
	p := path.Join("/", outFolder, name)
	if folder.CheckName(name) != nil {
		return notFound(p)
	}
	// One at a time per account: two sessions retiring the same file must
	// not both link it into the archive.
	c.acct.retiring.Lock()
	defer c.acct.retiring.Unlock()
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
	if err == nil {
		err = syncFolder(root, outFolder)
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
// suffix when that is taken; it never replaces a file there. It links the
// file into the archive and syncs it before removing it from out/, so
// that a crash between leaves it in both places, never in neither.
func archiveIn(root *os.Root, from, name string) error {
	to := path.Join(archiveFolder, name)
	err := linkInRoot(root, from, to)
	if errors.Is(err, fs.ErrExist) {
		to = path.Join(archiveFolder, folder.FitName(name, folder.TimeSuffix(time.Now())))
		err = linkInRoot(root, from, to)
	}
	if err != nil {
		return err
	}
	if err := syncFolder(root, archiveFolder); err != nil {
		return err
	}
	if err := root.Remove(from); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// linkInRoot gives the file from also the name to, never replacing a file
// called to (an error wrapping fs.ErrExist). On a file system without
// hard links it checks and renames, which only edibridge, writing the
// archive one file at a time per account, could race with.
func linkInRoot(root *os.Root, from, to string) error {
	err := root.Link(from, to)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, statErr := root.Lstat(to); statErr == nil {
		return fmt.Errorf("%s: %w", to, fs.ErrExist)
	}
	return root.Rename(from, to)
}

// syncFolder makes the entries of the folder dir in root durable.
func syncFolder(root *os.Root, dir string) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

package sftp

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	pkgsftp "github.com/pkg/sftp"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/folder"
)

// errStoreFailed is what a client is told when the Sink failed: the close
// (or rename) fails, and the client knows to send the file again. The
// cause is logged, not sent.
var errStoreFailed = fmt.Errorf("edibridge could not store the file; send it again: %w", pkgsftp.ErrSSHFxFailure)

// An upload is a file being written to in/: its bytes go to a spool file,
// and when the client closes it the whole file is handed to the Sink. It
// is the io.WriterAt (and io.Closer) of pkg/sftp's request server.
type upload struct {
	conn  *conn
	name  string
	spool *os.File
	limit int64

	mu       sync.Mutex
	size     int64      // the highest offset written
	written  byteRanges // the bytes written: a file with gaps is not whole
	reserved int64      // bytes of the server's spool budget taken
	failed   error      // a write failed or the transfer broke off: never stored
	closed   time.Time  // when the client closed it, for a held upload
	settled  bool       // stored, refused or discarded: the spool is gone
}

// startUpload registers an upload to in/name, refusing a name that is
// being uploaded or held already, and opens its spool file.
func (c *conn) startUpload(name string) (*upload, error) {
	if err := c.openFile(); err != nil {
		return nil, err
	}
	u := &upload{conn: c, name: name, limit: c.acct.MaxFileSize}
	if err := c.acct.reserve(name, u); err != nil {
		c.closeFile()
		return nil, err
	}
	spool, err := os.CreateTemp(c.server.spoolDir, "upload-*")
	if err != nil {
		c.acct.release(name, u)
		c.closeFile()
		c.log.Error("sftp: cannot create a spool file", "err", err)
		return nil, fmt.Errorf("edibridge cannot take uploads now: %w", pkgsftp.ErrSSHFxFailure)
	}
	u.spool = spool
	return u, nil
}

// reserve claims name in in/ for u. A name in use is refused: a pending
// file is never overwritten.
func (a *account) reserve(name string, u *upload) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, busy := a.pending[name]; busy {
		return fmt.Errorf("in/%s is being uploaded and not yet stored; not overwritten: %w", name, pkgsftp.ErrSSHFxPermissionDenied)
	}
	a.pending[name] = u
	return nil
}

// release frees name, if u holds it.
func (a *account) release(name string, u *upload) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending[name] == u {
		delete(a.pending, name)
	}
}

// lookup returns the upload pending under name, if any.
func (a *account) lookup(name string) *upload {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending[name]
}

// listPending returns what in/ shows: the uploads in progress and held.
func (a *account) listPending() []os.FileInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	infos := make([]os.FileInfo, 0, len(a.pending))
	for name, u := range a.pending {
		infos = append(infos, u.info(name))
	}
	return infos
}

// WriteAt writes to the spool file, refusing to go beyond the size limit
// or the spool's budget.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off > u.limit || int64(len(p)) > u.limit-off { // written so as not to overflow
		err := fmt.Errorf("in/%s: larger than the %d bytes allowed: %w", u.name, u.limit, pkgsftp.ErrSSHFxFailure)
		u.fail(err)
		return 0, err
	}
	if err := u.reserve(off + int64(len(p))); err != nil {
		u.fail(err)
		return 0, err
	}
	n, err := u.spool.WriteAt(p, off)
	u.mu.Lock()
	u.size = max(u.size, off+int64(n))
	scattered := !u.written.add(off, int64(n))
	u.mu.Unlock()
	if scattered {
		err := fmt.Errorf("in/%s: written in more than %d separate pieces: %w", u.name, maxRanges, pkgsftp.ErrSSHFxFailure)
		u.fail(err)
		return 0, err
	}
	if err != nil {
		u.conn.log.Error("sftp: cannot write the spool file", "file", u.name, "err", err)
		err = fmt.Errorf("edibridge cannot take uploads now: %w", pkgsftp.ErrSSHFxFailure)
		u.fail(err)
		return n, err
	}
	return n, nil
}

// reserve takes from the server's spool budget what the upload needs to
// reach size bytes, beyond what it took already.
func (u *upload) reserve(size int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if size <= u.reserved {
		return nil
	}
	if !u.conn.server.spool.take(size - u.reserved) {
		u.conn.log.Warn("sftp: the spool is full; refusing a write", "file", u.name, "max", u.conn.server.opts.MaxSpoolBytes)
		return fmt.Errorf("edibridge has no room for uploads now; send the file again later: %w", pkgsftp.ErrSSHFxFailure)
	}
	u.reserved = size
	return nil
}

// TransferError is called by the request server when the connection
// breaks with the file open: the upload is incomplete and must not be
// stored by the Close that follows.
func (u *upload) TransferError(err error) {
	u.fail(fmt.Errorf("transfer broke off: %w", err))
}

func (u *upload) fail(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed == nil {
		u.failed = err
	}
}

// Close is the client's close of the file: the upload is stored now (or
// held, under a temporary name), and the client learns whether that
// worked from the error.
func (u *upload) Close() error {
	now := time.Now()
	u.mu.Lock()
	failed := u.failed
	if failed == nil && !u.written.covers(u.size) {
		// Bytes were written past others never written: not a file anyone
		// sent whole, and storing it would read gaps of nothing.
		failed = fmt.Errorf("in/%s: parts of the file were never written; send it again: %w", u.name, pkgsftp.ErrSSHFxFailure)
	}
	u.closed = now
	u.mu.Unlock()
	if failed != nil {
		u.conn.log.Warn("sftp: upload refused", "file", u.name, "reason", failed)
		u.discard()
		return failed
	}
	if u.conn.acct.holds(u.name) {
		u.conn.hold(u)
		return nil
	}
	err := u.conn.store(u.name, u, now)
	u.discard()
	return err
}

// promote stores the held upload u under its real name, the target of the
// client's rename. When the store fails the upload stays held and the
// rename fails, so that the client can retry either.
func (c *conn) promote(u *upload, name string) error {
	if err := c.acct.reserve(name, u); err != nil {
		return err
	}
	defer c.acct.release(name, u)
	if err := c.store(name, u, time.Now()); err != nil {
		return err
	}
	c.unhold(u)
	u.discard()
	return nil
}

// discard frees the upload's name, spool file and open-file slot, once.
func (u *upload) discard() {
	u.mu.Lock()
	settled := u.settled
	u.settled = true
	u.mu.Unlock()
	if settled {
		return
	}
	u.spool.Close()
	os.Remove(u.spool.Name())
	u.mu.Lock()
	reserved := u.reserved
	u.reserved = 0
	u.mu.Unlock()
	u.conn.server.spool.give(reserved)
	u.conn.acct.release(u.name, u)
	u.conn.closeFile()
}

// info describes the upload for a listing of in/.
func (u *upload) info(name string) os.FileInfo {
	u.mu.Lock()
	defer u.mu.Unlock()
	return fileInfo{name: name, size: u.size, mode: 0o600, modTime: u.closed}
}

// store hands the upload's bytes to the Sink as the file name, received
// (whole) at the time given, and returns the error for the client: nil
// only once the Sink has it.
func (c *conn) store(name string, u *upload, received time.Time) error {
	var receipt transport.Receipt
	var size int
	err := c.server.withStoreSlot(func(ctx context.Context) (err error) {
		receipt, size, err = c.storeSpooled(ctx, name, u, received)
		return err
	})
	if err != nil {
		c.log.Error("sftp: could not store the upload; the client is told to resend", "file", name, "bytes", u.info(name).Size(), "err", err)
		return errStoreFailed
	}
	c.log.Info("sftp: upload stored", "file", name, "bytes", size, "id", receipt.ID, "duplicate", receipt.Duplicate)
	return nil
}

// storeSpooled reads the upload's spool file and stores it. It is called
// with a store slot taken, and reads only then: the slots bound the
// memory of the uploads being stored, and uploads waiting for a slot take
// none.
func (c *conn) storeSpooled(ctx context.Context, name string, u *upload, received time.Time) (transport.Receipt, int, error) {
	data, err := u.contents()
	if err != nil {
		return transport.Receipt{}, 0, fmt.Errorf("read the spool file: %w", err)
	}
	receipt, err := c.server.opts.Sink.Store(ctx, transport.File{
		Partner:   c.acct.Partner,
		Transport: "sftp",
		Name:      name,
		Key:       folder.Key(name, data),
		Received:  received,
		Data:      data,
		Meta:      map[string]string{"user": c.acct.User, "remote": c.remote},
	})
	return receipt, len(data), err
}

// contents reads the spool file whole.
func (u *upload) contents() ([]byte, error) {
	u.mu.Lock()
	size := u.size
	u.mu.Unlock()
	data := make([]byte, size)
	if _, err := u.spool.ReadAt(data, 0); err != nil {
		// Short of size, even at its end: the spool lost bytes.
		return nil, fmt.Errorf("%d bytes expected: %w", size, err)
	}
	return data, nil
}

// withStoreSlot runs fn once one of the MaxConcurrentStores slots is free,
// with a context that ends after StoreTimeout (waiting included). The
// context is detached from Serve's, so a shutdown lets a store finish.
func (s *Server) withStoreSlot(fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(s.storeCtx, s.opts.StoreTimeout)
	defer cancel()
	select {
	case s.storeSlots <- struct{}{}:
		defer func() { <-s.storeSlots }()
	case <-ctx.Done():
		return fmt.Errorf("waiting to store: %w", ctx.Err())
	}
	return fn(ctx)
}

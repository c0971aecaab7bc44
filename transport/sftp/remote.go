package sftp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/folder"
)

// Defaults of RemoteOptions.
const (
	DefaultPollInterval = time.Minute
	DefaultDialTimeout  = 30 * time.Second
	DefaultMinBackoff   = time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultUploadSuffix = ".part"
)

// RemoteOptions configure a Remote: a partner's SFTP server that edibridge
// logs in to, to collect files and to deliver them.
type RemoteOptions struct {
	// Partner is the partner's id, set on every File collected; required.
	Partner string
	// Addr is the server, "host:port" or "host" for port 22; required.
	Addr string
	// User is the login name; required.
	User string
	// IdentityFile is the private key to log in with (OpenSSH, PKCS#1 or
	// PKCS#8 PEM, not encrypted); empty when Password alone is used.
	IdentityFile string
	// Password logs in when the key does not, or alone; it never prints.
	Password Password
	// KnownHostsFile is an OpenSSH known_hosts file that must name the
	// server's host key; required, since a server whose key is not known
	// is never trusted. It is read again at every connection.
	KnownHostsFile string

	// Dir is the remote folder to collect from; empty means the login
	// folder.
	Dir string
	// Rules select the files and say when each is complete. Under
	// StableSize, a zero StableFor means two consecutive polls.
	Rules folder.Rules
	// DoneDir is the remote folder collected files are moved to (a name
	// already there gets a time suffix); empty means they are deleted.
	DoneDir string
	// Interval is the time between two polls; zero means
	// DefaultPollInterval.
	Interval time.Duration
	// MaxFileSize is the largest file collected, in bytes; larger ones are
	// left and reported. Zero means DefaultMaxFileSize.
	MaxFileSize int64

	// UploadDir is the remote folder Upload writes to; empty means the
	// login folder.
	UploadDir string
	// UploadSuffix is appended to a file's name while it is uploaded, so
	// that the partner's pickup (and ours, Options.HoldSuffixes) does not
	// take it half-written; empty means DefaultUploadSuffix.
	UploadSuffix string

	// DialTimeout bounds connecting and the SSH handshake; zero means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting after
	// a failed poll; it doubles from MinBackoff with each failure in a
	// row. Zero means DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration

	// Sink stores the files collected; required for Run and PollOnce.
	Sink transport.Sink
	// Logger receives a record per file collected or delivered and per
	// failure; nil discards them. Records never contain the password.
	Logger *slog.Logger
}

// Password is a login password. It never prints: fmt, slog and encoders
// show "[redacted]".
type Password string

const redacted = "[redacted]"

// String returns "[redacted]".
func (Password) String() string { return redacted }

// GoString returns "[redacted]".
func (Password) GoString() string { return redacted }

// Format writes "[redacted]" for every verb.
func (Password) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue returns "[redacted]".
func (Password) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so that encoders do not write it.
func (Password) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// A Remote collects files from a partner's SFTP server and delivers files
// to it. Run polls until its context ends; PollOnce polls once; Upload
// delivers. All share one connection, made when needed and made again
// after a failure. A Remote is safe for concurrent use.
type Remote struct {
	opts   RemoteOptions
	addr   string
	auth   []ssh.AuthMethod
	log    *slog.Logger
	pickup *folder.Pickup

	pollMu   sync.Mutex       // one poll at a time: pickup is not concurrent
	reported map[string]int64 // files reported as too large, by size; under pollMu

	mu   sync.Mutex
	sess *remoteSession // nil when not connected
}

// NewRemote checks opts and reads the identity file. It does not connect.
func NewRemote(opts RemoteOptions) (*Remote, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	pickup, err := folder.NewPickup(opts.Rules)
	if err != nil {
		return nil, fmt.Errorf("sftp: remote %s: %w", opts.Partner, err)
	}
	auth, err := authMethods(opts.IdentityFile, opts.Password)
	if err != nil {
		return nil, fmt.Errorf("sftp: remote %s: %w", opts.Partner, err)
	}
	r := &Remote{opts: opts, addr: opts.Addr, auth: auth, pickup: pickup, reported: map[string]int64{}}
	if _, _, err := net.SplitHostPort(r.addr); err != nil {
		r.addr = net.JoinHostPort(r.addr, "22")
	}
	r.log = opts.Logger.With("partner", opts.Partner, "transport", "sftp-poll", "remote", r.addr)
	return r, nil
}

// withDefaults checks the options and fills in defaults.
func (opts RemoteOptions) withDefaults() (RemoteOptions, error) {
	switch {
	case opts.Partner == "" || opts.Addr == "" || opts.User == "":
		return opts, errors.New("sftp: remote needs a partner, an address and a user")
	case opts.KnownHostsFile == "":
		return opts, fmt.Errorf("sftp: remote %s: no known_hosts file; the server's host key must be known", opts.Partner)
	case opts.IdentityFile == "" && opts.Password == "":
		return opts, fmt.Errorf("sftp: remote %s: neither an identity file nor a password", opts.Partner)
	case opts.Interval < 0 || opts.MaxFileSize < 0 || opts.DialTimeout < 0 || opts.MinBackoff < 0 || opts.MaxBackoff < 0:
		return opts, fmt.Errorf("sftp: remote %s: negative interval, size or timeout", opts.Partner)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.UploadDir == "" {
		opts.UploadDir = "."
	}
	if opts.UploadSuffix == "" {
		opts.UploadSuffix = DefaultUploadSuffix
	}
	setDefault(&opts.Interval, DefaultPollInterval)
	setDefault(&opts.MaxFileSize, DefaultMaxFileSize)
	setDefault(&opts.DialTimeout, DefaultDialTimeout)
	setDefault(&opts.MinBackoff, DefaultMinBackoff)
	setDefault(&opts.MaxBackoff, DefaultMaxBackoff)
	opts.MaxBackoff = max(opts.MaxBackoff, opts.MinBackoff)
	return opts, nil
}

// authMethods reads the identity file, if any, and adds the password.
func authMethods(identityFile string, password Password) ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	if identityFile != "" {
		pemBytes, err := os.ReadFile(identityFile)
		if err != nil {
			return nil, fmt.Errorf("identity file: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("identity file %s: %w", identityFile, err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if password != "" {
		methods = append(methods, ssh.Password(string(password)))
	}
	return methods, nil
}

// Run polls every Interval until ctx ends, then closes the connection and
// returns nil. A failed poll is logged and retried after a backoff, on a
// new connection.
func (r *Remote) Run(ctx context.Context) error {
	defer r.Close()
	if r.opts.Sink == nil {
		return errors.New("sftp: remote has no sink")
	}
	backoff := r.opts.MinBackoff
	for {
		err := r.PollOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := r.opts.Interval
		if err != nil {
			wait = jitter(backoff)
			r.log.Warn("sftp: poll failed; trying again", "err", err, "in", wait)
			backoff = min(2*backoff, r.opts.MaxBackoff)
		} else {
			backoff = r.opts.MinBackoff
		}
		if sleep(ctx, wait) != nil {
			return nil
		}
	}
}

// jitter spreads a wait over its upper half, so that remotes that failed
// together do not all reconnect at once.
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d/2+1)
}

// PollOnce lists the remote folder once and collects every file complete
// by the rules: download, Store, then delete or move to DoneDir. A file
// whose Store fails stays, for the next poll. Under StableSize a file is
// complete only once a previous poll saw it the same, so a first poll
// takes nothing new.
func (r *Remote) PollOnce(ctx context.Context) error {
	if r.opts.Sink == nil {
		return errors.New("sftp: remote has no sink")
	}
	r.pollMu.Lock()
	defer r.pollMu.Unlock()
	return r.withSession(ctx, r.poll)
}

// poll is one poll on an open session.
func (r *Remote) poll(ctx context.Context, sess *remoteSession) error {
	listing, err := sess.sftp.ReadDir(r.opts.Dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", r.opts.Dir, err)
	}
	ready, _ := r.pickup.Complete(listing, time.Now())
	for _, fi := range ready {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := r.collect(ctx, sess, fi); err != nil {
			return err
		}
	}
	return nil
}

// errChanged says a file's size differed from its listing's: it is still
// being written, whatever the rules said.
var errChanged = errors.New("file changed while being downloaded")

// collect downloads, stores and removes one file. It returns an error only
// for what makes the session suspect; a file that cannot be stored is
// logged and left for the next poll.
func (r *Remote) collect(ctx context.Context, sess *remoteSession, fi fs.FileInfo) error {
	name := fi.Name()
	remotePath := path.Join(r.opts.Dir, name)
	if fi.Size() > r.opts.MaxFileSize {
		if r.reported[name] != fi.Size() {
			r.reported[name] = fi.Size()
			r.log.Error("sftp: remote file too large; left in place", "file", remotePath, "bytes", fi.Size(), "max", r.opts.MaxFileSize)
		}
		return nil
	}
	data, err := sess.download(remotePath, fi.Size())
	switch {
	case errors.Is(err, errChanged) || errors.Is(err, fs.ErrNotExist):
		r.pickup.Forget(name) // look at it afresh next time
		r.log.Info("sftp: remote file changed or vanished; will look again", "file", remotePath, "err", err)
		return nil
	case err != nil:
		return fmt.Errorf("download %s: %w", remotePath, err)
	}
	receipt, err := r.opts.Sink.Store(ctx, transport.File{
		Partner:   r.opts.Partner,
		Transport: "sftp-poll",
		Name:      name,
		Key:       folder.Key(name, data),
		Received:  time.Now(),
		Data:      data,
		Meta:      map[string]string{"remote": r.addr, "path": remotePath},
	})
	if err != nil {
		r.log.Error("sftp: could not store a collected file; it stays on the remote", "file", remotePath, "err", err)
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		// Stopped between Store and removal: the file stays, and comes
		// back next time as a duplicate of what was stored.
		return err
	}
	if err := r.finish(sess, name); err != nil {
		return fmt.Errorf("stored %s as %s, but could not remove it: %w", remotePath, receipt.ID, err)
	}
	r.pickup.Forget(name)
	delete(r.reported, name)
	r.log.Info("sftp: collected", "file", remotePath, "bytes", len(data), "id", receipt.ID, "duplicate", receipt.Duplicate)
	return nil
}

// finish takes a stored file off the remote: moved to DoneDir or deleted,
// and its ready marker removed.
func (r *Remote) finish(sess *remoteSession, name string) error {
	remotePath := path.Join(r.opts.Dir, name)
	var err error
	if r.opts.DoneDir == "" {
		err = sess.sftp.Remove(remotePath)
	} else {
		err = sess.moveAside(remotePath, path.Join(r.opts.DoneDir, name))
	}
	if err != nil {
		return err
	}
	if r.pickup.Rules().Completion == folder.ReadyMarker {
		marker := path.Join(r.opts.Dir, r.pickup.Rules().Marker(name))
		if err := sess.sftp.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove ready marker: %w", err)
		}
	}
	return nil
}

// Upload delivers data as the file name in UploadDir: written under a
// temporary name, closed, then renamed, so that the partner never sees it
// half-written. A file of that name already there is not replaced: Upload
// fails with an error wrapping fs.ErrExist. Upload returns nil only when
// the rename succeeded.
func (r *Remote) Upload(ctx context.Context, name string, data []byte) error {
	if err := folder.CheckName(name); err != nil {
		return fmt.Errorf("sftp: upload to %s: %w", r.addr, err)
	}
	err := r.withSession(ctx, func(_ context.Context, sess *remoteSession) error {
		return sess.upload(r.opts.UploadDir, name, r.opts.UploadSuffix, data)
	})
	if err != nil {
		return fmt.Errorf("sftp: upload %s to %s: %w", name, r.addr, err)
	}
	r.log.Info("sftp: delivered", "file", path.Join(r.opts.UploadDir, name), "bytes", len(data))
	return nil
}

// Close closes the connection, if any; the next call makes a new one.
func (r *Remote) Close() error {
	r.mu.Lock()
	sess := r.sess
	r.sess = nil
	r.mu.Unlock()
	if sess == nil {
		return nil
	}
	return sess.close()
}

// withSession runs fn on the open session, connecting first if needed.
// The session is closed when ctx ends (that is what unblocks its calls),
// and dropped after an error that may have come from it, so that the next
// call connects again.
func (r *Remote) withSession(ctx context.Context, fn func(context.Context, *remoteSession) error) error {
	sess, err := r.session(ctx)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { sess.close() })
	defer stop()
	err = fn(ctx, sess)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && !answeredByServer(err) {
		r.drop(sess)
	}
	return err
}

// session returns the open session, or connects.
func (r *Remote) session(ctx context.Context) (*remoteSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sess != nil && !r.sess.isClosed() {
		return r.sess, nil
	}
	sess, err := dialRemote(ctx, r.addr, r.opts.User, r.auth, r.opts.KnownHostsFile, r.opts.DialTimeout)
	if err != nil {
		return nil, err
	}
	r.sess = sess
	r.log.Debug("sftp: connected")
	return sess, nil
}

// drop closes sess and forgets it, unless another call replaced it already.
func (r *Remote) drop(sess *remoteSession) {
	r.mu.Lock()
	if r.sess == sess {
		r.sess = nil
	}
	r.mu.Unlock()
	sess.close()
}

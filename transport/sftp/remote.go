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
	"strings"
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
	// folder. A file being collected is renamed there to
	// ".edibridge-claim-" + its name first (see Remote).
	Dir string
	// Rules select the files and say when each is complete. Under
	// StableSize, a zero StableFor means Interval: two polls that follow
	// each other closer than that (a retry after a failed poll, a
	// PollOnce) must not count as a file standing still.
	Rules folder.Rules
	// DoneDir is the remote folder collected files are moved to (a name
	// already there gets a time suffix; nothing there is replaced); empty
	// means they are deleted. It must not be Dir.
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
	// UploadSuffix ends the temporary name a file is uploaded under,
	// NAME.XXXXXXXX+UploadSuffix (XXXXXXXX random, NAME shortened if the
	// whole would be longer than a name may be), so that the partner's
	// pickup (and ours, Options.HoldSuffixes) does not take it
	// half-written; empty means DefaultUploadSuffix.
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
//
// A complete file is claimed before it is downloaded: renamed, in Dir, to
// ".edibridge-claim-" + its name. From then on the partner's program can
// neither change it nor replace it by a new file of the same name, so the
// file removed (or moved to DoneDir) is exactly the file stored. A claimed
// file found by a poll was claimed before a crash, or its store failed: it
// is collected first, and the Sink recognises it if it has it already.
// Files on servers that refuse renames (edibridge's own, whose out/ files
// are never replaced) and files whose names are too long to claim are
// collected in place instead; such a file found changed when it is to be
// removed is left for the next poll.
type Remote struct {
	opts   RemoteOptions
	addr   string
	auth   []ssh.AuthMethod
	log    *slog.Logger
	pickup *folder.Pickup

	pollMu   sync.Mutex       // one poll at a time: pickup is not concurrent
	reported map[string]int64 // files reported as too large, by size; under pollMu

	uploadMu  sync.Mutex
	uploading map[string]chan struct{} // names being uploaded; closed when done

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
	r := &Remote{opts: opts, addr: opts.Addr, auth: auth, pickup: pickup, reported: map[string]int64{}, uploading: map[string]chan struct{}{}}
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
	if opts.DoneDir != "" && path.Clean(opts.DoneDir) == path.Clean(opts.Dir) {
		// Each poll would collect the moved file again, under a new name.
		return opts, fmt.Errorf("sftp: remote %s: the done folder %q is the folder collected from", opts.Partner, opts.DoneDir)
	}
	if opts.UploadDir == "" {
		opts.UploadDir = "."
	}
	if opts.UploadSuffix == "" {
		opts.UploadSuffix = DefaultUploadSuffix
	}
	setDefault(&opts.Interval, DefaultPollInterval)
	if opts.Rules.Completion == folder.StableSize {
		setDefault(&opts.Rules.StableFor, opts.Interval)
	}
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
// by the rules: claim, download, Store, then delete or move to DoneDir. A
// file whose Store fails stays (claimed), for the next poll. Under
// StableSize a file is complete only once a previous poll, at least
// StableFor earlier, saw it the same, so a first poll takes nothing new.
func (r *Remote) PollOnce(ctx context.Context) error {
	if r.opts.Sink == nil {
		return errors.New("sftp: remote has no sink")
	}
	r.pollMu.Lock()
	defer r.pollMu.Unlock()
	return r.withSession(ctx, r.poll)
}

// claimPrefix starts the name a file is claimed under. It starts with a
// dot, so that no Pickup takes a claimed file for a new one.
const claimPrefix = ".edibridge-claim-"

// poll is one poll on an open session: the files claimed before, then the
// files complete now.
func (r *Remote) poll(ctx context.Context, sess *remoteSession) error {
	listing, err := sess.sftp.ReadDir(r.opts.Dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", r.opts.Dir, err)
	}
	claimed := map[string]bool{}
	for _, fi := range listing {
		name, ok := strings.CutPrefix(fi.Name(), claimPrefix)
		if !ok || !fi.Mode().IsRegular() || ctx.Err() != nil {
			continue
		}
		claimed[name] = true // a new file of the name waits for the next poll
		if err := r.fetch(ctx, sess, name, r.remotePath(fi.Name()), fi); err != nil {
			return err
		}
	}
	ready, _ := r.pickup.Complete(listing, time.Now())
	for _, fi := range ready {
		if err := ctx.Err(); err != nil {
			return err
		}
		if claimed[fi.Name()] {
			continue
		}
		if err := r.collect(ctx, sess, fi); err != nil {
			return err
		}
	}
	r.forgetReported(listing)
	return ctx.Err()
}

func (r *Remote) remotePath(name string) string { return path.Join(r.opts.Dir, name) }

// errChanged says a file is not what its listing said: it is still being
// written, or was replaced, whatever the rules said.
var errChanged = errors.New("file changed since the folder was listed")

// collect claims one complete file, then fetches it. It returns an error
// only for what makes the session suspect; a file that cannot be taken now
// is logged and left for the next poll.
func (r *Remote) collect(ctx context.Context, sess *remoteSession, fi fs.FileInfo) error {
	name := fi.Name()
	if fi.Size() > r.opts.MaxFileSize {
		if r.reported[name] != fi.Size() {
			r.reported[name] = fi.Size()
			r.log.Error("sftp: remote file too large; left in place", "file", r.remotePath(name), "bytes", fi.Size(), "max", r.opts.MaxFileSize)
		}
		return nil
	}
	source, err := r.claim(sess, fi)
	switch {
	case errors.Is(err, errChanged) || errors.Is(err, fs.ErrNotExist):
		r.pickup.Forget(name) // look at it afresh
		r.log.Info("sftp: remote file changed or vanished; will look again", "file", r.remotePath(name), "err", err)
		return nil
	case err != nil:
		return err
	}
	if source != r.remotePath(name) {
		// Claimed: a file of the name in Dir from now on is a new one. Its
		// marker goes now, before a new file of the name (and a new
		// marker) can come. A crash before this leaves a marker older than
		// any later file, which the Pickup does not count.
		r.pickup.Forget(name)
		r.removeMarker(sess, name)
	}
	return r.fetch(ctx, sess, name, source, fi)
}

// claim renames a listed file to its claim name, unless it changed since
// the listing, and returns where it is to be fetched from: its claim, or
// the file itself when the server refuses renames or the name is too long
// to claim.
func (r *Remote) claim(sess *remoteSession, listed fs.FileInfo) (string, error) {
	name := listed.Name()
	from := r.remotePath(name)
	if sess.claimsRefused.Load() || len(claimPrefix)+len(name) > folder.MaxNameLength {
		return from, nil
	}
	now, err := sess.sftp.Lstat(from)
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", from, err)
	}
	if !sameListing(listed, now) {
		return "", errChanged
	}
	claimed := r.remotePath(claimPrefix + name)
	err = sess.sftp.Rename(from, claimed)
	switch {
	case err == nil:
		return claimed, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", err
	case answeredByServer(err):
		sess.claimsRefused.Store(true)
		r.log.Warn("sftp: the server refuses to rename files; collecting them in place", "file", from, "err", err)
		return from, nil
	}
	return "", fmt.Errorf("claim %s: %w", from, err)
}

// sameListing reports whether two looks at a remote file agree: a remote
// listing tells no inode, only size and time.
func sameListing(a, b fs.FileInfo) bool {
	return b.Mode().IsRegular() && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// fetch downloads the file at source, the claim of name or the file name
// itself, stores it as name, and takes it off the remote. listed is what a
// listing said of it.
func (r *Remote) fetch(ctx context.Context, sess *remoteSession, name, source string, listed fs.FileInfo) error {
	data, err := sess.download(source, listed.Size())
	switch {
	case errors.Is(err, errChanged):
		r.pickup.Forget(name)
		r.log.Info("sftp: remote file changed while being downloaded; will look again", "file", source, "err", err)
		r.unclaim(sess, name, source)
		return nil
	case errors.Is(err, fs.ErrNotExist):
		r.log.Info("sftp: remote file vanished; will look again", "file", source)
		return nil
	case err != nil:
		return fmt.Errorf("download %s: %w", source, err)
	}
	receipt, err := r.opts.Sink.Store(ctx, transport.File{
		Partner:   r.opts.Partner,
		Transport: "sftp-poll",
		Name:      name,
		Key:       folder.Key(name, data),
		Received:  time.Now(),
		Data:      data,
		Meta:      map[string]string{"remote": r.addr, "path": r.remotePath(name)},
	})
	if err != nil {
		r.logStoreFailure(ctx, source, err)
		return ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		// Stopped between Store and removal: the file stays, and comes
		// back next time as a duplicate of what was stored.
		return err
	}
	if err := r.finish(sess, name, source, listed); err != nil {
		return fmt.Errorf("stored %s as %s, but could not take it off the remote: %w", source, receipt.ID, err)
	}
	delete(r.reported, name)
	r.log.Info("sftp: collected", "file", r.remotePath(name), "bytes", len(data), "id", receipt.ID, "duplicate", receipt.Duplicate)
	return nil
}

// logStoreFailure logs a failed Store: an error, unless the Remote is
// stopping, which is why a Store is cut short.
func (r *Remote) logStoreFailure(ctx context.Context, file string, err error) {
	if ctx.Err() != nil {
		r.log.Info("sftp: stopped before a collected file was stored; it stays on the remote", "file", file, "err", err)
		return
	}
	r.log.Error("sftp: could not store a collected file; it stays on the remote", "file", file, "err", err)
}

// unclaim gives a claimed file that changed as it was claimed back its
// name, if that is free, so that the partner's program (still writing
// it, or having replaced it) finds it where it left it; otherwise it
// stays claimed and is collected, as it is then, by the next poll.
func (r *Remote) unclaim(sess *remoteSession, name, source string) {
	original := r.remotePath(name)
	if source == original {
		return
	}
	if _, err := sess.sftp.Lstat(original); !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("sftp: a claimed file changed, and its name is taken again; it is collected as it is", "file", source)
		return
	}
	if err := sess.sftp.Rename(source, original); err != nil {
		r.log.Warn("sftp: cannot give a changed file back its name; it is collected as it is", "file", source, "err", err)
	}
}

// finish takes a stored file off the remote: moved to DoneDir or deleted.
// A file collected in place is taken off only if it is still the one
// stored, and its ready marker is removed after it.
func (r *Remote) finish(sess *remoteSession, name, source string, listed fs.FileInfo) error {
	inPlace := source == r.remotePath(name)
	if inPlace {
		now, err := sess.sftp.Lstat(source)
		if err != nil || !sameListing(listed, now) {
			r.log.Info("sftp: remote file changed while being stored; left for the next poll", "file", source, "err", err)
			return nil
		}
	}
	var err error
	if r.opts.DoneDir == "" {
		err = sess.sftp.Remove(source)
	} else {
		err = sess.moveAside(source, path.Join(r.opts.DoneDir, name))
	}
	if err != nil {
		return err
	}
	if inPlace {
		r.removeMarker(sess, name)
	}
	return nil
}

// removeMarker removes the ready marker of name, under ReadyMarker.
func (r *Remote) removeMarker(sess *remoteSession, name string) {
	if r.pickup.Rules().Completion != folder.ReadyMarker {
		return
	}
	marker := r.remotePath(r.pickup.Rules().Marker(name))
	if err := sess.sftp.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("sftp: cannot remove the ready marker", "file", marker, "err", err)
	}
}

// forgetReported drops reports of files no longer listed.
func (r *Remote) forgetReported(listing []fs.FileInfo) {
	if len(r.reported) == 0 {
		return
	}
	present := make(map[string]bool, len(listing))
	for _, fi := range listing {
		present[fi.Name()] = true
	}
	for name := range r.reported {
		if !present[name] {
			delete(r.reported, name)
		}
	}
}

// Upload delivers data as the file name in UploadDir: written under a
// temporary name of its own, closed, then renamed, so that the partner
// never sees it half-written. A file of that name already there is not
// replaced: Upload fails with an error wrapping fs.ErrExist, unless that
// file has exactly these bytes, which makes the call a retry of an Upload
// that succeeded, and it succeeds again. Uploads of one name by this
// Remote take turns. Upload returns nil only when the rename succeeded.
//
// On servers whose rename replaces its target (pkg/sftp's, some others,
// unlike OpenSSH's) a file another program creates under the name between
// the check and the rename is replaced.
func (r *Remote) Upload(ctx context.Context, name string, data []byte) error {
	if err := folder.CheckName(name); err != nil {
		return fmt.Errorf("sftp: upload to %s: %w", r.addr, err)
	}
	release, err := r.takeTurn(ctx, name)
	if err != nil {
		return fmt.Errorf("sftp: upload %s to %s: %w", name, r.addr, err)
	}
	defer release()
	err = r.withSession(ctx, func(_ context.Context, sess *remoteSession) error {
		return sess.upload(r.opts.UploadDir, name, r.opts.UploadSuffix, data)
	})
	if err != nil {
		return fmt.Errorf("sftp: upload %s to %s: %w", name, r.addr, err)
	}
	r.log.Info("sftp: delivered", "file", path.Join(r.opts.UploadDir, name), "bytes", len(data))
	return nil
}

// takeTurn waits until no other Upload of name is in progress, or ctx
// ends, and returns what ends this one's turn.
func (r *Remote) takeTurn(ctx context.Context, name string) (release func(), err error) {
	for {
		r.uploadMu.Lock()
		busy, ok := r.uploading[name]
		if !ok {
			done := make(chan struct{})
			r.uploading[name] = done
			r.uploadMu.Unlock()
			return func() {
				r.uploadMu.Lock()
				delete(r.uploading, name)
				r.uploadMu.Unlock()
				close(done)
			}, nil
		}
		r.uploadMu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
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

package sftp

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/folder"
)

// Defaults of Options and Account.
const (
	DefaultMaxConnections        = 64
	DefaultMaxHandshakes         = 32
	DefaultMaxHandshakesPerIP    = 8
	DefaultAccountMaxConnections = 4
	DefaultMaxOpenFiles          = 16
	DefaultMaxFileSize           = 64 << 20
	DefaultMaxConcurrentStores   = 8
	DefaultMaxSpoolBytes         = 1 << 30
	DefaultHandshakeTimeout      = 15 * time.Second
	DefaultIdleTimeout           = 15 * time.Minute
	DefaultStoreTimeout          = 2 * time.Minute
)

// DefaultHoldSuffixes returns the endings of the temporary names that
// clients upload under before renaming the file to its real name, held by
// default: WinSCP's ".filepart", and ".part", which this package's Remote
// uses (DefaultUploadSuffix). Other endings (".tmp", say) are held only
// for accounts configured so: a client that uploads a file whose real name
// has a held ending, and never renames it, is told the upload succeeded
// and yet it is discarded.
func DefaultHoldSuffixes() []string { return []string{".filepart", DefaultUploadSuffix} }

// Options configure a Server. The runtime fills them from the YAML
// configuration; the zero value of every limit means its default.
type Options struct {
	// DataDir holds what the server keeps on disk, and is created when
	// missing: host-keys/ (unless HostKeyDir is set), spool/ (uploads in
	// progress; emptied at start) and partners/USER/out/ and
	// partners/USER/archive/ for each account. Required.
	DataDir string
	// HostKeyDir holds the host keys ssh_host_ed25519_key and
	// ssh_host_rsa_key (OpenSSH format, mode 0600, with .pub files beside
	// them). Keys missing there are generated on first start and kept, so
	// partners see the same host key ever after. Empty means
	// DataDir/host-keys.
	HostKeyDir string
	// Accounts are the partners' logins; at least one.
	Accounts []Account
	// Sink stores every upload before the client is told it succeeded.
	// Required.
	Sink transport.Sink
	// Logger receives authentication failures and successes, refused
	// operations, and a record per stored upload. Records never contain a
	// password or a private key. Nil discards them.
	Logger *slog.Logger

	// MaxConnections bounds the authenticated connections of all partners
	// together; connections beyond it are closed once authenticated. Zero
	// means DefaultMaxConnections.
	MaxConnections int
	// MaxHandshakes bounds the connections not yet authenticated (as
	// OpenSSH's MaxStartups does), and MaxHandshakesPerIP those of them
	// from one address; connections beyond either are closed at once.
	// They are counted apart from MaxConnections, so that sockets which
	// never log in cannot take the places of partners who do. Zero means
	// DefaultMaxHandshakes and DefaultMaxHandshakesPerIP.
	MaxHandshakes, MaxHandshakesPerIP int
	// MaxOpenFiles bounds, per connection, the files open at once
	// (uploads, downloads and held uploads). Zero means
	// DefaultMaxOpenFiles.
	MaxOpenFiles int
	// MaxFileSize is the largest upload, in bytes, for accounts that do
	// not set their own. Zero means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxConcurrentStores bounds the uploads handed to the Sink at once,
	// and with it the memory they take: an upload is read into memory
	// (whole, to be stored) only once it has its place among them. Zero
	// means DefaultMaxConcurrentStores.
	MaxConcurrentStores int
	// MaxSpoolBytes bounds the disk space of all uploads in progress or
	// held together, counted by the highest offset written; a write
	// beyond it fails, and the client sends the file again later. Zero
	// means DefaultMaxSpoolBytes, or the largest MaxFileSize of an
	// account when that is more; a value below that is refused.
	MaxSpoolBytes int64
	// HoldSuffixes are name endings of uploads that are not stored when
	// closed but held until the client renames them to their real name,
	// which is when they are stored (a failure to store fails the rename),
	// for accounts that do not set their own. Clients such as WinSCP
	// upload that way by default. A held upload lasts as long as the
	// connection; one never renamed is discarded, with a warning. Nil
	// means DefaultHoldSuffixes(); an empty list holds nothing.
	HoldSuffixes []string
	// HandshakeTimeout bounds the SSH handshake and authentication of a
	// connection, during which it counts against MaxHandshakes. Zero
	// means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection on which the client has sent
	// nothing for this long (a transfer in progress keeps sending), so
	// that forgotten sessions do not hold the account's connections. Zero
	// means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// StoreTimeout bounds one Store call; the client's close waits that
	// long at most. Zero means DefaultStoreTimeout.
	StoreTimeout time.Duration
}

// An Account is one partner's login to the server. Each account sees its
// own tree: in/ for uploads and out/ for files edibridge delivers to it,
// and nothing else.
type Account struct {
	// User is the login name; required, unique among the accounts, and a
	// valid file name (it names the account's folder under DataDir).
	User string
	// Partner is the partner's id in the configuration, set on every file
	// the account uploads; empty means User.
	Partner string
	// AuthorizedKeys are the public keys that may log in, in the format of
	// OpenSSH's authorized_keys file: one key per line, blank lines and
	// "#" comments ignored. Key options (from=, command=, ...) are refused,
	// since the server would not enforce them.
	AuthorizedKeys string
	// PasswordHash, when set, also allows a password login: a bcrypt hash
	// ("$2a$", "$2b$" or "$2y$"), as `htpasswd -nbB user password` prints
	// after the colon. Empty means keys only.
	PasswordHash string
	// MaxConnections bounds the account's connections at once; more are
	// closed after authentication. Zero means DefaultAccountMaxConnections.
	MaxConnections int
	// MaxFileSize is the account's largest upload, in bytes; a write
	// beyond it fails and the upload is discarded. Zero means
	// Options.MaxFileSize.
	MaxFileSize int64
	// HoldSuffixes are the name endings of the account's uploads held
	// until renamed (see Options.HoldSuffixes); nil means
	// Options.HoldSuffixes, an empty list holds nothing. Add ".tmp" here,
	// say, for a partner whose client uploads as NAME.tmp and renames.
	HoldSuffixes []string
	// ArchiveAfterDownload moves a file out of out/ into the account's
	// archive/ once a download has read it to its end. When false the
	// file stays until the partner removes it. Either way a file the
	// partner removes is moved to archive/ when this is set, and deleted
	// when not.
	ArchiveAfterDownload bool
}

// withDefaults checks opts and fills in the defaults.
func (opts Options) withDefaults() (Options, error) {
	switch {
	case opts.DataDir == "":
		return opts, errors.New("sftp: no data directory")
	case opts.Sink == nil:
		return opts, errors.New("sftp: no sink")
	case len(opts.Accounts) == 0:
		return opts, errors.New("sftp: no accounts")
	case opts.MaxConnections < 0 || opts.MaxHandshakes < 0 || opts.MaxHandshakesPerIP < 0 ||
		opts.MaxOpenFiles < 0 || opts.MaxFileSize < 0 || opts.MaxConcurrentStores < 0 || opts.MaxSpoolBytes < 0 ||
		opts.HandshakeTimeout < 0 || opts.IdleTimeout < 0 || opts.StoreTimeout < 0:
		return opts, errors.New("sftp: negative limit")
	}
	if opts.HostKeyDir == "" {
		opts.HostKeyDir = filepath.Join(opts.DataDir, "host-keys")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HoldSuffixes == nil {
		opts.HoldSuffixes = DefaultHoldSuffixes()
	}
	setDefault(&opts.MaxConnections, DefaultMaxConnections)
	setDefault(&opts.MaxHandshakes, DefaultMaxHandshakes)
	setDefault(&opts.MaxHandshakesPerIP, DefaultMaxHandshakesPerIP)
	setDefault(&opts.MaxOpenFiles, DefaultMaxOpenFiles)
	setDefault(&opts.MaxFileSize, DefaultMaxFileSize)
	setDefault(&opts.MaxConcurrentStores, DefaultMaxConcurrentStores)
	setDefault(&opts.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&opts.IdleTimeout, DefaultIdleTimeout)
	setDefault(&opts.StoreTimeout, DefaultStoreTimeout)
	return opts, nil
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// checkSpool fills in MaxSpoolBytes, which must leave room for the largest
// upload an account may make.
func (opts Options) checkSpool(accounts map[string]*account) (Options, error) {
	var largest int64
	for _, a := range accounts {
		largest = max(largest, a.MaxFileSize)
	}
	if opts.MaxSpoolBytes == 0 {
		opts.MaxSpoolBytes = max(DefaultMaxSpoolBytes, largest)
	}
	if opts.MaxSpoolBytes < largest {
		return opts, fmt.Errorf("sftp: a spool of %d bytes has no room for an upload of %d bytes (an account's MaxFileSize)", opts.MaxSpoolBytes, largest)
	}
	return opts, nil
}

// holds reports whether an upload called name is held until renamed.
func (a *account) holds(name string) bool {
	for _, suffix := range a.HoldSuffixes {
		if suffix != "" && strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// checkAccount validates a and fills in its defaults from opts; it
// returns the account's authorized keys, by their wire encoding.
func checkAccount(a Account, opts Options) (Account, map[string]bool, error) {
	if err := folder.CheckName(a.User); err != nil {
		return a, nil, fmt.Errorf("sftp: account user: %w", err)
	}
	if a.Partner == "" {
		a.Partner = a.User
	}
	if a.MaxConnections < 0 || a.MaxFileSize < 0 {
		return a, nil, fmt.Errorf("sftp: account %s: negative limit", a.User)
	}
	setDefault(&a.MaxConnections, DefaultAccountMaxConnections)
	setDefault(&a.MaxFileSize, opts.MaxFileSize)
	if a.HoldSuffixes == nil {
		a.HoldSuffixes = opts.HoldSuffixes
	}
	keys, err := parseAuthorizedKeys(a.AuthorizedKeys)
	if err != nil {
		return a, nil, fmt.Errorf("sftp: account %s: %w", a.User, err)
	}
	if a.PasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			return a, nil, fmt.Errorf("sftp: account %s: password hash is not bcrypt: %w", a.User, err)
		}
	}
	if len(keys) == 0 && a.PasswordHash == "" {
		return a, nil, fmt.Errorf("sftp: account %s has neither keys nor a password", a.User)
	}
	return a, keys, nil
}

// parseAuthorizedKeys reads authorized_keys text.
func parseAuthorizedKeys(text string) (map[string]bool, error) {
	keys := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("authorized key on line %d: %w", i+1, err)
		}
		if len(options) > 0 {
			return nil, fmt.Errorf("authorized key on line %d has options %q, which are not supported", i+1, options)
		}
		keys[string(key.Marshal())] = true
	}
	return keys, nil
}

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
	DefaultAccountMaxConnections = 4
	DefaultMaxOpenFiles          = 16
	DefaultMaxFileSize           = 64 << 20
	DefaultMaxConcurrentStores   = 8
	DefaultHandshakeTimeout      = 30 * time.Second
	DefaultIdleTimeout           = 15 * time.Minute
	DefaultStoreTimeout          = 2 * time.Minute
)

// DefaultHoldSuffixes returns the endings of the temporary names clients
// upload under before renaming the file to its real name: WinSCP's
// ".filepart", and ".part" and ".tmp", which this package's own Remote
// uses and many scripts do.
func DefaultHoldSuffixes() []string { return []string{".filepart", ".part", ".tmp"} }

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

	// MaxConnections bounds the connections of all partners together;
	// connections beyond it are closed at once. Zero means
	// DefaultMaxConnections.
	MaxConnections int
	// MaxOpenFiles bounds, per connection, the files open at once
	// (uploads, downloads and held uploads). Zero means
	// DefaultMaxOpenFiles.
	MaxOpenFiles int
	// MaxFileSize is the largest upload, in bytes, for accounts that do
	// not set their own. Zero means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxConcurrentStores bounds the uploads handed to the Sink at once,
	// and with it the memory they take (each is read whole to be stored).
	// Zero means DefaultMaxConcurrentStores.
	MaxConcurrentStores int
	// HoldSuffixes are name endings of uploads that are not stored when
	// closed but held until the client renames them to their real name,
	// which is when they are stored (a failure to store fails the rename).
	// Clients such as WinSCP upload that way by default. A held upload
	// lasts as long as the connection. Nil means DefaultHoldSuffixes(); an
	// empty list holds nothing.
	HoldSuffixes []string
	// HandshakeTimeout bounds the SSH handshake and authentication of a
	// connection. Zero means DefaultHandshakeTimeout.
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
	case opts.MaxConnections < 0 || opts.MaxOpenFiles < 0 || opts.MaxFileSize < 0 ||
		opts.MaxConcurrentStores < 0 || opts.HandshakeTimeout < 0 || opts.IdleTimeout < 0 || opts.StoreTimeout < 0:
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

// holds reports whether an upload called name is held until renamed.
func (opts Options) holds(name string) bool {
	for _, suffix := range opts.HoldSuffixes {
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

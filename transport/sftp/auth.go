package sftp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// userExtension carries the authenticated account's user from the
// authentication callbacks to the connection handler.
const userExtension = "edibridge-user"

// maxLoggedUser bounds how much of a login name a log record repeats: the
// name is the client's to choose.
const maxLoggedUser = 64

// An account is an Account as the server runs it.
type account struct {
	Account
	keys map[string]bool // authorized keys, by wire encoding
	dir  string          // DataDir/partners/USER

	mu      sync.Mutex
	conns   int                // connections open now
	pending map[string]*upload // in/ names being uploaded or held

	retiring sync.Mutex // held while a file leaves out/
}

// enter counts a new connection of the account, unless it has too many.
func (a *account) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conns >= a.MaxConnections {
		return false
	}
	a.conns++
	return true
}

func (a *account) leave() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.conns--
}

// sshConfig builds the SSH server configuration: public keys, passwords
// for accounts that have one, and a log record per attempt.
func (s *Server) sshConfig() *ssh.ServerConfig {
	config := &ssh.ServerConfig{
		PublicKeyCallback: s.checkKey,
		AuthLogCallback:   s.logAuth,
		ServerVersion:     "SSH-2.0-edibridge",
	}
	for _, a := range s.accounts {
		if a.PasswordHash != "" {
			config.PasswordCallback = s.checkPassword
			break
		}
	}
	for _, key := range s.hostKeys {
		config.AddHostKey(key)
	}
	return config
}

// checkKey accepts a key listed for the account the client names.
func (s *Server) checkKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	acct, ok := s.accounts[meta.User()]
	if !ok {
		return nil, errors.New("no such account")
	}
	if !acct.keys[string(key.Marshal())] {
		return nil, fmt.Errorf("%s key %s is not authorized for the account", key.Type(), ssh.FingerprintSHA256(key))
	}
	return permissions(acct), nil
}

// checkPassword accepts the account's password. Unknown accounts and
// accounts without a password cost a bcrypt comparison too, so that the
// time taken does not tell which accounts exist.
func (s *Server) checkPassword(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
	acct, ok := s.accounts[meta.User()]
	if !ok || acct.PasswordHash == "" {
		_ = bcrypt.CompareHashAndPassword(s.noAccountHash(), password)
		if !ok {
			return nil, errors.New("no such account")
		}
		return nil, errors.New("the account has no password login")
	}
	if err := bcrypt.CompareHashAndPassword([]byte(acct.PasswordHash), password); err != nil {
		return nil, errors.New("wrong password")
	}
	return permissions(acct), nil
}

func permissions(acct *account) *ssh.Permissions {
	return &ssh.Permissions{Extensions: map[string]string{userExtension: acct.User}}
}

// highestPasswordCost returns the bcrypt cost of the slowest password
// hash of the accounts, or bcrypt.DefaultCost when none has a password: a
// login to an account that does not exist must take as long as one to the
// account that takes longest, or the time tells which accounts exist.
func (s *Server) highestPasswordCost() int {
	highest := 0
	for _, a := range s.accounts {
		if cost, err := bcrypt.Cost([]byte(a.PasswordHash)); err == nil {
			highest = max(highest, cost)
		}
	}
	if highest == 0 {
		return bcrypt.DefaultCost
	}
	return highest
}

// dummyPasswordHash is the hash, of the given cost, that checkPassword
// compares against when there is no real one; its password is random and
// never known.
func dummyPasswordHash(cost int) []byte {
	var secret [16]byte
	rand.Read(secret[:])
	hash, err := bcrypt.GenerateFromPassword(secret[:], cost)
	if err != nil {
		return []byte("$2a$10$") // CompareHashAndPassword fails fast on it; only timing is lost
	}
	return hash
}

// logAuth writes a record per authentication attempt: a warning for a
// failure (with the reason, which names a key by its fingerprint and never
// holds a password), and an info record for a login. The "none" method
// every client tries first is not a failure worth a record.
func (s *Server) logAuth(meta ssh.ConnMetadata, method string, err error) {
	user := meta.User()
	if len(user) > maxLoggedUser {
		user = user[:maxLoggedUser] + "..."
	}
	attrs := []any{"user", user, "remote", meta.RemoteAddr().String(), "method", method, "client", string(meta.ClientVersion())}
	switch {
	case err == nil:
		s.log.Info("sftp: partner logged in", attrs...)
	case method == "none":
		s.log.Debug("sftp: authentication started", attrs...)
	default:
		s.log.Warn("sftp: authentication failed", append(attrs, "reason", err.Error())...)
	}
}

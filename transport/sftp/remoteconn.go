package sftp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	cryptorand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/edibridge/edibridge/transport/folder"
)

// A remoteSession is one SSH connection with its SFTP client.
type remoteSession struct {
	ssh  *ssh.Client
	sftp *pkgsftp.Client
	// claimsRefused is set once the server refused to rename a file to
	// claim it: on this connection, files are collected in place.
	claimsRefused atomic.Bool

	closeOnce sync.Once
	closed    chan struct{}
}

// dialRemote connects and logs in, checking the host key against the
// known_hosts file. Connecting and the handshake end with ctx, and within
// timeout.
func dialRemote(ctx context.Context, addr, user string, auth []ssh.AuthMethod, knownHostsFile string, timeout time.Duration) (*remoteSession, error) {
	hostKeys, err := knownhosts.New(knownHostsFile)
	if err != nil {
		return nil, fmt.Errorf("known hosts: %w", err)
	}
	algorithms := hostKeyAlgorithms(hostKeys, addr)
	if len(algorithms) == 0 {
		return nil, fmt.Errorf("known hosts: %s names no key for %s", knownHostsFile, knownhosts.Normalize(addr))
	}
	config := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: hostKeys, HostKeyAlgorithms: algorithms, Timeout: timeout}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	// The handshake takes no context: closing the connection is what
	// interrupts it.
	stopInterrupt := context.AfterFunc(ctx, func() { nc.Close() })
	sess, err := startSession(nc, addr, config)
	if !stopInterrupt() { // ctx ended during the handshake, and closed nc
		if err == nil {
			sess.close()
		}
		return nil, fmt.Errorf("connect: %w", context.Cause(ctx))
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return sess, nil
}

// startSession runs the SSH handshake on nc and starts the SFTP subsystem.
func startSession(nc net.Conn, addr string, config *ssh.ClientConfig) (*remoteSession, error) {
	conn, channels, requests, err := ssh.NewClientConn(nc, addr, config)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	client := ssh.NewClient(conn, channels, requests)
	sc, err := pkgsftp.NewClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("start sftp: %w", err)
	}
	return &remoteSession{ssh: client, sftp: sc, closed: make(chan struct{})}, nil
}

// hostKeyAlgorithms returns the host key algorithms to ask the server
// for: those of the keys known_hosts names for addr. Without this the
// client asks for its own preference (ed25519 first) and a server that
// also has an RSA key, known here only by that one, presents a key the
// file does not name, which fails as a mismatch.
func hostKeyAlgorithms(hostKeys ssh.HostKeyCallback, addr string) []string {
	_, probe, err := ed25519.GenerateKey(cryptorand.Reader)
	if err != nil {
		return nil
	}
	signer, err := ssh.NewSignerFromKey(probe)
	if err != nil {
		return nil
	}
	// A fresh key is named by no line, so the error lists the known keys.
	var keyErr *knownhosts.KeyError
	if !errors.As(hostKeys(addr, &net.TCPAddr{IP: net.IPv4zero}, signer.PublicKey()), &keyErr) {
		return nil
	}
	var algorithms []string
	for _, known := range keyErr.Want {
		for _, algo := range algorithmsFor(known.Key.Type()) {
			if !slices.Contains(algorithms, algo) {
				algorithms = append(algorithms, algo)
			}
		}
	}
	return algorithms
}

// algorithmsFor returns the signature algorithms a host key of keyType
// can be offered with: RSA keys sign with SHA-2 today, and SHA-1 for old
// servers.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// close closes the session once; later calls return nil.
func (s *remoteSession) close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.sftp.Close()
		err = s.ssh.Close()
	})
	return err
}

func (s *remoteSession) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// answeredByServer reports whether err is the server's answer to a
// request (no such file, permission denied, a failure status), which
// says the session itself is fine.
func answeredByServer(err error) bool {
	var status *pkgsftp.StatusError
	return errors.As(err, &status) || errors.Is(err, fs.ErrNotExist) ||
		errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrExist)
}

// download reads the remote file whole, and fails with errChanged when
// it does not have the size the listing said.
func (s *remoteSession) download(remotePath string, size int64) ([]byte, error) {
	f, err := s.sftp.Open(remotePath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// At most one byte more than listed: enough to notice a file that grew.
	data, err := io.ReadAll(io.LimitReader(f, size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != size {
		return nil, fmt.Errorf("%w: %s has %d bytes, the listing said %d", errChanged, remotePath, len(data), size)
	}
	return data, nil
}

// moveAside renames from to to, or to to with a time suffix when to is
// taken. It looks first: SSH_FXP_RENAME fails when the target exists on
// OpenSSH's server, but replaces it on servers that rename as rename(2)
// does, pkg/sftp's among them.
func (s *remoteSession) moveAside(from, to string) error {
	if _, err := s.sftp.Lstat(to); err == nil {
		to = path.Join(path.Dir(to), folder.FitName(path.Base(to), folder.TimeSuffix(time.Now())))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return s.sftp.Rename(from, to)
}

// errDelivered says the file to upload is there already, with the same
// bytes: a retry of an upload that succeeded.
var errDelivered = errors.New("delivered already")

// upload writes data to dir/name under a temporary name of its own (so
// that two uploads never write one file), then renames it with
// SSH_FXP_RENAME, which on OpenSSH's server and most others fails rather
// than replace a file that appeared since the check.
func (s *remoteSession) upload(dir, name, suffix string, data []byte) error {
	final := path.Join(dir, name)
	err := s.checkFree(final, data)
	if errors.Is(err, errDelivered) {
		return nil
	} else if err != nil {
		return err
	}
	temp := path.Join(dir, folder.FitName(name, fmt.Sprintf(".%08x%s", rand.Uint32(), suffix)))
	if err := s.write(temp, data); err != nil {
		s.sftp.Remove(temp)
		return err
	}
	if err := s.sftp.Rename(temp, final); err != nil {
		s.sftp.Remove(temp)
		switch checkErr := s.checkFree(final, data); {
		case errors.Is(checkErr, errDelivered):
			return nil
		case checkErr != nil:
			return checkErr // it appeared meanwhile
		}
		return fmt.Errorf("rename %s to %s: %w", temp, final, err)
	}
	return nil
}

// checkFree returns nil when there is no file called remotePath,
// errDelivered when there is one with exactly data, and an error wrapping
// fs.ErrExist when there is another.
func (s *remoteSession) checkFree(remotePath string, data []byte) error {
	fi, err := s.sftp.Lstat(remotePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
		if there, err := s.download(remotePath, fi.Size()); err == nil && bytes.Equal(there, data) {
			return errDelivered
		}
	}
	return fmt.Errorf("%s: %w", remotePath, fs.ErrExist)
}

// write creates (or truncates) the remote file and writes data to it; the
// close's error counts, since a server reports a failure to store there.
func (s *remoteSession) write(remotePath string, data []byte) error {
	f, err := s.sftp.OpenFile(remotePath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fmt.Errorf("create %s: %w", remotePath, err)
	}
	_, err = f.ReadFrom(bytes.NewReader(data))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", remotePath, err)
	}
	return nil
}

package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport/folder"
)

// A Server is the embedded SFTP server partners upload to and download
// from. Each account is jailed in a virtual tree of two folders: in/,
// where every file written is stored in the Sink when the client closes it
// (the close fails when the Sink does, so the client resends), and out/,
// which holds the files Deliver put there for the partner. Nothing else is
// reachable: no other path, no links, no shell, no exec, no forwarding.
//
// Create a Server with NewServer and run it with Serve.
type Server struct {
	opts     Options
	log      *slog.Logger
	config   *ssh.ServerConfig
	hostKeys []ssh.Signer
	accounts map[string]*account // by user
	spoolDir string
	// storeSlots bounds the Stores in progress (Options.MaxConcurrentStores).
	storeSlots chan struct{}
	// storeCtx is the parent of every Store: Serve's context without its
	// cancellation, so that a shutdown lets a started Store finish rather
	// than failing an upload the client already sent whole. Set by Serve
	// before any connection is accepted.
	storeCtx context.Context
	// noAccountHash is compared against for a password login to an
	// account without a password, so that it takes as long as a real one.
	noAccountHash func() []byte

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	served bool
}

// NewServer checks opts, loads or generates the host keys, and prepares
// the accounts' folders.
func NewServer(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:          opts,
		log:           opts.Logger.With("transport", "sftp"),
		accounts:      map[string]*account{},
		spoolDir:      filepath.Join(opts.DataDir, "spool"),
		storeSlots:    make(chan struct{}, opts.MaxConcurrentStores),
		noAccountHash: sync.OnceValue(dummyPasswordHash),
		conns:         map[net.Conn]struct{}{},
	}
	if err := s.addAccounts(); err != nil {
		return nil, err
	}
	if err := s.prepareSpool(); err != nil {
		return nil, err
	}
	if s.hostKeys, err = loadHostKeys(ctx, opts.HostKeyDir); err != nil {
		return nil, err
	}
	s.config = s.sshConfig()
	return s, nil
}

// addAccounts checks the accounts and creates their folders.
func (s *Server) addAccounts() error {
	for _, a := range s.opts.Accounts {
		a, keys, err := checkAccount(a, s.opts)
		if err != nil {
			return err
		}
		if _, dup := s.accounts[a.User]; dup {
			return fmt.Errorf("sftp: account %s is configured twice", a.User)
		}
		acct := &account{Account: a, keys: keys, dir: filepath.Join(s.opts.DataDir, "partners", a.User), pending: map[string]*upload{}}
		for _, sub := range []string{outFolder, archiveFolder} {
			if err := os.MkdirAll(filepath.Join(acct.dir, sub), 0o750); err != nil {
				return fmt.Errorf("sftp: account %s: %w", a.User, err)
			}
		}
		s.accounts[a.User] = acct
	}
	return nil
}

// prepareSpool empties the spool folder: what a previous run left there
// are uploads no client was told had succeeded.
func (s *Server) prepareSpool() error {
	if err := os.RemoveAll(s.spoolDir); err != nil {
		return fmt.Errorf("sftp: clear spool: %w", err)
	}
	if err := os.MkdirAll(s.spoolDir, 0o700); err != nil {
		return fmt.Errorf("sftp: spool: %w", err)
	}
	return nil
}

// HostKeys returns the server's public host keys, ed25519 first, for
// known_hosts files and fingerprints to give partners.
func (s *Server) HostKeys() []ssh.PublicKey {
	keys := make([]ssh.PublicKey, len(s.hostKeys))
	for i, k := range s.hostKeys {
		keys[i] = k.PublicKey()
	}
	return keys
}

// Serve accepts connections on ln until ctx ends, then closes ln and every
// connection, waits for their handlers (a Store in progress completes,
// within Options.StoreTimeout) and returns nil. A transfer cut short is
// never stored; its client sees the connection drop and sends again. Serve
// returns an error when accepting fails for good, or when called twice.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	served := s.served
	s.served = true
	s.mu.Unlock()
	if served {
		return errors.New("sftp: Serve called twice")
	}
	s.storeCtx = context.WithoutCancel(ctx)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var wg sync.WaitGroup
	err := s.accept(ctx, ln, &wg)
	s.closeConns()
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// accept runs the accept loop, starting a handler per connection.
func (s *Server) accept(ctx context.Context, ln net.Listener, wg *sync.WaitGroup) error {
	retry := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if isTemporary(err) { // out of file descriptors, a connection reset before accept
				s.log.Warn("sftp: accept failed; retrying", "err", err, "in", retry)
				if sleep(ctx, retry) != nil {
					return ctx.Err()
				}
				retry = min(2*retry, time.Second)
				continue
			}
			return fmt.Errorf("sftp: accept: %w", err)
		}
		retry = 5 * time.Millisecond
		if !s.track(nc) {
			s.log.Warn("sftp: too many connections; closing", "remote", nc.RemoteAddr().String(), "max", s.opts.MaxConnections)
			nc.Close()
			continue
		}
		wg.Go(func() {
			defer s.untrack(nc)
			s.serveConn(nc)
		})
	}
}

// track records a new connection, unless there are too many already.
func (s *Server) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.opts.MaxConnections {
		return false
	}
	s.conns[nc] = struct{}{}
	return true
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, nc)
}

// closeConns closes every connection, ending its handler.
func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for nc := range s.conns {
		nc.Close()
	}
}

// serveConn runs the SSH handshake on one connection and then its
// channels, until the client leaves, idles too long, or the server closes
// the connection.
func (s *Server) serveConn(nc net.Conn) {
	defer nc.Close()
	remote := nc.RemoteAddr().String()
	sc, channels, requests, err := s.handshake(idleConn{Conn: nc, timeout: s.opts.IdleTimeout})
	if err != nil {
		// Authentication failures were logged as they happened.
		s.log.Debug("sftp: handshake failed", "remote", remote, "err", err)
		return
	}
	defer sc.Close()
	acct := s.accounts[sc.Permissions.Extensions[userExtension]]
	if !acct.enter() {
		s.log.Warn("sftp: too many connections for the account; closing", "user", acct.User, "remote", remote, "max", acct.MaxConnections)
		return
	}
	defer acct.leave()
	go ssh.DiscardRequests(requests) // refuses global requests: tcpip-forward and the like

	c := &conn{server: s, acct: acct, remote: remote, log: s.log.With("user", acct.User, "remote", remote)}
	defer c.discardHeld()
	c.serveChannels(channels)
	if err := sc.Wait(); errors.Is(err, os.ErrDeadlineExceeded) {
		c.log.Info("sftp: connection closed after idling", "idle", s.opts.IdleTimeout)
	}
}

// handshake runs the SSH handshake and authentication, within
// HandshakeTimeout: a client that stalls is cut off.
func (s *Server) handshake(nc net.Conn) (*ssh.ServerConn, <-chan ssh.NewChannel, <-chan *ssh.Request, error) {
	cutOff := time.AfterFunc(s.opts.HandshakeTimeout, func() { nc.Close() })
	sc, channels, requests, err := ssh.NewServerConn(nc, s.config)
	if !cutOff.Stop() && err == nil {
		sc.Close()
		err = errors.New("handshake took too long")
	}
	return sc, channels, requests, err
}

// serveChannels accepts the session channels of a connection, refusing
// every other kind (port forwarding), until the connection ends.
func (c *conn) serveChannels(channels <-chan ssh.NewChannel) {
	var sessions sync.WaitGroup
	defer sessions.Wait()
	for nch := range channels {
		if nch.ChannelType() != "session" {
			c.log.Warn("sftp: refused channel", "type", nch.ChannelType())
			_ = nch.Reject(ssh.Prohibited, "only the sftp subsystem is offered")
			continue
		}
		ch, requests, err := nch.Accept()
		if err != nil {
			continue
		}
		sessions.Go(func() { c.serveSession(ch, requests) })
	}
}

// idleConn is a connection that fails a read when the client has sent
// nothing for timeout, which ends the SSH connection.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// isTemporary reports whether an accept error may pass, as net/http judges
// it: a timeout, EMFILE, ECONNABORTED and the like.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Deliver puts a file into the out/ folder of the account user, for the
// partner to download: atomically (a download never sees part of it) and
// durably (it is synced before Deliver returns). A file of that name not
// yet fetched is never replaced: Deliver fails with an error wrapping
// fs.ErrExist, and the caller picks another name.
func (s *Server) Deliver(ctx context.Context, user, name string, data []byte) error {
	acct, ok := s.accounts[user]
	if !ok {
		return fmt.Errorf("sftp: deliver %s: no account %q", name, user)
	}
	box := folder.Outbox{Dir: filepath.Join(acct.dir, outFolder), Perm: 0o640}
	if err := box.Write(ctx, name, data); err != nil {
		return fmt.Errorf("sftp: deliver to %s: %w", user, err)
	}
	return nil
}

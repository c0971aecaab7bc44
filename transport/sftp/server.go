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
	// spool is what is left of Options.MaxSpoolBytes.
	spool *budget
	// storeCtx is the parent of every Store: Serve's context without its
	// cancellation, so that a shutdown lets a started Store finish rather
	// than failing an upload the client already sent whole. Set by Serve
	// before any connection is accepted.
	storeCtx context.Context
	// noAccountHash is compared against for a password login to an
	// account without a password, so that it takes as long as a real one.
	noAccountHash func() []byte

	mu            sync.Mutex
	conns         map[net.Conn]*connState // every connection, to close them at shutdown
	handshakes    int                     // connections not yet authenticated
	handshakesOf  map[string]int          // the same, by IP address
	authenticated int
	served        bool
}

// connState is where a connection is in the server's counts.
type connState struct {
	ip            string
	authenticated bool
}

// NewServer checks opts, loads or generates the host keys, and prepares
// the accounts' folders.
func NewServer(ctx context.Context, opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:         opts,
		log:          opts.Logger.With("transport", "sftp"),
		accounts:     map[string]*account{},
		spoolDir:     filepath.Join(opts.DataDir, "spool"),
		storeSlots:   make(chan struct{}, opts.MaxConcurrentStores),
		conns:        map[net.Conn]*connState{},
		handshakesOf: map[string]int{},
	}
	if err := s.addAccounts(); err != nil {
		return nil, err
	}
	if s.opts, err = s.opts.checkSpool(s.accounts); err != nil {
		return nil, err
	}
	s.spool = &budget{left: s.opts.MaxSpoolBytes}
	cost := s.highestPasswordCost()
	s.noAccountHash = sync.OnceValue(func() []byte { return dummyPasswordHash(cost) })
	if err := s.prepareSpool(); err != nil {
		return nil, err
	}
	if s.hostKeys, err = loadHostKeys(ctx, opts.HostKeyDir); err != nil {
		return nil, err
	}
	s.config = s.sshConfig()
	return s, nil
}

// addAccounts checks the accounts and creates their folders. The
// temporary files of deliveries cut short by a crash are removed from out/:
// no Deliver is in progress yet.
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
		if err := acct.outbox().RemoveLeftovers(); err != nil {
			return fmt.Errorf("sftp: account %s: %w", a.User, err)
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
		if refused := s.track(nc); refused != "" {
			s.log.Warn("sftp: "+refused+"; closing", "remote", nc.RemoteAddr().String(),
				"max", s.opts.MaxHandshakes, "max_per_ip", s.opts.MaxHandshakesPerIP)
			nc.Close()
			continue
		}
		wg.Go(func() {
			defer s.untrack(nc)
			s.serveConn(nc)
		})
	}
}

// track records a new connection as in its handshake, unless too many
// are, in all or from its address; it returns why it refused.
func (s *Server) track(nc net.Conn) (refused string) {
	ip := remoteIP(nc)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.handshakes >= s.opts.MaxHandshakes:
		return "too many connections logging in"
	case s.handshakesOf[ip] >= s.opts.MaxHandshakesPerIP:
		return "too many connections logging in from one address"
	}
	s.handshakes++
	s.handshakesOf[ip]++
	s.conns[nc] = &connState{ip: ip}
	return ""
}

// remoteIP is the address a connection comes from, without its port.
func remoteIP(nc net.Conn) string {
	addr := nc.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// authenticate moves an authenticated connection from the handshake
// counts to MaxConnections, unless that many are authenticated already.
func (s *Server) authenticate(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[nc]
	if st == nil || s.authenticated >= s.opts.MaxConnections {
		return false
	}
	s.leaveHandshake(st)
	st.authenticated = true
	s.authenticated++
	return true
}

// leaveHandshake takes a connection out of the handshake counts; s.mu is held.
func (s *Server) leaveHandshake(st *connState) {
	s.handshakes--
	if s.handshakesOf[st.ip]--; s.handshakesOf[st.ip] == 0 {
		delete(s.handshakesOf, st.ip)
	}
}

func (s *Server) untrack(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[nc]
	if st == nil {
		return
	}
	if st.authenticated {
		s.authenticated--
	} else {
		s.leaveHandshake(st)
	}
	delete(s.conns, nc)
}

// outbox is the account's out/ folder, as Deliver writes it.
func (a *account) outbox() folder.Outbox {
	return folder.Outbox{Dir: filepath.Join(a.dir, outFolder), Perm: 0o640}
}

// A budget is an amount of bytes shared out, such as the spool's.
type budget struct {
	mu   sync.Mutex
	left int64
}

// take takes n bytes, unless fewer are left.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.left {
		return false
	}
	b.left -= n
	return true
}

// give returns n bytes taken.
func (b *budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left += n
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
	if !s.authenticate(nc) {
		s.log.Warn("sftp: too many connections; closing", "user", acct.User, "remote", remote, "max", s.opts.MaxConnections)
		return
	}
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
// fs.ErrExist, and the caller picks another name; unless the file there
// has exactly these bytes, which makes the call a retry of a Deliver that
// succeeded, and it succeeds again.
func (s *Server) Deliver(ctx context.Context, user, name string, data []byte) error {
	acct, ok := s.accounts[user]
	if !ok {
		return fmt.Errorf("sftp: deliver %s: no account %q", name, user)
	}
	if err := acct.outbox().Write(ctx, name, data); err != nil {
		return fmt.Errorf("sftp: deliver to %s: %w", user, err)
	}
	return nil
}

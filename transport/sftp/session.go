package sftp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// maxSessions bounds the session channels one connection may open: a
// client needs one, a few tools open a second for a parallel transfer.
const maxSessions = 4

// A conn is one authenticated SSH connection of an account.
type conn struct {
	server *Server
	acct   *account
	remote string
	log    *slog.Logger

	mu       sync.Mutex
	sessions int
	open     int                  // files open: uploads, downloads and held uploads
	held     map[*upload]struct{} // uploads of this connection held until renamed
}

// serveSession answers the requests of one session channel: the first
// request for the sftp subsystem starts an SFTP server on the channel;
// everything else (shell, exec, pty-req, env, ...) is refused.
func (c *conn) serveSession(ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	if !c.startSession() {
		c.log.Warn("sftp: too many sessions on one connection", "max", maxSessions)
		go ssh.DiscardRequests(requests)
		return
	}
	defer c.endSession()
	started := make(chan bool, 1)
	go answerSessionRequests(requests, started, c.log)
	if !<-started {
		return
	}
	server := pkgsftp.NewRequestServer(ch, c.handlers())
	if err := server.Serve(); err != nil && !errors.Is(err, io.EOF) {
		c.log.Debug("sftp: session ended", "err", err)
	}
	server.Close()
}

// answerSessionRequests replies to every request on a session channel
// until it closes. It sends true on started when the sftp subsystem is
// requested (once), and closes started when the channel ends.
func answerSessionRequests(requests <-chan *ssh.Request, started chan<- bool, log *slog.Logger) {
	defer close(started)
	subsystem := false
	for req := range requests {
		ok := !subsystem && req.Type == "subsystem" && isSFTP(req.Payload)
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
		switch {
		case ok:
			subsystem = true
			started <- true
		case req.Type == "shell" || req.Type == "exec" || req.Type == "subsystem":
			log.Warn("sftp: refused session request", "request", req.Type)
		}
	}
}

// isSFTP reports whether a subsystem request's payload names "sftp".
func isSFTP(payload []byte) bool {
	var msg struct{ Name string }
	return ssh.Unmarshal(payload, &msg) == nil && msg.Name == "sftp"
}

func (c *conn) startSession() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sessions >= maxSessions {
		return false
	}
	c.sessions++
	return true
}

func (c *conn) endSession() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions--
}

// openFile counts a file opened on the connection, unless too many are.
func (c *conn) openFile() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open >= c.server.opts.MaxOpenFiles {
		return fmt.Errorf("more than %d files open on one connection: %w", c.server.opts.MaxOpenFiles, pkgsftp.ErrSSHFxFailure)
	}
	c.open++
	return nil
}

func (c *conn) closeFile() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.open--
}

// hold keeps u, an upload under a temporary name, until it is renamed,
// removed, or the connection ends.
func (c *conn) hold(u *upload) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = map[*upload]struct{}{}
	}
	c.held[u] = struct{}{}
}

// unhold forgets a held upload that was renamed or removed.
func (c *conn) unhold(u *upload) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.held, u)
}

// isHeld reports whether u is an upload this connection holds.
func (c *conn) isHeld(u *upload) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.held[u]
	return ok
}

// discardHeld drops the uploads still held when the connection ends: their
// client never renamed them, so it never learnt that they arrived.
func (c *conn) discardHeld() {
	c.mu.Lock()
	held := c.held
	c.held = nil
	c.mu.Unlock()
	for u := range held {
		// The client was told at its close that the upload arrived: if the
		// name was its real one, the file is lost to it. Worth a warning.
		c.log.Warn("sftp: discarding an upload held under a temporary name and never renamed", "file", u.name, "bytes", u.info(u.name).Size())
		u.discard()
	}
}

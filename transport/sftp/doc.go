// Package sftp is the SFTP transport: an embedded server partners upload
// to and download from (Server), and a client for partners whose files
// sit on their own SFTP server (Remote).
//
// # Server
//
// The Server runs pkg/sftp's request server over golang.org/x/crypto/ssh.
// Each partner has an Account: public keys in authorized_keys format, and
// optionally a bcrypt password hash. Host keys (ed25519, and RSA for old
// clients) are generated on first start and kept. Only the sftp subsystem
// is offered: no shell, no exec, no forwarding.
//
// An account sees a virtual tree of two folders and nothing else. A file
// written to in/ is spooled to disk and, when the client closes it, handed
// to the transport.Sink; the close succeeds only once the Sink has stored
// it, so a failure reaches the client as a close error and the client
// resends. A name being uploaded is never overwritten by a second upload.
// Uploads under a temporary name (Options.HoldSuffixes) are stored when
// the client renames them to their real name instead. out/ holds files
// Server.Deliver put there for the partner; a file leaves it when the
// partner removes it, or after a complete download (by option), moved to
// an archive or deleted. Paths outside the tree, links, folders and names
// that folder.CheckName refuses are refused.
//
// # Remote
//
// A Remote polls a directory on the partner's server, downloads each
// complete file (by the rules of folder.Pickup), stores it, and only then
// deletes it or moves it to a done folder; its Key (name, size and content
// hash) makes a file picked up again after a crash a duplicate for the
// Sink. It uploads outbound files under a temporary name and renames them
// when whole. Host keys are checked against a known_hosts file, always.
package sftp

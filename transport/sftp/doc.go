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
// is offered: no shell, no exec, no forwarding. Connections still logging
// in are counted apart from logged-in ones, in all and per address, so
// that sockets which never log in cannot lock partners out.
//
// An account sees a virtual tree of two folders and nothing else. A file
// written to in/ is spooled to disk and, when the client closes it, handed
// to the transport.Sink; the close succeeds only once the Sink has stored
// it, so a failure reaches the client as a close error and the client
// resends. A file with parts never written is refused. A name being
// uploaded is never overwritten by a second upload. Uploads under a
// temporary name (by default NAME.filepart and NAME.part; per account,
// Account.HoldSuffixes) are stored when the client renames them to their
// real name instead. out/ holds files Server.Deliver put there for the
// partner; a file leaves it when the partner removes it, or after a
// download that read every byte (by option), moved to an archive or
// deleted. Paths outside the tree, links, folders and names that
// folder.CheckName refuses are refused; attribute changes are accepted
// and ignored.
//
// # Remote
//
// A Remote polls a directory on the partner's server and collects each
// complete file (by the rules of folder.Pickup): it claims the file by
// renaming it to a hidden name, downloads and stores it, and only then
// deletes it or moves it to a done folder, so that a file the partner
// replaces meanwhile is never removed unstored. Its Key (name, size and
// content hash) makes a file collected again after a crash a duplicate for
// the Sink. It uploads outbound files under a temporary name of their own
// and renames them when whole, never over an existing file. Host keys are
// checked against a known_hosts file, always.
package sftp

// Package folder is the folder transport: a Watcher that picks up the
// files a partner's program writes into an inbox folder, and an Outbox
// that writes files for the partner atomically.
//
// Files are picked up only when complete, by one of three rules
// (Completion): a size and modification time that stay the same across
// two looks, a ready marker written after the file, or a writer that
// renames files into place. A picked-up file is stored in a
// transport.Sink first and moved to an archive folder only after the sink
// has it, so nothing is lost; its Key (name, size and content hash) makes
// a file stored twice, after a crash between the two steps, a duplicate
// the sink recognises.
//
// Pickup, Rules, Key and CheckName are shared with the remote SFTP poller
// in package sftp, which applies the same rules to a remote directory.
package folder

// Package folder is the folder transport: a Watcher that picks up the
// files a partner's program writes into an inbox folder, and an Outbox
// that writes files for the partner atomically.
//
// Files are picked up only when complete, by one of three rules
// (Completion): a size and modification time that stay the same across
// two looks (never for an empty file), a ready marker written after the
// file (and not older than it), or a writer that renames files into place.
// Without a Pattern, names with the usual temporary endings (NAME.tmp,
// NAME.part, ...) are never taken, nor, whatever the pattern, are names
// starting with a dot.
//
// A picked-up file is first moved into a hidden claim folder inside the
// inbox, so that the partner's program can no longer change or replace
// it; it is stored in a transport.Sink, and moved to an archive folder only
// after the sink has it, so nothing is lost and nothing unstored is
// archived. Its Key (name, size and content hash) makes a file stored
// twice, after a crash between the steps, a duplicate the sink recognises.
// The archive never has a file replaced, and its folder is synced.
//
// An Outbox never replaces a file either, and a Write repeated with the
// same bytes (a retry after a crash or a lost answer) succeeds without
// delivering anything twice.
//
// Pickup, Rules, Key, CheckName and FitName are shared with the remote
// SFTP poller in package sftp, which applies the same rules to a remote
// directory.
package folder

// Package transport holds what the transports (AS2, SFTP, folders) share
// with the runtime that receives from them: a received file, and the Sink
// that must store it durably before the transport acknowledges it to the
// partner (an AS2 MDN, an SFTP close, the removal of a picked-up file).
//
// The order is the contract: Store returns nil only when the file is on
// stable storage; a transport acknowledges only after that, and reports a
// Store error to the partner as a failure (so that the partner resends). A
// file the sink has seen before (same partner and key) is a duplicate: it
// is acknowledged again and never handed on twice.
package transport

import (
	"context"
	"time"
)

// A File is a payload received from a partner.
type File struct {
	Partner   string    // the partner's id in the configuration
	Transport string    // "as2", "sftp", "sftp-poll", "folder"
	Name      string    // the file name the partner gave, if any
	Key       string    // what makes the file unique at its transport (an AS2 Message-ID, a remote path, ...)
	Received  time.Time // when the transport had it whole
	Data      []byte
	// Meta holds transport details worth keeping beside the payload:
	// AS2 headers, the remote host, the content type.
	Meta map[string]string
}

// A Receipt says what the sink did with a file.
type Receipt struct {
	ID        string // the sink's id for the file (a journal id)
	Duplicate bool   // the sink had it already: nothing was stored again
}

// A Sink stores received files durably.
type Sink interface {
	// Store returns only when f is on stable storage (or was already).
	Store(ctx context.Context, f File) (Receipt, error)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(ctx context.Context, f File) (Receipt, error)

// Store calls fn.
func (fn SinkFunc) Store(ctx context.Context, f File) (Receipt, error) { return fn(ctx, f) }

// Package transporttest provides an in-memory transport.Sink for the tests
// of the transports: it records what it stores, recognises duplicates by
// partner and key, and can be told to fail.
package transporttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/edibridge/edibridge/transport"
)

// ErrInjected is the error a Sink returns when told to fail.
var ErrInjected = errors.New("transporttest: store failed (injected)")

// A Sink records the files stored in it. It is safe for concurrent use.
type Sink struct {
	mu     sync.Mutex
	files  []transport.File
	byKey  map[string]string // partner and key -> id
	fail   int               // the next fail stores fail
	stored chan struct{}
}

// NewSink returns an empty Sink.
func NewSink() *Sink {
	return &Sink{byKey: map[string]string{}, stored: make(chan struct{}, 1<<16)}
}

// Store records f, or reports a duplicate of partner and key.
func (s *Sink) Store(ctx context.Context, f transport.File) (transport.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return transport.Receipt{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return transport.Receipt{}, ErrInjected
	}
	k := f.Partner + "\x00" + f.Key
	if id, ok := s.byKey[k]; ok {
		return transport.Receipt{ID: id, Duplicate: true}, nil
	}
	sum := sha256.Sum256(f.Data)
	id := fmt.Sprintf("%d-%s", len(s.files)+1, hex.EncodeToString(sum[:4]))
	f.Data = append([]byte(nil), f.Data...)
	s.files = append(s.files, f)
	s.byKey[k] = id
	select {
	case s.stored <- struct{}{}:
	default:
	}
	return transport.Receipt{ID: id}, nil
}

// FailNext makes the next n stores fail with ErrInjected.
func (s *Sink) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// Files returns copies of the files stored so far, in order.
func (s *Sink) Files() []transport.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]transport.File(nil), s.files...)
}

// Wait blocks until n files are stored or ctx ends.
func (s *Sink) Wait(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		have := len(s.files)
		s.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-s.stored:
		case <-ctx.Done():
			return fmt.Errorf("transporttest: %d of %d files stored: %w", have, n, ctx.Err())
		}
	}
}

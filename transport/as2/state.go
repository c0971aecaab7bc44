package as2

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// State is what an AS2 endpoint must remember between requests, and, kept
// in the journal, across restarts: the MDNs it sent, so that a message
// sent again gets its original MDN; and the messages it sent that still
// wait for an asynchronous MDN, so that the MDN can be checked when it
// comes.
type State interface {
	// LoadMDN returns the MDN sent for the partner's message, or nil.
	LoadMDN(ctx context.Context, partner, messageID string) (*StoredMDN, error)
	// SaveMDN keeps the MDN sent for the partner's message.
	SaveMDN(ctx context.Context, partner, messageID string, m StoredMDN) error
	// SaveAwaiting keeps a sent message that waits for its MDN.
	SaveAwaiting(ctx context.Context, a Awaiting) error
	// TakeAwaiting returns and forgets the sent message, or returns nil.
	TakeAwaiting(ctx context.Context, partner, messageID string) (*Awaiting, error)
}

// A StoredMDN is an MDN as it was sent: its HTTP header and body.
type StoredMDN struct {
	Header http.Header
	Body   []byte
}

// Awaiting is a sent message whose asynchronous MDN has not come yet.
type Awaiting struct {
	Partner   string // Partner.Name
	MessageID string // with its angle brackets
	// MICs are the MICs the MDN may carry: one when the algorithm was
	// asked for or follows from the signature, several when the partner
	// chooses.
	MICs      []MIC
	SignedMDN bool // an unsigned MDN is a failure
	Sent      time.Time
}

// MemoryState is a State in memory, for tests and for running without a
// journal; it forgets everything when the process ends.
type MemoryState struct {
	mu       sync.Mutex
	mdns     map[string]StoredMDN
	awaiting map[string]Awaiting
}

// NewMemoryState returns an empty MemoryState.
func NewMemoryState() *MemoryState {
	return &MemoryState{mdns: map[string]StoredMDN{}, awaiting: map[string]Awaiting{}}
}

func stateKey(partner, messageID string) string { return partner + "\x00" + messageID }

// LoadMDN implements State.
func (s *MemoryState) LoadMDN(_ context.Context, partner, messageID string) (*StoredMDN, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mdns[stateKey(partner, messageID)]
	if !ok {
		return nil, nil
	}
	return &StoredMDN{Header: m.Header.Clone(), Body: m.Body}, nil
}

// SaveMDN implements State.
func (s *MemoryState) SaveMDN(_ context.Context, partner, messageID string, m StoredMDN) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mdns[stateKey(partner, messageID)] = StoredMDN{Header: m.Header.Clone(), Body: append([]byte(nil), m.Body...)}
	return nil
}

// SaveAwaiting implements State.
func (s *MemoryState) SaveAwaiting(_ context.Context, a Awaiting) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.MICs = append([]MIC(nil), a.MICs...)
	s.awaiting[stateKey(a.Partner, a.MessageID)] = a
	return nil
}

// TakeAwaiting implements State.
func (s *MemoryState) TakeAwaiting(_ context.Context, partner, messageID string) (*Awaiting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := stateKey(partner, messageID)
	a, ok := s.awaiting[k]
	if !ok {
		return nil, nil
	}
	delete(s.awaiting, k)
	return &a, nil
}

package procurostest

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"time"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// state is everything the server remembers; Server.mu guards it.
type state struct {
	seq          int64          // creation order of transactions, for cursors
	transactions []*transaction // sent and incoming, in creation order
	byID         map[string]*transaction
	byHash       map[[sha256.Size]byte]*Received // accepted payloads (201, 202)
	received     []*Received
	marks        []Mark
	errors       []ReportedError
	errorByID    map[string]any // targets of errorUrl links
	duplicates   int
	faults       []Fault
	requests     []RequestRecord
}

func newState() state {
	return state{
		byID:      map[string]*transaction{},
		byHash:    map[[sha256.Size]byte]*Received{},
		errorByID: map[string]any{},
	}
}

// transaction is one transaction the API knows, in either direction.
type transaction struct {
	seq       int64
	id        string
	typ       string
	status    procuros.TransactionStatus
	flow      procuros.TransactionFlow
	createdAt time.Time
	incoming  bool
	// object is the incoming transaction as served: procurosTransactionId,
	// type, content and any other member it was seeded with.
	object  map[string]json.RawMessage
	content json.RawMessage
}

// pending reports whether t is in the list of unprocessed incoming
// transactions.
func (t *transaction) pending() bool { return t.incoming && t.status == procuros.StatusPending }

// asTransaction is t as GET /v2/all-transactions shows it.
func (t *transaction) asTransaction() procuros.Transaction {
	return procuros.Transaction{
		ProcurosTransactionID: t.id,
		Type:                  procuros.TransactionType(t.typ),
		Status:                t.status,
		Flow:                  t.flow,
		CreatedAt:             berlinTimestamp(t.createdAt),
		Content:               t.content,
	}
}

// Received is a POST /v2/transactions the server answered, whatever the
// answer.
type Received struct {
	// ProcurosTransactionID is set when the transaction was accepted (201
	// or 202).
	ProcurosTransactionID string `json:"procurosTransactionId,omitempty"`
	Type                  string `json:"type,omitempty"`
	// Status is the HTTP status answered to the first receipt: 201, 202,
	// 400 (malformed) or 422.
	Status   int         `json:"status"`
	Message  string      `json:"message,omitempty"`
	Errors   spec.Errors `json:"errors,omitempty"`
	ErrorURL string      `json:"errorUrl,omitempty"`
	// Duplicates counts the byte-identical resends answered 400 "Payload
	// already received".
	Duplicates int             `json:"duplicates"`
	Body       json.RawMessage `json:"body"`
	ReceivedAt time.Time       `json:"receivedAt"`
}

// Mark is one transaction marked processed, singly or in bulk.
type Mark struct {
	ProcurosTransactionID string            `json:"procurosTransactionId"`
	Success               bool              `json:"success"`
	ErrorReason           string            `json:"errorReason,omitempty"`
	ErrorType             string            `json:"errorType,omitempty"`
	ErrorContext          map[string]string `json:"errorContext,omitempty"`
	ErrorURL              string            `json:"errorUrl,omitempty"`
	Bulk                  bool              `json:"bulk"`
	MarkedAt              time.Time         `json:"markedAt"`
}

// ReportedError is one POST /v2/errors.
type ReportedError struct {
	ID                    string            `json:"id"`
	ErrorReason           string            `json:"errorReason"`
	ErrorType             string            `json:"errorType"`
	ErrorContext          map[string]string `json:"errorContext,omitempty"`
	TransactionIdentifier string            `json:"transactionIdentifier,omitempty"`
	TransactionType       string            `json:"transactionType,omitempty"`
	ErrorURL              string            `json:"errorUrl"`
	ReportedAt            time.Time         `json:"reportedAt"`
}

// RequestRecord is one API request and how it was answered.
type RequestRecord struct {
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Status        int       `json:"status"`
	Outcome       string    `json:"outcome,omitempty"`
	TransactionID string    `json:"procurosTransactionId,omitempty"`
	At            time.Time `json:"at"`
}

// Summary counts what the server holds.
type Summary struct {
	Received   int `json:"received"`
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
	Duplicates int `json:"duplicates"`
	Pending    int `json:"pendingIncoming"`
	Marks      int `json:"marks"`
	Errors     int `json:"errors"`
	Faults     int `json:"faultsQueued"`
	Requests   int `json:"requests"`
}

// Received returns every POST /v2/transactions answered so far, oldest first.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.state.received))
	for i, r := range s.state.received {
		out[i] = *r
	}
	return out
}

// Pending returns the unprocessed incoming transactions, as the API lists
// them.
func (s *Server) Pending() []map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]json.RawMessage
	for _, t := range s.state.transactions {
		if t.pending() {
			out = append(out, t.object)
		}
	}
	return out
}

// Marks returns every mark-processed so far, oldest first.
func (s *Server) Marks() []Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.marks)
}

// Errors returns every POST /v2/errors so far, oldest first.
func (s *Server) Errors() []ReportedError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.errors)
}

// Duplicates counts the resends answered 400 "Payload already received".
func (s *Server) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.duplicates
}

// Requests returns the log of API requests, oldest first.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.state.requests)
}

// Summary counts what the server holds.
func (s *Server) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summary{
		Received:   len(s.state.received),
		Duplicates: s.state.duplicates,
		Marks:      len(s.state.marks),
		Errors:     len(s.state.errors),
		Requests:   len(s.state.requests),
	}
	for _, r := range s.state.received {
		if r.ProcurosTransactionID != "" {
			sum.Accepted++
		} else {
			sum.Rejected++
		}
	}
	for _, t := range s.state.transactions {
		if t.pending() {
			sum.Pending++
		}
	}
	for _, f := range s.state.faults {
		sum.Faults += f.Count
	}
	return sum
}

// Reset forgets everything: transactions, records, faults and the log.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = newState()
}

// add appends a new transaction; the caller holds s.mu.
func (st *state) add(t *transaction) {
	st.seq++
	t.seq = st.seq
	st.transactions = append(st.transactions, t)
	st.byID[t.id] = t
}

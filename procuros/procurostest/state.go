package procurostest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"maps"
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

	// hash is the body's SHA-256, set when the send was accepted and thus
	// counts for duplicate detection; errorID is the target of ErrorURL.
	// Both are forgotten with the record.
	hash    *[sha256.Size]byte
	errorID string
}

// clone is a deep copy of r, to hand out of the lock.
func (r *Received) clone() Received {
	c := *r
	c.Body = bytes.Clone(r.Body)
	c.Errors = cloneErrors(r.Errors)
	c.hash = nil
	return c
}

func cloneErrors(e spec.Errors) spec.Errors {
	if e == nil {
		return nil
	}
	c := make(spec.Errors, len(e))
	for k, v := range e {
		c[k] = slices.Clone(v)
	}
	return c
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

func (m Mark) clone() Mark {
	m.ErrorContext = maps.Clone(m.ErrorContext)
	return m
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

func (e ReportedError) clone() ReportedError {
	e.ErrorContext = maps.Clone(e.ErrorContext)
	return e
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

// The accessors below return deep copies: what a caller does with them
// never reaches the server's state, and the server's later changes never
// reach them.

// Received returns the POST /v2/transactions answered so far (the last
// Options.MaxRecords), oldest first.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.state.received))
	for i, r := range s.state.received {
		out[i] = r.clone()
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
			out = append(out, cloneObject(t.object))
		}
	}
	return out
}

func cloneObject(o map[string]json.RawMessage) map[string]json.RawMessage {
	c := make(map[string]json.RawMessage, len(o))
	for k, v := range o {
		c[k] = bytes.Clone(v)
	}
	return c
}

// Marks returns the mark-processed so far (the last Options.MaxRecords),
// oldest first.
func (s *Server) Marks() []Mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mark, len(s.state.marks))
	for i, m := range s.state.marks {
		out[i] = m.clone()
	}
	return out
}

// Errors returns the POST /v2/errors so far (the last Options.MaxRecords),
// oldest first.
func (s *Server) Errors() []ReportedError {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReportedError, len(s.state.errors))
	for i, e := range s.state.errors {
		out[i] = e.clone()
	}
	return out
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

// The methods below keep the records within limit (Options.MaxRecords);
// the caller holds s.mu.

// addReceived records a send, forgetting the oldest beyond limit together
// with their duplicate detection and errorUrl targets.
func (st *state) addReceived(rec *Received, limit int) {
	st.received = append(st.received, rec)
	for _, old := range dropOldest(&st.received, limit) {
		if old.hash != nil && st.byHash[*old.hash] == old {
			delete(st.byHash, *old.hash)
		}
		delete(st.errorByID, old.errorID)
	}
}

func (st *state) addMark(m Mark, limit int) {
	st.marks = append(st.marks, m)
	dropOldest(&st.marks, limit)
}

func (st *state) addError(e ReportedError, limit int) {
	st.errors = append(st.errors, e)
	st.errorByID[e.ID] = e
	for _, old := range dropOldest(&st.errors, limit) {
		delete(st.errorByID, old.ID)
	}
}

// dropFinished forgets the oldest transactions that are no longer pending
// beyond limit; pending ones are the queue a client has yet to read.
func (st *state) dropFinished(limit int) {
	excess := -limit
	for _, t := range st.transactions {
		if !t.pending() {
			excess++
		}
	}
	if excess <= 0 {
		return
	}
	st.transactions = slices.DeleteFunc(st.transactions, func(t *transaction) bool {
		if excess == 0 || t.pending() {
			return false
		}
		excess--
		delete(st.byID, t.id)
		return true
	})
}

// dropOldest removes the elements of *s before its last limit and returns
// them.
func dropOldest[T any](s *[]T, limit int) []T {
	n := len(*s) - limit
	if n <= 0 {
		return nil
	}
	dropped := slices.Clone((*s)[:n])
	*s = slices.Delete(*s, 0, n)
	return dropped
}

package procurostest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/edibridge/edibridge/procuros/spec"
)

// FaultKind is a way for the server to misbehave.
type FaultKind string

// Fault kinds.
const (
	// FaultServerError answers 500 without processing the request.
	FaultServerError FaultKind = "500"
	// FaultTooManyRequests answers 429, with Fault.RetryAfter as the
	// Retry-After header when set, without processing the request.
	FaultTooManyRequests FaultKind = "429"
	// FaultForbidden answers 403, as for a valid token that may not make
	// the request, without processing it.
	FaultForbidden FaultKind = "403"
	// FaultHang holds the request without processing it until the client
	// gives up (its timeout), the server is closed, or Options.MaxHang.
	FaultHang FaultKind = "hang"
	// FaultLoseResponse processes the request, then holds the response
	// like FaultHang: the client cannot know that it got through. This is
	// how a resent POST meets "Payload already received".
	FaultLoseResponse FaultKind = "lose-response"
	// FaultUnprocessable answers 422 as the real API does for content it
	// refuses: "The given data was invalid.", Fault.Errors (or a generic
	// error) and an errorUrl that resolves under /_admin/errors/. A send
	// (POST /v2/transactions) is recorded among Received with status 422,
	// like a send that failed validation. With Fault.BodyContains it hits
	// one partner's bad message only.
	FaultUnprocessable FaultKind = "422"
)

// Fault makes the next Count API requests that match Method and Path
// misbehave. Faults are used in the order they were injected.
type Fault struct {
	Kind FaultKind `json:"kind"`
	// Count is how many requests the fault applies to; 0 means 1.
	Count int `json:"count,omitempty"`
	// RetryAfter is the Retry-After header of a 429 ("0", "2", or an
	// HTTP date); empty sends none.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Method and Path, when set, restrict the fault to requests with this
	// method and a path starting with Path (such as "/v2/transactions").
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// BodyContains, when set, restricts the fault to requests whose body
	// contains this string (a document number, say).
	BodyContains string `json:"bodyContains,omitempty"`
	// Errors are the errors of a 422 (FaultUnprocessable), by field path;
	// empty means one generic error on "content".
	Errors spec.Errors `json:"errors,omitempty"`
}

func (f Fault) validate() error {
	switch f.Kind {
	case FaultServerError, FaultTooManyRequests, FaultForbidden, FaultHang, FaultLoseResponse, FaultUnprocessable:
	default:
		return fmt.Errorf("unknown fault kind %q (want 500, 429, 403, 422, hang or lose-response)", f.Kind)
	}
	if f.Count < 0 {
		return fmt.Errorf("fault count %d is negative", f.Count)
	}
	return nil
}

func (f Fault) matches(r *http.Request, body []byte) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) && strings.HasPrefix(r.URL.Path, f.Path) &&
		(f.BodyContains == "" || bytes.Contains(body, []byte(f.BodyContains)))
}

// InjectFault queues f.
func (s *Server) InjectFault(f Fault) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("procurostest: %w", err)
	}
	if f.Count == 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.faults = append(s.state.faults, f)
	return nil
}

// Faults returns the queued faults with their remaining counts.
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fault(nil), s.state.faults...)
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.faults = nil
}

// takeFault consumes one use of the first fault matching r. When a queued
// fault looks at bodies, r's body is read and put back for the handler.
func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	var body []byte
	if s.faultsReadBodies() && r.Body != nil {
		data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body.Close()
		if err != nil {
			data = nil
		}
		body = data
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.state.faults {
		f := &s.state.faults[i]
		if !f.matches(r, body) {
			continue
		}
		taken := *f
		f.Count--
		if f.Count <= 0 {
			s.state.faults = append(s.state.faults[:i], s.state.faults[i+1:]...)
		}
		return taken, true
	}
	return Fault{}, false
}

// faultsReadBodies reports whether a queued fault matches on the body.
func (s *Server) faultsReadBodies() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.state.faults {
		if f.BodyContains != "" {
			return true
		}
	}
	return false
}

// applyFault misbehaves as f says and reports whether the request is done.
func (s *Server) applyFault(w *recorder, r *http.Request, f Fault, h http.HandlerFunc) bool {
	switch f.Kind {
	case FaultServerError:
		w.outcome = "fault: 500"
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Server Error"})
	case FaultTooManyRequests:
		w.outcome = "fault: 429"
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Attempts."})
	case FaultForbidden:
		w.outcome = "fault: 403"
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "This action is unauthorized."})
	case FaultHang:
		w.outcome = "fault: hang"
		s.hang(w, r)
	case FaultLoseResponse:
		// Process the request into a throw-away response, then hang.
		lost := &recorder{ResponseWriter: discard{header: http.Header{}}}
		if s.authorized(r) {
			h(lost, r)
		}
		w.outcome = fmt.Sprintf("fault: lost response %d %s", lost.status, lost.outcome)
		w.txID = lost.txID
		s.hang(w, r)
	case FaultUnprocessable:
		s.unprocessable(w, r, f)
	}
	return true
}

// unprocessable answers a 422 for f, recording a send as received.
func (s *Server) unprocessable(w *recorder, r *http.Request, f Fault) {
	errs := f.Errors
	if len(errs) == 0 {
		errs = spec.Errors{"content": {"The content was refused (injected fault)."}}
	}
	errorID := newUUID()
	errorURL := s.portalURL(r) + "/errors/" + errorID
	if r.Method == http.MethodPost && r.URL.Path == pathIncoming {
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		rec := &Received{
			Type: decodeEnvelope(body).Type, Status: http.StatusUnprocessableEntity, Message: msgInvalid,
			Errors: cloneErrors(errs), ErrorURL: errorURL, Body: rawJSON(body), ReceivedAt: s.now(), errorID: errorID,
		}
		s.mu.Lock()
		s.state.addReceived(rec, s.opts.MaxRecords)
		s.state.errorByID[errorID] = rec
		s.mu.Unlock()
	}
	a := invalid(w, errs, errorURL)
	w.outcome = "fault: 422 " + w.outcome
	writeJSON(w, a.status, a.body)
}

// hang waits until the client gives up, the server closes or MaxHang
// passes. A client still waiting then gets a 504, never an empty 200 that
// it could take for success.
func (s *Server) hang(w http.ResponseWriter, r *http.Request) {
	t := time.NewTimer(s.opts.MaxHang)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-s.closed:
	case <-t.C:
	}
	writeJSON(w, http.StatusGatewayTimeout, map[string]string{"message": "Gateway Timeout"})
}

// discard is a ResponseWriter that forgets what is written.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

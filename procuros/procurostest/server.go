// Package procurostest is a fake Procuros API v2 for tests and for the
// "edibridge sandbox" command.
//
// A Server is an http.Handler that behaves like the real API as far as the
// spec and the documentation tell (see API-RULES.md): it checks the bearer
// token, validates every request against the embedded OpenAPI document
// (transaction content against the schema its type names, DateTime values
// against the pattern), answers 201, 202, 400 "Payload already received"
// and 422 with an `errors` map and an `errorUrl`, serves incoming
// transactions in cursor pages, and records what it was sent.
//
// For tests it injects faults (500, 429 with Retry-After, 403, requests that
// hang until the client gives up, responses lost after processing, a 422
// for the one request whose body holds a given string), can
// serve offset cursors that shift as transactions are marked, and exposes
// its state, in Go and over HTTP under /_admin/ (see admin.go). State lives
// in memory, bounded by Options.MaxRecords.
package procurostest

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// Options configures a Server.
type Options struct {
	// Token is the bearer token every API request must carry; required.
	// It prints as "[redacted]", so that options in a log do not leak it.
	Token procuros.Token

	// NotForwardedTypes are transaction types the fake accepts without
	// forwarding: POST answers 202, as for a partner that does not take them.
	NotForwardedTypes []procuros.TransactionType
	// NotForwardedPartners are party identifiers (GLNs and the like): a
	// transaction naming one of them among its header parties is answered
	// 202 "Trade relationship not yet active."
	NotForwardedPartners []string

	// PortalURL is the root of the errorUrl links; empty means the server's
	// own /_admin, where the links resolve.
	PortalURL string

	// Flow is the flow of transactions created here; empty means LIVE.
	Flow procuros.TransactionFlow

	// Logger receives one record per request with its outcome; nil
	// discards them.
	Logger *slog.Logger

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// MaxHang bounds how long a hang fault holds a request whose client
	// does not give up; zero means two minutes.
	MaxHang time.Duration

	// OffsetCursors makes list cursors count the items served before them,
	// as offset pagination does, instead of naming the last item served.
	// Marking transactions processed between pages then shifts the list
	// under the cursor, and a client that only follows cursors skips
	// transactions: the behaviour API-RULES §3 guards against.
	OffsetCursors bool

	// MaxRecords bounds the memory of a long-running sandbox. The server
	// keeps the last MaxRecords of each kind of record: sends received
	// (bodies included), marks, reported errors, the request log, and the
	// transactions no longer pending; it forgets older ones, and their
	// errorUrl links stop resolving. Duplicate detection forgets with the
	// sends: a byte-identical resend is answered "Payload already received"
	// as long as its first send is among the last MaxRecords sends
	// received, and is taken as new after that. Pending incoming
	// transactions are never forgotten. Zero means DefaultMaxRecords.
	MaxRecords int
}

// DefaultMaxRecords is the MaxRecords of zero: enough for any test run and
// for days of manual use, while the memory of a sandbox left running grows
// with the size of its documents, no longer with its uptime.
const DefaultMaxRecords = 5000

// Server is the fake API. Create it with NewServer.
type Server struct {
	opts      Options
	validator *spec.Validator
	mux       *http.ServeMux
	log       *slog.Logger
	now       func() time.Time

	closeOnce sync.Once
	closed    chan struct{} // closed by Close, releases hanging requests

	mu    sync.Mutex
	state state
}

// NewServer returns a Server. The spec is loaded once per process.
func NewServer(opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, fmt.Errorf("procurostest: no token configured")
	}
	v, err := spec.NewValidator()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, validator: v, closed: make(chan struct{}), log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Flow == "" {
		s.opts.Flow = procuros.FlowLive
	}
	if s.opts.MaxHang <= 0 {
		s.opts.MaxHang = 2 * time.Minute
	}
	if s.opts.MaxRecords <= 0 {
		s.opts.MaxRecords = DefaultMaxRecords
	}
	s.state = newState()
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	mux := http.NewServeMux()
	api := map[string]http.HandlerFunc{
		"GET /v2/transactions":                      s.listIncoming,
		"POST /v2/transactions":                     s.send,
		"PUT /v2/transactions/{id}":                 s.markProcessed,
		"POST /v2/transactions/bulk/mark-processed": s.bulkMarkProcessed,
		"GET /v2/all-transactions":                  s.listAll,
		"GET /v2/all-transactions/{id}":             s.show,
		"POST /v2/errors":                           s.reportError,
		"GET /v2/ping":                              s.ping,
		"/v2/":                                      s.notFound,
	}
	for pattern, h := range api {
		mux.Handle(pattern, s.apiHandler(h))
	}
	s.adminRoutes(mux)
	s.mux = mux
}

// ServeHTTP serves the API under /v2/ and the admin endpoints under /_admin/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases requests held by hang faults and makes later hang faults
// return at once. Call it before closing the listener, which otherwise
// waits for them.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// recorder captures what a handler answered, for the request log.
type recorder struct {
	http.ResponseWriter
	status  int
	outcome string
	txID    string
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// apiHandler wraps an API handler with fault injection, the token check and
// the request log.
func (s *Server) apiHandler(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		rec := &recorder{ResponseWriter: w}
		s.serveAPI(rec, r, h)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.logRequest(r, rec, start)
	})
}

func (s *Server) serveAPI(w *recorder, r *http.Request, h http.HandlerFunc) {
	fault, ok := s.takeFault(r)
	if ok && s.applyFault(w, r, fault, h) {
		return
	}
	if !s.authorized(r) {
		w.outcome = "unauthorized"
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthenticated."})
		return
	}
	h(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == string(s.opts.Token)
}

func (s *Server) logRequest(r *http.Request, rec *recorder, start time.Time) {
	entry := RequestRecord{
		Method: r.Method, Path: r.URL.RequestURI(), Status: rec.status,
		Outcome: rec.outcome, TransactionID: rec.txID, At: start,
	}
	s.mu.Lock()
	s.state.requests = append(s.state.requests, entry)
	dropOldest(&s.state.requests, s.opts.MaxRecords)
	s.mu.Unlock()
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("duration", s.now().Sub(start)),
	}
	if rec.outcome != "" {
		attrs = append(attrs, slog.String("outcome", rec.outcome))
	}
	if rec.txID != "" {
		attrs = append(attrs, slog.String("procurosTransactionId", rec.txID))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	setOutcome(w, "not found")
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not found."})
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	setOutcome(w, "pong")
	w.WriteHeader(http.StatusNoContent)
}

// portalURL is the root of errorUrl links for request r.
func (s *Server) portalURL(r *http.Request) string {
	if s.opts.PortalURL != "" {
		return strings.TrimRight(s.opts.PortalURL, "/")
	}
	return serverURL(r) + "/_admin"
}

// serverURL is the scheme and host the client used to reach the server.
func serverURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func setOutcome(w http.ResponseWriter, outcome string) {
	if rec, ok := w.(*recorder); ok {
		rec.outcome = outcome
	}
}

func setTransactionID(w http.ResponseWriter, id string) {
	if rec, ok := w.(*recorder); ok {
		rec.txID = id
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"message":"Server Error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// invalid is the API's 422 answer to errs; errorURL is given by sends only.
func invalid(w http.ResponseWriter, errs spec.Errors, errorURL string) answer {
	body := map[string]any{"message": msgInvalid, "errors": errs}
	if errorURL != "" {
		body["errorUrl"] = errorURL
	}
	setOutcome(w, "invalid: "+strings.Join(errs.Paths(), ", "))
	return answer{http.StatusUnprocessableEntity, body}
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails, see crypto/rand.Read
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// berlinTimestamp is how the API writes datetimes: Europe/Berlin, RFC 3339.
func berlinTimestamp(t time.Time) procuros.DateTime {
	return procuros.NewDateTime(t.In(procuros.Berlin()).Truncate(time.Second))
}

func containsType(types []procuros.TransactionType, t string) bool {
	return slices.Contains(types, procuros.TransactionType(t))
}

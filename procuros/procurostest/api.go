package procurostest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// maxBody bounds a request body; the real limit is not documented.
const maxBody = 32 << 20

// Messages of the API: those of the spec and docs where they give one,
// Laravel's defaults where the API evidently uses them.
const (
	msgDuplicate   = "Payload already received"
	msgNotActive   = "Trade relationship not yet active."
	msgNotFound    = "Transaction not found."
	msgOK          = "OK."
	msgInvalid     = "The given data was invalid."
	msgInvalidJSON = "The request body is not valid JSON."
	msgUnreadable  = "The request body could not be read."
)

// Path templates of the operations, as the spec spells them.
const (
	pathMark     = "/v2/transactions/{procurosTransactionId}"
	pathBulkMark = "/v2/transactions/bulk/mark-processed"
	pathErrors   = "/v2/errors"
	pathIncoming = "/v2/transactions"
	pathAll      = "/v2/all-transactions"
)

// answer is a status and JSON body decided under the lock and written
// after it.
type answer struct {
	status int
	body   any
}

// send handles POST /v2/transactions.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		setOutcome(w, "unreadable body")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": msgUnreadable, "errorUrl": s.portalURL(r) + "/errors"})
		return
	}
	rec := &Received{Body: rawJSON(body), ReceivedAt: s.now()}
	value, err := spec.DecodeJSON(body)
	if err != nil {
		errorURL := s.portalURL(r) + "/errors/" + newUUID()
		rec.Status, rec.Message, rec.ErrorURL = http.StatusBadRequest, msgInvalidJSON, errorURL
		s.mu.Lock()
		s.state.addReceived(rec, s.opts.MaxRecords)
		s.mu.Unlock()
		setOutcome(w, "malformed JSON")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": msgInvalidJSON, "errorUrl": errorURL})
		return
	}
	errs := s.validator.SentTransaction(value)
	envelope := decodeEnvelope(body)
	rec.Type = envelope.Type

	s.mu.Lock()
	a := s.accept(r, w, rec, sha256.Sum256(body), errs, envelope, value)
	s.mu.Unlock()
	writeJSON(w, a.status, a.body)
}

// accept decides the answer to a well-formed send; the caller holds s.mu.
func (s *Server) accept(r *http.Request, w http.ResponseWriter, rec *Received, hash [sha256.Size]byte,
	errs spec.Errors, envelope sentEnvelope, value any) answer {
	if orig, ok := s.state.byHash[hash]; ok {
		orig.Duplicates++
		s.state.duplicates++
		setOutcome(w, "duplicate")
		setTransactionID(w, orig.ProcurosTransactionID)
		return answer{http.StatusBadRequest, map[string]string{
			"message":  msgDuplicate,
			"errorUrl": s.portalURL(r) + "/transactions/" + orig.ProcurosTransactionID,
		}}
	}
	s.state.addReceived(rec, s.opts.MaxRecords)
	if len(errs) > 0 {
		rec.errorID = newUUID()
		rec.Status, rec.Message, rec.Errors = http.StatusUnprocessableEntity, msgInvalid, errs
		rec.ErrorURL = s.portalURL(r) + "/errors/" + rec.errorID
		s.state.errorByID[rec.errorID] = rec
		return invalid(w, errs, rec.ErrorURL)
	}
	t := &transaction{
		id: newUUID(), typ: envelope.Type, status: procuros.StatusSuccess, flow: s.opts.Flow,
		createdAt: rec.ReceivedAt, content: envelope.Content,
	}
	rec.ProcurosTransactionID = t.id
	rec.hash = &hash
	s.state.byHash[hash] = rec
	setTransactionID(w, t.id)
	defer s.state.dropFinished(s.opts.MaxRecords) // once t is added, whichever way
	if reason, ok := s.notForwarded(envelope.Type, value); ok {
		t.status = procuros.StatusDropped
		s.state.add(t)
		rec.Status, rec.Message = http.StatusAccepted, reason
		setOutcome(w, "not forwarded")
		return answer{http.StatusAccepted, map[string]string{"message": reason}}
	}
	s.state.add(t)
	rec.Status = http.StatusCreated
	setOutcome(w, "created")
	return answer{http.StatusCreated, map[string]string{"procurosTransactionId": t.id}}
}

// sentEnvelope is the envelope of a send, for storing its parts.
type sentEnvelope struct {
	Type    string          `json:"type"`
	Content json.RawMessage `json:"content"`
}

func decodeEnvelope(body []byte) sentEnvelope {
	var e sentEnvelope
	_ = json.Unmarshal(body, &e) // a valid payload always decodes
	return e
}

// notForwarded says whether a valid transaction is accepted without being
// forwarded, and the message that says why.
func (s *Server) notForwarded(typ string, value any) (string, bool) {
	if containsType(s.opts.NotForwardedTypes, typ) {
		return fmt.Sprintf("Trade partner does not receive %s transactions.", typ), true
	}
	for _, id := range headerPartyIdentifiers(value) {
		if slices.Contains(s.opts.NotForwardedPartners, id) {
			return msgNotActive, true
		}
	}
	return "", false
}

// headerPartyIdentifiers lists the identifiers of every party of the
// content's header: each header member that is an object with identifiers.
func headerPartyIdentifiers(value any) []string {
	content, _ := value.(map[string]any)["content"].(map[string]any)
	header, _ := content["header"].(map[string]any)
	var ids []string
	for _, member := range header {
		party, _ := member.(map[string]any)
		list, _ := party["identifiers"].([]any)
		for _, item := range list {
			entry, _ := item.(map[string]any)
			if id, ok := entry["identifier"].(string); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// readJSON reads and validates the body of a request to the operation at
// path; on failure it has answered and returns false.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, path string, out any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		setOutcome(w, "unreadable body")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": msgUnreadable})
		return false
	}
	value, err := spec.DecodeJSON(body)
	if err != nil {
		setOutcome(w, "malformed JSON")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": msgInvalidJSON})
		return false
	}
	errs, err := s.validator.RequestBody(r.Method, path, value)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
		return false
	}
	if len(errs) > 0 {
		a := invalid(w, errs, "")
		writeJSON(w, a.status, a.body)
		return false
	}
	if err := json.Unmarshal(body, out); err != nil {
		setOutcome(w, "undecodable body")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": msgInvalidJSON})
		return false
	}
	return true
}

// markProcessed handles PUT /v2/transactions/{id}.
func (s *Server) markProcessed(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	setTransactionID(w, id)
	var result procuros.ProcessingResult
	if !s.readJSON(w, r, pathMark, &result) {
		return
	}
	s.mu.Lock()
	t := s.state.byID[id]
	if t == nil || !t.incoming {
		s.mu.Unlock()
		setOutcome(w, "unknown transaction")
		writeJSON(w, http.StatusNotFound, map[string]string{"message": msgNotFound})
		return
	}
	m := s.mark(r, t, result, false)
	s.state.dropFinished(s.opts.MaxRecords)
	s.mu.Unlock()
	setOutcome(w, markOutcome(result))
	data := map[string]string{"message": msgOK}
	if m.ErrorURL != "" {
		data["errorUrl"] = m.ErrorURL
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// mark records the processing of incoming transaction t; the caller holds
// s.mu. Marking again is answered like the first time: the docs do not say
// otherwise, and it lets a client re-mark after a crash.
func (s *Server) mark(r *http.Request, t *transaction, result procuros.ProcessingResult, bulk bool) Mark {
	m := Mark{
		ProcurosTransactionID: t.id, Success: result.Success, ErrorReason: result.ErrorReason,
		ErrorType: string(result.ErrorType), ErrorContext: result.ErrorContext, Bulk: bulk, MarkedAt: s.now(),
	}
	t.status = procuros.StatusSuccess
	if !result.Success {
		t.status = procuros.StatusFailed
		m.ErrorURL = s.portalURL(r) + "/transactions/" + t.id + "/errors"
	}
	s.state.addMark(m, s.opts.MaxRecords)
	return m
}

func markOutcome(r procuros.ProcessingResult) string {
	if r.Success {
		return "marked processed"
	}
	return "marked failed (" + string(r.ErrorType) + ")"
}

// bulkMarkProcessed handles POST /v2/transactions/bulk/mark-processed.
// Unknown ids fail the whole request with 422 before anything is marked.
func (s *Server) bulkMarkProcessed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Items []procuros.BulkMarkItem `json:"items"`
	}
	if !s.readJSON(w, r, pathBulkMark, &req) {
		return
	}
	s.mu.Lock()
	errs := spec.Errors{}
	for i, item := range req.Items {
		if t := s.state.byID[item.ProcurosTransactionID]; t == nil || !t.incoming {
			key := fmt.Sprintf("items.%d.procurosTransactionId", i)
			errs.Add(key, fmt.Sprintf("The selected %s is invalid.", key))
		}
	}
	if len(errs) > 0 {
		s.mu.Unlock()
		a := invalid(w, errs, "")
		writeJSON(w, a.status, a.body)
		return
	}
	data := make([]procuros.MarkResult, 0, len(req.Items))
	for _, item := range req.Items {
		m := s.mark(r, s.state.byID[item.ProcurosTransactionID], item.ProcessingResult, true)
		data = append(data, procuros.MarkResult{ProcurosTransactionID: m.ProcurosTransactionID, Message: msgOK, ErrorURL: m.ErrorURL})
	}
	s.state.dropFinished(s.opts.MaxRecords)
	s.mu.Unlock()
	setOutcome(w, fmt.Sprintf("marked %d", len(data)))
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// reportError handles POST /v2/errors.
func (s *Server) reportError(w http.ResponseWriter, r *http.Request) {
	var report procuros.ErrorReport
	if !s.readJSON(w, r, pathErrors, &report) {
		return
	}
	e := ReportedError{
		ID: newUUID(), ErrorReason: report.ErrorReason, ErrorType: string(report.ErrorType),
		ErrorContext: report.ErrorContext, TransactionIdentifier: report.TransactionIdentifier,
		TransactionType: string(report.TransactionType), ReportedAt: s.now(),
	}
	e.ErrorURL = s.portalURL(r) + "/errors/" + e.ID
	s.mu.Lock()
	s.state.addError(e, s.opts.MaxRecords)
	s.mu.Unlock()
	setOutcome(w, "error reported ("+e.ErrorType+")")
	writeJSON(w, http.StatusCreated, map[string]string{"message": msgOK, "errorUrl": e.ErrorURL})
}

// rawJSON keeps a body as JSON for the records: itself when valid, else as
// a JSON string.
func rawJSON(body []byte) json.RawMessage {
	if json.Valid(body) {
		return json.RawMessage(body)
	}
	quoted, _ := json.Marshal(string(body))
	return quoted
}

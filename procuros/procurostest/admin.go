package procurostest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// AdminPrefix is where the admin endpoints live, beside /v2/ on the same
// listener. They need no token: the sandbox is meant for a local machine
// and its errorUrl links must open in a browser.
//
//	GET    /_admin/                          summary: counts of everything below
//	GET    /_admin/received                  every POST /v2/transactions with its answer and duplicate count
//	GET    /_admin/requests                  every API request with status and outcome
//	GET    /_admin/incoming                  unprocessed incoming transactions
//	POST   /_admin/incoming                  queue incoming transactions (see Server.AddIncomingJSON)
//	GET    /_admin/marks                     every mark-processed, single and bulk
//	GET    /_admin/errors                    every POST /v2/errors
//	GET    /_admin/errors/{id}               target of an errorUrl (422 or reported error)
//	GET    /_admin/transactions/{id}         a transaction, as GET /v2/all-transactions/{id} shows it
//	GET    /_admin/transactions/{id}/errors  target of a mark-processed errorUrl
//	GET    /_admin/faults                    queued faults
//	POST   /_admin/faults                    queue a Fault, or an array of them
//	DELETE /_admin/faults                    drop queued faults
//	POST   /_admin/reset                     forget everything
const AdminPrefix = "/_admin/"

func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Summary())
	})
	mux.HandleFunc("GET /_admin/received", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Received()))
	})
	mux.HandleFunc("GET /_admin/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Requests()))
	})
	mux.HandleFunc("GET /_admin/incoming", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Pending()))
	})
	mux.HandleFunc("POST /_admin/incoming", s.adminAddIncoming)
	mux.HandleFunc("GET /_admin/marks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Marks()))
	})
	mux.HandleFunc("GET /_admin/errors", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Errors()))
	})
	mux.HandleFunc("GET /_admin/errors/{id}", s.adminError)
	mux.HandleFunc("GET /_admin/transactions/{id}", s.adminTransaction)
	mux.HandleFunc("GET /_admin/transactions/{id}/errors", s.adminTransactionErrors)
	mux.HandleFunc("GET /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.Faults()))
	})
	mux.HandleFunc("POST /_admin/faults", s.adminInjectFaults)
	mux.HandleFunc("DELETE /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_admin/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc(AdminPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "No such admin endpoint; see GET /_admin/."})
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) adminAddIncoming(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		var ids []string
		if ids, err = s.AddIncomingJSON(data); err == nil {
			writeJSON(w, http.StatusCreated, map[string][]string{"ids": ids})
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
}

func (s *Server) adminInjectFaults(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var faults []Fault
	if err == nil {
		if data = bytes.TrimSpace(data); bytes.HasPrefix(data, []byte("[")) {
			err = json.Unmarshal(data, &faults)
		} else {
			faults = make([]Fault, 1)
			err = json.Unmarshal(data, &faults[0])
		}
	}
	for _, f := range faults {
		if err == nil {
			err = f.validate()
		}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	for _, f := range faults {
		_ = s.InjectFault(f) // validated above
	}
	writeJSON(w, http.StatusCreated, s.Faults())
}

func (s *Server) adminError(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e, ok := s.state.errorByID[r.PathValue("id")]
	if rec, isRec := e.(*Received); isRec {
		e = rec.clone() // to encode outside the lock
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "No such error."})
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) adminTransaction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.state.byID[r.PathValue("id")]
	var body any
	if t != nil {
		body = map[string]any{"data": t.asTransaction(), "incoming": t.incoming}
	}
	s.mu.Unlock()
	if t == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": msgNotFound})
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) adminTransactionErrors(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var marks []Mark
	for _, m := range s.Marks() {
		if m.ProcurosTransactionID == id && !m.Success {
			marks = append(marks, m)
		}
	}
	if marks == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "No errors for this transaction."})
		return
	}
	writeJSON(w, http.StatusOK, marks)
}

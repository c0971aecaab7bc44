package procurostest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// defaultPerPage is the spec's default for per_page.
const defaultPerPage = 100

// page is a list response. Its cursors name the last transaction served
// (keyset pagination), so marking transactions processed between pages
// shifts nothing; with Options.OffsetCursors they count the transactions
// served before instead, and marking shifts the list under them.
type page struct {
	Items       []any   `json:"items"`
	HasMore     bool    `json:"hasMore"`
	PerPage     int     `json:"perPage"`
	Count       int     `json:"count"`
	NextCursor  *string `json:"nextCursor"`
	NextPageURL *string `json:"nextPageUrl"`
}

// listQuery is what the list endpoints share: page size and position.
type listQuery struct {
	perPage int
	// pos is, by the kind of cursor, the sequence number after which to
	// serve, or how many matching transactions to pass over.
	pos int64
}

// parseList validates the query of the list operation at path and reads
// its page size and cursor; on failure it has answered.
func (s *Server) parseList(w http.ResponseWriter, r *http.Request, path string, extra spec.Errors) (listQuery, bool) {
	q := r.URL.Query()
	errs, err := s.validator.Query(http.MethodGet, path, q)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
		return listQuery{}, false
	}
	for k, msgs := range extra {
		for _, m := range msgs {
			errs.Add(k, m)
		}
	}
	lq := listQuery{perPage: defaultPerPage}
	if v := q.Get("per_page"); v != "" && len(errs["per_page"]) == 0 {
		lq.perPage, _ = strconv.Atoi(v)
	}
	if c := q.Get("cursor"); c != "" {
		pos, ok := decodeCursor(s.cursorPrefix(), c)
		if !ok {
			errs.Add("cursor", "The cursor is invalid.")
		}
		lq.pos = pos
	}
	if len(errs) > 0 {
		a := invalid(w, errs, "")
		writeJSON(w, a.status, a.body)
		return listQuery{}, false
	}
	return lq, true
}

// paginate serves one page of the transactions that match, in creation
// order; the caller holds s.mu.
func (s *Server) paginate(r *http.Request, lq listQuery, match func(*transaction) bool, item func(*transaction) any) page {
	p := page{Items: []any{}, PerPage: lq.perPage}
	var last, passed int64
	for _, t := range s.state.transactions {
		if !match(t) || !s.opts.OffsetCursors && t.seq <= lq.pos {
			continue
		}
		if s.opts.OffsetCursors && passed < lq.pos {
			passed++
			continue
		}
		if len(p.Items) == lq.perPage {
			p.HasMore = true
			break
		}
		p.Items = append(p.Items, item(t))
		last = t.seq
	}
	p.Count = len(p.Items)
	next := last // keyset: the last served
	if s.opts.OffsetCursors {
		next = lq.pos + int64(p.Count) // offset: how many served so far
	}
	if p.HasMore {
		cursor := encodeCursor(s.cursorPrefix(), next)
		q := r.URL.Query()
		q.Set("cursor", cursor)
		q.Set("per_page", strconv.Itoa(lq.perPage))
		next := serverURL(r) + r.URL.Path + "?" + q.Encode()
		p.NextCursor, p.NextPageURL = &cursor, &next
	}
	return p
}

// cursorPrefix tells the two kinds of cursor apart, so that one of the
// other kind is refused.
func (s *Server) cursorPrefix() string {
	if s.opts.OffsetCursors {
		return "offset:"
	}
	return "after:"
}

func encodeCursor(prefix string, pos int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(pos, 10)))
}

func decodeCursor(prefix, c string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(raw), prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseInt(n, 10, 64)
	return seq, err == nil && seq >= 0
}

// listIncoming handles GET /v2/transactions: unprocessed incoming
// transactions, as they were seeded.
func (s *Server) listIncoming(w http.ResponseWriter, r *http.Request) {
	lq, ok := s.parseList(w, r, pathIncoming, nil)
	if !ok {
		return
	}
	typ := r.URL.Query().Get("filter[type]")
	s.mu.Lock()
	p := s.paginate(r, lq,
		func(t *transaction) bool { return t.pending() && (typ == "" || t.typ == typ) },
		func(t *transaction) any { return t.object })
	s.mu.Unlock()
	setOutcome(w, "listed "+strconv.Itoa(p.Count))
	writeJSON(w, http.StatusOK, p)
}

// listAll handles GET /v2/all-transactions.
func (s *Server) listAll(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, errs := createdBetween(q)
	lq, ok := s.parseList(w, r, pathAll, errs)
	if !ok {
		return
	}
	typ, flow, status := q.Get("filter[type]"), q.Get("filter[flow]"), q.Get("filter[status]")
	match := func(t *transaction) bool {
		return (typ == "" || t.typ == typ) &&
			(flow == "" || string(t.flow) == flow) &&
			(status == "" || string(t.status) == status) &&
			(from.IsZero() || !t.createdAt.Before(from) && t.createdAt.Before(to))
	}
	s.mu.Lock()
	p := s.paginate(r, lq, match, func(t *transaction) any { return t.asTransaction() })
	s.mu.Unlock()
	setOutcome(w, "listed "+strconv.Itoa(p.Count))
	writeJSON(w, http.StatusOK, p)
}

// createdBetween reads filter[created_between]=YYYY-MM-DD,YYYY-MM-DD as the
// half-open interval from the first day's midnight to the midnight after
// the second day, in Europe/Berlin.
func createdBetween(q url.Values) (from, to time.Time, errs spec.Errors) {
	const key = "filter[created_between]"
	v := q.Get(key)
	if v == "" {
		return time.Time{}, time.Time{}, nil
	}
	first, second, ok := strings.Cut(v, ",")
	a, errA := procuros.ParseDate(first)
	b, errB := procuros.ParseDate(second)
	if !ok || errA != nil || errB != nil {
		return time.Time{}, time.Time{}, spec.Errors{key: {"The " + key + " must be two dates: YYYY-MM-DD,YYYY-MM-DD."}}
	}
	return a.DateTime().Time, b.DateTime().Time.AddDate(0, 0, 1), nil
}

// show handles GET /v2/all-transactions/{id}.
func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	setTransactionID(w, id)
	s.mu.Lock()
	t := s.state.byID[id]
	var tx procuros.Transaction
	if t != nil {
		tx = t.asTransaction()
	}
	s.mu.Unlock()
	if t == nil {
		setOutcome(w, "unknown transaction")
		writeJSON(w, http.StatusNotFound, map[string]string{"message": msgNotFound})
		return
	}
	setOutcome(w, "shown")
	writeJSON(w, http.StatusOK, map[string]any{"data": tx})
}

// asJSON marshals v, which cannot fail for the values used here.
func asJSON(v any) json.RawMessage {
	data, _ := json.Marshal(v)
	return data
}

package procurostest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/spec"
)

// AddIncoming queues an incoming transaction of type typ whose content is
// content marshalled to JSON, and returns its procurosTransactionId.
func (s *Server) AddIncoming(typ procuros.TransactionType, content any) (string, error) {
	raw, err := json.Marshal(content)
	if err != nil {
		return "", fmt.Errorf("procurostest: marshal incoming %s: %w", typ, err)
	}
	ids, err := s.addIncoming([]map[string]json.RawMessage{{"type": asJSON(typ), "content": raw}})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// AddIncomingJSON queues the incoming transactions in data and returns
// their ids. data is one transaction object (type, content, and optionally
// procurosTransactionId, flow and any other member, all served as given),
// an array of them, or a list response with such objects in `items` (the
// spec's example of GET /v2/transactions works as is). Content is not
// validated: the real API serves date-only DateTimes and other deviations
// (SPEC-NOTES item 1), and a sandbox must be able to reproduce them.
// Either all transactions are queued or none.
func (s *Server) AddIncomingJSON(data []byte) ([]string, error) {
	objects, err := incomingObjects(data)
	if err != nil {
		return nil, fmt.Errorf("procurostest: incoming transactions: %w", err)
	}
	return s.addIncoming(objects)
}

// LoadIncomingDir queues the transactions of every *.json file in dir (see
// AddIncomingJSON), in file name order.
func (s *Server) LoadIncomingDir(dir string) ([]string, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("procurostest: incoming folder: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("procurostest: %w", err)
	}
	slices.Sort(names)
	var ids []string
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return ids, fmt.Errorf("procurostest: %w", err)
		}
		added, err := s.AddIncomingJSON(data)
		if err != nil {
			return ids, fmt.Errorf("%s: %w", name, err)
		}
		ids = append(ids, added...)
	}
	return ids, nil
}

func incomingObjects(data []byte) ([]map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	var objects []map[string]json.RawMessage
	if bytes.HasPrefix(data, []byte("[")) {
		if err := json.Unmarshal(data, &objects); err != nil {
			return nil, err
		}
		return objects, nil
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(data, &object); err != nil {
		return nil, err
	}
	if items, ok := object["items"]; ok && object["type"] == nil {
		if err := json.Unmarshal(items, &objects); err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		return objects, nil
	}
	return []map[string]json.RawMessage{object}, nil
}

// addIncoming checks every object, then queues them all.
func (s *Server) addIncoming(objects []map[string]json.RawMessage) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	txs := make([]*transaction, 0, len(objects))
	seen := map[string]bool{}
	for i, obj := range objects {
		t, err := s.incomingTransaction(obj)
		if err == nil && (seen[t.id] || s.state.byID[t.id] != nil) {
			err = fmt.Errorf("procurosTransactionId %s is taken", t.id)
		}
		if err != nil {
			return nil, fmt.Errorf("procurostest: incoming transaction %d: %w", i+1, err)
		}
		seen[t.id] = true
		txs = append(txs, t)
	}
	ids := make([]string, len(txs))
	for i, t := range txs {
		s.state.add(t)
		ids[i] = t.id
	}
	return ids, nil
}

// incomingTransaction reads one seeded object; the caller holds s.mu.
func (s *Server) incomingTransaction(obj map[string]json.RawMessage) (*transaction, error) {
	var head struct {
		ID        string                   `json:"procurosTransactionId"`
		Type      string                   `json:"type"`
		Flow      procuros.TransactionFlow `json:"flow"`
		CreatedAt procuros.DateTime        `json:"createdAt"`
	}
	if err := json.Unmarshal(asJSON(obj), &head); err != nil {
		return nil, err
	}
	if _, known := spec.ContentSchema(head.Type); !known {
		return nil, fmt.Errorf("type %q is not a transaction type", head.Type)
	}
	content := bytes.TrimSpace(obj["content"])
	if !bytes.HasPrefix(content, []byte("{")) {
		return nil, errors.New("content must be an object")
	}
	t := &transaction{
		id: strings.TrimSpace(head.ID), typ: head.Type, status: procuros.StatusPending,
		flow: head.Flow, createdAt: head.CreatedAt.Time, incoming: true, content: content,
	}
	if t.id == "" {
		t.id = newUUID()
	}
	if t.flow == "" {
		t.flow = s.opts.Flow
	}
	if t.createdAt.IsZero() {
		t.createdAt = s.now()
	}
	t.object = make(map[string]json.RawMessage, len(obj)+1)
	for k, v := range obj {
		t.object[k] = v
	}
	t.object["procurosTransactionId"] = asJSON(t.id)
	return t, nil
}

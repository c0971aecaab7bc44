package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/edibridge/edibridge/transport"
)

// States of files and inbound messages.
const (
	FileReceived    = "received"    // stored and acknowledged; not parsed yet
	FileParsed      = "parsed"      // split into messages
	FileQuarantined = "quarantined" // (partly) unreadable: kept and reported

	MessageReady       = "ready"       // mapped; to be sent
	MessageRetrying    = "retrying"    // sending failed for now; NextAttempt says when again
	MessageSent        = "sent"        // Procuros created the transaction
	MessageNoAction    = "no_action"   // accepted, not forwarded (202)
	MessageDuplicate   = "duplicate"   // Procuros had it already
	MessageFailed      = "failed"      // rejected: a person must act, then retry
	MessageQuarantined = "quarantined" // cannot be mapped: kept and reported
)

// Store keeps a received file: the transport.Sink of every transport.
// It returns once the file is committed; a file whose partner and key the
// journal has already is a duplicate and is not stored again.
func (j *Journal) Store(ctx context.Context, f transport.File) (transport.Receipt, error) {
	r, err := j.storeFile(ctx, f, FileReceived, "")
	if err != nil {
		return transport.Receipt{}, fmt.Errorf("journal: store %s file %q from %s: %w", f.Transport, f.Name, f.Partner, err)
	}
	return r, nil
}

// Quarantine keeps a file a transport refused (an AS2 message that failed
// decryption or its signature, one from an unknown partner): it is stored
// quarantined with the problem, to be reported, never parsed. A file with
// the same partner and key is a duplicate, as for Store; refused files
// should therefore have keys of their own, so that a good file sent again
// under the refused one's key is not taken for it.
func (j *Journal) Quarantine(ctx context.Context, f transport.File, problem string) (transport.Receipt, error) {
	r, err := j.storeFile(ctx, f, FileQuarantined, problem)
	if err != nil {
		return transport.Receipt{}, fmt.Errorf("journal: quarantine %s file %q from %q: %w", f.Transport, f.Name, f.Partner, err)
	}
	return r, nil
}

func (j *Journal) storeFile(ctx context.Context, f transport.File, state, problem string) (transport.Receipt, error) {
	meta, err := json.Marshal(f.Meta)
	if err != nil {
		return transport.Receipt{}, err
	}
	sum := sha256.Sum256(f.Data)
	received := f.Received
	if received.IsZero() {
		received = j.now()
	}
	var receipt transport.Receipt
	err = j.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM files WHERE partner = ? AND key = ?`, f.Partner, f.Key).Scan(&id)
		if err == nil {
			receipt = transport.Receipt{ID: fileRef(id), Duplicate: true}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO files (partner, transport, name, key, received_at, size, sha256, data, meta, state, error, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Partner, f.Transport, f.Name, f.Key, stamp(received), len(f.Data), hex.EncodeToString(sum[:]), f.Data, string(meta), state, problem, stamp(j.now()))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		receipt = transport.Receipt{ID: fileRef(id)}
		detail := fmt.Sprintf("%s %s %q, %d bytes", f.Transport, f.Key, f.Name, len(f.Data))
		return j.event(ctx, tx, KindFile, id, state, firstNonEmpty(problem, detail))
	})
	return receipt, err
}

// fileRef is how a file is named to people and transports: "file-12".
func fileRef(id int64) string { return "file-" + strconv.FormatInt(id, 10) }

// A File is a received payload.
type File struct {
	ID        int64
	Partner   string
	Transport string
	Name      string
	Key       string
	Received  time.Time
	Size      int64
	SHA256    string
	Data      []byte // nil once retention removed it
	Meta      map[string]string
	State     string
	Error     string
	ErrorURL  string
	Reported  bool
}

const fileColumns = `id, partner, transport, name, key, received_at, size, sha256, data, meta, state, error, error_url, reported`

func scanFile(row interface{ Scan(...any) error }) (File, error) {
	var f File
	var received int64
	var meta string
	err := row.Scan(&f.ID, &f.Partner, &f.Transport, &f.Name, &f.Key, &received, &f.Size, &f.SHA256, &f.Data, &meta, &f.State, &f.Error, &f.ErrorURL, &f.Reported)
	if err != nil {
		return File{}, err
	}
	f.Received = fromStamp(received)
	if err := json.Unmarshal([]byte(meta), &f.Meta); err != nil {
		return File{}, fmt.Errorf("file %d meta: %w", f.ID, err)
	}
	return f, nil
}

// ReceivedFiles returns up to limit files not parsed yet, oldest first.
func (j *Journal) ReceivedFiles(ctx context.Context, limit int) ([]File, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+fileColumns+` FROM files WHERE state = ? ORDER BY id LIMIT ?`, FileReceived, limit)
	if err != nil {
		return nil, fmt.Errorf("journal: received files: %w", err)
	}
	defer rows.Close()
	var files []File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: received files: %w", err)
		}
		files = append(files, f)
	}
	return files, rows.Err()
}

// A ParsedMessage is one message of a file as the parser and mapping left
// it: ready to send (Payload), or quarantined (Problem).
type ParsedMessage struct {
	Position   int    // 1-based, in the file
	Ref        string // UNH message reference
	EDIType    string // ORDERS, ...
	TxType     string // ORDER, ...; empty when not mapped
	Identifier string // the document number, when known
	Payload    []byte // the POST body, kept so that every attempt is byte-identical
	Warnings   string
	Problem    string // why the message cannot be sent; quarantines it
}

// SaveParsed records what parsing a file gave, in one transaction: its
// messages, and the file parsed, or quarantined with problem when part or
// all of it could not be read (the messages before the fault still go).
func (j *Journal) SaveParsed(ctx context.Context, fileID int64, msgs []ParsedMessage, problem string) error {
	now := stamp(j.now())
	state := FileParsed
	if problem != "" {
		state = FileQuarantined
	}
	err := j.write(ctx, func(tx *sql.Tx) error {
		var partner, current string
		if err := tx.QueryRowContext(ctx, `SELECT partner, state FROM files WHERE id = ?`, fileID).Scan(&partner, &current); err != nil {
			return err
		}
		if current != FileReceived {
			return fmt.Errorf("file %d is %s, not %s", fileID, current, FileReceived)
		}
		for _, m := range msgs {
			if err := j.insertMessage(ctx, tx, fileID, partner, m, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE files SET state = ?, error = ?, reported = 0, updated_at = ? WHERE id = ?`, state, problem, now, fileID); err != nil {
			return err
		}
		return j.event(ctx, tx, KindFile, fileID, state, firstNonEmpty(problem, fmt.Sprintf("%d messages", len(msgs))))
	})
	if err != nil {
		return fmt.Errorf("journal: saving the messages of file %d: %w", fileID, err)
	}
	return nil
}

func (j *Journal) insertMessage(ctx context.Context, tx *sql.Tx, fileID int64, partner string, m ParsedMessage, now int64) error {
	state := MessageReady
	if m.Problem != "" {
		state = MessageQuarantined
	}
	// A file parsed again (Retry) replaces its quarantined messages and
	// leaves the others, which are sent or on their way, alone.
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO messages (file_id, partner, position, ref, edi_type, tx_type, identifier, state, payload, warnings, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (file_id, position) DO UPDATE SET ref = excluded.ref, edi_type = excluded.edi_type, tx_type = excluded.tx_type,
			identifier = excluded.identifier, state = excluded.state, payload = excluded.payload, warnings = excluded.warnings,
			error = excluded.error, reported = 0, updated_at = excluded.updated_at
		WHERE messages.state = 'quarantined'
		RETURNING id`,
		fileID, partner, m.Position, m.Ref, m.EDIType, m.TxType, m.Identifier, state, m.Payload, m.Warnings, m.Problem, now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return j.event(ctx, tx, KindMessage, id, state, firstNonEmpty(m.Problem, m.EDIType+" "+m.Ref))
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// A Message is one inbound message.
type Message struct {
	ID          int64
	FileID      int64
	Partner     string
	Position    int
	Ref         string
	EDIType     string
	TxType      string
	Identifier  string
	State       string
	Payload     []byte
	Warnings    string
	Error       string
	ErrorsJSON  string
	ErrorURL    string
	ProcurosID  string
	Attempts    int
	NextAttempt time.Time
	Reported    bool
	Created     time.Time
	Updated     time.Time
}

const messageColumns = `id, file_id, partner, position, ref, edi_type, tx_type, identifier, state, payload, warnings, error, errors_json, error_url, procuros_id, attempts, next_attempt_at, reported, created_at, updated_at`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var next, created, updated int64
	err := row.Scan(&m.ID, &m.FileID, &m.Partner, &m.Position, &m.Ref, &m.EDIType, &m.TxType, &m.Identifier, &m.State, &m.Payload,
		&m.Warnings, &m.Error, &m.ErrorsJSON, &m.ErrorURL, &m.ProcurosID, &m.Attempts, &next, &m.Reported, &created, &updated)
	m.NextAttempt, m.Created, m.Updated = fromStamp(next), fromStamp(created), fromStamp(updated)
	return m, err
}

// DueMessages returns up to limit messages to send now: ready ones, and
// retrying ones whose time has come; oldest first.
func (j *Journal) DueMessages(ctx context.Context, limit int) ([]Message, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE state = ? OR (state = ? AND next_attempt_at <= ?) ORDER BY next_attempt_at, id LIMIT ?`,
		MessageReady, MessageRetrying, stamp(j.now()), limit)
	if err != nil {
		return nil, fmt.Errorf("journal: due messages: %w", err)
	}
	defer rows.Close()
	var msgs []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: due messages: %w", err)
		}
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// NextRetry returns when the earliest retrying message is due; false when
// none is retrying.
func (j *Journal) NextRetry(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	err := j.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM messages WHERE state = ?`, MessageRetrying).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("journal: next retry: %w", err)
	}
	return fromStamp(next.Int64), next.Valid, nil
}

// A SendResult is what became of an attempt to send a message.
type SendResult struct {
	State       string // MessageSent, ..., MessageRetrying
	ProcurosID  string
	Error       string
	ErrorsJSON  string
	ErrorURL    string
	NextAttempt time.Time // for MessageRetrying
}

// SaveSendResult records an attempt and its outcome.
func (j *Journal) SaveSendResult(ctx context.Context, id int64, r SendResult) error {
	err := j.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET state = ?, procuros_id = ?, error = ?, errors_json = ?, error_url = ?,
			attempts = attempts + 1, next_attempt_at = ?, updated_at = ? WHERE id = ?`,
			r.State, r.ProcurosID, r.Error, r.ErrorsJSON, r.ErrorURL, stampOrZero(r.NextAttempt), stamp(j.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return j.event(ctx, tx, KindMessage, id, r.State, firstNonEmpty(r.ProcurosID, r.Error))
	})
	if err != nil {
		return fmt.Errorf("journal: saving the result of message %d: %w", id, err)
	}
	return nil
}

func stampOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return stamp(t)
}

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Ref names an entry for people: "file-3", "msg-12", "out-7".
type Ref struct {
	Kind Kind
	ID   int64
}

var refPrefixes = map[Kind]string{KindFile: "file-", KindMessage: "msg-", KindOutbound: "out-"}

func (r Ref) String() string { return refPrefixes[r.Kind] + strconv.FormatInt(r.ID, 10) }

// ParseRef reads "file-3", "msg-12" or "out-7".
func ParseRef(s string) (Ref, error) {
	for kind, prefix := range refPrefixes {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err == nil && id > 0 {
				return Ref{Kind: kind, ID: id}, nil
			}
		}
	}
	return Ref{}, fmt.Errorf("journal: %q is not a reference like file-3, msg-12 or out-7", s)
}

// An Entry is one line of a listing.
type Entry struct {
	Ref        Ref
	Partner    string
	Direction  string // "in" or "out"
	Type       string // EDIFACT type in, transaction type out
	State      string
	Identifier string // document number
	Note       string // the error or reason, or the file name
	Updated    time.Time
}

// A Filter selects entries; zero fields select everything.
type Filter struct {
	Direction string // "in", "out" or ""
	Partner   string
	State     string
	Limit     int // 0 means 100
}

// List returns the newest entries that match f: inbound messages, files
// that gave no message (not parsed yet, or unreadable), and outbound
// transactions; newest first.
func (j *Journal) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var entries []Entry
	if f.Direction != "out" {
		in, err := j.listInbound(ctx, f)
		if err != nil {
			return nil, err
		}
		entries = append(entries, in...)
	}
	if f.Direction != "in" {
		out, err := j.listOutbound(ctx, f)
		if err != nil {
			return nil, err
		}
		entries = append(entries, out...)
	}
	sortNewestFirst(entries)
	if len(entries) > f.Limit {
		entries = entries[:f.Limit]
	}
	return entries, nil
}

func sortNewestFirst(entries []Entry) {
	slices.SortStableFunc(entries, func(a, b Entry) int { return b.Updated.Compare(a.Updated) })
}

// where builds the conditions of a filter on a table's partner and state
// columns.
func where(f Filter, partnerCol, stateCol string) (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	if f.Partner != "" {
		conds, args = append(conds, partnerCol+" = ?"), append(args, f.Partner)
	}
	if f.State != "" {
		conds, args = append(conds, stateCol+" = ?"), append(args, f.State)
	}
	return strings.Join(conds, " AND "), args
}

func (j *Journal) listInbound(ctx context.Context, f Filter) ([]Entry, error) {
	cond, args := where(f, "m.partner", "m.state")
	rows, err := j.db.QueryContext(ctx, `SELECT m.id, m.partner, m.edi_type, m.state, m.identifier, CASE WHEN m.error <> '' THEN m.error ELSE f.name END, m.updated_at
		FROM messages m JOIN files f ON f.id = m.file_id WHERE `+cond+` ORDER BY m.updated_at DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("journal: list: %w", err)
	}
	entries, err := scanEntries(rows, KindMessage, "in")
	if err != nil {
		return nil, err
	}
	cond, args = where(f, "partner", "state")
	rows, err = j.db.QueryContext(ctx, `SELECT id, partner, '', state, '', CASE WHEN error <> '' THEN error ELSE name END, updated_at FROM files
		WHERE `+cond+` AND (state = ? OR NOT EXISTS (SELECT 1 FROM messages WHERE file_id = files.id)) ORDER BY updated_at DESC LIMIT ?`,
		append(args, FileReceived, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("journal: list: %w", err)
	}
	files, err := scanEntries(rows, KindFile, "in")
	return append(entries, files...), err
}

func (j *Journal) listOutbound(ctx context.Context, f Filter) ([]Entry, error) {
	cond, args := where(f, "partner", "state")
	rows, err := j.db.QueryContext(ctx, `SELECT id, partner, tx_type, state, identifier,
		CASE WHEN error <> '' THEN error WHEN reason <> '' THEN reason ELSE file_name END, updated_at
		FROM outbound WHERE `+cond+` ORDER BY updated_at DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("journal: list: %w", err)
	}
	return scanEntries(rows, KindOutbound, "out")
}

func scanEntries(rows *sql.Rows, kind Kind, direction string) ([]Entry, error) {
	defer rows.Close()
	var entries []Entry
	for rows.Next() {
		e := Entry{Ref: Ref{Kind: kind}, Direction: direction}
		var updated int64
		if err := rows.Scan(&e.Ref.ID, &e.Partner, &e.Type, &e.State, &e.Identifier, &e.Note, &updated); err != nil {
			return nil, fmt.Errorf("journal: list: %w", err)
		}
		e.Updated = fromStamp(updated)
		entries = append(entries, e)
	}
	return entries, rows.Err()
}

// An Event is one recorded change of an entry.
type Event struct {
	At     time.Time
	State  string
	Detail string
}

// Detail is everything the journal has on one entry.
type Detail struct {
	Ref      Ref
	File     *File     // the file, or the file of a message
	Message  *Message  // for a message
	Messages []Message // for a file: its messages
	Outbound *Outbound // for an outbound transaction
	Events   []Event
}

// Show returns an entry with its file, messages and history.
func (j *Journal) Show(ctx context.Context, ref Ref) (*Detail, error) {
	d := &Detail{Ref: ref}
	var err error
	switch ref.Kind {
	case KindFile:
		err = j.showFile(ctx, d, ref.ID)
	case KindMessage:
		err = j.showMessage(ctx, d, ref.ID)
	case KindOutbound:
		var o Outbound
		o, err = scanOutbound(j.db.QueryRowContext(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE id = ?`, ref.ID))
		d.Outbound = &o
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("journal: show %s: %w", ref, err)
	}
	d.Events, err = j.events(ctx, ref)
	return d, err
}

func (j *Journal) showFile(ctx context.Context, d *Detail, id int64) error {
	f, err := scanFile(j.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = ?`, id))
	if err != nil {
		return err
	}
	d.File = &f
	rows, err := j.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE file_id = ? ORDER BY position`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		d.Messages = append(d.Messages, m)
	}
	return rows.Err()
}

func (j *Journal) showMessage(ctx context.Context, d *Detail, id int64) error {
	m, err := scanMessage(j.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return err
	}
	d.Message = &m
	f, err := scanFile(j.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = ?`, m.FileID))
	d.File = &f
	return err
}

func (j *Journal) events(ctx context.Context, ref Ref) ([]Event, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT at, state, detail FROM events WHERE kind = ? AND ref = ? ORDER BY id`, string(ref.Kind), ref.ID)
	if err != nil {
		return nil, fmt.Errorf("journal: history of %s: %w", ref, err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.State, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromStamp(at)
		events = append(events, e)
	}
	return events, rows.Err()
}

// ErrNotRetryable is returned by Retry for an entry in a state that a
// retry would not change, or that is done.
var ErrNotRetryable = errors.New("journal: nothing to retry")

// Retry puts an entry back to work: a failed or retrying message is sent
// again at once; a quarantined file (or message) is parsed again, so that
// a fixed mapping or configuration takes effect (messages already sent
// are not sent again); an outbound transaction that was rejected or whose
// delivery failed is routed, rendered and delivered again.
func (j *Journal) Retry(ctx context.Context, ref Ref) error {
	var q string
	var args []any
	switch ref.Kind {
	case KindMessage:
		if state, err := j.messageState(ctx, ref.ID); err == nil && state == MessageQuarantined {
			return j.reparseFileOf(ctx, ref)
		}
		q, args = `UPDATE messages SET state = ?, next_attempt_at = 0, updated_at = ? WHERE id = ? AND state IN (?, ?)`,
			[]any{MessageReady, stamp(j.now()), ref.ID, MessageFailed, MessageRetrying}
	case KindFile:
		q, args = `UPDATE files SET state = ?, updated_at = ? WHERE id = ? AND (state = ? OR EXISTS
			(SELECT 1 FROM messages WHERE file_id = files.id AND state = ?))`,
			[]any{FileReceived, stamp(j.now()), ref.ID, FileQuarantined, MessageQuarantined}
	case KindOutbound:
		q, args = `UPDATE outbound SET state = ?, next_attempt_at = 0, attempts = 0, error = '', reason = '', success = 0, updated_at = ?
			WHERE id = ? AND (state IN (?, ?) OR (state = ? AND NOT success))`,
			[]any{OutFetched, stamp(j.now()), ref.ID, OutRejected, OutRendered, OutMarked}
	}
	return j.retry(ctx, ref, q, args)
}

func (j *Journal) retry(ctx context.Context, ref Ref, q string, args []any) error {
	return j.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("journal: retry %s: %w", ref, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNotRetryable, ref)
		}
		return j.event(ctx, tx, ref.Kind, ref.ID, "retry", "requeued by hand")
	})
}

func (j *Journal) messageState(ctx context.Context, id int64) (string, error) {
	var state string
	err := j.db.QueryRowContext(ctx, `SELECT state FROM messages WHERE id = ?`, id).Scan(&state)
	return state, err
}

func (j *Journal) reparseFileOf(ctx context.Context, ref Ref) error {
	var fileID int64
	if err := j.db.QueryRowContext(ctx, `SELECT file_id FROM messages WHERE id = ?`, ref.ID).Scan(&fileID); err != nil {
		return fmt.Errorf("journal: retry %s: %w", ref, err)
	}
	return j.Retry(ctx, Ref{Kind: KindFile, ID: fileID})
}

// Depth counts the work waiting, by kind and state, for the metrics.
func (j *Journal) Depth(ctx context.Context) (map[string]int, error) {
	depth := map[string]int{}
	for _, q := range []struct{ kind, sql string }{
		{"file", `SELECT state, COUNT(*) FROM files WHERE state = 'received' GROUP BY state`},
		{"message", `SELECT state, COUNT(*) FROM messages WHERE state IN ('ready', 'retrying', 'failed', 'quarantined') GROUP BY state`},
		{"outbound", `SELECT state, COUNT(*) FROM outbound WHERE state <> 'marked' GROUP BY state`},
	} {
		rows, err := j.db.QueryContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("journal: depth: %w", err)
		}
		for rows.Next() {
			var state string
			var n int
			if err := rows.Scan(&state, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("journal: depth: %w", err)
			}
			depth[q.kind+"/"+state] = n
		}
		rows.Close()
	}
	return depth, nil
}

// Prune drops the payload bytes of work finished before the given time:
// files whose messages all reached Procuros, and outbound transactions
// delivered and marked. What failed or is quarantined keeps its bytes
// until a person has dealt with it. Rows and history stay. It returns how
// many payloads it dropped.
func (j *Journal) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := j.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`UPDATE files SET data = NULL WHERE data IS NOT NULL AND state = 'parsed' AND updated_at < ?1
				AND NOT EXISTS (SELECT 1 FROM messages WHERE file_id = files.id AND state NOT IN ('sent', 'no_action', 'duplicate'))`,
			`UPDATE messages SET payload = NULL WHERE payload IS NOT NULL AND state IN ('sent', 'no_action', 'duplicate') AND updated_at < ?1`,
			`UPDATE outbound SET content = NULL, edi = NULL WHERE content IS NOT NULL AND state = 'marked' AND success AND updated_at < ?1`,
			`DELETE FROM as2_mdns WHERE saved_at < ?1`,
		} {
			res, err := tx.ExecContext(ctx, q, stamp(before))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("journal: prune: %w", err)
	}
	return total, nil
}

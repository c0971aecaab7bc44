package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// States of outbound transactions.
const (
	OutFetched     = "fetched"      // listed by Procuros; not rendered yet
	OutRendered    = "rendered"     // EDIFACT written, control number assigned; to deliver
	OutAwaitingMDN = "awaiting_mdn" // sent by AS2; the asynchronous MDN will say
	OutDelivered   = "delivered"    // the partner has it; to mark processed
	OutRejected    = "rejected"     // cannot be delivered; to mark processed with success false
	OutMarked      = "marked"       // Procuros knows; done
)

// An Outbound transaction, fetched from Procuros to deliver to a partner.
type Outbound struct {
	ID           int64
	ProcurosID   string
	TxType       string
	Content      []byte // the transaction as fetched (JSON); nil once retention removed it
	State        string
	Partner      string
	Identifier   string // document number
	EDI          []byte // the rendered interchange
	FileName     string
	ControlRef   string
	Transport    string
	TransportRef string // the AS2 Message-ID, the remote path, ...
	Success      bool   // what to mark: delivered, or not
	Reason       string // why not, for the mark
	Error        string // the last delivery error
	Attempts     int
	NextAttempt  time.Time
	Fetched      time.Time
	Updated      time.Time
}

const outboundColumns = `id, procuros_id, tx_type, content, state, partner, identifier, edi, file_name, control_ref, transport, transport_ref,
	success, reason, error, attempts, next_attempt_at, fetched_at, updated_at`

func scanOutbound(row interface{ Scan(...any) error }) (Outbound, error) {
	var o Outbound
	var next, fetched, updated int64
	err := row.Scan(&o.ID, &o.ProcurosID, &o.TxType, &o.Content, &o.State, &o.Partner, &o.Identifier, &o.EDI, &o.FileName, &o.ControlRef,
		&o.Transport, &o.TransportRef, &o.Success, &o.Reason, &o.Error, &o.Attempts, &next, &fetched, &updated)
	o.NextAttempt, o.Fetched, o.Updated = fromStamp(next), fromStamp(fetched), fromStamp(updated)
	return o, err
}

// AddOutbound records a transaction Procuros listed, unless the journal
// has it already; it returns the journal's row and whether it is new.
func (j *Journal) AddOutbound(ctx context.Context, procurosID, txType string, content []byte) (Outbound, bool, error) {
	var o Outbound
	added := false
	err := j.write(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOutbound(tx.QueryRowContext(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE procuros_id = ?`, procurosID))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := stamp(j.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO outbound (procuros_id, tx_type, content, state, fetched_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			procurosID, txType, content, OutFetched, now, now)
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		added = true
		o = Outbound{ID: id, ProcurosID: procurosID, TxType: txType, Content: content, State: OutFetched, Fetched: fromStamp(now), Updated: fromStamp(now)}
		return j.event(ctx, tx, KindOutbound, id, OutFetched, txType+" "+procurosID)
	})
	if err != nil {
		return Outbound{}, false, fmt.Errorf("journal: adding transaction %s: %w", procurosID, err)
	}
	return o, added, nil
}

// DueOutbound returns up to limit transactions in state whose next attempt
// is due, oldest first.
func (j *Journal) DueOutbound(ctx context.Context, state string, limit int) ([]Outbound, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		state, stamp(j.now()), limit)
	if err != nil {
		return nil, fmt.Errorf("journal: %s transactions: %w", state, err)
	}
	defer rows.Close()
	var out []Outbound
	for rows.Next() {
		o, err := scanOutbound(rows)
		if err != nil {
			return nil, fmt.Errorf("journal: %s transactions: %w", state, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NextOutboundAttempt returns when the earliest postponed transaction in
// state is due; false when none is postponed.
func (j *Journal) NextOutboundAttempt(ctx context.Context, state string) (time.Time, bool, error) {
	var next sql.NullInt64
	err := j.db.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM outbound WHERE state = ? AND next_attempt_at > 0`, state).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("journal: next %s attempt: %w", state, err)
	}
	return fromStamp(next.Int64), next.Valid, nil
}

// Rendered is a transaction written as EDIFACT for its partner.
type Rendered struct {
	EDI          []byte
	FileName     string
	Identifier   string
	Transport    string
	TransportRef string
}

// Render assigns the partner's next interchange control number and stores
// what render writes with it, in one transaction: a render that fails
// consumes no number, and a number is never given twice.
func (j *Journal) Render(ctx context.Context, id int64, partner string, render func(controlRef int64) (Rendered, error)) error {
	return j.write(ctx, func(tx *sql.Tx) error {
		n, err := nextCounter(ctx, tx, partner, "interchange")
		if err != nil {
			return fmt.Errorf("journal: control number for %s: %w", partner, err)
		}
		r, err := render(n)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbound SET state = ?, partner = ?, identifier = ?, edi = ?, file_name = ?, control_ref = ?, transport = ?,
			transport_ref = ?, next_attempt_at = 0, error = '', updated_at = ? WHERE id = ?`,
			OutRendered, partner, r.Identifier, r.EDI, r.FileName, fmt.Sprint(n), r.Transport, r.TransportRef, stamp(j.now()), id)
		if err != nil {
			return fmt.Errorf("journal: saving transaction %d: %w", id, err)
		}
		return j.event(ctx, tx, KindOutbound, id, OutRendered, fmt.Sprintf("%s for %s, control number %d", r.FileName, partner, n))
	})
}

// nextCounter increments and returns a named counter of a partner; the
// first value is 1.
func nextCounter(ctx context.Context, tx *sql.Tx, partner, name string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (partner, name, value) VALUES (?, ?, 1)
		ON CONFLICT (partner, name) DO UPDATE SET value = value + 1 RETURNING value`, partner, name).Scan(&n)
	return n, err
}

// An OutboundUpdate changes an outbound transaction's state.
type OutboundUpdate struct {
	State        string
	Partner      string // when known; "" keeps it
	Success      bool   // for OutDelivered and OutRejected: what to mark
	Reason       string // why not delivered
	Error        string // the attempt's error
	NextAttempt  time.Time
	Attempted    bool   // counts a delivery attempt
	TransportRef string // "" keeps it
}

// SaveOutbound records a change of an outbound transaction.
func (j *Journal) SaveOutbound(ctx context.Context, id int64, u OutboundUpdate) error {
	attempts := 0
	if u.Attempted {
		attempts = 1
	}
	err := j.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbound SET state = ?, partner = CASE WHEN ? = '' THEN partner ELSE ? END, success = ?, reason = ?, error = ?,
			next_attempt_at = ?, attempts = attempts + ?, transport_ref = CASE WHEN ? = '' THEN transport_ref ELSE ? END, updated_at = ? WHERE id = ?`,
			u.State, u.Partner, u.Partner, u.Success, u.Reason, u.Error, stampOrZero(u.NextAttempt), attempts, u.TransportRef, u.TransportRef, stamp(j.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return j.event(ctx, tx, KindOutbound, id, u.State, firstNonEmpty(u.Error, u.Reason))
	})
	if err != nil {
		return fmt.Errorf("journal: saving transaction %d: %w", id, err)
	}
	return nil
}

// OutboundByTransportRef finds the transaction a partner's asynchronous
// receipt answers.
func (j *Journal) OutboundByTransportRef(ctx context.Context, partner, ref string) (Outbound, error) {
	o, err := scanOutbound(j.db.QueryRowContext(ctx, `SELECT `+outboundColumns+` FROM outbound WHERE partner = ? AND transport_ref = ?`, partner, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return Outbound{}, ErrNotFound
	}
	if err != nil {
		return Outbound{}, fmt.Errorf("journal: transaction sent as %s: %w", ref, err)
	}
	return o, nil
}

// SaveMarked records that Procuros has the marks of these transactions.
func (j *Journal) SaveMarked(ctx context.Context, ids []int64) error {
	err := j.write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE outbound SET state = ?, updated_at = ? WHERE id = ?`, OutMarked, stamp(j.now()), id); err != nil {
				return err
			}
			if err := j.event(ctx, tx, KindOutbound, id, OutMarked, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: saving marks: %w", err)
	}
	return nil
}

// Remark sends a marked transaction back to be marked again: Procuros
// still lists it, so the mark did not land.
func (j *Journal) Remark(ctx context.Context, id int64) error {
	err := j.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbound SET state = CASE WHEN success THEN ? ELSE ? END, updated_at = ? WHERE id = ? AND state = ?`,
			OutDelivered, OutRejected, stamp(j.now()), id, OutMarked)
		if err != nil {
			return err
		}
		return j.event(ctx, tx, KindOutbound, id, "remark", "still listed as unprocessed")
	})
	if err != nil {
		return fmt.Errorf("journal: re-marking transaction %d: %w", id, err)
	}
	return nil
}

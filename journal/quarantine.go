package journal

import (
	"context"
	"database/sql"
	"fmt"
)

// A Quarantined entry is a file or a message that could not be processed
// and must be reported to Procuros once.
type Quarantined struct {
	Kind       Kind // KindFile or KindMessage
	ID         int64
	Partner    string
	FileName   string
	FileID     int64
	Position   int    // of a message in its file
	Ref        string // UNH reference of a message
	EDIType    string
	TxType     string
	Identifier string
	Problem    string
}

// Unreported returns up to limit quarantined files and messages not
// reported yet.
func (j *Journal) Unreported(ctx context.Context, limit int) ([]Quarantined, error) {
	var out []Quarantined
	rows, err := j.db.QueryContext(ctx, `SELECT id, partner, name, error FROM files WHERE state = ? AND reported = 0 ORDER BY id LIMIT ?`, FileQuarantined, limit)
	if err != nil {
		return nil, fmt.Errorf("journal: unreported files: %w", err)
	}
	for rows.Next() {
		q := Quarantined{Kind: KindFile}
		if err := rows.Scan(&q.ID, &q.Partner, &q.FileName, &q.Problem); err != nil {
			rows.Close()
			return nil, fmt.Errorf("journal: unreported files: %w", err)
		}
		q.FileID = q.ID
		out = append(out, q)
	}
	rows.Close()
	rows, err = j.db.QueryContext(ctx, `SELECT m.id, m.partner, f.name, m.file_id, m.position, m.ref, m.edi_type, m.tx_type, m.identifier, m.error
		FROM messages m JOIN files f ON f.id = m.file_id WHERE m.state = ? AND m.reported = 0 ORDER BY m.id LIMIT ?`, MessageQuarantined, limit)
	if err != nil {
		return nil, fmt.Errorf("journal: unreported messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		q := Quarantined{Kind: KindMessage}
		if err := rows.Scan(&q.ID, &q.Partner, &q.FileName, &q.FileID, &q.Position, &q.Ref, &q.EDIType, &q.TxType, &q.Identifier, &q.Problem); err != nil {
			return nil, fmt.Errorf("journal: unreported messages: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// SaveReported records that a quarantined entry was reported, with the
// link Procuros gave.
func (j *Journal) SaveReported(ctx context.Context, kind Kind, id int64, errorURL string) error {
	table := map[Kind]string{KindFile: "files", KindMessage: "messages"}[kind]
	if table == "" {
		return fmt.Errorf("journal: %s entries are not reported", kind)
	}
	err := j.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET reported = 1, error_url = ?, updated_at = ? WHERE id = ?`, errorURL, stamp(j.now()), id); err != nil {
			return err
		}
		return j.event(ctx, tx, kind, id, "reported", errorURL)
	})
	if err != nil {
		return fmt.Errorf("journal: saving the report of %s %d: %w", kind, id, err)
	}
	return nil
}

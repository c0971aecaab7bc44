// Package journal is the bridge's durable memory: an embedded SQLite
// database (modernc.org/sqlite, pure Go) holding every payload received,
// every message and transaction, and every change of their state.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: a transaction is on
// stable storage when Commit returns, which is what lets Store (the
// transport.Sink) return before a partner is answered. One connection
// writes (SQLite allows one writer; a single connection also keeps the
// order of commits the order of calls); transactions begin IMMEDIATE, so
// that a reader never has to upgrade to a writer and fail with
// SQLITE_BUSY.
//
// # Lifecycle
//
// Inbound, a file is received (stored, acknowledged), then parsed into
// messages, or quarantined when it cannot be; each message is ready, then
// sent, no_action or duplicate (done), failed (rejected by Procuros; a
// person must act), retrying (with the time of its next attempt) or
// quarantined (unmappable). Outbound, a transaction is fetched, rendered
// (EDIFACT written, control numbers assigned), awaiting_mdn (AS2,
// asynchronous receipt), delivered or rejected (it cannot be delivered),
// and marked once Procuros knows. Every change is an event; a crash at any
// point resumes from the last committed state.
package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// A Journal is the SQLite journal. It is safe for concurrent use.
type Journal struct {
	db  *sql.DB
	now func() time.Time
}

// Options configure Open.
type Options struct {
	// Now returns the time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Open opens or creates the journal at path and brings its schema up to
// date.
func Open(ctx context.Context, path string, opts Options) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; see the package comment
	j := &Journal{db: db, now: opts.Now}
	if j.now == nil {
		j.now = time.Now
	}
	if err := j.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: %s: %w", path, err)
	}
	return j, nil
}

// Close closes the database.
func (j *Journal) Close() error { return j.db.Close() }

// migrations bring the schema from version i to i+1.
var migrations = []string{schemaV1}

func (j *Journal) migrate(ctx context.Context) error {
	var version int
	if err := j.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this edibridge (%d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		err := j.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrating the schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

// write runs fn in one write transaction and commits it.
func (j *Journal) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stamp is how times are kept: Unix milliseconds.
func stamp(t time.Time) int64 { return t.UnixMilli() }

func fromStamp(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// event records a state change of a file, message or outbound
// transaction.
func (j *Journal) event(ctx context.Context, tx *sql.Tx, kind Kind, ref int64, state, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (at, kind, ref, state, detail) VALUES (?, ?, ?, ?, ?)`,
		stamp(j.now()), string(kind), ref, state, detail)
	return err
}

// Kind names what an id belongs to.
type Kind string

// The kinds of entries.
const (
	KindFile     Kind = "file"     // a received payload
	KindMessage  Kind = "message"  // one inbound message of a file
	KindOutbound Kind = "outbound" // one outbound transaction
)

// ErrNotFound is returned for an id the journal does not have.
var ErrNotFound = errors.New("journal: not found")

const schemaV1 = `
CREATE TABLE files (
	id          INTEGER PRIMARY KEY,
	partner     TEXT    NOT NULL,
	transport   TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	received_at INTEGER NOT NULL,
	size        INTEGER NOT NULL,
	sha256      TEXT    NOT NULL,
	data        BLOB,
	meta        TEXT    NOT NULL,
	state       TEXT    NOT NULL,
	error       TEXT    NOT NULL DEFAULT '',
	reported    INTEGER NOT NULL DEFAULT 0,
	error_url   TEXT    NOT NULL DEFAULT '',
	updated_at  INTEGER NOT NULL,
	UNIQUE (partner, key)
);
CREATE INDEX files_state ON files (state, id);

CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	file_id         INTEGER NOT NULL REFERENCES files (id),
	partner         TEXT    NOT NULL,
	position        INTEGER NOT NULL,
	ref             TEXT    NOT NULL,
	edi_type        TEXT    NOT NULL,
	tx_type         TEXT    NOT NULL,
	identifier      TEXT    NOT NULL,
	state           TEXT    NOT NULL,
	payload         BLOB,
	warnings        TEXT    NOT NULL DEFAULT '',
	error           TEXT    NOT NULL DEFAULT '',
	errors_json     TEXT    NOT NULL DEFAULT '',
	error_url       TEXT    NOT NULL DEFAULT '',
	procuros_id     TEXT    NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	reported        INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (file_id, position)
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);

CREATE TABLE outbound (
	id              INTEGER PRIMARY KEY,
	procuros_id     TEXT    NOT NULL UNIQUE,
	tx_type         TEXT    NOT NULL,
	content         BLOB,
	state           TEXT    NOT NULL,
	partner         TEXT    NOT NULL DEFAULT '',
	identifier      TEXT    NOT NULL DEFAULT '',
	edi             BLOB,
	file_name       TEXT    NOT NULL DEFAULT '',
	control_ref     TEXT    NOT NULL DEFAULT '',
	transport       TEXT    NOT NULL DEFAULT '',
	transport_ref   TEXT    NOT NULL DEFAULT '',
	success         INTEGER NOT NULL DEFAULT 0,
	reason          TEXT    NOT NULL DEFAULT '',
	error           TEXT    NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	fetched_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX outbound_state ON outbound (state, next_attempt_at);
CREATE INDEX outbound_transport_ref ON outbound (partner, transport_ref);

CREATE TABLE counters (
	partner TEXT    NOT NULL,
	name    TEXT    NOT NULL,
	value   INTEGER NOT NULL,
	PRIMARY KEY (partner, name)
);

CREATE TABLE as2_mdns (
	partner    TEXT    NOT NULL,
	message_id TEXT    NOT NULL,
	header     TEXT    NOT NULL,
	body       BLOB    NOT NULL,
	saved_at   INTEGER NOT NULL,
	PRIMARY KEY (partner, message_id)
);

CREATE TABLE as2_awaiting (
	partner    TEXT    NOT NULL,
	message_id TEXT    NOT NULL,
	mics       TEXT    NOT NULL,
	signed     INTEGER NOT NULL,
	sent_at    INTEGER NOT NULL,
	PRIMARY KEY (partner, message_id)
);

CREATE TABLE events (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	kind   TEXT    NOT NULL,
	ref    INTEGER NOT NULL,
	state  TEXT    NOT NULL,
	detail TEXT    NOT NULL
);
CREATE INDEX events_ref ON events (kind, ref);
`

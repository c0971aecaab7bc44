package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/edibridge/edibridge/transport/as2"
)

// AS2 returns the journal as the State of the AS2 Receiver and Sender:
// the MDNs sent and the messages awaiting an asynchronous MDN survive a
// restart.
func (j *Journal) AS2() as2.State { return as2State{j} }

type as2State struct{ j *Journal }

// LoadMDN implements as2.State.
func (s as2State) LoadMDN(ctx context.Context, partner, messageID string) (*as2.StoredMDN, error) {
	var header string
	var body []byte
	err := s.j.db.QueryRowContext(ctx, `SELECT header, body FROM as2_mdns WHERE partner = ? AND message_id = ?`, partner, messageID).Scan(&header, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: MDN of %s: %w", messageID, err)
	}
	m := &as2.StoredMDN{Body: body}
	if err := json.Unmarshal([]byte(header), &m.Header); err != nil {
		return nil, fmt.Errorf("journal: MDN of %s: %w", messageID, err)
	}
	return m, nil
}

// SaveMDN implements as2.State.
func (s as2State) SaveMDN(ctx context.Context, partner, messageID string, m as2.StoredMDN) error {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return fmt.Errorf("journal: MDN of %s: %w", messageID, err)
	}
	err = s.j.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO as2_mdns (partner, message_id, header, body, saved_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (partner, message_id) DO UPDATE SET header = excluded.header, body = excluded.body, saved_at = excluded.saved_at`,
			partner, messageID, string(header), m.Body, stamp(s.j.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("journal: saving the MDN of %s: %w", messageID, err)
	}
	return nil
}

// storedMIC is how a MIC is kept: the digest and the algorithm's name.
type storedMIC struct {
	Digest    string `json:"digest"`
	Algorithm string `json:"algorithm"`
}

// SaveAwaiting implements as2.State.
func (s as2State) SaveAwaiting(ctx context.Context, a as2.Awaiting) error {
	mics := make([]storedMIC, len(a.MICs))
	for i, m := range a.MICs {
		mics[i] = storedMIC{Digest: m.Digest, Algorithm: as2.DigestName(m.Algorithm)}
	}
	data, err := json.Marshal(mics)
	if err != nil {
		return fmt.Errorf("journal: awaiting %s: %w", a.MessageID, err)
	}
	err = s.j.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO as2_awaiting (partner, message_id, mics, signed, sent_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (partner, message_id) DO UPDATE SET mics = excluded.mics, signed = excluded.signed, sent_at = excluded.sent_at`,
			a.Partner, a.MessageID, string(data), a.SignedMDN, stamp(a.Sent))
		return err
	})
	if err != nil {
		return fmt.Errorf("journal: saving %s as awaiting its MDN: %w", a.MessageID, err)
	}
	return nil
}

// TakeAwaiting implements as2.State.
func (s as2State) TakeAwaiting(ctx context.Context, partner, messageID string) (*as2.Awaiting, error) {
	var a *as2.Awaiting
	err := s.j.write(ctx, func(tx *sql.Tx) error {
		var mics string
		var signed bool
		var sent int64
		err := tx.QueryRowContext(ctx, `DELETE FROM as2_awaiting WHERE partner = ? AND message_id = ? RETURNING mics, signed, sent_at`,
			partner, messageID).Scan(&mics, &signed, &sent)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		a = &as2.Awaiting{Partner: partner, MessageID: messageID, SignedMDN: signed, Sent: fromStamp(sent)}
		a.MICs, err = parseMICs(mics)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: taking %s: %w", messageID, err)
	}
	return a, nil
}

func parseMICs(data string) ([]as2.MIC, error) {
	var stored []storedMIC
	if err := json.Unmarshal([]byte(data), &stored); err != nil {
		return nil, err
	}
	mics := make([]as2.MIC, 0, len(stored))
	for _, m := range stored {
		h, err := as2.ParseDigest(m.Algorithm)
		if err != nil {
			return nil, err
		}
		mics = append(mics, as2.MIC{Digest: m.Digest, Algorithm: h})
	}
	return mics, nil
}

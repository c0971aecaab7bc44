package journal

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/as2"
)

// clock is a settable time for the journal under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func open(t *testing.T) (*Journal, *clock, string) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(context.Background(), path, Options{Now: c.now})
	require.NoError(t, err)
	t.Cleanup(func() { j.Close() })
	return j, c, path
}

var ctx = context.Background()

func file(partner, key string) transport.File {
	return transport.File{Partner: partner, Transport: "sftp", Name: key + ".edi", Key: key, Data: []byte("UNB+" + key + "'"), Meta: map[string]string{"remote": "x"}}
}

func TestStoreIsDurableAndRecognisesDuplicates(t *testing.T) {
	j, _, path := open(t)
	r, err := j.Store(ctx, file("p1", "a"))
	require.NoError(t, err)
	assert.Equal(t, transport.Receipt{ID: "file-1"}, r)
	again, err := j.Store(ctx, file("p1", "a"))
	require.NoError(t, err)
	assert.Equal(t, transport.Receipt{ID: "file-1", Duplicate: true}, again)
	other, err := j.Store(ctx, file("p2", "a"))
	require.NoError(t, err)
	assert.False(t, other.Duplicate, "the same key from another partner is another file")

	require.NoError(t, j.Close())
	j2, err := Open(ctx, path, Options{})
	require.NoError(t, err)
	defer j2.Close()
	files, err := j2.ReceivedFiles(ctx, 10)
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, []byte("UNB+a'"), files[0].Data)
	assert.Equal(t, "x", files[0].Meta["remote"])
	assert.Len(t, files[0].SHA256, 64)
}

func TestStoreConcurrently(t *testing.T) {
	j, _, _ := open(t)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := j.Store(ctx, file("p", fmt.Sprint(i%20)))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	files, err := j.ReceivedFiles(ctx, 100)
	require.NoError(t, err)
	assert.Len(t, files, 20)
}

func TestInboundLifecycle(t *testing.T) {
	j, c, _ := open(t)
	_, err := j.Store(ctx, file("p", "f"))
	require.NoError(t, err)
	files, _ := j.ReceivedFiles(ctx, 10)
	require.NoError(t, j.SaveParsed(ctx, files[0].ID, []ParsedMessage{
		{Position: 1, Ref: "M1", EDIType: "ORDERS", TxType: "ORDER", Identifier: "PO-1", Payload: []byte(`{"type":"ORDER"}`)},
		{Position: 2, Ref: "M2", EDIType: "ORDERS", Problem: "BY party missing"},
	}, ""))
	assert.ErrorContains(t, j.SaveParsed(ctx, files[0].ID, nil, ""), "is parsed, not received", "a file is parsed once")

	due, err := j.DueMessages(ctx, 10)
	require.NoError(t, err)
	require.Len(t, due, 1)
	m := due[0]
	assert.Equal(t, "PO-1", m.Identifier)

	require.NoError(t, j.SaveSendResult(ctx, m.ID, SendResult{State: MessageRetrying, Error: "503", NextAttempt: c.now().Add(time.Minute)}))
	due, _ = j.DueMessages(ctx, 10)
	assert.Empty(t, due, "not due before its time")
	next, ok, err := j.NextRetry(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, c.now().Add(time.Minute).UnixMilli(), next.UnixMilli())
	c.advance(time.Minute)
	due, _ = j.DueMessages(ctx, 10)
	require.Len(t, due, 1)
	assert.Equal(t, 1, due[0].Attempts)

	require.NoError(t, j.SaveSendResult(ctx, m.ID, SendResult{State: MessageSent, ProcurosID: "tx-1"}))
	d, err := j.Show(ctx, Ref{Kind: KindMessage, ID: m.ID})
	require.NoError(t, err)
	assert.Equal(t, "tx-1", d.Message.ProcurosID)
	assert.Equal(t, []string{MessageReady, MessageRetrying, MessageSent}, states(d.Events))

	q, err := j.Unreported(ctx, 10)
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, "BY party missing", q[0].Problem)
	assert.Equal(t, "f.edi", q[0].FileName)
	require.NoError(t, j.SaveReported(ctx, q[0].Kind, q[0].ID, "https://portal/errors/1"))
	q, _ = j.Unreported(ctx, 10)
	assert.Empty(t, q, "reported once")
}

func states(events []Event) []string {
	var s []string
	for _, e := range events {
		s = append(s, e.State)
	}
	return s
}

func TestRetryReparsesOnlyQuarantinedMessages(t *testing.T) {
	j, _, _ := open(t)
	j.Store(ctx, file("p", "f"))
	require.NoError(t, j.SaveParsed(ctx, 1, []ParsedMessage{
		{Position: 1, Ref: "M1", EDIType: "ORDERS", Payload: []byte("{}")},
		{Position: 2, Ref: "M2", EDIType: "ORDERS", Problem: "unmappable"},
	}, ""))
	require.NoError(t, j.SaveSendResult(ctx, 1, SendResult{State: MessageSent, ProcurosID: "tx-1"}))
	require.NoError(t, j.Retry(ctx, Ref{Kind: KindMessage, ID: 2}))
	files, _ := j.ReceivedFiles(ctx, 10)
	require.Len(t, files, 1, "the file is parsed again")
	require.NoError(t, j.SaveParsed(ctx, 1, []ParsedMessage{
		{Position: 1, Ref: "M1", EDIType: "ORDERS", Payload: []byte("{}")},
		{Position: 2, Ref: "M2", EDIType: "ORDERS", Payload: []byte("{}")},
	}, ""))
	due, _ := j.DueMessages(ctx, 10)
	require.Len(t, due, 1, "the sent message is not sent again")
	assert.Equal(t, int64(2), due[0].ID)

	assert.ErrorIs(t, j.Retry(ctx, Ref{Kind: KindMessage, ID: 1}), ErrNotRetryable, "a sent message")
	require.NoError(t, j.SaveSendResult(ctx, 2, SendResult{State: MessageFailed, Error: "422"}))
	require.NoError(t, j.Retry(ctx, Ref{Kind: KindMessage, ID: 2}))
	due, _ = j.DueMessages(ctx, 10)
	assert.Len(t, due, 1)
}

func TestQuarantinedFileKeepsItsGoodMessages(t *testing.T) {
	j, _, _ := open(t)
	j.Store(ctx, file("p", "f"))
	require.NoError(t, j.SaveParsed(ctx, 1, []ParsedMessage{{Position: 1, Ref: "M1", EDIType: "ORDERS", Payload: []byte("{}")}}, "segment 9: UNT missing"))
	due, _ := j.DueMessages(ctx, 10)
	assert.Len(t, due, 1)
	q, _ := j.Unreported(ctx, 10)
	require.Len(t, q, 1)
	assert.Equal(t, KindFile, q[0].Kind)
	entries, err := j.List(ctx, Filter{State: FileQuarantined})
	require.NoError(t, err)
	assert.Empty(t, entries, "a file with messages is listed through them")
}

func TestOutboundLifecycle(t *testing.T) {
	j, c, _ := open(t)
	o, added, err := j.AddOutbound(ctx, "tx-9", "INVOICE", []byte(`{"x":1}`))
	require.NoError(t, err)
	require.True(t, added)
	_, added, err = j.AddOutbound(ctx, "tx-9", "INVOICE", []byte(`{"x":1}`))
	require.NoError(t, err)
	assert.False(t, added)

	// A render that fails consumes no control number.
	boom := errors.New("unmappable")
	assert.ErrorIs(t, j.Render(ctx, o.ID, "p", func(int64) (Rendered, error) { return Rendered{}, boom }), boom)
	var got []int64
	for range 2 {
		require.NoError(t, j.Render(ctx, o.ID, "p", func(n int64) (Rendered, error) {
			got = append(got, n)
			return Rendered{EDI: []byte("UNB"), FileName: fmt.Sprintf("INVOIC_%d.edi", n), Transport: "as2", TransportRef: fmt.Sprintf("<out-%d@A>", n)}, nil
		}))
	}
	assert.Equal(t, []int64{1, 2}, got)
	require.NoError(t, j.Render(ctx, o.ID, "q", func(n int64) (Rendered, error) { got = append(got, n); return Rendered{}, nil }))
	assert.Equal(t, int64(1), got[2], "counted per partner")
	require.NoError(t, j.Render(ctx, o.ID, "p", func(n int64) (Rendered, error) {
		return Rendered{EDI: []byte("UNB"), Transport: "as2", TransportRef: "<out-3@A>"}, nil
	}))

	rendered, err := j.DueOutbound(ctx, OutRendered, 10)
	require.NoError(t, err)
	require.Len(t, rendered, 1)
	require.NoError(t, j.SaveOutbound(ctx, o.ID, OutboundUpdate{State: OutRendered, Error: "timeout", Attempted: true, NextAttempt: c.now().Add(time.Minute)}))
	rendered, _ = j.DueOutbound(ctx, OutRendered, 10)
	assert.Empty(t, rendered)
	require.NoError(t, j.SaveOutbound(ctx, o.ID, OutboundUpdate{State: OutAwaitingMDN, Attempted: true}))
	byRef, err := j.OutboundByTransportRef(ctx, "p", "<out-3@A>")
	require.NoError(t, err)
	assert.Equal(t, o.ID, byRef.ID)
	assert.Equal(t, 2, byRef.Attempts)
	_, err = j.OutboundByTransportRef(ctx, "p", "<nope@A>")
	assert.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, j.SaveOutbound(ctx, o.ID, OutboundUpdate{State: OutDelivered, Success: true}))
	delivered, _ := j.DueOutbound(ctx, OutDelivered, 10)
	require.Len(t, delivered, 1)
	require.NoError(t, j.SaveMarked(ctx, []int64{o.ID}))
	require.NoError(t, j.Remark(ctx, o.ID))
	delivered, _ = j.DueOutbound(ctx, OutDelivered, 10)
	assert.Len(t, delivered, 1, "still listed by Procuros: mark again")
	assert.ErrorIs(t, j.Retry(ctx, Ref{Kind: KindOutbound, ID: o.ID}), ErrNotRetryable, "delivered, not to be delivered again")
}

func TestAS2State(t *testing.T) {
	j, c, _ := open(t)
	s := j.AS2()
	m, err := s.LoadMDN(ctx, "p", "<1@A>")
	require.NoError(t, err)
	assert.Nil(t, m)
	stored := as2.StoredMDN{Header: http.Header{"Message-ID": {"<mdn@B>"}}, Body: []byte("report")}
	require.NoError(t, s.SaveMDN(ctx, "p", "<1@A>", stored))
	m, err = s.LoadMDN(ctx, "p", "<1@A>")
	require.NoError(t, err)
	assert.Equal(t, stored, *m)

	a := as2.Awaiting{Partner: "p", MessageID: "<2@A>", MICs: []as2.MIC{{Digest: "abc=", Algorithm: crypto.SHA256}, {Digest: "def=", Algorithm: crypto.SHA1}}, SignedMDN: true, Sent: c.now()}
	require.NoError(t, s.SaveAwaiting(ctx, a))
	got, err := s.TakeAwaiting(ctx, "p", "<2@A>")
	require.NoError(t, err)
	require.NotNil(t, got)
	assert.Equal(t, a.MICs, got.MICs)
	assert.True(t, got.SignedMDN)
	assert.Equal(t, a.Sent.UnixMilli(), got.Sent.UnixMilli())
	again, err := s.TakeAwaiting(ctx, "p", "<2@A>")
	require.NoError(t, err)
	assert.Nil(t, again, "taken once")
}

func TestListShowAndDepth(t *testing.T) {
	j, c, _ := open(t)
	j.Store(ctx, file("p", "f"))
	c.advance(time.Second)
	j.Store(ctx, file("q", "g"))
	require.NoError(t, j.SaveParsed(ctx, 1, []ParsedMessage{{Position: 1, Ref: "M1", EDIType: "ORDERS", Identifier: "PO-1", Payload: []byte("{}")}}, ""))
	c.advance(time.Second)
	j.AddOutbound(ctx, "tx-1", "ORDER_RESPONSE", []byte("{}"))

	all, err := j.List(ctx, Filter{})
	require.NoError(t, err)
	var refs []string
	for _, e := range all {
		refs = append(refs, e.Ref.String())
	}
	assert.Equal(t, []string{"out-1", "msg-1", "file-2"}, refs, "newest first; file-1 shows through its message")
	in, _ := j.List(ctx, Filter{Direction: "in", Partner: "p"})
	require.Len(t, in, 1)
	assert.Equal(t, "PO-1", in[0].Identifier)

	d, err := j.Show(ctx, Ref{Kind: KindFile, ID: 1})
	require.NoError(t, err)
	assert.Len(t, d.Messages, 1)
	_, err = j.Show(ctx, Ref{Kind: KindFile, ID: 99})
	assert.ErrorIs(t, err, ErrNotFound)

	depth, err := j.Depth(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"file/received": 1, "message/ready": 1, "outbound/fetched": 1}, depth)

	for _, s := range []string{"file-3", "msg-12", "out-7"} {
		r, err := ParseRef(s)
		require.NoError(t, err)
		assert.Equal(t, s, r.String())
	}
	_, err = ParseRef("order-1")
	assert.Error(t, err)
}

func TestPruneKeepsWhatNeedsAPerson(t *testing.T) {
	j, c, _ := open(t)
	j.Store(ctx, file("p", "done"))
	j.Store(ctx, file("p", "failed"))
	require.NoError(t, j.SaveParsed(ctx, 1, []ParsedMessage{{Position: 1, Ref: "1", EDIType: "ORDERS", Payload: []byte("{}")}}, ""))
	require.NoError(t, j.SaveParsed(ctx, 2, []ParsedMessage{{Position: 1, Ref: "1", EDIType: "ORDERS", Payload: []byte("{}")}}, ""))
	require.NoError(t, j.SaveSendResult(ctx, 1, SendResult{State: MessageSent}))
	require.NoError(t, j.SaveSendResult(ctx, 2, SendResult{State: MessageFailed}))
	c.advance(48 * time.Hour)
	n, err := j.Prune(ctx, c.now().Add(-24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "the done file and its message")
	done, _ := j.Show(ctx, Ref{Kind: KindFile, ID: 1})
	assert.Nil(t, done.File.Data)
	failed, _ := j.Show(ctx, Ref{Kind: KindFile, ID: 2})
	assert.NotNil(t, failed.File.Data)
	assert.NotNil(t, failed.Messages[0].Payload)
}

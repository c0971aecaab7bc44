package bridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edibridge/edibridge/journal"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
)

const (
	renderBatch  = 32
	deliverBatch = 16
	markBatch    = procuros.MaxBulkItems
)

// pollLoop lists Procuros' incoming transactions every PollInterval and
// records the new ones.
func (b *Bridge) pollLoop(ctx, work context.Context) error {
	never := newSignal()
	return loop(ctx, never, b.opts.PollInterval, func() (bool, time.Time, error) {
		return false, time.Time{}, b.poll(work)
	}, b.logError("poller"))
}

func (b *Bridge) poll(ctx context.Context) error {
	added := 0
	for tx, err := range b.client.Incoming(ctx, procuros.IncomingQuery{}) {
		if err != nil {
			return fmt.Errorf("listing incoming transactions: %w", err)
		}
		o, isNew, err := b.journal.AddOutbound(ctx, tx.ProcurosTransactionID, string(tx.Type), tx.Content)
		if err != nil {
			return err
		}
		switch {
		case isNew:
			added++
		case o.State == journal.OutMarked:
			// Marked, yet listed again: the mark did not land.
			if err := b.journal.Remark(ctx, o.ID); err != nil {
				return err
			}
			b.wake.mark.notify()
		}
	}
	if added > 0 {
		b.log.Info("bridge: incoming transactions fetched", "new", added)
		b.wake.render.notify()
	}
	return nil
}

// renderLoop routes fetched transactions and writes them as EDIFACT.
func (b *Bridge) renderLoop(ctx, work context.Context) error {
	return loop(ctx, b.wake.render, time.Minute, func() (bool, time.Time, error) {
		txs, err := b.journal.DueOutbound(work, journal.OutFetched, renderBatch)
		if err != nil {
			return false, time.Time{}, err
		}
		for _, o := range txs {
			if ctx.Err() != nil {
				return false, time.Time{}, nil
			}
			if err := b.render(work, o); err != nil {
				return false, time.Time{}, err
			}
		}
		if len(txs) > 0 {
			b.wake.deliver.notify()
			b.wake.mark.notify()
		}
		return len(txs) == renderBatch, time.Time{}, nil
	}, b.logError("renderer"))
}

// render writes one transaction for its partner, or rejects it with a
// reason a person can act on.
func (b *Bridge) render(ctx context.Context, o journal.Outbound) error {
	p, ediType, err := b.route(o.TxType, o.Content)
	if err == nil {
		err = p.takes(ediType)
	}
	if err != nil {
		return b.reject(ctx, o, p, err.Error())
	}
	content, err := procuros.ReceivedTransaction{ProcurosTransactionID: o.ProcurosID, Type: procuros.TransactionType(o.TxType), Content: o.Content}.DecodeContent()
	if err != nil {
		return b.reject(ctx, o, p, err.Error())
	}
	var warnings mapping.Problems
	err = b.journal.Render(ctx, o.ID, p.ID, func(n int64) (journal.Rendered, error) {
		r, w, err := b.write(p, o, ediType, content, n)
		warnings = w
		return r, err
	})
	var problems mapping.Problems
	if errors.As(err, &problems) {
		return b.reject(ctx, o, p, fmt.Sprintf("%s %s cannot be written as %s: %v", o.TxType, o.ProcurosID, ediType, problemsText(problems)))
	}
	if err != nil {
		return err
	}
	if len(warnings) > 0 {
		b.log.Info("bridge: what EDIFACT cannot carry was left out", "partner", p.ID, "transaction", o.ProcurosID, "warnings", problemsText(warnings))
	}
	return nil
}

// takes checks the partner receives this type, by some transport.
func (p *Partner) takes(ediType string) error {
	if !slices.Contains(p.OutboundTypes, ediType) {
		return fmt.Errorf("partner %s does not take %s messages (messages.outbound: %s)", p.ID, ediType, strings.Join(p.OutboundTypes, ", "))
	}
	if p.Outbound == "" {
		return fmt.Errorf("partner %s has no outbound transport", p.ID)
	}
	return nil
}

// write renders the interchange with control number n.
func (b *Bridge) write(p *Partner, o journal.Outbound, ediType string, content procuros.Content, n int64) (journal.Rendered, mapping.Problems, error) {
	e := p.EDIFACT
	env := mapping.Envelope{
		Sender: p.OurUNB, Recipient: p.UNB, ControlRef: fmt.Sprint(n), Prepared: b.now(),
		SyntaxID: e.SyntaxID, AlwaysUNA: e.AlwaysUNA, LineBreak: e.LineBreak, Directory: e.Directory, Test: e.Test, ApplicationRef: ediType,
	}
	var buf bytes.Buffer
	warnings, err := p.Mapper.WriteInterchange(&buf, env, []mapping.OutMessage{{Ref: "1", Content: content}})
	if err != nil {
		return journal.Rendered{}, warnings, err
	}
	r := journal.Rendered{
		EDI:        buf.Bytes(),
		FileName:   fileName(e.FileName, p.ID, ediType, o.ProcurosID, n, b.now()),
		Identifier: documentNumber(procuros.TransactionType(o.TxType), o.Content),
		Transport:  p.Outbound,
	}
	r.TransportRef = r.FileName
	if p.Outbound == "as2" && p.AS2 != nil {
		// The Message-ID is fixed with the file: a delivery repeated after
		// a crash goes under the same id, which the partner recognises.
		r.TransportRef = fmt.Sprintf("<edibridge-%s-%d-%d@%s>", p.ID, o.ID, n, strings.ReplaceAll(p.AS2.OurAS2ID, " ", "_"))
	}
	return r, warnings, nil
}

// fileName fills in the template of an outbound file's name.
func fileName(template, partner, ediType, transaction string, n int64, now time.Time) string {
	if template == "" {
		template = "{type}_{controlRef}.edi"
	}
	return strings.NewReplacer("{partner}", partner, "{type}", ediType, "{controlRef}", fmt.Sprint(n),
		"{transaction}", transaction, "{date}", now.Format("20060102")).Replace(template)
}

// reject records that a transaction cannot be delivered; it is marked
// processed with success false and the reason.
func (b *Bridge) reject(ctx context.Context, o journal.Outbound, p *Partner, reason string) error {
	partner := ""
	if p != nil {
		partner = p.ID
	}
	b.log.Warn("bridge: outbound transaction rejected", "transaction", o.ProcurosID, "type", o.TxType, "partner", partner, "reason", reason)
	b.metrics.outcome(partner, o.TxType, "out", journal.OutRejected)
	b.wake.mark.notify()
	return b.journal.SaveOutbound(ctx, o.ID, journal.OutboundUpdate{State: journal.OutRejected, Partner: partner, Reason: reason})
}

// deliverLoop delivers rendered transactions, and sends again AS2
// messages whose asynchronous MDN did not come in time.
func (b *Bridge) deliverLoop(ctx, work context.Context) error {
	return loop(ctx, b.wake.deliver, time.Minute, func() (bool, time.Time, error) {
		if err := b.resendOverdue(work); err != nil {
			return false, time.Time{}, err
		}
		txs, err := b.journal.DueOutbound(work, journal.OutRendered, deliverBatch)
		if err != nil {
			return false, time.Time{}, err
		}
		for _, o := range txs {
			if ctx.Err() != nil {
				return false, time.Time{}, nil
			}
			if err := b.deliver(work, o); err != nil {
				return false, time.Time{}, err
			}
		}
		if len(txs) == deliverBatch {
			return true, time.Time{}, nil
		}
		return false, b.nextDelivery(work), nil
	}, b.logError("deliverer"))
}

// nextDelivery is when the earliest postponed delivery or MDN deadline is
// due; zero when none is.
func (b *Bridge) nextDelivery(ctx context.Context) time.Time {
	var next time.Time
	for _, state := range []string{journal.OutRendered, journal.OutAwaitingMDN} {
		t, ok, err := b.journal.NextOutboundAttempt(ctx, state)
		if err == nil && ok && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next
}

// resendOverdue sends again the AS2 messages whose MDN is overdue: with the
// same Message-ID, so that a partner that has it answers with its MDN.
func (b *Bridge) resendOverdue(ctx context.Context) error {
	txs, err := b.journal.DueOutbound(ctx, journal.OutAwaitingMDN, deliverBatch)
	for _, o := range txs {
		b.log.Warn("bridge: no MDN came in time; sending again", "partner", o.Partner, "transaction", o.ProcurosID, "message_id", o.TransportRef)
		if err := b.journal.SaveOutbound(ctx, o.ID, journal.OutboundUpdate{State: journal.OutRendered, Error: "no MDN within " + b.opts.MDNTimeout.String()}); err != nil {
			return err
		}
	}
	return err
}

// maxDeliveryAttempts is how often a temporary failure is retried before
// the transaction is given up and marked failed.
const maxDeliveryAttempts = 12

// deliver hands one interchange to the partner's transport and records
// the result.
func (b *Bridge) deliver(ctx context.Context, o journal.Outbound) error {
	p := b.partners[o.Partner]
	if p == nil {
		return b.reject(ctx, o, nil, fmt.Sprintf("partner %q is no longer configured", o.Partner))
	}
	u, err := b.send(ctx, p, o)
	if ctx.Err() != nil {
		return nil // stopped in the middle: delivered again at the next start, under the same name or id
	}
	if err != nil {
		var temporary interface{ Temporary() bool }
		retry := !errors.As(err, &temporary) || temporary.Temporary()
		var de *as2.DeliveryError
		if errors.As(err, &de) {
			retry = de.Temporary
		}
		if retry && o.Attempts+1 < maxDeliveryAttempts {
			u = journal.OutboundUpdate{State: journal.OutRendered, Error: err.Error(), NextAttempt: b.now().Add(b.backoff(o.Attempts, 0))}
			b.log.Warn("bridge: delivery postponed", "partner", p.ID, "transaction", o.ProcurosID, "error", err, "next_attempt", u.NextAttempt)
		} else {
			u = journal.OutboundUpdate{State: journal.OutRejected, Reason: fmt.Sprintf("delivery to %s by %s failed: %v", p.ID, o.Transport, err)}
			b.log.Error("bridge: delivery failed", "partner", p.ID, "transaction", o.ProcurosID, "error", err)
		}
	}
	u.Attempted = true
	if err := b.journal.SaveOutbound(ctx, o.ID, u); err != nil {
		return err
	}
	b.metrics.outcome(p.ID, o.TxType, "out", u.State)
	if u.State == journal.OutDelivered {
		b.metrics.latency.WithLabelValues("out").Observe(b.now().Sub(o.Fetched).Seconds())
		b.log.Info("bridge: delivered", "partner", p.ID, "transaction", o.ProcurosID, "file", o.FileName, "transport", o.Transport)
	}
	if u.State == journal.OutDelivered || u.State == journal.OutRejected {
		b.wake.mark.notify()
	}
	return nil
}

// send delivers by the partner's transport. A nil error means delivered,
// or, for an asynchronous AS2 MDN, sent and awaiting the MDN.
func (b *Bridge) send(ctx context.Context, p *Partner, o journal.Outbound) (journal.OutboundUpdate, error) {
	delivered := journal.OutboundUpdate{State: journal.OutDelivered, Success: true}
	switch o.Transport {
	case "as2":
		if p.AS2 == nil {
			return delivered, errors.New("the partner has no AS2 profile")
		}
		d, err := b.as2Sender.Send(ctx, p.AS2, as2.Message{Payload: o.EDI, FileName: o.FileName, MessageID: o.TransportRef})
		if err != nil {
			return delivered, err
		}
		if d.Pending {
			return journal.OutboundUpdate{State: journal.OutAwaitingMDN, NextAttempt: b.now().Add(b.opts.MDNTimeout)}, nil
		}
		return delivered, nil
	case "sftp":
		if b.sftpServer == nil || p.SFTP == nil {
			return delivered, errors.New("the partner has no account on the SFTP server")
		}
		return delivered, b.sftpServer.Deliver(ctx, p.SFTP.User, o.FileName, o.EDI)
	case "remote-sftp":
		r := b.remotes[p.ID]
		if r == nil {
			return delivered, errors.New("the partner has no remote SFTP server")
		}
		return delivered, r.Upload(ctx, o.FileName, o.EDI)
	case "folder":
		out, ok := b.outboxes[p.ID]
		if !ok {
			return delivered, errors.New("the partner has no outbox folder")
		}
		return delivered, out.Write(ctx, o.FileName, o.EDI)
	}
	return delivered, fmt.Errorf("unknown transport %q", o.Transport)
}

// asyncMDN settles an AS2 delivery when its asynchronous MDN comes.
func (b *Bridge) asyncMDN(ctx context.Context, out as2.Outcome) {
	o, err := b.journal.OutboundByTransportRef(ctx, out.Partner, out.MessageID)
	if err != nil {
		b.log.Error("bridge: an MDN for no known delivery", "partner", out.Partner, "message_id", out.MessageID, "error", err)
		return
	}
	u := journal.OutboundUpdate{State: journal.OutDelivered, Success: true}
	if out.Err != nil {
		u = journal.OutboundUpdate{State: journal.OutRejected, Reason: out.Err.Error()}
	}
	if err := b.journal.SaveOutbound(ctx, o.ID, u); err != nil {
		b.log.Error("bridge: recording an MDN", "transaction", o.ProcurosID, "error", err)
		return
	}
	b.metrics.outcome(out.Partner, o.TxType, "out", u.State)
	b.wake.mark.notify()
}

// markLoop tells Procuros which transactions were delivered and which not.
func (b *Bridge) markLoop(ctx, work context.Context) error {
	return loop(ctx, b.wake.mark, time.Minute, func() (bool, time.Time, error) {
		var txs []journal.Outbound
		for _, state := range []string{journal.OutDelivered, journal.OutRejected} {
			got, err := b.journal.DueOutbound(work, state, markBatch)
			if err != nil {
				return false, time.Time{}, err
			}
			txs = append(txs, got...)
		}
		if len(txs) == 0 {
			return false, time.Time{}, nil
		}
		return false, time.Time{}, b.mark(work, txs)
	}, b.logError("marker"))
}

func (b *Bridge) mark(ctx context.Context, txs []journal.Outbound) error {
	items := make([]procuros.BulkMarkItem, len(txs))
	ids := make([]int64, len(txs))
	for i, o := range txs {
		result := procuros.Processed()
		if !o.Success {
			result = procuros.Failed(procuros.ErrorTypeData, truncate(o.Reason, maxReason), map[string]string{"partner": o.Partner, "journal": journal.Ref{Kind: journal.KindOutbound, ID: o.ID}.String()})
		}
		items[i] = procuros.BulkMarkItem{ProcurosTransactionID: o.ProcurosID, ProcessingResult: result}
		ids[i] = o.ID
	}
	results, err := b.client.BulkMarkProcessed(ctx, items)
	// The results of the requests that went through count, even when a
	// later one failed.
	if n := len(results); n > 0 {
		if err := b.journal.SaveMarked(ctx, ids[:n]); err != nil {
			return err
		}
		b.log.Info("bridge: marked processed", "count", n)
	}
	if err != nil {
		return fmt.Errorf("marking %d transactions processed: %w", len(items)-len(results), err)
	}
	return nil
}

// pruneLoop drops old payload bytes once an hour, by Retention.
func (b *Bridge) pruneLoop(ctx, work context.Context) error {
	if b.opts.Retention <= 0 {
		return nil
	}
	return loop(ctx, newSignal(), time.Hour, func() (bool, time.Time, error) {
		n, err := b.journal.Prune(work, b.now().Add(-b.opts.Retention))
		if n > 0 {
			b.log.Info("bridge: old payloads dropped", "count", n, "retention", b.opts.Retention)
		}
		return false, time.Time{}, err
	}, b.logError("pruner"))
}

package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/journal"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
)

// Batch sizes of the workers' looks at the journal.
const (
	parseBatch  = 16
	sendBatch   = 64
	reportBatch = 32
)

func (b *Bridge) logError(worker string) func(error) {
	return func(err error) { b.log.Error("bridge: "+worker, "error", err) }
}

// parseLoop parses received files into messages.
func (b *Bridge) parseLoop(ctx, work context.Context) error {
	return loop(ctx, b.wake.parse, time.Minute, func() (bool, time.Time, error) {
		files, err := b.journal.ReceivedFiles(work, parseBatch)
		if err != nil {
			return false, time.Time{}, err
		}
		for _, f := range files {
			if ctx.Err() != nil {
				break
			}
			if err := b.parseFile(work, f); err != nil {
				return false, time.Time{}, err
			}
		}
		if len(files) > 0 {
			b.wake.send.notify()
			b.wake.report.notify()
		}
		return len(files) == parseBatch, time.Time{}, nil
	}, b.logError("parser"))
}

// parseFile reads a file's messages, maps each, and records them; what
// cannot be read or mapped is recorded with the problem, naming the file,
// message, segment and element.
func (b *Bridge) parseFile(ctx context.Context, f journal.File) error {
	p := b.partners[f.Partner]
	if p == nil {
		return b.journal.SaveParsed(ctx, f.ID, nil, fmt.Sprintf("%s: no partner %q is configured", fileLabel(f), f.Partner))
	}
	r := edifact.NewReader(bytes.NewReader(f.Data))
	r.Accept = p.Accept
	var msgs []journal.ParsedMessage
	problem := ""
	for tr := range p.Mapper.Translate(r) {
		if tr.Message == nil {
			problem = fmt.Sprintf("%s: %v", fileLabel(f), tr.Err)
			break
		}
		msgs = append(msgs, b.parsedMessage(p, f, tr))
	}
	if len(msgs) == 0 && problem == "" {
		problem = fmt.Sprintf("%s: no EDIFACT message in the file", fileLabel(f))
	}
	for _, m := range msgs {
		outcome := "parsed"
		if m.Problem != "" {
			outcome = "quarantined"
		}
		b.metrics.outcome(p.ID, m.EDIType, "in", outcome)
	}
	if problem != "" {
		b.metrics.outcome(p.ID, "", "in", "quarantined")
		b.log.Warn("bridge: file quarantined", "partner", p.ID, "file", f.ID, "problem", problem)
	}
	return b.journal.SaveParsed(ctx, f.ID, msgs, problem)
}

// fileLabel names a file in problems: its name, or its transport key.
func fileLabel(f journal.File) string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("%s file %s", f.Transport, f.Key)
}

// parsedMessage is what becomes of one message of a file.
func (b *Bridge) parsedMessage(p *Partner, f journal.File, tr mapping.Translation) journal.ParsedMessage {
	msg := tr.Message
	pm := journal.ParsedMessage{Position: msg.Index, Ref: msg.Header.Ref, EDIType: msg.Header.Type.Type}
	where := fmt.Sprintf("%s: message %d (UNH %s)", fileLabel(f), msg.Index, msg.Header.Ref)
	switch {
	case !p.fromPartner(msg):
		pm.Problem = fmt.Sprintf("%s: the interchange's sender %s is not partner %s's %s", where, msg.Interchange.Sender.ID, p.ID, p.UNB.ID)
	case !slices.Contains(p.InboundTypes, pm.EDIType):
		pm.Problem = fmt.Sprintf("%s: %s messages are not taken from partner %s (messages.inbound: %s)", where, pm.EDIType, p.ID, strings.Join(p.InboundTypes, ", "))
	case tr.Err != nil:
		pm.Problem = fmt.Sprintf("%s: %v", fileLabel(f), tr.Err)
	default:
		tx := tr.Result.Transaction()
		payload, err := procuros.MarshalTransaction(tx)
		if err != nil {
			pm.Problem = fmt.Sprintf("%s: %v", where, err)
			break
		}
		pm.TxType, pm.Payload = string(tx.Type), payload
		pm.Identifier = documentNumber(tx.Type, payload)
		pm.Warnings = problemsText(tr.Result.Warnings)
	}
	return pm
}

// fromPartner checks the interchange's sender when the partner's UNB id is
// configured: a file on one partner's channel that says it comes from
// another must not be taken for the first's.
func (p *Partner) fromPartner(msg *edifact.Message) bool {
	if p.UNB.ID == "" || msg.Interchange == nil {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(msg.Interchange.Sender.ID), p.UNB.ID)
}

func problemsText(ps mapping.Problems) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sendLoop posts ready messages to Procuros, Senders at a time.
func (b *Bridge) sendLoop(ctx, work context.Context) error {
	var (
		mu       sync.Mutex
		inflight = map[int64]bool{}
		wg       sync.WaitGroup
		slots    = make(chan struct{}, b.opts.Senders)
	)
	defer wg.Wait()
	dispatch := func(m journal.Message) bool {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		mu.Lock()
		inflight[m.ID] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.sendMessage(work, m)
			mu.Lock()
			delete(inflight, m.ID)
			mu.Unlock()
			<-slots
			b.wake.send.notify()
		}()
		return true
	}
	return loop(ctx, b.wake.send, time.Minute, func() (bool, time.Time, error) {
		msgs, err := b.journal.DueMessages(work, sendBatch)
		if err != nil {
			return false, time.Time{}, err
		}
		for _, m := range msgs {
			mu.Lock()
			busy := inflight[m.ID]
			mu.Unlock()
			if !busy && !dispatch(m) {
				break
			}
		}
		next, ok, err := b.journal.NextRetry(work)
		if err != nil || !ok {
			return false, time.Time{}, err
		}
		return false, next, nil
	}, b.logError("sender"))
}

// sendMessage posts one message and records the outcome. When the bridge
// stops in the middle, nothing is recorded: the same bytes go again at
// the next start, and Procuros recognises them if the first POST landed.
func (b *Bridge) sendMessage(ctx context.Context, m journal.Message) {
	res, err := b.client.SendPayload(ctx, m.Payload)
	if err != nil && ctx.Err() != nil {
		return
	}
	r := b.sendResult(m, res, err)
	if err := b.journal.SaveSendResult(ctx, m.ID, r); err != nil {
		b.log.Error("bridge: recording a send", "message", m.ID, "error", err)
		return
	}
	b.metrics.outcome(m.Partner, m.EDIType, "in", r.State)
	log := b.log.With("partner", m.Partner, "message", journal.Ref{Kind: journal.KindMessage, ID: m.ID}.String(), "type", m.TxType, "document", m.Identifier)
	switch r.State {
	case journal.MessageSent, journal.MessageNoAction, journal.MessageDuplicate:
		b.metrics.latency.WithLabelValues("in").Observe(b.now().Sub(m.Created).Seconds())
		log.Info("bridge: sent to Procuros", "outcome", r.State, "transaction", r.ProcurosID)
	case journal.MessageFailed:
		log.Warn("bridge: Procuros rejected the message", "error", r.Error, "error_url", r.ErrorURL)
	default:
		log.Warn("bridge: sending postponed", "error", r.Error, "next_attempt", r.NextAttempt)
	}
}

// sendResult turns the client's outcome into the journal's.
func (b *Bridge) sendResult(m journal.Message, res procuros.SendResult, err error) journal.SendResult {
	if err != nil {
		return journal.SendResult{State: journal.MessageRetrying, Error: err.Error(), NextAttempt: b.now().Add(b.backoff(m.Attempts, 0))}
	}
	switch res.Outcome {
	case procuros.Transmitted:
		return journal.SendResult{State: journal.MessageSent, ProcurosID: res.TransactionID}
	case procuros.NoAction:
		return journal.SendResult{State: journal.MessageNoAction}
	case procuros.Duplicate:
		return journal.SendResult{State: journal.MessageDuplicate, Error: res.Message}
	case procuros.Rejected:
		errs := ""
		if len(res.Errors) > 0 {
			data, _ := json.Marshal(res.Errors)
			errs = string(data)
		}
		return journal.SendResult{State: journal.MessageFailed, Error: res.Message, ErrorsJSON: errs, ErrorURL: res.ErrorURL}
	case procuros.Unauthorized, procuros.Misconfigured:
		// A person must act (token, URL, certificate); keep trying slowly
		// so that the messages flow once they have.
		b.log.Error("bridge: Procuros refuses the bridge: fix the configuration", "outcome", res.Outcome.String(), "error", res.Message)
		return journal.SendResult{State: journal.MessageRetrying, Error: res.Message, NextAttempt: b.now().Add(5 * time.Minute)}
	}
	return journal.SendResult{State: journal.MessageRetrying, Error: res.Message, NextAttempt: b.now().Add(b.backoff(m.Attempts, res.RetryAfter))}
}

// backoff is the wait before attempt n+1: doubling from RetryInitial up
// to RetryMax, at least what the server asked, less up to a fifth at
// random so that a backlog does not return all at once.
func (b *Bridge) backoff(attempts int, atLeast time.Duration) time.Duration {
	d := b.opts.RetryInitial
	for i := 0; i < attempts && d < b.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, b.opts.RetryMax)
	d = max(d, atLeast)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// reportLoop reports quarantined files and messages to Procuros once.
func (b *Bridge) reportLoop(ctx, work context.Context) error {
	return loop(ctx, b.wake.report, time.Minute, func() (bool, time.Time, error) {
		items, err := b.journal.Unreported(work, reportBatch)
		if err != nil {
			return false, time.Time{}, err
		}
		for _, q := range items {
			if ctx.Err() != nil {
				return false, time.Time{}, nil
			}
			if err := b.report(work, q); err != nil {
				return false, time.Time{}, err
			}
		}
		return len(items) == reportBatch, time.Time{}, nil
	}, b.logError("reporter"))
}

// maxReason bounds the error text sent to Procuros.
const maxReason = 4000

func (b *Bridge) report(ctx context.Context, q journal.Quarantined) error {
	ref := journal.Ref{Kind: q.Kind, ID: q.ID}.String()
	r := procuros.ErrorReport{
		ErrorReason:           truncate(q.Problem, maxReason),
		ErrorType:             procuros.ErrorTypeData,
		ErrorContext:          map[string]string{"partner": q.Partner, "file": q.FileName, "journal": ref},
		TransactionIdentifier: q.Identifier,
		TransactionType:       procuros.TransactionType(q.TxType),
	}
	if q.Kind == journal.KindMessage {
		r.ErrorContext["message"] = fmt.Sprintf("%d (UNH %s, %s)", q.Position, q.Ref, q.EDIType)
	}
	res, err := b.client.ReportError(ctx, r)
	if err != nil {
		var apiErr *procuros.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode/100 == 4 && apiErr.StatusCode != 429 {
			// The report itself is refused: record that rather than
			// retrying it for ever; the entry stays quarantined.
			b.log.Error("bridge: Procuros refused an error report", "entry", ref, "error", err)
			return b.journal.SaveReported(ctx, q.Kind, q.ID, "refused: "+err.Error())
		}
		return fmt.Errorf("reporting %s: %w", ref, err)
	}
	b.log.Warn("bridge: quarantined and reported", "partner", q.Partner, "entry", ref, "problem", q.Problem, "error_url", res.ErrorURL)
	return b.journal.SaveReported(ctx, q.Kind, q.ID, res.ErrorURL)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

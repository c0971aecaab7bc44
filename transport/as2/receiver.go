package as2

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/as2/cms"
)

// Defaults of ReceiverOptions.
const (
	DefaultMaxBodyBytes     = 64 << 20
	DefaultMaxInflatedBytes = 64 << 20 // EDI compresses some tenfold: far above any interchange, far below what hurts
	DefaultReportingUA      = "edibridge AS2"
	DefaultMDNAttempts      = 8
	DefaultMDNBackoff       = 2 * time.Second
	DefaultMDNMaxBackoff    = 5 * time.Minute
)

// ReceiverOptions configure a Receiver. The zero value of a limit means
// its default.
type ReceiverOptions struct {
	// Partners are the profiles messages are received for, found by the
	// pair AS2-From and AS2-To (case-insensitively).
	Partners []*Partner
	// Sink stores every payload before its MDN is sent. Required.
	Sink transport.Sink
	// Quarantine keeps messages that could not be processed (a failed
	// decryption, a bad signature, an unknown partner), as they came: the
	// HTTP body with the headers in Meta. Nil drops them after the error
	// MDN and the log record.
	Quarantine transport.Sink
	// State remembers the MDNs sent, to answer a message sent again with
	// its original MDN. Nil means a MemoryState.
	State State
	// AsyncMDNs takes the asynchronous MDNs partners send for the
	// messages we sent (usually the Sender); nil refuses them.
	AsyncMDNs AsyncMDNHandler
	// Client POSTs asynchronous MDNs. Nil means a client with a one-minute
	// timeout per attempt.
	Client *http.Client
	// Logger receives a record per message and per problem. Nil discards
	// them.
	Logger *slog.Logger
	// OnMDNFailure is told when an asynchronous MDN could not be delivered
	// after all attempts, so that the failure is reported, not only
	// logged.
	OnMDNFailure func(partner, messageID string, err error)

	MaxBodyBytes     int64  // the largest HTTP body; DefaultMaxBodyBytes
	MaxInflatedBytes int64  // the largest decompressed content; DefaultMaxInflatedBytes
	ReportingUA      string // the MDNs' Reporting-UA; DefaultReportingUA
	MDNAttempts      int    // attempts to POST an asynchronous MDN; DefaultMDNAttempts
	// MDNBackoff is the wait after the first failed attempt, doubled after
	// each further one up to MDNMaxBackoff.
	MDNBackoff, MDNMaxBackoff time.Duration
}

// An AsyncMDNHandler takes an asynchronous MDN that a partner POSTed for
// a message we sent.
type AsyncMDNHandler interface {
	HandleAsyncMDN(ctx context.Context, p *Partner, header http.Header, body []byte) error
}

// A Receiver is the AS2 endpoint partners send to: an http.Handler that
// decrypts, decompresses and verifies each message for the partner
// profile its AS2-From and AS2-To name, hands the payload to the sink, and
// only then answers with the MDN the partner asked for.
type Receiver struct {
	opts     ReceiverOptions
	partners map[string]*Partner // by partnerKey
	state    State
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time

	// Asynchronous MDN deliveries run on their own; Close waits for them.
	// Once closing, new deliveries run in the request that asks for them,
	// since a WaitGroup may not grow while it is waited for.
	ctx     context.Context
	cancel  context.CancelFunc
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// NewReceiver checks the options and every partner profile.
func NewReceiver(opts ReceiverOptions) (*Receiver, error) {
	if opts.Sink == nil {
		return nil, errors.New("as2: receiver without a sink")
	}
	r := &Receiver{opts: opts, partners: map[string]*Partner{}, state: opts.State, client: opts.Client, log: opts.Logger, now: time.Now}
	for _, p := range opts.Partners {
		if err := p.Check(); err != nil {
			return nil, err
		}
		k := partnerKey(p.AS2ID, p.OurAS2ID)
		if other, dup := r.partners[k]; dup {
			return nil, fmt.Errorf("as2: partners %s and %s both have AS2 ids %q to %q", other.Name, p.Name, p.AS2ID, p.OurAS2ID)
		}
		r.partners[k] = p
	}
	r.setDefaults()
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

func (r *Receiver) setDefaults() {
	o := &r.opts
	if r.state == nil {
		r.state = NewMemoryState()
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: time.Minute}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	setDefault(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&o.MaxInflatedBytes, DefaultMaxInflatedBytes)
	setDefault(&o.ReportingUA, DefaultReportingUA)
	setDefault(&o.MDNAttempts, DefaultMDNAttempts)
	setDefault(&o.MDNBackoff, DefaultMDNBackoff)
	setDefault(&o.MDNMaxBackoff, DefaultMDNMaxBackoff)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func partnerKey(from, to string) string {
	return strings.ToLower(from) + "\x00" + strings.ToLower(to)
}

// Close stops taking asynchronous MDN work: it waits for the deliveries
// under way until ctx ends, then cancels them. A partner whose MDN was not
// delivered sends its message again and gets the original MDN back.
func (r *Receiver) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		<-done
		return ctx.Err()
	}
}

// request is one AS2 request as the handler sees it.
type request struct {
	from, to  string // unquoted AS2 ids
	messageID string
	mdn       mdnRequest
	header    http.Header
	body      []byte
	received  time.Time
	remote    string
}

// ServeHTTP receives one AS2 message or asynchronous MDN.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if hr.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "as2: only POST is accepted", http.StatusMethodNotAllowed)
		return
	}
	req, status, err := r.readRequest(w, hr)
	if err != nil {
		r.log.Warn("as2: request refused", "remote", hr.RemoteAddr, "status", status, "error", err)
		http.Error(w, err.Error(), status)
		return
	}
	p := r.partners[partnerKey(req.from, req.to)]
	if p == nil {
		r.refuseUnknown(w, hr.Context(), req)
		return
	}
	if isMDN(req.header.Get("Content-Type"), req.body) {
		r.receiveAsyncMDN(w, hr.Context(), p, req)
		return
	}
	r.receiveMessage(w, hr.Context(), p, req)
}

// readRequest reads the headers that say who sent what, and the body up
// to the size limit.
func (r *Receiver) readRequest(w http.ResponseWriter, hr *http.Request) (*request, int, error) {
	req := &request{
		from:      unquoteAS2ID(hr.Header.Get("AS2-From")),
		to:        unquoteAS2ID(hr.Header.Get("AS2-To")),
		messageID: strings.TrimSpace(hr.Header.Get("Message-ID")),
		header:    hr.Header,
		received:  r.now(),
		remote:    hr.RemoteAddr,
	}
	switch {
	case req.from == "" || req.to == "":
		return nil, http.StatusBadRequest, errors.New("as2: AS2-From or AS2-To header missing")
	case req.messageID == "":
		return nil, http.StatusBadRequest, errors.New("as2: Message-ID header missing")
	case len(req.messageID) > maxMessageIDLength:
		return nil, http.StatusBadRequest, fmt.Errorf("as2: Message-ID longer than %d characters", maxMessageIDLength)
	}
	req.mdn = parseMDNRequest(hr.Header.Get("Disposition-Notification-To"), hr.Header.Get("Disposition-Notification-Options"), hr.Header.Get("Receipt-Delivery-Option"))
	// Reading the body is what makes net/http answer Expect: 100-continue.
	body, err := io.ReadAll(http.MaxBytesReader(w, hr.Body, r.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("as2: message %s is larger than %d bytes", req.messageID, tooBig.Limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("as2: reading message %s: %w", req.messageID, err)
	}
	req.body = body
	return req, 0, nil
}

// refuseUnknown answers a message for an AS2 pair no partner has. There
// is no key to sign an MDN with and no certificate to check, so the answer
// is an HTTP error that names the ids; the message is quarantined.
func (r *Receiver) refuseUnknown(w http.ResponseWriter, ctx context.Context, req *request) {
	err := fmt.Errorf("as2: no partner is configured for AS2-From %q and AS2-To %q", req.from, req.to)
	r.log.Warn("as2: message from an unknown partner", "from", req.from, "to", req.to, "message_id", req.messageID, "remote", req.remote)
	r.quarantine(ctx, nil, req, err)
	http.Error(w, err.Error(), http.StatusForbidden)
}

// receiveMessage processes a message and answers it.
func (r *Receiver) receiveMessage(w http.ResponseWriter, ctx context.Context, p *Partner, req *request) {
	log := r.log.With("partner", p.Name, "message_id", req.messageID)
	// Processed before the lookup of an earlier MDN: a Message-ID is no
	// secret, and a resend is answered only when it is the partner's.
	got, err := r.process(p, req)
	if err != nil {
		log.Warn("as2: message refused", "error", err)
		r.quarantine(ctx, p, req, err)
		r.answerFailure(w, p, req, err)
		return
	}
	stored, err := r.state.LoadMDN(ctx, p.Name, req.messageID)
	if err != nil {
		log.Error("as2: looking up a sent MDN", "error", err)
		r.unavailable(w, req)
		return
	}
	if stored != nil {
		log.Info("as2: message received again: answered with its original MDN")
		r.answer(w, p, req, *stored, got.signed)
		return
	}
	receipt, err := r.opts.Sink.Store(ctx, r.file(p, req, got))
	if err != nil {
		log.Error("as2: storing the payload failed", "error", err)
		r.unavailable(w, req)
		return
	}
	log.Info("as2: message received", "bytes", len(got.payload), "signed", got.signed, "encrypted", got.encrypted,
		"compressed", got.compressed, "mic", got.mic.String(), "id", receipt.ID, "duplicate", receipt.Duplicate)
	if !req.mdn.wanted {
		w.WriteHeader(http.StatusOK)
		return
	}
	mdn, err := r.mdnFor(p, req, mdnReport{mic: got.mic, text: "The AS2 message has been received and stored."})
	if err == nil {
		err = r.state.SaveMDN(ctx, p.Name, req.messageID, mdn)
	}
	if err != nil {
		// The payload is stored; without a saved MDN a resend would be
		// answered by a new MDN. Ask for the resend now.
		log.Error("as2: building or saving the MDN failed", "error", err)
		r.unavailable(w, req)
		return
	}
	r.answer(w, p, req, mdn, got.signed)
}

// process unpacks a message and checks it against what the partner
// profile demands.
func (r *Receiver) process(p *Partner, req *request) (*received, error) {
	u := &unpacker{p: p, micAlg: req.mdn.micAlg, maxInflate: r.opts.MaxInflatedBytes}
	got, err := u.unpack(req.header.Get("Content-Type"), req.header.Get("Content-Transfer-Encoding"), req.header.Get("Content-Disposition"), req.body)
	if err != nil {
		return nil, err
	}
	switch {
	case p.RequireSigned && !got.signed:
		return nil, fail(InsufficientMessageSecurity, "partner %s must sign its messages; this one is not signed", p.Name)
	case p.RequireEncrypted && !got.encrypted:
		return nil, fail(InsufficientMessageSecurity, "partner %s must encrypt its messages; this one is not encrypted", p.Name)
	}
	return got, nil
}

// file is what the sink stores for a received message.
func (r *Receiver) file(p *Partner, req *request, got *received) transport.File {
	meta := r.meta(req)
	meta["content_type"] = got.contentType
	meta["as2.signed"] = strconv.FormatBool(got.signed)
	meta["as2.encrypted"] = strconv.FormatBool(got.encrypted)
	meta["as2.compressed"] = strconv.FormatBool(got.compressed)
	meta["as2.mic"] = got.mic.String()
	if got.encrypted {
		meta["as2.cipher"] = string(got.envelope.Cipher)
		meta["as2.key_transport"] = string(got.envelope.KeyTransport)
	}
	return transport.File{
		Partner:   p.Name,
		Transport: "as2",
		Name:      got.fileName,
		Key:       req.messageID,
		Received:  req.received,
		Data:      got.payload,
		Meta:      meta,
	}
}

// meta holds the request's AS2 details.
func (r *Receiver) meta(req *request) map[string]string {
	m := map[string]string{
		"as2.from":       req.from,
		"as2.to":         req.to,
		"as2.message_id": req.messageID,
		"remote_addr":    req.remote,
	}
	for _, h := range []string{"Subject", "Date", "AS2-Version", "User-Agent"} {
		if v := req.header.Get(h); v != "" {
			m["as2."+strings.ToLower(h)] = v
		}
	}
	return m
}

// quarantine keeps a message that could not be processed as it came,
// whether or not the partner is still connected.
func (r *Receiver) quarantine(ctx context.Context, p *Partner, req *request, cause error) {
	if r.opts.Quarantine == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	meta := r.meta(req)
	for _, h := range []string{"Content-Type", "Content-Transfer-Encoding", "Content-Disposition"} {
		if v := req.header.Get(h); v != "" {
			meta[strings.ToLower(h)] = v
		}
	}
	meta["as2.error"] = cause.Error()
	var f *failure
	if errors.As(cause, &f) {
		meta["as2.disposition"] = f.disposition
	}
	name := ""
	if p != nil {
		name = p.Name
	}
	file := transport.File{Partner: name, Transport: "as2", Key: req.messageID, Received: req.received, Data: req.body, Meta: meta}
	if _, err := r.opts.Quarantine.Store(ctx, file); err != nil {
		r.log.Error("as2: quarantining a refused message failed", "partner", name, "message_id", req.messageID, "error", err)
	}
}

// answerFailure sends the error MDN, or, when the partner asked for none,
// an HTTP error, since the status is then all the partner learns. Nothing
// was authenticated, so the answer names what failed, in the words of its
// disposition, and keeps the details (library errors, certificates) for
// the log and the quarantine.
func (r *Receiver) answerFailure(w http.ResponseWriter, p *Partner, req *request, cause error) {
	disposition := UnexpectedProcessingError
	var f *failure
	if errors.As(cause, &f) {
		disposition = f.disposition
	}
	text := fmt.Sprintf("The AS2 message %s could not be processed: %s.", req.messageID, failureText(disposition))
	if !req.mdn.wanted {
		http.Error(w, "as2: "+text, http.StatusBadRequest)
		return
	}
	mdn, err := r.mdnFor(p, req, mdnReport{failure: disposition, text: text})
	if err != nil {
		r.log.Error("as2: building the error MDN failed", "partner", p.Name, "message_id", req.messageID, "error", err)
		http.Error(w, "as2: "+text, http.StatusInternalServerError)
		return
	}
	r.answer(w, p, req, mdn, false)
}

// failureText says what a failure disposition means to the partner.
func failureText(disposition string) string {
	switch disposition {
	case DecryptionFailed:
		return "it could not be decrypted with our private key (check that it is encrypted for our current certificate)"
	case AuthenticationFailed:
		return "its signature could not be verified with the certificate we hold for you"
	case IntegrityCheckFailed:
		return "its content does not match its signature"
	case InsufficientMessageSecurity:
		return "it lacks the signature or encryption agreed for this relationship"
	case DecompressionFailed:
		return "its compressed content could not be inflated"
	}
	return "its format could not be read; the receiving system's operator has the details"
}

// unavailable asks the partner to send the message again later: nothing
// was acknowledged, so nothing is lost. The cause is logged, not told.
func (r *Receiver) unavailable(w http.ResponseWriter, req *request) {
	w.Header().Set("Retry-After", "60")
	http.Error(w, fmt.Sprintf("as2: message %s could not be stored; send it again later", req.messageID), http.StatusServiceUnavailable)
}

// mdnFor builds the MDN for a report, signed if the partner asked.
func (r *Receiver) mdnFor(p *Partner, req *request, rep mdnReport) (StoredMDN, error) {
	rep.reportingUA = r.opts.ReportingUA
	rep.recipient = p.OurAS2ID
	rep.originalMessageID = req.messageID
	var s *mdnSigner
	if req.mdn.signed {
		s = &mdnSigner{p: p, digest: signingDigest(req.mdn.algs)}
	}
	return buildMDN(p, rep, s, r.now())
}

// signingDigest is the first of the partner's signed-receipt-micalg
// digests an MDN can be signed with, or SHA-256: a partner that asks for
// SHA-224 still gets its MIC by SHA-224, in an MDN signed with SHA-256.
func signingDigest(algs []crypto.Hash) crypto.Hash {
	for _, h := range algs {
		if cms.CanSign(h) {
			return h
		}
	}
	return crypto.SHA256
}

// answer sends an MDN: in the response, or, when the partner asked for an
// asynchronous one, to its URL after an empty 200. The URL comes from the
// request, so it is used only when the message's signature proved it the
// partner's (authenticated), or when it is on the host of the partner's
// own AS2 endpoint (Send.URL): anyone else would make the receiver POST
// where they like. Otherwise the MDN goes in the response.
func (r *Receiver) answer(w http.ResponseWriter, p *Partner, req *request, mdn StoredMDN, authenticated bool) {
	if !req.mdn.wanted {
		w.WriteHeader(http.StatusOK)
		return
	}
	if req.mdn.url != "" {
		if authenticated || sameHost(req.mdn.url, p.Send.URL) {
			w.WriteHeader(http.StatusOK)
			r.deliverLater(p, req.messageID, req.mdn.url, mdn)
			return
		}
		r.log.Warn("as2: asynchronous MDN URL of an unauthenticated message not used: the MDN goes in the response",
			"partner", p.Name, "message_id", req.messageID, "url", req.mdn.url)
	}
	h := w.Header()
	for k, v := range mdn.Header {
		h[k] = v
	}
	h["Content-Length"] = []string{strconv.Itoa(len(mdn.Body))}
	w.WriteHeader(http.StatusOK)
	w.Write(mdn.Body) // a failed write is the partner's lost connection: it resends and gets this MDN again
}

// sameHost reports whether two URLs name the same host, whatever their
// ports: partners often take MDNs on another port than messages.
func sameHost(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil || ua.Hostname() == "" {
		return false
	}
	ub, err := url.Parse(b)
	return err == nil && strings.EqualFold(ua.Hostname(), ub.Hostname())
}

// deliverLater POSTs an asynchronous MDN, with retries, in the background.
// Once the receiver is closing, it makes one attempt before the request
// returns, bounded by the client's timeout: a partner whose MDN is lost
// sends again and gets the stored MDN.
func (r *Receiver) deliverLater(p *Partner, messageID, url string, mdn StoredMDN) {
	deliver := func(attempt func() error) {
		if err := attempt(); err != nil {
			r.log.Error("as2: asynchronous MDN not delivered", "partner", p.Name, "message_id", messageID, "url", url, "error", err)
			if r.opts.OnMDNFailure != nil {
				r.opts.OnMDNFailure(p.Name, messageID, err)
			}
		}
	}
	r.mu.Lock()
	closing := r.closing
	if !closing {
		r.wg.Add(1)
	}
	r.mu.Unlock()
	if closing {
		deliver(func() error { return r.post(context.Background(), url, mdn) })
		return
	}
	go func() {
		defer r.wg.Done()
		deliver(func() error { return r.deliver(r.ctx, url, mdn) })
	}()
}

// deliver POSTs the MDN until the partner answers 2xx, the attempts are
// spent or ctx ends.
func (r *Receiver) deliver(ctx context.Context, url string, mdn StoredMDN) error {
	wait := r.opts.MDNBackoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = r.post(ctx, url, mdn); err == nil {
			return nil
		}
		if attempt >= r.opts.MDNAttempts {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped after %d attempts: %w", attempt, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, r.opts.MDNMaxBackoff)
	}
}

func (r *Receiver) post(ctx context.Context, url string, mdn StoredMDN) error {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(mdn.Body))
	if err != nil {
		return err
	}
	for k, v := range mdn.Header {
		hr.Header[k] = v
	}
	resp, err := r.client.Do(hr)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

// isMDN tells an MDN from a message: a multipart/report, or a
// multipart/signed whose signed part is one.
func isMDN(contentType string, body []byte) bool {
	mt, params, err := parseMediaType(contentType)
	switch {
	case err != nil:
		return false
	case mt == "multipart/report":
		return true
	case mt != "multipart/signed":
		return false
	}
	parts, err := splitMultipart(body, params["boundary"])
	if err != nil || len(parts) == 0 {
		return false
	}
	e, err := parseEntity(parts[0])
	if err != nil {
		return false
	}
	inner, _, err := e.mediaType()
	return err == nil && inner == "multipart/report"
}

// receiveAsyncMDN hands an asynchronous MDN to the sender that waits for
// it.
func (r *Receiver) receiveAsyncMDN(w http.ResponseWriter, ctx context.Context, p *Partner, req *request) {
	if r.opts.AsyncMDNs == nil {
		http.Error(w, "as2: this endpoint takes no asynchronous MDNs", http.StatusBadRequest)
		return
	}
	if err := r.opts.AsyncMDNs.HandleAsyncMDN(ctx, p, req.header, req.body); err != nil {
		r.log.Warn("as2: asynchronous MDN refused", "partner", p.Name, "message_id", req.messageID, "error", err)
		http.Error(w, "as2: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

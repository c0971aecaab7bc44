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
	"strings"
	"time"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// Why a message counts as not delivered; a *DeliveryError wraps one.
var (
	ErrHTTPStatus     = errors.New("the partner answered with an HTTP error")
	ErrNoMDN          = errors.New("no MDN came back")
	ErrBadMDN         = errors.New("the MDN cannot be read or its signature is not the partner's")
	ErrUnsignedMDN    = errors.New("the MDN is not signed, but a signed one was asked for")
	ErrOtherMessage   = errors.New("the MDN answers another message")
	ErrNotProcessed   = errors.New("the MDN reports an error")
	ErrMICMismatch    = errors.New("the MDN's Received-Content-MIC is not the MIC of what was sent")
	ErrNothingAwaited = errors.New("no sent message awaits this MDN")
)

// A DeliveryError says why a message was not delivered. Temporary errors
// (the network, HTTP 5xx, 408, 429) are worth sending the same message,
// with the same Message-ID, again; the others need a person.
type DeliveryError struct {
	Partner   string
	MessageID string
	Temporary bool
	MDN       *MDN // the MDN, when one came
	Err       error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("as2: message %s to %s not delivered: %v", e.MessageID, e.Partner, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// A Message is a payload to send.
type Message struct {
	Payload  []byte
	FileName string // Content-Disposition filename; "" means none
	// ContentType overrides SendOptions.ContentType.
	ContentType string
	// MessageID, with angle brackets, is the id to send under; "" makes a
	// new one. A message sent again must keep its id, so that the partner
	// recognises it and answers with its original MDN.
	MessageID string
	Subject   string
}

// A Delivery is what sending achieved.
type Delivery struct {
	MessageID string
	// MIC is the MIC of what was sent, by the algorithm asked for.
	MIC MIC
	// MDN is the synchronous MDN, checked; nil when none was asked for or
	// it comes asynchronously.
	MDN *MDN
	// Pending says an asynchronous MDN will follow; SenderOptions.OnAsyncMDN
	// is told when it comes.
	Pending bool
}

// An Outcome is the result of an asynchronous MDN matched to a sent
// message: Err is nil when the MDN confirms delivery.
type Outcome struct {
	Partner   string
	MessageID string
	MDN       *MDN
	Err       error // a *DeliveryError
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	// Client sends the messages; nil means a plain http.Client. Each send
	// is bounded by SendOptions.Timeout.
	Client *http.Client
	// State keeps the messages that await an asynchronous MDN; nil means a
	// MemoryState. Give the Receiver's State the same.
	State State
	// OnAsyncMDN is told the outcome of each asynchronous MDN.
	OnAsyncMDN func(ctx context.Context, o Outcome)
	Logger     *slog.Logger
	// UserAgent is sent as User-Agent; "" means "edibridge".
	UserAgent string
}

// A Sender sends AS2 messages and checks their MDNs. It also takes the
// asynchronous MDNs a Receiver passes on (AsyncMDNHandler).
type Sender struct {
	opts   SenderOptions
	client *http.Client
	state  State
	log    *slog.Logger
	now    func() time.Time
}

// NewSender returns a Sender.
func NewSender(opts SenderOptions) *Sender {
	s := &Sender{opts: opts, client: opts.Client, state: opts.State, log: opts.Logger, now: time.Now}
	if s.client == nil {
		s.client = &http.Client{}
	}
	if s.state == nil {
		s.state = NewMemoryState()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	setDefault(&s.opts.UserAgent, "edibridge")
	return s
}

// maxMDNBytes bounds a synchronous MDN read from the partner.
const maxMDNBytes = 4 << 20

// Send builds the message for the partner's send options, POSTs it and,
// for a synchronous MDN, checks the MDN: the partner's signature (when a
// signed one was asked for, or given), the Original-Message-ID, a
// processed disposition and the MIC. Anything short of that is a
// *DeliveryError.
func (s *Sender) Send(ctx context.Context, p *Partner, m Message) (*Delivery, error) {
	o := &p.Send
	if err := p.Check(); err != nil {
		return nil, err
	}
	if o.URL == "" {
		return nil, fmt.Errorf("as2: partner %s has no URL to send to", p.Name)
	}
	if m.MessageID == "" {
		m.MessageID = newMessageID("msg", p.OurAS2ID, s.now())
	}
	out, err := s.build(p, m)
	if err != nil {
		return nil, fmt.Errorf("as2: building message %s for %s: %w", m.MessageID, p.Name, err)
	}
	d := &Delivery{MessageID: m.MessageID, MIC: out.mics[0]}
	if o.mdnMode() == MDNAsync {
		// Saved first: the MDN may come before the response does.
		a := Awaiting{Partner: p.Name, MessageID: m.MessageID, MICs: out.mics, SignedMDN: o.SignedMDN, Sent: s.now()}
		if err := s.state.SaveAwaiting(ctx, a); err != nil {
			return nil, fmt.Errorf("as2: recording message %s as awaiting its MDN: %w", m.MessageID, err)
		}
	}
	status, header, body, err := s.post(ctx, p, out)
	derr := func(temporary bool, mdn *MDN, err error) error {
		return &DeliveryError{Partner: p.Name, MessageID: m.MessageID, Temporary: temporary, MDN: mdn, Err: err}
	}
	switch {
	case err != nil:
		return nil, derr(true, nil, err)
	case status/100 != 2:
		temporary := status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
		return nil, derr(temporary, nil, fmt.Errorf("%w: %d %s", ErrHTTPStatus, status, snippet(body)))
	}
	switch o.mdnMode() {
	case MDNNone:
		return d, nil
	case MDNAsync:
		d.Pending = true
		return d, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, derr(false, nil, ErrNoMDN)
	}
	mdn, err := readMDN(header, body, p)
	if err != nil {
		return nil, derr(false, nil, fmt.Errorf("%w: %v", ErrBadMDN, err))
	}
	d.MDN = mdn
	if err := checkMDN(mdn, m.MessageID, out.mics, o.SignedMDN); err != nil {
		return nil, derr(false, mdn, err)
	}
	s.log.Info("as2: message delivered", "partner", p.Name, "message_id", m.MessageID, "mic", d.MIC.String())
	return d, nil
}

// post sends the built message and reads the answer.
func (s *Sender) post(ctx context.Context, p *Partner, out *outgoing) (int, http.Header, []byte, error) {
	timeout := p.Send.Timeout
	if timeout == 0 {
		timeout = DefaultSendTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Send.URL, bytes.NewReader(out.body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = out.header
	req.Header.Set("User-Agent", s.opts.UserAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMDNBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(body) > maxMDNBytes {
		return 0, nil, nil, fmt.Errorf("the answer is larger than %d bytes", maxMDNBytes)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// checkMDN checks that an MDN confirms the delivery of the message.
func checkMDN(mdn *MDN, messageID string, mics []MIC, signed bool) error {
	switch {
	case signed && !mdn.Signed:
		return ErrUnsignedMDN
	case trimAngles(mdn.OriginalMessageID) != trimAngles(messageID):
		return fmt.Errorf("%w: %s", ErrOtherMessage, mdn.OriginalMessageID)
	case !mdn.Processed():
		return fmt.Errorf("%w: %s", ErrNotProcessed, mdn.Disposition)
	case mdn.MIC.Digest == "" && !signed && !mdn.Signed:
		// RFC 4130 7.4.3: required for signed receipts, optional for
		// unsigned ones.
		return nil
	case mdn.MIC.Digest == "":
		return fmt.Errorf("%w: the MDN has none", ErrMICMismatch)
	}
	for _, mic := range mics {
		if mic.Equal(mdn.MIC) {
			return nil
		}
	}
	return fmt.Errorf("%w: received %s, sent %s", ErrMICMismatch, mdn.MIC, mics[0])
}

func trimAngles(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

// snippet returns the start of an error body for a message.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return asciiText(s)
}

// HandleAsyncMDN checks an asynchronous MDN the Receiver passed on and
// matches it to the message it answers; SenderOptions.OnAsyncMDN is told
// the outcome. An MDN that cannot be read or whose signature is not the
// partner's is refused with an error and leaves the awaited message
// waiting; a genuine MDN for no awaited message is logged and ignored.
func (s *Sender) HandleAsyncMDN(ctx context.Context, p *Partner, header http.Header, body []byte) error {
	mdn, err := readMDN(header, body, p)
	if err != nil {
		return err
	}
	if p.Send.SignedMDN && !mdn.Signed {
		// Anyone can post an unsigned MDN; taking the awaited message for
		// it would turn away the partner's real one.
		return fmt.Errorf("%w (for %s)", ErrUnsignedMDN, mdn.OriginalMessageID)
	}
	a, err := s.takeAwaiting(ctx, p, mdn.OriginalMessageID)
	if errors.Is(err, ErrNothingAwaited) {
		// The partner's own MDN, for a message already settled (an MDN
		// sent twice): refusing it would only make the partner retry.
		s.log.Warn("as2: asynchronous MDN for no awaited message ignored", "partner", p.Name, "original_message_id", mdn.OriginalMessageID, "disposition", mdn.Disposition)
		return nil
	}
	if err != nil {
		return err
	}
	o := Outcome{Partner: p.Name, MessageID: a.MessageID, MDN: mdn}
	if err := checkMDN(mdn, a.MessageID, a.MICs, a.SignedMDN); err != nil {
		o.Err = &DeliveryError{Partner: p.Name, MessageID: a.MessageID, MDN: mdn, Err: err}
		s.log.Warn("as2: asynchronous MDN reports a failed delivery", "partner", p.Name, "message_id", a.MessageID, "error", err)
	} else {
		s.log.Info("as2: message delivered (asynchronous MDN)", "partner", p.Name, "message_id", a.MessageID)
	}
	if s.opts.OnAsyncMDN != nil {
		s.opts.OnAsyncMDN(ctx, o)
	}
	return nil
}

// takeAwaiting finds the awaited message, with or without the angle
// brackets some partners drop from Original-Message-ID.
func (s *Sender) takeAwaiting(ctx context.Context, p *Partner, id string) (*Awaiting, error) {
	bare := trimAngles(id)
	for _, candidate := range []string{id, "<" + bare + ">", bare} {
		a, err := s.state.TakeAwaiting(ctx, p.Name, candidate)
		if err != nil {
			return nil, fmt.Errorf("as2: looking up message %s: %w", id, err)
		}
		if a != nil {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w: %s from %s", ErrNothingAwaited, id, p.Name)
}

// outgoing is a message built for sending.
type outgoing struct {
	header http.Header
	body   []byte
	mics   []MIC // the MICs the MDN may carry; the first is the one asked for
}

// part is a MIME entity being built: header lines, Content-Type first.
type part struct {
	header []string
	body   []byte
}

func (p part) bytes() []byte {
	var b bytes.Buffer
	b.Grow(len(p.body) + 256)
	for _, h := range p.header {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(p.body)
	return b.Bytes()
}

// smimePart is an application/pkcs7-mime entity in binary.
func smimePart(smimeType, file string, der []byte) part {
	return part{header: []string{
		`Content-Type: application/pkcs7-mime; smime-type=` + smimeType + `; name="` + file + `"`,
		"Content-Transfer-Encoding: binary",
		`Content-Disposition: attachment; filename="` + file + `"`,
	}, body: der}
}

// build nests the payload in the layers the partner's options ask for:
// compression (before or after signing), signature, encryption; and
// computes the MIC the MDN must return.
func (s *Sender) build(p *Partner, m Message) (*outgoing, error) {
	o := &p.Send
	payload := payloadPart(o, m)
	e := payload
	var err error
	if o.Compress == CompressBeforeSigning {
		if e, err = compressPart(e); err != nil {
			return nil, err
		}
	}
	var mics []MIC
	signed := o.Sign != 0
	if signed {
		signedBytes := e.bytes()
		mics = signedMICs(o, signedBytes)
		ct, body, err := signPart(signedBytes, p, o.Sign)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		e = part{header: []string{"Content-Type: " + ct}, body: body}
	}
	if o.Compress == CompressAfterSigning {
		if e, err = compressPart(e); err != nil {
			return nil, err
		}
	}
	if o.Encrypt != "" {
		if !signed { // the decrypted, decompressed entity
			mics = unsignedMICs(o, payload.bytes())
		}
		if e, err = encryptPart(e, p); err != nil {
			return nil, err
		}
	} else if !signed { // the content alone
		mics = unsignedMICs(o, m.Payload)
	}
	return &outgoing{header: s.header(p, m, e), body: e.body, mics: mics}, nil
}

// signedMICs are the MICs of a signed message: by the algorithm asked
// for when a signed MDN is asked for (only then do the options name it),
// else by the signature's digest, which partners use, or MICAlg.
func signedMICs(o *SendOptions, b []byte) []MIC {
	if o.SignedMDN || o.micAlg() == o.Sign {
		return []MIC{computeMIC(o.micAlg(), b)}
	}
	return []MIC{computeMIC(o.Sign, b), computeMIC(o.micAlg(), b)}
}

// unsignedMICs are the MICs of an unsigned message: by the algorithm
// asked for when a signed MDN is asked for (the options carry it), else
// by each algorithm the partner may choose.
func unsignedMICs(o *SendOptions, b []byte) []MIC {
	if o.SignedMDN {
		return []MIC{computeMIC(o.micAlg(), b)}
	}
	var mics []MIC
	for _, h := range []crypto.Hash{o.micAlg(), crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if h != o.micAlg() || len(mics) == 0 {
			mics = append(mics, computeMIC(h, b))
		}
	}
	return mics
}

func payloadPart(o *SendOptions, m Message) part {
	ct := m.ContentType
	if ct == "" {
		ct = o.ContentType
	}
	if ct == "" {
		ct = "application/EDIFACT"
	}
	h := []string{"Content-Type: " + ct, "Content-Transfer-Encoding: binary"}
	if name := fileName("", m.FileName); name != "" {
		h = append(h, `Content-Disposition: attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	}
	return part{header: h, body: m.Payload}
}

func compressPart(e part) (part, error) {
	der, err := cms.Compress(e.bytes())
	if err != nil {
		return part{}, fmt.Errorf("compressing: %w", err)
	}
	return smimePart("compressed-data", "smime.p7z", der), nil
}

func encryptPart(e part, p *Partner) (part, error) {
	c, err := cms.ParseCipher(string(p.Send.Encrypt))
	if err != nil {
		return part{}, err
	}
	kt := cms.RSAPKCS1v15
	if p.Send.KeyTransport != "" {
		if kt, err = cms.ParseKeyTransport(string(p.Send.KeyTransport)); err != nil {
			return part{}, err
		}
	}
	der, err := cms.Encrypt(e.bytes(), p.Certificate, c, kt)
	if err != nil {
		return part{}, fmt.Errorf("encrypting: %w", err)
	}
	smimeType := "enveloped-data"
	if strings.HasSuffix(string(c), "-gcm") {
		smimeType = "authEnveloped-data"
	}
	return smimePart(smimeType, "smime.p7m", der), nil
}

// header is the HTTP header of a built message: the AS2 headers, the MDN
// request, and the outermost entity's content headers (its body is the
// HTTP body).
func (s *Sender) header(p *Partner, m Message, e part) http.Header {
	o := &p.Send
	h := http.Header{}
	set := func(k, v string) { h[k] = []string{v} } // AS2 spelling, not Header.Set's
	set("AS2-Version", "1.2")
	set("AS2-From", quoteAS2ID(p.OurAS2ID))
	set("AS2-To", quoteAS2ID(p.AS2ID))
	set("Message-ID", m.MessageID)
	set("Date", s.now().UTC().Format(time.RFC1123Z))
	set("MIME-Version", "1.0")
	subject := m.Subject
	if subject == "" {
		subject = "AS2 message " + m.FileName
	}
	set("Subject", asciiText(strings.TrimSpace(subject)))
	for _, line := range e.header {
		k, v, _ := strings.Cut(line, ": ")
		set(k, v)
	}
	if o.mdnMode() != MDNNone {
		set("Disposition-Notification-To", "as2@"+idDomain(p.OurAS2ID)+".invalid")
		if o.SignedMDN {
			set("Disposition-Notification-Options", formatMDNOptions(o.micAlg()))
		}
		if o.mdnMode() == MDNAsync {
			set("Receipt-Delivery-Option", o.AsyncMDNURL)
		}
	}
	return h
}

package as2

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// A recorder is an HTTP endpoint that counts what is POSTed to it.
type recorder struct {
	mu    sync.Mutex
	posts []string
	url   string
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.url = partnerAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.posts = append(rec.posts, string(body))
	})
	return rec
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

// asyncHeader is the header of a hand-made message asking for an
// asynchronous MDN at url.
func asyncHeader(messageID, contentType, url string) http.Header {
	return http.Header{
		"AS2-From": {"A"}, "AS2-To": {"B"}, "Message-ID": {messageID},
		"Content-Type":                     {contentType},
		"Disposition-Notification-To":      {"as2@a.invalid"},
		"Disposition-Notification-Options": {"signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256"},
		"Receipt-Delivery-Option":          {url},
	}
}

// mdnIn reads the MDN a receiver answered with in the response.
func mdnIn(t *testing.T, l *loop, resp *http.Response) *MDN {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NotEmpty(t, body, "the MDN is in the response")
	m, err := readMDN(resp.Header, body, l.a)
	require.NoError(t, err)
	return m
}

// AS2 ids are no secret: a stranger who posts garbage under them, asking
// for an asynchronous MDN at a URL of its choosing, must not make the
// receiver POST there. The MDN goes in the response instead.
func TestUnauthenticatedMessageGetsNoAsyncMDNAtItsURL(t *testing.T) {
	target := newRecorder(t)
	l := newLoop(t, SendOptions{}, nil)
	l.b.Send.URL = "https://as2.partner.example/as2" // not the recorder's host
	resp := l.post(t, asyncHeader("<evil-1@x>", "application/pkcs7-mime; smime-type=enveloped-data", target.url+"/internal"), []byte("not CMS"))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	m := mdnIn(t, l, resp)
	assert.False(t, m.Processed())
	assert.Contains(t, m.Disposition, DecryptionFailed)
	time.Sleep(100 * time.Millisecond) // a background POST would have started by now
	assert.Zero(t, target.count())
	assert.Len(t, l.quarantine.Files(), 1)
}

// A known Message-ID sent again by someone else is not a resend: when the
// partner must sign, the unsigned copy is refused; when it need not, the
// stored MDN is answered in the response, never POSTed to the copy's URL.
func TestResentMessageIDIsVerifiedBeforeItsMDNIsRepeated(t *testing.T) {
	for _, requireSigned := range []bool{true, false} {
		target := newRecorder(t)
		l := newLoop(t, SendOptions{Sign: crypto.SHA256, Encrypt: cms.AES128CBC, SignedMDN: true}, nil)
		l.b.RequireSigned = requireSigned
		l.b.Send.URL = "https://as2.partner.example/as2" // not the recorder's host
		_, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload, MessageID: "<known-1@A>"})
		require.NoError(t, err)
		resp := l.post(t, asyncHeader("<known-1@A>", "text/plain", target.url), []byte("garbage"))
		m := mdnIn(t, l, resp)
		assert.Equal(t, !requireSigned, m.Processed(), m.Disposition)
		time.Sleep(100 * time.Millisecond)
		assert.Zero(t, target.count())
		assert.Len(t, l.sink.Files(), 1)
	}
}

// An unsigned message proves nothing about who sent it, but an
// asynchronous MDN to the host of the partner's own AS2 endpoint goes
// where the partner is anyway.
func TestUnsignedMessageGetsAsyncMDNAtThePartnersHost(t *testing.T) {
	target := newRecorder(t)
	l := newLoop(t, SendOptions{}, nil)
	l.b.Send.URL = target.url + "/as2"
	resp := l.post(t, asyncHeader("<unsigned-1@A>", "application/EDIFACT", target.url+"/mdn"), testPayload)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Empty(t, body)
	require.Eventually(t, func() bool { return target.count() == 1 }, 5*time.Second, 10*time.Millisecond)
}

// A refused message is kept whether or not the partner is still there.
func TestQuarantineSurvivesTheSendersDisconnect(t *testing.T) {
	l := newLoop(t, SendOptions{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/as2", bytes.NewReader([]byte("not CMS"))).WithContext(ctx)
	req.Header = http.Header{"As2-From": {"A"}, "As2-To": {"B"}, "Message-Id": {"<gone@A>"},
		"Content-Type": {"application/pkcs7-mime; smime-type=enveloped-data"}, "Disposition-Notification-To": {"x"}}
	l.receiver.ServeHTTP(httptest.NewRecorder(), req)
	assert.Len(t, l.quarantine.Files(), 1)
}

// An error MDN tells the partner what failed, by its disposition, and
// keeps library errors and certificate details for the log.
func TestErrorMDNNamesTheFailureNotItsDetails(t *testing.T) {
	l := newLoop(t, SendOptions{}, nil)
	c := ident(t, "C")
	der, err := cms.Encrypt([]byte("Content-Type: text/plain\r\n\r\nx"), c.cert, cms.AES128CBC, cms.RSAPKCS1v15)
	require.NoError(t, err)
	h := asyncHeader("<for-c@A>", "application/pkcs7-mime; smime-type=enveloped-data", "")
	delete(h, "Receipt-Delivery-Option")
	m := mdnIn(t, l, l.post(t, h, der))
	assert.Contains(t, m.Disposition, DecryptionFailed)
	assert.Contains(t, m.Text, "could not be decrypted with our private key")
	assert.NotContains(t, m.Text, "serial")
	assert.NotContains(t, m.Text, "cms:")
	assert.Contains(t, l.quarantine.Files()[0].Meta["as2.error"], "not encrypted for this certificate", "the details are kept")
}

// A partner asking for a MIC by SHA-224, which signatures here cannot use,
// gets its MIC by SHA-224 in an MDN signed with SHA-256, not an error.
func TestSHA224MICAlgGetsAnMDNSignedWithSHA256(t *testing.T) {
	l := newLoop(t, SendOptions{}, nil)
	h := asyncHeader("<sha224@A>", "application/EDIFACT", "")
	delete(h, "Receipt-Delivery-Option")
	h.Set("Disposition-Notification-Options", "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-224, sha-256")
	resp := l.post(t, h, testPayload)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	m := mdnIn(t, l, resp)
	assert.True(t, m.Signed)
	assert.True(t, m.Processed(), m.Disposition)
	assert.Equal(t, computeMIC(crypto.SHA224, testPayload), m.MIC)
	assert.Contains(t, resp.Header.Get("Content-Type"), "micalg=sha-256")
}

// Disposition-Notification-Options without the importance token, as
// some senders write them, still ask for a signed MDN.
func TestMDNOptionsWithoutImportance(t *testing.T) {
	r := parseMDNRequest("x", "signed-receipt-protocol=pkcs7-signature; signed-receipt-micalg=sha1", "")
	require.True(t, r.wanted)
	assert.True(t, r.signed)
	assert.Equal(t, crypto.SHA1, r.micAlg)
}

// An unsigned MDN, when a signed one was asked for, is anyone's: it is
// refused and leaves the message awaiting the partner's real MDN.
func TestUnsignedAsyncMDNLeavesTheMessageAwaiting(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, MDN: MDNAsync, SignedMDN: true}, nil)
	l.a.Send.URL = partnerAnswering(t, func(http.ResponseWriter, *http.Request) {}) // never answers with an MDN
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	forged, err := buildMDN(l.b, mdnReport{reportingUA: "x", recipient: "B", originalMessageID: d.MessageID, failure: DecryptionFailed}, nil, time.Now())
	require.NoError(t, err)
	resp := l.post(t, forged.Header, forged.Body)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	select {
	case o := <-l.outcomes:
		t.Fatalf("the forged MDN settled the message: %v", o.Err)
	default:
	}
	a, err := l.sender.state.TakeAwaiting(context.Background(), "b", d.MessageID)
	require.NoError(t, err)
	assert.NotNil(t, a)
}

// RFC 4130 7.4.3: Received-Content-MIC is optional in an unsigned MDN.
func TestUnsignedMDNWithoutMICConfirmsDelivery(t *testing.T) {
	aSide, bSide := profiles(t, SendOptions{Sign: crypto.SHA256})
	aSide.Send.URL = partnerAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		m, err := buildMDN(bSide, mdnReport{reportingUA: "x", recipient: "B", originalMessageID: r.Header.Get("Message-ID")}, nil, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for k, v := range m.Header {
			w.Header()[k] = v
		}
		w.Write(m.Body)
	})
	_, err := NewSender(SenderOptions{}).Send(context.Background(), aSide, Message{Payload: testPayload})
	assert.NoError(t, err)
}

// MICAlg without a signed MDN is not told to the partner, which then
// computes the MIC with the signature's digest: that MIC confirms too.
func TestMICAlgWithoutSignedMDN(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA1, MICAlg: crypto.SHA256, MDN: MDNSync}, nil)
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	assert.Equal(t, crypto.SHA1, d.MDN.MIC.Algorithm)
}

// Messages that arrive while the receiver closes still get their
// asynchronous MDN: one attempt each, before their request returns.
func TestCloseWhileMessagesArrive(t *testing.T) {
	target := newRecorder(t)
	l := newLoop(t, SendOptions{}, nil)
	l.b.Send.URL = target.url
	const n = 30
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.post(t, asyncHeader("<close-"+strings.Repeat("x", i+1)+"@A>", "application/EDIFACT", target.url), testPayload)
		}()
	}
	time.Sleep(time.Millisecond)
	require.NoError(t, l.receiver.Close(context.Background()))
	wg.Wait()
	require.Eventually(t, func() bool { return target.count() == n }, 5*time.Second, 10*time.Millisecond)
}

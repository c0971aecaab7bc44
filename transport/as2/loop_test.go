package as2

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/as2/cms"
)

// An LF-only interchange with a byte outside ASCII and a stray CR: the
// line endings must arrive untouched.
var testPayload = []byte("UNA:+.? 'UNB+UNOC:3+4000000000001:14+4000000000002:14+261121:1200+1'\nUNH+1+ORDERS:D:96A:UN:EAN008'\nNAD+BY+++M\xfcller'\r\nUNT+3+1'\nUNZ+1+1'\n")

var (
	testDigests  = []crypto.Hash{0, crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}
	testCiphers  = []cms.Cipher{"", cms.DES3CBC, cms.AES128CBC, cms.AES192CBC, cms.AES256CBC, cms.AES128GCM, cms.AES192GCM, cms.AES256GCM}
	testKeyTrans = []cms.KeyTransport{cms.RSAPKCS1v15, cms.RSAOAEPSHA1, cms.RSAOAEPSHA256, cms.RSAOAEPSHA512}
	testCompress = []Compression{NoCompression, CompressBeforeSigning, CompressAfterSigning}
	testMDNModes = []struct {
		mode   MDNMode
		signed bool
	}{{MDNSync, true}, {MDNSync, false}, {MDNAsync, true}, {MDNAsync, false}, {MDNNone, false}}
)

// TestSenderToReceiverMatrix sends across every signing digest, cipher and
// key transport; compression and the MDN mode rotate over the cases so
// that each meets every digest and cipher. Each case checks the payload
// arrives byte for byte, and the MDN confirms it with the sender's MIC.
func TestSenderToReceiverMatrix(t *testing.T) {
	n := 0
	for _, sign := range testDigests {
		for _, c := range testCiphers {
			for _, kt := range testKeyTrans {
				if c == "" && kt != cms.RSAPKCS1v15 {
					continue
				}
				m := testMDNModes[n%len(testMDNModes)]
				opts := SendOptions{Sign: sign, Encrypt: c, KeyTransport: kt, Compress: testCompress[n%len(testCompress)], MDN: m.mode, SignedMDN: m.signed}
				n++
				name := fmt.Sprintf("%s/%s/%s/%s/%s-signed=%v", DigestName(sign), c, kt, opts.Compress, m.mode, m.signed)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					sendAndCheck(t, opts)
				})
			}
		}
	}
}

// TestCompressionAndMDNModes covers every compression and MDN mode pair
// for a signed and encrypted message and an unprotected one.
func TestCompressionAndMDNModes(t *testing.T) {
	for _, protected := range []bool{true, false} {
		for _, z := range testCompress {
			for _, m := range testMDNModes {
				opts := SendOptions{Compress: z, MDN: m.mode, SignedMDN: m.signed}
				if protected {
					opts.Sign, opts.Encrypt = crypto.SHA256, cms.AES256CBC
				}
				t.Run(fmt.Sprintf("protected=%v/%s/%s-signed=%v", protected, z, m.mode, m.signed), func(t *testing.T) {
					t.Parallel()
					sendAndCheck(t, opts)
				})
			}
		}
	}
}

func sendAndCheck(t *testing.T, opts SendOptions) {
	l := newLoop(t, opts, nil)
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload, FileName: "orders.edi"})
	require.NoError(t, err)
	switch opts.MDN {
	case MDNSync:
		require.NotNil(t, d.MDN)
		assert.Equal(t, d.MIC, d.MDN.MIC)
		assert.Equal(t, opts.SignedMDN, d.MDN.Signed)
		assert.True(t, d.MDN.Processed(), d.MDN.Disposition)
	case MDNAsync:
		require.True(t, d.Pending)
		o := l.awaitOutcome(t)
		require.NoError(t, o.Err)
		assert.Equal(t, d.MessageID, o.MessageID)
		assert.Equal(t, d.MIC, o.MDN.MIC)
	case MDNNone:
		assert.Nil(t, d.MDN)
	}
	files := l.sink.Files()
	require.Len(t, files, 1)
	f := files[0]
	assert.Equal(t, testPayload, f.Data)
	assert.Equal(t, "a", f.Partner)
	assert.Equal(t, d.MessageID, f.Key)
	assert.Equal(t, "orders.edi", f.Name)
	assert.Equal(t, fmt.Sprint(opts.Sign != 0), f.Meta["as2.signed"])
	assert.Equal(t, fmt.Sprint(opts.Encrypt != ""), f.Meta["as2.encrypted"])
	assert.Equal(t, fmt.Sprint(opts.Compress != NoCompression), f.Meta["as2.compressed"])
	assert.Equal(t, string(opts.Encrypt), f.Meta["as2.cipher"])
	assert.Empty(t, l.quarantine.Files())
}

// deliveryError returns err as a *DeliveryError.
func deliveryError(t *testing.T, err error) *DeliveryError {
	t.Helper()
	require.Error(t, err)
	var de *DeliveryError
	require.ErrorAs(t, err, &de)
	return de
}

// TestErrorDispositions provokes each error disposition and checks the
// sender treats the MDN as a failed delivery, the payload is not stored
// but quarantined as it came.
func TestErrorDispositions(t *testing.T) {
	c := ident(t, "C")
	for _, tc := range []struct {
		name        string
		send        SendOptions
		tweak       func(a, b *Partner)
		disposition string
	}{
		{"signed with another key", SendOptions{Sign: crypto.SHA256}, func(a, _ *Partner) { a.OurCertificate, a.OurKey = c.cert, c.key }, AuthenticationFailed},
		{"encrypted for another certificate", SendOptions{Encrypt: cms.AES128CBC}, func(a, _ *Partner) { a.Certificate = c.cert }, DecryptionFailed},
		{"unsigned to a partner requiring signing", SendOptions{Encrypt: cms.AES128CBC}, func(_, b *Partner) { b.RequireSigned = true }, InsufficientMessageSecurity},
		{"unencrypted to a partner requiring encryption", SendOptions{Sign: crypto.SHA1}, func(_, b *Partner) { b.RequireEncrypted = true }, InsufficientMessageSecurity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t, tc.send, nil)
			tc.tweak(l.a, l.b)
			_, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
			de := deliveryError(t, err)
			assert.ErrorIs(t, err, ErrNotProcessed)
			require.NotNil(t, de.MDN)
			assert.Equal(t, "error: "+tc.disposition, de.MDN.Problem())
			assert.False(t, de.Temporary)
			assert.Empty(t, l.sink.Files())
			q := l.quarantine.Files()
			require.Len(t, q, 1)
			assert.Equal(t, tc.disposition, q[0].Meta["as2.disposition"])
			assert.Equal(t, de.MessageID, q[0].Key)
			assert.NotEmpty(t, q[0].Data)
		})
	}
}

// TestTamperedBody flips a payload byte of a signed message on its way:
// the signature's digest no longer matches.
func TestTamperedBody(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, SignedMDN: true}, nil)
	out, err := l.sender.build(l.a, Message{Payload: testPayload, MessageID: "<tampered@A>"})
	require.NoError(t, err)
	i := bytes.Index(out.body, []byte("NAD+BY"))
	require.Positive(t, i)
	out.body[i] = 'M'
	resp := l.post(t, out.header, out.body)
	body, _ := io.ReadAll(resp.Body)
	mdn, err := readMDN(resp.Header, body, l.a)
	require.NoError(t, err)
	assert.Equal(t, "error: "+IntegrityCheckFailed, mdn.Problem())
	assert.True(t, mdn.Signed)
	assert.Empty(t, mdn.MIC.Digest)
	assert.Empty(t, l.sink.Files())
}

func TestDecompressionBombIsRefused(t *testing.T) {
	l := newLoop(t, SendOptions{Compress: CompressBeforeSigning, Sign: crypto.SHA256}, func(o *ReceiverOptions) { o.MaxInflatedBytes = 1 << 10 })
	_, err := l.sender.Send(context.Background(), l.a, Message{Payload: bytes.Repeat([]byte("UNB'"), 1<<12)})
	de := deliveryError(t, err)
	require.NotNil(t, de.MDN)
	assert.Equal(t, "error: "+DecompressionFailed, de.MDN.Problem())
}

func TestUnknownPartnerIsRefusedClearly(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256}, nil)
	l.a.OurAS2ID = "NOBODY"
	_, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	de := deliveryError(t, err)
	assert.ErrorIs(t, err, ErrHTTPStatus)
	assert.ErrorContains(t, err, `403 as2: no partner is configured for AS2-From "NOBODY" and AS2-To "B"`)
	assert.False(t, de.Temporary)
	q := l.quarantine.Files()
	require.Len(t, q, 1)
	assert.Equal(t, "", q[0].Partner)
	assert.Equal(t, "NOBODY", q[0].Meta["as2.from"])
}

func TestResentMessageGetsItsOriginalMDN(t *testing.T) {
	for _, m := range []MDNMode{MDNSync, MDNAsync} {
		t.Run(string(m), func(t *testing.T) {
			l := newLoop(t, SendOptions{Sign: crypto.SHA256, Encrypt: cms.AES256GCM, MDN: m, SignedMDN: true}, nil)
			msg := Message{Payload: testPayload, MessageID: "<resent-1@A>"}
			send := func() *MDN {
				d, err := l.sender.Send(context.Background(), l.a, msg)
				require.NoError(t, err)
				if m == MDNAsync {
					o := l.awaitOutcome(t)
					require.NoError(t, o.Err)
					return o.MDN
				}
				return d.MDN
			}
			firstMDN, secondMDN := send(), send()
			assert.Equal(t, firstMDN.MessageID, secondMDN.MessageID, "the same MDN, not a new one")
			assert.Len(t, l.sink.Files(), 1, "handed on once")
		})
	}
}

func TestStoreFailureAsksForAResend(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, SignedMDN: true}, nil)
	l.sink.FailNext(1)
	msg := Message{Payload: testPayload, MessageID: "<store-fails@A>"}
	_, err := l.sender.Send(context.Background(), l.a, msg)
	de := deliveryError(t, err)
	assert.True(t, de.Temporary)
	assert.ErrorContains(t, err, "503")
	_, err = l.sender.Send(context.Background(), l.a, msg)
	require.NoError(t, err)
	assert.Len(t, l.sink.Files(), 1)
}

// partnerAnswering is a partner endpoint that answers every message with
// what answer builds from it.
func partnerAnswering(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) string {
	s := httptest.NewServer(http.HandlerFunc(answer))
	t.Cleanup(s.Close)
	return s.URL
}

func TestSenderRefusesBadMDNs(t *testing.T) {
	ctx := context.Background()
	_, bSide := profiles(t, SendOptions{})
	mdnFrom := func(r *http.Request, rep mdnReport, signed bool) StoredMDN {
		rep.recipient, rep.reportingUA = "B", "test"
		if rep.originalMessageID == "" {
			rep.originalMessageID = r.Header.Get("Message-ID")
		}
		var s *mdnSigner
		if signed {
			s = &mdnSigner{p: bSide, digest: crypto.SHA256}
		}
		m, err := buildMDN(bSide, rep, s, time.Now())
		require.NoError(t, err)
		return m
	}
	write := func(w http.ResponseWriter, m StoredMDN) {
		for k, v := range m.Header {
			w.Header()[k] = v
		}
		w.Write(m.Body)
	}
	for _, tc := range []struct {
		name      string
		answer    func(w http.ResponseWriter, r *http.Request)
		want      error
		temporary bool
	}{
		{"wrong MIC", func(w http.ResponseWriter, r *http.Request) {
			write(w, mdnFrom(r, mdnReport{mic: MIC{Digest: "AAAA", Algorithm: crypto.SHA256}}, true))
		}, ErrMICMismatch, false},
		{"no MIC", func(w http.ResponseWriter, r *http.Request) { write(w, mdnFrom(r, mdnReport{}, true)) }, ErrMICMismatch, false},
		{"error disposition", func(w http.ResponseWriter, r *http.Request) {
			write(w, mdnFrom(r, mdnReport{failure: UnexpectedProcessingError}, true))
		}, ErrNotProcessed, false},
		{"unsigned", func(w http.ResponseWriter, r *http.Request) {
			write(w, mdnFrom(r, mdnReport{mic: MIC{Digest: "AAAA", Algorithm: crypto.SHA256}}, false))
		}, ErrUnsignedMDN, false},
		{"another message", func(w http.ResponseWriter, r *http.Request) {
			write(w, mdnFrom(r, mdnReport{originalMessageID: "<other@B>"}, true))
		}, ErrOtherMessage, false},
		{"signed by someone else", func(w http.ResponseWriter, r *http.Request) {
			c := ident(t, "C")
			impostor := *bSide
			impostor.OurCertificate, impostor.OurKey = c.cert, c.key
			m, err := buildMDN(&impostor, mdnReport{originalMessageID: r.Header.Get("Message-ID")}, &mdnSigner{p: &impostor, digest: crypto.SHA256}, time.Now())
			require.NoError(t, err)
			write(w, m)
		}, ErrBadMDN, false},
		{"no MDN", func(w http.ResponseWriter, r *http.Request) {}, ErrNoMDN, false},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }, ErrHTTPStatus, true},
		{"too many requests", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", http.StatusTooManyRequests) }, ErrHTTPStatus, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aSide, _ := profiles(t, SendOptions{Sign: crypto.SHA256, SignedMDN: true})
			aSide.Send.URL = partnerAnswering(t, tc.answer)
			_, err := NewSender(SenderOptions{}).Send(ctx, aSide, Message{Payload: testPayload})
			de := deliveryError(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, tc.temporary, de.Temporary)
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		aSide, _ := profiles(t, SendOptions{})
		aSide.Send.URL = "http://127.0.0.1:1/as2"
		_, err := NewSender(SenderOptions{}).Send(ctx, aSide, Message{Payload: testPayload})
		assert.True(t, deliveryError(t, err).Temporary)
	})
}

// TestAsyncMDNIsRetried makes the MDN URL fail twice before it takes the
// MDN.
func TestAsyncMDNIsRetried(t *testing.T) {
	var calls atomic.Int32
	got := make(chan []byte, 1)
	url := partnerAnswering(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, fmt.Sprint(len(b)), r.Header.Get("Content-Length"))
		got <- b
	})
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, MDN: MDNAsync, SignedMDN: true}, nil)
	l.a.Send.AsyncMDNURL = url + "/mdn?case=retry"
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	require.True(t, d.Pending)
	select {
	case b := <-got:
		assert.Contains(t, string(b), "Original-Message-ID: "+d.MessageID)
	case <-time.After(10 * time.Second):
		t.Fatal("the MDN was not delivered")
	}
	assert.Equal(t, int32(3), calls.Load())
}

func TestAsyncMDNGivenUpIsReported(t *testing.T) {
	failed := make(chan string, 1)
	url := partnerAnswering(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) })
	// Signed: the signature lets the MDN go to a URL of the message's
	// choosing.
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, MDN: MDNAsync}, func(o *ReceiverOptions) {
		o.MDNAttempts = 2
		o.OnMDNFailure = func(partner, id string, err error) { failed <- partner + " " + id + " " + err.Error() }
	})
	l.a.Send.AsyncMDNURL = url
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	select {
	case msg := <-failed:
		assert.Equal(t, "a "+d.MessageID+" after 2 attempts: "+url+" answered 404 Not Found", msg)
	case <-time.After(10 * time.Second):
		t.Fatal("the failure was not reported")
	}
	assert.Len(t, l.sink.Files(), 1, "the payload is stored all the same")
}

func TestAsyncMDNWithAForeignSignatureIsRefused(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, MDN: MDNAsync, SignedMDN: true}, nil)
	// Park the message as awaiting, then post an MDN for it signed by C.
	url := partnerAnswering(t, func(w http.ResponseWriter, r *http.Request) {})
	l.a.Send.URL = url
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	c := ident(t, "C")
	impostor := *l.b
	impostor.OurCertificate, impostor.OurKey = c.cert, c.key
	m, err := buildMDN(&impostor, mdnReport{originalMessageID: d.MessageID, mic: d.MIC}, &mdnSigner{p: &impostor, digest: crypto.SHA256}, time.Now())
	require.NoError(t, err)
	resp := l.post(t, m.Header, m.Body)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	a, err := l.sender.state.TakeAwaiting(context.Background(), "b", d.MessageID)
	require.NoError(t, err)
	assert.NotNil(t, a, "still awaiting its real MDN")
}

// TestHandMadeRequests covers what the Sender never sends: a missing
// Content-Transfer-Encoding, a base64 HTTP body, quoted ids, long
// Message-IDs, a body over the limit, other methods.
func TestHandMadeRequests(t *testing.T) {
	l := newLoop(t, SendOptions{}, func(o *ReceiverOptions) { o.MaxBodyBytes = 1 << 12 })
	header := func(id string) http.Header {
		return http.Header{
			"AS2-From": {"A"}, "AS2-To": {`"B"`}, "Message-ID": {id},
			"Content-Type":                {"application/EDIFACT"},
			"Disposition-Notification-To": {"x"},
		}
	}
	t.Run("no transfer encoding means binary", func(t *testing.T) {
		resp := l.post(t, header("<binary@A>"), testPayload)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, testPayload, l.sink.Files()[0].Data)
	})
	t.Run("base64 body", func(t *testing.T) {
		h := header("<b64@A>")
		h.Set("Content-Transfer-Encoding", "base64")
		var b bytes.Buffer
		wrapBase64(&b, testPayload)
		resp := l.post(t, h, b.Bytes())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		files := l.sink.Files()
		assert.Equal(t, testPayload, files[len(files)-1].Data)
	})
	t.Run("255-character Message-ID and quoted ids", func(t *testing.T) {
		id := "<" + strings.Repeat("x", 251) + "@A>"
		resp := l.post(t, header(id), testPayload)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(t, string(body), "Original-Message-ID: "+id+"\r\n")
	})
	t.Run("too large", func(t *testing.T) {
		resp := l.post(t, header("<big@A>"), bytes.Repeat([]byte("x"), 1<<13))
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})
	t.Run("missing Message-ID", func(t *testing.T) {
		resp := l.post(t, header(""), testPayload)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		l.receiver.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/as2", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	})
}

func TestQuotedAS2IDs(t *testing.T) {
	l := newLoop(t, SendOptions{Sign: crypto.SHA256, SignedMDN: true}, func(o *ReceiverOptions) {
		o.Partners[0].AS2ID, o.Partners[0].OurAS2ID = `PEER "A" X`, "PEER B"
	})
	l.a.OurAS2ID, l.a.AS2ID = `PEER "A" X`, "PEER B"
	d, err := l.sender.Send(context.Background(), l.a, Message{Payload: testPayload})
	require.NoError(t, err)
	assert.Equal(t, `rfc822; "PEER B"`, d.MDN.FinalRecipient)
}

// TestReceiverChecksProfiles refuses profiles that cannot work.
func TestReceiverChecksProfiles(t *testing.T) {
	_, b := profiles(t, SendOptions{})
	c := ident(t, "C")
	wrongKey := *b
	wrongKey.OurKey = c.key
	_, err := NewReceiver(ReceiverOptions{Partners: []*Partner{&wrongKey}, Sink: transport.SinkFunc(nil)})
	assert.ErrorContains(t, err, "our key does not belong to our certificate")
	twin := *b
	twin.Name = "twin"
	_, err = NewReceiver(ReceiverOptions{Partners: []*Partner{b, &twin}, Sink: transport.SinkFunc(nil)})
	assert.ErrorContains(t, err, `partners a and twin both have AS2 ids "A" to "B"`)
	_, err = NewReceiver(ReceiverOptions{Partners: []*Partner{b}})
	assert.ErrorContains(t, err, "without a sink")
}

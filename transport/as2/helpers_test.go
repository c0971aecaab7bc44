package as2

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport/transporttest"
)

// An identity is a key pair with a self-signed certificate, as AS2
// partners exchange them.
type identity struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

// identities are fixed key pairs with certificates valid for a century
// (testdata/keys, made with openssl req -x509): generating RSA keys per
// run would cost seconds and make benchmark runs differ.
var identities = sync.OnceValues(func() (map[string]identity, error) {
	ids := map[string]identity{}
	for _, name := range []string{"A", "B", "C"} {
		id, err := loadIdentity(filepath.Join("testdata", "keys", name))
		if err != nil {
			return nil, err
		}
		ids[name] = id
	}
	return ids, nil
})

func ident(t testing.TB, name string) identity {
	t.Helper()
	ids, err := identities()
	require.NoError(t, err)
	return ids[name]
}

// loadIdentity reads BASE.crt and BASE.key (PKCS#8), as gen_certs.sh
// and openssl req write them.
func loadIdentity(base string) (identity, error) {
	certPEM, err := os.ReadFile(base + ".crt")
	if err != nil {
		return identity{}, err
	}
	keyPEM, err := os.ReadFile(base + ".key")
	if err != nil {
		return identity{}, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return identity{}, fmt.Errorf("%s: no PEM", base)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return identity{}, err
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return identity{}, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return identity{}, errors.New(base + ": not an RSA key")
	}
	return identity{cert: cert, key: rk}, nil
}

// profiles returns the two sides of one relationship: A's profile of B,
// from which A sends, and B's profile of A, for which B receives.
func profiles(t testing.TB, send SendOptions) (aSide, bSide *Partner) {
	a, b := ident(t, "A"), ident(t, "B")
	aSide = &Partner{Name: "b", AS2ID: "B", OurAS2ID: "A", Certificate: b.cert, OurCertificate: a.cert, OurKey: a.key, Send: send}
	bSide = &Partner{Name: "a", AS2ID: "A", OurAS2ID: "B", Certificate: a.cert, OurCertificate: b.cert, OurKey: b.key}
	return aSide, bSide
}

// loop is a Sender (A) and a Receiver (B) that talk over HTTP. One
// endpoint serves both directions, as in production: it also takes the
// asynchronous MDNs B sends back to A.
type loop struct {
	sender     *Sender
	receiver   *Receiver
	server     *httptest.Server
	sink       *transporttest.Sink
	quarantine *transporttest.Sink
	outcomes   chan Outcome
	a, b       *Partner // a sends to b; b receives from a
}

// newLoop starts the receiver for bSide, and a sender whose asynchronous
// MDNs come back to the same server (the AS2 ids tell the two apart).
func newLoop(t testing.TB, send SendOptions, tweak func(*ReceiverOptions)) *loop {
	t.Helper()
	l := &loop{sink: transporttest.NewSink(), quarantine: transporttest.NewSink(), outcomes: make(chan Outcome, 16)}
	l.a, l.b = profiles(t, send)
	l.sender = NewSender(SenderOptions{OnAsyncMDN: func(_ context.Context, o Outcome) { l.outcomes <- o }})
	// The receiver knows A (messages from A to B) and, for asynchronous
	// MDNs B sends back to A, B as A's partner.
	mdnPartner := *l.a
	opts := ReceiverOptions{
		Partners:    []*Partner{l.b, &mdnPartner},
		Sink:        l.sink,
		Quarantine:  l.quarantine,
		AsyncMDNs:   l.sender,
		MDNBackoff:  10 * time.Millisecond,
		MDNAttempts: 5,
	}
	if tweak != nil {
		tweak(&opts)
	}
	r, err := NewReceiver(opts)
	require.NoError(t, err)
	l.receiver = r
	l.server = httptest.NewServer(r)
	t.Cleanup(func() {
		l.server.Close()
		require.NoError(t, r.Close(context.Background()))
	})
	l.a.Send.URL = l.server.URL + "/as2"
	// B would send to A at the same endpoint: the host an unsigned
	// message's asynchronous MDN may go to.
	l.b.Send.URL = l.a.Send.URL
	if l.a.Send.MDN == MDNAsync {
		l.a.Send.AsyncMDNURL = l.server.URL + "/as2?mdn=1"
	}
	return l
}

// awaitOutcome waits for an asynchronous MDN's outcome.
func (l *loop) awaitOutcome(t testing.TB) Outcome {
	t.Helper()
	select {
	case o := <-l.outcomes:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no asynchronous MDN came")
		return Outcome{}
	}
}

// post sends a hand-made request to the loop's receiver.
func (l *loop) post(t testing.TB, header http.Header, body []byte) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/as2", bytes.NewReader(body))
	for k, vs := range header { // as a server reads them: names canonical
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	l.receiver.ServeHTTP(rec, req)
	return rec.Result()
}

// testTime is a fixed time for what tests build.
var testTime = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

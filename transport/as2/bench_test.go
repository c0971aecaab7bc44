package as2

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/as2/cms"
)

// benchPayload is 10 KB of ORDERS lines.
var benchPayload = bytes.Repeat([]byte("LIN+1++4000862141404:SRS'QTY+21:48'PRI+AAA:1.5'\n"), 10240/49)

// nullState keeps nothing, so that every iteration is a new message.
type nullState struct{}

func (nullState) LoadMDN(context.Context, string, string) (*StoredMDN, error)     { return nil, nil }
func (nullState) SaveMDN(context.Context, string, string, StoredMDN) error        { return nil }
func (nullState) SaveAwaiting(context.Context, Awaiting) error                    { return nil }
func (nullState) TakeAwaiting(context.Context, string, string) (*Awaiting, error) { return nil, nil }

// BenchmarkReceive10KB receives a 10 KB message, signed (SHA-256) and
// encrypted (AES-256-CBC, RSA PKCS#1 v1.5), and answers with a signed
// synchronous MDN; the durable sink is stubbed. Its cost is set against
// BenchmarkTwoRSAPrivateOps, the two private-key operations it cannot
// avoid: unwrapping the content key and signing the MDN.
func BenchmarkReceive10KB(b *testing.B) {
	aSide, bSide := profiles(b, SendOptions{Sign: crypto.SHA256, Encrypt: cms.AES256CBC, SignedMDN: true, URL: "http://partner.invalid/as2"})
	out, err := NewSender(SenderOptions{}).build(aSide, Message{Payload: benchPayload, MessageID: "<bench@A>"})
	if err != nil {
		b.Fatal(err)
	}
	stored := transport.SinkFunc(func(context.Context, transport.File) (transport.Receipt, error) {
		return transport.Receipt{ID: "1"}, nil
	})
	r, err := NewReceiver(ReceiverOptions{Partners: []*Partner{bSide}, Sink: stored, State: nullState{}})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{}
	for k, vs := range out.header {
		header[http.CanonicalHeaderKey(k)] = vs
	}
	b.SetBytes(int64(len(benchPayload)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, "/as2", bytes.NewReader(out.body))
		req.Header = header.Clone()
		req.Header.Set("Message-ID", "<bench-"+strconv.Itoa(i)+"@A>")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte("; processed\r\n")) {
			b.Fatalf("no processed MDN: %d %s", w.Code, w.Body.String())
		}
	}
}

// BenchmarkTwoRSAPrivateOps is the floor under BenchmarkReceive10KB: one
// RSA-2048 PKCS#1 v1.5 decryption and one SHA-256 PKCS#1 v1.5 signature
// with the receiver's key.
func BenchmarkTwoRSAPrivateOps(b *testing.B) {
	key := ident(b, "B").key
	wrapped, err := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(benchPayload)
	for b.Loop() {
		if _, err := rsa.DecryptPKCS1v15(nil, key, wrapped); err != nil {
			b.Fatal(err)
		}
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

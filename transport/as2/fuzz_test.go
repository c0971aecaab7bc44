package as2

import (
	"crypto"
	"net/http"
	"testing"

	"github.com/edibridge/edibridge/transport/as2/cms"
)

// FuzzUnpack feeds the receiver's unpacking arbitrary entities, seeded
// with real messages of every layer order: it must return a payload or
// an error with a disposition, never panic.
func FuzzUnpack(f *testing.F) {
	aSide, bSide := profiles(f, SendOptions{})
	s := NewSender(SenderOptions{})
	for _, opts := range []SendOptions{
		{},
		{Sign: crypto.SHA256},
		{Sign: crypto.SHA1, Encrypt: cms.AES128CBC, Compress: CompressBeforeSigning},
		{Encrypt: cms.AES256GCM, Compress: CompressAfterSigning},
		{Sign: crypto.SHA512, Compress: CompressAfterSigning},
	} {
		aSide.Send = opts
		out, err := s.build(aSide, Message{Payload: testPayload, MessageID: "<fuzz@A>"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out.header.Get("Content-Type"), out.header.Get("Content-Transfer-Encoding"), out.body)
	}
	f.Fuzz(func(t *testing.T, contentType, cte string, body []byte) {
		u := &unpacker{p: bSide, maxInflate: 1 << 20}
		got, err := u.unpack(contentType, cte, "", body)
		if err == nil && got == nil {
			t.Fatal("no payload and no error")
		}
		if err != nil {
			if _, ok := err.(*failure); !ok {
				t.Fatalf("error without a disposition: %v", err)
			}
		}
	})
}

// FuzzReadMDN feeds the sender's MDN reader arbitrary answers, seeded
// with real signed and unsigned MDNs.
func FuzzReadMDN(f *testing.F) {
	aSide, bSide := profiles(f, SendOptions{})
	rep := mdnReport{reportingUA: "fuzz", recipient: "B", originalMessageID: "<fuzz@A>", mic: MIC{Digest: "AAAA", Algorithm: crypto.SHA256}, text: "ok"}
	for _, s := range []*mdnSigner{nil, {p: bSide, digest: crypto.SHA256}} {
		m, err := buildMDN(bSide, rep, s, testTime)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(m.Header.Get("Content-Type"), m.Body)
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		m, err := readMDN(http.Header{"Content-Type": {contentType}}, body, aSide)
		if err == nil && m.Disposition == "" {
			t.Fatal("an MDN without a disposition was accepted")
		}
	})
}

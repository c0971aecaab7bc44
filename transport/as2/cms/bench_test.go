package cms

import (
	"bytes"
	"crypto"
	"testing"
)

func benchContent() []byte {
	return bytes.Repeat([]byte("UNH+1+ORDERS:D:96A:UN'BGM+220+4711+9'\r\n"), 10<<10/40) // about 10 KB
}

// BenchmarkDecrypt: 10 KB, AES-256-CBC, RSA v1.5; the RSA private
// operation dominates.
func BenchmarkDecrypt(b *testing.B) {
	der, err := Encrypt(benchContent(), us.cert, AES256CBC, RSAPKCS1v15)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(der)))
	for b.Loop() {
		if _, _, err := Decrypt(der, us.cert, us.key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecryptBER: the same, streamed BER (OpenSSL -stream, libas2).
func BenchmarkDecryptBER(b *testing.B) {
	der, err := Encrypt(benchContent(), us.cert, AES256CBC, RSAPKCS1v15)
	if err != nil {
		b.Fatal(err)
	}
	ber := toBER(b, der, 1024, true)
	b.SetBytes(int64(len(ber)))
	for b.Loop() {
		if _, _, err := Decrypt(ber, us.cert, us.key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	content := benchContent()
	for b.Loop() {
		if _, err := Sign(content, us.cert, us.key, crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	content := benchContent()
	signature, err := Sign(content, us.cert, us.key, crypto.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Verify(content, signature, us.cert); err != nil {
			b.Fatal(err)
		}
	}
}

package cms

import (
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A recovered panic is a failure for the fuzz targets: recovering is the
// last line of defence, and every input must be handled by the code.
func checkNotRecovered(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, errRecovered) {
		t.Fatalf("panic: %v", err)
	}
}

// addFixtures seeds a fuzz target with the captured libas2 messages.
func addFixtures(f *testing.F, files ...string) {
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join("testdata", "libas2", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzDecrypt: no input makes Decrypt panic, and what it accepts it
// accepts with a known cipher.
func FuzzDecrypt(f *testing.F) {
	content := testContent()
	for i, c := range allCiphers() {
		kt := allKeyTransports()[i%len(allKeyTransports())]
		der, err := Encrypt(content, us.cert, c, kt)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(toBER(f, der, 64, true))
	}
	f.Add(libas2GCMEnvelope(f, content, AES128GCM, false))
	addFixtures(f, "aes128-gcm.der", "des-ede3-cbc.der")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, env, err := Decrypt(data, us.cert, us.key)
		checkNotRecovered(t, err)
		if err == nil && !env.Cipher.Valid() {
			t.Fatalf("decrypted with cipher %q", env.Cipher)
		}
	})
}

// FuzzDecompress: no input makes Decompress panic or exceed its limit.
func FuzzDecompress(f *testing.F) {
	for _, content := range [][]byte{nil, []byte("hello"), testContent()} {
		der, err := Compress(content)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
		f.Add(toBER(f, der, 16, false))
	}
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		content, err := Decompress(data, limit)
		checkNotRecovered(t, err)
		if len(content) > limit {
			t.Fatalf("%d bytes, limit %d", len(content), limit)
		}
	})
}

// FuzzVerify: no signature makes Verify panic (pkcs7 included), and every
// error is a *VerifyError.
func FuzzVerify(f *testing.F) {
	content := testContent()
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		signature, err := Sign(content, us.cert, us.key, h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(signature)
		f.Add(toBER(f, signature, 32, false))
	}
	addFixtures(f, "signature.der")
	f.Fuzz(func(t *testing.T, signature []byte) {
		_, err := Verify(content, signature, us.cert)
		checkNotRecovered(t, err)
		var verifyErr *VerifyError
		if err != nil && !errors.As(err, &verifyErr) {
			t.Fatalf("not a *VerifyError: %v", err)
		}
	})
}

// FuzzBER: the normaliser never panics, and its output is its own
// normal form.
func FuzzBER(f *testing.F) {
	for _, s := range []string{
		"30 80 30 80 02 01 05 00 00 04 00 00 00",
		"24 80 24 80 04 01 aa 00 00 04 00 24 03 04 01 bb 00 00",
		"a0 80 04 01 aa 04 01 bb 00 00",
		"3f 81 00 80 02 01 05 00 00",
		"04 88 00 00 00 00 00 00 00 01 aa",
	} {
		f.Add(unhex(f, s))
	}
	addFixtures(f, "aes256-cbc.der", "signature.der")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := normalizeBER(data)
		if err != nil {
			return
		}
		again, err := normalizeBER(out)
		if err != nil {
			t.Fatalf("output not readable: %v", err)
		}
		if string(again) != string(out) {
			t.Fatalf("output not in normal form:\n%x\n%x", out, again)
		}
		if &again[0] != &out[0] {
			t.Fatalf("normal form copied")
		}
	})
}

package cms

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A testIdentity is a key pair with a self-signed certificate, in memory
// and in PEM files for openssl.
type testIdentity struct {
	cert     *x509.Certificate
	key      *rsa.PrivateKey
	certFile string
	keyFile  string
}

// The identities of the tests, generated once in TestMain (RSA key
// generation is slow under the race detector) and only read afterwards.
//
// us is the recipient and signer. other has another name and serial.
// impostor has our issuer name and serial number but its own key: it is
// what matching by name alone, or trusting the embedded certificate, would
// accept.
var us, other, impostor testIdentity

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edibridge-cms-")
	if err == nil {
		err = generateIdentities(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func generateIdentities(dir string) error {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	if us, err = newIdentity(dir, "us", "PEERB AS2 test", serial); err != nil {
		return err
	}
	if other, err = newIdentity(dir, "other", "PEERC AS2 test", new(big.Int).Add(serial, big.NewInt(1))); err != nil {
		return err
	}
	impostor, err = newIdentity(dir, "impostor", "PEERB AS2 test", serial)
	return err
}

// newIdentity makes a 2048-bit RSA key and a certificate like those of
// `openssl req -x509`: self-signed, a CA (so openssl -verify takes it as
// its own trust anchor), with a subject key identifier.
func newIdentity(dir, file, commonName string, serial *big.Int) (testIdentity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return testIdentity{}, err
	}
	name := pkix.Name{CommonName: commonName, Organization: []string{"edibridge cms test"}}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		Issuer:                name,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return testIdentity{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return testIdentity{}, err
	}
	if len(cert.SubjectKeyId) == 0 {
		return testIdentity{}, fmt.Errorf("%s: no subject key identifier", file)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return testIdentity{}, err
	}
	id := testIdentity{
		cert:     cert,
		key:      key,
		certFile: filepath.Join(dir, file+".crt"),
		keyFile:  filepath.Join(dir, file+".key"),
	}
	if err := os.WriteFile(id.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return testIdentity{}, err
	}
	if err := os.WriteFile(id.keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		return testIdentity{}, err
	}
	return id, nil
}

// testContent is a MIME entity such as AS2 encrypts: CRLF headers, then
// binary content with every byte value, bare LFs and no final line break.
func testContent() []byte {
	var b bytes.Buffer
	b.WriteString("Content-Type: application/EDIFACT\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	b.WriteString("UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+260101:1200+1'\nUNH+1+ORDERS:D:96A:UN'\n")
	for i := 0; i < 256; i++ {
		b.WriteByte(byte(i))
	}
	b.WriteString("UNZ+1+1'")
	return b.Bytes()
}

// openssl runs the openssl command and returns its standard output. The
// tests need it: they fail, not skip, without it.
func openssl(t testing.TB, args ...string) []byte {
	t.Helper()
	path, err := exec.LookPath("openssl")
	require.NoError(t, err, "the interoperability tests need the openssl command")
	cmd := exec.Command(path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "openssl %s: %s", strings.Join(args, " "), stderr.String())
	return out
}

// writeFile writes data to a new file in the test's temporary folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(file, data, 0o600))
	return file
}

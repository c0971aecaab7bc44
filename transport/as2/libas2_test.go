package as2

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// libas2 is installed once per test binary into the peer kit's node/
// folder, with npm ci from testdata/libas2/package-lock.json: libas2 and
// pkijs are pinned by the peers' package.json, the lock file pins what
// they pull in, so every run tests the same code.
var (
	libas2Once sync.Once
	libas2Err  error
)

func (k *peerKit) libas2(t *testing.T) string {
	t.Helper()
	libas2Once.Do(func() { libas2Err = k.installLibas2() })
	if libas2Err != nil {
		t.Fatalf("libas2 interop cannot run: %v", libas2Err)
	}
	return filepath.Join(k.dir, "node")
}

func (k *peerKit) installLibas2() error {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed: %w", tool, err)
		}
	}
	lock, err := os.ReadFile(filepath.Join("testdata", "libas2", "package-lock.json"))
	if err != nil {
		return err
	}
	node := filepath.Join(k.dir, "node")
	if err := os.WriteFile(filepath.Join(node, "package-lock.json"), lock, 0o644); err != nil {
		return err
	}
	if out, err := runIn(node, 5*time.Minute, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
		return fmt.Errorf("npm ci (if the peers' package.json changed, regenerate testdata/libas2/package-lock.json with npm install): %v\n%s", err, out)
	}
	return nil
}

// libas2MDN is what libas2_mdn_check.js prints after verifying an MDN's
// signature; it does not compare anything itself.
type libas2MDN struct {
	OriginalMessageID string `json:"originalMessageId"`
	Disposition       struct {
		Processed   bool            `json:"processed"`
		Description json.RawMessage `json:"description"`
	} `json:"disposition"`
	ReceivedContentMIC struct {
		MIC       string `json:"mic"`
		Algorithm string `json:"algorithm"`
	} `json:"receivedContentMic"`
}

// TestLibas2ToReceiver sends from libas2 with each of its encryptions
// and signing digests (it always signs, encrypts with RSA-OAEP-SHA512 and
// asks for a synchronous signed MDN); libas2 verifies our MDN, and the
// test checks the fields it reports. The expected MIC comes from
// openssl_as2_receive.sh over the unencrypted message of each digest:
// the MIC depends only on the signed part, which libas2 builds the same
// way whatever the encryption.
func TestLibas2ToReceiver(t *testing.T) {
	k := peers(t)
	node := k.libas2(t)
	r := k.receiver(t)
	payload := filepath.Join(k.dir, "sample.edi")
	want, err := os.ReadFile(payload)
	require.NoError(t, err)
	digests := []string{"sha-1", "sha-256", "sha-384", "sha-512"}
	encryptions := []string{"none", "des-EDE3-CBC", "aes128-CBC", "aes192-CBC", "aes256-CBC", "aes128-GCM", "aes192-GCM", "aes256-GCM"}
	expected := map[string]string{}
	for _, sig := range digests {
		t.Run("none/"+sig, func(t *testing.T) {
			dir := k.libas2Send(t, node, r.url, payload, "none", sig)
			out, err := runIn(k.dir, time.Minute, "./openssl_as2_receive.sh", filepath.Join(dir, "request.headers"), filepath.Join(dir, "body.bin"), filepath.Join(dir, "opened"))
			require.NoError(t, err, out)
			mic, _, _ := strings.Cut(string(readFile(t, dir, "opened/mic.txt")), ",")
			expected[sig] = strings.TrimSpace(mic)
			k.checkLibas2MDN(t, node, dir, expected[sig])
			assert.Equal(t, want, r.payload(t, "peera", readTrimmed(t, dir, "message_id.txt")))
		})
	}
	var names []string
	type libas2Case struct{ enc, sig string }
	var cases []libas2Case
	for _, enc := range encryptions[1:] {
		for _, sig := range digests {
			cases = append(cases, libas2Case{enc, sig})
			names = append(names, enc+"/"+sig)
		}
	}
	parallel(t, names, func(t *testing.T, i int) {
		c := cases[i]
		require.NotEmpty(t, expected[c.sig], "the unencrypted run for %s failed", c.sig)
		dir := k.libas2Send(t, node, r.url, payload, c.enc, c.sig)
		k.checkLibas2MDN(t, node, dir, expected[c.sig])
		assert.Equal(t, want, r.payload(t, "peera", readTrimmed(t, dir, "message_id.txt")))
	})
}

func (k *peerKit) libas2Send(t *testing.T, node, url, payload, enc, sig string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := runIn(node, time.Minute, "node", "libas2_send.js", url, payload, dir, enc, sig)
	require.NoError(t, err, out)
	require.Contains(t, out, "HTTP 200", out)
	return dir
}

func (k *peerKit) checkLibas2MDN(t *testing.T, node, dir, mic string) {
	t.Helper()
	out, err := runIn(node, time.Minute, "node", "libas2_mdn_check.js", dir)
	require.NoError(t, err, out)
	_, report, ok := strings.Cut(out, "signature verified; ")
	require.True(t, ok, out)
	var m libas2MDN
	require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(report)), &m), out)
	assert.Equal(t, readTrimmed(t, dir, "message_id.txt"), m.OriginalMessageID)
	assert.True(t, m.Disposition.Processed, out)
	assert.Empty(t, m.Disposition.Description, "an error or warning: %s", out)
	assert.Equal(t, mic, m.ReceivedContentMIC.MIC, out)
}

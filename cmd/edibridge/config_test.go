package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigCheckExample(t *testing.T) {
	status, out, errOut := runCmd(t, "", "config", "check", "../../configs/example.yaml")
	assert.Equal(t, 0, status, errOut)
	assert.Empty(t, errOut)
	assert.Equal(t, "../../configs/example.yaml: ok: 1 partner (demo: in as2, sftp, folder; out sftp)\n", out)
}

// A configuration with one problem of each kind Check finds: a value, an
// unknown field, a file that does not exist.
const badConfig = `dataDir: data
procuros: {url: sandbox, pollInterval: 90days}
listen: {as2: {address: "127.0.0.1:4080"}}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    as2: {id: ACME, ourId: US, certificate: acme.crt, sing: sha256}
`

func TestConfigCheckProblems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "edibridge.yaml")
	require.NoError(t, os.WriteFile(file, []byte(badConfig), 0o600))

	status, out, errOut := runCmd(t, "", "config", "check", file)
	assert.Equal(t, 1, status)
	assert.Empty(t, out)
	assert.Equal(t, file+`:1:1: as2.certificate: `+filepath.Join(dir, "data", "as2", "edibridge.crt")+` does not exist (as2.generate: true creates the pair on start when both are missing)
`+file+`:1:1: as2.key: `+filepath.Join(dir, "data", "as2", "edibridge.key")+` does not exist (as2.generate: true creates the pair on start when both are missing)
`+file+`:2:40: procuros.pollInterval: "90days" is not a duration (like 30s, 5m, 72h or 90d)
`+file+`:8:45: partners[0].as2.certificate: `+filepath.Join(dir, "acme.crt")+`: no such file or directory
`+file+`:8:55: partners[0].as2.sing: unknown field; did you mean "sign"?
`, errOut)

	status, _, errOut = runCmd(t, "", "config", "check", "--skip-files", file)
	assert.Equal(t, 1, status)
	assert.Equal(t, file+`:2:40: procuros.pollInterval: "90days" is not a duration (like 30s, 5m, 72h or 90d)
`+file+`:8:55: partners[0].as2.sing: unknown field; did you mean "sign"?
`, errOut, "the files are not looked at")
}

func TestConfigCheckSkipFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "edibridge.yaml")
	text := "dataDir: data\nprocuros: {url: sandbox, sandbox: {incoming: nowhere}}\n"
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))

	status, _, errOut := runCmd(t, "", "config", "check", file)
	assert.Equal(t, 1, status)
	assert.Equal(t, file+":2:46: procuros.sandbox.incoming: "+filepath.Join(dir, "nowhere")+": no such file or directory\n", errOut)

	status, out, errOut := runCmd(t, "", "config", "check", "--skip-files", file)
	assert.Equal(t, 0, status, errOut)
	assert.Equal(t, file+": ok: 0 partners\n", out)
}

func TestConfigCheckWarnings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "edibridge.yaml")
	text := "dataDir: data\nprocuros: {url: sandbox, sandbox: {listen: \"0.0.0.0:8089\"}}\n"
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))

	status, out, errOut := runCmd(t, "", "config", "check", file)
	assert.Equal(t, 0, status, "a warning does not fail the check")
	assert.Equal(t, file+": ok: 0 partners\n", out)
	assert.Equal(t, file+":2:44: warning: procuros.sandbox.listen: 0.0.0.0:8089 is reachable beyond this machine, and the sandbox's admin endpoints need no token\n", errOut)
}

func TestConfigUsage(t *testing.T) {
	status, _, errOut := runCmd(t, "", "config")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "Usage: edibridge config check")

	status, _, errOut = runCmd(t, "", "config", "lint", "x.yaml")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, `unknown subcommand "lint"`)

	status, _, errOut = runCmd(t, "", "config", "check")
	assert.Equal(t, 2, status)
	assert.Contains(t, errOut, "give one configuration file")

	status, _, errOut = runCmd(t, "", "config", "check", filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, 1, status)
	assert.Contains(t, errOut, "missing.yaml: no such file or directory")
}

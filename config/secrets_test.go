package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/edibridge/edibridge/config"
)

// The secrets of the tests below; none may show anywhere.
const (
	apiToken       = "tok-API-7f3a9c"
	sandboxToken   = "tok-SANDBOX-51be"
	remotePassword = "pw-REMOTE-c0ffee"
	userPassword   = "pw-USER-d00d"
)

// printed returns every way the configuration could end up in a log or a
// message: fmt's verbs on it and on each of its parts, JSON, and slog's
// handlers.
func printed(t *testing.T, c *config.Config) string {
	t.Helper()
	p := c.Partners[0]
	parts := []any{c, *c, c.Procuros, c.Procuros.Sandbox, p, p.SFTP, *p.SFTP, p.RemoteSFTP, *p.RemoteSFTP, p.SFTP.PasswordHash, p.RemoteSFTP.Password, c.Procuros.EnvToken}
	if c.Procuros.Sandbox != nil {
		parts = append(parts, *c.Procuros.Sandbox)
	}
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, part := range parts {
			fmt.Fprintf(&b, verb+"\n", part)
		}
	}
	js, err := json.Marshal(c)
	require.NoError(t, err)
	b.Write(js)
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		slog.New(h).Info("config", "config", c, "partner", p, "sftp", p.SFTP, "remote", p.RemoteSFTP, "procuros", c.Procuros)
	}
	b.Write(logs.Bytes())
	b.WriteString(c.Summary())
	b.WriteString(c.Procuros.TokenSource())
	b.WriteString(c.CheckFiles().Error())
	b.WriteString(c.Warnings().Error())
	return b.String()
}

func secretConfig(t *testing.T, url string) string {
	hash, err := bcrypt.GenerateFromPassword([]byte(userPassword), bcrypt.MinCost)
	require.NoError(t, err)
	return `dataDir: /data
procuros:
  url: ` + url + `
  sandbox: {token: ` + sandboxToken + `}
listen: {sftp: {address: ":2222"}}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    sftp: {passwordHash: "` + string(hash) + `"}
    remoteSftp: {address: sftp.acme.example, user: edi, knownHosts: kh, passwordEnv: ACME_PASSWORD, inbox: /out}
`
}

func TestSecretsNeverPrint(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PROCUROS_API_TOKEN": apiToken, "ACME_PASSWORD": remotePassword}

	c, ps := parse(t, dir, secretConfig(t, "sandbox"), env)
	require.Empty(t, ps)
	assert.Equal(t, sandboxToken, string(c.Procuros.Sandbox.Token), "the values themselves are intact")
	assert.Equal(t, remotePassword, string(c.Partners[0].RemoteSFTP.Password))
	out := printed(t, c)
	for _, secret := range []string{apiToken, sandboxToken, remotePassword, userPassword, string(c.Partners[0].SFTP.PasswordHash)} {
		assert.NotContains(t, out, secret)
	}
	assert.Contains(t, out, "[redacted]")

	// With the real API, the token comes from the environment.
	text := strings.Replace(secretConfig(t, "production"), "  sandbox: {token: "+sandboxToken+"}\n", "", 1)
	c, ps = parse(t, dir, text, env)
	require.Empty(t, ps)
	token, err := c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, apiToken, string(token))
	out = printed(t, c)
	for _, secret := range []string{apiToken, remotePassword, string(c.Partners[0].SFTP.PasswordHash)} {
		assert.NotContains(t, out, secret)
	}
}

func TestSecretsNeverInProblems(t *testing.T) {
	dir := t.TempDir()
	text := `dataDir: /data
procuros:
  url: sandbox
  sandbox: {token: "` + sandboxToken + ` pasted"}
listen: {sftp: {address: ":2222"}}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    sftp: {passwordHash: "` + userPassword + `", passwrodHash: "` + userPassword + `"}
`
	_, ps := parse(t, dir, text, nil)
	assert.Equal(t, []string{
		"t.yaml:4:20: procuros.sandbox.token: has a space or control character",
		"t.yaml:10:26: partners[0].sftp.passwordHash: not a bcrypt hash ($2a$, $2b$ or $2y$, as `htpasswd -nbB user password` prints after the colon)",
		`t.yaml:10:42: partners[0].sftp.passwrodHash: unknown field; did you mean "passwordHash"?`,
	}, lines(ps, dir))
	assert.NotContains(t, ps.Error(), sandboxToken)
	assert.NotContains(t, ps.Error(), userPassword)

	_, ps = parse(t, dir, "dataDir: /data\nprocuros: {url: staging}\n", map[string]string{"PROCUROS_API_TOKEN": apiToken + "\nline two"})
	assert.Equal(t, []string{"t.yaml:2:11: procuros.tokenEnv: the token in PROCUROS_API_TOKEN has a space or control character"}, lines(ps, dir))
	assert.NotContains(t, ps.Error(), apiToken)
}

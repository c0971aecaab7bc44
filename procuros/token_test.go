package procuros_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/procuros"
)

const secret = "tok-7f3a9c-SECRET"

func TestTokenNeverPrints(t *testing.T) {
	tok := procuros.Token(secret)
	cfg := procuros.Config{BaseURL: procuros.StagingURL, Token: tok}
	var printed []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		printed = append(printed, fmt.Sprintf(verb, tok), fmt.Sprintf(verb, cfg))
	}
	js, err := json.Marshal(cfg)
	require.NoError(t, err)
	printed = append(printed, string(js))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "token", tok, "cfg", cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "token", tok)
	printed = append(printed, logs.String())
	for _, p := range printed {
		assert.NotContains(t, p, secret)
	}
	assert.Equal(t, "[redacted]", fmt.Sprint(tok))
	assert.Equal(t, secret, string(tok), "the value itself is intact")
}

func TestTokenFromEnv(t *testing.T) {
	t.Setenv(procuros.TokenEnv, "  "+secret+"\n")
	tok, err := procuros.TokenFromEnv()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token(secret), tok)

	t.Setenv(procuros.TokenEnv, "")
	_, err = procuros.TokenFromEnv()
	assert.ErrorIs(t, err, procuros.ErrNoToken)
}

func TestTokenFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(path, []byte(secret+"\n"), 0o600))
	tok, err := procuros.TokenFromFile(path)
	require.NoError(t, err)
	assert.Equal(t, procuros.Token(secret), tok)

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	_, err = procuros.TokenFromFile(empty)
	assert.ErrorIs(t, err, procuros.ErrNoToken)

	_, err = procuros.TokenFromFile(filepath.Join(dir, "missing"))
	assert.Error(t, err)
}

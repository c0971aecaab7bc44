package config

import (
	"path/filepath"
	"strings"

	"github.com/edibridge/edibridge/procuros"
)

// The environment variables that override the file. PROCUROS_API_TOKEN is
// read after the variable procuros.tokenEnv names, when that is another.
const (
	EnvDataDir       = "EDIBRIDGE_DATA_DIR"
	EnvLogLevel      = "EDIBRIDGE_LOG_LEVEL"
	EnvLogFormat     = "EDIBRIDGE_LOG_FORMAT"
	EnvProcurosURL   = "PROCUROS_API_URL"
	EnvProcurosToken = procuros.TokenEnv
)

// applyEnv applies the environment overrides, and reads the secrets that
// the file names by their variable. A value from the environment is
// checked like one from the file; its problems name the variable.
func applyEnv(c *Config, getenv func(string) string) {
	src := c.src
	if v := strings.TrimSpace(getenv(EnvDataDir)); v != "" {
		src.fromEnv["dataDir"] = EnvDataDir
		// Relative to where the command runs, as a shell user expects.
		if abs, err := filepath.Abs(v); err == nil {
			v = abs
		}
		c.DataDir = v
	}
	if v := strings.TrimSpace(getenv(EnvLogLevel)); v != "" {
		src.fromEnv["log.level"] = EnvLogLevel
		if level, err := parseLevel(v); err != nil {
			src.add("log.level", "%v", err)
		} else {
			c.Log.Level = level
		}
	}
	if v := strings.TrimSpace(getenv(EnvLogFormat)); v != "" {
		src.fromEnv["log.format"] = EnvLogFormat
		if f := strings.ToLower(v); f == "text" || f == "json" {
			c.Log.Format = f
		} else {
			src.add("log.format", "%q is none of text, json", v)
		}
	}
	if v := strings.TrimSpace(getenv(EnvProcurosURL)); v != "" {
		src.fromEnv["procuros.url"] = EnvProcurosURL
		c.Procuros.URL = normalizeURL(v)
		// The override points the configuration elsewhere: its sandbox
		// block no longer applies, and is no mistake of the file.
		if c.Procuros.URL != URLSandbox {
			c.Procuros.Sandbox = nil
		}
	}
	applyTokenEnv(&c.Procuros, getenv)
	for i := range c.Partners {
		if r := c.Partners[i].RemoteSFTP; r != nil && r.PasswordEnv != "" {
			r.Password = Secret(getenv(r.PasswordEnv))
		}
	}
}

// applyTokenEnv reads the token from the variable procuros.tokenEnv names,
// else from PROCUROS_API_TOKEN.
func applyTokenEnv(p *Procuros, getenv func(string) string) {
	for _, name := range []string{p.TokenEnv, EnvProcurosToken} {
		if name == "" {
			continue
		}
		if v := strings.TrimSpace(getenv(name)); v != "" {
			p.EnvToken, p.envTokenVar = procuros.Token(v), name
			return
		}
	}
}

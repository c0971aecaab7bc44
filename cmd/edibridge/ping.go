package main

import (
	"context"
	"fmt"

	"github.com/edibridge/edibridge/procuros"
)

// runPing checks that the configured Procuros API answers and takes the
// token. For url: sandbox it pings the sandbox of a running bridge, at
// sandbox.listen.
func runPing(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ping", "[--config FILE]")
	path := fs.String("config", defaultConfig, "configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadForServe(e, *path)
	if err != nil {
		return err
	}
	p := cfg.Procuros
	base := p.BaseURL
	token, err := p.Token()
	if err != nil {
		return err
	}
	if p.Sandbox != nil {
		if p.Sandbox.Listen == "" {
			return fmt.Errorf("the sandbox of %s runs inside edibridge serve without sandbox.listen: nothing to ping", *path)
		}
		base = "http://" + p.Sandbox.Listen
	}
	client, err := procuros.NewClient(procuros.Config{BaseURL: base, Token: token, Timeout: p.Timeout, Retry: procuros.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		return err
	}
	if err := client.Ping(ctx); err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "ok: %s accepts the token (%s)\n", client.BaseURL(), p.TokenSource())
	return err
}

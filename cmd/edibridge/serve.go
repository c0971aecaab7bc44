package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"github.com/edibridge/edibridge/bridge"
	"github.com/edibridge/edibridge/config"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
)

// defaultConfig is the configuration file when --config is not given.
const defaultConfig = "edibridge.yaml"

// runServe runs the bridge on a configuration until SIGINT or SIGTERM.
func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "[--config FILE]")
	path := fs.String("config", defaultConfig, "configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadForServe(e, *path)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, e.stderr)
	_, err = os.Stat(bridge.JournalPath(cfg))
	firstStart := errors.Is(err, os.ErrNotExist)
	made, err := bridge.Prepare(cfg)
	for _, f := range made {
		log.Info("generated on first start", "file", f)
	}
	if err != nil {
		return err
	}
	if problems := cfg.CheckFiles(); len(problems) > 0 {
		return reportProblems(e, problems)
	}
	for _, w := range cfg.Warnings() {
		log.Warn(w.Error())
	}
	client, sandboxDone, err := procurosFor(ctx, e, cfg, firstStart, log)
	if err != nil {
		return err
	}
	opts, err := bridge.FromConfig(cfg, client, log)
	if err != nil {
		return err
	}
	b, err := bridge.New(ctx, opts)
	if err != nil {
		return err
	}
	defer b.Close()
	err = b.Run(ctx)
	if sandboxDone != nil {
		err = errors.Join(err, <-sandboxDone)
	}
	return err
}

// loadForServe loads a configuration, printing its problems one per line.
func loadForServe(e *env, path string) (*config.Config, error) {
	cfg, err := config.Load(path, e.getenv)
	var problems config.Problems
	if errors.As(err, &problems) {
		return nil, reportProblems(e, problems)
	}
	return cfg, err
}

func reportProblems(e *env, problems config.Problems) error {
	for _, p := range problems {
		fmt.Fprintln(e.stderr, p.Error())
	}
	return errSilentFailure
}

// newLogger makes the structured log the configuration asks for.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// procurosFor returns the client of the configured API. With url: sandbox
// it starts the fake API in-process first, on sandbox.listen or a free
// loopback port, and returns a channel that reports when it has stopped
// (with ctx). The sandbox's incoming transactions are queued on the first
// start only: at every later one they would be new transactions, and be
// delivered again.
func procurosFor(ctx context.Context, e *env, cfg *config.Config, firstStart bool, log *slog.Logger) (*procuros.Client, <-chan error, error) {
	p := cfg.Procuros
	if p.Sandbox == nil {
		token, err := p.Token()
		if err != nil {
			return nil, nil, err
		}
		client, err := procuros.NewClient(procuros.Config{BaseURL: p.BaseURL, Token: token, Timeout: p.Timeout, Logger: log.With("component", "procuros")})
		return client, nil, err
	}
	srv, err := procurostest.NewServer(procurostest.Options{Token: p.Sandbox.Token, Logger: log.With("component", "sandbox")})
	if err != nil {
		return nil, nil, err
	}
	if p.Sandbox.Incoming != "" && !firstStart {
		log.Info("sandbox: incoming transactions queued on the first start only", "folder", p.Sandbox.Incoming)
	}
	if p.Sandbox.Incoming != "" && firstStart {
		ids, err := srv.LoadIncomingDir(p.Sandbox.Incoming)
		if err != nil {
			return nil, nil, err
		}
		log.Info("sandbox: incoming transactions queued", "count", len(ids), "folder", p.Sandbox.Incoming)
	}
	addr := p.Sandbox.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	done := make(chan error, 1)
	quiet := &env{stdin: e.stdin, stdout: io.Discard, stderr: e.stderr, getenv: e.getenv}
	go func() { done <- serveSandbox(ctx, quiet, srv, ln, log.With("component", "sandbox")) }()
	base := "http://" + ln.Addr().String()
	log.Info("sandbox: the fake Procuros API runs in-process", "api", base+"/v2", "admin", base+procurostest.AdminPrefix)
	client, err := procuros.NewClient(procuros.Config{BaseURL: base, Token: p.Sandbox.Token, Timeout: p.Timeout, Logger: log.With("component", "procuros")})
	return client, done, err
}

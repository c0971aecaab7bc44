package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/procuros/procurostest"
	"github.com/edibridge/edibridge/procuros/spec"
)

// shutdownGrace bounds how long the sandbox waits for requests in flight
// when it stops.
const shutdownGrace = 5 * time.Second

// runSandbox serves the fake Procuros API (package procurostest) until ctx
// ends: the same validation and answers as the real API, state in memory,
// and the admin endpoints under /_admin/ that show what arrived.
func runSandbox(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sandbox", "[flags]")
	listen := fs.String("listen", "127.0.0.1:8089", "`address` to listen on; port 0 picks a free one")
	token := fs.String("token", "", "bearer `token` clients must send (default $"+procuros.TokenEnv+")")
	incoming := fs.String("incoming", "", "`folder` of JSON files with incoming transactions to serve")
	types := fs.String("not-forwarded-types", "", "comma-separated transaction `types` answered 202 (not forwarded)")
	partners := fs.String("not-forwarded-partners", "", "comma-separated party `identifiers` (GLNs) answered 202")
	portal := fs.String("portal-url", "", "root `URL` of errorUrl links (default: the sandbox's /_admin)")
	flow := fs.String("flow", string(procuros.FlowLive), "`flow` of the transactions created: LIVE or TEST")
	maxRecords := fs.Int("max-records", procurostest.DefaultMaxRecords,
		"how many of each kind of record (sends with their bodies and duplicate detection, marks, errors,\n"+
			"requests, finished transactions) to keep; older ones are forgotten")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if *maxRecords < 1 {
		return usageError("--max-records must be at least 1, not %d", *maxRecords)
	}
	opts, err := sandboxOptions(e, *token, *types, *partners, *flow)
	if err != nil {
		return err
	}
	opts.PortalURL = *portal
	opts.MaxRecords = *maxRecords
	logger := slog.New(slog.NewTextHandler(e.stderr, nil)).With("component", "sandbox")
	opts.Logger = logger

	srv, err := procurostest.NewServer(opts)
	if err != nil {
		return err
	}
	if *incoming != "" {
		ids, err := srv.LoadIncomingDir(*incoming)
		if err != nil {
			return err
		}
		logger.Info("incoming transactions queued", "count", len(ids), "folder", *incoming)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	return serveSandbox(ctx, e, srv, ln, logger)
}

// sandboxOptions turns the flags into server options.
func sandboxOptions(e *env, token, types, partners, flow string) (procurostest.Options, error) {
	var opts procurostest.Options
	opts.Token = procuros.Token(strings.TrimSpace(token))
	if opts.Token == "" {
		opts.Token = procuros.Token(strings.TrimSpace(e.getenv(procuros.TokenEnv)))
	}
	if opts.Token == "" {
		return opts, usageError("no token: use --token or set %s", procuros.TokenEnv)
	}
	for _, t := range splitList(types) {
		if _, ok := spec.ContentSchema(t); !ok {
			return opts, usageError("--not-forwarded-types: %q is not a transaction type", t)
		}
		opts.NotForwardedTypes = append(opts.NotForwardedTypes, procuros.TransactionType(t))
	}
	opts.NotForwardedPartners = splitList(partners)
	switch f := procuros.TransactionFlow(strings.ToUpper(flow)); f {
	case procuros.FlowLive, procuros.FlowTest:
		opts.Flow = f
	default:
		return opts, usageError("--flow must be LIVE or TEST, not %q", flow)
	}
	return opts, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// serveSandbox serves srv on ln until ctx ends, then shuts down gracefully.
func serveSandbox(ctx context.Context, e *env, srv *procurostest.Server, ln net.Listener, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	base := "http://" + ln.Addr().String()
	// The first line is for scripts and tests that need the bound address.
	fmt.Fprintf(e.stdout, "listening on %s\n", base)
	fmt.Fprintf(e.stdout, "API base URL %s/v2, admin %s%s\n", base, base, procurostest.AdminPrefix)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		logger.Warn("listening beyond this machine: the admin endpoints need no token")
	}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	srv.Close() // release requests held by hang faults
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

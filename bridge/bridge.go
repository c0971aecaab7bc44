// Package bridge is the runtime: it wires the transports, the journal, the
// mapping and the Procuros client into one process, and runs the inbound
// and outbound pipelines.
//
// Inbound, every transport stores what it receives in the journal before
// it answers the partner (transport.Sink); a worker parses each file into
// messages and maps them; senders POST each message to Procuros and record
// the outcome; what cannot be read or mapped is quarantined and reported
// once with POST /v2/errors. Outbound, a poller lists the incoming
// transactions; each is routed to the partner whose GLN its receiving
// party has, written as EDIFACT with the partner's next control number,
// delivered by the partner's transport (for AS2, a verified MDN is the
// proof), and marked processed, in bulk.
//
// Every step reads its work from the journal and records its result there
// before the next step sees it, so that a crash at any point resumes where
// it stopped. Delivery is at least once; duplicates are recognised at each
// hop: the journal by partner and key, Procuros by the byte-identical
// payload, AS2 partners by the Message-ID kept with the rendered file, and
// SFTP and folder outboxes by name and content.
package bridge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edibridge/edibridge/journal"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/folder"
	"github.com/edibridge/edibridge/transport/sftp"
)

// A Bridge runs the pipelines for its partners.
type Bridge struct {
	opts     Options
	log      *slog.Logger
	journal  *journal.Journal
	client   *procuros.Client
	partners map[string]*Partner
	byGLN    map[string]*Partner
	metrics  *metrics
	now      func() time.Time

	as2Receiver *as2.Receiver
	as2Sender   *as2.Sender
	sftpServer  *sftp.Server
	remotes     map[string]*sftp.Remote
	watchers    []*folder.Watcher
	outboxes    map[string]folder.Outbox

	wake  wakers
	ready atomic.Bool
}

// wakers tell the workers there is new work, so that they need not poll.
type wakers struct {
	parse, send, report, render, deliver, mark *signal
}

// New opens the journal and builds the transports; nothing listens until
// Run.
func New(ctx context.Context, opts Options) (*Bridge, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	b := &Bridge{
		opts:     opts,
		log:      opts.Logger,
		client:   opts.Procuros,
		partners: map[string]*Partner{},
		byGLN:    map[string]*Partner{},
		metrics:  newMetrics(),
		now:      time.Now,
		remotes:  map[string]*sftp.Remote{},
		outboxes: map[string]folder.Outbox{},
		wake:     wakers{newSignal(), newSignal(), newSignal(), newSignal(), newSignal(), newSignal()},
	}
	if err := b.indexPartners(); err != nil {
		return nil, err
	}
	j, err := journal.Open(ctx, opts.JournalPath, journal.Options{})
	if err != nil {
		return nil, err
	}
	b.journal = j
	if err := b.buildTransports(ctx); err != nil {
		j.Close()
		return nil, err
	}
	return b, nil
}

func (o *Options) check() error {
	switch {
	case o.JournalPath == "":
		return errors.New("bridge: no journal path")
	case o.Procuros == nil:
		return errors.New("bridge: no Procuros client")
	case len(o.Partners) == 0:
		return errors.New("bridge: no partners")
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Senders <= 0 {
		o.Senders = DefaultSenders
	}
	if o.MDNTimeout <= 0 {
		o.MDNTimeout = DefaultMDNTimeout
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = DefaultShutdownGrace
	}
	if o.RetryInitial <= 0 {
		o.RetryInitial = DefaultRetryInitial
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	o.RetryMax = max(o.RetryMax, o.RetryInitial)
}

// indexPartners checks the partners' ids and GLNs are unique.
func (b *Bridge) indexPartners() error {
	for _, p := range b.opts.Partners {
		if p.ID == "" || p.Mapper == nil {
			return fmt.Errorf("bridge: partner %q without an id or a mapper", p.ID)
		}
		if _, dup := b.partners[p.ID]; dup {
			return fmt.Errorf("bridge: two partners have the id %q", p.ID)
		}
		b.partners[p.ID] = p
		for _, gln := range p.GLNs {
			if other, dup := b.byGLN[gln]; dup {
				return fmt.Errorf("bridge: partners %s and %s both have the GLN %s", other.ID, p.ID, gln)
			}
			b.byGLN[gln] = p
		}
	}
	return nil
}

// Journal returns the bridge's journal.
func (b *Bridge) Journal() *journal.Journal { return b.journal }

// Registry returns the bridge's Prometheus metrics.
func (b *Bridge) Registry() *prometheus.Registry { return b.metrics.registry }

// sink is what the transports store into: the journal, with a wake-up for
// the parser and a count per partner and transport.
func (b *Bridge) sink() transport.Sink {
	return transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		r, err := b.journal.Store(ctx, f)
		if err != nil {
			return r, err
		}
		if !r.Duplicate {
			b.metrics.filesReceived.WithLabelValues(f.Partner, f.Transport).Inc()
			b.wake.parse.notify()
		}
		return r, nil
	})
}

// quarantineSink keeps what a transport refused, under a key of its own
// (see journal.Quarantine), and has it reported.
func (b *Bridge) quarantineSink() transport.Sink {
	return transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		problem := f.Meta["as2.error"]
		f.Key = "refused " + f.Key + " " + shortHash(f.Data)
		r, err := b.journal.Quarantine(ctx, f, problem)
		if err == nil && !r.Duplicate {
			b.metrics.outcome(f.Partner, "", "in", "refused")
			b.wake.report.notify()
		}
		return r, err
	})
}

// buildTransports makes the AS2 receiver and sender, the SFTP server, the
// remote pollers, the folder watchers and outboxes.
func (b *Bridge) buildTransports(ctx context.Context) error {
	var as2Partners []*as2.Partner
	var accounts []sftp.Account
	for _, p := range b.opts.Partners {
		if p.AS2 != nil {
			as2Partners = append(as2Partners, p.AS2)
		}
		if p.SFTP != nil {
			accounts = append(accounts, *p.SFTP)
		}
		if err := b.buildPartnerTransports(p); err != nil {
			return err
		}
	}
	b.as2Sender = as2.NewSender(as2.SenderOptions{State: b.journal.AS2(), OnAsyncMDN: b.asyncMDN, Logger: b.log.With("component", "as2")})
	if l := b.opts.AS2; l != nil {
		ro := l.Receiver
		ro.Partners, ro.Sink, ro.Quarantine, ro.State, ro.AsyncMDNs = as2Partners, b.sink(), b.quarantineSink(), b.journal.AS2(), b.as2Sender
		if ro.Logger == nil {
			ro.Logger = b.log.With("component", "as2")
		}
		r, err := as2.NewReceiver(ro)
		if err != nil {
			return fmt.Errorf("bridge: AS2: %w", err)
		}
		b.as2Receiver = r
	}
	if l := b.opts.SFTP; l != nil {
		so := l.Server
		if len(so.Accounts) == 0 {
			so.Accounts = accounts
		}
		if so.DataDir == "" {
			so.DataDir = b.opts.DataDir + "/sftp"
		}
		so.Sink = b.sink()
		if so.Logger == nil {
			so.Logger = b.log.With("component", "sftp")
		}
		s, err := sftp.NewServer(ctx, so)
		if err != nil {
			return fmt.Errorf("bridge: SFTP: %w", err)
		}
		b.sftpServer = s
	}
	return nil
}

func (b *Bridge) buildPartnerTransports(p *Partner) error {
	log := b.log.With("partner", p.ID)
	if p.RemoteSFTP != nil {
		ro := *p.RemoteSFTP
		ro.Partner, ro.Sink = p.ID, b.sink()
		if ro.Logger == nil {
			ro.Logger = log.With("component", "remote-sftp")
		}
		r, err := sftp.NewRemote(ro)
		if err != nil {
			return fmt.Errorf("bridge: partner %s: remote SFTP: %w", p.ID, err)
		}
		b.remotes[p.ID] = r
	}
	if p.Folder != nil && p.Folder.Watcher != nil {
		wo := *p.Folder.Watcher
		wo.Partner, wo.Sink = p.ID, b.sink()
		if wo.Logger == nil {
			wo.Logger = log.With("component", "folder")
		}
		w, err := folder.NewWatcher(wo)
		if err != nil {
			return fmt.Errorf("bridge: partner %s: folder: %w", p.ID, err)
		}
		b.watchers = append(b.watchers, w)
	}
	if p.Folder != nil && p.Folder.Outbox != "" {
		out := folder.Outbox{Dir: p.Folder.Outbox}
		// A Write cut short by a crash leaves its temporary file behind;
		// the partner must not find it there for ever.
		if err := out.RemoveLeftovers(); err != nil {
			log.Warn("bridge: temporary files of an earlier run left in the outbox", "error", err)
		}
		b.outboxes[p.ID] = out
	}
	return nil
}

// Run listens, starts the pipelines and runs until ctx ends; then it stops
// taking work, lets the work under way finish within the grace period,
// and returns. Everything not finished is resumed from the journal by the
// next Run.
func (b *Bridge) Run(ctx context.Context) error {
	listeners, err := b.listen(ctx)
	if err != nil {
		return err
	}
	// work ends ShutdownGrace after ctx: what is under way may finish.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	run := func(name string, fn func(ctx, work context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx, work); err != nil && ctx.Err() == nil {
				b.log.Error("bridge: "+name+" stopped", "error", err)
			}
		}()
	}
	b.startWorkers(run)
	for _, l := range listeners {
		run(l.name, l.serve)
	}
	b.ready.Store(true)
	b.log.Info("bridge: running", "partners", len(b.partners))
	<-ctx.Done()
	b.ready.Store(false)
	b.log.Info("bridge: stopping", "grace", b.opts.ShutdownGrace)
	timer := time.AfterFunc(b.opts.ShutdownGrace, stopWork)
	defer timer.Stop()
	wg.Wait()
	if b.as2Receiver != nil {
		graceCtx, cancel := context.WithTimeout(context.Background(), b.opts.ShutdownGrace)
		defer cancel()
		b.as2Receiver.Close(graceCtx)
	}
	b.log.Info("bridge: stopped")
	return nil
}

// startWorkers starts the pipelines' loops.
func (b *Bridge) startWorkers(run func(string, func(ctx, work context.Context) error)) {
	run("parser", b.parseLoop)
	run("sender", b.sendLoop)
	run("reporter", b.reportLoop)
	run("poller", b.pollLoop)
	run("renderer", b.renderLoop)
	run("deliverer", b.deliverLoop)
	run("marker", b.markLoop)
	run("pruner", b.pruneLoop)
	for id, r := range b.remotes {
		if b.partners[id].RemoteSFTP.Dir == "" {
			continue // uploads only: nothing to collect
		}
		run("remote SFTP of "+id, func(ctx, _ context.Context) error { return r.Run(ctx) })
	}
	for _, w := range b.watchers {
		run("folder watcher", func(ctx, _ context.Context) error { return w.Run(ctx) })
	}
}

// Close closes the journal and the transports' connections.
func (b *Bridge) Close() error {
	for _, r := range b.remotes {
		r.Close()
	}
	return b.journal.Close()
}

// A served listener.
type served struct {
	name  string
	serve func(ctx, work context.Context) error
}

// listen opens every listener before anything runs, so that a port in
// use fails the start rather than a goroutine later.
func (b *Bridge) listen(ctx context.Context) ([]served, error) {
	var out []served
	var opened []net.Listener
	var lc net.ListenConfig
	fail := func(err error) ([]served, error) {
		for _, ln := range opened {
			ln.Close()
		}
		return nil, err
	}
	open := func(name, addr string) (net.Listener, error) {
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("bridge: %s listener on %s: %w", name, addr, err)
		}
		opened = append(opened, ln)
		return ln, nil
	}
	if l := b.opts.AS2; l != nil && b.as2Receiver != nil {
		ln, err := open("AS2", l.Address)
		if err != nil {
			return fail(err)
		}
		mux := http.NewServeMux()
		mux.Handle(l.Path, b.as2Receiver)
		out = append(out, served{"AS2 listener", httpServe(ln, mux, l.TLS, b.opts.ShutdownGrace, b.log)})
		b.log.Info("bridge: AS2 listening", "address", ln.Addr().String(), "path", l.Path, "tls", l.TLS != nil)
	}
	if l := b.opts.SFTP; l != nil && b.sftpServer != nil {
		ln, err := open("SFTP", l.Address)
		if err != nil {
			return fail(err)
		}
		out = append(out, served{"SFTP server", func(ctx, _ context.Context) error { return b.sftpServer.Serve(ctx, ln) }})
		b.log.Info("bridge: SFTP listening", "address", ln.Addr().String())
	}
	if l := b.opts.HTTP; l != nil {
		ln, err := open("HTTP", l.Address)
		if err != nil {
			return fail(err)
		}
		out = append(out, served{"HTTP server", httpServe(ln, b.opsHandler(), nil, b.opts.ShutdownGrace, b.log)})
		b.log.Info("bridge: health and metrics listening", "address", ln.Addr().String())
	}
	return out, nil
}

// httpServe serves h on ln until ctx ends, then shuts down gracefully.
func httpServe(ln net.Listener, h http.Handler, cfg *tls.Config, grace time.Duration, log *slog.Logger) func(ctx, work context.Context) error {
	return func(ctx, _ context.Context) error {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		if cfg != nil {
			srv.TLSConfig = cfg
		}
		errc := make(chan error, 1)
		go func() {
			if cfg != nil {
				errc <- srv.ServeTLS(ln, "", "")
			} else {
				errc <- srv.Serve(ln)
			}
		}()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edibridge/edibridge/bridge"
	"github.com/edibridge/edibridge/journal"
)

// runMessages reads the journal: list, show, retry.
func runMessages(ctx context.Context, e *env, args []string) error {
	const usage = "list [flags] | show [--config FILE] REF | retry [--config FILE] REF"
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "Usage: edibridge messages "+usage)
		return &exitError{code: 2}
	}
	switch args[0] {
	case "list":
		return messagesList(ctx, e, args[1:])
	case "show":
		return messagesShow(ctx, e, args[1:])
	case "retry":
		return messagesRetry(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stderr, "Usage: edibridge messages "+usage)
		return nil
	}
	return usageError("unknown subcommand %q (there are: list, show, retry)", args[0])
}

// openJournal opens the journal of a configuration. It may run beside
// `edibridge serve`: SQLite lets a second process read, and write
// briefly, while the bridge runs.
func openJournal(ctx context.Context, e *env, path string) (*journal.Journal, error) {
	cfg, err := loadForServe(e, path)
	if err != nil {
		return nil, err
	}
	return journal.Open(ctx, bridge.JournalPath(cfg), journal.Options{})
}

func messagesList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "messages list", "[flags]")
	path := fs.String("config", defaultConfig, "configuration `file`")
	var f journal.Filter
	fs.StringVar(&f.Partner, "partner", "", "only this `partner`")
	fs.StringVar(&f.State, "state", "", "only this `state` (ready, retrying, sent, failed, quarantined, fetched, delivered, rejected, marked, ...)")
	fs.StringVar(&f.Direction, "direction", "", "only `in` or out")
	fs.IntVar(&f.Limit, "limit", 50, "at most `n` entries, newest first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.Direction != "" && f.Direction != "in" && f.Direction != "out" {
		return usageError("--direction must be in or out")
	}
	j, err := openJournal(ctx, e, *path)
	if err != nil {
		return err
	}
	defer j.Close()
	entries, err := j.List(ctx, f)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "REF\tUPDATED\tDIR\tPARTNER\tTYPE\tSTATE\tDOCUMENT\tNOTE")
	for _, en := range entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", en.Ref, en.Updated.Local().Format(time.DateTime), en.Direction, en.Partner,
			dash(en.Type), en.State, dash(en.Identifier), oneLine(en.Note, 80))
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine shortens a note to its first line and n characters.
func oneLine(s string, n int) string {
	first, _, more := strings.Cut(s, "\n")
	if len(first) > n {
		first, more = first[:n], true
	}
	if more {
		first += " ..."
	}
	return first
}

func messagesShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "messages show", "[--config FILE] REF")
	path := fs.String("config", defaultConfig, "configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ref, err := oneRef(fs.Args())
	if err != nil {
		return err
	}
	j, err := openJournal(ctx, e, *path)
	if err != nil {
		return err
	}
	defer j.Close()
	d, err := j.Show(ctx, ref)
	if err != nil {
		return err
	}
	printDetail(e.stdout, d)
	return nil
}

func oneRef(args []string) (journal.Ref, error) {
	if len(args) != 1 {
		return journal.Ref{}, usageError("give one reference, such as msg-12 (see edibridge messages list)")
	}
	ref, err := journal.ParseRef(args[0])
	if err != nil {
		return ref, usageError("%v", err)
	}
	return ref, nil
}

// printDetail prints an entry: its fields, its errors and error link, the
// raw payload, the JSON, and its history.
func printDetail(w io.Writer, d *journal.Detail) {
	section := func(title string, body []byte) {
		if len(body) == 0 {
			return
		}
		fmt.Fprintf(w, "\n--- %s ---\n%s", title, body)
		if body[len(body)-1] != '\n' {
			fmt.Fprintln(w)
		}
	}
	switch {
	case d.Message != nil:
		m := d.Message
		fmt.Fprintf(w, "%s  %s message %d (UNH %s) of %s from %s\nstate: %s  attempts: %d\n", d.Ref, m.EDIType, m.Position, m.Ref, fileRefOf(d), m.Partner, m.State, m.Attempts)
		field(w, "transaction type", m.TxType)
		field(w, "document", m.Identifier)
		field(w, "procuros id", m.ProcurosID)
		field(w, "error", m.Error)
		field(w, "error url", m.ErrorURL)
		field(w, "errors", m.ErrorsJSON)
		if m.State == journal.MessageRetrying {
			field(w, "next attempt", m.NextAttempt.Local().Format(time.DateTime))
		}
		section("warnings", []byte(m.Warnings))
		section("JSON sent to Procuros", m.Payload)
		section("raw payload ("+d.File.Name+")", d.File.Data)
	case d.File != nil:
		f := d.File
		fmt.Fprintf(w, "%s  %q from %s by %s, %d bytes, received %s\nstate: %s\n", d.Ref, f.Name, f.Partner, f.Transport, f.Size, f.Received.Local().Format(time.DateTime), f.State)
		field(w, "key", f.Key)
		field(w, "error", f.Error)
		field(w, "error url", f.ErrorURL)
		for _, m := range d.Messages {
			fmt.Fprintf(w, "message msg-%d: %s %s %s\n", m.ID, m.EDIType, m.State, oneLine(m.Error, 100))
		}
		section("raw payload", f.Data)
	case d.Outbound != nil:
		o := d.Outbound
		fmt.Fprintf(w, "%s  %s %s to %s\nstate: %s  attempts: %d\n", d.Ref, o.TxType, o.ProcurosID, dash(o.Partner), o.State, o.Attempts)
		field(w, "document", o.Identifier)
		field(w, "file", o.FileName)
		field(w, "control number", o.ControlRef)
		field(w, "transport", o.Transport+" "+o.TransportRef)
		field(w, "error", o.Error)
		field(w, "reason", o.Reason)
		section("EDIFACT", o.EDI)
		section("transaction JSON from Procuros", o.Content)
	}
	fmt.Fprintln(w, "\n--- history ---")
	for _, ev := range d.Events {
		fmt.Fprintf(w, "%s  %-12s %s\n", ev.At.Local().Format(time.DateTime), ev.State, ev.Detail)
	}
}

func field(w io.Writer, name, value string) {
	if strings.TrimSpace(value) != "" {
		fmt.Fprintf(w, "%s: %s\n", name, value)
	}
}

func fileRefOf(d *journal.Detail) string {
	if d.File == nil {
		return "?"
	}
	return journal.Ref{Kind: journal.KindFile, ID: d.File.ID}.String()
}

func messagesRetry(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "messages retry", "[--config FILE] REF")
	path := fs.String("config", defaultConfig, "configuration `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ref, err := oneRef(fs.Args())
	if err != nil {
		return err
	}
	j, err := openJournal(ctx, e, *path)
	if err != nil {
		return err
	}
	defer j.Close()
	if err := j.Retry(ctx, ref); err != nil {
		if errors.Is(err, journal.ErrNotRetryable) {
			return fmt.Errorf("%s is done or waiting already; only failed, retrying and quarantined entries, and undelivered transactions, are retried", ref)
		}
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s requeued; a running bridge takes it up within a minute\n", ref)
	return err
}

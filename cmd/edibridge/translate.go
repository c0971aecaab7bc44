package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/edibridge/edibridge/config"
	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
)

// runTranslate maps a file one way or the other: EDIFACT to the Procuros
// transactions it becomes (a report, as JSON), or Procuros transactions
// (JSON) to an EDIFACT interchange.
func runTranslate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "translate", "[flags] FILE|-")
	to := fs.String("to", "procuros", `what to translate to: "procuros" (from EDIFACT) or "edifact" (from Procuros JSON)`)
	typ := fs.String("type", "", "with -to edifact: the transaction type (ORDER, ...) of input that is bare content")
	tables := addTableFlags(fs)
	accept := fs.String("accept", "", `EDIFACT faults to tolerate as warnings, comma-separated, or "all"`)
	directory := fs.String("directory", "D96A", "EANCOM version to write: D96A or D01B")
	sender := fs.String("sender", "", "UNB sender, ID[:QUALIFIER] (qualifier 14, GLN, by default)")
	recipient := fs.String("recipient", "", "UNB recipient, ID[:QUALIFIER]")
	controlRef := fs.String("control-ref", "1", "UNB interchange control reference")
	syntaxID := fs.String("syntax", "UNOC", "syntax identifier to write")
	lineBreak := fs.Bool("line-break", true, "write each segment on a line of its own")
	report := fs.Bool("report", false, "with -to procuros: print a report of every message (transaction, warnings, errors) instead of the transactions")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError("give one file (or - for standard input)")
	}
	m, err := tables.mapper(e)
	if err != nil {
		return err
	}
	in, label, err := openInput(e, fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	switch *to {
	case "procuros":
		faults, err := edifact.ParseFaults(*accept)
		if err != nil {
			return usageError("-accept: %v", err)
		}
		if *report {
			return reportProcuros(e, m, in, faults)
		}
		return toProcuros(e, m, in, label, faults)
	case "edifact":
		env := mapping.Envelope{ControlRef: *controlRef, SyntaxID: *syntaxID, Directory: *directory, Prepared: time.Now()}
		if env.Sender, err = parseParty(*sender); err != nil {
			return usageError("-sender: %v", err)
		}
		if env.Recipient, err = parseParty(*recipient); err != nil {
			return usageError("-recipient: %v", err)
		}
		if *lineBreak {
			env.LineBreak = "\n"
		}
		return toEDIFACT(ctx, e, m, in, label, env, procuros.TransactionType(*typ))
	}
	return usageError(`-to: %q is neither "procuros" nor "edifact"`, *to)
}

// tableFlags choose the mapping tables of translate and validate: the
// built-in ones, with a partner's overrides from a file (--tables) or as
// the configuration names them for a partner (--config, --partner).
type tableFlags struct {
	tables, config, partner *string
}

func addTableFlags(fs *flag.FlagSet) tableFlags {
	return tableFlags{
		tables:  fs.String("tables", "", "a partner's mapping overrides (YAML), on top of the built-in tables"),
		config:  fs.String("config", "", "with --partner: the configuration `file` (default "+defaultConfig+")"),
		partner: fs.String("partner", "", "map with the overrides the configuration names for this partner `id` (its mapping file)"),
	}
}

// mapper returns the Mapper the flags choose.
func (f tableFlags) mapper(e *env) (*mapping.Mapper, error) {
	switch {
	case *f.partner == "" && *f.config != "":
		return nil, usageError("--config: give --partner too: the partner whose mapping overrides to use")
	case *f.partner == "":
		return mapping.NewFromFile(*f.tables)
	case *f.tables != "":
		return nil, usageError("--tables and --partner: give one (the partner's overrides are in the configuration)")
	}
	path := cmp.Or(*f.config, defaultConfig)
	cfg, err := config.Load(path, e.getenv)
	var problems config.Problems
	if errors.As(err, &problems) {
		return nil, reportProblems(e, problems)
	}
	if err != nil {
		return nil, err
	}
	p := cfg.Partner(*f.partner)
	if p == nil {
		ids := make([]string, len(cfg.Partners))
		for i, p := range cfg.Partners {
			ids[i] = p.ID
		}
		return nil, usageError("--partner: %s has no partner %q (it has: %s)", path, *f.partner, strings.Join(ids, ", "))
	}
	m, err := mapping.NewFromFile(p.Mapping)
	if err != nil {
		return nil, fmt.Errorf("partner %s: %w", p.ID, err)
	}
	return m, nil
}

// toProcuros prints the transactions of an EDIFACT input as a JSON array
// of {"type": ..., "content": ...}, one message at a time, and what stops
// a message, or is noted about it, on standard error in the form of
// validate. The exit status is 1 when a message could not be mapped.
func toProcuros(e *env, m *mapping.Mapper, in io.Reader, label string, faults edifact.Fault) error {
	r := edifact.NewReader(in)
	r.Accept = faults
	failed, n := false, 0
	if _, err := io.WriteString(e.stdout, "["); err != nil {
		return err
	}
	for tr := range m.Translate(r) {
		if tr.Message == nil {
			fmt.Fprintf(e.stderr, "%s: %v\n", label, tr.Err)
			failed = true
			continue
		}
		var ps mapping.Problems
		if tr.Err != nil {
			failed = true
			if !errors.As(tr.Err, &ps) {
				fmt.Fprintf(e.stderr, "%s: %v\n", label, tr.Err)
			}
		} else {
			ps = tr.Result.Warnings
		}
		for _, p := range ps {
			if p.Warning {
				fmt.Fprintf(e.stderr, "%s: warning: %v\n", label, p)
			} else {
				fmt.Fprintf(e.stderr, "%s: %v\n", label, p)
			}
		}
		if tr.Err != nil {
			continue
		}
		body, err := procuros.MarshalTransaction(tr.Result.Transaction())
		if err != nil {
			return fmt.Errorf("%s: message %d: %w", label, tr.Message.Index, err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, body, "  ", "  "); err != nil {
			return err
		}
		sep := "\n  "
		if n > 0 {
			sep = ",\n  "
		}
		n++
		if _, err := io.WriteString(e.stdout, sep+indented.String()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(e.stdout, "\n]\n"); err != nil {
		return err
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

// reportProcuros prints the report of an EDIFACT input: each message with
// its transaction and warnings, or the problems that stopped it.
func reportProcuros(e *env, m *mapping.Mapper, in io.Reader, faults edifact.Fault) error {
	r := edifact.NewReader(in)
	r.Accept = faults
	var rep mapping.Report
	for tr := range m.Translate(r) {
		rep.Add(tr)
	}
	if rep.Messages == nil {
		rep.Messages = []mapping.MessageReport{}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if rep.Failed() {
		return errSilentFailure
	}
	return nil
}

// toEDIFACT reads Procuros transactions and writes them as one
// interchange. Nothing is written when one of them cannot be mapped.
func toEDIFACT(ctx context.Context, e *env, m *mapping.Mapper, in io.Reader, label string, env mapping.Envelope, typ procuros.TransactionType) error {
	data, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	txs, err := decodeTransactions(data, typ)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	msgs := make([]mapping.OutMessage, len(txs))
	for i, c := range txs {
		msgs[i] = mapping.OutMessage{Ref: fmt.Sprint(i + 1), Content: c}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var out bytes.Buffer
	warnings, err := m.WriteInterchange(&out, env, msgs)
	for _, w := range warnings {
		if w.Warning {
			fmt.Fprintf(e.stderr, "%s: warning: %v\n", label, w)
		}
	}
	if ps, ok := err.(mapping.Problems); ok {
		for _, p := range ps.Errors() {
			fmt.Fprintf(e.stderr, "%s: %v\n", label, p)
		}
		return errSilentFailure
	}
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(out.Bytes())
	return err
}

// decodeTransactions reads transactions, {"type": ..., "content": ...}:
// one, a JSON array of them, or a page of the API's list ({"items": [...]}).
// With typ, the input is the bare content of one transaction of that type.
func decodeTransactions(data []byte, typ procuros.TransactionType) ([]procuros.Content, error) {
	if typ != "" {
		c, err := procuros.DecodeContent(typ, data)
		if err != nil {
			return nil, err
		}
		return []procuros.Content{c}, nil
	}
	var raws []json.RawMessage
	trimmed := bytes.TrimSpace(data)
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, err
		}
	case json.Unmarshal(trimmed, &page) == nil && page.Items != nil:
		raws = page.Items
	default:
		raws = []json.RawMessage{trimmed}
	}
	var out []procuros.Content
	for i, raw := range raws {
		var tx struct {
			Type    procuros.TransactionType `json:"type"`
			Content json.RawMessage          `json:"content"`
		}
		if err := json.Unmarshal(raw, &tx); err != nil {
			return nil, fmt.Errorf("transaction %d: %w", i+1, err)
		}
		if tx.Type == "" || len(tx.Content) == 0 {
			return nil, fmt.Errorf(`transaction %d: want {"type": ..., "content": ...} (or give -type for bare content)`, i+1)
		}
		c, err := procuros.DecodeContent(tx.Type, tx.Content)
		if err != nil {
			return nil, fmt.Errorf("transaction %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// parseParty reads ID[:QUALIFIER], the qualifier 14 (GLN) by default.
func parseParty(s string) (edifact.Party, error) {
	if s == "" {
		return edifact.Party{}, fmt.Errorf("required for an interchange")
	}
	id, qual, ok := strings.Cut(s, ":")
	if !ok {
		qual = "14"
	}
	if id == "" || qual == "" {
		return edifact.Party{}, fmt.Errorf("%q is not ID[:QUALIFIER]", s)
	}
	return edifact.Party{ID: id, Qualifier: qual}, nil
}

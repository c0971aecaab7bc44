package config

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
)

// Token returns the API token: the sandbox's with url: sandbox; else the
// one from the environment; else the contents of procuros.tokenFile, read
// now, so that a rotated file is picked up by the next call.
func (p *Procuros) Token() (procuros.Token, error) {
	switch {
	case p.Sandbox != nil:
		return p.Sandbox.Token, nil
	case p.EnvToken != "":
		return p.EnvToken, nil
	case p.TokenFile != "":
		return procuros.TokenFromFile(p.TokenFile)
	}
	return "", fmt.Errorf("%w: set %s, or procuros.tokenFile", procuros.ErrNoToken, p.TokenEnv)
}

// TokenSource says where Token takes the token from, for logs: "sandbox",
// "$PROCUROS_API_TOKEN" or "file /path".
func (p *Procuros) TokenSource() string {
	switch {
	case p.Sandbox != nil:
		return "sandbox"
	case p.EnvToken != "":
		return "$" + p.envTokenVar
	case p.TokenFile != "":
		return "file " + p.TokenFile
	}
	return "none"
}

// Problemf returns a problem about field (a path such as
// "partners[0].as2.certificate"), placed at the field in the file, or at
// the nearest enclosing block that is there: for the runtime to report
// what it finds wrong at start (a certificate that does not parse) the way
// Load does.
func (c *Config) Problemf(field, format string, args ...any) Problem {
	msg := fmt.Sprintf(format, args...)
	p := Problem{File: c.File, Field: field, Msg: msg}
	if c.src == nil {
		return p
	}
	if name, ok := c.src.fromEnv[field]; ok {
		p.Msg += " (from " + name + ")"
		return p
	}
	if n := c.src.nodeOf(field); n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

// Partner returns the partner with the id, or nil.
func (c *Config) Partner(id string) *Partner {
	for i := range c.Partners {
		if c.Partners[i].ID == id {
			return &c.Partners[i]
		}
	}
	return nil
}

// PartnerByGLN returns the partner that lists gln, or nil. GLNs are
// unique among the partners.
func (c *Config) PartnerByGLN(gln string) *Partner {
	for i := range c.Partners {
		if slices.Contains(c.Partners[i].GLN, gln) {
			return &c.Partners[i]
		}
	}
	return nil
}

// Summary describes the configuration in one line, without secrets:
// `1 partner (demo: in as2, sftp; out sftp)`.
func (c *Config) Summary() string {
	parts := make([]string, len(c.Partners))
	for i, p := range c.Partners {
		in := make([]string, len(p.Inbound))
		for j, t := range p.Inbound {
			in[j] = string(t)
		}
		parts[i] = fmt.Sprintf("%s: in %s; out %s", p.ID, cmp.Or(strings.Join(in, ", "), "none"), p.Outbound)
	}
	noun := "partners"
	if len(parts) == 1 {
		noun = "partner"
	}
	if len(parts) == 0 {
		return "0 partners"
	}
	return fmt.Sprintf("%d %s (%s)", len(parts), noun, strings.Join(parts, " | "))
}

// ReceivesOn reports whether the partner sends to us by t.
func (p *Partner) ReceivesOn(t Transport) bool { return slices.Contains(p.Inbound, t) }

// Envelope returns the interchange header of what we send the partner:
// our UNB id as sender, the partner's as recipient, and its EDIFACT
// options.
func (p *Partner) Envelope(controlRef string, prepared time.Time) mapping.Envelope {
	return mapping.Envelope{
		Sender:     p.OurUNB.EDIFACT(),
		Recipient:  p.UNB.EDIFACT(),
		ControlRef: controlRef,
		Prepared:   prepared,
		SyntaxID:   p.EDIFACT.Syntax,
		AlwaysUNA:  p.EDIFACT.AlwaysUNA,
		LineBreak:  p.EDIFACT.LineBreak,
		Directory:  p.EDIFACT.Directory,
		Test:       p.EDIFACT.Test,
	}
}

// FileNameValues are the values of the placeholders of an outbound file
// name.
type FileNameValues struct {
	Partner     string    // {partner}: the partner's id
	Type        string    // {type}: the EDIFACT message type, ORDERS
	ControlRef  string    // {controlRef}: the interchange control reference
	Transaction string    // {transaction}: the Procuros transaction id
	Date        time.Time // {date}: as YYYYMMDD
}

// fileNamePlaceholders are the placeholders EDIFACT.Name knows.
var fileNamePlaceholders = []string{"{partner}", "{type}", "{controlRef}", "{transaction}", "{date}"}

// Name returns the file name of an outbound interchange: FileName with its
// placeholders replaced.
func (e EDIFACT) Name(v FileNameValues) string {
	return strings.NewReplacer(
		"{partner}", v.Partner,
		"{type}", v.Type,
		"{controlRef}", v.ControlRef,
		"{transaction}", v.Transaction,
		"{date}", v.Date.Format("20060102"),
	).Replace(e.FileName)
}

// SendOptions returns the as2 package's send options for the partner;
// asyncMDNURL is our listener's public URL (Listen.AS2.PublicURL).
func (a *PartnerAS2) SendOptions(asyncMDNURL string) as2.SendOptions {
	return as2.SendOptions{
		URL:          a.URL,
		Sign:         a.Sign,
		Encrypt:      a.Encrypt,
		KeyTransport: a.KeyTransport,
		Compress:     a.Compress,
		MDN:          a.MDN,
		SignedMDN:    a.SignedMDN,
		AsyncMDNURL:  asyncMDNURL,
		ContentType:  a.ContentType,
		Timeout:      a.Timeout,
	}
}

// AuthorizedKeysText returns the account's authorized keys: the file's
// lines, then the inline ones.
func (s *PartnerSFTP) AuthorizedKeysText() (string, error) {
	text := s.AuthorizedKeysInline
	if s.AuthorizedKeys != "" {
		data, err := os.ReadFile(s.AuthorizedKeys)
		if err != nil {
			return "", fmt.Errorf("sftp user %s: authorized keys: %w", s.User, err)
		}
		text = string(data) + "\n" + text
	}
	return text, nil
}

// knownMessageTypes returns the message types the built-in mapping knows,
// sorted.
func knownMessageTypes() ([]string, error) {
	tables, err := mapping.BuiltinTables()
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(tables.Messages)), nil
}

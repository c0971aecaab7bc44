package bridge

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/edibridge/edibridge/config"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/folder"
	"github.com/edibridge/edibridge/transport/sftp"
)

// Prepare creates what the configuration says is made on first start: our
// AS2 key pair (as2.generate), the demo partner's keys (demo.enabled), and
// the partners' local folders under the data directory. It returns the
// files it created. It never replaces a file.
func Prepare(cfg *config.Config) ([]string, error) {
	var made []string
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, err
	}
	if cfg.AS2.Generate {
		ok, err := EnsureAS2Identity(cfg.AS2.Certificate, cfg.AS2.Key, cfg.AS2.CommonName)
		if err != nil {
			return made, fmt.Errorf("our AS2 key pair: %w", err)
		}
		if ok {
			made = append(made, cfg.AS2.Certificate, cfg.AS2.Key)
		}
	}
	if cfg.Demo.Enabled {
		d := cfg.Demo.Dir
		ok, err := EnsureAS2Identity(filepath.Join(d, config.DemoPartnerAS2Cert), filepath.Join(d, config.DemoPartnerAS2Key), "demo partner")
		if err != nil {
			return made, fmt.Errorf("the demo partner's AS2 key pair: %w", err)
		}
		if ok {
			made = append(made, filepath.Join(d, config.DemoPartnerAS2Cert), filepath.Join(d, config.DemoPartnerAS2Key))
		}
		if ok, err = EnsureSSHKey(filepath.Join(d, config.DemoPartnerSSHKey), "demo-partner"); err != nil {
			return made, fmt.Errorf("the demo partner's SSH key: %w", err)
		}
		if ok {
			made = append(made, filepath.Join(d, config.DemoPartnerSSHKey), filepath.Join(d, config.DemoPartnerSSHPub))
		}
	}
	for _, p := range cfg.Partners {
		if p.Folder == nil {
			continue
		}
		for _, dir := range []string{p.Folder.Inbox, p.Folder.Archive, p.Folder.Outbox} {
			if dir != "" && isUnder(dir, cfg.DataDir) {
				if err := os.MkdirAll(dir, 0o750); err != nil {
					return made, err
				}
			}
		}
	}
	return made, nil
}

func isUnder(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !filepath.IsAbs(rel) && (len(rel) < 3 || rel[:3] != "../")
}

// JournalPath is where the journal of a configuration lives.
func JournalPath(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "journal.db") }

// FromConfig builds the Options of a configuration whose files exist
// (run Prepare first): it reads certificates and keys, the partners'
// mapping overrides, and makes each partner's transports.
func FromConfig(cfg *config.Config, client *procuros.Client, log *slog.Logger) (Options, error) {
	opts := Options{
		JournalPath:  JournalPath(cfg),
		DataDir:      cfg.DataDir,
		Procuros:     client,
		PollInterval: cfg.Procuros.PollInterval,
		RetryInitial: cfg.Procuros.RetryInitial,
		RetryMax:     cfg.Procuros.RetryMax,
		Retention:    cfg.Journal.Retention,
		Logger:       log,
	}
	asyncURL := ""
	if l := cfg.Listen.AS2; l != nil {
		asyncURL = l.PublicURL
		al, err := as2Listener(l)
		if err != nil {
			return opts, err
		}
		opts.AS2 = al
	}
	if l := cfg.Listen.SFTP; l != nil {
		opts.SFTP = &SFTPListener{Address: l.Address, Server: sftp.Options{DataDir: l.DataDir, HostKeyDir: l.HostKeyDir}}
	}
	if l := cfg.Listen.HTTP; l != nil {
		opts.HTTP = &HTTPListener{Address: l.Address}
	}
	var errs []error
	for i := range cfg.Partners {
		p, err := partnerFromConfig(&cfg.Partners[i], asyncURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("partner %s: %w", cfg.Partners[i].ID, err))
			continue
		}
		opts.Partners = append(opts.Partners, p)
	}
	return opts, errors.Join(errs...)
}

func as2Listener(l *config.AS2Listener) (*AS2Listener, error) {
	al := &AS2Listener{Address: l.Address, Path: l.Path, Receiver: as2.ReceiverOptions{MaxBodyBytes: int64(l.MaxBodyBytes)}}
	if l.TLS != nil {
		pair, err := tls.LoadX509KeyPair(l.TLS.Certificate, l.TLS.Key)
		if err != nil {
			return nil, fmt.Errorf("AS2 listener TLS: %w", err)
		}
		al.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	return al, nil
}

func partnerFromConfig(c *config.Partner, asyncURL string) (*Partner, error) {
	mapper, err := mapping.NewFromFile(c.Mapping)
	if err != nil {
		return nil, err
	}
	p := &Partner{
		ID: c.ID, Name: c.Name, GLNs: c.GLN,
		UNB: c.UNB.EDIFACT(), OurUNB: c.OurUNB.EDIFACT(),
		InboundTypes: c.Messages.Inbound, OutboundTypes: c.Messages.Outbound,
		Mapper: mapper, Accept: c.EDIFACT.Accept,
		EDIFACT: EDIFACTOptions{SyntaxID: c.EDIFACT.Syntax, Directory: c.EDIFACT.Directory, AlwaysUNA: c.EDIFACT.AlwaysUNA,
			LineBreak: c.EDIFACT.LineBreak, Test: c.EDIFACT.Test, FileName: c.EDIFACT.FileName},
	}
	if c.Outbound != config.TransportNone {
		p.Outbound = string(c.Outbound)
	}
	if c.AS2 != nil {
		if p.AS2, err = as2Partner(c, asyncURL); err != nil {
			return nil, err
		}
	}
	if s := c.SFTP; s != nil {
		keys, err := s.AuthorizedKeysText()
		if err != nil {
			return nil, err
		}
		p.SFTP = &sftp.Account{User: s.User, Partner: c.ID, AuthorizedKeys: keys, PasswordHash: string(s.PasswordHash), ArchiveAfterDownload: s.ArchiveAfterDownload,
			HoldSuffixes: s.HoldSuffixes}
	}
	if r := c.RemoteSFTP; r != nil {
		p.RemoteSFTP = &sftp.RemoteOptions{Addr: r.Address, User: r.User, IdentityFile: r.PrivateKey, Password: sftp.Password(r.Password),
			KnownHostsFile: r.KnownHosts, Dir: r.Inbox, Rules: folder.Rules{Pattern: r.Pattern, Completion: r.Completion},
			DoneDir: r.DoneDir, Interval: r.Interval, UploadDir: r.Outbox}
	}
	if f := c.Folder; f != nil {
		p.Folder = &FolderOptions{Outbox: f.Outbox}
		if f.Inbox != "" {
			p.Folder.Watcher = &folder.WatcherOptions{Inbox: f.Inbox, Archive: f.Archive, Rules: folder.Rules{Pattern: f.Pattern, Completion: f.Completion}}
		}
	}
	return p, nil
}

func as2Partner(c *config.Partner, asyncURL string) (*as2.Partner, error) {
	a := c.AS2
	cert, err := LoadCertificate(a.Certificate)
	if err != nil {
		return nil, fmt.Errorf("AS2 certificate: %w", err)
	}
	ours, err := LoadCertificate(a.OurCertificate)
	if err != nil {
		return nil, fmt.Errorf("our AS2 certificate: %w", err)
	}
	key, err := LoadRSAKey(a.OurKey)
	if err != nil {
		return nil, fmt.Errorf("our AS2 key: %w", err)
	}
	p := &as2.Partner{Name: c.ID, AS2ID: a.ID, OurAS2ID: a.OurID, Certificate: cert, OurCertificate: ours, OurKey: key,
		RequireSigned: a.RequireSigned, RequireEncrypted: a.RequireEncrypted}
	if a.URL != "" {
		p.Send = a.SendOptions(asyncURL)
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

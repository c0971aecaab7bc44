package config

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edibridge/edibridge/mapping"
)

// CheckFiles checks the files and folders the configuration names: each
// must exist and be a file, or a folder, as the field wants; mapping
// overrides must parse, and authorized_keys files hold keys. Exempt are
// what the runtime creates on start: our AS2 pair with as2.generate when
// both files are missing, the demo partner's files in ${dataDir}/demo with
// demo.enabled, and folders under the data directory. It is separate from
// Load so that tests, and a configuration checked on another machine, can
// leave it out.
func (c *Config) CheckFiles() Problems {
	fc := &fileChecks{c: c}
	if p := c.Procuros; p.Sandbox == nil && p.TokenFile != "" {
		fc.tokenFile(p.TokenFile)
	}
	if s := c.Procuros.Sandbox; s != nil && s.Incoming != "" {
		fc.folder("procuros.sandbox.incoming", s.Incoming)
	}
	if l := c.Listen.AS2; l != nil && l.TLS != nil {
		fc.file("listen.as2.tls.certificate", l.TLS.Certificate)
		fc.file("listen.as2.tls.key", l.TLS.Key)
	}
	fc.identity()
	for i := range c.Partners {
		fc.partner(indexField("partners", i), &c.Partners[i])
	}
	return fc.problems.sorted()
}

type fileChecks struct {
	c        *Config
	problems Problems
}

func (fc *fileChecks) add(field, format string, args ...any) {
	fc.problems = append(fc.problems, fc.c.Problemf(field, format, args...))
}

// stat returns what is at path, and adds a problem when nothing is. A
// path that could not be resolved (no data directory) has had its problem.
func (fc *fileChecks) stat(field, path string) (fs.FileInfo, bool) {
	if !filepath.IsAbs(path) {
		return nil, false
	}
	info, err := os.Stat(path)
	if err != nil {
		fc.add(field, "%s: %v", path, readError(err))
		return nil, false
	}
	return info, true
}

// file checks that path is a file, unless the runtime generates it.
func (fc *fileChecks) file(field, path string) {
	if fc.c.demoGenerates(path) {
		return
	}
	if info, ok := fc.stat(field, path); ok && info.IsDir() {
		fc.add(field, "%s is a folder, not a file", path)
	}
}

// folder checks that path is a folder.
func (fc *fileChecks) folder(field, path string) {
	if info, ok := fc.stat(field, path); ok && !info.IsDir() {
		fc.add(field, "%s is a file, not a folder", path)
	}
}

// localFolder checks a folder the runtime creates when it is under the
// data directory; elsewhere it must exist, since a missing one may be a
// share that is not mounted, which must not be written under.
func (fc *fileChecks) localFolder(field, path string) {
	if path != "" && !fc.c.underDataDir(path) {
		fc.folder(field, path)
	}
}

func (fc *fileChecks) tokenFile(path string) {
	fc.file("procuros.tokenFile", path)
	if data, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(data)) == "" {
		fc.add("procuros.tokenFile", "%s is empty", path)
	}
}

// identity checks our AS2 pair when a partner uses it.
func (fc *fileChecks) identity() {
	id := fc.c.AS2
	used := slices.ContainsFunc(fc.c.Partners, func(p Partner) bool {
		return p.AS2 != nil && p.AS2.OurCertificate == id.Certificate && p.AS2.OurKey == id.Key
	})
	if !used {
		return
	}
	certExists, keyExists := exists(id.Certificate), exists(id.Key)
	if (id.Generate && !certExists && !keyExists) || !filepath.IsAbs(id.Certificate) || !filepath.IsAbs(id.Key) {
		return
	}
	hint := " (as2.generate: true creates the pair on start when both are missing)"
	if id.Generate {
		hint = " (as2.generate creates the pair only when both are missing)"
	}
	for _, f := range []struct{ field, path string }{{"as2.certificate", id.Certificate}, {"as2.key", id.Key}} {
		if !exists(f.path) {
			fc.add(f.field, "%s does not exist%s", f.path, hint)
		} else {
			fc.file(f.field, f.path)
		}
	}
}

func (fc *fileChecks) partner(f string, p *Partner) {
	if p.Mapping != "" {
		fc.mapping(f+".mapping", p.Mapping)
	}
	if a := p.AS2; a != nil {
		fc.file(f+".as2.certificate", a.Certificate)
		if a.OurCertificate != fc.c.AS2.Certificate || a.OurKey != fc.c.AS2.Key {
			fc.file(f+".as2.ourCertificate", a.OurCertificate)
			fc.file(f+".as2.ourKey", a.OurKey)
		}
	}
	if s := p.SFTP; s != nil && s.AuthorizedKeys != "" {
		fc.authorizedKeys(f+".sftp.authorizedKeys", s.AuthorizedKeys)
	}
	if r := p.RemoteSFTP; r != nil {
		fc.file(f+".remoteSftp.privateKey", r.PrivateKey)
		fc.file(f+".remoteSftp.knownHosts", r.KnownHosts)
	}
	if fo := p.Folder; fo != nil {
		fc.localFolder(f+".folder.inbox", fo.Inbox)
		fc.localFolder(f+".folder.outbox", fo.Outbox)
	}
}

// mapping checks that an overrides file parses and applies to the
// built-in tables.
func (fc *fileChecks) mapping(field, path string) {
	fc.file(field, path)
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	over, err := mapping.ParseOverrides(data)
	if err == nil {
		var tables *mapping.Tables
		if tables, err = mapping.BuiltinTables(); err == nil {
			_, err = tables.With(over)
		}
	}
	if err != nil {
		fc.add(field, "%s: %v", path, err)
	}
}

func (fc *fileChecks) authorizedKeys(field, path string) {
	fc.file(field, path)
	if fc.c.demoGenerates(path) && !exists(path) {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if msg := checkAuthorizedKeys(string(data)); msg != "" {
		fc.add(field, "%s: %s", path, msg)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// demoGenerates reports whether path is a demo file the runtime generates
// on start.
func (c *Config) demoGenerates(path string) bool {
	if !c.Demo.Enabled || c.Demo.Dir == "" || filepath.Dir(path) != c.Demo.Dir {
		return false
	}
	return slices.Contains([]string{DemoPartnerAS2Key, DemoPartnerAS2Cert, DemoPartnerSSHKey, DemoPartnerSSHPub}, filepath.Base(path))
}

// underDataDir reports whether path is the data directory or inside it.
func (c *Config) underDataDir(path string) bool {
	if c.DataDir == "" {
		return false
	}
	rel, err := filepath.Rel(c.DataDir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Warnings returns what is worth a look but does not stop edibridge: a
// token file others can read, a sandbox reachable beyond this machine, an
// asynchronous MDN URL partners cannot reach.
func (c *Config) Warnings() Problems {
	var ws Problems
	warn := func(field, format string, args ...any) {
		p := c.Problemf(field, format, args...)
		p.Warning = true
		ws = append(ws, p)
	}
	if p := c.Procuros; p.Sandbox == nil && p.TokenFile != "" {
		if info, err := os.Stat(p.TokenFile); err == nil && info.Mode().Perm()&0o077 != 0 {
			warn("procuros.tokenFile", "%s can be read by others (mode %04o); chmod 600 it", p.TokenFile, info.Mode().Perm())
		}
	}
	if s := c.Procuros.Sandbox; s != nil && s.Listen != "" && !loopbackAddress(s.Listen) {
		warn("procuros.sandbox.listen", "%s is reachable beyond this machine, and the sandbox's admin endpoints need no token", s.Listen)
	}
	if l := c.Listen.AS2; l != nil && c.asksAsyncMDNs() && !c.given("listen.as2.publicURL") && !hostNamed(l.Address) {
		warn("listen.as2.address", "partners send asynchronous MDNs to %s by default, which they cannot reach; set listen.as2.publicURL", l.PublicURL)
	}
	return ws.sorted()
}

func (c *Config) asksAsyncMDNs() bool {
	return slices.ContainsFunc(c.Partners, func(p Partner) bool {
		return p.Outbound == TransportAS2 && p.AS2 != nil && p.AS2.MDN == "async"
	})
}

// given reports whether field was in the file.
func (c *Config) given(field string) bool {
	if c.src == nil {
		return false
	}
	_, ok := c.src.nodes[field]
	return ok
}

func loopbackAddress(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopback(host)
}

// hostNamed reports whether a listening address names a host, rather than
// every interface.
func hostNamed(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsUnspecified()
}

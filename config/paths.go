package config

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/edibridge/edibridge/procuros"
)

// dataDirVar is the only variable a path may use, and only at its start.
const dataDirVar = "${dataDir}"

// A pathField is a path read from the file, to be resolved in place.
type pathField struct {
	field string
	dst   *string
}

// resolvePaths makes every path absolute: ${dataDir}/x under the data
// directory, other relative paths under baseDir, the configuration's
// folder. The data directory is resolved first, since the others use it.
func resolvePaths(c *Config, baseDir string) {
	src := c.src
	if _, fromEnv := src.fromEnv["dataDir"]; !fromEnv {
		c.DataDir = resolvePath(src, "dataDir", c.DataDir, baseDir, "")
	}
	for _, p := range src.paths {
		if p.field != "dataDir" {
			*p.dst = resolvePath(src, p.field, *p.dst, baseDir, c.DataDir)
		}
	}
}

// resolvePath resolves one path; dataDir is empty while resolving the
// data directory itself. A path that cannot be resolved is returned as it
// is, with a problem.
func resolvePath(src *source, field, raw, baseDir, dataDir string) string {
	switch {
	case raw == "":
		return ""
	case strings.HasPrefix(raw, dataDirVar):
		rest := strings.TrimPrefix(raw, dataDirVar)
		switch {
		case field == "dataDir":
			src.add(field, "the data directory cannot be under %s", dataDirVar)
		case rest != "" && !os.IsPathSeparator(rest[0]):
			src.add(field, "%s must be followed by a / or end the path", dataDirVar)
		case strings.Contains(rest, "${"):
			src.add(field, "only %s is expanded, and only at the start of a path", dataDirVar)
		case dataDir == "":
			// The missing data directory is a problem of its own.
		default:
			return filepath.Join(dataDir, rest)
		}
		return raw
	case strings.Contains(raw, "${"):
		src.add(field, "only %s is expanded, and only at the start of a path", dataDirVar)
		return raw
	case raw == "~" || strings.HasPrefix(raw, "~/"):
		src.add(field, "~ is not expanded: write the full path, or one relative to the configuration file")
		return raw
	case filepath.IsAbs(raw):
		return filepath.Clean(raw)
	}
	return filepath.Join(baseDir, raw)
}

// fillDerived fills in the defaults that depend on other fields, once the
// environment is applied and the paths resolved.
func fillDerived(c *Config) {
	fillProcuros(&c.Procuros)
	if c.DataDir != "" {
		c.Demo.Dir = filepath.Join(c.DataDir, "demo")
		if c.Listen.SFTP != nil {
			c.Listen.SFTP.DataDir = filepath.Join(c.DataDir, "sftp")
		}
	}
	if l := c.Listen.AS2; l != nil && l.PublicURL == "" && l.Address != "" {
		l.PublicURL = defaultPublicURL(l)
	}
	for i := range c.Partners {
		fillPartner(c, &c.Partners[i])
	}
}

func fillProcuros(p *Procuros) {
	switch p.URL {
	case URLSandbox:
		if p.Sandbox == nil {
			p.Sandbox = &Sandbox{Token: DefaultSandboxToken}
		}
	case URLProduction:
		p.BaseURL = procuros.ProductionURL
	case URLStaging:
		p.BaseURL = procuros.StagingURL
	default:
		p.BaseURL = strings.TrimRight(p.URL, "/")
	}
}

// defaultPublicURL is http(s)://address/path, with localhost for an
// address that names no host.
func defaultPublicURL(l *AS2Listener) string {
	host, port, err := net.SplitHostPort(l.Address)
	if err != nil {
		return ""
	}
	if host == "" {
		host = "localhost"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: l.Path}
	if l.TLS != nil {
		u.Scheme = "https"
	}
	return u.String()
}

func fillPartner(c *Config, p *Partner) {
	if a := p.AS2; a != nil && a.OurCertificate == "" && a.OurKey == "" {
		a.OurCertificate, a.OurKey = c.AS2.Certificate, c.AS2.Key
	}
	if f := p.Folder; f != nil && f.Archive == "" && f.Inbox != "" {
		f.Archive = filepath.Join(f.Inbox, "archive")
	}
	if p.Inbound == nil {
		p.Inbound = p.receivers()
	}
	if len(p.Inbound) == 1 && p.Inbound[0] == TransportNone {
		p.Inbound = []Transport{}
	}
}

// receivers returns the transports configured for the partner that can
// receive: the default of inbound.
func (p *Partner) receivers() []Transport {
	out := []Transport{}
	if p.AS2 != nil {
		out = append(out, TransportAS2)
	}
	if p.SFTP != nil {
		out = append(out, TransportSFTP)
	}
	if p.RemoteSFTP != nil && p.RemoteSFTP.Inbox != "" {
		out = append(out, TransportRemoteSFTP)
	}
	if p.Folder != nil && p.Folder.Inbox != "" {
		out = append(out, TransportFolder)
	}
	return out
}

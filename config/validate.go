package config

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"github.com/edibridge/edibridge/transport/folder"
)

var (
	partnerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	envNamePattern   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	qualifierPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,4}$`)
	syntaxPattern    = regexp.MustCompile(`^UNO[A-Y]$`)
	placeholder      = regexp.MustCompile(`\{[^{}]*\}`)
)

// validate checks what decoding could not: required fields, the shapes of
// addresses and URLs, and the rules that involve several fields.
func validate(c *Config) {
	if c.DataDir == "" {
		c.src.add("dataDir", "required (or set %s)", EnvDataDir)
	}
	checkProcuros(c)
	checkListeners(c)
	checkPartners(c)
}

func checkProcuros(c *Config) {
	src, p := c.src, &c.Procuros
	switch p.URL {
	case URLSandbox, URLProduction, URLStaging:
	case "":
		src.add("procuros.url", "required: sandbox, production, staging or the API's URL (or set %s)", EnvProcurosURL)
	default:
		if msg := checkAPIURL(p.URL); msg != "" {
			src.add("procuros.url", "%s", msg)
		}
	}
	if p.Sandbox != nil && p.URL != URLSandbox {
		src.add("procuros.sandbox", "only with url: sandbox (url is %q)", p.URL)
	}
	if p.Sandbox != nil && hasControl(string(p.Sandbox.Token)) {
		src.add("procuros.sandbox.token", "has a space or control character")
	}
	if !envNamePattern.MatchString(p.TokenEnv) {
		src.add("procuros.tokenEnv", "%q is not the name of an environment variable", p.TokenEnv)
	}
	checkToken(c)
	if p.PollInterval < MinPollInterval {
		src.add("procuros.pollInterval", "%v is shorter than the least, %v", p.PollInterval, MinPollInterval)
	}
	if p.Timeout <= 0 {
		src.add("procuros.timeout", "must be longer than zero")
	}
	if p.RetryInitial < MinRetryInitial {
		src.add("procuros.retryInitial", "%v is shorter than the least, %v", p.RetryInitial, MinRetryInitial)
	}
	if p.RetryMax < p.RetryInitial {
		src.add("procuros.retryMax", "%v is shorter than retryInitial, %v", p.RetryMax, p.RetryInitial)
	}
}

// checkAPIURL checks a custom API URL as procuros.NewClient will, and
// returns what is wrong with it.
func checkAPIURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Sprintf("%q is none of sandbox, production, staging, nor an http(s) URL", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("%q: the API's URL has no user, query or fragment", raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Sprintf("%q: plain http would send the token in clear; use https (http is for loopback hosts only)", raw)
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkToken requires a token for the real API: from the environment or a
// file. Its value is never part of a message.
func checkToken(c *Config) {
	p := &c.Procuros
	if p.Sandbox != nil || p.URL == "" || c.src.reported["procuros.url"] {
		return
	}
	if p.EnvToken == "" && p.TokenFile == "" {
		c.src.add("procuros", "no API token: set %s, or procuros.tokenFile", p.TokenEnv)
	}
	if hasControl(string(p.EnvToken)) {
		c.src.add("procuros.tokenEnv", "the token in %s has a space or control character", p.envTokenVar)
	}
}

// checkAddress checks a listening address, host:port.
func checkAddress(src *source, field, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		src.add(field, "%q is not host:port (like 127.0.0.1:4080, or :4080 for every interface)", addr)
	}
}

func checkListeners(c *Config) {
	src := c.src
	var addrs []listenAddr
	if l := c.Listen.AS2; l != nil {
		addrs = append(addrs, listenAddr{"listen.as2.address", l.Address})
		if !strings.HasPrefix(l.Path, "/") {
			src.add("listen.as2.path", "%q does not start with /", l.Path)
		}
		if l.PublicURL != "" && !isHTTPURL(l.PublicURL) {
			src.add("listen.as2.publicURL", "%q is not an http(s) URL", l.PublicURL)
		}
		if t := l.TLS; t != nil && (t.Certificate == "" || t.Key == "") {
			src.add("listen.as2.tls", "needs both certificate and key")
		}
		if l.MaxBodyBytes <= 0 {
			src.add("listen.as2.maxBodyBytes", "must be more than zero")
		}
	}
	if l := c.Listen.SFTP; l != nil {
		addrs = append(addrs, listenAddr{"listen.sftp.address", l.Address})
	}
	if l := c.Listen.HTTP; l != nil {
		addrs = append(addrs, listenAddr{"listen.http.address", l.Address})
	}
	if s := c.Procuros.Sandbox; s != nil && s.Listen != "" {
		addrs = append(addrs, listenAddr{"procuros.sandbox.listen", s.Listen})
	}
	checkAddresses(src, addrs)
}

type listenAddr struct{ field, addr string }

// checkAddresses checks each listener's address, and that no two share
// one (port 0, any free port, excepted).
func checkAddresses(src *source, addrs []listenAddr) {
	seen := map[string]string{}
	for _, a := range addrs {
		if a.addr == "" {
			src.add(a.field, "required")
			continue
		}
		checkAddress(src, a.field, a.addr)
		_, port, _ := net.SplitHostPort(a.addr)
		if port == "0" {
			continue
		}
		if other, ok := seen[a.addr]; ok {
			src.add(a.field, "%s is also %s", a.addr, other)
		}
		seen[a.addr] = a.field
	}
}

func isHTTPURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// partnerChecks holds what the checks of one partner compare with the
// others': the first partner to use each id, GLN, AS2 pair and SFTP user.
type partnerChecks struct {
	c         *Config
	known     []string // the message types the mapping knows
	ids       map[string]int
	glns      map[string]int
	as2Pairs  map[[2]string]int
	sftpUsers map[string]int
}

func checkPartners(c *Config) {
	known, _ := knownMessageTypes()
	pc := &partnerChecks{c: c, known: known, ids: map[string]int{}, glns: map[string]int{},
		as2Pairs: map[[2]string]int{}, sftpUsers: map[string]int{}}
	for i := range c.Partners {
		pc.check(i, &c.Partners[i])
	}
}

// check checks partner i.
func (pc *partnerChecks) check(i int, p *Partner) {
	f := indexField("partners", i)
	pc.checkID(f, i, p)
	pc.checkGLNs(f, i, p)
	checkParty(pc.c.src, f+".unb", p.UNB)
	checkParty(pc.c.src, f+".ourUnb", p.OurUNB)
	pc.checkMessageTypes(f+".messages.inbound", p.Messages.Inbound)
	pc.checkMessageTypes(f+".messages.outbound", p.Messages.Outbound)
	checkEDIFACT(pc.c.src, f+".edifact", p.EDIFACT)
	pc.checkInbound(f, p)
	pc.checkOutbound(f, p)
	if p.AS2 != nil {
		pc.checkAS2(f, i, p.AS2)
	}
	if p.SFTP != nil {
		pc.checkSFTP(f, i, p.SFTP)
	}
	if p.RemoteSFTP != nil {
		checkRemoteSFTP(pc.c.src, f+".remoteSftp", p.RemoteSFTP)
	}
	if p.Folder != nil {
		checkFolder(pc.c.src, f+".folder", p.Folder)
	}
}

func (pc *partnerChecks) checkID(f string, i int, p *Partner) {
	src := pc.c.src
	switch other, taken := pc.ids[p.ID]; {
	case p.ID == "":
		src.add(f+".id", "required")
	case !partnerIDPattern.MatchString(p.ID):
		src.add(f+".id", "%q is not lower-case letters, digits, dots, hyphens and underscores, starting with a letter or digit", p.ID)
	case taken:
		src.add(f+".id", "%q is also partners[%d]'s id", p.ID, other)
	default:
		pc.ids[p.ID] = i
	}
}

func (pc *partnerChecks) checkGLNs(f string, i int, p *Partner) {
	src := pc.c.src
	for j, gln := range p.GLN {
		field := indexField(f+".gln", j)
		switch other, taken := pc.glns[gln]; {
		case !validGLN(gln):
			src.add(field, "%q is not a GLN (thirteen digits, the last the GS1 check digit)", gln)
		case taken && other == i:
			src.add(field, "%q is listed twice", gln)
		case taken:
			src.add(field, "%q is also partners[%d]'s GLN: a transaction for it could go to either", gln, other)
		default:
			pc.glns[gln] = i
		}
	}
}

// checkParty checks a UNB party: an id of at most 35 characters, a
// qualifier of at most four letters or digits, and a valid GLN when the
// qualifier says it is one.
func checkParty(src *source, field string, p Party) {
	switch {
	case p.ID == "":
		src.add(field+".id", "required")
	case len(p.ID) > 35:
		src.add(field+".id", "%q is longer than 35 characters", p.ID)
	case p.Qualifier == "14" && !validGLN(p.ID):
		src.add(field+".id", "%q is not a GLN (thirteen digits, the last the GS1 check digit), which qualifier 14 says it is", p.ID)
	}
	if !qualifierPattern.MatchString(p.Qualifier) {
		src.add(field+".qualifier", "%q is not a UNB qualifier (up to four letters or digits, 14 for a GLN)", p.Qualifier)
	}
}

func (pc *partnerChecks) checkMessageTypes(field string, types []string) {
	for j, t := range types {
		switch {
		case !slices.Contains(pc.known, t):
			pc.c.src.add(indexField(field, j), "%q is a message type the mapping does not know (it knows %s)", t, strings.Join(pc.known, ", "))
		case slices.Index(types, t) < j:
			pc.c.src.add(indexField(field, j), "%q is listed twice", t)
		}
	}
}

func checkEDIFACT(src *source, field string, e EDIFACT) {
	if !syntaxPattern.MatchString(e.Syntax) {
		src.add(field+".syntax", "%q is not a syntax identifier (UNOA to UNOY)", e.Syntax)
	}
	if msg := checkFileName(e.FileName); msg != "" {
		src.add(field+".fileName", "%s", msg)
	}
}

// checkFileName checks an outbound file name template.
func checkFileName(tmpl string) string {
	for _, p := range placeholder.FindAllString(tmpl, -1) {
		if !slices.Contains(fileNamePlaceholders, p) {
			return fmt.Sprintf("%s is none of %s", p, strings.Join(fileNamePlaceholders, " "))
		}
	}
	if !strings.Contains(tmpl, "{controlRef}") && !strings.Contains(tmpl, "{transaction}") {
		return "has neither {controlRef} nor {transaction}: every file would have the same name"
	}
	sample := EDIFACT{FileName: tmpl}.Name(FileNameValues{Partner: "p", Type: "ORDERS", ControlRef: "1", Transaction: "t"})
	if err := folder.CheckName(sample); err != nil {
		return fmt.Sprintf("%q does not make a file name: %v", tmpl, err)
	}
	return ""
}

// checkInbound checks that each transport the partner receives on is
// configured, and can receive.
func (pc *partnerChecks) checkInbound(f string, p *Partner) {
	src := pc.c.src
	_, listed := src.nodes[f+".inbound"]
	for j, t := range p.Inbound {
		field := indexField(f+".inbound", j)
		if !listed {
			field = f + "." + transportBlock(t)
		}
		if msg := pc.cannotReceive(p, t); msg != "" {
			src.add(field, "%s", msg)
		} else if slices.Index(p.Inbound, t) < j {
			src.add(field, "%q is listed twice", t)
		}
	}
}

// cannotReceive says why the partner cannot send to us by t; "" if it can.
func (pc *partnerChecks) cannotReceive(p *Partner, t Transport) string {
	switch t {
	case TransportAS2:
		switch {
		case p.AS2 == nil:
			return "as2, but the partner has no as2 block"
		case pc.c.Listen.AS2 == nil:
			return "the partner sends by AS2, but there is no listen.as2 to receive on (if we only send to it by AS2, list inbound without as2)"
		}
	case TransportSFTP:
		if p.SFTP == nil {
			return "sftp, but the partner has no sftp block"
		}
	case TransportRemoteSFTP:
		if p.RemoteSFTP == nil || p.RemoteSFTP.Inbox == "" {
			return "remote-sftp, but remoteSftp.inbox is not set"
		}
	case TransportFolder:
		if p.Folder == nil || p.Folder.Inbox == "" {
			return "folder, but folder.inbox is not set"
		}
	default:
		return fmt.Sprintf("%q is none of as2, sftp, remote-sftp, folder", t)
	}
	return ""
}

// transportBlock names the partner's block of a transport.
func transportBlock(t Transport) string {
	if t == TransportRemoteSFTP {
		return "remoteSftp"
	}
	return string(t)
}

func (pc *partnerChecks) checkOutbound(f string, p *Partner) {
	src := pc.c.src
	switch t := p.Outbound; {
	case t == TransportAS2 && p.AS2 != nil && p.AS2.URL == "":
		src.add(f+".as2.url", "required with outbound: as2")
	case t == TransportFolder && p.Folder != nil && p.Folder.Outbox == "":
		src.add(f+".folder.outbox", "required with outbound: folder")
	case t != TransportNone && !p.hasBlock(t):
		src.add(f+".outbound", "%s, but the partner has no %s block", t, transportBlock(t))
	}
	switch {
	case p.Outbound != TransportNone && len(p.Messages.Outbound) == 0:
		src.add(f+".messages.outbound", "lists no message type, so nothing goes by outbound: %s", p.Outbound)
	case p.Outbound == TransportNone && len(p.Messages.Outbound) > 0:
		src.add(f+".outbound", "none, but messages.outbound lists %s: name the transport they go by", strings.Join(p.Messages.Outbound, ", "))
	}
	if p.Outbound == TransportAS2 && p.AS2 != nil && p.AS2.MDN == "async" && pc.c.Listen.AS2 == nil {
		src.add(f+".as2.mdn", "async MDNs come back to listen.as2, which is not configured")
	}
}

// hasBlock reports whether the partner configures transport t.
func (p *Partner) hasBlock(t Transport) bool {
	switch t {
	case TransportAS2:
		return p.AS2 != nil
	case TransportSFTP:
		return p.SFTP != nil
	case TransportRemoteSFTP:
		return p.RemoteSFTP != nil
	case TransportFolder:
		return p.Folder != nil
	}
	return false
}

func (pc *partnerChecks) checkAS2(f string, i int, a *PartnerAS2) {
	src := pc.c.src
	f += ".as2"
	for _, id := range []struct{ key, value string }{{"id", a.ID}, {"ourId", a.OurID}} {
		if msg := checkAS2ID(id.value); msg != "" {
			src.add(f+"."+id.key, "%s", msg)
		}
	}
	pair := [2]string{a.ID, a.OurID}
	if other, taken := pc.as2Pairs[pair]; taken && a.ID != "" && a.OurID != "" {
		src.add(f+".id", "AS2 ids %q to %q are also partners[%d]'s: a message could not tell the partners apart", a.ID, a.OurID, other)
	} else if !taken {
		pc.as2Pairs[pair] = i
	}
	if a.Certificate == "" {
		src.add(f+".certificate", "required: the partner's certificate")
	}
	if (a.OurCertificate == "") != (a.OurKey == "") {
		src.add(f+".ourCertificate", "needs ourKey with it, or neither")
	}
	if a.URL != "" && !isHTTPURL(a.URL) {
		src.add(f+".url", "%q is not an http(s) URL", a.URL)
	}
	if a.Timeout <= 0 {
		src.add(f+".timeout", "must be longer than zero")
	}
}

// checkAS2ID applies RFC 4130: 1 to 128 printable ASCII characters.
func checkAS2ID(id string) string {
	switch {
	case id == "":
		return "required"
	case len(id) > 128:
		return fmt.Sprintf("%q is longer than 128 characters", id)
	case strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r > 0x7e }):
		return fmt.Sprintf("%q holds a character that is not printable ASCII", id)
	}
	return ""
}

func (pc *partnerChecks) checkSFTP(f string, i int, s *PartnerSFTP) {
	src := pc.c.src
	f += ".sftp"
	if pc.c.Listen.SFTP == nil {
		src.add(f, "an account on our SFTP server needs listen.sftp")
	}
	if err := folder.CheckName(s.User); err != nil {
		src.add(f+".user", "%v", err)
	} else if other, taken := pc.sftpUsers[s.User]; taken {
		src.add(f+".user", "%q is also partners[%d]'s SFTP user", s.User, other)
	} else {
		pc.sftpUsers[s.User] = i
	}
	if s.AuthorizedKeys == "" && s.AuthorizedKeysInline == "" && s.PasswordHash == "" {
		src.add(f, "needs authorizedKeys, authorizedKeysInline or passwordHash to log in with")
	}
	if msg := checkAuthorizedKeys(s.AuthorizedKeysInline); msg != "" {
		src.add(f+".authorizedKeysInline", "%s", msg)
	}
	if s.PasswordHash != "" {
		if _, err := bcrypt.Cost([]byte(s.PasswordHash)); err != nil {
			src.add(f+".passwordHash", "not a bcrypt hash ($2a$, $2b$ or $2y$, as `htpasswd -nbB user password` prints after the colon)")
		}
	}
	for j, suffix := range s.HoldSuffixes {
		if suffix == "" || strings.ContainsAny(suffix, `/\`) {
			src.add(indexField(f+".holdSuffixes", j), "%q is not the ending of a file name", suffix)
		}
	}
}

// checkAuthorizedKeys checks authorized_keys text as the SFTP server reads
// it: one key per line, blank lines and comments ignored, no options.
func checkAuthorizedKeys(text string) string {
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, _, options, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return fmt.Sprintf("line %d is not an authorized key: %v", i+1, err)
		}
		if len(options) > 0 {
			return fmt.Sprintf("line %d has options %q, which the SFTP server does not support", i+1, options)
		}
	}
	return ""
}

func checkRemoteSFTP(src *source, f string, r *RemoteSFTP) {
	if r.Address == "" {
		src.add(f+".address", "required")
	} else if host, port, err := net.SplitHostPort(r.Address); err == nil {
		if _, perr := strconv.ParseUint(port, 10, 16); perr != nil || host == "" {
			src.add(f+".address", "%q is not host or host:port", r.Address)
		}
	} else if strings.ContainsAny(r.Address, " /") {
		src.add(f+".address", "%q is not host or host:port", r.Address)
	}
	if r.User == "" {
		src.add(f+".user", "required")
	}
	if r.PrivateKey == "" && r.PasswordEnv == "" {
		src.add(f, "needs privateKey or passwordEnv to log in with")
	}
	if r.PasswordEnv != "" {
		if !envNamePattern.MatchString(r.PasswordEnv) {
			src.add(f+".passwordEnv", "%q is not the name of an environment variable", r.PasswordEnv)
		} else if r.Password == "" {
			src.add(f+".passwordEnv", "%s is not set", r.PasswordEnv)
		}
	}
	if r.KnownHosts == "" {
		src.add(f+".knownHosts", "required: the server's host key is always checked")
	}
	if r.Interval <= 0 {
		src.add(f+".interval", "must be longer than zero")
	}
	if r.Inbox != "" && r.DoneDir != "" && path.Clean(r.DoneDir) == path.Clean(r.Inbox) {
		src.add(f+".doneDir", "is the inbox: every file moved there would be collected again")
	}
	checkPattern(src, f+".pattern", r.Pattern)
}

func checkFolder(src *source, f string, fo *Folder) {
	if fo.Inbox == "" && fo.Outbox == "" {
		src.add(f, "needs inbox, outbox or both")
	}
	if fo.Inbox != "" && fo.Archive == fo.Inbox {
		src.add(f+".archive", "is the inbox")
	}
	if fo.Inbox != "" && fo.Outbox == fo.Inbox {
		src.add(f+".outbox", "is the inbox: edibridge would pick up the files it delivers")
	}
	checkPattern(src, f+".pattern", fo.Pattern)
}

func checkPattern(src *source, field, pattern string) {
	if _, err := path.Match(pattern, ""); err != nil {
		src.add(field, "%q is not a file name pattern: %v", pattern, err)
	}
}

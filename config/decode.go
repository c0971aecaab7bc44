package config

import (
	"crypto"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/as2/cms"
	"github.com/edibridge/edibridge/transport/folder"
)

// Defaults that no package of the transports or the client defines.
const (
	DefaultPollInterval   = 30 * time.Second
	DefaultRetryInitial   = 10 * time.Second
	DefaultRetryMax       = 30 * time.Minute
	MinPollInterval       = time.Second
	MinRetryInitial       = 100 * time.Millisecond
	DefaultRetention      = 90 * day
	DefaultSandboxToken   = "sandbox-token"
	DefaultAS2Path        = "/as2"
	DefaultCommonName     = "edibridge"
	DefaultSyntax         = "UNOC"
	DefaultDirectory      = "D96A"
	DefaultFileName       = "{type}_{controlRef}.edi"
	DefaultContentType    = "application/EDIFACT"
	DefaultRemoteInterval = time.Minute
)

// The keywords of procuros.url.
const (
	URLSandbox    = "sandbox"
	URLProduction = "production"
	URLStaging    = "staging"
)

// decode reads the document into a Config, with the defaults that do not
// depend on other fields. Problems of single fields (types, values that
// are none of the allowed ones, unknown fields) are recorded in src.
func decode(src *source) *Config {
	c := &Config{File: src.file, src: src}
	b := src.block(src.root, "")
	b.path("dataDir", "", &c.DataDir)
	c.Log = decodeLog(b.sub("log"))
	decodeProcuros(b.sub("procuros"), &c.Procuros)
	c.Listen = decodeListen(b.sub("listen"))
	decodeAS2Identity(b.sub("as2"), &c.AS2)
	c.Journal = Journal{Retention: b.sub("journal").durationDone("retention", DefaultRetention)}
	c.Demo = Demo{Enabled: b.sub("demo").boolDone("enabled", false)}
	known := knownMessages(src)
	items := b.items("partners")
	c.Partners = make([]Partner, len(items))
	for i, n := range items {
		decodePartner(src.block(n, indexField("partners", i)), &c.Partners[i], known)
	}
	b.done()
	return c
}

// durationDone and boolDone read the one field of a one-field block.
func (b *block) durationDone(key string, def Duration) Duration {
	defer b.done()
	return b.duration(key, def)
}

func (b *block) boolDone(key string, def bool) bool {
	defer b.done()
	return b.boolean(key, def)
}

func decodeLog(b *block) Log {
	defer b.done()
	return Log{
		Format: b.enum("format", "text", "text", "json"),
		Level:  parsed(b, "level", slog.LevelInfo, parseLevel),
	}
}

// parseLevel reads debug, info, warn or error.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q is none of debug, info, warn, error", s)
}

// decodeProcuros and the others that hold paths decode in place: the
// paths are resolved through pointers to the fields.
func decodeProcuros(b *block, p *Procuros) {
	defer b.done()
	*p = Procuros{
		URL:          normalizeURL(b.str("url", "")),
		TokenEnv:     b.str("tokenEnv", procuros.TokenEnv),
		PollInterval: b.duration("pollInterval", DefaultPollInterval),
		Timeout:      b.duration("timeout", procuros.DefaultTimeout),
		RetryInitial: b.duration("retryInitial", DefaultRetryInitial),
		RetryMax:     b.duration("retryMax", DefaultRetryMax),
	}
	b.path("tokenFile", "", &p.TokenFile)
	if s := b.sub("sandbox"); s.node != nil {
		p.Sandbox = decodeSandbox(s)
	}
}

// normalizeURL writes the keywords of procuros.url in lower case.
func normalizeURL(s string) string {
	s = strings.TrimSpace(s)
	for _, k := range []string{URLSandbox, URLProduction, URLStaging} {
		if strings.EqualFold(s, k) {
			return k
		}
	}
	return s
}

func decodeSandbox(b *block) *Sandbox {
	defer b.done()
	s := &Sandbox{
		Listen: b.str("listen", ""),
		Token:  procuros.Token(b.str("token", DefaultSandboxToken)),
	}
	b.path("incoming", "", &s.Incoming)
	return s
}

func decodeListen(b *block) Listen {
	defer b.done()
	var l Listen
	if a := b.sub("as2"); a.node != nil {
		l.AS2 = decodeAS2Listener(a)
	}
	if s := b.sub("sftp"); s.node != nil {
		l.SFTP = &SFTPListener{Address: s.str("address", "")}
		s.path("hostKeyDir", "${dataDir}/sftp/host-keys", &l.SFTP.HostKeyDir)
		s.done()
	}
	if h := b.sub("http"); h.node != nil {
		l.HTTP = &HTTPListener{Address: h.str("address", "")}
		h.done()
	}
	return l
}

func decodeAS2Listener(b *block) *AS2Listener {
	defer b.done()
	l := &AS2Listener{
		Address:      b.str("address", ""),
		Path:         b.str("path", DefaultAS2Path),
		PublicURL:    b.str("publicURL", ""),
		MaxBodyBytes: b.size("maxBodyBytes", as2.DefaultMaxBodyBytes),
	}
	if t := b.sub("tls"); t.node != nil {
		l.TLS = &TLS{}
		t.path("certificate", "", &l.TLS.Certificate)
		t.path("key", "", &l.TLS.Key)
		t.done()
	}
	return l
}

func decodeAS2Identity(b *block, id *AS2Identity) {
	defer b.done()
	*id = AS2Identity{
		Generate:   b.boolean("generate", false),
		CommonName: b.str("commonName", DefaultCommonName),
	}
	b.path("certificate", "${dataDir}/as2/edibridge.crt", &id.Certificate)
	b.path("key", "${dataDir}/as2/edibridge.key", &id.Key)
}

// knownMessages returns the EDIFACT message types the mapping knows.
func knownMessages(src *source) []string {
	types, err := knownMessageTypes()
	if err != nil {
		src.addAt(nil, "", "the built-in mapping tables: %v", err)
		return nil
	}
	return types
}

func decodePartner(b *block, p *Partner, known []string) {
	defer b.done()
	p.ID = b.str("id", "")
	p.Name = b.str("name", "")
	p.GLN = b.list("gln")
	p.UNB = decodeParty(b.sub("unb"))
	p.OurUNB = decodeParty(b.sub("ourUnb"))
	p.Messages = decodeMessages(b.sub("messages"), known)
	p.EDIFACT = decodeEDIFACT(b.sub("edifact"))
	b.path("mapping", "", &p.Mapping)
	if b.has("inbound") {
		p.Inbound = []Transport{} // given, if empty: not the default
	}
	for _, t := range b.list("inbound") {
		p.Inbound = append(p.Inbound, Transport(strings.ToLower(t)))
	}
	p.Outbound = Transport(b.enum("outbound", string(TransportNone),
		string(TransportAS2), string(TransportSFTP), string(TransportRemoteSFTP), string(TransportFolder), string(TransportNone)))
	if a := b.sub("as2"); a.node != nil {
		p.AS2 = decodePartnerAS2(a)
	}
	if s := b.sub("sftp"); s.node != nil {
		p.SFTP = decodePartnerSFTP(s, p.ID)
	}
	if r := b.sub("remoteSftp"); r.node != nil {
		p.RemoteSFTP = decodeRemoteSFTP(r)
	}
	if f := b.sub("folder"); f.node != nil {
		p.Folder = decodeFolder(f)
	}
}

func decodeParty(b *block) Party {
	defer b.done()
	return Party{ID: b.str("id", ""), Qualifier: b.str("qualifier", "14")}
}

func decodeMessages(b *block, known []string) Messages {
	defer b.done()
	m := Messages{Inbound: upper(b.list("inbound")), Outbound: upper(b.list("outbound"))}
	if !b.has("inbound") {
		m.Inbound = slices.Clone(known)
	}
	return m
}

func upper(list []string) []string {
	for i, s := range list {
		list[i] = strings.ToUpper(strings.TrimSpace(s))
	}
	return list
}

func decodeEDIFACT(b *block) EDIFACT {
	defer b.done()
	e := EDIFACT{
		Syntax:    strings.ToUpper(b.str("syntax", DefaultSyntax)),
		Directory: b.enum("directory", DefaultDirectory, "D96A", "D01B"),
		AlwaysUNA: b.enum("una", "auto", "always", "auto") == "always",
		Test:      b.boolean("test", false),
		FileName:  b.str("fileName", DefaultFileName),
	}
	switch b.enum("lineBreak", "none", "none", "lf", "crlf") {
	case "lf":
		e.LineBreak = "\n"
	case "crlf":
		e.LineBreak = "\r\n"
	}
	for i, name := range b.list("accept") {
		f, err := edifact.ParseFaults(name)
		if err != nil {
			b.src.add(indexField(b.field("accept"), i), "%v", strings.TrimPrefix(err.Error(), "edifact: "))
		}
		e.Accept |= f
	}
	return e
}

func decodePartnerAS2(b *block) *PartnerAS2 {
	defer b.done()
	a := &PartnerAS2{
		ID:               b.str("id", ""),
		OurID:            b.str("ourId", ""),
		RequireSigned:    b.boolean("requireSigned", true),
		RequireEncrypted: b.boolean("requireEncrypted", true),
		URL:              b.str("url", ""),
		Sign:             parsed(b, "sign", crypto.SHA256, parseSign),
		Encrypt:          parsed(b, "encrypt", cms.AES256CBC, parseEncrypt),
		KeyTransport:     parsed(b, "keyTransport", cms.RSAPKCS1v15, parseKeyTransport),
		Compress:         parsed(b, "compress", as2.NoCompression, parseCompression),
		MDN:              as2.MDNMode(b.enum("mdn", string(as2.MDNSync), string(as2.MDNSync), string(as2.MDNAsync), string(as2.MDNNone))),
		SignedMDN:        b.boolean("signedMdn", true),
		ContentType:      b.str("contentType", DefaultContentType),
		Timeout:          b.duration("timeout", as2.DefaultSendTimeout),
	}
	b.path("certificate", "", &a.Certificate)
	b.path("ourCertificate", "", &a.OurCertificate)
	b.path("ourKey", "", &a.OurKey)
	return a
}

// parseSign reads a signing digest: sha1, sha256, sha384, sha512 or none.
func parseSign(s string) (crypto.Hash, error) {
	if strings.EqualFold(s, "none") {
		return 0, nil
	}
	h, err := as2.ParseDigest(s)
	if err != nil || h == crypto.SHA224 {
		return 0, fmt.Errorf("%q is none of sha1, sha256, sha384, sha512, none", s)
	}
	return h, nil
}

func parseEncrypt(s string) (cms.Cipher, error) {
	if strings.EqualFold(s, "none") {
		return "", nil
	}
	c, err := cms.ParseCipher(s)
	if err != nil {
		return "", fmt.Errorf("%q is none of 3des, aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm, aes192-gcm, aes256-gcm, none", s)
	}
	return c, nil
}

func parseKeyTransport(s string) (cms.KeyTransport, error) {
	kt, err := cms.ParseKeyTransport(s)
	if err != nil || !kt.Valid() {
		return "", fmt.Errorf("%q is none of rsa-pkcs1v15, rsa-oaep, rsa-oaep-sha256, rsa-oaep-sha384, rsa-oaep-sha512", s)
	}
	return kt, nil
}

func parseCompression(s string) (as2.Compression, error) {
	switch c := as2.Compression(strings.ToLower(s)); c {
	case "none":
		return as2.NoCompression, nil
	case as2.CompressBeforeSigning, as2.CompressAfterSigning:
		return c, nil
	}
	return "", fmt.Errorf("%q is none of none, before-signing, after-signing", s)
}

func decodePartnerSFTP(b *block, partnerID string) *PartnerSFTP {
	defer b.done()
	s := &PartnerSFTP{
		User:                 b.str("user", partnerID),
		AuthorizedKeysInline: b.str("authorizedKeysInline", ""),
		PasswordHash:         Secret(b.secret("passwordHash")),
		ArchiveAfterDownload: b.boolean("archiveAfterDownload", false),
		HoldSuffixes:         b.list("holdSuffixes"),
	}
	b.path("authorizedKeys", "", &s.AuthorizedKeys)
	return s
}

// secret reads a field whose value must never be repeated: its problems
// do not quote it.
func (b *block) secret(key string) string {
	n := b.value(key)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		b.src.addAt(n, b.field(key), "want a single value, not %s", kindName(n))
		return ""
	}
	return n.Value
}

func decodeRemoteSFTP(b *block) *RemoteSFTP {
	defer b.done()
	r := &RemoteSFTP{
		Address:     b.str("address", ""),
		User:        b.str("user", ""),
		PasswordEnv: b.str("passwordEnv", ""),
		Inbox:       b.str("inbox", ""),
		DoneDir:     b.str("doneDir", ""),
		Outbox:      b.str("outbox", ""),
		Interval:    b.duration("interval", DefaultRemoteInterval),
		Pattern:     b.str("pattern", ""),
		Completion:  parsed(b, "completion", folder.StableSize, parseCompletion),
	}
	b.path("privateKey", "", &r.PrivateKey)
	b.path("knownHosts", "", &r.KnownHosts)
	return r
}

func parseCompletion(s string) (folder.Completion, error) {
	c, err := folder.ParseCompletion(strings.ToLower(s))
	if err != nil {
		return 0, fmt.Errorf("%q is none of stable-size, ready-marker, renamed", s)
	}
	return c, nil
}

func decodeFolder(b *block) *Folder {
	defer b.done()
	f := &Folder{
		Pattern:    b.str("pattern", ""),
		Completion: parsed(b, "completion", folder.StableSize, parseCompletion),
	}
	b.path("inbox", "", &f.Inbox)
	b.path("archive", "", &f.Archive)
	b.path("outbox", "", &f.Outbox)
	return f
}

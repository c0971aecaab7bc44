package config_test

import (
	"crypto"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/config"
	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/as2/cms"
	"github.com/edibridge/edibridge/transport/folder"
)

// environ returns a getenv that knows the variables given.
func environ(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// parse parses text as the file t.yaml in dir, and returns the config
// and the problems.
func parse(t *testing.T, dir, text string, env map[string]string) (*config.Config, config.Problems) {
	t.Helper()
	c, err := config.Parse([]byte(text), filepath.Join(dir, "t.yaml"), environ(env))
	if err == nil {
		return c, nil
	}
	var ps config.Problems
	require.True(t, errors.As(err, &ps), "the error is Problems: %v", err)
	return nil, ps
}

// lines returns each problem as it prints, with dir left out.
func lines(ps config.Problems, dir string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.ReplaceAll(p.Error(), dir+string(filepath.Separator), "")
	}
	return out
}

func TestExampleConfig(t *testing.T) {
	c, err := config.Load("../configs/example.yaml", environ(nil))
	require.NoError(t, err)
	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	data := filepath.Join(repo, "data")

	assert.Equal(t, data, c.DataDir, "dataDir: ../data is relative to configs/")
	assert.Equal(t, config.URLSandbox, c.Procuros.URL)
	require.NotNil(t, c.Procuros.Sandbox)
	assert.Equal(t, "127.0.0.1:8089", c.Procuros.Sandbox.Listen)
	assert.Equal(t, filepath.Join(repo, "configs", "sandbox", "incoming"), c.Procuros.Sandbox.Incoming)
	token, err := c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("sandbox-token"), token)

	require.NotNil(t, c.Listen.AS2)
	assert.Equal(t, "127.0.0.1:4080", c.Listen.AS2.Address)
	assert.Equal(t, "http://127.0.0.1:4080/as2", c.Listen.AS2.PublicURL)
	require.NotNil(t, c.Listen.SFTP)
	assert.Equal(t, "127.0.0.1:2222", c.Listen.SFTP.Address)
	assert.Equal(t, filepath.Join(data, "sftp"), c.Listen.SFTP.DataDir)
	assert.Equal(t, filepath.Join(data, "sftp", "host-keys"), c.Listen.SFTP.HostKeyDir)
	require.NotNil(t, c.Listen.HTTP)
	assert.Equal(t, "127.0.0.1:9090", c.Listen.HTTP.Address)
	assert.Equal(t, filepath.Join(data, "as2", "edibridge.crt"), c.AS2.Certificate)
	assert.True(t, c.AS2.Generate)
	assert.True(t, c.Demo.Enabled)
	assert.Equal(t, filepath.Join(data, "demo"), c.Demo.Dir)

	require.Len(t, c.Partners, 1)
	p := c.Partners[0]
	assert.Equal(t, "demo", p.ID)
	assert.Equal(t, []config.Transport{config.TransportAS2, config.TransportSFTP, config.TransportFolder}, p.Inbound)
	assert.Equal(t, config.TransportSFTP, p.Outbound)
	assert.Equal(t, knownMessages(t), p.Messages.Inbound, "every type the mapping knows")
	assert.Equal(t, []string{"ORDERS", "DESADV", "INVOIC"}, p.Messages.Outbound)
	assert.Equal(t, filepath.Join(data, "demo", config.DemoPartnerAS2Cert), p.AS2.Certificate)
	assert.Equal(t, c.AS2.Certificate, p.AS2.OurCertificate, "our identity, as the partner has none of its own")
	assert.Equal(t, filepath.Join(data, "demo", config.DemoPartnerSSHPub), p.SFTP.AuthorizedKeys)
	assert.Equal(t, filepath.Join(data, "demo", "folder", "in", "archive"), p.Folder.Archive)
	assert.Same(t, &c.Partners[0], c.PartnerByGLN("4098765000003"))

	assert.Empty(t, c.CheckFiles(), "what is missing is generated on start")
	assert.Empty(t, c.Warnings())
	assert.Equal(t, "1 partner (demo: in as2, sftp, folder; out sftp)", c.Summary())
}

// knownMessages returns the message types the mapping knows, as the
// configuration lists them.
func knownMessages(t *testing.T) []string {
	c, err := config.Parse([]byte("dataDir: /d\nprocuros: {url: sandbox}\npartners: [{id: x, unb: {id: \"4012345000009\"}, ourUnb: {id: \"4098765000003\"}}]\n"), "k.yaml", nil)
	require.NoError(t, err)
	require.NotEmpty(t, c.Partners[0].Messages.Inbound)
	return c.Partners[0].Messages.Inbound
}

// A partner with a minimal AS2 block, and what a file needs besides: the
// first three lines of the documents of TestValidationRules.
const head = `dataDir: /data
procuros: {url: sandbox}
listen: {as2: {address: "127.0.0.1:4080"}, sftp: {address: "127.0.0.1:2222"}}
`

// partner is a valid partner, on lines 4 to 9 after head.
const partner = `partners:
  - id: acme
    gln: ["4012345000009"]
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    as2: {id: ACME, ourId: US, certificate: acme.crt}
`

func TestValidationBase(t *testing.T) {
	_, ps := parse(t, t.TempDir(), head+partner, nil)
	assert.Empty(t, ps, "the documents of TestValidationRules differ from this in one thing")
}

// TestValidationRules runs one document per rule, each with one problem,
// and checks the line it prints.
func TestValidationRules(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"dataDir required", "procuros: {url: sandbox}\n",
			"t.yaml:1:1: dataDir: required (or set EDIBRIDGE_DATA_DIR)"},
		{"procuros.url required", "dataDir: /data\nprocuros: {pollInterval: 30s}\n",
			"t.yaml:2:11: procuros.url: required: sandbox, production, staging or the API's URL (or set PROCUROS_API_URL)"},
		{"procuros.url shape", "dataDir: /data\nprocuros:\n  url: prod\n  tokenFile: token\n",
			`t.yaml:3:8: procuros.url: "prod" is none of sandbox, production, staging, nor an http(s) URL`},
		{"procuros.url plain http", "dataDir: /data\nprocuros:\n  url: http://procuros.example\n  tokenFile: token\n",
			`t.yaml:3:8: procuros.url: "http://procuros.example": plain http would send the token in clear; use https (http is for loopback hosts only)`},
		{"token required", "dataDir: /data\nprocuros:\n  url: production\n",
			"t.yaml:3:3: procuros: no API token: set PROCUROS_API_TOKEN, or procuros.tokenFile"},
		{"tokenEnv shape", "dataDir: /data\nprocuros: {url: sandbox, tokenEnv: MY-TOKEN}\n",
			`t.yaml:2:36: procuros.tokenEnv: "MY-TOKEN" is not the name of an environment variable`},
		{"sandbox block with another url", "dataDir: /data\nprocuros:\n  url: staging\n  tokenFile: token\n  sandbox: {listen: 127.0.0.1:8089}\n",
			`t.yaml:5:12: procuros.sandbox: only with url: sandbox (url is "staging")`},
		{"pollInterval least", "dataDir: /data\nprocuros: {url: sandbox, pollInterval: 500ms}\n",
			"t.yaml:2:40: procuros.pollInterval: 500ms is shorter than the least, 1s"},
		{"retryInitial least", "dataDir: /data\nprocuros: {url: sandbox, retryInitial: 10ms}\n",
			"t.yaml:2:40: procuros.retryInitial: 10ms is shorter than the least, 100ms"},
		{"retryMax below retryInitial", "dataDir: /data\nprocuros: {url: sandbox, retryInitial: 1m, retryMax: 30s}\n",
			"t.yaml:2:54: procuros.retryMax: 30s is shorter than retryInitial, 1m0s"},
		{"log level enum", "dataDir: /data\nprocuros: {url: sandbox}\nlog: {level: loud}\n",
			`t.yaml:3:14: log.level: "loud" is none of debug, info, warn, error`},
		{"duration shape", "dataDir: /data\nprocuros: {url: sandbox}\njournal: {retention: 90days}\n",
			`t.yaml:3:22: journal.retention: "90days" is not a duration (like 30s, 5m, 72h or 90d)`},
		{"size shape", "dataDir: /data\nprocuros: {url: sandbox}\nlisten: {as2: {address: \":4080\", maxBodyBytes: 64MB}}\n",
			`t.yaml:3:48: listen.as2.maxBodyBytes: "64MB" is not a size (a number of bytes, or with KiB, MiB, GiB or TiB, like 64MiB)`},
		{"listen address shape", "dataDir: /data\nprocuros: {url: sandbox}\nlisten: {http: {address: \"9090\"}}\n",
			`t.yaml:3:26: listen.http.address: "9090" is not host:port (like 127.0.0.1:4080, or :4080 for every interface)`},
		{"listen address required", "dataDir: /data\nprocuros: {url: sandbox}\nlisten:\n  sftp: {hostKeyDir: keys}\n",
			"t.yaml:4:9: listen.sftp.address: required"},
		{"listen address shared", "dataDir: /data\nprocuros: {url: sandbox}\nlisten:\n  as2: {address: \":4080\"}\n  http: {address: \":4080\"}\n",
			"t.yaml:5:19: listen.http.address: :4080 is also listen.as2.address"},
		{"as2 path", "dataDir: /data\nprocuros: {url: sandbox}\nlisten:\n  as2: {address: \":4080\", path: as2}\n",
			`t.yaml:4:33: listen.as2.path: "as2" does not start with /`},
		{"tls pair", "dataDir: /data\nprocuros: {url: sandbox}\nlisten:\n  as2:\n    address: \":4443\"\n    tls: {certificate: tls.crt}\n",
			"t.yaml:6:10: listen.as2.tls: needs both certificate and key"},
		{"partner id required", head + strings.Replace(partner, "  - id: acme\n", "  - name: ACME\n", 1),
			"t.yaml:5:5: partners[0].id: required"},
		{"partner id shape", head + strings.Replace(partner, "id: acme", "id: ACME", 1),
			`t.yaml:5:9: partners[0].id: "ACME" is not lower-case letters, digits, dots, hyphens and underscores, starting with a letter or digit`},
		{"partner id unique", head + partner + `  - id: acme
    unb: {id: "4000000000006"}
    ourUnb: {id: "4098765000003"}
`, `t.yaml:10:9: partners[1].id: "acme" is also partners[0]'s id`},
		{"GLN check digit", head + strings.Replace(partner, `gln: ["4012345000009"]`, `gln: ["4012345000009", "4000000000002"]`, 1),
			`t.yaml:6:28: partners[0].gln[1]: "4000000000002" is not a GLN (thirteen digits, the last the GS1 check digit)`},
		{"GLN unique", head + partner + `  - id: other
    gln: ["4012345000009"]
    unb: {id: "4000000000006"}
    ourUnb: {id: "4098765000003"}
`, `t.yaml:11:11: partners[1].gln[0]: "4012345000009" is also partners[0]'s GLN: a transaction for it could go to either`},
		{"unb required", head + strings.Replace(partner, `    unb: {id: "4012345000009"}`+"\n", "", 1),
			"t.yaml:5:5: partners[0].unb.id: required"},
		{"unb GLN with qualifier 14", head + strings.Replace(partner, `unb: {id: "4012345000009"}`, `unb: {id: "4012345000008", qualifier: "14"}`, 1),
			`t.yaml:7:15: partners[0].unb.id: "4012345000008" is not a GLN (thirteen digits, the last the GS1 check digit), which qualifier 14 says it is`},
		{"unb qualifier shape", head + strings.Replace(partner, `ourUnb: {id: "4098765000003"}`, `ourUnb: {id: "EDIBRIDGE", qualifier: "ZZ-01"}`, 1),
			`t.yaml:8:42: partners[0].ourUnb.qualifier: "ZZ-01" is not a UNB qualifier (up to four letters or digits, 14 for a GLN)`},
		{"message type unknown", head + partner + "    messages: {inbound: [ORDERS, PRICAT]}\n",
			`t.yaml:10:34: partners[0].messages.inbound[1]: "PRICAT" is a message type the mapping does not know (it knows ` + strings.Join(knownMessages(t), ", ") + ")"},
		{"syntax identifier", head + partner + "    edifact: {syntax: UNOZ}\n",
			`t.yaml:10:23: partners[0].edifact.syntax: "UNOZ" is not a syntax identifier (UNOA to UNOY)`},
		{"lenient fault names", head + partner + "    edifact: {accept: [junk, bogus]}\n",
			`t.yaml:10:30: partners[0].edifact.accept[1]: unknown fault "bogus" (known: unt-count, unt-reference, une-count, une-reference, unz-count, unz-reference, zero-padded-count, missing-trailer, unterminated-segment, line-terminator, line-break, empty-segment, junk, malformed-una, charset, unknown-syntax, stray-release, all)`},
		{"file name unique", head + partner + "    edifact: {fileName: \"{type}.edi\"}\n",
			"t.yaml:10:25: partners[0].edifact.fileName: has neither {controlRef} nor {transaction}: every file would have the same name"},
		{"file name placeholder", head + partner + "    edifact: {fileName: \"{controlRef}-{sender}.edi\"}\n",
			"t.yaml:10:25: partners[0].edifact.fileName: {sender} is none of {partner} {type} {controlRef} {transaction} {date}"},
		{"inbound transport unknown", head + partner + "    inbound: [as2, ftp]\n",
			`t.yaml:10:20: partners[0].inbound[1]: "ftp" is none of as2, sftp, remote-sftp, folder`},
		{"inbound transport not configured", head + partner + "    inbound: [as2, sftp]\n",
			"t.yaml:10:20: partners[0].inbound[1]: sftp, but the partner has no sftp block"},
		{"outbound transport not configured", head + partner + "    outbound: folder\n    messages: {outbound: [ORDERS]}\n",
			"t.yaml:10:15: partners[0].outbound: folder, but the partner has no folder block"},
		{"outbound enum", head + partner + "    outbound: ftp\n",
			`t.yaml:10:15: partners[0].outbound: "ftp" is none of as2, sftp, remote-sftp, folder, none`},
		{"outbound as2 without url", head + partner + "    outbound: as2\n    messages: {outbound: [ORDERS]}\n",
			"t.yaml:9:10: partners[0].as2.url: required with outbound: as2"},
		{"outbound without message types", head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, url: \"https://acme.example/as2\"}", 1) + "    outbound: as2\n",
			"t.yaml:5:5: partners[0].messages.outbound: lists no message type, so nothing goes by outbound: as2"},
		{"message types without outbound", head + partner + "    messages: {outbound: [ORDERS]}\n",
			"t.yaml:5:5: partners[0].outbound: none, but messages.outbound lists ORDERS: name the transport they go by"},
		{"listen.as2 missing for inbound as2", "dataDir: /data\nprocuros: {url: sandbox}\nlisten: {sftp: {address: \":2222\"}}\n" + partner,
			"t.yaml:9:10: partners[0].as2: the partner sends by AS2, but there is no listen.as2 to receive on (if we only send to it by AS2, list inbound without as2)"},
		{"listen.sftp missing for an account", "dataDir: /data\nprocuros: {url: sandbox}\nlisten: {as2: {address: \":4080\"}}\n" + partner + "    sftp: {user: acme, passwordHash: \"$2y$05$3vF6hoBSo6P1yd1jRsWMKOsZ2ODmT6w2sQG5T6oM3/aN0KbIGYlKe\"}\n",
			"t.yaml:10:11: partners[0].sftp: an account on our SFTP server needs listen.sftp"},
		{"as2 ids required", head + strings.Replace(partner, "ourId: US, ", "", 1),
			"t.yaml:9:10: partners[0].as2.ourId: required"},
		{"as2 id shape", head + strings.Replace(partner, "ourId: US", "ourId: \"US\\t1\"", 1),
			`t.yaml:9:28: partners[0].as2.ourId: "US\t1" holds a character that is not printable ASCII`},
		{"as2 id pair unique", head + partner + `  - id: other
    unb: {id: "4000000000006"}
    ourUnb: {id: "4098765000003"}
    as2: {id: ACME, ourId: US, certificate: other.crt}
`, `t.yaml:13:15: partners[1].as2.id: AS2 ids "ACME" to "US" are also partners[0]'s: a message could not tell the partners apart`},
		{"as2 certificate required", head + strings.Replace(partner, ", certificate: acme.crt", "", 1),
			"t.yaml:9:10: partners[0].as2.certificate: required: the partner's certificate"},
		{"as2 our pair", head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, ourKey: us.key}", 1),
			"t.yaml:9:10: partners[0].as2.ourCertificate: needs ourKey with it, or neither"},
		{"as2 url shape", head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, url: acme.example/as2}", 1),
			`t.yaml:9:60: partners[0].as2.url: "acme.example/as2" is not an http(s) URL`},
		{"as2 sign enum", head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, sign: md5}", 1),
			`t.yaml:9:61: partners[0].as2.sign: "md5" is none of sha1, sha256, sha384, sha512, none`},
		{"as2 cipher enum", head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, encrypt: rc2}", 1),
			`t.yaml:9:64: partners[0].as2.encrypt: "rc2" is none of 3des, aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm, aes192-gcm, aes256-gcm, none`},
		{"as2 async MDN needs a listener", "dataDir: /data\nprocuros: {url: sandbox}\n" + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, url: \"https://acme.example/as2\", mdn: async}", 1) + "    inbound: []\n    outbound: as2\n    messages: {outbound: [ORDERS]}\n",
			"t.yaml:8:93: partners[0].as2.mdn: async MDNs come back to listen.as2, which is not configured"},
		{"sftp login", head + partner + "    sftp: {user: acme}\n",
			"t.yaml:10:11: partners[0].sftp: needs authorizedKeys, authorizedKeysInline or passwordHash to log in with"},
		{"sftp user unique", head + partner + "    sftp: {authorizedKeys: k.pub}\n" + `  - id: other
    unb: {id: "4000000000006"}
    ourUnb: {id: "4098765000003"}
    sftp: {user: acme, authorizedKeys: k.pub}
`, `t.yaml:14:18: partners[1].sftp.user: "acme" is also partners[0]'s SFTP user`},
		{"sftp user shape", head + partner + "    sftp: {user: ../acme, authorizedKeys: k.pub}\n",
			`t.yaml:10:18: partners[0].sftp.user: bad file name: "../acme" starts with a dot`},
		{"sftp inline keys", head + partner + "    sftp: {authorizedKeysInline: \"ssh-ed25519 AAAA-not-base64\"}\n",
			"t.yaml:10:34: partners[0].sftp.authorizedKeysInline: line 1 is not an authorized key: ssh: no key found; last parsing error for ignored line: illegal base64 data at input byte 4"},
		{"sftp hold suffixes", head + partner + "    sftp: {authorizedKeys: k.pub, holdSuffixes: [.tmp, \"in/x\"]}\n",
			`t.yaml:10:56: partners[0].sftp.holdSuffixes[1]: "in/x" is not the ending of a file name`},
		{"remote sftp done folder is the inbox", head + partner + "    remoteSftp: {address: sftp.acme.example, user: edi, knownHosts: kh, privateKey: id, inbox: in, doneDir: ./in/}\n",
			"t.yaml:10:109: partners[0].remoteSftp.doneDir: is the inbox: every file moved there would be collected again"},
		{"remote sftp known hosts", head + partner + "    remoteSftp: {address: sftp.acme.example, user: edi, privateKey: id_ed25519}\n",
			"t.yaml:10:17: partners[0].remoteSftp.knownHosts: required: the server's host key is always checked"},
		{"remote sftp login", head + partner + "    remoteSftp: {address: sftp.acme.example, user: edi, knownHosts: known_hosts}\n",
			"t.yaml:10:17: partners[0].remoteSftp: needs privateKey or passwordEnv to log in with"},
		{"remote sftp password variable", head + partner + "    remoteSftp: {address: sftp.acme.example, user: edi, knownHosts: known_hosts, passwordEnv: ACME_PASSWORD}\n",
			"t.yaml:10:95: partners[0].remoteSftp.passwordEnv: ACME_PASSWORD is not set"},
		{"remote sftp inbound needs inbox", head + partner + "    remoteSftp: {address: sftp.acme.example, user: edi, knownHosts: kh, privateKey: id}\n    inbound: [remote-sftp]\n",
			"t.yaml:11:15: partners[0].inbound[0]: remote-sftp, but remoteSftp.inbox is not set"},
		{"folder outbox is inbox", head + partner + "    folder: {inbox: /srv/acme, outbox: /srv/acme}\n",
			"t.yaml:10:40: partners[0].folder.outbox: is the inbox: edibridge would pick up the files it delivers"},
		{"folder completion enum", head + partner + "    folder: {inbox: /srv/acme/in, completion: closed}\n",
			`t.yaml:10:47: partners[0].folder.completion: "closed" is none of stable-size, ready-marker, renamed`},
		{"bool shape", head + partner + "    edifact: {test: yes}\n",
			`t.yaml:10:21: partners[0].edifact.test: want true or false, not "yes"`},
		{"mapping where a value goes", "dataDir: {path: /data}\nprocuros: {url: sandbox}\n",
			"t.yaml:1:10: dataDir: want a single value, not a mapping"},
		{"key given twice", "dataDir: /data\nprocuros: {url: sandbox}\ndataDir: /other\n",
			"t.yaml:3:1: dataDir: given twice (first on line 1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			_, ps := parse(t, dir, tc.text, nil)
			assert.Equal(t, []string{tc.want}, lines(ps, dir))
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	dir := t.TempDir()
	text := `procuros:
  url: staging
  pollInterval: 0s
listen:
  as2: {address: "4080"}
partners:
  - id: Acme
    gln: ["4000000000002"]
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    outbound: as2
`
	_, ps := parse(t, dir, text, nil)
	assert.Equal(t, []string{
		"t.yaml:1:1: dataDir: required (or set EDIBRIDGE_DATA_DIR)",
		"t.yaml:2:3: procuros: no API token: set PROCUROS_API_TOKEN, or procuros.tokenFile",
		"t.yaml:3:17: procuros.pollInterval: 0s is shorter than the least, 1s",
		`t.yaml:5:18: listen.as2.address: "4080" is not host:port (like 127.0.0.1:4080, or :4080 for every interface)`,
		"t.yaml:7:5: partners[0].messages.outbound: lists no message type, so nothing goes by outbound: as2",
		`t.yaml:7:9: partners[0].id: "Acme" is not lower-case letters, digits, dots, hyphens and underscores, starting with a letter or digit`,
		`t.yaml:8:11: partners[0].gln[0]: "4000000000002" is not a GLN (thirteen digits, the last the GS1 check digit)`,
		"t.yaml:11:15: partners[0].outbound: as2, but the partner has no as2 block",
	}, lines(ps, dir))
}

func TestUnknownFields(t *testing.T) {
	dir := t.TempDir()
	text := head + strings.Replace(partner, "certificate: acme.crt}", "certificate: acme.crt, sing: sha256}", 1) + `    remoteSFTP: {address: x}
    colour: blue
logging: {level: debug}
`
	_, ps := parse(t, dir, text, nil)
	assert.Equal(t, []string{
		`t.yaml:9:55: partners[0].as2.sing: unknown field; did you mean "sign"?`,
		`t.yaml:10:5: partners[0].remoteSFTP: unknown field; did you mean "remoteSftp"?`,
		`t.yaml:11:5: partners[0].colour: unknown field (known: as2, edifact, folder, gln, id, inbound, mapping, messages, name, ourUnb, outbound, remoteSftp, sftp, unb)`,
		`t.yaml:12:1: logging: unknown field; did you mean "log"?`,
	}, lines(ps, dir))
}

func TestYAMLShapes(t *testing.T) {
	dir := t.TempDir()
	_, ps := parse(t, dir, "", nil)
	assert.Equal(t, []string{"t.yaml: the file is empty"}, lines(ps, dir))

	_, ps = parse(t, dir, "dataDir: /data\n  procuros: {url: sandbox}\n", nil)
	assert.Equal(t, []string{"t.yaml:2: mapping values are not allowed in this context"}, lines(ps, dir), "yaml gives the line only")

	_, ps = parse(t, dir, "dataDir: /data\nprocuros: {url: sandbox}\n---\ndataDir: /other\n", nil)
	assert.Equal(t, []string{"t.yaml:3:1: a second YAML document; the configuration is one"}, lines(ps, dir))

	_, ps = parse(t, dir, "- dataDir: /data\n", nil)
	assert.Equal(t, []string{"t.yaml:1:1: want a mapping (name: value lines), not a list"}, lines(ps, dir))

	_, ps = parse(t, dir, "dataDir: /data\nprocuros: {url: sandbox}\npartners:\n  - acme\n  - id: b\n    unb: \"4012345000009\"\n    ourUnb: {id: \"4098765000003\"}\n", nil)
	assert.Equal(t, []string{
		"t.yaml:4:5: partners[0]: want a mapping (name: value lines), not a single value",
		"t.yaml:6:10: partners[1].unb: want a mapping (name: value lines), not a single value",
	}, lines(ps, dir), "what is missing from a block that is not a mapping goes unsaid")
}

func TestMergeKeys(t *testing.T) {
	text := head + `defaults: &strict
  requireSigned: true
  sign: sha512
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    as2:
      <<: *strict
      id: ACME
      ourId: US
      certificate: acme.crt
      sign: sha384
`
	// A top-level block the schema does not know is still a mistake (the
	// anchor is better put on a partner's block), but the merged keys are
	// read as the partner's own.
	dir := t.TempDir()
	_, ps := parse(t, dir, text, nil)
	assert.Equal(t, []string{`t.yaml:4:1: defaults: unknown field (known: as2, dataDir, demo, journal, listen, log, partners, procuros)`}, lines(ps, dir))

	text = strings.Replace(text, "defaults: &strict\n  requireSigned: true\n  sign: sha512\n", "", 1)
	text = strings.Replace(text, "    as2:\n      <<: *strict\n", "    as2:\n      <<: {requireEncrypted: false, sign: sha512}\n", 1)
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	a := c.Partners[0].AS2
	assert.False(t, a.RequireEncrypted, "merged")
	assert.Equal(t, crypto.SHA384, a.Sign, "the block's own key wins over the merged one")
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	c, ps := parse(t, dir, head+partner+"    folder: {inbox: in}\n", nil)
	require.Empty(t, ps)

	assert.Equal(t, "text", c.Log.Format)
	assert.Equal(t, slog.LevelInfo, c.Log.Level)
	assert.Equal(t, config.DefaultPollInterval, c.Procuros.PollInterval)
	assert.Equal(t, procuros.DefaultTimeout, c.Procuros.Timeout)
	assert.Equal(t, procuros.TokenEnv, c.Procuros.TokenEnv)
	require.NotNil(t, c.Procuros.Sandbox, "url: sandbox without a sandbox block")
	assert.Equal(t, procuros.Token(config.DefaultSandboxToken), c.Procuros.Sandbox.Token)
	assert.Empty(t, c.Procuros.BaseURL)
	assert.Equal(t, "/as2", c.Listen.AS2.Path)
	assert.Equal(t, "http://127.0.0.1:4080/as2", c.Listen.AS2.PublicURL)
	assert.Equal(t, config.Size(as2.DefaultMaxBodyBytes), c.Listen.AS2.MaxBodyBytes)
	assert.Equal(t, "/data/sftp/host-keys", c.Listen.SFTP.HostKeyDir)
	assert.Nil(t, c.Listen.HTTP)
	assert.Equal(t, "/data/as2/edibridge.crt", c.AS2.Certificate)
	assert.Equal(t, "/data/as2/edibridge.key", c.AS2.Key)
	assert.False(t, c.AS2.Generate)
	assert.Equal(t, "edibridge", c.AS2.CommonName)
	assert.Equal(t, 90*24*time.Hour, c.Journal.Retention)

	p := c.Partners[0]
	assert.Equal(t, "14", p.UNB.Qualifier)
	assert.Equal(t, knownMessages(t), p.Messages.Inbound)
	assert.Empty(t, p.Messages.Outbound)
	assert.Equal(t, config.EDIFACT{Syntax: "UNOC", Directory: "D96A", FileName: "{type}_{controlRef}.edi"}, p.EDIFACT)
	assert.Equal(t, []config.Transport{config.TransportAS2, config.TransportFolder}, p.Inbound, "every transport configured that can receive")
	assert.Equal(t, config.TransportNone, p.Outbound)
	assert.Equal(t, &config.PartnerAS2{
		ID: "ACME", OurID: "US",
		Certificate:    filepath.Join(dir, "acme.crt"),
		OurCertificate: "/data/as2/edibridge.crt", OurKey: "/data/as2/edibridge.key",
		RequireSigned: true, RequireEncrypted: true,
		Sign: crypto.SHA256, Encrypt: cms.AES256CBC, KeyTransport: cms.RSAPKCS1v15, Compress: as2.NoCompression,
		MDN: as2.MDNSync, SignedMDN: true, ContentType: "application/EDIFACT", Timeout: as2.DefaultSendTimeout,
	}, p.AS2)
	assert.Equal(t, &config.Folder{Inbox: filepath.Join(dir, "in"), Archive: filepath.Join(dir, "in", "archive"), Completion: folder.StableSize}, p.Folder)
}

func TestSFTPHoldSuffixes(t *testing.T) {
	// Absent: the server's default; empty: nothing held; else as given.
	for text, want := range map[string][]string{
		"":                              nil,
		", holdSuffixes: []":            {},
		", holdSuffixes: .tmp":          {".tmp"},
		", holdSuffixes: [.tmp, \"~\"]": {".tmp", "~"},
	} {
		c, ps := parse(t, t.TempDir(), head+partner+"    sftp: {authorizedKeys: k.pub"+text+"}\n", nil)
		require.Empty(t, ps, text)
		assert.Equal(t, want, c.Partners[0].SFTP.HoldSuffixes, text)
	}
}

func TestTypedValues(t *testing.T) {
	dir := t.TempDir()
	text := head + strings.Replace(partner, "certificate: acme.crt}", `certificate: acme.crt, url: "https://acme.example/as2",
          sign: SHA-384, encrypt: aes-128-gcm, keyTransport: oaep-sha256, compress: before-signing, mdn: async, signedMdn: false}`, 1) + `    outbound: as2
    messages: {inbound: [orders], outbound: [invoic, desadv]}
    edifact: {syntax: unoa, directory: d01b, una: always, lineBreak: crlf, accept: [junk, "unt-count,une-count"], test: true}
    inbound: none
journal: {retention: 1d12h}
log: {format: JSON, level: debug}
`
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	p := c.Partners[0]
	assert.Equal(t, crypto.SHA384, p.AS2.Sign)
	assert.Equal(t, cms.AES128GCM, p.AS2.Encrypt)
	assert.Equal(t, cms.RSAOAEPSHA256, p.AS2.KeyTransport)
	assert.Equal(t, as2.CompressBeforeSigning, p.AS2.Compress)
	assert.Equal(t, as2.MDNAsync, p.AS2.MDN)
	assert.False(t, p.AS2.SignedMDN)
	assert.Equal(t, []string{"ORDERS"}, p.Messages.Inbound)
	assert.Equal(t, []string{"INVOIC", "DESADV"}, p.Messages.Outbound)
	assert.Equal(t, config.EDIFACT{
		Syntax: "UNOA", Directory: "D01B", AlwaysUNA: true, LineBreak: "\r\n",
		Accept: edifact.FaultJunk | edifact.FaultUNTCount | edifact.FaultUNECount, Test: true, FileName: config.DefaultFileName,
	}, p.EDIFACT)
	assert.Empty(t, p.Inbound, "inbound: none")
	assert.Equal(t, 36*time.Hour, c.Journal.Retention)
	assert.Equal(t, "json", c.Log.Format)
	assert.Equal(t, slog.LevelDebug, c.Log.Level)

	opts := p.AS2.SendOptions(c.Listen.AS2.PublicURL)
	assert.Equal(t, "http://127.0.0.1:4080/as2", opts.AsyncMDNURL)
	assert.Equal(t, crypto.SHA384, opts.Sign)

	env := p.Envelope("42", time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC))
	assert.Equal(t, edifact.Party{ID: "4098765000003", Qualifier: "14"}, env.Sender)
	assert.Equal(t, edifact.Party{ID: "4012345000009", Qualifier: "14"}, env.Recipient)
	assert.Equal(t, "UNOA", env.SyntaxID)
	assert.True(t, env.AlwaysUNA)
	assert.True(t, env.Test)
	assert.Equal(t, "\r\n", env.LineBreak)
	assert.Equal(t, "D01B", env.Directory)

	name := config.EDIFACT{FileName: "{partner}_{type}_{controlRef}_{date}_{transaction}.edi"}.Name(config.FileNameValues{
		Partner: "acme", Type: "INVOIC", ControlRef: "42", Transaction: "tx-1", Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	assert.Equal(t, "acme_INVOIC_42_20260315_tx-1.edi", name)
}

func TestPaths(t *testing.T) {
	dir := t.TempDir()
	text := `dataDir: var/data
procuros: {url: sandbox, sandbox: {incoming: ../incoming}}
as2: {certificate: "${dataDir}/keys/us.crt", key: /etc/edibridge/us.key}
listen: {sftp: {address: ":2222", hostKeyDir: "${dataDir}"}}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    mapping: partners/acme.yaml
    sftp: {authorizedKeys: "${dataDir}/keys/acme.pub"}
    remoteSftp: {address: sftp.acme.example, user: edi, privateKey: keys/id_ed25519, knownHosts: keys/known_hosts, inbox: /out, outbox: in}
`
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	data := filepath.Join(dir, "var", "data")
	assert.Equal(t, data, c.DataDir, "relative to the configuration's folder")
	assert.Equal(t, filepath.Join(filepath.Dir(dir), "incoming"), c.Procuros.Sandbox.Incoming)
	assert.Equal(t, filepath.Join(data, "keys", "us.crt"), c.AS2.Certificate)
	assert.Equal(t, "/etc/edibridge/us.key", c.AS2.Key)
	assert.Equal(t, data, c.Listen.SFTP.HostKeyDir)
	p := c.Partners[0]
	assert.Equal(t, filepath.Join(dir, "partners", "acme.yaml"), p.Mapping)
	assert.Equal(t, filepath.Join(data, "keys", "acme.pub"), p.SFTP.AuthorizedKeys)
	assert.Equal(t, filepath.Join(dir, "keys", "id_ed25519"), p.RemoteSFTP.PrivateKey)
	assert.Equal(t, "/out", p.RemoteSFTP.Inbox, "folders on the partner's server stay as written")
	assert.Equal(t, "in", p.RemoteSFTP.Outbox)

	bad := `dataDir: "${dataDir}/x"
procuros:
  url: sandbox
  sandbox: {incoming: "${dataDir}incoming"}
as2: {certificate: "${HOME}/us.crt", key: ~/us.key}
`
	_, ps = parse(t, dir, bad, nil)
	assert.Equal(t, []string{
		"t.yaml:1:10: dataDir: the data directory cannot be under ${dataDir}",
		"t.yaml:4:23: procuros.sandbox.incoming: ${dataDir} must be followed by a / or end the path",
		"t.yaml:5:20: as2.certificate: only ${dataDir} is expanded, and only at the start of a path",
		"t.yaml:5:43: as2.key: ~ is not expanded: write the full path, or one relative to the configuration file",
	}, lines(ps, dir))
}

func TestEnvironmentOverrides(t *testing.T) {
	dir := t.TempDir()
	text := `dataDir: /data
log: {level: info}
procuros:
  url: sandbox
  sandbox: {listen: 127.0.0.1:8089}
`
	cwd, err := os.Getwd()
	require.NoError(t, err)
	c, ps := parse(t, dir, text, map[string]string{
		config.EnvDataDir:       "rel/data",
		config.EnvLogLevel:      "debug",
		config.EnvLogFormat:     "json",
		config.EnvProcurosURL:   "staging",
		config.EnvProcurosToken: "tok-from-env",
	})
	require.Empty(t, ps, "the sandbox block is no mistake when the environment points elsewhere")
	assert.Equal(t, filepath.Join(cwd, "rel", "data"), c.DataDir, "relative to where the command runs")
	assert.Equal(t, slog.LevelDebug, c.Log.Level)
	assert.Equal(t, "json", c.Log.Format)
	assert.Equal(t, config.URLStaging, c.Procuros.URL)
	assert.Equal(t, procuros.StagingURL, c.Procuros.BaseURL)
	assert.Nil(t, c.Procuros.Sandbox)
	token, err := c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("tok-from-env"), token)
	assert.Equal(t, "$PROCUROS_API_TOKEN", c.Procuros.TokenSource())

	_, ps = parse(t, dir, text, map[string]string{config.EnvProcurosURL: "ftp://x", config.EnvLogLevel: "loud"})
	assert.Equal(t, []string{
		`t.yaml: log.level: "loud" is none of debug, info, warn, error (from EDIBRIDGE_LOG_LEVEL)`,
		`t.yaml: procuros.url: "ftp://x" is none of sandbox, production, staging, nor an http(s) URL (from PROCUROS_API_URL)`,
	}, lines(ps, dir))

	_, ps = parse(t, dir, "procuros: {url: sandbox}\n", map[string]string{config.EnvDataDir: "/srv/edibridge"})
	assert.Empty(t, ps, "EDIBRIDGE_DATA_DIR stands in for a missing dataDir")
}

func TestTokenSources(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("tok-from-file\n"), 0o600))
	text := "dataDir: /data\nprocuros: {url: production, tokenEnv: ERP_TOKEN, tokenFile: token}\n"

	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	assert.Equal(t, procuros.ProductionURL, c.Procuros.BaseURL)
	token, err := c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("tok-from-file"), token, "the file, read when asked for")
	assert.Equal(t, "file "+tokenFile, c.Procuros.TokenSource())

	c, ps = parse(t, dir, text, map[string]string{"ERP_TOKEN": "tok-erp", config.EnvProcurosToken: "tok-default"})
	require.Empty(t, ps)
	token, err = c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("tok-erp"), token, "the variable tokenEnv names comes first")

	c, ps = parse(t, dir, text, map[string]string{config.EnvProcurosToken: "tok-default"})
	require.Empty(t, ps)
	token, err = c.Procuros.Token()
	require.NoError(t, err)
	assert.Equal(t, procuros.Token("tok-default"), token, "then PROCUROS_API_TOKEN, before the file")

	c, ps = parse(t, dir, "dataDir: /data\nprocuros: {url: \"https://procuros.internal.example/api/\"}\n", map[string]string{config.EnvProcurosToken: "t"})
	require.Empty(t, ps)
	assert.Equal(t, "https://procuros.internal.example/api", c.Procuros.BaseURL)
}

func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	write("acme.crt", "not checked beyond existing")
	write("tables.yaml", "units: {KRT: [oops]}\n")
	write("keys.pub", "no key here\n")
	text := `dataDir: data
procuros: {url: sandbox}
listen: {as2: {address: ":4080"}, sftp: {address: ":2222"}}
as2: {generate: true}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    mapping: tables.yaml
    as2: {id: ACME, ourId: US, certificate: acme.crt, ourCertificate: us.crt, ourKey: acme.crt}
    sftp: {authorizedKeys: keys.pub}
    folder: {inbox: /nonexistent/acme/in, outbox: "${dataDir}/acme/out"}
    remoteSftp: {address: sftp.acme.example, user: edi, privateKey: acme.crt, knownHosts: known_hosts}
`
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	got := lines(c.CheckFiles(), dir)
	require.Len(t, got, 5, strings.Join(got, "\n"))
	assert.Contains(t, got[0], "t.yaml:9:14: partners[0].mapping: tables.yaml: mapping overrides: ")
	assert.Equal(t, []string{
		"t.yaml:10:71: partners[0].as2.ourCertificate: us.crt: no such file or directory",
		"t.yaml:11:28: partners[0].sftp.authorizedKeys: keys.pub: line 1 is not an authorized key: ssh: no key found; last parsing error for ignored line: ssh: short read",
		"t.yaml:12:21: partners[0].folder.inbox: /nonexistent/acme/in: no such file or directory",
		"t.yaml:13:91: partners[0].remoteSftp.knownHosts: known_hosts: no such file or directory",
	}, got[1:], "our AS2 pair is generated, the folder under the data directory created")

	// Our pair, used by a partner, is generated only when both files are
	// missing.
	text = head + partner + "as2: {generate: true, certificate: acme.crt, key: us.key}\n"
	c, ps = parse(t, dir, text, nil)
	require.Empty(t, ps)
	assert.Equal(t, []string{
		"t.yaml:10:51: as2.key: us.key does not exist (as2.generate creates the pair only when both are missing)",
	}, lines(c.CheckFiles(), dir))
}

func TestCheckSkipsDemoFiles(t *testing.T) {
	dir := t.TempDir()
	text := head + `demo: {enabled: true}
partners:
  - id: demo
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    as2: {id: DEMO, ourId: US, certificate: "${dataDir}/demo/partner-as2.crt"}
    sftp: {authorizedKeys: "${dataDir}/demo/partner-ssh-key.pub"}
`
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	assert.Equal(t, []string{
		"t.yaml:1:1: as2.certificate: /data/as2/edibridge.crt does not exist (as2.generate: true creates the pair on start when both are missing)",
		"t.yaml:1:1: as2.key: /data/as2/edibridge.key does not exist (as2.generate: true creates the pair on start when both are missing)",
	}, lines(c.CheckFiles(), dir), "only the demo partner's files are generated with demo.enabled")

	c, ps = parse(t, dir, strings.Replace(text, "enabled: true", "enabled: false", 1), nil)
	require.Empty(t, ps)
	assert.Len(t, c.CheckFiles(), 4, "without the demo, its files must exist")
}

func TestCheckCombinesProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "edibridge.yaml")
	require.NoError(t, os.WriteFile(path, []byte(head+strings.Replace(partner, "id: acme", "id: ACME", 1)), 0o600))
	c, ps := config.Check(path, nil)
	require.NotNil(t, c, "kept for its warnings")
	assert.Equal(t, []string{
		"edibridge.yaml:1:1: as2.certificate: /data/as2/edibridge.crt does not exist (as2.generate: true creates the pair on start when both are missing)",
		"edibridge.yaml:1:1: as2.key: /data/as2/edibridge.key does not exist (as2.generate: true creates the pair on start when both are missing)",
		`edibridge.yaml:5:9: partners[0].id: "ACME" is not lower-case letters, digits, dots, hyphens and underscores, starting with a letter or digit`,
		"edibridge.yaml:9:45: partners[0].as2.certificate: acme.crt: no such file or directory",
	}, lines(ps, dir), "what Load finds, and what CheckFiles finds, by place")

	_, ps = config.Check(filepath.Join(dir, "missing.yaml"), nil)
	assert.Equal(t, []string{"missing.yaml: no such file or directory"}, lines(ps, dir))
	_, err := config.Load(filepath.Join(dir, "missing.yaml"), nil)
	assert.EqualError(t, err, filepath.Join(dir, "missing.yaml")+": no such file or directory")
}

func TestWarnings(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte("tok\n"), 0o644))
	text := `dataDir: /data
procuros: {url: production, tokenFile: token}
listen: {as2: {address: "0.0.0.0:4080"}}
partners:
  - id: acme
    unb: {id: "4012345000009"}
    ourUnb: {id: "4098765000003"}
    as2: {id: ACME, ourId: US, certificate: acme.crt, url: "https://acme.example/as2", mdn: async}
    outbound: as2
    messages: {outbound: [ORDERS]}
`
	c, ps := parse(t, dir, text, nil)
	require.Empty(t, ps)
	assert.Equal(t, []string{
		"t.yaml:2:40: warning: procuros.tokenFile: token can be read by others (mode 0644); chmod 600 it",
		"t.yaml:3:25: warning: listen.as2.address: partners send asynchronous MDNs to http://0.0.0.0:4080/as2 by default, which they cannot reach; set listen.as2.publicURL",
	}, lines(c.Warnings(), dir))
}

func TestProblemf(t *testing.T) {
	dir := t.TempDir()
	c, ps := parse(t, dir, head+partner, nil)
	require.Empty(t, ps)
	assert.Equal(t, "t.yaml:9:45: partners[0].as2.certificate: not a PEM certificate",
		strings.TrimPrefix(c.Problemf("partners[0].as2.certificate", "not a PEM certificate").Error(), dir+"/"))
	assert.Equal(t, "t.yaml:9:10: partners[0].as2.url: unreachable",
		strings.TrimPrefix(c.Problemf("partners[0].as2.url", "unreachable").Error(), dir+"/"), "a field not in the file: its block")
}

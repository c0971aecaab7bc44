package config

import (
	"crypto"
	"log/slog"
	"time"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/as2/cms"
	"github.com/edibridge/edibridge/transport/folder"
)

// A Config is a whole configuration, as Load returns it: checked, with
// the environment overrides applied, every default filled in and every
// path absolute. configs/README.md documents each field under its YAML
// name.
type Config struct {
	// File is the configuration file, as given to Load.
	File string
	// DataDir holds the journal, the SFTP server's tree, generated keys
	// and demo material; the runtime creates it when missing.
	DataDir string

	Log      Log
	Procuros Procuros
	Listen   Listen
	// AS2 is our AS2 identity, for every partner that does not have one
	// of its own.
	AS2      AS2Identity
	Journal  Journal
	Demo     Demo
	Partners []Partner

	src *source // where each field was in the file, for Problemf
}

// Log says how edibridge logs.
type Log struct {
	Format string     // "text" or "json"
	Level  slog.Level // debug, info, warn or error
}

// Procuros is the connection to the Procuros API.
type Procuros struct {
	// URL is as configured: "sandbox", "production", "staging" or a URL.
	URL string
	// BaseURL is what procuros.Config.BaseURL wants: procuros.ProductionURL,
	// procuros.StagingURL or the custom URL; empty for the sandbox, which
	// runs in-process.
	BaseURL string
	// TokenEnv names the environment variable holding the token.
	TokenEnv string
	// TokenFile is a file holding the token; read by Token.
	TokenFile string
	// EnvToken is the token found in the environment when the
	// configuration was loaded (TokenEnv, else PROCUROS_API_TOKEN); use
	// Token, which knows the order of the sources.
	EnvToken    procuros.Token
	envTokenVar string // the variable EnvToken came from
	// PollInterval is the time between two fetches of incoming
	// transactions.
	PollInterval time.Duration
	// Timeout bounds one HTTP attempt.
	Timeout time.Duration
	// RetryInitial and RetryMax bound the wait before a message or a
	// delivery that failed for a passing reason is tried again: it
	// starts at RetryInitial and doubles up to RetryMax.
	RetryInitial, RetryMax time.Duration
	// Sandbox is set exactly when URL is "sandbox".
	Sandbox *Sandbox
}

// Sandbox configures the built-in fake Procuros API, run in-process.
type Sandbox struct {
	// Listen, when set, also serves the sandbox over HTTP at this address.
	Listen string
	// Token is the token the sandbox accepts, and the client sends.
	Token procuros.Token
	// Incoming is a folder of JSON transactions queued as incoming at start.
	Incoming string
}

// Listen holds the listeners; a nil one is not run.
type Listen struct {
	AS2  *AS2Listener
	SFTP *SFTPListener
	HTTP *HTTPListener
}

// AS2Listener is where partners send AS2 messages and asynchronous MDNs.
type AS2Listener struct {
	Address string // host:port
	Path    string // the HTTP path, "/as2" by default
	// PublicURL is our AS2 endpoint as partners reach it, sent as the
	// URL for asynchronous MDNs; by default http(s)://Address+Path.
	PublicURL    string
	TLS          *TLS // nil: plain HTTP
	MaxBodyBytes Size
}

// TLS is a certificate and key in PEM files.
type TLS struct {
	Certificate, Key string
}

// SFTPListener is our SFTP server for partners' accounts.
type SFTPListener struct {
	Address string // host:port
	// HostKeyDir holds the host keys, generated on first start.
	HostKeyDir string
	// DataDir is the server's tree, DataDir/sftp (not configurable): a
	// partner's out/ folder is DataDir/partners/USER/out.
	DataDir string
}

// HTTPListener serves /healthz, /readyz and /metrics.
type HTTPListener struct {
	Address string // host:port
}

// AS2Identity is our AS2 certificate and key (PEM files).
type AS2Identity struct {
	Certificate, Key string
	// Generate creates a self-signed pair at Certificate and Key on
	// start when both are missing.
	Generate bool
	// CommonName is the subject of a generated certificate.
	CommonName string
}

// Journal configures the journal.
type Journal struct {
	// Retention is how long payloads are kept once their work is done;
	// zero keeps them forever.
	Retention time.Duration
}

// Demo configures the first-run demo material.
type Demo struct {
	// Enabled generates on start, into Dir, the demo partner's files that
	// are missing (DemoPartnerAS2Cert, ...).
	Enabled bool
	// Dir is DataDir/demo.
	Dir string
}

// The files demo.enabled generates, in Demo.Dir.
const (
	DemoPartnerAS2Key  = "partner-as2.key"     // the demo partner's AS2 key, for the openssl peer scripts
	DemoPartnerAS2Cert = "partner-as2.crt"     // its certificate
	DemoPartnerSSHKey  = "partner-ssh-key"     // an ed25519 key for the OpenSSH sftp client
	DemoPartnerSSHPub  = "partner-ssh-key.pub" // its public half, in authorized_keys format
)

// A Transport is a way files travel between a partner and us.
type Transport string

// The transports, by their names in the file.
const (
	TransportAS2        Transport = "as2"
	TransportSFTP       Transport = "sftp"        // an account on our SFTP server
	TransportRemoteSFTP Transport = "remote-sftp" // the partner's SFTP server
	TransportFolder     Transport = "folder"
	TransportNone       Transport = "none" // outbound only: the partner receives nothing
)

// A Partner is one trading partner.
type Partner struct {
	// ID names the partner in logs, the journal and metrics.
	ID   string
	Name string
	// GLN lists the partner's GLNs; outbound transactions go to the
	// partner whose GLN is among the receiver's identifiers.
	GLN []string
	// UNB is the partner's interchange id: the sender of what it sends,
	// the recipient of what we send. OurUNB is ours with this partner.
	UNB, OurUNB Party
	Messages    Messages
	EDIFACT     EDIFACT
	// Mapping is a file of table overrides (mapping.ParseOverrides);
	// empty for none.
	Mapping string
	// Inbound lists the transports the partner sends on; Outbound is the
	// one our documents go by (TransportNone for none).
	Inbound  []Transport
	Outbound Transport

	// The transports' settings; nil when not configured.
	AS2        *PartnerAS2
	SFTP       *PartnerSFTP
	RemoteSFTP *RemoteSFTP
	Folder     *Folder
}

// A Party is an interchange party: an id and its qualifier (UNB 0004 and
// 0007, "14" for a GLN).
type Party struct {
	ID, Qualifier string
}

// EDIFACT returns the party for an envelope.
func (p Party) EDIFACT() edifact.Party { return edifact.Party{ID: p.ID, Qualifier: p.Qualifier} }

// Messages are the EDIFACT message types (ORDERS, ...) exchanged with a
// partner, upper-case.
type Messages struct {
	// Inbound are accepted from the partner; all the mapping knows by
	// default.
	Inbound []string
	// Outbound are delivered to the partner; none by default.
	Outbound []string
}

// EDIFACT are the options of the interchanges we write to a partner, and
// the faults tolerated in those it sends.
type EDIFACT struct {
	Syntax    string // UNB syntax identifier, UNOA to UNOY
	Directory string // EANCOM directory: D96A or D01B
	AlwaysUNA bool   // write UNA even with the default delimiters
	LineBreak string // after each segment: "", "\n" or "\r\n"
	// Accept are the lenient faults tolerated, with a warning, in what
	// the partner sends.
	Accept edifact.Fault
	Test   bool // set the UNB test indicator
	// FileName is the template of an outbound file's name; see
	// EDIFACT.Name.
	FileName string
}

// PartnerAS2 is the AS2 profile of a partner.
type PartnerAS2 struct {
	ID    string // the partner's AS2 id
	OurID string // ours with this partner
	// Certificate is the partner's (PEM).
	Certificate string
	// OurCertificate and OurKey are ours with this partner: the
	// configuration's AS2 identity unless the partner has its own.
	OurCertificate, OurKey string
	// RequireSigned and RequireEncrypted refuse what the partner sends
	// unsigned or unencrypted.
	RequireSigned, RequireEncrypted bool

	// Sending. URL is empty when we do not send by AS2.
	URL          string
	Sign         crypto.Hash      // 0: unsigned
	Encrypt      cms.Cipher       // "": unencrypted
	KeyTransport cms.KeyTransport // never empty
	Compress     as2.Compression  // as2.NoCompression ("") by default
	MDN          as2.MDNMode
	SignedMDN    bool
	ContentType  string
	Timeout      time.Duration
}

// PartnerSFTP is a partner's account on our SFTP server.
type PartnerSFTP struct {
	User string
	// AuthorizedKeys is a file in OpenSSH authorized_keys format;
	// AuthorizedKeysInline the lines themselves. Either, both or neither
	// (with PasswordHash) may be set; AuthorizedKeysText joins them.
	AuthorizedKeys       string
	AuthorizedKeysInline string
	// PasswordHash is a bcrypt hash allowing a password login.
	PasswordHash         Secret
	ArchiveAfterDownload bool
	// HoldSuffixes are the name endings of uploads held until the client
	// renames them, stored only then (sftp.Account.HoldSuffixes): nil
	// means the server's default (.filepart and .part), an empty list
	// holds nothing.
	HoldSuffixes []string
}

// RemoteSFTP is the partner's own SFTP server, which we log in to.
type RemoteSFTP struct {
	Address    string // host or host:port
	User       string
	PrivateKey string // our key, a local file
	// PasswordEnv names the environment variable holding the password;
	// Password is its value when the configuration was loaded.
	PasswordEnv string
	Password    Secret
	KnownHosts  string // a local OpenSSH known_hosts file

	// Inbox, DoneDir and Outbox are folders on the partner's server.
	// Inbox is empty when we collect nothing, Outbox empty for the
	// login folder.
	Inbox, DoneDir, Outbox string
	Interval               time.Duration
	Pattern                string
	Completion             folder.Completion
}

// Folder is a partner's pair of local folders.
type Folder struct {
	// Inbox is watched for the partner's files, which go to Archive once
	// stored (by default Inbox/archive). Empty when we collect nothing.
	Inbox, Archive string
	// Outbox receives the files we deliver. Empty when we deliver none.
	Outbox     string
	Pattern    string
	Completion folder.Completion
}

package bridge

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/mapping"
	"github.com/edibridge/edibridge/procuros"
	"github.com/edibridge/edibridge/transport/as2"
	"github.com/edibridge/edibridge/transport/folder"
	"github.com/edibridge/edibridge/transport/sftp"
)

// Defaults of Options.
const (
	DefaultPollInterval  = 30 * time.Second
	DefaultSenders       = 4
	DefaultMDNTimeout    = 30 * time.Minute
	DefaultShutdownGrace = 10 * time.Second
	DefaultAS2Path       = "/as2"
	DefaultRetryInitial  = 10 * time.Second
	DefaultRetryMax      = 30 * time.Minute
)

// Options are everything a Bridge runs with; FromConfig makes them from
// the configuration file.
type Options struct {
	// JournalPath is the SQLite journal's file; required.
	JournalPath string
	// DataDir holds what the transports keep (SFTP host keys and partner
	// folders); required when an SFTP server runs.
	DataDir string
	// Procuros is the client of the Procuros API; required.
	Procuros *procuros.Client
	// Partners are the trading partners; at least one.
	Partners []*Partner

	// AS2, SFTP and HTTP are the listeners; nil runs none.
	AS2  *AS2Listener
	SFTP *SFTPListener
	HTTP *HTTPListener

	// PollInterval is the time between two looks at Procuros for incoming
	// transactions; zero means DefaultPollInterval.
	PollInterval time.Duration
	// Retention is how long payload bytes are kept after their work is
	// done; zero keeps them for ever.
	Retention time.Duration
	// Senders is how many messages are sent to Procuros at once; zero
	// means DefaultSenders.
	Senders int
	// MDNTimeout is how long an AS2 message waits for its asynchronous MDN
	// before it is sent again; zero means DefaultMDNTimeout.
	MDNTimeout time.Duration
	// RetryInitial is the wait before a message or delivery that failed
	// for a passing reason is tried again; it doubles with each failure up
	// to RetryMax. Zero means DefaultRetryInitial and DefaultRetryMax.
	RetryInitial, RetryMax time.Duration
	// ShutdownGrace is how long work under way may finish after the
	// bridge is told to stop; zero means DefaultShutdownGrace.
	ShutdownGrace time.Duration

	// Logger receives the structured log; nil discards it.
	Logger *slog.Logger
}

// A Partner is one trading partner as the bridge runs it.
type Partner struct {
	ID   string // names the partner in the journal, logs and metrics
	Name string
	// GLNs are the partner's global location numbers: an outbound
	// transaction goes to the partner whose GLN its receiving party has.
	GLNs []string
	// UNB is the partner's interchange id: the sender of what it sends
	// (checked when set) and the recipient of what we send. OurUNB is ours.
	UNB, OurUNB edifact.Party

	// InboundTypes and OutboundTypes are the EDIFACT message types taken
	// from and delivered to the partner.
	InboundTypes, OutboundTypes []string

	// Mapper maps the partner's messages, with its overrides.
	Mapper *mapping.Mapper
	// Accept are the EDIFACT faults tolerated in its files.
	Accept edifact.Fault
	// EDIFACT says how its outbound interchanges are written.
	EDIFACT EDIFACTOptions

	// Outbound is the transport outbound documents take: "as2", "sftp",
	// "remote-sftp", "folder", or "" for none.
	Outbound string

	// The partner's transports; nil for those it does not use.
	AS2        *as2.Partner
	SFTP       *sftp.Account
	RemoteSFTP *sftp.RemoteOptions // Sink is set by the bridge
	Folder     *FolderOptions
}

// EDIFACTOptions say how outbound interchanges are written for a partner.
type EDIFACTOptions struct {
	SyntaxID  string // default UNOC
	Directory string // D96A (default) or D01B
	AlwaysUNA bool
	LineBreak string // "", "\n" or "\r\n"
	Test      bool
	// FileName is the name template of outbound files: {partner}, {type}
	// (the EDIFACT type), {controlRef}, {transaction} (the Procuros id)
	// and {date} (YYYYMMDD) are replaced; "" means
	// "{type}_{controlRef}.edi".
	FileName string
}

// FolderOptions are a partner's folders: an inbox the bridge watches and
// an outbox it writes to.
type FolderOptions struct {
	Watcher *folder.WatcherOptions // Sink is set by the bridge; nil: no inbox
	Outbox  string                 // "": no outbox
}

// AS2Listener is the AS2 endpoint.
type AS2Listener struct {
	Address string
	Path    string // default DefaultAS2Path
	// TLS, when set, serves HTTPS.
	TLS *tls.Config
	// Receiver tunes the AS2 receiver; Partners, Sink, Quarantine, State
	// and AsyncMDNs are set by the bridge.
	Receiver as2.ReceiverOptions
}

// SFTPListener is the embedded SFTP server.
type SFTPListener struct {
	Address string
	// Server tunes it; Accounts, Sink and DataDir are set by the bridge
	// when empty.
	Server sftp.Options
}

// HTTPListener serves /healthz, /readyz and /metrics.
type HTTPListener struct {
	Address string
}

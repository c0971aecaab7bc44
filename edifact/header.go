package edifact

import (
	"fmt"
	"strings"
	"time"
)

// A Party identifies the sender or recipient of an interchange (UNB S002,
// S003) or of a group (UNG S006, S007).
type Party struct {
	ID          string `json:"id,omitempty"`          // 0004 / 0010 / 0040 / 0044
	Qualifier   string `json:"qualifier,omitempty"`   // 0007 partner identification code qualifier, e.g. "14" for GLN
	Routing     string `json:"routing,omitempty"`     // 0008 / 0014 reverse routing or routing address
	Internal    string `json:"internal,omitempty"`    // 0042 / 0046 internal identification (syntax version 4)
	InternalSub string `json:"internalSub,omitempty"` // 0043 / 0047 internal sub-identification (syntax version 4)
}

func (p Party) components() []string {
	return []string{p.ID, p.Qualifier, p.Routing, p.Internal, p.InternalSub}
}

func partyOf(e Element) Party {
	return Party{ID: e.Component(0), Qualifier: e.Component(1), Routing: e.Component(2), Internal: e.Component(3), InternalSub: e.Component(4)}
}

// String returns the identifier with its qualifier, e.g. "4012345000009:14".
func (p Party) String() string {
	if p.Qualifier == "" {
		return p.ID
	}
	return p.ID + ":" + p.Qualifier
}

// An InterchangeHeader holds the fields of a UNB segment.
type InterchangeHeader struct {
	SyntaxID               string `json:"syntaxId,omitempty"`               // 0001, e.g. "UNOC"
	SyntaxVersion          string `json:"syntaxVersion,omitempty"`          // 0002, e.g. "3"
	ServiceCodeListVersion string `json:"serviceCodeListVersion,omitempty"` // 0080 (syntax version 4)
	CharacterEncoding      string `json:"characterEncoding,omitempty"`      // 0133 (syntax version 4)
	Sender                 Party  `json:"sender"`                           // S002
	Recipient              Party  `json:"recipient"`                        // S003
	Date                   string `json:"date,omitempty"`                   // 0017: YYMMDD, or CCYYMMDD in syntax version 4
	Time                   string `json:"time,omitempty"`                   // 0019: HHMM
	ControlRef             string `json:"controlRef,omitempty"`             // 0020 interchange control reference
	RecipientRef           string `json:"-"`                                // 0022 recipient reference or password: kept out of JSON and logs
	RecipientRefQualifier  string `json:"recipientRefQualifier,omitempty"`  // 0025
	ApplicationRef         string `json:"applicationRef,omitempty"`         // 0026 application reference, often the message type
	Priority               string `json:"priority,omitempty"`               // 0029 processing priority code
	AckRequest             string `json:"ackRequest,omitempty"`             // 0031 acknowledgement request
	AgreementID            string `json:"agreementId,omitempty"`            // 0032 interchange agreement identifier
	TestIndicator          string `json:"testIndicator,omitempty"`          // 0035: "1" for a test interchange
}

// IsTest reports whether the interchange is marked as a test.
func (h *InterchangeHeader) IsTest() bool { return h.TestIndicator == "1" }

// Prepared returns the date and time of preparation (S004) in the given
// location (UTC if nil). Two-digit years are read as 20YY below 69 and as
// 19YY from 69 on.
func (h *InterchangeHeader) Prepared(loc *time.Location) (time.Time, error) {
	return parseServiceDateTime(h.Date, h.Time, loc)
}

// Segment returns the UNB segment of the header.
func (h InterchangeHeader) Segment() Segment {
	return NewSegment("UNB",
		[]string{h.SyntaxID, h.SyntaxVersion, h.ServiceCodeListVersion, h.CharacterEncoding},
		h.Sender.components(),
		h.Recipient.components(),
		[]string{h.Date, h.Time},
		[]string{h.ControlRef},
		[]string{h.RecipientRef, h.RecipientRefQualifier},
		[]string{h.ApplicationRef},
		[]string{h.Priority},
		[]string{h.AckRequest},
		[]string{h.AgreementID},
		[]string{h.TestIndicator},
	)
}

func parseInterchangeHeader(seg Segment) (InterchangeHeader, error) {
	h := InterchangeHeader{
		SyntaxID:               seg.Value(0, 0),
		SyntaxVersion:          seg.Value(0, 1),
		ServiceCodeListVersion: seg.Value(0, 2),
		CharacterEncoding:      seg.Value(0, 3),
		Sender:                 partyOf(seg.Element(1)),
		Recipient:              partyOf(seg.Element(2)),
		Date:                   seg.Value(3, 0),
		Time:                   seg.Value(3, 1),
		ControlRef:             seg.Value(4, 0),
		RecipientRef:           seg.Value(5, 0),
		RecipientRefQualifier:  seg.Value(5, 1),
		ApplicationRef:         seg.Value(6, 0),
		Priority:               seg.Value(7, 0),
		AckRequest:             seg.Value(8, 0),
		AgreementID:            seg.Value(9, 0),
		TestIndicator:          seg.Value(10, 0),
	}
	for _, f := range []struct {
		elem, comp int
		name       string
	}{{1, 1, "syntax identifier"}, {2, 1, "sender identification"}, {3, 1, "recipient identification"}, {5, 1, "interchange control reference"}} {
		if _, err := required(seg, f.elem, f.comp, f.name); err != nil {
			return h, err
		}
	}
	return h, nil
}

// A GroupHeader holds the fields of a UNG segment.
type GroupHeader struct {
	GroupID     string `json:"groupId,omitempty"`     // 0038 message group identification, e.g. "INVOIC"
	Sender      Party  `json:"sender"`                // S006 application sender
	Recipient   Party  `json:"recipient"`             // S007 application recipient
	Date        string `json:"date,omitempty"`        // 0017
	Time        string `json:"time,omitempty"`        // 0019
	Ref         string `json:"ref,omitempty"`         // 0048 group reference number
	Agency      string `json:"agency,omitempty"`      // 0051 controlling agency
	Version     string `json:"version,omitempty"`     // 0052 message version number (S008)
	Release     string `json:"release,omitempty"`     // 0054 message release number
	Association string `json:"association,omitempty"` // 0057 association assigned code
	Password    string `json:"-"`                     // 0058 application password: kept out of JSON and logs
}

// Segment returns the UNG segment of the header.
func (g GroupHeader) Segment() Segment {
	return NewSegment("UNG",
		[]string{g.GroupID},
		g.Sender.components()[:2],
		g.Recipient.components()[:2],
		[]string{g.Date, g.Time},
		[]string{g.Ref},
		[]string{g.Agency},
		[]string{g.Version, g.Release, g.Association},
		[]string{g.Password},
	)
}

func parseGroupHeader(seg Segment) (GroupHeader, error) {
	g := GroupHeader{
		GroupID:     seg.Value(0, 0),
		Sender:      partyOf(seg.Element(1)),
		Recipient:   partyOf(seg.Element(2)),
		Date:        seg.Value(3, 0),
		Time:        seg.Value(3, 1),
		Ref:         seg.Value(4, 0),
		Agency:      seg.Value(5, 0),
		Version:     seg.Value(6, 0),
		Release:     seg.Value(6, 1),
		Association: seg.Value(6, 2),
		Password:    seg.Value(7, 0),
	}
	_, err := required(seg, 5, 1, "group reference number")
	return g, err
}

// A MessageType is the message identifier of a UNH segment (S009), such as
// ORDERS:D:96A:UN:EAN008.
type MessageType struct {
	Type            string `json:"type,omitempty"`            // 0065, e.g. "ORDERS"
	Version         string `json:"version,omitempty"`         // 0052, e.g. "D"
	Release         string `json:"release,omitempty"`         // 0054, e.g. "96A"
	Agency          string `json:"agency,omitempty"`          // 0051, e.g. "UN"
	Association     string `json:"association,omitempty"`     // 0057, e.g. "EAN008" for an EANCOM subset
	CodeListVersion string `json:"codeListVersion,omitempty"` // 0110 (syntax version 4)
	SubFunction     string `json:"subFunction,omitempty"`     // 0113 (syntax version 4)
}

// String returns the identifier as it is written, e.g. "ORDERS:D:96A:UN:EAN008".
func (t MessageType) String() string {
	c := []string{t.Type, t.Version, t.Release, t.Agency, t.Association, t.CodeListVersion, t.SubFunction}
	n := len(c)
	for n > 1 && c[n-1] == "" {
		n--
	}
	return strings.Join(c[:n], ":")
}

// Directory returns the directory of the message, e.g. "D96A" or "D01B".
func (t MessageType) Directory() string { return t.Version + t.Release }

// A MessageHeader holds the fields of a UNH segment.
type MessageHeader struct {
	Ref             string      `json:"ref,omitempty"`             // 0062 message reference number
	Type            MessageType `json:"type"`                      // S009
	CommonAccessRef string      `json:"commonAccessRef,omitempty"` // 0068
	Sequence        string      `json:"sequence,omitempty"`        // 0070 sequence of transfers (S010)
	FirstLast       string      `json:"firstLast,omitempty"`       // 0073 first and last transfer: C or F
}

// Segment returns the UNH segment of the header.
func (h MessageHeader) Segment() Segment {
	t := h.Type
	return NewSegment("UNH",
		[]string{h.Ref},
		[]string{t.Type, t.Version, t.Release, t.Agency, t.Association, t.CodeListVersion, t.SubFunction},
		[]string{h.CommonAccessRef},
		[]string{h.Sequence, h.FirstLast},
	)
}

func parseMessageHeader(seg Segment) (MessageHeader, error) {
	s009 := seg.Element(1)
	h := MessageHeader{
		Ref: seg.Value(0, 0),
		Type: MessageType{
			Type: s009.Component(0), Version: s009.Component(1), Release: s009.Component(2),
			Agency: s009.Component(3), Association: s009.Component(4),
			CodeListVersion: s009.Component(5), SubFunction: s009.Component(6),
		},
		CommonAccessRef: seg.Value(2, 0),
		Sequence:        seg.Value(3, 0),
		FirstLast:       seg.Value(3, 1),
	}
	if _, err := required(seg, 1, 1, "message reference number"); err != nil {
		return h, err
	}
	_, err := required(seg, 2, 1, "message type")
	return h, err
}

// parseServiceDateTime reads the date (YYMMDD or CCYYMMDD) and time (HHMM)
// of a service segment.
func parseServiceDateTime(date, clock string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	layout := ""
	switch len(date) {
	case 6:
		layout = "060102"
	case 8:
		layout = "20060102"
	default:
		return time.Time{}, fmt.Errorf("edifact: date %q is neither YYMMDD nor CCYYMMDD", date)
	}
	if clock == "" {
		clock = "0000"
	}
	t, err := time.ParseInLocation(layout+"1504", date+clock, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("edifact: date and time %q %q: %w", date, clock, err)
	}
	return t, nil
}

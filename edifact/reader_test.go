package edifact

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

// readSegments reads all segments of input and returns them in the default
// syntax (Segment.String), the warnings, and the error that ended the read.
func readSegments(input string, accept Fault) ([]string, []*SyntaxError, error) {
	r := NewReader(strings.NewReader(input))
	r.Accept = accept
	var segs []string
	for {
		seg, err := r.Read()
		if err == io.EOF {
			return segs, r.Warnings(), nil
		}
		if err != nil {
			return segs, r.Warnings(), err
		}
		segs = append(segs, seg.String())
	}
}

// env wraps a message body in UNB..UNZ with the right counts.
func env(body ...string) string {
	return "UNB+UNOC:3+SENDER:14+RECIPIENT:14+260101:1200+REF1'" + msg("1", body...) + "UNZ+1+REF1'"
}

// msg returns UNH, the body and a UNT with the right count.
func msg(ref string, body ...string) string {
	var b strings.Builder
	b.WriteString("UNH+" + ref + "+ORDERS:D:96A:UN:EAN008'")
	for _, s := range body {
		b.WriteString(s + "'")
	}
	b.WriteString("UNT+" + strconv.Itoa(len(body)+2) + "+" + ref + "'")
	return b.String()
}

func TestReadBasics(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{
			name:  "defaults without UNA",
			input: "UNB+UNOC:3+S:14+R:14+260101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'UNZ+1+1'",
			want:  []string{"UNB+UNOC:3+S:14+R:14+260101:1200+1'", "UNH+1+ORDERS:D:96A:UN'", "BGM+220+PO1+9'", "UNT+3+1'", "UNZ+1+1'"},
		},
		{
			name:  "UNA with other separators",
			input: "UNA|^,\\ !UNB^UNOC|3^S|14^R|14^260101|1200^1!UNH^1^ORDERS|D|96A|UN!FTX^AAI^^^a\\^b\\|c\\\\d\\!e!UNT^3^1!UNZ^1^1!",
			want:  []string{"UNB+UNOC:3+S:14+R:14+260101:1200+1'", "UNH+1+ORDERS:D:96A:UN'", "FTX+AAI+++a^b|c\\d!e'", "UNT+3+1'", "UNZ+1+1'"},
		},
		{
			name:  "line breaks after terminators, LF and CRLF, and blank lines",
			input: "UNA:+.? '\r\nUNB+UNOC:3+S+R+260101:1200+1'\r\n\r\nUNH+1+ORDERS:D:96A:UN'\nBGM+220'\n\nUNT+3+1'\rUNZ+1+1'\n",
			want:  []string{"UNB+UNOC:3+S+R+260101:1200+1'", "UNH+1+ORDERS:D:96A:UN'", "BGM+220'", "UNT+3+1'", "UNZ+1+1'"},
		},
		{
			name:  "byte order mark before UNA",
			input: "\xEF\xBB\xBFUNA:+.? 'UNB+UNOC:3+S+R+260101:1200+1'UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+1'",
			want:  []string{"UNB+UNOC:3+S+R+260101:1200+1'", "UNH+1+X:D:96A:UN'", "UNT+2+1'", "UNZ+1+1'"},
		},
		{
			name:  "release character in every position",
			input: env("FTX+AAI+++??:?':?+:?:", "FTX+AAI+++?+a?+:b?'", "RFF+ON:???'??"),
			want:  []string{"FTX+AAI+++??:?':?+:?:'", "FTX+AAI+++?+a?+:b?''", "RFF+ON:???'??'"},
		},
		{
			name:  "syntax version 4: '*' repeats by default",
			input: "UNB+UNOC:4+S+R+20260101:1200+1'UNH+1+X:D:01B:UN'FTX+AAI+++a:b*c*d?*e'UNT+3+1'UNZ+1+1'",
			want:  []string{"FTX+AAI+++a:b*c*d?*e'"},
		},
		{
			name:  "syntax version 3: '*' is data",
			input: env("FTX+AAI+++4*5=20"),
			want:  []string{"FTX+AAI+++4*5=20'"},
		},
		{
			name:  "message-only input",
			input: "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+1'UNT+3+1'",
			want:  []string{"UNH+1+ORDERS:D:96A:UN:EAN008'", "BGM+220+1'", "UNT+3+1'"},
		},
		{
			name:  "message-only input after UNA",
			input: "UNA:+,? 'UNH+1+ORDERS:D:96A:UN:EAN008'QTY+21:1,5'UNT+3+1'",
			want:  []string{"UNH+1+ORDERS:D:96A:UN:EAN008'", "QTY+21:1,5'", "UNT+3+1'"},
		},
		{
			name:  "groups",
			input: "UNB+UNOC:3+S+R+260101:1200+1'UNG+INVOIC+A+B+260101:1200+G1+UN+D:96A'UNH+1+INVOIC:D:96A:UN'UNT+2+1'UNH+2+INVOIC:D:96A:UN'UNT+2+2'UNE+2+G1'UNZ+1+1'",
			want:  []string{"UNB+UNOC:3+S+R+260101:1200+1'", "UNG+INVOIC+A+B+260101:1200+G1+UN+D:96A'", "UNH+1+INVOIC:D:96A:UN'", "UNT+2+1'", "UNH+2+INVOIC:D:96A:UN'", "UNT+2+2'", "UNE+2+G1'", "UNZ+1+1'"},
		},
		{
			name:  "syntax level B information separators",
			input: "UNB\x1dUNOB\x1f1\x1dS\x1dR\x1d260101\x1f1200\x1d1\x1cUNH\x1d1\x1dX\x1fD\x1f96A\x1fUN\x1cFTX\x1dAAI\x1d\x1d\x1da+b:c'd?\x1cUNT\x1d3\x1d1\x1cUNZ\x1d1\x1d1\x1c",
			want:  []string{"FTX+AAI+++a?+b?:c?'d??'"},
		},
		{
			name:  "segment without data elements",
			input: env("UNS"),
			want:  []string{"UNS'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := readSegments(tt.input, 0)
			require.NoError(t, err)
			assert.Empty(t, warnings)
			if len(tt.want) < len(got) && !strings.HasPrefix(tt.want[0], "UNB") && !strings.HasPrefix(tt.want[0], "UNH") {
				got = got[2 : len(got)-2] // the body of env()
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadSeveralInterchanges(t *testing.T) {
	input := "UNA:+,? 'UNB+UNOC:3+S+R+260101:1200+A'UNH+1+X:D:96A:UN'QTY+21:1,5'UNT+3+1'UNZ+1+A'\n" +
		"UNA|^.\\ !UNB^UNOC|3^S^R^260101|1200^B!UNH^1^X|D|96A|UN!QTY^21|2.5!UNT^3^1!UNZ^1^B!\n" +
		"UNB+UNOA:3+S+R+260101:1200+C'UNH+1+X:D:96A:UN'QTY+21:3.5'UNT+3+1'UNZ+1+C'"
	r := NewReader(strings.NewReader(input))
	ics, err := r.ReadAll()
	require.NoError(t, err)
	require.Len(t, ics, 3)
	assert.True(t, ics[0].UNA)
	assert.Equal(t, byte(','), ics[0].Delimiters.Decimal)
	assert.Equal(t, byte('^'), ics[1].Delimiters.Element)
	assert.False(t, ics[2].UNA, "the third interchange has no UNA: the defaults apply again")
	assert.Equal(t, DefaultDelimiters, ics[2].Delimiters)
	for i, ref := range []string{"A", "B", "C"} {
		assert.Equal(t, ref, ics[i].Header.ControlRef)
		require.Len(t, ics[i].Messages, 1)
		assert.Equal(t, ics[i].Header, ics[i].Messages[0].Interchange)
	}
	assert.Equal(t, "2.5", ics[1].Messages[0].Segments[1].Value(0, 1))
	assert.Equal(t, 3, ics[2].Messages[0].Index, "messages are counted across the input")
}

func TestReadMessage(t *testing.T) {
	input := "UNA:+.? '\nUNB+UNOC:3+S+R+260101:1200+1'\n" + strings.ReplaceAll(msg("M1", "BGM+220+PO1+9", "DTM+137:20260101:102"), "'", "'\n") +
		strings.ReplaceAll(msg("M2", "BGM+220+PO2+9"), "'", "'\n") + "UNZ+2+1'\n"
	r := NewReader(strings.NewReader(input))
	m1, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "M1", m1.Header.Ref)
	assert.Equal(t, "ORDERS:D:96A:UN:EAN008", m1.Header.Type.String())
	assert.Equal(t, "D96A", m1.Header.Type.Directory())
	assert.Equal(t, 3, m1.Line)
	assert.Equal(t, 1, m1.Index)
	require.Len(t, m1.Segments, 4)
	assert.Equal(t, []string{"BGM", "DTM"}, tags(m1.Body()))
	assert.Equal(t, "260101", m1.Interchange.Date)
	m2, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, "M2", m2.Header.Ref)
	assert.Equal(t, "PO1", m1.Segments[1].Value(1, 0), "a message stays valid after the next read")
	_, err = r.ReadMessage()
	assert.Equal(t, io.EOF, err)
	_, err = r.ReadMessage()
	assert.Equal(t, io.EOF, err, "the end is sticky")
}

func tags(segs []Segment) []string {
	var out []string
	for _, s := range segs {
		out = append(out, s.Tag)
	}
	return out
}

func TestMessageOnlyInput(t *testing.T) {
	r := NewReader(strings.NewReader("UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+1'UNT+3+1'UNH+2+ORDERS:D:96A:UN:EAN008'UNT+2+2'"))
	ics, err := r.ReadAll()
	require.NoError(t, err)
	require.Len(t, ics, 1)
	assert.Nil(t, ics[0].Header)
	assert.Len(t, ics[0].Messages, 2)
	assert.Nil(t, ics[0].Messages[0].Interchange)
}

func TestHeaders(t *testing.T) {
	input := "UNB+UNOC:3+4012345000009:14:ROUTE+4098765000003:14+260315:0930+ICREF+PASSWORD:AA+ORDERS+A+1+AGREEMENT+1'" +
		"UNG+ORDERS+APP1:ZZ+APP2:ZZ+260315:0930+G1+UN+D:96A:EAN008+PW'" +
		"UNH+1+ORDERS:D:96A:UN:EAN008+CAR+1:F'UNT+2+1'UNE+1+G1'UNZ+1+ICREF'"
	r := NewReader(strings.NewReader(input))
	ics, err := r.ReadAll()
	require.NoError(t, err)
	h := ics[0].Header
	assert.Equal(t, InterchangeHeader{
		SyntaxID: "UNOC", SyntaxVersion: "3",
		Sender:    Party{ID: "4012345000009", Qualifier: "14", Routing: "ROUTE"},
		Recipient: Party{ID: "4098765000003", Qualifier: "14"},
		Date:      "260315", Time: "0930", ControlRef: "ICREF",
		RecipientRef: "PASSWORD", RecipientRefQualifier: "AA", ApplicationRef: "ORDERS",
		Priority: "A", AckRequest: "1", AgreementID: "AGREEMENT", TestIndicator: "1",
	}, *h)
	assert.True(t, h.IsTest())
	assert.Equal(t, "4012345000009:14", h.Sender.String())
	at, err := h.Prepared(nil)
	require.NoError(t, err)
	assert.Equal(t, "2026-03-15T09:30:00Z", at.Format("2006-01-02T15:04:05Z07:00"))
	g := ics[0].Groups[0].Header
	assert.Equal(t, GroupHeader{GroupID: "ORDERS", Sender: Party{ID: "APP1", Qualifier: "ZZ"}, Recipient: Party{ID: "APP2", Qualifier: "ZZ"},
		Date: "260315", Time: "0930", Ref: "G1", Agency: "UN", Version: "D", Release: "96A", Association: "EAN008", Password: "PW"}, g)
	m := ics[0].Messages[0]
	assert.Equal(t, MessageHeader{Ref: "1", Type: MessageType{Type: "ORDERS", Version: "D", Release: "96A", Agency: "UN", Association: "EAN008"},
		CommonAccessRef: "CAR", Sequence: "1", FirstLast: "F"}, m.Header)
	assert.Same(t, ics[0].Groups[0].Messages[0], m)
	// Each header turns back into the segment it came from.
	assert.True(t, h.Segment().Equal(mustSegment(t, input, 0)))
	assert.True(t, g.Segment().Equal(mustSegment(t, input, 1)))
	assert.True(t, m.Header.Segment().Equal(m.Segments[0]))
}

func mustSegment(t *testing.T, input string, n int) Segment {
	t.Helper()
	r := NewReader(strings.NewReader(input))
	for i := 0; ; i++ {
		seg, err := r.Read()
		require.NoError(t, err)
		if i == n {
			return seg
		}
	}
}

func TestPrepared(t *testing.T) {
	for _, tt := range []struct{ date, clock, want string }{
		{"260315", "0930", "2026-03-15 09:30"},
		{"991231", "2359", "1999-12-31 23:59"},
		{"20260315", "", "2026-03-15 00:00"},
	} {
		h := InterchangeHeader{Date: tt.date, Time: tt.clock}
		at, err := h.Prepared(nil)
		require.NoError(t, err)
		assert.Equal(t, tt.want, at.Format("2006-01-02 15:04"))
	}
	for _, bad := range []InterchangeHeader{{Date: "2603"}, {Date: "261315", Time: "0930"}, {Date: "260315", Time: "2561"}} {
		_, err := bad.Prepared(nil)
		assert.Error(t, err, bad)
	}
}

func TestCharsets(t *testing.T) {
	latin := func(s string) string {
		b, err := charmap.ISO8859_1.NewEncoder().String(s)
		require.NoError(t, err)
		return b
	}
	enc := func(cm *charmap.Charmap, s string) string {
		b, err := cm.NewEncoder().String(s)
		require.NoError(t, err)
		return b
	}
	withSyntax := func(id, body string) string {
		return "UNB+" + id + ":3+S+R+260101:1200+1'" + msg("1", body) + "UNZ+1+1'"
	}
	tests := []struct {
		name, input, want string
	}{
		{"UNOA upper case", withSyntax("UNOA", "FTX+AAI+++ABC 123 .,-()/=?'!\"%&*;<>"), "ABC 123 .,-()/='!\"%&*;<>"},
		{"UNOB lower case", withSyntax("UNOB", "FTX+AAI+++abc_xyz"), "abc_xyz"},
		{"UNOC umlauts", withSyntax("UNOC", latin("FTX+AAI+++Größe Äpfel ß")), "Größe Äpfel ß"},
		{"UNOD Latin-2", withSyntax("UNOD", enc(charmap.ISO8859_2, "FTX+AAI+++Łódź Świętokrzyska")), "Łódź Świętokrzyska"},
		{"UNOE Cyrillic", withSyntax("UNOE", enc(charmap.ISO8859_5, "FTX+AAI+++Москва")), "Москва"},
		{"UNOF Greek", withSyntax("UNOF", enc(charmap.ISO8859_7, "FTX+AAI+++Αθήνα")), "Αθήνα"},
		{"UNOW UTF-8", withSyntax("UNOW", "FTX+AAI+++Grüße 漢字 😀"), "Grüße 漢字 😀"},
		{"UNOY UTF-8", withSyntax("UNOY", "FTX+AAI+++Grüße"), "Grüße"},
		{"IATB as level B", withSyntax("IATB", "FTX+AAI+++lower"), "lower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.input))
			ics, err := r.ReadAll()
			require.NoError(t, err)
			assert.Equal(t, tt.want, ics[0].Messages[0].Segments[1].Value(3, 0))
		})
	}
}

// TestCharsetFaults: bytes outside the declared repertoire are an error at
// their offset, or in lenient mode a warning and the fallback decoding.
func TestCharsetFaults(t *testing.T) {
	tests := []struct {
		name     string
		syntax   string
		text     string // the FTX text, as bytes
		badIndex int    // index in text of the first bad byte
		msg      string
		fallback string // what lenient mode reads
	}{
		{"lower case in UNOA", "UNOA", "ABc", 2, "character 'c' is not in the repertoire of UNOA", "ABc"},
		{"'@' in UNOB", "UNOB", "a@b", 1, "character '@' is not in the repertoire of UNOB", "a@b"},
		{"Latin-1 byte in UNOA", "UNOA", "M\xfcller", 1, "byte 0xFC is not in the repertoire of UNOA", "Müller"},
		{"Windows-1252 euro in UNOC", "UNOC", "5 \x80", 2, "byte 0x80 is a control character in ISO 8859-1", "5 €"},
		{"UTF-8 in UNOC", "UNOC", "M\xc3\xbcller", 1, "bytes are UTF-8, not ISO 8859-1 as UNOC declares", "Müller"},
		{"undefined byte in UNOF", "UNOF", "A\xd2B", 1, "byte 0xD2 is not defined in ISO 8859-7", "AÒB"},
		{"invalid UTF-8 in UNOW", "UNOW", "ab\xfc", 2, "byte 0xFC is not valid UTF-8", "abü"},
		{"control character", "UNOC", "a\tb", 1, "control character 0x09 in data", "a\tb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := "UNB+" + tt.syntax + ":3+S+R+260101:1200+1'UNH+1+X:D:96A:UN'FTX+AAI+++"
			input := prefix + tt.text + "'UNT+3+1'UNZ+1+1'"
			_, _, err := readSegments(input, 0)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, FaultCharset, se.Fault)
			assert.Equal(t, int64(len(prefix)+tt.badIndex), se.Offset)
			assert.Equal(t, "FTX", se.Tag)
			assert.Equal(t, [4]int{3, 1, 2, 1}, [4]int{se.Segment, se.Message, se.MsgSegment, se.Component})
			assert.Equal(t, 4, se.Element)
			assert.Equal(t, tt.msg, se.Msg)

			segs, warnings, err := readSegments(input, FaultCharset)
			require.NoError(t, err)
			require.Len(t, warnings, 1)
			assert.Equal(t, se.Error(), warnings[0].Error())
			assert.Equal(t, "FTX+AAI+++"+escapeDefault(tt.fallback)+"'", segs[2])
		})
	}
}

func escapeDefault(s string) string {
	return strings.NewReplacer("?", "??", "'", "?'", "+", "?+", ":", "?:", "*", "?*").Replace(s)
}

func TestUnknownSyntax(t *testing.T) {
	input := "UNB+XXXX:3+S+R+260101:1200+1'UNH+1+X:D:96A:UN'FTX+AAI+++M\xfcller'UNT+3+1'UNZ+1+1'"
	_, _, err := readSegments(input, 0)
	assert.True(t, IsFault(err, FaultUnknownSyntax), err)
	assert.Contains(t, err.Error(), `segment 1 UNB, element 1 component 1: unknown syntax identifier "XXXX"`)
	segs, warnings, err := readSegments(input, FaultUnknownSyntax|FaultCharset)
	require.NoError(t, err)
	assert.Len(t, warnings, 2)
	assert.Equal(t, "FTX+AAI+++Müller'", segs[2])
}

package edifact

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaults provokes every tolerable fault: strict reading stops with a
// *SyntaxError at the exact place; lenient reading records the same error as
// a warning and returns the data.
func TestFaults(t *testing.T) {
	const unb = "UNB+UNOC:3+S+R+260101:1200+IC'"
	tests := []struct {
		name    string
		fault   Fault
		input   string
		want    string // the error, in full
		segs    []string
		at      string // where the error is: the first place of this text in the input ("": at its end)
		element int    // of the error
		tag     string // of the error
	}{
		{
			name: "UNT count", fault: FaultUNTCount,
			input: unb + "UNH+1+X:D:96A:UN'BGM+220'UNT+4+1'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), message 1 (UNH 1) segment 3 UNT, element 1 component 1: control count is 4, but there are 3 segments in the message",
			segs:  []string{"UNT+4+1'"}, at: "UNT+4", element: 1, tag: "UNT",
		},
		{
			name: "UNT count not a number", fault: FaultUNTCount,
			input: unb + "UNH+1+X:D:96A:UN'UNT+X+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 UNT, element 1 component 1: control count "X" is not a number (2 segments in the message)`,
			segs:  []string{"UNT+X+1'"}, at: "UNT+X", element: 1, tag: "UNT",
		},
		{
			name: "UNT reference", fault: FaultUNTReference,
			input: unb + "UNH+1+X:D:96A:UN'UNT+2+2'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 UNT, element 2 component 1: reference "2" differs from the UNH reference "1"`,
			segs:  []string{"UNT+2+2'"}, at: "UNT+2+2", element: 2, tag: "UNT",
		},
		{
			name: "zero-padded count", fault: FaultZeroPaddedCount,
			input: unb + "UNH+1+X:D:96A:UN'UNT+000002+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 UNT, element 1 component 1: control count "000002" has leading zeros`,
			segs:  []string{"UNT+000002+1'"}, at: "UNT+000002", element: 1, tag: "UNT",
		},
		{
			name: "UNZ count", fault: FaultUNZCount,
			input: unb + "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+2+IC'",
			want:  "edifact: line 1 (offset %d), segment 4 UNZ, element 1 component 1: control count is 2, but there are 1 messages in the interchange",
			segs:  []string{"UNZ+2+IC'"}, at: "UNZ+2", element: 1, tag: "UNZ",
		},
		{
			name: "UNZ reference", fault: FaultUNZReference,
			input: unb + "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+XX'",
			want:  `edifact: line 1 (offset %d), segment 4 UNZ, element 2 component 1: reference "XX" differs from the UNB reference "IC"`,
			segs:  []string{"UNZ+1+XX'"}, at: "UNZ+1+XX", element: 2, tag: "UNZ",
		},
		{
			name: "UNE count", fault: FaultUNECount,
			input: unb + "UNG+X+A+B+260101:1200+G'UNH+1+X:D:96A:UN'UNT+2+1'UNE+3+G'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), segment 5 UNE, element 1 component 1: control count is 3, but there are 1 messages in the group",
			segs:  []string{"UNE+3+G'"}, at: "UNE+3", element: 1, tag: "UNE",
		},
		{
			name: "UNE reference", fault: FaultUNEReference,
			input: unb + "UNG+X+A+B+260101:1200+G'UNH+1+X:D:96A:UN'UNT+2+1'UNE+1+H'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), segment 5 UNE, element 2 component 1: reference "H" differs from the UNG reference "G"`,
			segs:  []string{"UNE+1+H'"}, at: "UNE+1+H", element: 2, tag: "UNE",
		},
		{
			name: "UNT missing before the next UNH", fault: FaultMissingTrailer,
			input: unb + "UNH+1+X:D:96A:UN'BGM+220'UNH+2+X:D:96A:UN'UNT+2+2'UNZ+2+IC'",
			want:  "edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 UNH: message 1 (UNH 1, line 1) has no UNT before the UNH",
			segs:  []string{"UNH+2+X:D:96A:UN'"}, at: "UNH+2", tag: "UNH",
		},
		{
			name: "UNT and UNZ missing at the end", fault: FaultMissingTrailer,
			input: unb + "UNH+1+X:D:96A:UN'BGM+220'",
			want:  "edifact: line 1 (offset %d), message 1 (UNH 1): message 1 (UNH 1, line 1) has no UNT: the input ends",
			segs:  []string{"BGM+220'"}, at: "",
		},
		{
			name: "UNZ missing before the next UNB", fault: FaultMissingTrailer,
			input: unb + "UNH+1+X:D:96A:UN'UNT+2+1'" + unb + "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), segment 4 UNB: interchange IC has no UNZ before the UNB",
			segs:  []string{"UNB+UNOC:3+S+R+260101:1200+IC'"}, at: "second UNB", tag: "UNB",
		},
		{
			name: "UNE missing before UNZ", fault: FaultMissingTrailer,
			input: unb + "UNG+X+A+B+260101:1200+G'UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), segment 5 UNZ: group G has no UNE before the UNZ",
			segs:  []string{"UNZ+1+IC'"}, at: "UNZ+1", tag: "UNZ",
		},
		{
			name: "last segment unterminated", fault: FaultUnterminatedSegment,
			input: unb + "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+IC",
			want:  `edifact: line 1 (offset %d), segment 4 UNZ: input ends without a segment terminator '\''`,
			segs:  []string{"UNZ+1+IC'"}, at: "", tag: "UNZ",
		},
		{
			name: "segments ended by line breaks", fault: FaultLineTerminator,
			input: "UNB+UNOC:3+S+R+260101:1200+IC\nUNH+1+X:D:96A:UN\nUNT+2+1\nUNZ+1+IC\n",
			want:  `edifact: line 1 (offset %d), segment 1 UNB: segments end with line breaks, not with the segment terminator '\''`,
			segs:  []string{"UNB+UNOC:3+S+R+260101:1200+IC'", "UNH+1+X:D:96A:UN'", "UNT+2+1'", "UNZ+1+IC'"}, at: "\nUNH", tag: "UNB",
		},
		{
			name: "one segment ended by a line break", fault: FaultLineTerminator,
			input: unb + "UNH+1+X:D:96A:UN'BGM+220\nDTM+137:20260101:102'UNT+4+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 BGM: segment ends with a line break before DTM, not with the segment terminator '\''`,
			segs:  []string{"BGM+220'", "DTM+137:20260101:102'"}, at: "\n", tag: "BGM",
		},
		{
			name: "a lookalike of the terminator", fault: FaultLineTerminator,
			input: unb + "UNH+1+X:D:96A:UN'QTY+21:3\xe2\x80\x99GIR+001+5346:LCO'UNT+4+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 QTY: segment ends with a "’" (a lookalike of the terminator) before GIR, not with the segment terminator '\''`,
			segs:  []string{"QTY+21:3'", "GIR+001+5346:LCO'"}, at: "\xe2\x80\x99", tag: "QTY",
		},
		{
			name: "a line break inside a segment", fault: FaultLineBreak,
			input: unb + "UNH+1+X:D:96A:UN'DTM+137:2026\r\n0101:102'UNT+3+1'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 DTM: line break inside the segment",
			segs:  []string{"DTM+137:20260101:102'"}, at: "\r\n", tag: "DTM",
		},
		{
			name: "an empty segment", fault: FaultEmptySegment,
			input: unb + "UNH+1+X:D:96A:UN''UNT+2+1'UNZ+1+IC'",
			want:  "edifact: line 1 (offset %d), message 1 (UNH 1): empty segment (a stray segment terminator)",
			segs:  []string{"UNT+2+1'"}, at: "'UNT",
		},
		{
			name: "indentation", fault: FaultJunk,
			input: unb + "\nUNH+1+X:D:96A:UN'\n    UNT+2+1'\nUNZ+1+IC'",
			want:  `edifact: line 3 (offset %d), message 1 (UNH 1): unexpected "    " between segments`,
			segs:  []string{"UNT+2+1'"}, at: "    UNT",
		},
		{
			name: "a tilde after each terminator", fault: FaultJunk,
			input: "UNH+1+X:D:96A:UN'~BGM+220'~UNT+3+1'~",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1): unexpected "~" between segments`,
			segs:  []string{"UNH+1+X:D:96A:UN'", "BGM+220'", "UNT+3+1'"}, at: "~BGM",
		},
		{
			name: "a UNA one character short", fault: FaultMalformedUNA,
			input: "UNA:+.?'\n" + unb + "UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d): service string advice UNA":+.?'" has five characters, not six: read as UNA":+.? '"`,
			segs:  []string{"UNB+UNOC:3+S+R+260101:1200+IC'"}, at: "UNA",
		},
		{
			name: "a release character before an ordinary character", fault: FaultStrayRelease,
			input: unb + "UNH+1+X:D:96A:UN'FTX+AAI+++korrekt? Bitte'UNT+3+1'UNZ+1+IC'",
			want:  `edifact: line 1 (offset %d), message 1 (UNH 1) segment 2 FTX: release character '?' before ' ', which is not a service character`,
			segs:  []string{"FTX+AAI+++korrekt?? Bitte'"}, at: "? B", tag: "FTX",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readSegments(tt.input, 0)
			var se *SyntaxError
			require.ErrorAs(t, err, &se, "strict reading must fail")
			offset := faultOffset(t, tt.input, tt.at)
			want := fmt.Sprintf(tt.want, offset)
			assert.Equal(t, want, se.Error())
			assert.Equal(t, tt.fault, se.Fault)
			assert.Equal(t, offset, se.Offset)
			assert.Equal(t, tt.element, se.Element)
			assert.Equal(t, tt.tag, se.Tag)
			assert.True(t, IsFault(err, tt.fault))

			segs, warnings, err := readSegments(tt.input, tt.fault)
			require.NoError(t, err, "lenient reading must go on")
			require.NotEmpty(t, warnings)
			assert.Equal(t, want, warnings[0].Error())
			for _, s := range tt.segs {
				assert.Contains(t, segs, s)
			}
			// Accepting every other fault does not tolerate this one.
			_, _, err = readSegments(tt.input, AllFaults&^tt.fault)
			assert.True(t, IsFault(err, tt.fault), err)
		})
	}
}

// faultOffset returns the offset of at in input: its first place, the
// second UNB for "second UNB", the end for "", and one past the terminator
// for "'UNT".
func faultOffset(t *testing.T, input, at string) int64 {
	t.Helper()
	switch at {
	case "":
		return int64(len(input))
	case "second UNB":
		return int64(strings.LastIndex(input, "UNB"))
	case "'UNT":
		return int64(strings.Index(input, "''") + 1)
	}
	i := strings.Index(input, at)
	require.GreaterOrEqual(t, i, 0, "marker %q not in the input", at)
	return int64(i)
}

// TestHardErrors: defects no partner agreement can make readable.
func TestHardErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"tag of lower-case letters", "UNH+1+X:D:96A:UN'bgm+220'UNT+3+1'",
			`edifact: line 1 (offset 17), message 1 (UNH 1) segment 2: segment "bgm+220" does not start with a tag of three upper-case letters or digits`},
		{"tag too long", "UNH+1+X:D:96A:UN'BGMX+220'UNT+3+1'",
			`edifact: line 1 (offset 17), message 1 (UNH 1) segment 2: segment "BGMX+220" does not start with a tag of three upper-case letters or digits`},
		{"tag with components", "UNH+1+X:D:96A:UN'BGM:1+220'UNT+3+1'",
			`edifact: line 1 (offset 17), message 1 (UNH 1) segment 2 BGM: segment tag "BGM" has components (nesting indicators are not supported)`},
		{"segment outside a message", "UNB+UNOC:3+S+R+260101:1200+1'BGM+220'",
			"edifact: line 1 (offset 29), segment 2 BGM: segment BGM outside a message (no UNH before it)"},
		{"UNT without UNH", "UNB+UNOC:3+S+R+260101:1200+1'UNT+2+1'",
			"edifact: line 1 (offset 29), segment 2 UNT: UNT without UNH"},
		{"UNZ without UNB", "UNZ+1+1'", "edifact: line 1 (offset 0), segment 1 UNZ: UNZ without UNB"},
		{"UNE without UNG", "UNB+UNOC:3+S+R+260101:1200+1'UNE+1+1'", "edifact: line 1 (offset 29), segment 2 UNE: UNE without UNG"},
		{"UNG outside an interchange", "UNG+X+A+B+260101:1200+G'", "edifact: line 1 (offset 0), segment 1 UNG: UNG outside an interchange (no UNB before it)"},
		{"UNB without control reference", "UNB+UNOC:3+S+R+260101:1200'",
			"edifact: line 1 (offset 0), segment 1 UNB, element 5 component 1: UNB interchange control reference is missing"},
		{"UNH without reference", "UNH++X:D:96A:UN'", "edifact: line 1 (offset 0), segment 1 UNH, element 1 component 1: UNH message reference number is missing"},
		{"UNA with a separator twice", "UNA::.? 'UNB+UNOC:3+S+R+260101:1200+1'",
			`edifact: line 1 (offset 0): service string advice: component separator and data element separator are both ':'`},
		{"UNA with a letter", "UNA:+.?XA", `edifact: line 1 (offset 0): service string advice UNA":+.?XA" is incomplete: it needs six characters`},
		{"release character at the end", "UNH+1+X:D:96A:UN'BGM+220?", "edifact: line 1 (offset 24), message 1 (UNH 1) segment 2 BGM: release character at the end of the segment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readSegments(tt.input, AllFaults)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.False(t, IsFault(err, AllFaults), "not a tolerable fault")
		})
	}
}

func TestMaxSegmentSize(t *testing.T) {
	r := NewReader(strings.NewReader("UNH+1+X:D:96A:UN'FTX+AAI+++" + strings.Repeat("A", 5000) + "'UNT+3+1'"))
	r.MaxSegmentSize = 1000
	var err error
	for err == nil {
		_, err = r.Read()
	}
	assert.ErrorIs(t, err, ErrTooLong)
	assert.Contains(t, err.Error(), "segment 2 FTX: segment too long: no segment terminator '\\'' in 1000 bytes")
}

func TestWarningsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("UNH+1+X:D:96A:UN'")
	for range 50 {
		b.WriteString("  FTX+AAI'")
	}
	b.WriteString("UNT+52+1'")
	r := NewReader(strings.NewReader(b.String()))
	r.Accept = FaultJunk
	for {
		if _, err := r.Read(); err != nil {
			break
		}
	}
	w := r.Warnings()
	require.Len(t, w, MaxWarningsPerFault+1)
	assert.Equal(t, "30 more warnings of this kind (junk) left out", w[len(w)-1].Msg)
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("unt-count, charset,junk")
	require.NoError(t, err)
	assert.Equal(t, FaultUNTCount|FaultCharset|FaultJunk, f)
	assert.Equal(t, "unt-count,junk,charset", f.String())
	f, err = ParseFaults("all")
	require.NoError(t, err)
	assert.Equal(t, AllFaults, f)
	assert.Equal(t, "all", f.String())
	f, err = ParseFaults("none")
	require.NoError(t, err)
	assert.Equal(t, Fault(0), f)
	_, err = ParseFaults("unt-count,typo")
	assert.ErrorContains(t, err, `unknown fault "typo"`)
	var g Fault
	require.NoError(t, g.UnmarshalText([]byte("line-terminator")))
	text, err := g.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "line-terminator", string(text))
}

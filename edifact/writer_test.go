package edifact

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testHeader = InterchangeHeader{
	SyntaxID: "UNOC", SyntaxVersion: "3",
	Sender:    Party{ID: "4012345000009", Qualifier: "14"},
	Recipient: Party{ID: "4098765000003", Qualifier: "14"},
	Date:      "260315", Time: "0930", ControlRef: "IC1",
}

var ordersType = MessageType{Type: "ORDERS", Version: "D", Release: "96A", Agency: "UN", Association: "EAN008"}

// write runs fn on a Writer set up by setup and returns what it wrote.
func write(t *testing.T, setup func(*Writer), fn func(*Writer) error) (string, error) {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	if setup != nil {
		setup(w)
	}
	err := fn(w)
	if err == nil {
		err = w.Flush()
	}
	return b.String(), err
}

func TestWriterEnvelope(t *testing.T) {
	out, err := write(t, nil, func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(testHeader))
		for _, ref := range []string{"1", "2"} {
			require.NoError(t, w.BeginMessage(MessageHeader{Ref: ref, Type: ordersType}))
			require.NoError(t, w.WriteSegment(NewSegment("BGM", []string{"220"}, []string{"PO" + ref}, []string{"9"})))
			require.NoError(t, w.EndMessage())
		}
		return w.EndInterchange()
	})
	require.NoError(t, err)
	assert.Equal(t, "UNB+UNOC:3+4012345000009:14+4098765000003:14+260315:0930+IC1'"+
		"UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'UNT+3+1'"+
		"UNH+2+ORDERS:D:96A:UN:EAN008'BGM+220+PO2+9'UNT+3+2'"+
		"UNZ+2+IC1'", out)
}

func TestWriterFixesCountsAndReferences(t *testing.T) {
	out, err := write(t, func(w *Writer) { w.LineBreak = "\n" }, func(w *Writer) error {
		for _, s := range []Segment{
			NewSegment("UNB", []string{"UNOC", "3"}, []string{"S"}, []string{"R"}, []string{"260101", "1200"}, []string{"IC"}),
			NewSegment("UNG", []string{"ORDERS"}, []string{"A"}, []string{"B"}, []string{"260101", "1200"}, []string{"G1"}),
			NewSegment("UNH", []string{"M1"}, []string{"X", "D", "96A", "UN"}),
			NewSegment("BGM", []string{"220"}),
			NewSegment("UNT", []string{"99"}, []string{"WRONG"}),
			NewSegment("UNE", []string{"0"}, []string{"X"}),
			NewSegment("UNZ", []string{"7"}, []string{"Y"}),
		} {
			if err := w.WriteSegment(s); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "UNB+UNOC:3+S+R+260101:1200+IC'\nUNG+ORDERS+A+B+260101:1200+G1'\nUNH+M1+X:D:96A:UN'\nBGM+220'\nUNT+3+M1'\nUNE+1+G1'\nUNZ+1+IC'\n", out)
}

func TestWriterEscapes(t *testing.T) {
	seg := NewSegment("FTX", []string{"AAI"}, nil, nil, []string{"a?b", "c'd", "e+f", "g:h", "4*5"})
	out, err := write(t, nil, func(w *Writer) error {
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		return w.WriteSegment(seg)
	})
	require.NoError(t, err)
	assert.Equal(t, "UNH+1+ORDERS:D:96A:UN:EAN008'FTX+AAI+++a??b:c?'d:e?+f:g?:h:4*5'", out)
}

func TestWriterUNA(t *testing.T) {
	body := func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(testHeader))
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		require.NoError(t, w.WriteSegment(NewSegment("QTY", []string{"21", "1,5"})))
		require.NoError(t, w.EndMessage())
		return w.EndInterchange()
	}
	out, err := write(t, nil, body)
	require.NoError(t, err)
	assert.False(t, strings.HasPrefix(out, "UNA"), "default delimiters need no UNA")

	out, err = write(t, func(w *Writer) { w.AlwaysUNA = true }, body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "UNA:+.? 'UNB"), out)

	out, err = write(t, func(w *Writer) {
		w.Delimiters = Delimiters{Component: '^', Element: '|', Decimal: ',', Release: '\\', Segment: '~'}
		w.LineBreak = "\r\n"
	}, body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "UNA^|,\\ ~\r\nUNB|UNOC^3|"), out)
	assert.Contains(t, out, "QTY|21^1,5~\r\n")
}

func TestWriterSyntaxVersion4(t *testing.T) {
	h := testHeader
	h.SyntaxID, h.SyntaxVersion, h.Date = "UNOW", "4", "20260315"
	seg := NewSegment("FTX", []string{"AAI"}, nil, nil, []string{"eins"}).WithRepeat(3, "zwei", "drei*vier")
	out, err := write(t, nil, func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(h))
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		require.NoError(t, w.WriteSegment(seg))
		require.NoError(t, w.EndMessage())
		return w.EndInterchange()
	})
	require.NoError(t, err)
	assert.Contains(t, out, "FTX+AAI+++eins*zwei:drei?*vier'", "'*' repeats in version 4, and is escaped in data")
	assert.False(t, strings.HasPrefix(out, "UNA"), "'*' is the default of version 4")

	r := NewReader(strings.NewReader(out))
	ics, err := r.ReadAll()
	require.NoError(t, err)
	got := ics[0].Messages[0].Segments[1]
	assert.True(t, got.Equal(seg), "%s != %s", got, seg)
	occs := got.Occurrences(3)
	require.Len(t, occs, 2)
	assert.Equal(t, []string{"zwei", "drei*vier"}, occs[1].Components())

	_, err = write(t, nil, func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(testHeader))
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		return w.WriteSegment(seg)
	})
	assert.ErrorContains(t, err, "element repeats, but the syntax has no repetition separator")
}

func TestWriterCharsets(t *testing.T) {
	tests := []struct {
		syntax, text string
		want         string // the bytes of the text, or the error
	}{
		{"UNOC", "Größe", "Gr\xf6\xdfe"},
		{"UNOD", "Łódź", "\xa3\xf3d\xbc"},
		{"UNOW", "Grüße 漢字", "Grüße 漢字"},
		{"UNOA", "ABC", "ABC"},
		{"UNOA", "Abc", `write: character 'b' (U+0062) cannot be written in UNOA (UN/ECE level A (upper-case ASCII subset))`},
		{"UNOC", "5 €", `write: character '€' (U+20AC) cannot be written in UNOC (ISO 8859-1)`},
		{"UNOB", "a@b", `write: character '@' (U+0040) cannot be written in UNOB (UN/ECE level B (ASCII subset))`},
		{"UNOC", "a\tb", `write: character '\t' (U+0009) cannot be written in UNOC (ISO 8859-1)`},
		{"UNOW", "a\xffb", `write: text is not valid UTF-8 (byte 0xFF)`},
		{"UNOW", "a\ufffdb", "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.syntax+" "+tt.text, func(t *testing.T) {
			h := testHeader
			h.SyntaxID = tt.syntax
			out, err := write(t, nil, func(w *Writer) error {
				require.NoError(t, w.BeginInterchange(h))
				require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
				return w.WriteSegment(NewSegment("FTX", []string{"AAI"}, nil, nil, []string{"X", tt.text}))
			})
			if !strings.HasPrefix(tt.want, "write:") {
				require.NoError(t, err)
				assert.Contains(t, out, "FTX+AAI+++X:"+tt.want+"'")
				return
			}
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.want, se.Msg)
			assert.Equal(t, [4]int{3, 2, 4, 2}, [4]int{se.Segment, se.MsgSegment, se.Element, se.Component})
			assert.Equal(t, "FTX", se.Tag)
			assert.Contains(t, se.Error(), "message 1 (UNH 1) segment 2 FTX, element 4 component 2: write: ")
		})
	}
	_, err := write(t, nil, func(w *Writer) error {
		h := testHeader
		h.SyntaxID = "ABCD"
		return w.BeginInterchange(h)
	})
	assert.ErrorContains(t, err, `cannot encode to the unknown syntax identifier "ABCD"`)
}

func TestWriterLevelB(t *testing.T) {
	h := testHeader
	h.SyntaxID = "UNOB"
	levelB := func(w *Writer) { w.Delimiters = levelBDelimiters }
	out, err := write(t, levelB, func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(h))
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		require.NoError(t, w.WriteSegment(NewSegment("FTX", []string{"AAI"}, nil, nil, []string{"a+b:c'd?"})))
		require.NoError(t, w.EndMessage())
		return w.EndInterchange()
	})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "UNA\x1f\x1d.  \x1c"), "%q", out)
	assert.Contains(t, out, "FTX\x1dAAI\x1d\x1d\x1da+b:c'd?\x1c", "level B needs no escapes for ordinary punctuation")
	ics, err := NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, "a+b:c'd?", ics[0].Messages[0].Segments[1].Value(3, 0))
}

func TestWriterNesting(t *testing.T) {
	tests := []struct {
		name string
		segs []Segment
		want string
	}{
		{"data outside a message", []Segment{NewSegment("BGM", []string{"220"})}, "segment outside a message"},
		{"UNT without UNH", []Segment{{Tag: "UNT"}}, "no message is open"},
		{"UNB twice", []Segment{testHeader.Segment(), testHeader.Segment()}, "interchange IC1 is still open"},
		{"UNH in a message", []Segment{MessageHeader{Ref: "1", Type: ordersType}.Segment(), MessageHeader{Ref: "2", Type: ordersType}.Segment()}, "message 1 is still open"},
		{"UNZ in a message", []Segment{testHeader.Segment(), MessageHeader{Ref: "1", Type: ordersType}.Segment(), {Tag: "UNZ"}}, "no interchange is open, or a message or group in it is"},
		{"bad tag", []Segment{{Tag: "bgm"}}, `tag "bgm" is not three upper-case letters or digits`},
		{"UNB without reference", []Segment{NewSegment("UNB", []string{"UNOC", "3"}, []string{"S"}, []string{"R"})}, "UNB interchange control reference is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := write(t, nil, func(w *Writer) error {
				for _, s := range tt.segs {
					if err := w.WriteSegment(s); err != nil {
						return err
					}
				}
				return nil
			})
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestWriterMessageOnly(t *testing.T) {
	out, err := write(t, func(w *Writer) { w.Syntax = "UNOA" }, func(w *Writer) error {
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		require.NoError(t, w.WriteSegment(NewSegment("BGM", []string{"220"})))
		return w.EndMessage()
	})
	require.NoError(t, err)
	assert.Equal(t, "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+220'UNT+3+1'", out)
	_, err = write(t, func(w *Writer) { w.Syntax = "UNOA" }, func(w *Writer) error {
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		return w.WriteSegment(NewSegment("BGM", []string{"ü"}))
	})
	assert.ErrorContains(t, err, "cannot be written in UNOA")
}

func TestWriterTrimsTrailingEmpties(t *testing.T) {
	seg := NewSegment("NAD", []string{"BY"}, []string{"123", "", "9", ""}, []string{""}, []string{"Name", ""}, []string{}, []string{""})
	assert.Equal(t, "NAD+BY+123::9++Name'", seg.String())
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriterReportsWriteErrors(t *testing.T) {
	boom := errors.New("disk full")
	w := NewWriter(failingWriter{boom})
	require.NoError(t, w.BeginInterchange(testHeader)) // buffered
	err := w.Flush()
	assert.ErrorIs(t, err, boom)
	assert.ErrorIs(t, w.Error(), boom)
	assert.ErrorIs(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}), boom, "errors are sticky")
}

func TestWriteMessageAddsUNT(t *testing.T) {
	r := NewReader(strings.NewReader("UNH+1+X:D:96A:UN'BGM+220'"))
	r.Accept = FaultMissingTrailer | FaultUnterminatedSegment
	m, err := r.ReadMessage()
	require.NoError(t, err)
	out, err := write(t, nil, func(w *Writer) error { return w.WriteMessage(m) })
	require.NoError(t, err)
	assert.Equal(t, "UNH+1+X:D:96A:UN'BGM+220'UNT+3+1'", out)
}

func TestWriterGroups(t *testing.T) {
	g := GroupHeader{GroupID: "INVOIC", Sender: Party{ID: "A"}, Recipient: Party{ID: "B"}, Date: "260101", Time: "1200", Ref: "G1", Agency: "UN", Version: "D", Release: "96A"}
	out, err := write(t, nil, func(w *Writer) error {
		require.NoError(t, w.BeginInterchange(testHeader))
		require.NoError(t, w.BeginGroup(g))
		require.NoError(t, w.BeginMessage(MessageHeader{Ref: "1", Type: ordersType}))
		require.NoError(t, w.EndMessage())
		require.NoError(t, w.EndGroup())
		return w.EndInterchange()
	})
	require.NoError(t, err)
	assert.Equal(t, "UNB+UNOC:3+4012345000009:14+4098765000003:14+260315:0930+IC1'UNG+INVOIC+A+B+260101:1200+G1+UN+D:96A'"+
		"UNH+1+ORDERS:D:96A:UN:EAN008'UNT+2+1'UNE+1+G1'UNZ+1+IC1'", out)
	r := NewReader(strings.NewReader(out))
	ics, err := r.ReadAll()
	require.NoError(t, err)
	assert.Equal(t, g, ics[0].Groups[0].Header)
	assert.Equal(t, DefaultDelimiters, r.Delimiters())
}

package edifact

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds seeds a fuzz target with our fixtures and with the edge cases of
// the table tests.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"UNA:+.? 'UNB+UNOC:3+S+R+260101:1200+1'UNH+1+X:D:96A:UN'FTX+AAI+++??:?':?+'UNT+3+1'UNZ+1+1'",
		"UNB+UNOC:4+S+R+20260101:1200+1'UNH+1+X:D:01B:UN'FTX+AAI+++a:b*c?*d'UNT+3+1'UNZ+1+1'",
		"UNB\x1dUNOB\x1f1\x1dS\x1dR\x1d260101\x1f1200\x1d1\x1cUNH\x1d1\x1dX\x1fD\x1f96A\x1fUN\x1cUNT\x1d2\x1d1\x1cUNZ\x1d1\x1d1\x1c",
		"UNB+UNOC:3+S+R+260101:1200+IC\nUNH+1+X:D:96A:UN\nUNT+2+1\nUNZ+1+IC\n",
		"UNA:+.?'\nUNH+1+X:D:96A:UN'QTY+21:3\xe2\x80\x99GIR+001'UNT+3+1'",
		"\xEF\xBB\xBFUNH+1+X:D:96A:UN'~BGM+220'~UNT+3+1'~  ''",
		"UNB+UNOA:3+S+R+260101:1200+1'UNG+X+A+B+260101:1200+G'UNH+1+X:D:96A:UN'FTX+AAI+++M\xfcller? x'UNT+2+1'UNE+2+G'UNZ+1+X'",
	} {
		f.Add([]byte(s))
	}
}

// FuzzReader: no input makes the Reader panic or loop, every error is a
// *SyntaxError (or a read error) whose place lies within the input, and a
// strict reading never gets further than a lenient one.
func FuzzReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, accept := range []Fault{0, AllFaults} {
			r := NewReader(bytes.NewReader(data))
			r.Accept = accept
			for n := 0; ; n++ {
				seg, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					var se *SyntaxError
					if !errors.As(err, &se) {
						t.Fatalf("error is not a *SyntaxError: %v", err)
					}
					if se.Offset < 0 || se.Offset > int64(len(data)) || se.Line < 1 {
						t.Fatalf("error place outside the input (%d bytes): %+v", len(data), se)
					}
					break
				}
				if seg.Offset < 0 || seg.Offset+3 > int64(len(data)) || string(data[seg.Offset:seg.Offset+3]) != seg.Tag {
					t.Fatalf("segment %s at offset %d does not start with its tag", seg.Tag, seg.Offset)
				}
				if n > len(data) {
					t.Fatalf("more segments than bytes")
				}
			}
		}
	})
}

// FuzzRoundTrip: whatever a lenient reading makes of the input, the Writer
// writes it (or refuses with a *SyntaxError), and a strict reading of that
// gives the same messages back.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		r.Accept = AllFaults
		var msgs []*Message
		for {
			m, err := r.ReadMessage()
			if err != nil {
				break
			}
			msgs = append(msgs, m)
		}
		if len(msgs) == 0 {
			return
		}
		for _, m := range msgs {
			for _, seg := range m.Segments {
				checkAccessors(t, seg)
			}
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Delimiters = defaultsFor("4")
		h := InterchangeHeader{SyntaxID: "UNOW", SyntaxVersion: "4", Sender: Party{ID: "S"}, Recipient: Party{ID: "R"}, ControlRef: "1"}
		if err := w.BeginInterchange(h); err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if err := w.WriteMessage(m); err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("write error is not a *SyntaxError: %v", err)
				}
				return // text the syntax cannot carry, such as control characters
			}
		}
		if err := w.EndInterchange(); err != nil {
			t.Fatal(err)
		}
		again, err := NewReader(bytes.NewReader(out.Bytes())).ReadAll()
		if err != nil {
			t.Fatalf("the Writer's output does not read strictly: %v\n%q", err, out.Bytes())
		}
		got := again[0].Messages
		if len(got) != len(msgs) {
			t.Fatalf("%d messages written, %d read back", len(msgs), len(got))
		}
		for k, m := range msgs {
			for n, seg := range m.Segments {
				if seg.Tag == "UNT" {
					continue
				}
				if !seg.Equal(got[k].Segments[n]) {
					t.Fatalf("message %d segment %d: %s != %s", k+1, n+1, seg, got[k].Segments[n])
				}
			}
		}
	})
}

// checkAccessors: Value, the fast path, agrees with Element and Component,
// and Locate's index is that component's place in the order of Components.
func checkAccessors(t *testing.T, seg Segment) {
	var flat []Position
	for p := range seg.Components() {
		flat = append(flat, p)
	}
	for i := -1; i <= seg.Len()+1; i++ {
		e := seg.Element(i)
		for j := -1; j <= e.Len()+1; j++ {
			if got, want := seg.Value(i, j), e.Component(j); got != want {
				t.Fatalf("%s: Value(%d, %d) = %q, Element(%d).Component(%d) = %q", seg, i, j, got, i, j, want)
			}
			_, k := seg.Locate(i, j)
			switch {
			case j < 0 || j >= e.Len():
				if k != -1 {
					t.Fatalf("%s: Locate(%d, %d) = %d, want -1", seg, i, j, k)
				}
			case k < 0 || k >= len(flat) || flat[k] != (Position{Element: i, Component: j}):
				t.Fatalf("%s: Locate(%d, %d) = %d, not the place of that component", seg, i, j, k)
			}
		}
	}
}

package edifact

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rewrite reads data leniently and writes it again with the same
// delimiters, UNA choice and line breaks. A file whose text is outside its
// declared character set is written as UNOW (UTF-8) instead.
func rewrite(t *testing.T, data []byte) (out []byte, ics []*Interchange) {
	t.Helper()
	r := NewReader(bytes.NewReader(data))
	r.Accept = AllFaults
	ics, err := r.ReadAll()
	require.NoError(t, err)
	charsetFault := false
	for _, w := range r.Warnings() {
		charsetFault = charsetFault || w.Fault&(FaultCharset|FaultUnknownSyntax) != 0
	}
	var b bytes.Buffer
	for _, ic := range ics {
		w := NewWriter(&b)
		w.Delimiters, w.AlwaysUNA, w.LineBreak = ic.Delimiters, ic.UNA, lineBreakOf(data)
		if ic.Header != nil {
			h := *ic.Header
			if charsetFault {
				h.SyntaxID = "UNOW"
			}
			require.NoError(t, w.BeginInterchange(h))
		} else if charsetFault {
			w.Syntax = "UNOW"
		}
		for _, m := range ic.Messages {
			require.NoError(t, w.WriteMessage(m))
		}
		if ic.Header != nil {
			require.NoError(t, w.EndInterchange())
		}
		require.NoError(t, w.Flush())
	}
	return b.Bytes(), ics
}

func lineBreakOf(data []byte) string {
	switch {
	case bytes.Contains(data, []byte("\r\n")):
		return "\r\n"
	case bytes.Contains(data, []byte("\n")):
		return "\n"
	}
	return ""
}

// TestRoundTrip: read → write → read gives the same segments, for our
// fixtures and for every file of the corpus; what the Writer writes is clean
// (a strict reading finds no fault), whatever the input carried.
func TestRoundTrip(t *testing.T) {
	identical := 0
	files := inputFiles(t)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		out, before := rewrite(t, data)
		after, err := NewReader(bytes.NewReader(out)).ReadAll()
		require.NoError(t, err, "%s: the rewritten interchange must read strictly:\n%s", file, out)
		require.Len(t, after, len(before), file)
		for i := range before {
			a, b := before[i].Messages, after[i].Messages
			require.Len(t, b, len(a), file)
			for k := range a {
				require.Len(t, b[k].Segments, len(a[k].Segments)+missingUNT(a[k]), file)
				for n, seg := range a[k].Segments {
					if seg.Tag == "UNT" {
						continue // its count and reference are the Writer's own
					}
					assert.True(t, seg.Equal(b[k].Segments[n]), "%s message %d segment %d: %s != %s", file, k+1, n+1, seg, b[k].Segments[n])
				}
			}
		}
		if bytes.Equal(out, data) {
			identical++
		}
	}
	t.Logf("round trip: %d files, %d written back byte for byte", len(files), identical)
}

func missingUNT(m *Message) int {
	if m.Segments[len(m.Segments)-1].Tag == "UNT" {
		return 0
	}
	return 1
}

// TestRoundTripCanonical: our own fixtures are canonical, so writing what was
// read gives the very same bytes.
func TestRoundTripCanonical(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "bad_") {
			continue
		}
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		out, _ := rewrite(t, data)
		assert.Equal(t, string(data), string(out), file)
	}
}

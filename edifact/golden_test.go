package edifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/edi")

const testdataDir = "../testdata/edi"

// A syntaxDump is what a golden NAME.syntax.json holds for NAME.edi: the
// interchanges as read in lenient mode, the warnings, and the error a strict
// reading stops at (if any).
type syntaxDump struct {
	StrictError  string            `json:"strictError,omitempty"`
	Warnings     []string          `json:"warnings,omitempty"`
	Interchanges []interchangeDump `json:"interchanges"`
}

type interchangeDump struct {
	UNA        bool               `json:"una"`
	Delimiters string             `json:"delimiters"`
	Header     *InterchangeHeader `json:"header,omitempty"`
	Groups     []GroupHeader      `json:"groups,omitempty"`
	Messages   []messageDump      `json:"messages"`
}

type messageDump struct {
	Header   MessageHeader `json:"header"`
	Line     int           `json:"line"`
	Segments []segmentDump `json:"segments"`
}

// segmentDump writes a segment as [tag, element, element, ...], each element
// a list of components, or, if it repeats, an object listing its occurrences.
type segmentDump []any

func dumpSegment(s Segment) segmentDump {
	d := segmentDump{s.Tag}
	for i := range s.Len() {
		occs := s.Occurrences(i)
		if len(occs) == 1 {
			d = append(d, occs[0].Components())
			continue
		}
		var all [][]string
		for _, o := range occs {
			all = append(all, o.Components())
		}
		d = append(d, map[string][][]string{"occurrences": all})
	}
	return d
}

func dumpInput(t *testing.T, data []byte) syntaxDump {
	t.Helper()
	var d syntaxDump
	if _, err := NewReader(bytes.NewReader(data)).ReadAll(); err != nil {
		d.StrictError = err.Error()
	}
	r := NewReader(bytes.NewReader(data))
	r.Accept = AllFaults
	ics, err := r.ReadAll()
	require.NoError(t, err, "lenient reading must not fail")
	for _, w := range r.Warnings() {
		d.Warnings = append(d.Warnings, w.Error())
	}
	for _, ic := range ics {
		icd := interchangeDump{UNA: ic.UNA, Delimiters: string(ic.Delimiters.una()[3:]), Header: ic.Header}
		for _, g := range ic.Groups {
			icd.Groups = append(icd.Groups, g.Header)
		}
		for _, m := range ic.Messages {
			md := messageDump{Header: m.Header, Line: m.Line}
			for _, s := range m.Segments {
				md.Segments = append(md.Segments, dumpSegment(s))
			}
			icd.Messages = append(icd.Messages, md)
		}
		d.Interchanges = append(d.Interchanges, icd)
	}
	return d
}

// render writes a dump as indented JSON with one line per segment, so that
// a golden file reads like the interchange and diffs like one.
func (d syntaxDump) render() ([]byte, error) {
	var b bytes.Buffer
	put := func(indent, key string, v any, comma bool) error {
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s%q: %s", indent, key, j)
		if comma {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		return nil
	}
	b.WriteString("{\n")
	if d.StrictError != "" {
		put("  ", "strictError", d.StrictError, true)
	}
	if len(d.Warnings) > 0 {
		b.WriteString("  \"warnings\": [\n")
		for i, w := range d.Warnings {
			j, _ := json.Marshal(w)
			fmt.Fprintf(&b, "    %s%s\n", j, commaUnless(i == len(d.Warnings)-1))
		}
		b.WriteString("  ],\n")
	}
	b.WriteString("  \"interchanges\": [\n")
	for i, ic := range d.Interchanges {
		b.WriteString("    {\n")
		put("      ", "una", ic.UNA, true)
		put("      ", "delimiters", ic.Delimiters, true)
		if ic.Header != nil {
			put("      ", "header", ic.Header, true)
		}
		if len(ic.Groups) > 0 {
			put("      ", "groups", ic.Groups, true)
		}
		b.WriteString("      \"messages\": [\n")
		for k, m := range ic.Messages {
			b.WriteString("        {\n")
			put("          ", "header", m.Header, true)
			put("          ", "line", m.Line, true)
			b.WriteString("          \"segments\": [\n")
			for n, s := range m.Segments {
				j, err := json.Marshal(s)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(&b, "            %s%s\n", j, commaUnless(n == len(m.Segments)-1))
			}
			b.WriteString("          ]\n")
			fmt.Fprintf(&b, "        }%s\n", commaUnless(k == len(ic.Messages)-1))
		}
		b.WriteString("      ]\n")
		fmt.Fprintf(&b, "    }%s\n", commaUnless(i == len(d.Interchanges)-1))
	}
	b.WriteString("  ]\n}\n")
	if !json.Valid(b.Bytes()) {
		return nil, fmt.Errorf("rendered dump is not valid JSON:\n%s", b.Bytes())
	}
	return b.Bytes(), nil
}

func commaUnless(last bool) string {
	if last {
		return ""
	}
	return ","
}

// TestGolden reads every interchange in testdata/edi and compares what it
// finds with NAME.syntax.json beside it (go test -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			got, err := dumpInput(t, data).render()
			require.NoError(t, err)
			golden := strings.TrimSuffix(file, ".edi") + ".syntax.json"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			if errors.Is(err, os.ErrNotExist) {
				t.Fatalf("no golden file %s: run go test ./edifact -run TestGolden -update and review it", golden)
			}
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestGoldenFixturesAreClean: the project's own fixtures are meant to be
// correct EDIFACT, readable without a single tolerated fault.
func TestGoldenFixturesAreClean(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	require.NoError(t, err)
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "bad_") {
			continue // fixtures of faulty input, for the tests of error paths
		}
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		_, err = NewReader(bytes.NewReader(data)).ReadAll()
		assert.NoError(t, err, file)
	}
}

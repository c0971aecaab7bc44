package structure

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/internal/edigen"
)

// corpusDir holds the shared sample interchanges, beside the repository.
const corpusDir = "../../../shared/fixtures/edi"

// corpusExceptions are EANCOM-labelled files that do not fit their
// structure, each for a reason in the file itself, not in the structure.
var corpusExceptions = map[string]string{
	"INVOIC/edi-net__edifact.Issue203.edi": "a parser test sample without BGM (it tests indented segments)",
	"INVOIC/effektor__invoic_iway_d97a.edi": "its summary has MOA+86 before CNT; INVOIC D97A, like D96A, " +
		"has CNT before the SG48 MOA",
	"ORDERS/ctracy88__Sample_ORDER.edi": "a truncated sample: it ends after an IMD, without UNS and UNT",
}

// TestCorpus builds every message of the shared samples with the structure
// its UNH names and prints one line per file. EANCOM-labelled messages must
// build without error-level problems, except the files listed above.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("no sample corpus at %s: %v", corpusDir, err)
	}
	for _, folder := range []string{"ORDERS", "DESADV", "INVOIC", "ORDRSP", "RECADV"} {
		files, err := filepath.Glob(filepath.Join(corpusDir, folder, "*"))
		require.NoError(t, err)
		for _, path := range files {
			name := folder + "/" + filepath.Base(path)
			line, failures := buildCorpusFile(t, path)
			t.Logf("%-60s %s", name, line)
			if reason, ok := corpusExceptions[name]; ok {
				assert.NotEmpty(t, failures, "%s is listed as an exception (%s) but builds cleanly", name, reason)
				continue
			}
			assert.Empty(t, failures, name)
		}
	}
}

// buildCorpusFile reads a file leniently and builds its messages. It returns
// a summary line and the error-level problems of EANCOM-labelled messages.
func buildCorpusFile(t *testing.T, path string) (line string, failures []string) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	r := edifact.NewReader(bytes.NewReader(data))
	r.Accept = edifact.AllFaults
	var messages, segments, placed int
	kinds := map[string]int{}
	for {
		m, err := r.ReadMessage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			kinds["read error"]++
			break
		}
		messages++
		segments += len(m.Segments)
		s, err := Lookup(m.Header.Type)
		if err != nil {
			kinds["no structure"]++
			continue
		}
		_, problems := Build(m, s)
		placed += len(m.Segments)
		eancom := strings.HasPrefix(m.Header.Type.Association, "EAN")
		for _, p := range problems {
			kinds[p.Kind.String()]++
			if p.Kind == Unknown || p.Kind == Misplaced {
				placed--
			}
			if eancom && p.Severity == Error {
				failures = append(failures, p.Error())
			}
		}
	}
	var counts []string
	for k, n := range kinds {
		counts = append(counts, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(counts)
	if len(counts) == 0 {
		counts = []string{"none"}
	}
	return fmt.Sprintf("%d messages, %d/%d segments placed, problems: %s",
		messages, placed, segments, strings.Join(counts, ", ")), failures
}

// BenchmarkBuild builds the trees of a generated interchange of 2000
// ORDERS, DESADV and INVOIC messages with 20 lines each. Bytes are those of
// the interchange, so MB/s compares with the reader's throughput.
func BenchmarkBuild(b *testing.B) {
	var buf bytes.Buffer
	if _, err := edigen.Write(&buf, edigen.Options{Messages: 2000, Lines: 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	r := edifact.NewReader(bytes.NewReader(buf.Bytes()))
	var messages []*edifact.Message
	var structures []*Structure
	for {
		m, err := r.ReadMessage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		s, err := Lookup(m.Header.Type)
		if err != nil {
			b.Fatal(err)
		}
		messages = append(messages, m)
		structures = append(structures, s)
	}
	for i, m := range messages {
		if _, problems := Build(m, structures[i]); len(problems) > 0 {
			b.Fatalf("generated message %d does not fit: %v", i+1, problems[0])
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		for i, m := range messages {
			Build(m, structures[i])
		}
	}
}

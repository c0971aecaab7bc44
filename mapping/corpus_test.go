package mapping

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/edibridge/edibridge/edifact"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir holds the shared sample interchanges, beside the repository.
const corpusDir = "../../shared/fixtures/edi"

// corpusMapped are the sample files whose every message the built-in tables
// map; the other samples carry qualifiers, codes or omissions a partner's
// tables would have to settle (the test prints which).
var corpusMapped = []string{
	"ORDERS/estratocloud__order.edi",
	"ORDERS/pydifact__order.edi",
	"ORDERS/swms-mediator__A_ELOS_12587-1.edi",
	"ORDERS/swms-mediator__A_ELOS_12587-2.edi",
	"DESADV/desadv-validator__DESADV_no_line_break.txt",
}

// TestCorpus maps every ORDERS, DESADV and INVOIC message of the shared
// samples (read leniently) and prints one line per file and, at the end,
// the problems by how often they stop a message. Whatever a sample holds,
// each problem must name its place, each transaction must satisfy the spec
// and come back the same through EDIFACT.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("no sample corpus at %s: %v", corpusDir, err)
	}
	m, err := New(nil)
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, folder := range []string{"ORDERS", "DESADV", "INVOIC"} {
		files, err := filepath.Glob(filepath.Join(corpusDir, folder, "*"))
		require.NoError(t, err)
		for _, path := range files {
			name := folder + "/" + filepath.Base(path)
			mapped, failed := mapCorpusFile(t, m, path, kinds)
			t.Logf("%-60s %d mapped, %d not", name, mapped, failed)
			for _, want := range corpusMapped {
				if want == name {
					assert.Zero(t, failed, "%s mapped fully before", name)
				}
			}
		}
	}
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return kinds[keys[i]] > kinds[keys[j]] || kinds[keys[i]] == kinds[keys[j]] && keys[i] < keys[j]
	})
	for _, k := range keys {
		t.Logf("%4d× %s", kinds[k], k)
	}
}

func mapCorpusFile(t *testing.T, m *Mapper, path string, kinds map[string]int) (mapped, failed int) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	r := edifact.NewReader(bytes.NewReader(data))
	r.Accept = edifact.AllFaults
	for tr := range m.Translate(r) {
		if tr.Message == nil {
			t.Logf("    %s: reading stopped: %v", filepath.Base(path), tr.Err)
			break
		}
		if tr.Err != nil {
			failed++
			ps, ok := tr.Err.(Problems)
			require.True(t, ok, "a mapping error is Problems: %v", tr.Err)
			for _, p := range ps.Errors() {
				assert.Positive(t, p.Message, "a problem names its message: %v", p)
				assert.Positive(t, p.Pos, "a problem names its segment: %v", p)
				kinds[fmt.Sprintf("%s %s: %s", tr.Message.Header.Type.Type, p.Tag, p.Text)]++
			}
			continue
		}
		mapped++
		assertValid(t, tr.Result.Transaction())
		assertRoundTrip(t, m, tr)
	}
	return mapped, failed
}

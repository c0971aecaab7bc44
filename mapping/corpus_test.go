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
// tables would have to settle (the test prints which). No ORDRSP or RECADV
// sample is among them: each breaks a rule of Procuros or uses codes of
// another profile (README, Mapping); corpusPartnerTables maps two of them.
var corpusMapped = []string{
	"ORDERS/estratocloud__order.edi",
	"ORDERS/pydifact__order.edi",
	"ORDERS/swms-mediator__A_ELOS_12587-1.edi",
	"ORDERS/swms-mediator__A_ELOS_12587-2.edi",
	"DESADV/desadv-validator__DESADV_no_line_break.txt",
}

// TestCorpus maps every ORDERS, DESADV, INVOIC, ORDRSP and RECADV message
// of the shared samples (read leniently) and prints one line per file, the
// first problem of each message not mapped (and how many more it has) and,
// at the end, the problems by how often they stop a message. Whatever a sample holds,
// each problem must name its place, each transaction must satisfy the spec
// and come back the same through EDIFACT.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("no sample corpus at %s: %v", corpusDir, err)
	}
	m, err := New(nil)
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, folder := range []string{"ORDERS", "DESADV", "INVOIC", "ORDRSP", "RECADV"} {
		files, err := filepath.Glob(filepath.Join(corpusDir, folder, "*"))
		require.NoError(t, err)
		for _, path := range files {
			name := folder + "/" + filepath.Base(path)
			mapped, failed, why := mapCorpusFile(t, m, path, kinds)
			t.Logf("%-60s %d mapped, %d not", name, mapped, failed)
			for _, w := range why {
				t.Logf("    %s", w)
			}
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

// mapCorpusFile maps the messages of one sample file: how many map, how
// many do not, and for each that does not its first problem.
func mapCorpusFile(t *testing.T, m *Mapper, path string, kinds map[string]int) (mapped, failed int, why []string) {
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
			errs := ps.Errors()
			first := errs[0].Error()
			if len(errs) > 1 {
				first += fmt.Sprintf(" (and %d more)", len(errs)-1)
			}
			why = append(why, first)
			for _, p := range errs {
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
	return mapped, failed, why
}

// corpusPartnerTables are sample files that the built-in tables refuse and
// a partner's overrides make map, each for a reason the overrides state:
// what a partner's configuration is for.
var corpusPartnerTables = map[string]string{
	// A REJECT whose reason is a coded free text of subject GEN (general
	// information): read as comments (the code itself is noted as not carried).
	"ORDRSP/koha__ordrsp2.CEA": "messages: {ORDRSP: {freeText: {GEN: header.comments}}}",
	// References a receival notice has no field for: the supplier's
	// order line, the batch (RFF+BT), a packing approval, and the parties'
	// additional ids (YC1).
	"RECADV/smooks-edi__recadv.txt": "messages: {RECADV: {ignore: [RFF+ALO, RFF+YC1, RFF+ACD, RFF+VN, RFF+BT, RFF+AVQ]}}",
}

// TestCorpusWithPartnerTables maps the samples of corpusPartnerTables with
// their overrides: every message maps, satisfies the spec and comes back
// the same through EDIFACT.
func TestCorpusWithPartnerTables(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("no sample corpus at %s: %v", corpusDir, err)
	}
	for name, yaml := range corpusPartnerTables {
		t.Run(name, func(t *testing.T) {
			over, err := ParseOverrides([]byte(yaml))
			require.NoError(t, err)
			m, err := New(over)
			require.NoError(t, err)
			mapped, failed, why := mapCorpusFile(t, m, filepath.Join(corpusDir, name), map[string]int{})
			assert.Positive(t, mapped)
			assert.Zero(t, failed, "%v", why)
		})
	}
}

package edifact

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir holds third-party interchanges, shared with the project but not
// part of it (../shared from the repository root).
const corpusDir = "../../shared/fixtures/edi"

// checkedFaults are the kinds of fault the check column of SOURCES.md speaks
// of; our reader must agree with it on these exactly.
const checkedFaults = FaultUNTCount | FaultUNTReference | FaultUNZCount | FaultUNZReference | FaultMissingTrailer | FaultLineTerminator

// beyondSources lists, for files of the corpus, the faults our reader finds
// that SOURCES.md does not check for, and why a person would agree.
var beyondSources = map[string]struct {
	faults Fault
	why    string
}{
	"APERAK/effektor__aperak_iway_d97a.edi":                    {FaultLineBreak | FaultCharset, "the UNB is wrapped over two lines (APPL / REF); declared UNOA but has lower-case text"},
	"APERAK/pydifact__aperak_rejected.edi":                     {FaultCharset, "declared UNOA but has lower-case text"},
	"DESADV/effektor__message1.edi":                            {FaultMalformedUNA | FaultLineTerminator, "UNA has five characters (\"UNA:+.?'\"); two MEA segments end with ’ instead of '"},
	"INVOIC/edi-net__edifact.Issue203.edi":                     {FaultJunk, "segments are indented with spaces"},
	"INVOIC/edireader__tiny-withUNA-UNOA.edi":                  {FaultCharset, "declared UNOA but has lower-case text"},
	"INVOIC/frends__D93A_INVOIC.txt":                           {FaultCharset, "declared UNOC (ISO 8859-1) but written in UTF-8 (GÖTEBORG)"},
	"INVOIC/koha__INVOICE.CEI":                                 {FaultEmptySegment, "stray apostrophes after UNZ and at the end"},
	"INVOIC/staedi__invoic_d93a_una.edi":                       {FaultCharset, "declared UNOA but has lower case and UTF-8 umlauts"},
	"ORDERS/bots-plugins__order02.edi":                         {FaultLineBreak, "wrapped into lines of 80 characters"},
	"ORDERS/bots-plugins__orders03.edi":                        {FaultLineBreak, "wrapped into lines of 80 characters"},
	"ORDERS/ctracy88__Sample_ORDER.edi":                        {FaultJunk, "a '~' after each terminator"},
	"ORDERS/oca-edi__Retail_EDIFACT_ORDERS_sample1.txt":        {FaultCharset, "declared UNOA but has lower-case text"},
	"ORDERS/oca-edi__test_orders_-_no_ean_in_LIN_segments.txt": {FaultCharset, "declared UNOC but written in UTF-8 (Suppliér)"},
	"ORDERS/openedifact__ORDERS_D96A_OPEN_TRANS.edi":           {FaultCharset, "declared UNOC but the contact name is UTF-8 mojibake"},
	"ORDERS/php-edifact__example_order_ok.edi":                 {FaultCharset, "declared UNOC but written in UTF-8, with U+FFFD from an earlier bad conversion"},
	"ORDERS/pvdvreede__separate_lines.edi":                     {FaultCharset, "declared UNOA but has lower-case text"},
	"ORDERS/smooks-edi__ORDERS_D.03B_Interchange.txt":          {FaultCharset, "declared UNOA but has lower-case text"},
	"RECADV/smooks-edi__recadv.txt":                            {FaultCharset, "declared UNOA but has Chinese text in UTF-8"},
}

// sourcesArtifacts are faults the check column names that are artefacts of
// the checker, not of the files.
var sourcesArtifacts = map[string]struct {
	faults Fault
	why    string
}{
	"APERAK/effektor__aperak_iway_d97a.edi":     {FaultMissingTrailer, "the UNZ is there, on the last line, which ends without a line break"},
	"CONTRL/effektor__contrl_version3_iway.edi": {FaultMissingTrailer, "the UNZ is there, on the last line"},
	"INVOIC/effektor__invoic_iway_d97a.edi":     {FaultMissingTrailer, "the UNZ is there, on the last line"},
	"ORDERS/effektor__orders_iway_d97a.edi":     {FaultMissingTrailer, "the UNZ is there, on the last line"},
	"DESADV/effektor__message1.edi":             {FaultUNTReference, "the checker read the five-character UNA literally, making the newline the terminator"},
}

func faultList(f Fault) string {
	if f == 0 {
		return "none"
	}
	return f.String()
}

// sourcesEntry is one row of SOURCES.md.
type sourcesEntry struct {
	file, check  string
	messages     int
	interchanges int   // from "N interchanges in file (info)", else 0
	faults       Fault // the checked faults the row names
	messageOnly  bool  // "no UNB"
}

var (
	countsRe       = regexp.MustCompile(`(\d+) interchanges in file`)
	checkPhrasesRe = map[*regexp.Regexp]Fault{
		regexp.MustCompile(`UNT count`):                         FaultUNTCount,
		regexp.MustCompile(`UNT ref`):                           FaultUNTReference,
		regexp.MustCompile(`UNZ count`):                         FaultUNZCount,
		regexp.MustCompile(`UNZ ref`):                           FaultUNZReference,
		regexp.MustCompile(`no UNZ|missing UNT`):                FaultMissingTrailer,
		regexp.MustCompile(`newline-terminated|terminator not`): FaultLineTerminator,
	}
)

func readSources(t *testing.T) map[string]sourcesEntry {
	f, err := os.Open(filepath.Join(corpusDir, "SOURCES.md"))
	require.NoError(t, err)
	defer f.Close()
	entries := map[string]sourcesEntry{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) < 15 || !strings.HasPrefix(strings.TrimSpace(cols[2]), "`") {
			continue
		}
		e := sourcesEntry{file: strings.Trim(strings.TrimSpace(cols[2]), "`"), check: strings.TrimSpace(cols[13])}
		e.messages, _ = strconv.Atoi(strings.TrimSpace(cols[11]))
		if m := countsRe.FindStringSubmatch(e.check); m != nil {
			e.interchanges, _ = strconv.Atoi(m[1])
		}
		for re, fault := range checkPhrasesRe {
			if re.MatchString(e.check) {
				e.faults |= fault
			}
		}
		e.messageOnly = strings.Contains(e.check, "no UNB")
		entries[e.file] = e
	}
	require.NoError(t, sc.Err())
	return entries
}

// TestCorpus reads every file of the shared corpus, strictly and leniently,
// and checks that the reader finds exactly the faults that SOURCES.md names
// (plus those it does not check for, listed above with their reasons).
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("SKIPPED: the shared corpus %s is not here (%v)", corpusDir, err)
	}
	entries := readSources(t)
	require.NotEmpty(t, entries, "no rows read from SOURCES.md")
	var clean, warned, failed int
	var beyond []string
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		e := entries[name]
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir, name))
			require.NoError(t, err)
			want := e.faults&^sourcesArtifacts[name].faults | beyondSources[name].faults

			r := NewReader(bytes.NewReader(data))
			r.Accept = AllFaults
			ics, err := r.ReadAll()
			require.NoError(t, err, "lenient reading must not fail")
			var found Fault
			for _, w := range r.Warnings() {
				found |= w.Fault
			}
			_, listed := beyondSources[name]
			if listed {
				assert.Equal(t, want.String(), found.String(), "faults found in lenient mode")
			} else {
				assert.Equal(t, (want & checkedFaults).String(), (found & checkedFaults).String(), "faults SOURCES.md checks")
				if extra := found &^ checkedFaults; extra != 0 {
					beyond = append(beyond, fmt.Sprintf("%s: %s", name, extra))
				}
			}
			n := 0
			for _, ic := range ics {
				n += len(ic.Messages)
				assert.Equal(t, e.messageOnly, ic.Header == nil, "message-only input")
			}
			assert.Equal(t, e.messages, n, "messages")
			if e.interchanges > 0 {
				assert.Len(t, ics, e.interchanges, "interchanges")
			}

			t.Logf("%-62s %2d interchanges, %3d messages, faults: %s", name, len(ics), n, faultList(found))
			_, strictErr := NewReader(bytes.NewReader(data)).ReadAll()
			switch {
			case found == 0:
				assert.NoError(t, strictErr)
				clean++
			default:
				var se *SyntaxError
				if assert.ErrorAs(t, strictErr, &se, "strict reading must fail") {
					assert.NotZero(t, se.Fault&found, "strict error %v is one of the faults found", se)
				}
				warned++
				failed++
			}
		})
	}
	t.Logf("corpus: %d files, %d clean, %d warned in lenient mode, %d failed in strict mode (each where its faults are)", len(entries), clean, warned, failed)
	for _, b := range beyond {
		t.Logf("beyond SOURCES.md: %s", b)
	}
}

package structure

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/edifact"
)

// readMessage reads the first message of an EDIFACT text written one
// segment a line; the UNT count is not checked, so tests can drop segments.
func readMessage(t testing.TB, text string) *edifact.Message {
	t.Helper()
	r := edifact.NewReader(strings.NewReader(text))
	r.Accept = edifact.FaultUNTCount
	m, err := r.ReadMessage()
	require.NoError(t, err)
	return m
}

func build(t testing.TB, text string) (*Tree, []*Problem) {
	t.Helper()
	m := readMessage(t, text)
	s, err := Lookup(m.Header.Type)
	require.NoError(t, err)
	return Build(m, s)
}

// sketch draws a tree one node a line: the group, then its segments' tags
// with their positions.
func sketch(n *Node) string {
	var b strings.Builder
	var walk func(n *Node, indent string)
	walk = func(n *Node, indent string) {
		name := n.Group
		if name == "" {
			name = "message"
		}
		b.WriteString(indent + name + ":")
		for _, s := range n.Segments {
			fmt.Fprintf(&b, " %s%d", s.Tag, s.Pos)
		}
		b.WriteString("\n")
		for _, c := range n.Children {
			walk(c, indent+"  ")
		}
	}
	walk(n, "")
	return b.String()
}

func texts(problems []*Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Error())
	}
	return out
}

func TestBuildOrdersPartiesAndLines(t *testing.T) {
	tree, problems := build(t, `UNH+1+ORDERS:D:96A:UN:EAN008'
BGM+220+PO1+9'
DTM+137:20260315:102'
NAD+BY+4012345000009::9'
RFF+VA:DE123456789'
DTM+171:20260101:102'
RFF+API:77'
NAD+SU+4098765000003::9'
CTA+PD+:Jane'
COM+0221:TE'
CUX+2:EUR:9'
LIN+1++4001234567891:EN'
QTY+21:120:PCE'
PRI+AAA:1.29'
RFF+LI:1'
LIN+2++4001234567907:EN'
QTY+21:48:PCE'
UNS+S'
CNT+2:2'
UNT+19+1'
`)
	assert.Empty(t, problems)
	assert.Equal(t, `message: UNH1 BGM2 DTM3 UNS18 CNT19 UNT20
  SG2: NAD4
    SG3: RFF5 DTM6
    SG3: RFF7
  SG2: NAD8
    SG5: CTA9 COM10
  SG7: CUX11
  SG25: LIN12 QTY13
    SG28: PRI14
    SG29: RFF15
  SG25: LIN16 QTY17
`, sketch(tree.Root))

	parties := tree.Root.Groups("SG2")
	require.Len(t, parties, 2)
	nad, ok := parties[0].First("NAD")
	require.True(t, ok)
	assert.Equal(t, "BY", nad.Value(0, 0))
	assert.Equal(t, 4, nad.Pos)
	assert.Same(t, tree.Root, parties[0].Parent)
	refs := parties[0].Groups("SG3")
	require.Len(t, refs, 2)
	assert.Equal(t, "VA", refs[0].Segments[0].Value(0, 0))
	assert.Len(t, refs[0].All("DTM"), 1)
	_, ok = parties[1].First("RFF")
	assert.False(t, ok)
	assert.Len(t, tree.Root.All("DTM"), 1, "DTM in SG3 is not at the message level")
	assert.Equal(t, "ORDERS D96A EAN008", tree.Structure.String())
}

func TestBuildDesadvPackingHierarchy(t *testing.T) {
	// EANCOM 2002: CPS (SG10) > PAC (SG11) > PCI (SG13) > GIN (SG15), and
	// the line items (SG17) of each packing level.
	tree, problems := build(t, `UNH+DES1+DESADV:D:01B:UN:EAN007'
BGM+351+DN1+9'
DTM+137:20260318:102'
RFF+ON:PO1'
NAD+SU+4098765000003::9'
CPS+1'
PAC+2++201::9'
CPS+2+1'
PAC+1+:52+201::9'
PCI+33E'
GIN+BJ+340123450000000017'
LIN+1++4001234567891:SRV'
QTY+12:100'
RFF+ON:PO1'
CPS+3+1'
PAC+1+:52+201::9'
PCI+33E'
GIN+BJ+340123450000000024'
LIN+2++4001234567907:SRV'
QTY+12:48'
CNT+2:2'
UNT+21+DES1'
`)
	assert.Empty(t, problems)
	assert.Equal(t, `message: UNH1 BGM2 DTM3 CNT21 UNT22
  SG1: RFF4
  SG2: NAD5
  SG10: CPS6
    SG11: PAC7
  SG10: CPS8
    SG11: PAC9
      SG13: PCI10
        SG15: GIN11
    SG17: LIN12 QTY13
      SG18: RFF14
  SG10: CPS15
    SG11: PAC16
      SG13: PCI17
        SG15: GIN18
    SG17: LIN19 QTY20
`, sketch(tree.Root))
}

func TestBuildDesadvD96A(t *testing.T) {
	tree, problems := build(t, `UNH+1+DESADV:D:96A:UN:EAN005'
BGM+351+DN1+9'
CPS+1'
PAC+1+:52+201::9'
PCI+33E'
GIN+BJ+340123450000000017'
LIN+1++4001234567891:EN'
QTY+12:100'
PCI+36E'
DTM+36:20261231:102'
GIN+BX+CH-2026-031'
CNT+2:1'
UNT+13+1'
`)
	assert.Empty(t, problems)
	assert.Equal(t, `message: UNH1 BGM2 CNT12 UNT13
  SG10: CPS3
    SG11: PAC4
      SG13: PCI5
        SG14: GIN6
    SG15: LIN7 QTY8
      SG20: PCI9 DTM10
        SG21: GIN11
`, sketch(tree.Root))
}

func TestBuildInvoicLinesAndSummary(t *testing.T) {
	tree, problems := build(t, `UNH+INV1+INVOIC:D:96A:UN:EAN008'
BGM+380+RE1+9'
DTM+137:20260320:102'
NAD+SU+4098765000003::9'
CUX+2:EUR:4'
PAT+1++5:3:D:30'
DTM+13:20260419:102'
ALC+C++++FC'
MOA+23:12.50'
TAX+7+VAT+++:::19+S'
LIN+1++4001234567891:EN'
QTY+47:100:PCE'
MOA+203:119.00'
PRI+AAA:1.19'
PRI+AAB:1.29'
TAX+7+VAT+++:::7+S'
ALC+A++++DI'
PCD+1:7.75'
MOA+204:10.00'
UNS+S'
CNT+2:1'
MOA+79:119.00'
MOA+125:131.50'
TAX+7+VAT+++:::7+S'
MOA+124:7.63'
ALC+C++++FC'
MOA+23:12.50'
UNT+28+INV1'
`)
	assert.Empty(t, problems)
	assert.Equal(t, `message: UNH1 BGM2 DTM3 UNS20 CNT21 UNT28
  SG2: NAD4
  SG7: CUX5
  SG8: PAT6 DTM7
  SG15: ALC8
    SG19: MOA9
    SG21: TAX10
  SG25: LIN11 QTY12
    SG26: MOA13
    SG28: PRI14
    SG28: PRI15
    SG33: TAX16
    SG38: ALC17
      SG40: PCD18
      SG41: MOA19
  SG48: MOA22
  SG48: MOA23
  SG50: TAX24 MOA25
  SG51: ALC26 MOA27
`, sketch(tree.Root))
}

func TestBuildInvoicD01BSummary(t *testing.T) {
	tree, problems := build(t, `UNH+1+INVOIC:D:01B:UN:EAN010'
BGM+380+RE1+9'
DTM+137:20260320:102'
LIN+1++4001234567891:SRV'
QTY+47:100'
MOA+203:119.00'
UNS+S'
MOA+77:127.33'
TAX+7+VAT+++:::7+S'
MOA+124:8.33'
UNT+11+1'
`)
	assert.Empty(t, problems)
	assert.Equal(t, `message: UNH1 BGM2 DTM3 UNS7 UNT11
  SG26: LIN4 QTY5
    SG27: MOA6
  SG50: MOA8
  SG52: TAX9 MOA10
`, sketch(tree.Root))
}

func TestBuildProblems(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
		sketch     string
	}{{
		name: "unknown tag",
		body: "BGM+220+1+9'\nXYZ+1'\nDTM+137:20260101:102'\nUNS+S'\n",
		want: []string{"message 1 (UNH 1) segment 3 XYZ: unknown: UN ORDERS D96A has no segment XYZ"},
	}, {
		name: "misplaced, with where it belongs",
		body: "BGM+220+1+9'\nDTM+137:20260101:102'\nLIN+1'\nBGM+220+2+9'\nUNS+S'\n",
		want: []string{"message 1 (UNH 1) segment 5 BGM: misplaced after LIN: BGM belongs at the message level, before SG25"},
	}, {
		name: "misplaced into a group it cannot open",
		body: "BGM+220+1+9'\nDTM+137:20260101:102'\nNAD+BY+1::9'\nCOM+1:TE'\nUNS+S'\n",
		want: []string{"message 1 (UNH 1) segment 5 COM: misplaced after NAD: COM belongs in SG5, which must start with CTA"},
	}, {
		name: "missing mandatory segment",
		body: "DTM+137:20260101:102'\nUNS+S'\n",
		want: []string{"message 1 (UNH 1) segment 2 DTM: missing: mandatory segment BGM, expected before DTM"},
	}, {
		name: "missing mandatory segment in a group",
		body: "BGM+220+1+9'\nDTM+137:20260101:102'\nUNS+S'\nALC+A'\nALI+X'\n",
		want: []string{"message 1 (UNH 1) segment 7 UNT: missing: mandatory segment MOA in SG54, expected before UNT"},
	}, {
		name: "missing at the end",
		body: "BGM+220+1+9'\nDTM+137:20260101:102'\n",
		want: []string{"message 1 (UNH 1) segment 4 UNT: missing: mandatory segment UNS, expected before UNT"},
	}, {
		name: "too many repeats are kept",
		body: "BGM+220+1+9'\nDTM+137:20260101:102'\nCUX+2:EUR:9'\nTOD+3'\nLOC+1+A'\nLOC+1+B'\nLOC+1+C'\nUNS+S'\n",
		want: []string{"message 1 (UNH 1) segment 8 LOC: too many: more than 2 LOC in SG11"},
		sketch: `message: UNH1 BGM2 DTM3 UNS9 UNT10
  SG7: CUX4
  SG11: TOD5 LOC6 LOC7 LOC8
`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "UNH+1+ORDERS:D:96A:UN:EAN008'\n" + tt.body + "UNT+0+1'\n"
			tree, problems := build(t, text)
			assert.Equal(t, tt.want, texts(problems))
			for _, p := range problems {
				assert.Equal(t, Error, p.Severity)
			}
			if tt.sketch != "" {
				assert.Equal(t, tt.sketch, sketch(tree.Root))
			}
		})
	}
}

func TestBuildProblemFields(t *testing.T) {
	_, problems := build(t, "UNH+00003+ORDERS:D:96A:UN:EAN008'\nBGM+220+1+9'\nDTM+137:20260101:102'\nLIN+1'\nBGM+1'\nUNS+S'\nUNT+6+00003'\n")
	require.Len(t, problems, 1)
	p := problems[0]
	assert.Equal(t, &Problem{Message: 1, Ref: "00003", Pos: 5, Tag: "BGM", Severity: Error, Kind: Misplaced,
		Text: "misplaced after LIN: BGM belongs at the message level, before SG25"}, p)
	assert.Equal(t, "misplaced", p.Kind.String())
	assert.Equal(t, "error", p.Severity.String())
}

func TestBuildOutsideSubsetWarns(t *testing.T) {
	// EANCOM 2002 ORDERS leaves out the SCC group (SG16) and the LOC of SG6.
	_, problems := build(t, `UNH+1+ORDERS:D:01B:UN:EAN010'
BGM+220+1+9'
DTM+137:20260101:102'
TAX+7+VAT'
LOC+1+X'
SCC+1'
QTY+21:5'
UNS+S'
UNT+9+1'
`)
	assert.Equal(t, []string{
		"message 1 (UNH 1) segment 5 LOC: not in EANCOM EAN010 (UN ORDERS D01B allows LOC in SG6)",
		"message 1 (UNH 1) segment 6 SCC: not in EANCOM EAN010 (UN ORDERS D01B allows group SG16 (SCC))",
	}, texts(problems))
	for _, p := range problems {
		assert.Equal(t, Warning, p.Severity)
		assert.Equal(t, Outside, p.Kind)
	}

	// The UN message itself warns about nothing.
	m := readMessage(t, "UNH+1+ORDERS:D:01B:UN'\nBGM+220+1+9'\nDTM+137:20260101:102'\nSCC+1'\nUNS+S'\nUNT+5+1'\n")
	s, err := Lookup(m.Header.Type)
	require.NoError(t, err)
	_, problems = Build(m, s)
	assert.Empty(t, problems)
}

func TestBuildSkipsAndGoesOn(t *testing.T) {
	// A stray segment costs one problem; the segments after it are placed.
	tree, problems := build(t, `UNH+1+ORDERS:D:96A:UN:EAN008'
BGM+220+1+9'
DTM+137:20260101:102'
LIN+1'
QTY+21:1'
FOO+1'
PRI+AAA:1'
NAD+DP+1::9'
QTY+21:2'
LIN+2'
QTY+21:3'
UNS+S'
UNT+13+1'
`)
	// NAD after PRI opens the line item's own party group (SG35), so a QTY
	// after it comes too late for the line.
	assert.Equal(t, []string{
		"message 1 (UNH 1) segment 6 FOO: unknown: UN ORDERS D96A has no segment FOO",
		"message 1 (UNH 1) segment 9 QTY: misplaced after NAD: QTY belongs in SG25, before SG35",
	}, texts(problems))
	assert.Equal(t, `message: UNH1 BGM2 DTM3 UNS12 UNT13
  SG25: LIN4 QTY5
    SG28: PRI7
    SG35: NAD8
  SG25: LIN10 QTY11
`, sketch(tree.Root))
}

func TestFixturesBuildWithoutErrors(t *testing.T) {
	for _, name := range []string{"orders_d96a_unoc.edi", "desadv_d96a.edi", "invoic_d96a.edi"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("../../testdata/edi/" + name)
			require.NoError(t, err)
			m, err := edifact.NewReader(strings.NewReader(string(data))).ReadMessage()
			require.NoError(t, err)
			s, err := Lookup(m.Header.Type)
			require.NoError(t, err)
			require.NotEmpty(t, s.Association, "the fixture's EANCOM subset is known")
			tree, problems := Build(m, s)
			assert.Empty(t, texts(problems))
			placed := 0
			var count func(n *Node)
			count = func(n *Node) {
				placed += len(n.Segments)
				for _, c := range n.Children {
					count(c)
				}
			}
			count(tree.Root)
			assert.Equal(t, len(m.Segments), placed)
		})
	}
}

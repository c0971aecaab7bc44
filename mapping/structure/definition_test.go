package structure

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/edifact"
)

const smallDef = `# a small message
UNH   M 1
BGM   M 1
DTM   C 5   # dates
SG1   C 9
  NAD M 1
  FII X 2
  SG2 C 3
    RFF M 1
    DTM C 1
SG3   X 1
  TAX M 1
UNT   M 1
`

func TestParse(t *testing.T) {
	s, err := Parse("ORDERS_D96A_EAN008", strings.NewReader(smallDef))
	require.NoError(t, err)
	assert.Equal(t, "ORDERS", s.Message)
	assert.Equal(t, "D96A", s.Directory)
	assert.Equal(t, "EAN008", s.Association)
	assert.Equal(t, "ORDERS D96A EAN008", s.String())
	assert.Equal(t, "UNH BGM DTM SG1 SG3 UNT", names(s.Root))

	sg1 := s.Group("SG1")
	require.NotNil(t, sg1)
	assert.Equal(t, "NAD", sg1.Tag, "a group's tag is its trigger's")
	assert.Equal(t, Conditional, sg1.Status)
	assert.Equal(t, 9, sg1.Max)
	assert.Equal(t, 5, sg1.Line)
	assert.Equal(t, "NAD FII SG2", names(sg1))
	assert.True(t, sg1.Entries[1].Outside, "X marks an entry outside the subset")
	assert.Equal(t, Conditional, sg1.Entries[1].Status)
	assert.Same(t, sg1, s.Group("SG2").Parent)
	assert.Equal(t, "RFF DTM", names(s.Group("SG2")))
	assert.True(t, s.Group("SG3").Outside)
	assert.Nil(t, s.Group("SG4"))

	u, err := Parse("ORDERS_D96A", strings.NewReader(smallDef))
	require.NoError(t, err)
	assert.Equal(t, "", u.Association)
	assert.Equal(t, "ORDERS D96A (UN)", u.String())
}

func names(g *Entry) string {
	var n []string
	for _, e := range g.Entries {
		n = append(n, e.Name)
	}
	return strings.Join(n, " ")
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, def, want string
	}{
		{"odd indentation", "UNH M 1\nSG1 C 1\n   NAD M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 3: bad indentation: 3 spaces (indent with two spaces per level)"},
		{"tab", "UNH M 1\nSG1 C 1\n\tNAD M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 3: bad indentation: tab (indent with two spaces per level)"},
		{"too deep", "UNH M 1\nSG1 C 1\n    NAD M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 3: bad indentation: NAD is 2 levels deeper than the line before"},
		{"under a segment", "UNH M 1\nBGM M 1\n  DTM C 1\nUNT M 1\n",
			"structure ORDERS_D96A line 3: bad indentation: DTM is indented under a segment, not a group"},
		{"unknown status", "UNH M 1\nBGM O 1\nUNT M 1\n",
			`structure ORDERS_D96A line 2: unknown status "O": want M, C or X`},
		{"bad maximum", "UNH M 1\nBGM M many\nUNT M 1\n",
			`structure ORDERS_D96A line 2: bad maximum "many": want a positive number`},
		{"zero maximum", "UNH M 1\nBGM M 0\nUNT M 1\n",
			`structure ORDERS_D96A line 2: bad maximum "0": want a positive number`},
		{"bad name", "UNH M 1\nBGMX M 1\nUNT M 1\n",
			`structure ORDERS_D96A line 2: bad name "BGMX": want a segment tag (NAD) or a group (SG2)`},
		{"missing field", "UNH M 1\nBGM M\nUNT M 1\n",
			`structure ORDERS_D96A line 2: want NAME STATUS MAX, have "BGM M"`},
		{"duplicate group", "UNH M 1\nSG1 C 1\n  NAD M 1\nSG1 C 1\n  RFF M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 4: duplicate group SG1 (first on line 2)"},
		{"group without entries", "UNH M 1\nSG1 C 1\nBGM M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 2: group SG1 without trigger: it has no entries"},
		{"group without entries at the end", "UNH M 1\nUNT M 1\nSG1 C 1\n",
			"structure ORDERS_D96A line 3: group SG1 without trigger: it has no entries"},
		{"group starting with a group", "UNH M 1\nSG1 C 1\n  SG2 C 1\n    NAD M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 2: group SG1 without trigger: its first entry is group SG2, not a segment"},
		{"conditional trigger", "UNH M 1\nSG1 C 1\n  NAD C 1\nUNT M 1\n",
			"structure ORDERS_D96A line 2: group SG1 without trigger: its first segment NAD is not mandatory"},
		{"no UNH", "BGM M 1\nUNT M 1\n",
			"structure ORDERS_D96A line 2: the message must start with UNH M 1"},
		{"no UNT", "UNH M 1\nBGM M 1\n",
			"structure ORDERS_D96A line 2: the message must end with UNT M 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("ORDERS_D96A", strings.NewReader(tt.def))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			var de *DefinitionError
			assert.ErrorAs(t, err, &de)
		})
	}

	_, err := Parse("orders", strings.NewReader(smallDef))
	assert.EqualError(t, err, "structure orders: name must be MESSAGE_DIRECTORY or MESSAGE_DIRECTORY_ASSOCIATION")
}

func TestEmbeddedDefinitionsLoad(t *testing.T) {
	list, err := Structures()
	require.NoError(t, err)
	var got []string
	for _, s := range list {
		got = append(got, s.String())
	}
	assert.Equal(t, []string{
		"DESADV D01B EAN007", "DESADV D96A EAN005",
		"INVOIC D01B EAN010", "INVOIC D01B EAN011", "INVOIC D96A EAN008",
		"ORDERS D01B EAN010", "ORDERS D96A EAN008",
		"ORDRSP D01B EAN008", "ORDRSP D01B EAN010", "ORDRSP D96A EAN005",
		"RECADV D01B EAN005", "RECADV D96A EAN003",
	}, got)

	// The UN message of a directory is taken from any of its subsets, so they
	// must all carry the same one.
	byDir := map[string]string{}
	for _, s := range list {
		k := s.Message + " " + s.Directory
		shape := outline(s.withoutSubset().Root, "")
		if prev, ok := byDir[k]; ok {
			assert.Equal(t, prev, shape, "%s differs from another %s subset beyond its X marks", s, k)
		}
		byDir[k] = shape
	}
}

// outline writes a structure as its definition would, without X marks.
func outline(g *Entry, indent string) string {
	var b strings.Builder
	for _, e := range g.Entries {
		fmt.Fprintf(&b, "%s%s %s %d\n", indent, e.Name, e.Status, e.Max)
		if e.IsGroup() {
			b.WriteString(outline(e, indent+"  "))
		}
	}
	return b.String()
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id, want string
	}{
		{"ORDERS:D:96A:UN:EAN008", "ORDERS D96A EAN008"},
		{"ORDERS:D:01B:UN:EAN010", "ORDERS D01B EAN010"},
		{"DESADV:D:96A:UN:EAN005", "DESADV D96A EAN005"},
		{"INVOIC:D:01B:UN:EAN011", "INVOIC D01B EAN011"},
		{"ORDERS:D:96A:UN", "ORDERS D96A (UN)"},          // no association code
		{"INVOIC:D:96A:UN:EAN009", "INVOIC D96A (UN)"},   // unknown association code
		{"ORDERS:D:97A:UN:EAN007", "ORDERS D96A (UN)"},   // nearest directory
		{"INVOIC:D:93A:UN:EDIT30", "INVOIC D96A (UN)"},   // older than any
		{"ORDERS:D:03B:UN:EAN008", "ORDERS D01B (UN)"},   // newer than any
		{"ORDRSP:D:10A:UN:1.1e", "ORDRSP D01B (UN)"},     // far newer
		{"DESADV:0:96A:UN", "DESADV D96A (UN)"},          // odd version, same release
		{"INVOIC:D:99A:UN", "INVOIC D01B (UN)"},          // 99A is nearer to 01B than to 96A
		{"RECADV:D:01B:UN:EAN007", "RECADV D01B (UN)"},   // RECADV 2002 is EAN005
		{"ORDRSP:D:96A:UN:EAN009", "ORDRSP D96A (UN)"},   // EANCOM 1997 ORDRSP is EAN005
		{"DESADV:D:96A:UN:A01052", "DESADV D96A (UN)"},   // not EANCOM
		{"INVOIC:D:96A:UN:EAN008", "INVOIC D96A EAN008"}, // exact
	}
	for _, tt := range tests {
		s, err := Lookup(messageType(tt.id))
		if assert.NoError(t, err, tt.id) {
			assert.Equal(t, tt.want, s.String(), tt.id)
		}
	}

	_, err := Lookup(messageType("APERAK:D:96A:UN"))
	assert.EqualError(t, err, `structure: no definition for message type "APERAK" (have DESADV, INVOIC, ORDERS, ORDRSP, RECADV)`)
	_, err = Lookup(messageType("ORDERS:4:1"))
	assert.EqualError(t, err, `structure: ORDERS:4:1: release "1" is not a directory release such as 96A`)

	a, _ := Lookup(messageType("ORDERS:D:96A:UN"))
	b, _ := Lookup(messageType("ORDERS:D:96A"))
	assert.Same(t, a, b, "structures are parsed once and shared")
}

func messageType(id string) edifact.MessageType {
	c := append(strings.Split(id, ":"), "", "", "", "")
	return edifact.MessageType{Type: c[0], Version: c[1], Release: c[2], Agency: c[3], Association: c[4]}
}

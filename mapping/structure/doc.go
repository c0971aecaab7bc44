// Package structure knows the segment groups of the messages the bridge
// translates, and arranges a message's flat segment list into a tree of
// group occurrences by them.
//
// # Definitions
//
// Each message subset is a text file in defs/, named
// MESSAGE_DIRECTORY_ASSOCIATION.txt (ORDERS_D96A_EAN008.txt), embedded in the
// binary and written to be read beside the EANCOM manual or the UN/EDIFACT
// segment table. One line per segment or group, in the order of the
// message:
//
//	# ORDERS D96A EAN008: where this came from, and what is unsure
//	UNH     M 1
//	BGM     M 1
//	DTM     M 35
//	SG2     C 99
//	  NAD   M 1
//	  LOC   C 25
//	  FII   X 5
//	  SG3   C 10
//	    RFF M 1
//	    DTM C 5
//	UNS     M 1
//	UNT     M 1
//
// A line holds a name, a status and the maximum number of occurrences,
// separated by spaces:
//
//   - The name is a segment tag (three capital letters or digits) or a group
//     name as the UN directory numbers it (SG1, SG2, ...; EANCOM keeps the UN
//     numbers). Group names are unique in a definition.
//   - The status is M (mandatory), C (conditional), or X: conditional in the UN
//     message and left out of the EANCOM subset. A segment that takes an X
//     entry is placed all the same, with a warning, because real files carry
//     what the UN message allows.
//   - The maximum counts occurrences within one occurrence of the enclosing
//     group (or the message), as in the UN segment table.
//
// Indentation, two spaces per level, puts entries into the group on the line
// above them. A group's first entry is its trigger: a mandatory segment whose
// tag starts each occurrence of the group. The message level starts with UNH
// and ends with UNT. Text from # to the end of a line is a comment; each file
// begins with one naming its sources. Parse reports mistakes with their line.
//
// A definition carries the whole UN message with the subset marked on it, so
// the UN message of a directory comes from any of its subsets: Lookup uses it
// when a message names no known association code. How Lookup chooses a
// structure is described there.
//
// # Trees
//
// Build walks a message through a structure and returns a Tree of Nodes,
// each node one occurrence of a group holding its own segments and the group
// occurrences nested in it, and the Problems it met: segments that fit
// nowhere (skipped), mandatory entries that did not occur, too many repeats
// and, as warnings, entries outside the EANCOM subset. Build is linear in
// the number of segments and allocates a few arrays per message.
package structure

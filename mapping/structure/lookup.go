package structure

import (
	"embed"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/edibridge/edibridge/edifact"
)

//go:embed defs/*.txt
var defs embed.FS

// A registry holds the embedded structures, parsed once.
type registry struct {
	subsets map[string]*Structure   // by "ORDERS D96A EAN008"
	bases   map[string]*Structure   // the UN messages, by "ORDERS D96A"
	dirs    map[string][]*Structure // per message type, its UN messages, oldest directory first
}

var loadRegistry = sync.OnceValues(func() (*registry, error) {
	files, err := defs.ReadDir("defs")
	if err != nil {
		return nil, err
	}
	r := &registry{subsets: map[string]*Structure{}, bases: map[string]*Structure{}, dirs: map[string][]*Structure{}}
	for _, f := range files {
		def, err := defs.ReadFile(path.Join("defs", f.Name()))
		if err != nil {
			return nil, err
		}
		s, err := ParseBytes(strings.TrimSuffix(f.Name(), ".txt"), def)
		if err != nil {
			return nil, err
		}
		r.subsets[key(s.Message, s.Directory, s.Association)] = s
		// Every subset of one directory carries the whole UN message, so the
		// first one read gives the UN structure.
		if k := key(s.Message, s.Directory, ""); r.bases[k] == nil {
			u := s.withoutSubset()
			r.bases[k] = u
			r.dirs[s.Message] = append(r.dirs[s.Message], u)
		}
	}
	for _, list := range r.dirs {
		slices.SortFunc(list, func(a, b *Structure) int { return releaseRank(a.Directory) - releaseRank(b.Directory) })
	}
	return r, nil
})

func key(message, directory, association string) string {
	return strings.TrimSpace(message + " " + directory + " " + association)
}

// Structures returns the embedded EANCOM subsets, sorted by name.
func Structures() ([]*Structure, error) {
	r, err := loadRegistry()
	if err != nil {
		return nil, err
	}
	list := make([]*Structure, 0, len(r.subsets))
	for _, s := range r.subsets {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *Structure) int { return strings.Compare(a.String(), b.String()) })
	return list, nil
}

// Lookup returns the structure for a message identifier (UNH S009):
//
//   - the EANCOM subset when the message type, directory and association code
//     match an embedded definition (ORDERS:D:96A:UN:EAN008);
//   - else the UN message of the same type and directory, without subset, when
//     the association code is missing or unknown (ORDERS:D:96A:UN, or
//     INVOIC:D:96A:UN:EAN009); such a structure reports no subset warnings;
//   - else the UN message of the same type from the nearest directory by
//     release (D97A and D93A take D96A, D03B takes D01B; at equal distance the
//     later directory, since later directories mostly add segments), so that a
//     partner on an unusual directory still gets a tree. The structure's
//     Directory then differs from the message's: callers that must not accept
//     that compare them.
//
// It fails for a message type without any definition, or a release that is
// not of the form YYx ("96A").
func Lookup(t edifact.MessageType) (*Structure, error) {
	r, err := loadRegistry()
	if err != nil {
		return nil, err
	}
	dirs := r.dirs[t.Type]
	if len(dirs) == 0 {
		return nil, fmt.Errorf("structure: no definition for message type %q (have %s)", t.Type, r.typeList())
	}
	dir := t.Version + t.Release
	if t.Association != "" {
		if s := r.subsets[key(t.Type, dir, t.Association)]; s != nil {
			return s, nil
		}
	}
	if s := r.bases[key(t.Type, dir, "")]; s != nil {
		return s, nil
	}
	rank := releaseRank(t.Release)
	if rank < 0 {
		return nil, fmt.Errorf("structure: %s: release %q is not a directory release such as 96A", t, t.Release)
	}
	best := dirs[0]
	for _, s := range dirs[1:] {
		if abs(releaseRank(s.Directory)-rank) <= abs(releaseRank(best.Directory)-rank) {
			best = s
		}
	}
	return best, nil
}

func (r *registry) typeList() string {
	types := make([]string, 0, len(r.dirs))
	for t := range r.dirs {
		types = append(types, t)
	}
	slices.Sort(types)
	return strings.Join(types, ", ")
}

// releaseRank orders directory releases in time: "96A" (or "D96A") before
// "96B" before "01A". It returns -1 for anything else.
func releaseRank(release string) int {
	release = strings.TrimPrefix(release, "D")
	if len(release) != 3 {
		return -1
	}
	yy, err := strconv.Atoi(release[:2])
	letter := release[2]
	if err != nil || letter < 'A' || letter > 'Z' {
		return -1
	}
	year := 2000 + yy
	if yy >= 87 { // the first directories date from 1987
		year = 1900 + yy
	}
	return year*26 + int(letter-'A')
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

package config

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A block is one mapping of the file (the top level, procuros, a partner,
// ...) being decoded. The decoder asks it for each field it knows; done
// then reports the keys nobody asked for, which are misspellings or
// fields of another block, with the nearest known name.
type block struct {
	src     *source
	prefix  string     // the block's field path; "" for the top level
	node    *yaml.Node // nil when the block is not in the file
	entries []entry    // own keys first, then those merged in with "<<"
	asked   []string   // every key asked for, present or not
}

type entry struct{ key, value *yaml.Node }

// block returns the block of node n, at field path. A missing or null
// node is an empty block: every field takes its default.
func (s *source) block(n *yaml.Node, path string) *block {
	b := &block{src: s, prefix: path}
	if isNull(n) {
		return b
	}
	n = deref(n)
	s.nodes[path] = n
	if n.Kind != yaml.MappingNode {
		s.addAt(n, path, "want a mapping (name: value lines), not %s", kindName(n))
		s.broken[path] = true
		return b
	}
	b.node = n
	b.entries = b.collect(n)
	return b
}

// collect returns the entries of mapping n: its own keys, then the keys of
// the mappings merged in with "<<: *anchor" that it does not set itself.
// A key given twice is a problem: YAML parsers disagree on which wins.
func (b *block) collect(n *yaml.Node) []entry {
	var own, merged []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Tag == "!!merge" {
			merged = append(merged, b.mergedEntries(value)...)
			continue
		}
		if first, dup := seen[key.Value]; dup {
			b.src.addAt(key, childField(b.prefix, key.Value), "given twice (first on line %d)", first.Line)
			continue
		}
		seen[key.Value] = key
		own = append(own, entry{key, value})
	}
	for _, e := range merged {
		if _, ok := seen[e.key.Value]; !ok {
			seen[e.key.Value] = e.key
			own = append(own, e)
		}
	}
	return own
}

// mergedEntries returns the entries of the mapping, or list of mappings,
// named by a merge key.
func (b *block) mergedEntries(value *yaml.Node) []entry {
	value = deref(value)
	switch value.Kind {
	case yaml.MappingNode:
		return b.collect(value)
	case yaml.SequenceNode:
		var out []entry
		for _, item := range value.Content {
			out = append(out, b.mergedEntries(item)...)
		}
		return out
	}
	b.src.addAt(value, childField(b.prefix, "<<"), "a merge key wants a mapping, or a list of them")
	return nil
}

// field returns the path of key in the block.
func (b *block) field(key string) string { return childField(b.prefix, key) }

// value returns the value node of key, nil when it is absent or null, and
// records it as the place of the field.
func (b *block) value(key string) *yaml.Node {
	b.asked = append(b.asked, key)
	for _, e := range b.entries {
		if e.key.Value == key {
			n := deref(e.value)
			b.src.nodes[b.field(key)] = n
			if isNull(n) {
				return nil
			}
			return n
		}
	}
	return nil
}

// has reports whether key is given, and not null.
func (b *block) has(key string) bool {
	for _, e := range b.entries {
		if e.key.Value == key {
			return !isNull(e.value)
		}
	}
	return false
}

// sub returns the block under key; an empty block when key is absent.
func (b *block) sub(key string) *block { return b.src.block(b.value(key), b.field(key)) }

// scalar returns the text of key's value, and its node (nil when absent).
func (b *block) scalar(key string) (string, *yaml.Node) {
	n := b.value(key)
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		b.src.addAt(n, b.field(key), "want a single value, not %s", kindName(n))
		return "", nil
	}
	return n.Value, n
}

// str returns key's value, or def when it is absent or empty.
func (b *block) str(key, def string) string {
	s, _ := b.scalar(key)
	return cmp.Or(s, def)
}

// boolean returns key's value, true or false, or def when it is absent.
func (b *block) boolean(key string, def bool) bool {
	s, n := b.scalar(key)
	if n == nil {
		return def
	}
	var v bool
	if n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		b.src.addAt(n, b.field(key), "want true or false, not %q", s)
		return def
	}
	return v
}

// duration returns key's value, a duration such as 30s, 5m or 90d, or def.
func (b *block) duration(key string, def time.Duration) time.Duration {
	s, n := b.scalar(key)
	if n == nil {
		return def
	}
	d, err := parseDuration(s)
	if err != nil {
		b.src.addAt(n, b.field(key), "%v", err)
		return def
	}
	return d
}

// size returns key's value, a number of bytes such as 65536 or 64MiB, or def.
func (b *block) size(key string, def Size) Size {
	s, n := b.scalar(key)
	if n == nil {
		return def
	}
	v, err := parseSize(s)
	if err != nil {
		b.src.addAt(n, b.field(key), "%v", err)
		return def
	}
	return v
}

// enum returns key's value, which must be one of allowed (compared without
// regard to case, and returned as written in allowed), or def.
func (b *block) enum(key, def string, allowed ...string) string {
	s, n := b.scalar(key)
	if n == nil {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a
		}
	}
	b.src.addAt(n, b.field(key), "%q is none of %s", s, strings.Join(allowed, ", "))
	return def
}

// parsed returns key's value read by parse, or def; parse's error is the
// problem.
func parsed[T any](b *block, key string, def T, parse func(string) (T, error)) T {
	s, n := b.scalar(key)
	if n == nil {
		return def
	}
	v, err := parse(s)
	if err != nil {
		b.src.addAt(n, b.field(key), "%v", err)
		return def
	}
	return v
}

// list returns the values of a list of single values; a single value
// alone is a list of one. The items' places are recorded as key[i].
func (b *block) list(key string) []string {
	n := b.value(key)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.ScalarNode:
		b.src.nodes[indexField(b.field(key), 0)] = n
		return []string{n.Value}
	case n.Kind != yaml.SequenceNode:
		b.src.addAt(n, b.field(key), "want a list, not %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		field := indexField(b.field(key), i)
		b.src.nodes[field] = item
		if item.Kind != yaml.ScalarNode || isNull(item) {
			b.src.addAt(item, field, "want a single value, not %s", kindName(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// items returns the nodes of a list of mappings (the partners).
func (b *block) items(key string) []*yaml.Node {
	n := b.value(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		b.src.addAt(n, b.field(key), "want a list, not %s", kindName(n))
		return nil
	}
	return n.Content
}

// path reads a path field into dst, def when absent, and registers it to
// be resolved (made absolute, ${dataDir} expanded) once the data directory
// is known.
func (b *block) path(key, def string, dst *string) {
	*dst = b.str(key, def)
	b.src.paths = append(b.src.paths, pathField{field: b.field(key), dst: dst})
}

// done reports every key of the block that was not asked for.
func (b *block) done() {
	for _, e := range b.entries {
		if slices.Contains(b.asked, e.key.Value) {
			continue
		}
		b.src.addAt(e.key, b.field(e.key.Value), "unknown field%s", suggest(e.key.Value, b.asked))
	}
}

// suggest returns `; did you mean "x"?` with the known name nearest to
// name, or one that name starts with or that starts with name ("logging",
// "log"), or else the list of known names.
func suggest(name string, known []string) string {
	known = slices.Compact(slices.Sorted(slices.Values(known)))
	best, bestDist := "", -1
	for _, k := range known {
		d := editDistance(strings.ToLower(name), strings.ToLower(k))
		if bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	switch {
	case best == "":
		return " (this block has no fields)"
	case bestDist <= max(2, len(name)/3):
		return `; did you mean "` + best + `"?`
	}
	for _, k := range known {
		short, long := strings.ToLower(k), strings.ToLower(name)
		if len(short) > len(long) {
			short, long = long, short
		}
		if len(short) >= 3 && strings.HasPrefix(long, short) {
			return `; did you mean "` + k + `"?`
		}
	}
	return " (known: " + strings.Join(known, ", ") + ")"
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each count one, so that
// "sing" is one from "sign".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

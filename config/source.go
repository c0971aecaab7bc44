package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// source is what a configuration was read from, kept so that a problem
// found after decoding, by a rule that looks at several fields, can still
// name the file, line and column of the field it is about.
type source struct {
	file     string                // as given to Load, for problems
	root     *yaml.Node            // the document's top mapping; nil for an empty file
	nodes    map[string]*yaml.Node // the value node of every field read, by field path
	fromEnv  map[string]string     // fields whose value came from the environment: the variable
	paths    []pathField           // the path fields, resolved once the data directory is known
	problems Problems
	reported map[string]bool // fields with a problem: one is enough
	broken   map[string]bool // blocks that are not mappings: nothing in them is reported
}

func newSource(file string) *source {
	return &source{file: file, nodes: map[string]*yaml.Node{}, fromEnv: map[string]string{}, reported: map[string]bool{}, broken: map[string]bool{}}
}

// addAt records a problem at node n (its key's place for unknown fields).
// A field has one problem at most: the first found, which is the more
// basic (a value of the wrong kind is not also reported missing).
func (s *source) addAt(n *yaml.Node, field, format string, args ...any) {
	if field != "" && (s.reported[field] || s.inBroken(field)) {
		return
	}
	s.reported[field] = true
	p := Problem{File: s.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	s.problems = append(s.problems, p)
}

// add records a problem about field, placed at the field's value or, when
// the field is not in the file, at the nearest enclosing block that is. A
// value that came from the environment has no place; the message names
// the variable instead.
func (s *source) add(field, format string, args ...any) {
	if name, ok := s.fromEnv[field]; ok {
		if s.reported[field] {
			return
		}
		s.reported[field] = true
		p := Problem{File: s.file, Field: field, Msg: fmt.Sprintf(format, args...) + " (from " + name + ")"}
		s.problems = append(s.problems, p)
		return
	}
	s.addAt(s.nodeOf(field), field, format, args...)
}

// inBroken reports whether field is inside a block that is not a
// mapping: its fields are all missing, which says nothing new.
func (s *source) inBroken(field string) bool {
	for f := parentField(field); f != ""; f = parentField(f) {
		if s.broken[f] {
			return true
		}
	}
	return false
}

// nodeOf returns the node of field, or of the nearest enclosing field that
// was in the file, or the document's root.
func (s *source) nodeOf(field string) *yaml.Node {
	for field != "" {
		if n, ok := s.nodes[field]; ok {
			return n
		}
		field = parentField(field)
	}
	return s.root
}

// parentField strips the last step of a field path: "a.b[2]" becomes
// "a.b", and "a.b" becomes "a".
func parentField(field string) string {
	if strings.HasSuffix(field, "]") {
		if i := strings.LastIndexByte(field, '['); i >= 0 {
			return field[:i]
		}
	}
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[:i]
	}
	return ""
}

// childField joins a block's path and a key.
func childField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// indexField names the i-th item of a list field.
func indexField(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// deref follows an alias to the node it stands for.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null ("key:" with
// nothing after it, "~", "null"), which count as not given.
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName describes a node for "want X, not Y" messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

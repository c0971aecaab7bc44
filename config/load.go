package config

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration file at path, applies the environment
// overrides read with getenv (nil: none), fills in the defaults, makes the
// paths absolute and checks everything but the files named (CheckFiles).
// The error, when not nil, is Problems: every problem found, not the first
// only. getenv is a parameter so that tests, and commands run in-process,
// choose the environment.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: readError(err)}}
	}
	return Parse(data, path, getenv)
}

// Parse is Load for a file already read; path names it in problems, and
// relative paths in it are relative to path's folder.
func Parse(data []byte, path string, getenv func(string) string) (*Config, error) {
	c, problems := parse(data, path, getenv)
	if len(problems) > 0 {
		return nil, problems
	}
	return c, nil
}

// Check reports everything Load and CheckFiles find, in one list, for
// `edibridge config check`. The config is nil only when the file could not
// be read or is not YAML; otherwise it is returned even with problems, as
// far as it could be read.
func Check(path string, getenv func(string) string) (*Config, Problems) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: readError(err)}}
	}
	c, problems := parse(data, path, getenv)
	if c == nil {
		return nil, problems
	}
	return c, append(problems, c.CheckFiles()...).sorted()
}

// parse runs the steps of Parse; the config is nil when data is not YAML.
func parse(data []byte, path string, getenv func(string) string) (*Config, Problems) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	src := newSource(path)
	if !src.readYAML(data) {
		return nil, src.problems.sorted()
	}
	c := decode(src)
	applyEnv(c, getenv)
	baseDir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		src.addAt(nil, "", "cannot tell the configuration's folder: %v", err)
	}
	resolvePaths(c, baseDir)
	fillDerived(c)
	validate(c)
	return c, src.problems.sorted()
}

// yamlLine finds the line in yaml's messages, "yaml: line 3: ...".
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// readYAML parses data into src.root, and reports whether it could.
func (s *source) readYAML(data []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			s.addAt(nil, "", "the file is empty")
			return false
		}
		s.addYAMLError(err)
		return false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		s.addAt(&next, "", "a second YAML document; the configuration is one")
		return false
	} else if !errors.Is(err, io.EOF) {
		s.addYAMLError(err)
		return false
	}
	if len(doc.Content) > 0 {
		s.root = doc.Content[0]
	}
	if root := deref(s.root); !isNull(root) && root.Kind != yaml.MappingNode {
		s.addAt(root, "", "want a mapping (name: value lines), not %s", kindName(root))
		return false
	}
	return true
}

func (s *source) addYAMLError(err error) {
	p := Problem{File: s.file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Msg = m[2]
	}
	s.problems = append(s.problems, p)
}

// readError describes a failure to read the file without repeating its
// name, which the problem carries.
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

package mapping

import (
	"fmt"
	"os"
)

// NewFromFile returns a Mapper on the built-in tables with the overrides
// in file (a partner's mapping file, as a configuration names it) in
// front; an empty file name means none. The commands and the runtime
// load a partner's tables the same way, so that `edibridge translate`
// shows what the bridge itself would send.
func NewFromFile(file string) (*Mapper, error) {
	if file == "" {
		return New(nil)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("mapping overrides: %w", err)
	}
	over, err := ParseOverrides(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	m, err := New(over)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

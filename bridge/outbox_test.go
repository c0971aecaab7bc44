package bridge

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutboxLeftoversRemovedAtStart: a delivery into a folder cut short by
// a crash (kill -9 between writing the temporary file and linking it into
// place) leaves .edibridge-*.tmp in the partner's outbox; the next start
// removes it, and leaves the partner's files alone.
func TestOutboxLeftoversRemovedAtStart(t *testing.T) {
	var outbox string
	tb := startBridge(t, func(o *Options) {
		outbox = o.Partners[0].Folder.Outbox
		require.NoError(t, os.WriteFile(filepath.Join(outbox, ".edibridge-123456.tmp"), []byte("UNA:+.? 'UNB+"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(outbox, "INVOIC_1.edi"), []byte("delivered"), 0o644))
	})
	defer tb.stop()
	entries, err := os.ReadDir(outbox)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"INVOIC_1.edi"}, names)
}

package transport_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/edibridge/edibridge/transport"
)

func TestWriteTempWritesSyncedFileWithItsPermissions(t *testing.T) {
	dir := t.TempDir()
	path, err := transport.WriteTemp(dir, ".x-*.tmp", []byte("UNA:+.? '"), 0o640)
	require.NoError(t, err)
	assert.Equal(t, dir, filepath.Dir(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "UNA:+.? '", string(data))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())
	require.NoError(t, transport.SyncDir(dir))
}

func TestWriteTempInAMissingFolderFails(t *testing.T) {
	_, err := transport.WriteTemp(filepath.Join(t.TempDir(), "gone"), "*.tmp", []byte("x"), 0o600)
	assert.Error(t, err)
	assert.Error(t, transport.SyncDir(filepath.Join(t.TempDir(), "gone")))
}

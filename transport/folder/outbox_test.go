package folder

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutboxWritesWholeFilesAndNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	box := Outbox{Dir: dir}
	ctx := t.Context()
	require.NoError(t, box.Write(ctx, "desadv.edi", []byte("UNB+desadv'")))
	got, err := os.ReadFile(filepath.Join(dir, "desadv.edi"))
	require.NoError(t, err)
	assert.Equal(t, "UNB+desadv'", string(got))
	fi, err := os.Stat(filepath.Join(dir, "desadv.edi"))
	require.NoError(t, err)
	assert.Equal(t, DefaultPerm, fi.Mode().Perm(), "whatever the umask")

	err = box.Write(ctx, "desadv.edi", []byte("UNB+other'"))
	assert.ErrorIs(t, err, fs.ErrExist)
	got, _ = os.ReadFile(filepath.Join(dir, "desadv.edi"))
	assert.Equal(t, "UNB+desadv'", string(got), "not replaced")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestOutboxRefusesBadNamesAndEndedContexts(t *testing.T) {
	dir := t.TempDir()
	box := Outbox{Dir: dir, Perm: 0o600}
	for _, name := range []string{"", "../escape.edi", "sub/x.edi", ".hidden"} {
		assert.ErrorIs(t, box.Write(t.Context(), name, []byte("x")), ErrBadName, "%q", name)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, box.Write(ctx, "x.edi", []byte("x")), context.Canceled)
	assert.Error(t, Outbox{Dir: filepath.Join(dir, "missing")}.Write(t.Context(), "x.edi", nil))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestOutboxConcurrentWritersOfOneNameOneWins(t *testing.T) {
	dir := t.TempDir()
	box := Outbox{Dir: dir}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := box.Write(t.Context(), "invoic.edi", []byte("UNB'"))
			if err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, fs.ErrExist)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
}

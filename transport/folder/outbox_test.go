package folder

import (
	"context"
	"fmt"
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
	for i := range 8 {
		wg.Go(func() {
			err := box.Write(t.Context(), "invoic.edi", fmt.Appendf(nil, "UNB+%d'", i))
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

func TestOutboxRetryOfTheSameFileSucceeds(t *testing.T) {
	// A retry after a crash or a lost answer finds its own file there: it
	// is delivered already, not a reason to deliver it again elsewhere.
	dir := t.TempDir()
	box := Outbox{Dir: dir}
	require.NoError(t, box.Write(t.Context(), "desadv.edi", []byte("UNB'")))
	assert.NoError(t, box.Write(t.Context(), "desadv.edi", []byte("UNB'")), "the same bytes again")
	assert.ErrorIs(t, box.Write(t.Context(), "desadv.edi", []byte("UNB'UNZ'")), fs.ErrExist, "a longer file")
	assert.ErrorIs(t, box.Write(t.Context(), "desadv.edi", []byte("UN")), fs.ErrExist, "a shorter file")
	assert.Len(t, folderNames(t, dir), 1)
}

func TestOutboxRemovesLeftoversOfACrash(t *testing.T) {
	dir := t.TempDir()
	box := Outbox{Dir: dir}
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".edibridge-1234.tmp"), []byte("UNB+ha"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".partner-temp"), nil, 0o600))
	require.NoError(t, box.Write(t.Context(), "orders.edi", []byte("UNB'")))
	require.NoError(t, box.RemoveLeftovers())
	assert.ElementsMatch(t, []string{".partner-temp", "orders.edi"}, folderNames(t, dir), "only its own temporary files go")
}

func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

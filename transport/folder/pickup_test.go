package folder

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// info is a FileInfo for listings made up in tests.
type info struct {
	name    string
	size    int64
	modTime time.Time
	mode    fs.FileMode
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) Mode() fs.FileMode  { return i.mode }
func (i info) ModTime() time.Time { return i.modTime }
func (i info) IsDir() bool        { return i.mode.IsDir() }
func (i info) Sys() any           { return nil }

func file(name string, size int64, mod time.Time) fs.FileInfo {
	return info{name: name, size: size, modTime: mod}
}

func names(infos []fs.FileInfo) []string {
	var out []string
	for _, fi := range infos {
		out = append(out, fi.Name())
	}
	return out
}

func TestStableSizeNeedsTwoLooksThatAgree(t *testing.T) {
	p, err := NewPickup(Rules{StableFor: time.Second})
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	ready, wait := p.Complete([]fs.FileInfo{file("a.edi", 10, t0)}, t0)
	assert.Empty(t, ready, "first sight")
	assert.Equal(t, time.Second, wait)
	ready, wait = p.Complete([]fs.FileInfo{file("a.edi", 10, t0)}, t0.Add(400*time.Millisecond))
	assert.Empty(t, ready, "too soon")
	assert.Equal(t, 600*time.Millisecond, wait)
	ready, _ = p.Complete([]fs.FileInfo{file("a.edi", 20, t0.Add(time.Second))}, t0.Add(time.Second))
	assert.Empty(t, ready, "grew: starts again")
	ready, _ = p.Complete([]fs.FileInfo{file("a.edi", 20, t0.Add(time.Second))}, t0.Add(2*time.Second))
	assert.Equal(t, []string{"a.edi"}, names(ready))

	// Forgotten once taken; a file of the same name later starts afresh.
	p.Forget("a.edi")
	ready, _ = p.Complete([]fs.FileInfo{file("a.edi", 20, t0.Add(time.Second))}, t0.Add(3*time.Second))
	assert.Empty(t, ready)
}

func TestStableSizeWithoutAGapTakesTheSecondLook(t *testing.T) {
	p, err := NewPickup(Rules{})
	require.NoError(t, err)
	t0 := time.Now()
	ready, _ := p.Complete([]fs.FileInfo{file("a.edi", 10, t0)}, t0)
	assert.Empty(t, ready)
	ready, _ = p.Complete([]fs.FileInfo{file("a.edi", 10, t0)}, t0)
	assert.Len(t, ready, 1)
}

func TestPickupSkipsHiddenFoldersAndUnmatched(t *testing.T) {
	p, err := NewPickup(Rules{Completion: Renamed, Pattern: "*.edi"})
	require.NoError(t, err)
	listing := []fs.FileInfo{
		file("a.edi", 1, time.Time{}),
		file(".b.edi", 1, time.Time{}),
		file("c.edi.tmp", 1, time.Time{}),
		info{name: "d.edi", mode: fs.ModeDir},
		info{name: "e.edi", mode: fs.ModeSymlink},
	}
	ready, _ := p.Complete(listing, time.Now())
	assert.Equal(t, []string{"a.edi"}, names(ready))
}

func TestReadyMarker(t *testing.T) {
	p, err := NewPickup(Rules{Completion: ReadyMarker})
	require.NoError(t, err)
	now := time.Now()
	ready, _ := p.Complete([]fs.FileInfo{file("a.edi", 5, now), file("b.edi", 5, now), file("b.edi.ready", 0, now), file("c.ready", 0, now)}, now)
	assert.Equal(t, []string{"b.edi"}, names(ready), "markers are never files to take")
	assert.Equal(t, "b.edi.ready", p.Rules().Marker("b.edi"))
}

func TestRulesAreChecked(t *testing.T) {
	_, err := NewPickup(Rules{Pattern: "[a-"})
	assert.Error(t, err)
	_, err = NewPickup(Rules{Completion: Completion(9)})
	assert.Error(t, err)
	_, err = NewPickup(Rules{StableFor: -time.Second})
	assert.Error(t, err)
	for _, c := range []Completion{StableSize, ReadyMarker, Renamed} {
		parsed, err := ParseCompletion(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, parsed)
	}
	_, err = ParseCompletion("whenever")
	assert.Error(t, err)
}

func TestKeyIsNameSizeAndHash(t *testing.T) {
	k := Key("a.edi", []byte("UNB'"))
	assert.Equal(t, "a.edi|4|sha256:", k[:len("a.edi|4|sha256:")])
	assert.Equal(t, k, Key("a.edi", []byte("UNB'")))
	assert.NotEqual(t, k, Key("a.edi", []byte("UNZ'")))
	assert.NotEqual(t, k, Key("b.edi", []byte("UNB'")))
}

func TestCheckName(t *testing.T) {
	for _, good := range []string{"orders.edi", "ORDERS_4711 (2).edi", "Bestellung-Müller.edi", strings.Repeat("a", 255)} {
		assert.NoError(t, CheckName(good), good)
	}
	for _, bad := range []string{"", ".", "..", ".hidden", "../x", "a/b", `a\b`, "x\x00y", "line\nbreak", "trailing.", "trailing ", "\xff", strings.Repeat("a", 256)} {
		assert.ErrorIs(t, CheckName(bad), ErrBadName, "%q", bad)
	}
}

func TestReadyMarkerOlderThanItsFileDoesNotCount(t *testing.T) {
	// A marker left behind by an earlier file of the name (a crash between
	// taking the file and removing its marker) must not make the next file
	// of that name complete while it is being written.
	p, err := NewPickup(Rules{Completion: ReadyMarker, MarkerSuffix: ".ok"})
	require.NoError(t, err)
	t0 := time.Now()
	ready, _ := p.Complete([]fs.FileInfo{file("orders.edi.ok", 0, t0), file("orders.edi", 8, t0.Add(time.Second))}, t0.Add(time.Second))
	assert.Empty(t, ready, "a stale marker counted")
	ready, _ = p.Complete([]fs.FileInfo{file("orders.edi.ok", 0, t0.Add(2*time.Second)), file("orders.edi", 14, t0.Add(time.Second))}, t0.Add(2*time.Second))
	assert.Equal(t, []string{"orders.edi"}, names(ready), "a marker written after the file")
	ready, _ = p.Complete([]fs.FileInfo{file("orders.edi.ok", 0, t0), file("orders.edi", 14, t0)}, t0)
	assert.Equal(t, []string{"orders.edi"}, names(ready), "file and marker in the same clock tick")
}

func TestEmptyPatternLeavesTemporaryNames(t *testing.T) {
	// Under Renamed the writer's temporary name must not be taken: it is
	// complete at once. Under StableSize a writer that pauses would be.
	now := time.Now()
	listing := []fs.FileInfo{
		file("orders.edi", 10, now), file("orders.edi.tmp", 10, now), file("x.filepart", 1, now),
		file("INVOIC.TMP", 1, now), file("desadv.edi.part", 1, now), file("notes~", 1, now),
	}
	for _, c := range []Completion{Renamed, StableSize} {
		p, err := NewPickup(Rules{Completion: c, StableFor: time.Nanosecond})
		require.NoError(t, err)
		p.Complete(listing, now)
		ready, _ := p.Complete(listing, now.Add(time.Second))
		assert.Equal(t, []string{"orders.edi"}, names(ready), "%s took temporary names", c)
	}
	p, err := NewPickup(Rules{Completion: Renamed, Pattern: "*.tmp"})
	require.NoError(t, err)
	ready, _ := p.Complete(listing, now)
	assert.Equal(t, []string{"orders.edi.tmp"}, names(ready), "a pattern that asks for them takes them")
}

func TestEmptyFileIsNeverStable(t *testing.T) {
	// A writer may create the file and compute for a while before writing.
	p, err := NewPickup(Rules{StableFor: time.Second})
	require.NoError(t, err)
	t0 := time.Now()
	for i := range 5 {
		ready, wait := p.Complete([]fs.FileInfo{file("orders.edi", 0, t0)}, t0.Add(time.Duration(i)*time.Hour))
		assert.Empty(t, ready, "an empty file taken")
		assert.Zero(t, wait, "nothing to wait for: only a write can make it complete")
	}
	ready, _ := p.Complete([]fs.FileInfo{file("orders.edi", 9, t0)}, t0.Add(5*time.Hour))
	assert.Empty(t, ready, "first sight of the written file")
	ready, _ = p.Complete([]fs.FileInfo{file("orders.edi", 9, t0)}, t0.Add(6*time.Hour))
	assert.Equal(t, []string{"orders.edi"}, names(ready))
}

func TestCheckNameRefusesNamesUnsafeOnWindowsOrMisleading(t *testing.T) {
	for _, bad := range []string{
		"CON", "con", "Nul", "nul.edi", "AUX.tar.gz", "PRN .edi", "COM1", "lpt9.txt", "COM¹.edi",
		"a:b.edi", "a*b?.edi", `a"b<c>|.edi`,
		"invoice\u202Eide.exe", "a\u200Bb.edi", "\uFEFForders.edi", "a\u2066b.edi", "x\x7fy",
	} {
		assert.ErrorIs(t, CheckName(bad), ErrBadName, "%q", bad)
	}
	for _, good := range []string{"CONTRACT.edi", "console.edi", "NULL.edi", "COM10.edi", "LPT.edi", "COM0", "aux-orders.edi", "Straße_№5.edi"} {
		assert.NoError(t, CheckName(good), "%q", good)
	}
}

func TestFitNameKeepsNamesWithinTheLimit(t *testing.T) {
	assert.Equal(t, "orders.edi.part", FitName("orders.edi", ".part"))
	long := strings.Repeat("a", 250)
	assert.Equal(t, strings.Repeat("a", 250)+".p", FitName(long, ".p"))
	fitted := FitName(strings.Repeat("é", 127)+"x", ".0123456789.part") // 255 bytes
	assert.LessOrEqual(t, len(fitted), MaxNameLength)
	assert.True(t, strings.HasSuffix(fitted, ".0123456789.part"))
	assert.NoError(t, CheckName(fitted), "cut at a character boundary")
}

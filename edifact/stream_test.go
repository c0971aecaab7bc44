package edifact

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inputFiles returns our fixtures and, where present, the shared corpus.
func inputFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.edi"))
	require.NoError(t, err)
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*"))
	for _, f := range corpus {
		if !strings.HasSuffix(f, ".md") {
			files = append(files, f)
		}
	}
	return files
}

// readEverything reads all segments from r leniently and returns them with
// their offsets, the warnings and the final error.
func readEverything(r io.Reader) (segs []string, offsets []int64, warnings []string, err error) {
	rd := NewReader(r)
	rd.Accept = AllFaults
	for {
		seg, err := rd.Read()
		if err != nil {
			for _, w := range rd.Warnings() {
				warnings = append(warnings, w.Error())
			}
			if err == io.EOF {
				err = nil
			}
			return segs, offsets, warnings, err
		}
		segs = append(segs, seg.String())
		offsets = append(offsets, seg.Offset)
	}
}

// TestStreamingIsIndependentOfReads: however the input arrives (one byte at
// a time, in halves, with the error on the last read), the result is the
// same, offsets and warnings included. This is what catches mistakes at
// buffer boundaries.
func TestStreamingIsIndependentOfReads(t *testing.T) {
	for _, file := range inputFiles(t) {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		want, wantOff, wantWarn, wantErr := readEverything(bytes.NewReader(data))
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"one byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"data+err": iotest.DataErrReader,
		} {
			got, gotOff, gotWarn, gotErr := readEverything(wrap(bytes.NewReader(data)))
			assert.Equal(t, want, got, "%s %s", file, name)
			assert.Equal(t, wantOff, gotOff, "%s %s", file, name)
			assert.Equal(t, wantWarn, gotWarn, "%s %s", file, name)
			assert.Equal(t, wantErr, gotErr, "%s %s", file, name)
		}
	}
}

// TestLongInputAcrossBlocks reads an input much larger than the Reader's
// blocks, with segments of every length around the block size.
func TestLongInputAcrossBlocks(t *testing.T) {
	var b strings.Builder
	b.WriteString("UNB+UNOC:3+S+R+260101:1200+1'")
	n := 0
	for size := 1; b.Len() < 3*defaultBufferSize+5000; size += 97 {
		n++
		b.WriteString("UNH+" + strconv.Itoa(n) + "+X:D:96A:UN'FTX+AAI+++" + strings.Repeat("x", size%9000) + "?'end'UNT+3+" + strconv.Itoa(n) + "'")
	}
	b.WriteString("UNZ+" + strconv.Itoa(n) + "+1'")
	r := NewReader(iotest.HalfReader(strings.NewReader(b.String())))
	var held []Segment // segments stay valid after later reads
	count := 0
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		count++
		held = append(held, m.Segments[1])
	}
	assert.Equal(t, n, count)
	for i, s := range held {
		text := s.Value(3, 0)
		assert.True(t, strings.HasPrefix(text, strings.Repeat("x", (1+97*i)%9000)), "message %d", i+1)
		assert.True(t, strings.HasSuffix(text, "'end"), "message %d", i+1)
	}
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorIsReported(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(&failingReader{data: []byte("UNH+1+X:D:96A:UN'BGM+220'UNT+"), err: boom})
	var err error
	for err == nil {
		_, err = r.Read()
	}
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "edifact: read at offset 29")
	_, again := r.Read()
	assert.Equal(t, err, again, "errors are sticky")
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderWithoutProgress(t *testing.T) {
	_, err := NewReader(stuckReader{}).Read()
	assert.ErrorIs(t, err, io.ErrNoProgress)
}

func TestEmptyInput(t *testing.T) {
	for _, input := range []string{"", "\r\n\n", "\xEF\xBB\xBF"} {
		r := NewReader(strings.NewReader(input))
		_, err := r.Read()
		assert.Equal(t, io.EOF, err, "%q", input)
		ics, err := NewReader(strings.NewReader(input)).ReadAll()
		assert.NoError(t, err)
		assert.Empty(t, ics)
	}
}

func TestSegmentOffsetsAndLines(t *testing.T) {
	input := "UNA:+.? '\r\nUNB+UNOC:3+S+R+260101:1200+1'\r\nUNH+1+X:D:96A:UN'\r\nBGM+220'\r\nUNT+3+1'\r\nUNZ+1+1'\r\n"
	r := NewReader(strings.NewReader(input))
	var offsets []int64
	for {
		seg, err := r.Read()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		offsets = append(offsets, seg.Offset)
		assert.Equal(t, seg.Tag, input[seg.Offset:seg.Offset+3])
	}
	assert.Len(t, offsets, 5)
	_, err := NewReader(strings.NewReader(strings.Replace(input, "BGM+220", "BGM+2\x0120", 1))).ReadAll()
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 4, se.Line)
	assert.Equal(t, int64(strings.Index(input, "BGM")+5), se.Offset)
}

package edifact

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"

	"github.com/edibridge/edibridge/internal/edigen"
)

// The large benchmark input: 20,000 EANCOM messages (ORDERS, DESADV, INVOIC
// in turn) of 20 lines each, about 55 MB, in UNOC with umlauts and escapes.
var bigInput = edigen.Options{Messages: 20000, Lines: 20, Seed: 1}

// generate writes an interchange into a file of the benchmark's temporary
// folder and returns its path and size. EDIBRIDGE_BENCH_MESSAGES sets a
// smaller (or larger) number of messages, for quick runs and profiles.
func generate(b *testing.B, opt edigen.Options) (string, int64) {
	b.Helper()
	if n, err := strconv.Atoi(os.Getenv("EDIBRIDGE_BENCH_MESSAGES")); err == nil && n > 0 {
		opt.Messages = n
	}
	path := filepath.Join(b.TempDir(), "input.edi")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := edigen.Write(f, opt)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Bytes
}

// readAll reads every segment: the Reader's whole work, each segment split
// into its elements and components, unescaped, decoded and checked.
func readAll(r *Reader) (segments int, err error) {
	for {
		_, err := r.Read()
		if err == io.EOF {
			return segments, nil
		}
		if err != nil {
			return segments, err
		}
		segments++
	}
}

// visitAll reads every segment and visits every component of it, as a
// consumer that uses all the data would.
func visitAll(r *Reader) (components, textBytes int, err error) {
	for {
		seg, err := r.Read()
		if err == io.EOF {
			return components, textBytes, nil
		}
		if err != nil {
			return components, textBytes, err
		}
		for _, text := range seg.Components() {
			components++
			textBytes += len(text)
		}
	}
}

// BenchmarkRead reads the large interchange from memory.
func BenchmarkRead(b *testing.B) {
	path, size := generate(b, bigInput)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := readAll(NewReader(bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadVisit reads the large interchange from memory and visits
// every component of every segment.
func BenchmarkReadVisit(b *testing.B) {
	path, size := generate(b, bigInput)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := visitAll(NewReader(bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadSmall reads a one-message interchange of about 1 KB: the cost
// of a Reader for the typical file a partner sends.
func BenchmarkReadSmall(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testdataDir, "orders_d96a_unoc.edi"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := visitAll(NewReader(bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFileMemory streams the large interchange from a file and
// reports the peak of the live heap while it does: it must not grow with
// the input (the input itself is never all in memory).
func BenchmarkReadFileMemory(b *testing.B) {
	path, size := generate(b, bigInput)
	b.SetBytes(size)
	peak := 0.0
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		r := NewReader(f)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for n := 0; ; n++ {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if n%4096 == 0 {
				metrics.Read(sample)
				peak = max(peak, float64(sample[0].Value.Uint64()))
			}
		}
		f.Close()
	}
	b.ReportMetric(peak/(1<<20), "peak-heap-MiB")
}

// BenchmarkWrite writes the large interchange: its 20,000 messages,
// escaped and encoded to ISO 8859-1, to io.Discard.
func BenchmarkWrite(b *testing.B) {
	path, _ := generate(b, bigInput)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	ics, err := NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	ic := ics[0]
	count := &countWriter{}
	writeAll := func(out io.Writer) {
		w := NewWriter(out)
		w.Delimiters, w.AlwaysUNA, w.LineBreak = ic.Delimiters, true, "\n"
		if err := w.BeginInterchange(*ic.Header); err != nil {
			b.Fatal(err)
		}
		for _, m := range ic.Messages {
			if err := w.WriteMessage(m); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.EndInterchange(); err != nil {
			b.Fatal(err)
		}
	}
	writeAll(count)
	if count.n != int64(len(data)) {
		b.Fatalf("wrote %d bytes, read %d", count.n, len(data))
	}
	b.SetBytes(count.n)
	b.ReportAllocs()
	for b.Loop() {
		writeAll(io.Discard)
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

package edifact

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/edibridge/edibridge/internal/edigen"
)

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
	path, size := edigen.TempFile(b, edigen.Big)
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
	path, size := edigen.TempFile(b, edigen.Big)
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
	path, size := edigen.TempFile(b, edigen.Big)
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
	path, _ := edigen.TempFile(b, edigen.Big)
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

package mapping

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/edibridge/edibridge/edifact"
	"github.com/edibridge/edibridge/internal/edigen"
	"github.com/edibridge/edibridge/procuros"
)

// heapSampler follows the peak of the live heap during a benchmark.
type heapSampler struct {
	sample []metrics.Sample
	peak   float64
}

func newHeapSampler() *heapSampler {
	runtime.GC()
	return &heapSampler{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapSampler) read() {
	metrics.Read(h.sample)
	h.peak = max(h.peak, float64(h.sample[0].Value.Uint64()))
}

func (h *heapSampler) report(b *testing.B) { b.ReportMetric(h.peak/(1<<20), "peak-heap-MiB") }

// BenchmarkToProcuros streams the large generated interchange (edigen.Big,
// 55 MB) from a file and turns each message into the JSON body of its
// Procuros transaction: read, map, marshal. Throughput is in EDIFACT bytes;
// the peak of the live heap must not grow with the file.
func BenchmarkToProcuros(b *testing.B) {
	path, size := edigen.TempFile(b, edigen.Big)
	m, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var heap *heapSampler
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		heap = newHeapSampler()
		n := 0
		for tr := range m.Translate(edifact.NewReader(f)) {
			if tr.Err != nil {
				b.Fatal(tr.Err)
			}
			if _, err := procuros.MarshalTransaction(tr.Result.Transaction()); err != nil {
				b.Fatal(err)
			}
			if n++; n%256 == 0 {
				heap.read()
			}
		}
		f.Close()
	}
	heap.report(b)
}

// BenchmarkMap is BenchmarkToProcuros without the JSON: reading and mapping
// alone, to show where the time goes.
func BenchmarkMap(b *testing.B) {
	path, size := edigen.TempFile(b, edigen.Big)
	m, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for tr := range m.Translate(edifact.NewReader(f)) {
			if tr.Err != nil {
				b.Fatal(tr.Err)
			}
		}
		f.Close()
	}
}

// transactionsFile translates the large interchange once into a file of
// Procuros transactions, a JSON array as the translate command reads it,
// and returns its path and the size of the EDIFACT they make.
func transactionsFile(b *testing.B, m *Mapper) (string, int64) {
	b.Helper()
	in, _ := edigen.TempFile(b, edigen.Big)
	f, err := os.Open(in)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	path := filepath.Join(b.TempDir(), "transactions.json")
	out, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(out)
	w.WriteString("[")
	for tr := range m.Translate(edifact.NewReader(f)) {
		if tr.Err != nil {
			b.Fatal(tr.Err)
		}
		body, err := procuros.MarshalTransaction(tr.Result.Transaction())
		if err != nil {
			b.Fatal(err)
		}
		if tr.Message.Index > 1 {
			w.WriteString(",\n")
		}
		w.Write(body)
	}
	w.WriteString("]\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	var size countingWriter
	if err := writeTransactions(m, path, &size, nil); err != nil {
		b.Fatal(err)
	}
	return path, size.n
}

// writeTransactions streams a JSON array of transactions from a file and
// writes them as one interchange, one message at a time.
func writeTransactions(m *Mapper, path string, w io.Writer, heap *heapSampler) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	iw, err := m.NewInterchangeWriter(w, testEnvelope("D96A"))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for n := 0; dec.More(); n++ {
		var tx struct {
			Type    procuros.TransactionType `json:"type"`
			Content json.RawMessage          `json:"content"`
		}
		if err := dec.Decode(&tx); err != nil {
			return err
		}
		content, err := procuros.DecodeContent(tx.Type, tx.Content)
		if err != nil {
			return err
		}
		if _, err := iw.Write(OutMessage{Ref: "1", Content: content}); err != nil {
			return err
		}
		if heap != nil && n%256 == 0 {
			heap.read()
		}
	}
	return iw.Close()
}

// BenchmarkToEDIFACT streams the 20,000 transactions of the large
// interchange, as JSON, from a file, and writes them as EANCOM: decode, map,
// write. Throughput is in EDIFACT bytes written; the peak of the live heap
// must not grow with the file.
func BenchmarkToEDIFACT(b *testing.B) {
	m, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	path, size := transactionsFile(b, m)
	b.SetBytes(size)
	b.ReportAllocs()
	var heap *heapSampler
	for b.Loop() {
		heap = newHeapSampler()
		if err := writeTransactions(m, path, io.Discard, heap); err != nil {
			b.Fatal(err)
		}
	}
	heap.report(b)
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkWriteEDIFACT is BenchmarkToEDIFACT without the JSON: the
// transactions decoded beforehand (all in memory), mapped and written.
func BenchmarkWriteEDIFACT(b *testing.B) {
	m, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	path, _ := edigen.TempFile(b, edigen.Big)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	var msgs []OutMessage
	for tr := range m.Translate(edifact.NewReader(f)) {
		if tr.Err != nil {
			b.Fatal(tr.Err)
		}
		msgs = append(msgs, OutMessage{Ref: tr.Message.Header.Ref, Content: tr.Result.Content})
	}
	f.Close()
	var out countingWriter
	if _, err := m.WriteInterchange(&out, testEnvelope("D96A"), msgs); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(out.n)
	b.ReportAllocs()
	for b.Loop() {
		iw, err := m.NewInterchangeWriter(io.Discard, testEnvelope("D96A"))
		if err != nil {
			b.Fatal(err)
		}
		for _, msg := range msgs {
			if _, err := iw.Write(msg); err != nil {
				b.Fatal(err)
			}
		}
		if err := iw.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

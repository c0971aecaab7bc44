package sftp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/edibridge/edibridge/transport"
	"github.com/edibridge/edibridge/transport/transporttest"
)

// latencies collects durations from concurrent Stores.
type latencies struct {
	mu   sync.Mutex
	list []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, d)
}

// quantile returns the q-quantile (0 to 1) of what was collected.
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.list) == 0 {
		return 0
	}
	sorted := slices.Clone(l.list)
	slices.Sort(sorted)
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

// BenchmarkUploads sends 1,000 small files (1 KB of EDIFACT each) per
// iteration through the embedded server with OpenSSH's sftp client, one
// batch session, and reports files per second and the time from the
// client's close to the Sink's return (median and 99th percentile). The
// sink is in memory, so the latency is the server's own: reading the spool
// file, hashing, and the store call.
func BenchmarkUploads(b *testing.B) {
	requireOpenSSH(b)
	const files = 1000
	key := newClientKey(b)
	stored := transporttest.NewSink()
	closeToStore := &latencies{}
	sink := transport.SinkFunc(func(ctx context.Context, f transport.File) (transport.Receipt, error) {
		r, err := stored.Store(ctx, f)
		closeToStore.add(time.Since(f.Received))
		return r, err
	})
	ts := startServer(b, Options{
		Accounts: []Account{testAccount("acme", key)}, Sink: sink,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), // info records, as in production
	})
	local := b.TempDir()
	payload := make([]byte, 1024)
	for i := range files {
		copy(payload, fmt.Sprintf("UNA:+.? 'UNB+UNOC:3+SENDER:14+RECIPIENT:14+261121:1000+%06d'", i))
		writeLocal(b, local, fmt.Sprintf("f%04d.edi", i), payload)
	}

	round := 0
	for b.Loop() {
		commands := make([]string, files)
		for i := range files {
			commands[i] = fmt.Sprintf("put f%04d.edi in/r%d-f%04d.edi", i, round, i)
		}
		if out, err := ts.sftpBatch(b, key, "acme", local, commands...); err != nil {
			b.Fatalf("sftp: %v\n%s", err, out)
		}
		round++
	}
	if got := len(stored.Files()); got != files*round {
		b.Fatalf("%d files stored, want %d", got, files*round)
	}
	b.ReportMetric(float64(files*round)/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(closeToStore.quantile(0.5).Microseconds()), "µs-close-to-store-p50")
	b.ReportMetric(float64(closeToStore.quantile(0.99).Microseconds()), "µs-close-to-store-p99")
}

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkInbound measures the whole inbound path through the binary:
// ORDERS files renamed into a folder inbox (completion: renamed, so a
// file is complete at its rename) to the sandbox process's 201. It
// reports messages per second, from the first rename to the last send the
// sandbox received, and the latency of each message, from its rename to
// the sandbox receiving it (matched by document number), as median and
// 99th percentile.
//
//	burst:   1,000 files as fast as they can be written
//	paced50: 300 files at 50 a second
//
// Run it with `go test -run '^$' -bench . -benchtime 1x ./e2e`.
func BenchmarkInbound(b *testing.B) {
	b.Run("burst", func(b *testing.B) { benchInbound(b, 1000, 0) })
	b.Run("paced50", func(b *testing.B) { benchInbound(b, 300, 20*time.Millisecond) })
}

func benchInbound(b *testing.B, n int, every time.Duration) {
	var rates, p50s, p99s []float64
	for round := range b.N {
		b.StopTimer()
		dir := b.TempDir()
		sb := startSandbox(b, dir)
		inbox, outbox := filepath.Join(dir, "in"), filepath.Join(dir, "out")
		mkdirs(b, inbox, outbox)
		config := writeConfig(b, dir, "dataDir: data\nlog: {format: json}\n"+
			procurosYAML(sb, 30*time.Second, 10*time.Second, time.Minute)+
			"listen:\n  http: {address: 127.0.0.1:0}\npartners:\n"+folderPartnerYAML("acme", inbox, outbox))
		br := startBridge(b, config)
		files := make([][]byte, n)
		docs := make([]string, n)
		for i := range n {
			docs[i] = fmt.Sprintf("BENCH-%d-%05d", round, i)
			files[i] = orders(docs[i], i+1)
		}
		// One message first, so that start-up is not measured.
		dropFile(b, inbox, "warmup.edi", orders(fmt.Sprintf("BENCH-%d-WARMUP", round), 0))
		waitAccepted(b, sb, 1)

		b.StartTimer()
		complete := make(map[string]time.Time, n)
		start := time.Now()
		for i := range n {
			if every > 0 {
				time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
			}
			complete[docs[i]] = dropFile(b, inbox, docs[i]+".edi", files[i])
		}
		waitAccepted(b, sb, n+1)
		b.StopTimer()

		var last time.Time
		var latencies []float64
		for _, r := range sb.received() {
			at, ok := complete[r.Document()]
			if !ok || r.Status != http.StatusCreated {
				continue
			}
			latencies = append(latencies, float64(r.ReceivedAt.Sub(at))/float64(time.Millisecond))
			if r.ReceivedAt.After(last) {
				last = r.ReceivedAt
			}
		}
		if len(latencies) != n {
			b.Fatalf("%d of %d messages matched in the sandbox", len(latencies), n)
		}
		slices.Sort(latencies)
		rates = append(rates, float64(n)/last.Sub(start).Seconds())
		p50s = append(p50s, percentile(latencies, 50))
		p99s = append(p99s, percentile(latencies, 99))
		br.stop()
		sb.p.stop(10 * time.Second)
	}
	b.ReportMetric(mean(rates), "msgs/s")
	b.ReportMetric(mean(p50s), "p50-ms")
	b.ReportMetric(mean(p99s), "p99-ms")
}

// waitAccepted waits until the sandbox has created n transactions.
func waitAccepted(b *testing.B, sb *sandbox, n int) {
	eventually(b, 10*time.Minute, func() (bool, string) {
		var summary struct {
			Accepted int `json:"accepted"`
		}
		sb.get("/_admin/", &summary)
		return summary.Accepted >= n, fmt.Sprintf("%d of %d accepted", summary.Accepted, n)
	}, "the sandbox did not get every message")
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func mean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

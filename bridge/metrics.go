package bridge

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the bridge's Prometheus metrics, in a registry of its own.
type metrics struct {
	registry      *prometheus.Registry
	messages      *prometheus.CounterVec
	filesReceived *prometheus.CounterVec
	latency       *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edibridge_messages_total",
			Help: "Messages and transactions by partner, type, direction (in, out) and outcome (parsed, sent, failed, delivered, rejected, ...).",
		}, []string{"partner", "type", "direction", "outcome"}),
		filesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edibridge_files_received_total",
			Help: "Files received and stored, by partner and transport.",
		}, []string{"partner", "transport"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "edibridge_latency_seconds",
			Help:    "Inbound: from a message parsed to Procuros' answer; outbound: from a transaction fetched to its delivery.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800},
		}, []string{"direction"}),
	}
	m.registry.MustRegister(m.messages, m.filesReceived, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) outcome(partner, typ, direction, outcome string) {
	m.messages.WithLabelValues(partner, typ, direction, outcome).Inc()
}

// depthCollector reports the journal's queues when scraped.
type depthCollector struct {
	b    *Bridge
	desc *prometheus.Desc
}

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	depth, err := c.b.journal.Depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for key, n := range depth {
		kind, state, _ := strings.Cut(key, "/")
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), kind, state)
	}
}

// opsHandler serves /healthz (the process runs), /readyz (it listens and
// its journal answers) and /metrics.
func (b *Bridge) opsHandler() http.Handler {
	b.metrics.registry.MustRegister(depthCollector{b: b, desc: prometheus.NewDesc("edibridge_queue_depth",
		"Work waiting in the journal, by kind (file, message, outbound) and state.", []string{"kind", "state"}, nil)})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !b.ready.Load() {
			http.Error(w, "starting or stopping", http.StatusServiceUnavailable)
			return
		}
		if _, err := b.journal.Depth(r.Context()); err != nil {
			http.Error(w, "journal: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.registry, promhttp.HandlerOpts{}))
	return mux
}

package bot

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus series Policy Radar exports on /metrics.
// A nil *Metrics records nothing.
type Metrics struct {
	polls       *prometheus.CounterVec
	newItems    prometheus.Counter
	alerts      *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
}

// NewMetrics registers the series on reg. queue reports queued alerts at scrape time.
func NewMetrics(reg prometheus.Registerer, st Store) *Metrics {
	m := &Metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policyradar_polls_total", Help: "Feed polls by result (ok, not_modified, error).",
		}, []string{"result"}),
		newItems: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "policyradar_items_total", Help: "New feed items recorded.",
		}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "policyradar_alerts_total", Help: "Alert delivery attempts by platform and result (sent, retry, rate_limited, failed).",
		}, []string{"platform", "result"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "policyradar_feed_last_success_timestamp_seconds", Help: "Unix time of each feed's latest successful poll.",
		}, []string{"feed"}),
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "policyradar_queue_depth", Help: "Alerts queued and not yet accepted by their platform.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		qs, err := st.QueueStats(ctx)
		if err != nil {
			return -1
		}
		return float64(qs.Queued)
	})
	reg.MustRegister(m.polls, m.newItems, m.alerts, m.lastSuccess, queue)
	return m
}

func (m *Metrics) poll(_ string, result string) {
	if m != nil {
		m.polls.WithLabelValues(result).Inc()
	}
}

func (m *Metrics) items(n int) {
	if m != nil && n > 0 {
		m.newItems.Add(float64(n))
	}
}

func (m *Metrics) alert(platform, result string) {
	if m != nil {
		m.alerts.WithLabelValues(platform, result).Inc()
	}
}

func (m *Metrics) feedSuccess(feed string, at time.Time) {
	if m != nil {
		m.lastSuccess.WithLabelValues(feed).Set(float64(at.Unix()))
	}
}

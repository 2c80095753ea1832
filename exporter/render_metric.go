package exporter

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retention-exporter/retention_exporter/metrics"
)

// newRenderDuration registers the gauge of a refresh's work after its
// reads: computing the result and rendering the snapshot, which
// retention_refresh_duration_seconds (the reads) leaves out. It has no
// labels but is a vector so that it is absent until a refresh has
// published, rather than an invented 0.
func newRenderDuration(reg prometheus.Registerer) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.SnapshotRenderDuration,
		Help: "Time the last refresh took to compute its result and render the snapshot, after reading the sources."}, nil)
	reg.MustRegister(g)
	return g
}

// rendered records the compute and render time of a published snapshot.
func (e *Exporter) rendered(d time.Duration) {
	defer e.ownVersion.Add(1)
	e.renderDuration.WithLabelValues().Set(d.Seconds())
}

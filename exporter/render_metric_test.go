package exporter

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/promslog"

	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/metrics"
)

// TestRenderDuration: the render time is absent until a refresh has
// published, then each refresh's shows in the next scrape (the own
// metrics are cached between changes), and it never exceeds the refresh.
func TestRenderDuration(t *testing.T) {
	e := New(testConfig(t, "max_staleness: 1h\n"), &fakePSA{clients: 2000}, nil, promslog.NewNopLogger())
	if f := scrapeOf(t, e); len(f.Samples(metrics.SnapshotRenderDuration)) != 0 {
		t.Fatalf("%s served before any refresh: %v", metrics.SnapshotRenderDuration, f.Samples(metrics.SnapshotRenderDuration))
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	var last float64
	for i := range 2 {
		start := time.Now()
		e.Refresh(context.Background(), now.Add(time.Duration(i)*time.Minute))
		took := time.Since(start).Seconds()
		f := scrapeOf(t, e)
		if typ := f[metrics.SnapshotRenderDuration].GetType(); typ != dto.MetricType_GAUGE {
			t.Fatalf("type %v, want gauge", typ)
		}
		v, ok := f.Find(metrics.SnapshotRenderDuration, scrape.Labels{})
		if !ok || v <= 0 || v > took {
			t.Fatalf("refresh %d: render %v (served %v), want in (0, %v]", i, v, ok, took)
		}
		if v == last {
			t.Errorf("refresh %d: render %v is the previous refresh's", i, v)
		}
		last = v
	}
}

// TestRenderDurationIsLive: a render recorded after the own metrics were
// last rendered shows in the next scrape, as it does when a scrape falls
// between a refresh's reads and its render.
func TestRenderDurationIsLive(t *testing.T) {
	e := New(testConfig(t, ""), &fakePSA{}, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	scrapeOf(t, e)
	e.rendered(5 * time.Second)
	if v, _ := scrapeOf(t, e).Find(metrics.SnapshotRenderDuration, scrape.Labels{}); v != 5 {
		t.Errorf("render %v after recording 5s", v)
	}
}

package dashboards

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/stack"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// TestPanelsOnBackfilledBlocks backfills a generated MSP daily, loads the
// blocks into a real Prometheus with nothing scraped, and checks that
// every trend query has a value at each backfilled day and at the noon
// after it, and that each direction panel lists exactly the clients the
// raw daily samples say moved that way.
func TestPanelsOnBackfilledBlocks(t *testing.T) {
	testenv.Integration(t)
	dir := t.TempDir()
	now := time.Now().UTC()
	msp := stack.StartMSP(t, dir, 80, now)
	cfg, psa, billing := msp.Config(t, dir)
	y, mo, d := now.Date()
	to := time.Date(y, mo, d-1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -45)
	promDir := filepath.Join(dir, "prom")
	o := backfill.Options{From: from, To: to, Step: 24 * time.Hour, Output: filepath.Join(promDir, "data"),
		Labels: map[string]string{"job": "retention", "instance": "backfill"}}
	if _, err := backfill.Run(context.Background(), cfg, psa, billing, o, nil); err != nil {
		t.Fatal(err)
	}
	prom, err := promtest.StartPrometheus(promDir, "global: {}\n", "--storage.tsdb.retention.time=100y")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	ctx := context.Background()
	client := msp.Stories.AtRisk.ID

	days := backfill.Instants(from, to, 24*time.Hour)
	for _, q := range HistoryQueries(t) {
		expr := substitute(q.Expr, client)
		if q.Direction {
			continue
		}
		series, err := prom.QueryRange(ctx, expr, from, to.Add(12*time.Hour), 12*time.Hour)
		if err != nil {
			t.Fatalf("%s / %s / %s: %v", q.Dashboard, q.Panel, q.RefID, err)
		}
		seen := map[int64]bool{}
		for _, s := range series {
			for _, v := range s.Values {
				seen[int64(v[0].(float64))] = true
			}
		}
		for _, day := range days {
			for _, at := range []time.Time{day, day.Add(12 * time.Hour)} {
				if !seen[at.Unix()] {
					t.Errorf("%s / %s / %s has no value at %s: %s", q.Dashboard, q.Panel, q.RefID, at.Format(time.RFC3339), expr)
				}
			}
		}
	}

	// Direction panels, at noon of each day their window reaches back from.
	health := func(at time.Time) map[string]float64 {
		res, err := prom.QueryAt(ctx, m.ClientHealthScore, at)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, s := range res {
			out[s.Metric[m.LabelClientID]] = value(t, s.Value)
		}
		return out
	}
	listed := 0
	for _, q := range HistoryQueries(t) {
		if !q.Direction || q.RefID != "A" {
			continue
		}
		ago, err := model.ParseDuration(q.Ago)
		if err != nil {
			t.Fatal(err)
		}
		for _, day := range days {
			if day.Add(-time.Duration(ago)).Before(from) {
				continue
			}
			res, err := prom.QueryAt(ctx, substitute(q.Expr, client), day.Add(12*time.Hour))
			if err != nil {
				t.Fatalf("%s / %s: %v", q.Dashboard, q.Panel, err)
			}
			listed += len(res)
			now, then := health(day), health(day.Add(-time.Duration(ago)))
			want, got := expectedMoves(q.Panel, now, then, cfg.Health.Bands.AtRisk), []float64{}
			for _, s := range res {
				if q.Panel == "Newly at risk" {
					got = append(got, now[s.Metric[m.LabelClientID]])
				} else {
					got = append(got, value(t, s.Value))
				}
			}
			slices.Sort(got)
			if !sameFloats(got, want) {
				t.Errorf("%s at %s lists %v, the daily samples say %v", q.Panel, day.Format(time.DateOnly), got, want)
			}
		}
	}
	if listed == 0 {
		t.Error("no direction panel listed a client on any day")
	}
}

// expectedMoves is what a direction panel lists, from each client's
// health now and ago: the ten largest falls or rises, or the health now
// of the clients newly below the at-risk band; sorted.
func expectedMoves(panel string, now, then map[string]float64, atRisk float64) []float64 {
	var falls, rises, newly []float64
	for id, h := range now {
		before, ok := then[id]
		if !ok {
			continue
		}
		switch change := h - before; {
		case change < 0:
			falls = append(falls, change)
		case change > 0:
			rises = append(rises, change)
		}
		if h < atRisk && before >= atRisk {
			newly = append(newly, h)
		}
	}
	slices.Sort(falls)
	slices.Sort(rises)
	slices.Sort(newly)
	switch {
	case panel == "Newly at risk":
		return newly
	case len(panel) > len("Biggest health falls") && panel[:len("Biggest health falls")] == "Biggest health falls":
		return falls[:min(len(falls), directionLimit)]
	default:
		return rises[max(0, len(rises)-directionLimit):]
	}
}

func value(t *testing.T, v [2]any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(v[1].(string), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return true
}

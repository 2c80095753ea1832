package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/sirupsen/logrus"

	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/internal/embedded"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/internal/synth"
	"github.com/retention-exporter/retention_exporter/metrics"
)

// TestDemoHistoryMeetsLive: the demo's backfill and its serving use one
// configuration, so at the backfill's last instant every client and
// contract series of the history equals what serving computes for that
// instant. A backfill without billing, say, would lack the overdue
// series and score every client without its billing component, and the
// health line would jump where history meets live data.
func TestDemoHistoryMeetsLive(t *testing.T) {
	logrus.SetOutput(io.Discard)
	ctx := context.Background()
	db, err := embedded.Start("127.0.0.1:0", "psa", "billing")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, err := demoConfig(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := seed(ctx, db, synth.Options{Clients: 40, Seed: 1, Now: now}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	dir := filepath.Join(t.TempDir(), "blocks")
	o, err := backfillOptions(cfg, dir, "1d", now)
	if err != nil {
		t.Fatal(err)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	if _, err := runBackfill(ctx, cfg, o, devNull, logger); err != nil {
		t.Fatal(err)
	}
	history := clientSeriesAt(t, dir, o.To)

	// Serving, refreshed at the same instant.
	psa, billing, err := serve.Open(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer serve.CloseSources(psa, billing)
	exp := exporter.New(cfg, psa, billing, logger)
	exp.Refresh(ctx, o.To)
	text, err := exp.Snapshot().Text()
	if err != nil {
		t.Fatal(err)
	}
	fams, err := scrape.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]float64{}
	for name := range fams {
		if !perClient(name) {
			continue
		}
		for _, s := range fams.Samples(name) {
			live[name+s.Labels.String()] = s.Value
		}
	}
	if len(fams.Samples(metrics.ClientOverdueInvoices)) == 0 {
		t.Fatal("serving has no billing series: the comparison would not cover billing")
	}
	for k, v := range live {
		h, ok := history[k]
		switch {
		case !ok:
			t.Errorf("%s: served %v, not in the history", k, v)
		case h != v && !(math.IsNaN(h) && math.IsNaN(v)):
			t.Errorf("%s: history %v, served %v", k, h, v)
		}
	}
	for k, v := range history {
		if _, ok := live[k]; !ok {
			t.Errorf("%s: in the history (%v), not served", k, v)
		}
	}
}

func perClient(name string) bool {
	return strings.HasPrefix(name, "retention_client_") || strings.HasPrefix(name, "retention_contract_")
}

// clientSeriesAt reads the per-client and per-contract samples at one
// instant from the blocks in dir, keyed by name and labels, without
// the job label the backfill adds.
func clientSeriesAt(t *testing.T, dir string, at time.Time) map[string]float64 {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, n := range names {
		b, err := tsdb.OpenBlock(nil, filepath.Join(dir, n.Name()), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		q, err := tsdb.NewBlockQuerier(b, at.UnixMilli(), at.UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		set := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, model.MetricNameLabel, "retention_(client|contract)_.+"))
		for set.Next() {
			s := set.At()
			l := scrape.Labels{}
			s.Labels().Range(func(x labels.Label) {
				if x.Name != model.MetricNameLabel && x.Name != "job" {
					l[x.Name] = x.Value
				}
			})
			it := s.Iterator(nil)
			for it.Next() != chunkenc.ValNone {
				if ts, v := it.At(); ts == at.UnixMilli() {
					out[s.Labels().Get(model.MetricNameLabel)+l.String()] = v
				}
			}
		}
		if err := set.Err(); err != nil {
			t.Fatal(err)
		}
		q.Close()
		b.Close()
	}
	if len(out) == 0 {
		t.Fatalf("no per-client samples at %s in %s", at, dir)
	}
	return out
}

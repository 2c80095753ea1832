package exporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// richPSA serves n clients with every fact filled in, so every family has
// series: the shape of a real tenant for measuring rendering and serving.
type richPSA struct{ n int }

func (r richPSA) Name() string   { return config.PSA }
func (r richPSA) Target() string { return "synthetic" }

func (r richPSA) ReadPSA(_ context.Context, _ *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	today := model.DateOf(now)
	f := &model.Facts{
		Now: now, Contracts: []model.Contract{}, Endpoints: map[string]int64{},
		Tickets: map[string]map[string]model.TicketCounts{"30d": {}, "90d": {}},
		Surveys: map[string]model.SurveyCounts{}, Reviews: map[string]model.Date{},
		Contacts: map[string]int64{}, Assessments: map[string]model.Assessment{},
	}
	segments := []string{"smb", "mid-market", "enterprise"}
	managed := "managed"
	for i := range r.n {
		id := fmt.Sprintf("client-%05d", i)
		c := model.Client{ID: id, Name: fmt.Sprintf("Client %05d Ltd", i), Segment: segments[i%3],
			AccountManager: fmt.Sprintf("Manager %d", i%12), CustomerSince: today.AddDays(-100 - i%1500)}
		if i%25 == 0 {
			churned := today.AddDays(-(i % 300))
			c.ChurnedAt = &churned
		}
		f.Clients = append(f.Clients, c)
		end := today.AddDays(i%400 - 30)
		f.Contracts = append(f.Contracts,
			model.Contract{ID: id + "-m", ClientID: id, Name: "Managed services", Type: &managed,
				StartDate: today.AddDays(-400), EndDate: &end, MonthlyValue: float64(500 + i%2000), Currency: "USD"},
			model.Contract{ID: id + "-b", ClientID: id, Name: "Backup", StartDate: today.AddDays(-200),
				MonthlyValue: 99, Currency: "EUR"})
		sla, breached := int64(10+i%7), int64(i%3)
		f.Endpoints[id] = int64(5 + i%80)
		f.Tickets["30d"][id] = model.TicketCounts{Tickets: int64(i % 30), SLATickets: &sla, SLABreached: &breached}
		f.Tickets["90d"][id] = model.TicketCounts{Tickets: int64(i % 90), SLATickets: &sla, SLABreached: &breached}
		f.Surveys[id] = model.SurveyCounts{Responses: 10, Positive: int64(i % 11)}
		f.Reviews[id] = today.AddDays(-(i % 200))
		f.Contacts[id] = int64(i % 4)
		f.Assessments[id] = model.Assessment{Total: 40, Met: int64(i % 41)}
	}
	return f, nil, nil
}

func benchExporter(b *testing.B, clients int) *Exporter {
	b.Helper()
	cfg, err := config.Parse(nil, "")
	if err != nil {
		b.Fatal(err)
	}
	e := New(cfg, richPSA{n: clients}, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	return e
}

// BenchmarkRefresh measures computing and rendering one snapshot (the
// database reads excluded) and reports its size.
func BenchmarkRefresh(b *testing.B) {
	for _, n := range []int{300, 2000, 20000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			e := benchExporter(b, n)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e.Refresh(context.Background(), t0.Add(time.Duration(i)*time.Second))
			}
			s := e.Snapshot()
			b.ReportMetric(float64(s.PlainLen), "plain-bytes")
			b.ReportMetric(float64(len(s.Gzip)), "gzip-bytes")
			b.ReportMetric(float64(s.Series), "series")
		})
	}
}

// BenchmarkScrape measures serving the pre-rendered snapshot with gzip,
// from parallel scrapers.
func BenchmarkScrape(b *testing.B) {
	e := benchExporter(b, 2000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for pb.Next() {
			w := discardWriter{h: http.Header{}}
			e.ServeHTTP(&w, req)
		}
	})
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (d *discardWriter) WriteHeader(int)             {}

// benchModel is a churn-risk model over the five dated PSA components.
const benchModel = `{"horizon": "90d", "horizon_seconds": 7776000, "trained_at": 1764547200, "step": "30d", "penalty": 1,
  "intercept": -3.2, "components": [
    {"name": "utilization", "mean": 80, "scale": 20, "coefficient": -0.6}, {"name": "sla", "mean": 90, "scale": 10, "coefficient": -0.3},
    {"name": "csat", "mean": 75, "scale": 15, "coefficient": -0.4}, {"name": "engagement", "mean": 70, "scale": 30, "coefficient": -0.2},
    {"name": "best_practice", "mean": 75, "scale": 12, "coefficient": -0.1}],
  "left_out": [], "evaluation": {"rows": 1, "events": 1, "churners": 1, "base_rate": 0.04, "walk_forward_rows": 0, "walk_forward_events": 0,
    "auc": null, "auc_low": null, "auc_high": null, "brier": null, "health_score_auc": null, "calibration": []}}`

// BenchmarkRefreshWithModel is BenchmarkRefresh at 20,000 clients
// without and with a churn-risk model: what serving the risk adds.
func BenchmarkRefreshWithModel(b *testing.B) {
	path := b.TempDir() + "/model.json"
	if err := os.WriteFile(path, []byte(benchModel), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, withModel := range []bool{false, true} {
		b.Run(fmt.Sprintf("model=%t", withModel), func(b *testing.B) {
			text := ""
			if withModel {
				text = "risk:\n  model_file: " + path + "\n"
			}
			cfg, err := config.Parse([]byte(text), "")
			if err != nil {
				b.Fatal(err)
			}
			e := New(cfg, richPSA{n: 20000}, nil, promslog.NewNopLogger())
			e.Refresh(context.Background(), t0)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e.Refresh(context.Background(), t0.Add(time.Duration(i)*time.Second))
			}
			s := e.Snapshot()
			b.ReportMetric(float64(s.PlainLen), "plain-bytes")
			b.ReportMetric(float64(s.Series), "series")
		})
	}
}

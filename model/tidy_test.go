package model_test

import (
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
)

// TestScoresAreTidy: 48 tickets on 80 endpoints is exactly three times
// the 0.20 target, so the utilization score is exactly 0, not the 2.8e-14
// that 0.6 / 0.2 gives in binary floating point.
func TestScoresAreTidy(t *testing.T) {
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	psa := &model.Facts{
		Now:       now,
		Clients:   []model.Client{{ID: "c", Name: "C", CustomerSince: model.NewDate(2024, 1, 1)}},
		Endpoints: map[string]int64{"c": 80},
		Tickets:   map[string]map[string]model.TicketCounts{"30d": {"c": {Tickets: 48}}, "90d": {}},
	}
	r := model.Compute(cfg.Params(), psa, nil)
	if len(r.Clients) != 1 || len(r.Clients[0].Components) != 1 {
		t.Fatalf("components: %+v", r.Clients)
	}
	if s := r.Clients[0].Components[0].Score; s != 0 {
		t.Errorf("utilization score %v, want exactly 0", s)
	}
	if h := r.Clients[0].Health; h == nil || *h != 0 {
		t.Errorf("health %v, want exactly 0", h)
	}
}

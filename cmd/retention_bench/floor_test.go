package main

import (
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

// TestFloorScript: the floor runs the exporter's own plan, every
// statement with its values written in, in the configured time zone.
func TestFloorScript(t *testing.T) {
	cfg, err := config.Parse(append(exporterConfig(), "time_zone: Pacific/Auckland\n"...), "")
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on 14 June is 11:30 on 15 June in Auckland.
	now := time.Date(2024, 6, 14, 23, 30, 0, 0, time.UTC)
	for _, source := range []string{config.PSA, config.Billing} {
		plan := cfg.Plan(source, now)
		script, err := floorScript(plan)
		if err != nil {
			t.Fatal(err)
		}
		statements := strings.Split(strings.TrimSuffix(script, ";\n"), ";\n")
		if len(statements) != len(plan) || len(plan) == 0 {
			t.Fatalf("%s: %d statements for a plan of %d", source, len(statements), len(plan))
		}
		for i, q := range plan {
			if lit, _ := literalSQL(q); statements[i] != lit {
				t.Errorf("%s statement %d is not %s's literal:\n%s", source, i, q.Name(), statements[i])
			}
			if strings.Contains(statements[i], "?") || strings.Contains(statements[i], ":today") {
				t.Errorf("%s: %s has a placeholder left:\n%s", source, q.Name(), statements[i])
			}
		}
		if !strings.Contains(script, "'2024-06-15 00:00:00'") || strings.Contains(script, "'2024-06-14 00:00:00'") {
			t.Errorf("%s: today is not 15 June in Auckland:\n%s", source, script)
		}
	}
	// Tickets run once per distinct window, as a refresh runs them: 30d
	// and 90d, which utilization and SLA share.
	psa, err := floorScript(cfg.Plan(config.PSA, now))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(psa, "FROM tickets"); n != 2 {
		t.Errorf("tickets run %d times, want 2", n)
	}
}

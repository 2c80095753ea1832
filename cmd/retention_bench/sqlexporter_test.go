package main

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

func TestSQLExporterConfig(t *testing.T) {
	cfg, err := config.Parse(exporterConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	plan := append(cfg.Plan(config.PSA, now), cfg.Plan(config.Billing, now)...)
	out, err := sqlExporterConfig(plan, func(source string) string { return "mysql://u:p@tcp(h:1)/" + source })
	if err != nil {
		t.Fatal(err)
	}
	var f sqlExporterFile
	if err := yaml.Unmarshal(out, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Jobs) != 2 || f.Jobs[0].Name != config.PSA || f.Jobs[1].Name != config.Billing {
		t.Fatalf("jobs %+v, want psa then billing", f.Jobs)
	}
	queries := map[string]sqlExporterQuery{}
	for _, j := range f.Jobs {
		if j.Connections[0] != "mysql://u:p@tcp(h:1)/"+j.Name || j.Interval != refreshInterval.String() {
			t.Errorf("job %s: connections %v, interval %s", j.Name, j.Connections, j.Interval)
		}
		for _, q := range j.Queries {
			queries[q.Name] = q
			if strings.Contains(q.Query, "?") {
				t.Errorf("%s keeps a placeholder:\n%s", q.Name, q.Query)
			}
		}
	}
	if len(queries) != len(plan) {
		t.Errorf("%d queries for a plan of %d", len(queries), len(plan))
	}
	// Windowed runs get metric-safe names and their own window's values.
	for name, since := range map[string]string{"tickets_30d": "'2026-02-08 12:00:00'", "tickets_90d": "'2025-12-10 12:00:00'"} {
		q, ok := queries[name]
		if !ok || !strings.Contains(q.Query, since) {
			t.Errorf("%s: %v, want a window starting %s:\n%s", name, ok, since, q.Query)
		}
	}
	// Dates become Unix seconds in an outer select; text is a label.
	clients := queries["clients"]
	if !strings.Contains(clients.Query, "COALESCE(UNIX_TIMESTAMP(churned_at), 0) AS churned_at") ||
		!strings.Contains(clients.Query, "COALESCE(segment, '') AS segment") ||
		!strings.Contains(strings.Join(clients.Labels, ","), "segment") ||
		!strings.Contains(strings.Join(clients.Values, ","), "customer_since") {
		t.Errorf("clients: labels %v values %v\n%s", clients.Labels, clients.Values, clients.Query)
	}
	// Numbers keyed by client_id alone run as planned.
	for _, q := range plan {
		if lit, _ := literalSQL(q); q.Name() == "endpoints" && queries["endpoints"].Query != lit {
			t.Errorf("endpoints wrapped needlessly:\n%s", queries["endpoints"].Query)
		}
	}
}

func TestSQLExporterName(t *testing.T) {
	cfg, err := config.Parse(exporterConfig(), "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range cfg.Plan(config.PSA, time.Now()) {
		names = append(names, sqlExporterName(q))
	}
	// A window's name joins the fact's with an underscore.
	var want []string
	for _, f := range fact.All {
		switch {
		case f.Source != config.PSA:
		case f.Name == model.QueryTickets:
			want = append(want, "tickets_30d", "tickets_90d")
		case f.Name == model.QuerySurveys:
			want = append(want, "surveys_90d")
		default:
			want = append(want, f.Name)
		}
	}
	if got := strings.Join(names, " "); got != strings.Join(want, " ") {
		t.Errorf("names: %s, want %s", got, strings.Join(want, " "))
	}
}

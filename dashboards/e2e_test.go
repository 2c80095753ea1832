package dashboards

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/alerts"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/stack"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// riskModel is a churn-risk model file for the panels that show one.
const riskModel = `{
  "horizon": "90d", "horizon_seconds": 7776000, "trained_at": 1764547200, "step": "30d", "penalty": 1,
  "intercept": -3.2,
  "components": [
    {"name": "utilization", "mean": 80, "scale": 20, "coefficient": -0.6},
    {"name": "sla", "mean": 90, "scale": 10, "coefficient": -0.3},
    {"name": "csat", "mean": 75, "scale": 15, "coefficient": -0.4}
  ],
  "left_out": [],
  "evaluation": {"rows": 9000, "events": 360, "churners": 120, "base_rate": 0.04,
    "walk_forward_rows": 3000, "walk_forward_events": 110, "auc": 0.78, "auc_low": 0.72, "auc_high": 0.83,
    "brier": 0.034, "health_score_auc": 0.71,
    "calibration": [{"predicted": 0.01, "observed": 0.0, "rows": 300}, {"predicted": 0.02, "observed": 0.01, "rows": 300},
      {"predicted": 0.02, "observed": 0.02, "rows": 300}, {"predicted": 0.03, "observed": 0.02, "rows": 300},
      {"predicted": 0.03, "observed": 0.04, "rows": 300}, {"predicted": 0.04, "observed": 0.03, "rows": 300},
      {"predicted": 0.05, "observed": 0.05, "rows": 300}, {"predicted": 0.06, "observed": 0.07, "rows": 300},
      {"predicted": 0.08, "observed": 0.08, "rows": 300}, {"predicted": 0.15, "observed": 0.14, "rows": 300}]}
}`

// TestPanelsShowData runs MariaDB with a generated MSP, the exporter
// serving a churn-risk model and Prometheus with the shipped recording
// rules, then evaluates every panel
// query with its variables substituted: each runs, each but the direction
// panels' returns at least one series, and the NOC's at-risk table lists
// the scripted at-risk client.
func TestPanelsShowData(t *testing.T) {
	testenv.Integration(t)
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := alerts.Marshal(alerts.Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	s := stack.Start(t, stack.Options{Clients: 80, Rules: rules, RiskModel: []byte(riskModel)})
	prom := s.Prometheus
	ctx := context.Background()
	story := s.Stories.AtRisk

	// Recording rules evaluated and counters with two samples for increase().
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := prom.Query(ctx, `count(`+m.ClientsByBand+`) and count(count_over_time(`+m.QueryErrors+`[1m]) > 3)`)
		if err == nil && len(res) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recorded data after 90s: %v %v", res, err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The direction panels compare with 7 and 30 days ago, which this
	// Prometheus does not have: they must run, and are empty.
	// TestHistoryQueriesOnBackfilledDays checks them on history.
	direction := map[string]bool{}
	for _, q := range HistoryQueries(t) {
		direction[q.Dashboard+"/"+q.Panel] = q.Direction
	}
	for _, q := range targets(t) {
		expr := substitute(q.Expr, story.ID)
		res, err := prom.Query(ctx, expr)
		if err != nil {
			t.Errorf("%s / %s / %s: %v", q.Dashboard, q.Panel, q.RefID, err)
			continue
		}
		if direction[q.Dashboard+"/"+q.Panel] {
			continue
		}
		if len(res) == 0 {
			t.Errorf("%s / %s / %s returns no series: %s", q.Dashboard, q.Panel, q.RefID, expr)
		}
		if q.Dashboard == m.DashboardNOC && q.Panel == "Clients at risk" && q.RefID == "A" {
			found := false
			for _, r := range res {
				found = found || (r.Metric["client"] == story.Name && r.Metric["account_manager"] == story.AccountManager)
			}
			if !found {
				t.Errorf("the NOC at-risk table does not list %s: %v", story.Name, res)
			}
		}
	}

	// The variables' own queries find values.
	for _, label := range []string{"segment", "account_manager", "client_id"} {
		values := labelValues(t, prom.URL, label, m.ClientInfo)
		if len(values) == 0 {
			t.Errorf("variable %s has no values", label)
		}
	}
	res, err := prom.Query(ctx, m.ClientInfo)
	if err != nil || len(res) == 0 {
		t.Fatalf("query_result(%s): %v %v", m.ClientInfo, res, err)
	}
	// The client variable's regex reads name and id from query_result's text.
	re := regexp.MustCompile(`client="(?P<text>[^"]*)",client_id="(?P<value>[^"]*)"`)
	text := `retention_client_info{account_manager="` + story.AccountManager + `",client="` + story.Name + `",client_id="` + story.ID + `",instance="x",job="retention",segment="mid-market"}`
	if mm := re.FindStringSubmatch(text); mm == nil || mm[1] != story.Name || mm[2] != story.ID {
		t.Errorf("the client variable's regex does not read %q", text)
	}
}

func labelValues(t *testing.T, base, label, match string) []string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/label/" + label + "/values?match[]=" + url.QueryEscape(match))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Data
}

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

// TestPanelsShowData runs MariaDB with a generated MSP, the exporter and
// Prometheus with the shipped recording rules, then evaluates every panel
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
	s := stack.Start(t, stack.Options{Clients: 80, Rules: rules})
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

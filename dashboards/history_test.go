package dashboards

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/internal/testenv"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// HistoryQuery is a panel query that must work on backfilled history as
// well as on live data: a trend panel's, or a direction panel's.
type HistoryQuery struct {
	Dashboard, Panel, RefID, Expr string
	// Direction marks a direction panel's query: an instant query that
	// compares each client's health now with its health Ago earlier. It
	// has a value only where history goes back Ago, and only when some
	// client moved that way (fell, rose, or crossed the at-risk band).
	Direction bool
	Ago       string // a PromQL duration, for direction queries
}

// HistoryQueries lists the trend and direction queries of the dashboards
// generated for the default configuration, their variables still in
// place (see substitute). A trend query, evaluated at any instant of a
// backfilled day, returns a value; so does a direction query from Ago
// after the first backfilled day, where a client moved that way.
//
// Trend panels are the time series panels of the leadership and client
// dashboards; the exporter health dashboard shows the exporter's own
// series, which backfill does not write.
func HistoryQueries(t testing.TB) []HistoryQuery {
	t.Helper()
	direction := map[string]string{"Newly at risk": newlyAtRiskWindow}
	for _, w := range directionWindows {
		direction["Biggest health falls, "+w] = w
		direction["Biggest health rises, "+w] = w
	}
	var out []HistoryQuery
	seen := map[string]bool{}
	for _, q := range targets(t) {
		ago, isDirection := direction[q.Panel]
		trend := q.Type == "timeseries" && (q.Dashboard == m.DashboardLeadership || q.Dashboard == m.DashboardClient)
		if !trend && !isDirection {
			continue
		}
		seen[q.Panel] = true
		out = append(out, HistoryQuery{q.Dashboard, q.Panel, q.RefID, q.Expr, isDirection, ago})
	}
	for title := range direction {
		if !seen[title] {
			t.Fatalf("no direction panel %q", title)
		}
	}
	return out
}

// hoursPerDay is a day in the steps of the test's input series.
const hoursPerDay = 24

// evalAt is when TestHistoryQueriesOnBackfilledDays evaluates the queries:
// midday of day 20, between two backfilled samples; and midday of day 40,
// when the live target has scraped since 01:00 and the backfilled sample
// of midnight is still within the lookback.
var evalAt = [2]int{20*hoursPerDay + 12, 40*hoursPerDay + 12}

// historySeries writes one series as promtool input: backfilled at every
// midnight of days 0 to 40 by one target, and scraped hourly from 01:00
// to 12:00 of day 40 by another.
func historySeries(b *strings.Builder, metric, labels string, value func(day int) float64) {
	var backfilled, live []string
	for d := 0; d <= 40; d++ {
		if d > 0 {
			backfilled = append(backfilled, fmt.Sprintf("_x%d", hoursPerDay-1))
		}
		backfilled = append(backfilled, strconv.FormatFloat(value(d), 'g', -1, 64))
	}
	live = append(live, fmt.Sprintf("_x%d", 40*hoursPerDay+1))
	for h := 1; h <= 12; h++ {
		live = append(live, strconv.FormatFloat(value(40), 'g', -1, 64))
	}
	fmt.Fprintf(b, "      - series: '%s{%s, job=\"retention\", instance=\"backfill\"}'\n        values: '%s'\n", metric, labels, strings.Join(backfilled, " "))
	fmt.Fprintf(b, "      - series: '%s{%s, job=\"retention\", instance=\"10.0.0.7:9866\", pod=\"retention-exporter-0\"}'\n        values: '%s'\n", metric, labels, strings.Join(live, " "))
}

func constant(v float64) func(int) float64 { return func(int) float64 { return v } }

// TestHistoryQueriesOnBackfilledDays evaluates every trend and direction
// query with promtool on daily backfilled samples followed by live
// scrapes from another target: between two daily samples each finds the
// day's value, and while both targets have samples each counts a value
// once. Three clients: Acme (smb, ann) falls from 80 to 50 on day 34,
// Beta (ent, bob) climbs from 40 by a point a day, Core (smb, bob) stays
// at 30.
func TestHistoryQueriesOnBackfilledDays(t *testing.T) {
	testenv.Integration(t)
	var in strings.Builder
	type client struct {
		id, name, segment, manager string
		health                     func(int) float64
		mrr                        float64
	}
	clients := []client{
		{"c1", "Acme", "smb", "ann", func(d int) float64 {
			if d >= 34 {
				return 50
			}
			return 80
		}, 100},
		{"c2", "Beta", "ent", "bob", func(d int) float64 { return 40 + float64(d) }, 300},
		{"c3", "Core", "smb", "bob", constant(30), 50},
	}
	for _, c := range clients {
		id := fmt.Sprintf(`client_id="%s", client="%s"`, c.id, c.name)
		historySeries(&in, m.ClientInfo, fmt.Sprintf(`%s, segment="%s", account_manager="%s"`, id, c.segment, c.manager), constant(1))
		historySeries(&in, m.ClientHealthScore, id, c.health)
		historySeries(&in, m.ClientMRR, id+`, currency="EUR"`, constant(c.mrr))
	}
	acme := `client_id="c1", client="Acme"`
	historySeries(&in, m.ClientHealthComponentScore, acme+`, component="sla"`, constant(40))
	historySeries(&in, m.ClientHealthComponentScore, acme+`, component="csat"`, constant(70))
	historySeries(&in, m.ClientUtilization, acme, constant(0.3))
	historySeries(&in, m.ClientUtilizationTarget, acme, constant(0.2))
	historySeries(&in, m.ClientSLACompliance, acme, constant(0.95))
	historySeries(&in, m.ClientCSAT, acme, constant(0.8))
	historySeries(&in, m.ClientTickets, acme+`, window="30d"`, constant(12))
	historySeries(&in, m.ClientTickets, acme+`, window="90d"`, constant(30))
	historySeries(&in, m.ClientEndpoints, acme, constant(40))
	for _, s := range []struct {
		segment                   string
		churned, clients          float64
		retained, current, cohort float64
	}{{"smb", 1, 10, 90, 110, 100}, {"ent", 0, 5, 300, 330, 300}} {
		for _, w := range []string{"30d", "90d", "365d"} {
			l := fmt.Sprintf(`segment="%s", window="%s"`, s.segment, w)
			historySeries(&in, m.ChurnedClients, l, constant(s.churned))
			historySeries(&in, m.ChurnCohortClients, l, constant(s.clients))
		}
		l := fmt.Sprintf(`segment="%s", currency="EUR", window="365d"`, s.segment)
		historySeries(&in, m.RevenueRetainedMRR, l, constant(s.retained))
		historySeries(&in, m.RevenueCurrentMRR, l, constant(s.current))
		historySeries(&in, m.RevenueCohortMRR, l, constant(s.cohort))
	}
	for mv, v := range map[string]float64{"new": 20, "reactivation": 0, "expansion": 5, "contraction": 3, "churn": 10} {
		historySeries(&in, m.MRRMovement, fmt.Sprintf(`segment="smb", currency="EUR", window="30d", movement="%s"`, mv), constant(v))
		historySeries(&in, m.MRRMovement, fmt.Sprintf(`segment="ent", currency="EUR", window="30d", movement="%s"`, mv), constant(2*v))
	}
	historySeries(&in, m.MRR, `segment="smb", currency="EUR"`, constant(150))
	historySeries(&in, m.MRR, `segment="ent", currency="EUR"`, constant(300))

	// What each query returns at evalAt, on the client Acme with All for
	// the filters.
	type sample struct {
		labels string
		value  float64
	}
	type at [2][]sample
	s := func(labels string, v float64) []sample { return []sample{{labels, v}} }
	none := []sample(nil)
	churn := []sample{}
	for _, w := range []string{"30d", "90d", "365d"} {
		churn = append(churn, sample{fmt.Sprintf(`{segment="smb", window="%s"}`, w), 0.1}, sample{fmt.Sprintf(`{segment="ent", window="%s"}`, w), 0})
	}
	movements := []sample{}
	for _, mv := range []struct {
		name string
		v    float64
	}{{"churn", 30}, {"contraction", 9}, {"expansion", 15}, {"new", 60}, {"reactivation", 0}} {
		movements = append(movements, sample{fmt.Sprintf(`{currency="EUR", movement="%s"}`, mv.name), mv.v})
	}
	want := map[string]at{
		"MRR movements, per 30d/A":      {movements, movements},
		"Logo churn over time/A":        {churn, churn},
		"Revenue retention over time/A": {{{`{segment="smb", currency="EUR"}`, 0.9}, {`{segment="ent", currency="EUR"}`, 1}}, {{`{segment="smb", currency="EUR"}`, 0.9}, {`{segment="ent", currency="EUR"}`, 1}}},
		"Revenue retention over time/B": {{{`{segment="smb", currency="EUR"}`, 1.1}, {`{segment="ent", currency="EUR"}`, 1.1}}, {{`{segment="smb", currency="EUR"}`, 1.1}, {`{segment="ent", currency="EUR"}`, 1.1}}},
		"MRR and MRR at risk/A":         {s(`{currency="EUR"}`, 450), s(`{currency="EUR"}`, 450)},
		// Day 20: Core; day 40: Acme and Core.
		"MRR and MRR at risk/B": {s(`{currency="EUR"}`, 50), s(`{currency="EUR"}`, 150)},
		// Day 20: Acme 80, Beta 60, Core 30; day 40: Acme 50, Beta 80, Core 30.
		"Health distribution/A":         {s(`{}`, 1), s(`{}`, 1)},
		"Health distribution/B":         {s(`{}`, 0), s(`{}`, 1)},
		"Health distribution/C":         {s(`{}`, 2), s(`{}`, 1)},
		"Health score/A":                {s(`{client_id="c1"}`, 80), s(`{client_id="c1"}`, 50)},
		"Health components over time/A": {{{`{client_id="c1", component="sla"}`, 40}, {`{client_id="c1", component="csat"}`, 70}}, {{`{client_id="c1", component="sla"}`, 40}, {`{client_id="c1", component="csat"}`, 70}}},
		"Utilization/A":                 {s(`{client_id="c1"}`, 0.3), s(`{client_id="c1"}`, 0.3)},
		"Utilization/B":                 {s(`{client_id="c1"}`, 0.2), s(`{client_id="c1"}`, 0.2)},
		"Utilization/C":                 {s(`{client_id="c1"}`, 0.4), s(`{client_id="c1"}`, 0.4)},
		"SLA compliance and CSAT/A":     {s(`{client_id="c1"}`, 0.95), s(`{client_id="c1"}`, 0.95)},
		"SLA compliance and CSAT/B":     {s(`{client_id="c1"}`, 0.8), s(`{client_id="c1"}`, 0.8)},
		"Tickets and endpoints/A":       {{{`{client_id="c1", window="30d"}`, 12}, {`{client_id="c1", window="90d"}`, 30}}, {{`{client_id="c1", window="30d"}`, 12}, {`{client_id="c1", window="90d"}`, 30}}},
		"Tickets and endpoints/B":       {s(`{client_id="c1"}`, 40), s(`{client_id="c1"}`, 40)},
		"Biggest health falls, 7d/A":    {none, s(`{client_id="c1", client="Acme", account_manager="ann"}`, -30)},
		"Biggest health falls, 7d/B":    {none, s(`{client_id="c1"}`, 50)},
		"Biggest health falls, 30d/A":   {none, s(`{client_id="c1", client="Acme", account_manager="ann"}`, -30)},
		"Biggest health falls, 30d/B":   {none, s(`{client_id="c1"}`, 50)},
		"Biggest health rises, 7d/A":    {s(`{client_id="c2", client="Beta", account_manager="bob"}`, 7), s(`{client_id="c2", client="Beta", account_manager="bob"}`, 7)},
		"Biggest health rises, 7d/B":    {s(`{client_id="c2"}`, 60), s(`{client_id="c2"}`, 80)},
		"Biggest health rises, 30d/A":   {none, s(`{client_id="c2", client="Beta", account_manager="bob"}`, 30)},
		"Biggest health rises, 30d/B":   {none, s(`{client_id="c2"}`, 80)},
		"Newly at risk/A":               {none, s(`{client_id="c1", client="Acme", account_manager="ann"}`, 50)},
		"Newly at risk/B":               {none, s(`{client_id="c1"}`, 80)},
		"Newly at risk/C":               {none, s(`{client_id="c1", component="sla"}`, 40)},
	}

	var tests strings.Builder
	check := func(expr string, evalHour int, samples []sample) {
		fmt.Fprintf(&tests, "      - expr: '%s'\n        eval_time: %dh\n", strings.ReplaceAll(expr, "'", "''"), evalHour)
		if len(samples) > 0 {
			tests.WriteString("        exp_samples:\n")
			for _, s := range samples {
				fmt.Fprintf(&tests, "          - labels: '%s'\n            value: %g\n", s.labels, s.value)
			}
		}
	}
	qs := HistoryQueries(t)
	for _, q := range qs {
		key := q.Panel + "/" + q.RefID
		w, ok := want[key]
		if !ok {
			t.Errorf("no expected values for %s / %s", q.Dashboard, key)
			continue
		}
		delete(want, key)
		for i, h := range evalAt {
			check(substitute(q.Expr, "c1"), h, w[i])
		}
	}
	for key := range want {
		t.Errorf("expected values for %s, which is no history query", key)
	}
	// The filters: account manager ann has only Acme, segment ent only Beta.
	filter := strings.NewReplacer(`$segment`, `.*`, `$account_manager`, `ann`)
	for _, q := range qs {
		switch q.Panel + "/" + q.RefID {
		case "Biggest health rises, 7d/A":
			check(filter.Replace(q.Expr), evalAt[1], none)
		case "Newly at risk/A":
			check(filter.Replace(q.Expr), evalAt[1], s(`{client_id="c1", client="Acme", account_manager="ann"}`, 50))
		case "MRR and MRR at risk/B":
			check(strings.NewReplacer(`$segment`, `ent`, `$account_manager`, `.*`).Replace(q.Expr), evalAt[1], none)
		case "Health distribution/C":
			check(filter.Replace(q.Expr), evalAt[1], s(`{}`, 0))
		}
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "history.test.yml")
	text := "rule_files: []\nevaluation_interval: 1h\ntests:\n  - interval: 1h\n    input_series:\n" + in.String() + "    promql_expr_test:\n" + tests.String()
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("promtool", "test", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}

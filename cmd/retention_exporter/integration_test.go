package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/scrape"
)

// fixtureConfig is the default configuration with an explicit billing
// source, a health profile for the enterprise segment, and a refresh
// slow enough that one refresh serves the test.
const fixtureConfig = `
refresh_interval: 1h
max_staleness: 2h
sources:
  billing:
    dsn_env: RETENTION_BILLING_DSN
health:
  profiles:
    - name: enterprise
      segments: [enterprise]
      weights: {contacts: 0.15}
      utilization_target: 0.5
      review_cadence: 30d
`

type L = scrape.Labels
type S = scrape.Sample

// day returns 00:00 UTC of today+offset as a Unix timestamp.
func day(today time.Time, offset int) float64 {
	return float64(today.AddDate(0, 0, offset).Unix())
}

// anniversary is n years after d, 29 February falling on 28 February.
func anniversary(d time.Time, n int) float64 {
	a := d.AddDate(n, 0, 0)
	if d.Month() == time.February && d.Day() == 29 && a.Month() == time.March {
		a = a.AddDate(0, 0, -1)
	}
	return float64(a.Unix())
}

// TestFixtureMetrics checks every series the exporter serves for the
// fixture against values worked out by hand (see testdata/*.sql).
func TestFixtureMetrics(t *testing.T) {
	p := startExporter(t, sharedDB(t), fixtureConfig)
	body, f := p.readyScrape(t)
	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)

	c1 := L{"client_id": "c1", "client": "Acme Corp"}
	c2 := L{"client_id": "c2", "client": "Beta GmbH"}
	c3 := L{"client_id": "c3", "client": "Gamma"}
	k1 := c1.With("contract_id", "k1", "contract", "Managed Services")
	k2 := c1.With("contract_id", "k2", "contract", "Backup")
	k3 := c2.With("contract_id", "k3", "contract", "Enterprise Care")
	k6 := c3.With("contract_id", "k6", "contract", "Starter")

	// Health components of c1, each from the SPEC's formula.
	c1Util := 100 - 50*((5.0/10)/0.20-1)      // 5 tickets / 10 endpoints, target 0.20: u = 2.5
	c1Engagement := 100 * (1 - (100-90)/90.0) // last review 100 days ago, cadence 90
	c1Billing := 100 * (1 - 50/60.0)          // oldest overdue due 50 days ago
	c1Health := 0.20*c1Util + 0.20*75 + 0.15*50 + 0.15*c1Engagement + 0.15*c1Billing + 0.10*75 + 0.05*100
	// c2, enterprise profile (contacts weigh 0.15, so the weights sum to
	// 1.1): engagement 0 (1000 days, never reviewed), billing 100,
	// contacts 0.
	c2Health := (0.15*0 + 0.15*100 + 0.15*0) / 0.45
	// c3: engagement 100 (30 days a customer), billing 100, one contact: 50.
	c3Health := (0.15*100 + 0.15*100 + 0.05*50) / 0.35

	expect := map[string][]S{
		"retention_client_info": {
			{Labels: c1.With("segment", "smb", "account_manager", "Alice"), Value: 1},
			{Labels: c2.With("segment", "enterprise", "account_manager", "Bob"), Value: 1},
			{Labels: c3.With("segment", "", "account_manager", ""), Value: 1},
		},
		"retention_client_start_timestamp_seconds": {
			{Labels: c1, Value: day(today, -400)}, {Labels: c2, Value: day(today, -1000)}, {Labels: c3, Value: day(today, -30)},
		},
		"retention_client_next_anniversary_timestamp_seconds": {
			{Labels: c1, Value: anniversary(today.AddDate(0, 0, -400), 2)},
			{Labels: c2, Value: anniversary(today.AddDate(0, 0, -1000), 3)},
			{Labels: c3, Value: anniversary(today.AddDate(0, 0, -30), 1)},
		},
		"retention_client_endpoints": {{Labels: c1, Value: 10}, {Labels: c2, Value: 0}, {Labels: c3, Value: 0}},
		"retention_client_tickets": {
			{Labels: c1.With("window", "30d"), Value: 5}, {Labels: c1.With("window", "90d"), Value: 8},
			{Labels: c2.With("window", "30d"), Value: 0}, {Labels: c2.With("window", "90d"), Value: 0},
			{Labels: c3.With("window", "30d"), Value: 2}, {Labels: c3.With("window", "90d"), Value: 2},
		},
		"retention_client_utilization_ratio":                {{Labels: c1, Value: 0.5}},
		"retention_client_sla_compliance_ratio":             {{Labels: c1, Value: 0.75}},
		"retention_client_sla_tickets":                      {{Labels: c1, Value: 4}}, // t1, t2, t6, t7
		"retention_client_csat_ratio":                       {{Labels: c1, Value: 0.5}},
		"retention_client_csat_responses":                   {{Labels: c1, Value: 4}}, // s1 to s4
		"retention_client_best_practice_ratio":              {{Labels: c1, Value: 0.75}},
		"retention_client_last_review_timestamp_seconds":    {{Labels: c1, Value: day(today, -100)}},
		"retention_client_renewal_contacts":                 {{Labels: c1, Value: 2}, {Labels: c2, Value: 0}, {Labels: c3, Value: 1}},
		"retention_client_overdue_invoices":                 {{Labels: c1, Value: 1}, {Labels: c2, Value: 0}, {Labels: c3, Value: 0}},
		"retention_client_overdue_amount":                   {{Labels: c1.With("currency", "USD"), Value: 500}},
		"retention_client_oldest_overdue_timestamp_seconds": {{Labels: c1, Value: day(today, -50)}},
		"retention_client_mrr": {
			{Labels: c1.With("currency", "EUR"), Value: 200}, {Labels: c1.With("currency", "USD"), Value: 1000},
			{Labels: c3.With("currency", "USD"), Value: 300},
		},
		"retention_client_health_score": {{Labels: c1, Value: c1Health}, {Labels: c2, Value: c2Health}, {Labels: c3, Value: c3Health}},
		"retention_client_health_component_score": {
			{Labels: c1.With("component", "utilization"), Value: c1Util},
			{Labels: c1.With("component", "sla"), Value: 75},
			{Labels: c1.With("component", "csat"), Value: 50},
			{Labels: c1.With("component", "engagement"), Value: c1Engagement},
			{Labels: c1.With("component", "billing"), Value: c1Billing},
			{Labels: c1.With("component", "best_practice"), Value: 75},
			{Labels: c1.With("component", "contacts"), Value: 100},
			{Labels: c2.With("component", "engagement"), Value: 0},
			{Labels: c2.With("component", "billing"), Value: 100},
			{Labels: c2.With("component", "contacts"), Value: 0},
			{Labels: c3.With("component", "engagement"), Value: 100},
			{Labels: c3.With("component", "billing"), Value: 100},
			{Labels: c3.With("component", "contacts"), Value: 50},
		},
		"retention_client_health_coverage_ratio":    {{Labels: c1, Value: 1}, {Labels: c2, Value: 0.45 / 1.1}, {Labels: c3, Value: 0.35}},
		"retention_client_utilization_target_ratio": {{Labels: c1, Value: 0.2}, {Labels: c2, Value: 0.5}, {Labels: c3, Value: 0.2}},
		"retention_client_review_cadence_seconds":   {{Labels: c1, Value: 90 * 86400}, {Labels: c2, Value: 30 * 86400}, {Labels: c3, Value: 90 * 86400}},

		// k1 in force, k2 evergreen, k3 lapsed 20 days ago, k6 cancels in 10 days;
		// k10 lapsed but superseded by k1; k9 expired long ago.
		"retention_contract_days_to_renewal":       {{Labels: k1, Value: 45}, {Labels: k3, Value: -20}, {Labels: k6, Value: 335}},
		"retention_contract_end_timestamp_seconds": {{Labels: k1, Value: day(today, 45)}, {Labels: k3, Value: day(today, -20)}, {Labels: k6, Value: day(today, 335)}},
		"retention_contract_monthly_value": {
			{Labels: k1.With("currency", "USD"), Value: 1000}, {Labels: k2.With("currency", "EUR"), Value: 200},
			{Labels: k3.With("currency", "USD"), Value: 800}, {Labels: k6.With("currency", "USD"), Value: 300},
		},
		"retention_contract_renewal_notice_sent":      {{Labels: k1, Value: 0}, {Labels: k3, Value: 1}, {Labels: k6, Value: 0}},
		"retention_contract_cancel_timestamp_seconds": {{Labels: k6, Value: day(today, 10)}},
		"retention_contract_info": {
			{Labels: k1.With("contract_type", "managed", "auto_renew", "false"), Value: 1},
			{Labels: k2.With("contract_type", "backup", "auto_renew", "false"), Value: 1},
			{Labels: k3.With("contract_type", "managed", "auto_renew", "false"), Value: 1},
			{Labels: k6.With("contract_type", "managed", "auto_renew", "true"), Value: 1},
		},

		"retention_clients": {
			{Labels: L{"segment": "smb"}, Value: 1}, {Labels: L{"segment": "enterprise"}, Value: 1}, {Labels: L{"segment": ""}, Value: 1},
		},
		"retention_churn_cohort_clients": {
			{Labels: L{"segment": "smb", "window": "30d"}, Value: 3},
			{Labels: L{"segment": "enterprise", "window": "30d"}, Value: 1},
			{Labels: L{"segment": "", "window": "30d"}, Value: 1},
			{Labels: L{"segment": "smb", "window": "90d"}, Value: 2},
			{Labels: L{"segment": "enterprise", "window": "90d"}, Value: 1},
			{Labels: L{"segment": "smb", "window": "365d"}, Value: 3},
			{Labels: L{"segment": "enterprise", "window": "365d"}, Value: 1},
		},
		"retention_churned_clients": {
			{Labels: L{"segment": "smb", "window": "30d"}, Value: 2},
			{Labels: L{"segment": "enterprise", "window": "30d"}, Value: 0},
			{Labels: L{"segment": "", "window": "30d"}, Value: 0},
			{Labels: L{"segment": "smb", "window": "90d"}, Value: 1},
			{Labels: L{"segment": "enterprise", "window": "90d"}, Value: 0},
			{Labels: L{"segment": "smb", "window": "365d"}, Value: 2},
			{Labels: L{"segment": "enterprise", "window": "365d"}, Value: 0},
		},
		"retention_churned_clients_by_reason": {
			{Labels: L{"segment": "smb", "reason": "price", "window": "30d"}, Value: 1},
			{Labels: L{"segment": "smb", "reason": "service", "window": "30d"}, Value: 1},
			{Labels: L{"segment": "smb", "reason": "price", "window": "90d"}, Value: 1},
			{Labels: L{"segment": "smb", "reason": "price", "window": "365d"}, Value: 1},
			{Labels: L{"segment": "smb", "reason": "unknown", "window": "365d"}, Value: 1},
		},
		"retention_mrr": {
			{Labels: L{"segment": "smb", "currency": "USD"}, Value: 1000},
			{Labels: L{"segment": "smb", "currency": "EUR"}, Value: 200},
			{Labels: L{"segment": "", "currency": "USD"}, Value: 300},
		},
		// 365 days ago: c1 paid 900 (k9), c2 800 (k3), c4 400, c6 100.
		"retention_revenue_cohort_mrr": {
			{Labels: L{"segment": "smb", "currency": "USD", "window": "365d"}, Value: 1400},
			{Labels: L{"segment": "enterprise", "currency": "USD", "window": "365d"}, Value: 800},
		},
		"retention_revenue_retained_mrr": {
			{Labels: L{"segment": "smb", "currency": "USD", "window": "365d"}, Value: 900},
			{Labels: L{"segment": "enterprise", "currency": "USD", "window": "365d"}, Value: 0},
		},
		"retention_revenue_current_mrr": {
			{Labels: L{"segment": "smb", "currency": "USD", "window": "365d"}, Value: 1000},
			{Labels: L{"segment": "enterprise", "currency": "USD", "window": "365d"}, Value: 0},
		},
	}
	// MRR movements, per (client, currency). Over 30d: c1's USD went from
	// 1950 (k1 and k10) to 1000, c2's k3 (800) ended, c4 (400) churned;
	// c1's EUR and c3's USD stayed. Over 365d: c1's USD rose from 900
	// (k9) to 1000 and its EUR is new; c2, c4 and c6 (100) churned; c3 is
	// new.
	movements := func(seg, cur, w string, amounts, clients [5]float64) {
		for i, mv := range []string{"new", "reactivation", "expansion", "contraction", "churn"} {
			l := L{"segment": seg, "currency": cur, "window": w, "movement": mv}
			expect["retention_mrr_movement"] = append(expect["retention_mrr_movement"], S{Labels: l, Value: amounts[i]})
			expect["retention_mrr_movement_clients"] = append(expect["retention_mrr_movement_clients"], S{Labels: l, Value: clients[i]})
		}
	}
	movements("smb", "USD", "30d", [5]float64{0, 0, 0, 950, 400}, [5]float64{0, 0, 0, 1, 1})
	movements("smb", "EUR", "30d", [5]float64{}, [5]float64{})
	movements("enterprise", "USD", "30d", [5]float64{0, 0, 0, 0, 800}, [5]float64{0, 0, 0, 0, 1})
	movements("", "USD", "30d", [5]float64{}, [5]float64{})
	movements("smb", "USD", "365d", [5]float64{0, 0, 100, 0, 500}, [5]float64{0, 0, 1, 0, 2})
	movements("smb", "EUR", "365d", [5]float64{200, 0, 0, 0, 0}, [5]float64{1, 0, 0, 0, 0})
	movements("enterprise", "USD", "365d", [5]float64{0, 0, 0, 0, 800}, [5]float64{0, 0, 0, 0, 1})
	movements("", "USD", "365d", [5]float64{300, 0, 0, 0, 0}, [5]float64{1, 0, 0, 0, 0})
	for name, want := range fixtureCohorts(today) {
		expect[name] = want
	}
	for name, want := range expect {
		expectFamily(t, f, name, want)
	}
	for name := range f {
		if _, ok := expect[name]; !ok && strings.HasPrefix(name, "retention_") && !isOwnMetric(name) {
			t.Errorf("%s: served but not expected", name)
		}
	}

	for _, src := range []string{"psa", "billing"} {
		if v := value(t, f, "retention_source_up", L{"source": src}); v != 1 {
			t.Errorf("retention_source_up{source=%q} = %v, want 1", src, v)
		}
		if v := value(t, f, "retention_source_last_success_timestamp_seconds", L{"source": src}); now.Sub(time.Unix(int64(v), 0)) > time.Minute {
			t.Errorf("last success of %s at %v, want within the last minute", src, time.Unix(int64(v), 0))
		}
	}
	invalid := map[[2]string]float64{
		{"clients", "end_before_start"}:   1, // c8 churned before it started
		{"contracts", "unknown_client"}:   1, // k11 of client "ghost"
		{"contracts", "end_before_start"}: 1, // k12
		{"tickets", "unknown_client"}:     2, // client "nobody", in both ticket windows
	}
	for _, s := range f.Samples("retention_invalid_rows_total") {
		want := invalid[[2]string{s.Labels["query"], s.Labels["reason"]}]
		if s.Value != want {
			t.Errorf("retention_invalid_rows_total%s = %v, want %v", s.Labels, s.Value, want)
		}
	}
	for _, s := range f.Samples("retention_query_errors_total") {
		if s.Value != 0 {
			t.Errorf("retention_query_errors_total%s = %v, want 0", s.Labels, s.Value)
		}
	}
	// One duration per query, whatever its windows.
	queries := map[string]bool{}
	for _, q := range plannedQueries(t, fixtureConfig) {
		queries[strings.SplitN(q, "[", 2)[0]] = true
	}
	if len(f.Samples("retention_query_duration_seconds")) != len(queries) {
		t.Errorf("want a duration for each of the %d queries, have %v", len(queries), f.Samples("retention_query_duration_seconds"))
	}
	if _, ok := f["retention_exporter_build_info"]; !ok {
		t.Error("retention_exporter_build_info missing")
	}
	if !strings.Contains(p.logs.String(), "reason=unknown_client") {
		t.Error("skipped rows were not logged")
	}
	promtoolCheck(t, body)

	resp, err := http.Get(p.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	landing, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(landing), `href="/metrics"`) {
		t.Errorf("landing page: %d, without a link to /metrics", resp.StatusCode)
	}
	if got := p.status(t, "/-/healthy"); got != http.StatusOK {
		t.Errorf("/-/healthy = %d", got)
	}
}

func isOwnMetric(name string) bool {
	return strings.HasPrefix(name, "retention_source_") || strings.HasPrefix(name, "retention_query_") ||
		strings.HasPrefix(name, "retention_refresh_") || strings.HasPrefix(name, "retention_snapshot_") || strings.HasPrefix(name, "retention_invalid_") ||
		strings.HasPrefix(name, "retention_exporter_") || strings.HasPrefix(name, "retention_config_")
}

// knownLint is the one promtool finding the SPEC's names carry on purpose:
// days to renewal is counted in days, as people read it; its base-unit
// twin is retention_contract_end_timestamp_seconds.
const knownLint = `retention_contract_days_to_renewal use base unit "seconds" instead of "days"`

// promtoolCheck runs the exposition through promtool check metrics and
// fails on any finding but knownLint.
func promtoolCheck(t *testing.T, body []byte) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install the Debian package prometheus (the test command does)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && line != knownLint {
			problems = append(problems, line)
		}
	}
	if len(problems) > 0 || (err != nil && !strings.Contains(string(out), knownLint)) {
		t.Errorf("promtool check metrics: %v\n%s", err, strings.Join(problems, "\n"))
	}
}

// TestNamedTimeZone: a server without time zone tables refuses zone names;
// the exporter then sets the zone's offset, and dates are read as
// midnights in that zone.
func TestNamedTimeZone(t *testing.T) {
	p := startExporter(t, sharedDB(t), "refresh_interval: 1h\ntime_zone: Europe/Berlin\n")
	_, f := p.readyScrape(t)
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 1 {
		t.Fatalf("psa up = %v with a named time zone", v)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(int64(value(t, f, "retention_client_start_timestamp_seconds", L{"client_id": "c1"})), 0).In(berlin)
	if start.Hour() != 0 || start.Minute() != 0 {
		t.Errorf("customer_since read as %v, want midnight in Berlin", start)
	}
}

// hostileConfig feeds rows no PSA should hold, as literal queries.
const hostileConfig = `
refresh_interval: 1h
sources:
  billing:
    dsn_env: RETENTION_BILLING_DSN
queries:
  clients:
    sql: |
      SELECT CAST('h1' AS BINARY) AS client_id, X'41FF42' AS name, NULL AS segment, NULL AS account_manager,
             DATE '1970-01-01' AS customer_since, NULL AS churned_at, NULL AS churn_reason
      UNION ALL SELECT 'h2', REPEAT('x', 255), '', '', DATE '2100-01-01', NULL, NULL
      UNION ALL SELECT 'h3', '', NULL, NULL, DATE '2020-02-29', NULL, '  '
      UNION ALL SELECT 'h1', 'duplicate', NULL, NULL, DATE '2020-01-01', NULL, NULL
      UNION ALL SELECT NULL, 'no key', NULL, NULL, DATE '2020-01-01', NULL, NULL
      UNION ALL SELECT 'h4', REPEAT('y', 255), NULL, NULL, '0000-00-00', NULL, NULL
  contracts:
    sql: |
      SELECT 'k1' AS contract_id, 'h3' AS client_id, 'Big' AS name, NULL AS contract_type,
             DATE '2020-03-01' AS start_date, DATE '2100-12-31' AS end_date, 1 AS auto_renew,
             99999999999999999999.99 AS monthly_value, NULL AS currency, NULL AS cancelled_at, NULL AS renewal_notice_sent_at
      UNION ALL SELECT 'k2', 'h3', 'Negative', NULL, DATE '2020-03-01', NULL, 0, -5, 'EUR', NULL, NULL
  endpoints:
    sql: SELECT 'h3' AS client_id, 99999999999999999999 AS endpoints UNION ALL SELECT 'h1', -4
  tickets:
    sql: SELECT 'h3' AS client_id, 3 AS tickets, NULL AS sla_tickets, NULL AS sla_breached FROM DUAL WHERE :now > :window_start
  surveys:
    sql: SELECT 'h3' AS client_id, 2 AS responses, 5 AS positive FROM DUAL WHERE :now > :window_start
  reviews:
    sql: SELECT 'h3' AS client_id, NULL AS last_review_at
  contacts:
    sql: SELECT 'h3' AS client_id, NULL AS renewal_contacts
  assessments:
    sql: SELECT 'h3' AS client_id, 0 AS standards_total, 0 AS standards_met
`

// TestHostileRows: invalid UTF-8, 255-character and empty names, NULL in
// nullable columns, duplicate and NULL ids, dates in 1970, 2100 and
// 0000-00-00, numbers beyond int64 and negative counts are either served
// sanely or skipped with a counted reason; the exposition stays valid.
func TestHostileRows(t *testing.T) {
	p := startExporter(t, sharedDB(t), hostileConfig)
	body, f := p.readyScrape(t)
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 1 {
		t.Fatalf("psa up = %v", v)
	}
	// h1: invalid UTF-8 replaced; customer since 1970-01-01 is timestamp 0.
	if v := value(t, f, "retention_client_start_timestamp_seconds", L{"client_id": "h1", "client": "A\uFFFDB"}); v != 0 {
		t.Errorf("h1 start %v, want 0", v)
	}
	// h2 starts in 2100: not active, no series. h3: empty name, leap day.
	if _, ok := f.Find("retention_client_info", L{"client_id": "h2"}); ok {
		t.Error("a client starting in 2100 is served")
	}
	value(t, f, "retention_client_info", L{"client_id": "h3", "client": ""})
	// k1: a monthly value beyond int64 is a float; it ends in 2100.
	if v := value(t, f, "retention_contract_monthly_value", L{"contract_id": "k1"}); v < 9e19 {
		t.Errorf("k1 monthly value %v", v)
	}
	// Ratios that cannot be computed are absent, never 0 or NaN.
	for _, name := range []string{"retention_client_best_practice_ratio", "retention_client_last_review_timestamp_seconds", "retention_client_utilization_ratio", "retention_client_csat_ratio"} {
		if _, ok := f.Find(name, L{"client_id": "h3"}); ok {
			t.Errorf("%s served for h3", name)
		}
	}
	invalid := map[[2]string]float64{
		{"clients", "duplicate_id"}:        1,
		{"clients", "null_key"}:            1,
		{"clients", "unparsable_value"}:    1, // 0000-00-00
		{"endpoints", "unparsable_value"}:  1, // beyond int64
		{"endpoints", "negative_count"}:    1,
		{"surveys", "count_exceeds_total"}: 1,
	}
	for _, s := range f.Samples("retention_invalid_rows_total") {
		if want := invalid[[2]string{s.Labels["query"], s.Labels["reason"]}]; s.Value != want {
			t.Errorf("invalid rows %v = %v, want %v", s.Labels, s.Value, want)
		}
	}
	for _, s := range f.Samples("retention_client_health_score") {
		if s.Value != s.Value || s.Value < 0 || s.Value > 100 {
			t.Errorf("health %v for %v", s.Value, s.Labels)
		}
	}
	promtoolCheck(t, body)
}

// fixtureCohorts is what the cohort series hold for the fixture today:
// the clients that started in the last 24 complete months (c1 400 days
// ago, c3 30, c4 500, c7 60; c2 and c6 started earlier, c5 starts in 5
// days), and at the last day of each month since, whether each was
// active and its MRR from its contracts then (offsets in days from today).
func fixtureCohorts(today time.Time) map[string][]S {
	type contract struct {
		cur          string
		value        float64
		start, until int // in force from start to until, inclusive
	}
	const never = 1 << 20
	clients := []struct {
		segment        string
		since, churned int
		contracts      []contract
	}{
		{"smb", -400, never, []contract{{"USD", 900, -700, -301}, {"USD", 950, -330, -5}, {"USD", 1000, -300, 45}, {"EUR", 200, -200, never}}},
		{"", -30, never, []contract{{"USD", 300, -30, 9}}},      // cancelled in 10 days
		{"smb", -500, -10, []contract{{"USD", 400, -500, -11}}}, // cancelled and churned 10 days ago
		{"smb", -60, 0, nil}, // churned today
	}
	month := func(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }
	lastDay := func(m int) time.Time { return time.Date(m/12, time.Month(m%12+1)+1, 0, 0, 0, 0, 0, time.UTC) }
	offset := func(t time.Time) int { return int(t.Sub(today).Hours() / 24) }
	out := map[string][]S{}
	type key struct{ seg, cohort, cur, age string }
	sums := map[key]float64{}
	for _, c := range clients {
		m := month(today.AddDate(0, 0, c.since))
		if m < month(today)-24 || m >= month(today) {
			continue
		}
		cohort := fmt.Sprintf("%04d-%02d", m/12, m%12+1)
		out["retention_cohort_clients"] = append(out["retention_cohort_clients"], S{Labels: L{"segment": c.segment, "cohort": cohort}, Value: 1})
		for age := 0; !lastDay(m + age).After(today); age++ {
			d := offset(lastDay(m + age))
			active := c.since <= d && d < c.churned
			v := 0.0
			if active {
				v = 1
			}
			a := strconv.Itoa(age)
			out["retention_cohort_retained_clients"] = append(out["retention_cohort_retained_clients"],
				S{Labels: L{"segment": c.segment, "cohort": cohort, "age_months": a}, Value: v})
			for _, k := range c.contracts {
				if active && k.start <= d && d <= k.until {
					sums[key{c.segment, cohort, k.cur, a}] += k.value
				} else {
					sums[key{c.segment, cohort, k.cur, a}] += 0
				}
			}
		}
	}
	for k, v := range sums {
		if sums[key{k.seg, k.cohort, k.cur, "0"}] > 0 {
			out["retention_cohort_mrr"] = append(out["retention_cohort_mrr"],
				S{Labels: L{"segment": k.seg, "cohort": k.cohort, "currency": k.cur, "age_months": k.age}, Value: v})
		}
	}
	return out
}

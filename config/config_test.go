package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// unsetEnv removes an environment variable for the test and restores it after.
func unsetEnv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	os.Unsetenv(name)
}

func mustParse(t *testing.T, yaml, dir string) *Config {
	t.Helper()
	c, err := Parse([]byte(yaml), dir)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, yaml)
	}
	return c
}

func labels[W fmt.Stringer](ws []W) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func TestParseDefaults(t *testing.T) {
	unsetEnv(t, DefaultBillingDSNEnv)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"empty", []byte("")},
		{"blank", []byte("\n  \n")},
		{"comments only", []byte("# nothing to change\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.data, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := time.Duration(c.RefreshInterval); got != 5*time.Minute {
				t.Errorf("refresh_interval = %v, want 5m", got)
			}
			if got := time.Duration(c.MaxStaleness); got != time.Hour {
				t.Errorf("max_staleness = %v, want 1h", got)
			}
			if c.Location() != time.UTC && c.Location().String() != "UTC" {
				t.Errorf("location = %v, want UTC", c.Location())
			}
			w := c.Windows
			for _, check := range []struct {
				what      string
				got, want []string
			}{
				{"tickets", labels(w.Tickets), []string{"30d", "90d"}},
				{"churn", labels(w.Churn), []string{"30d", "90d", "365d"}},
				{"revenue", labels(w.Revenue), []string{"365d"}},
				{"single windows", []string{w.Utilization.Label, w.SLA.Label, w.CSAT.Label, w.Lapsed.Label},
					[]string{"30d", "90d", "90d", "90d"}},
				{"ticket query windows", labels(c.TicketWindows()), []string{"30d", "90d"}},
			} {
				if !slices.Equal(check.got, check.want) {
					t.Errorf("%s windows = %v, want %v", check.what, check.got, check.want)
				}
			}
			// The oldest of 24 cohort months: 25 months of 31 days.
			if got := c.HistoryDays(); got != 775 {
				t.Errorf("HistoryDays = %d, want 775", got)
			}
			if got := labels(w.Movements); !slices.Equal(got, []string{"30d", "365d"}) || c.Cohorts.Months != 24 {
				t.Errorf("movement windows %v, cohort months %d", got, c.Cohorts.Months)
			}
			h := c.Health
			// Every component has its table's default weight; those of the
			// SPEC are pinned.
			pinned := Weights{model.ComponentUtilization: 0.20, model.ComponentSLA: 0.20, model.ComponentCSAT: 0.15, model.ComponentEngagement: 0.15,
				model.ComponentBilling: 0.15, model.ComponentBestPractice: 0.10, model.ComponentContacts: 0.05}
			for _, comp := range model.Components {
				if w, ok := h.Weights[comp.Name]; !ok || w != comp.DefaultWeight {
					t.Errorf("weight of %s = %v, want the default %v", comp.Name, w, comp.DefaultWeight)
				}
			}
			for comp, w := range pinned {
				if h.Weights[comp] != w {
					t.Errorf("weight of %s = %v, want %v", comp, h.Weights[comp], w)
				}
			}
			if len(h.Weights) != len(model.Components) {
				t.Errorf("weights = %+v, want one per component", h.Weights)
			}
			if h.UtilizationTarget != 0.2 || h.ReviewCadence.Days() != 90 || h.OverdueLimit.Days() != 60 || h.PositiveScore != 4 {
				t.Errorf("health = %+v", h)
			}
			if h.Bands != (Bands{Critical: 40, AtRisk: 60}) {
				t.Errorf("bands = %+v, want 40/60", h.Bands)
			}
			if c.Churn.ReasonsLimit != 20 {
				t.Errorf("reasons_limit = %d, want 20", c.Churn.ReasonsLimit)
			}
			psa, billing := c.Source(PSA), c.Source(Billing)
			if psa.DSNEnv != DefaultPSADSNEnv || psa.MaxOpenConns != 2 || time.Duration(psa.QueryTimeout) != 30*time.Second {
				t.Errorf("psa source = %+v", psa)
			}
			if billing.DSNEnv != DefaultBillingDSNEnv || billing.MaxOpenConns != 2 {
				t.Errorf("billing source = %+v", billing)
			}
			if c.BillingConfigured() {
				t.Errorf("billing configured without a billing section or %s", DefaultBillingDSNEnv)
			}
			for _, f := range fact.All {
				want := f.Source == PSA
				if got := c.Enabled(f.Name); got != want {
					t.Errorf("Enabled(%s) = %v, want %v", f.Name, got, want)
				}
			}
		})
	}
}

func TestLoadEmptyPathIsDefault(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	if !c.Enabled(model.QueryClients) || c.Churn.ReasonsLimit != 20 {
		t.Errorf("Load(\"\") is not the default config: %+v", c)
	}
}

func TestBillingConfigured(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		env    string // RETENTION_BILLING_DSN, set when not empty
		blank  bool   // set RETENTION_BILLING_DSN to blanks
		want   bool
		dsnEnv string
	}{
		{name: "no section, no variable", want: false, dsnEnv: DefaultBillingDSNEnv},
		{name: "no section, default variable set", env: "user:pw@tcp(db:3306)/billing", want: true, dsnEnv: DefaultBillingDSNEnv},
		{name: "no section, default variable blank", blank: true, want: false, dsnEnv: DefaultBillingDSNEnv},
		{name: "explicit section with its own variable", yaml: "sources: {billing: {dsn_env: MY_BILLING}}", want: true, dsnEnv: "MY_BILLING"},
		{name: "explicit empty section", yaml: "sources: {billing: {max_open_conns: 1}}", want: true, dsnEnv: DefaultBillingDSNEnv},
		{name: "explicit section with a DSN file", yaml: "sources: {billing: {dsn_file: /run/secrets/billing}}", want: true, dsnEnv: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unsetEnv(t, DefaultBillingDSNEnv)
			if tt.env != "" {
				t.Setenv(DefaultBillingDSNEnv, tt.env)
			}
			if tt.blank {
				t.Setenv(DefaultBillingDSNEnv, "  ")
			}
			c := mustParse(t, tt.yaml, "")
			if got := c.BillingConfigured(); got != tt.want {
				t.Errorf("BillingConfigured = %v, want %v", got, tt.want)
			}
			if got := c.Enabled(model.QueryInvoices); got != tt.want {
				t.Errorf("Enabled(invoices) = %v, want %v", got, tt.want)
			}
			if got := c.Source(Billing).DSNEnv; got != tt.dsnEnv {
				t.Errorf("billing dsn_env = %q, want %q", got, tt.dsnEnv)
			}
		})
	}
}

func TestSourceDefaultsFilled(t *testing.T) {
	c := mustParse(t, `
sources:
  psa:
    dsn_env: MY_PSA
    query_timeout: 5s
  billing:
    max_open_conns: 4
`, "")
	psa, billing := c.Source(PSA), c.Source(Billing)
	if psa.DSNEnv != "MY_PSA" || psa.MaxOpenConns != 2 || time.Duration(psa.QueryTimeout) != 5*time.Second {
		t.Errorf("psa = %+v", psa)
	}
	if billing.DSNEnv != DefaultBillingDSNEnv || billing.MaxOpenConns != 4 || time.Duration(billing.QueryTimeout) != 30*time.Second {
		t.Errorf("billing = %+v", billing)
	}
}

func TestParseOverrides(t *testing.T) {
	c := mustParse(t, `
refresh_interval: 1m
max_staleness: 30m
time_zone: Europe/Berlin
windows:
  tickets: [7d, 12h]
  churn: [1y, 2w]
  revenue: [90d]
  lapsed: 60d
health:
  weights:
    contacts: 0.5
  utilization_target: 0.3
  review_cadence: 8w
  bands: {critical: 30, at_risk: 50}
churn:
  reasons_limit: 5
`, "")
	if time.Duration(c.RefreshInterval) != time.Minute || time.Duration(c.MaxStaleness) != 30*time.Minute {
		t.Errorf("intervals = %v, %v", c.RefreshInterval, c.MaxStaleness)
	}
	if c.Location().String() != "Europe/Berlin" {
		t.Errorf("location = %v", c.Location())
	}
	if got := labels(c.Windows.Tickets); !slices.Equal(got, []string{"7d", "12h"}) {
		t.Errorf("tickets = %v", got)
	}
	// The tickets query also runs for the (default) utilization and SLA windows.
	if got := labels(c.TicketWindows()); !slices.Equal(got, []string{"7d", "12h", "30d", "90d"}) {
		t.Errorf("TicketWindows = %v", got)
	}
	if got := labels(c.Windows.Churn); !slices.Equal(got, []string{"1y", "2w"}) {
		t.Errorf("churn = %v", got)
	}
	if d := c.Windows.Churn[0].Days(); d != 365 {
		t.Errorf("1y = %d days, want 365", d)
	}
	if d := c.Windows.Churn[1].Days(); d != 14 {
		t.Errorf("2w = %d days, want 14", d)
	}
	// Longest of churn (365), revenue (90), lapsed (60), movements (30d,
	// 365d) and the cohorts (25 months of 31 days).
	if got := c.HistoryDays(); got != 775 {
		t.Errorf("HistoryDays = %d, want 775", got)
	}
	// Keys left out of a section keep their defaults.
	if w := c.Health.Weights; w[model.ComponentContacts] != 0.5 || w[model.ComponentUtilization] != 0.2 || w[model.ComponentBilling] != 0.15 || len(w) != len(model.Components) {
		t.Errorf("weights = %+v", c.Health.Weights)
	}
	if c.Health.OverdueLimit.Days() != 60 || c.Health.ReviewCadence.Days() != 56 || c.Health.UtilizationTarget != 0.3 {
		t.Errorf("health = %+v", c.Health)
	}
	if c.Health.Bands != (Bands{Critical: 30, AtRisk: 50}) || c.Churn.ReasonsLimit != 5 {
		t.Errorf("bands/churn = %+v %+v", c.Health.Bands, c.Churn)
	}
	if c.Windows.CSAT.Label != "90d" {
		t.Errorf("csat window = %q, want the default", c.Windows.CSAT.Label)
	}
}

func TestHistoryDaysLapsedLongest(t *testing.T) {
	c := mustParse(t, "windows: {churn: [30d], revenue: [60d], movements: [30d], lapsed: 120d}\ncohorts: {months: 1}", "")
	if got := c.HistoryDays(); got != 120 {
		t.Errorf("HistoryDays = %d, want 120", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"unknown top-level key", "refresh_interval: 1m\nrefresh_intervall: 5m\n", []string{
			`line 2: unknown key "refresh_intervall" at the top level; did you mean "refresh_interval"? (allowed there: refresh_interval, max_staleness, time_zone, sources, queries, params, windows, health, churn, cohorts, series, targets, risk, alerts, report)`}},
		{"unknown nested key", "health:\n  weights:\n    utilisation: 0.3\n", []string{`line 3: unknown health component "utilisation"; did you mean "utilization"?`}},
		{"unknown source key", "sources:\n  psa:\n    dsn: secret\n", []string{`line 3: unknown key "dsn" in sources.psa (allowed there: dsn_env, dsn_file,`}},
		{"source key written out", "sources:\n  billing:\n    dsn_environment: X\n", []string{`line 3: unknown key "dsn_environment" in sources.billing; did you mean "dsn_env"?`}},
		{"unknown query key", "queries:\n  clients:\n    query: SELECT 1\n", []string{`line 3: unknown key "query" in queries.clients (allowed there: sql, file, disabled)`}},
		{"unknown query", "queries:\n  ticket:\n    sql: SELECT 1\n", []string{`line 2: unknown key "ticket" in queries; did you mean "tickets"?`}},
		{"unknown band", "health:\n  bands:\n    critcal: 30\n", []string{`line 3: unknown key "critcal" in health.bands; did you mean "critical"? (allowed there: critical, at_risk)`}},
		{"unknown key in a list", "health:\n  profiles:\n    - name: a\n      segmnts: [x]\n", []string{`line 4: unknown key "segmnts" in health.profiles[0]; did you mean "segments"?`}},
		{"bad window", "windows:\n  churn: [30 days]\n", []string{"line 2", "30 days"}},
		{"window not a scalar", "windows:\n  lapsed: {days: 30}\n", []string{"line 2", "window"}},
		{"zero window", "windows:\n  lapsed: 0d\n", []string{"0d", "positive"}},
		{"bad duration", "refresh_interval: soon\n", []string{"line 1", "soon"}},
		{"non-whole-day churn window", "windows: {churn: [30d, 36h]}", []string{"windows.churn", "36h", "whole number of days"}},
		{"non-whole-day revenue window", "windows: {revenue: [1d12h]}", []string{"windows.revenue", "1d12h"}},
		{"non-whole-day lapsed window", "windows: {lapsed: 90d1h}", []string{"windows.lapsed", "90d1h"}},
		{"non-whole-day review cadence", "health: {review_cadence: 12h}", []string{"health.review_cadence", "12h"}},
		{"non-whole-day overdue limit", "health: {overdue_limit: 30m}", []string{"health.overdue_limit", "30m"}},
		{"duplicate churn window", "windows: {churn: [30d, 30d]}", []string{"windows.churn", "30d", "twice"}},
		{"non-whole-day movement window", "windows: {movements: [30d, 7d12h]}", []string{"windows.movements", "7d12h", "whole number of days"}},
		{"duplicate movement window", "windows: {movements: [30d, 30d]}", []string{"windows.movements", "twice"}},
		{"no cohort months", "cohorts: {months: 0}", []string{"cohorts.months", "between 1 and 120"}},
		{"too many cohort months", "cohorts: {months: 121}", []string{"cohorts.months"}},
		{"unknown cohorts key", "cohorts:\n  month: 12\n", []string{"month", "line 2"}},
		{"duplicate ticket window", "windows: {tickets: [30d, 30d]}", []string{"windows.tickets", "twice"}},
		{"no ticket window", "windows: {tickets: []}", []string{"windows.tickets"}},
		{"no churn window", "windows: {churn: []}", []string{"windows.churn"}},
		{"zero refresh interval", "refresh_interval: 0s", []string{"refresh_interval"}},
		{"staleness below refresh", "refresh_interval: 10m\nmax_staleness: 5m", []string{"max_staleness"}},
		{"bad time zone", "time_zone: Mars/Olympus", []string{"time_zone"}},
		{"negative weight", "health: {weights: {csat: -1}}", []string{"health.weights.csat"}},
		{"zero utilization target", "health: {utilization_target: 0}", []string{"utilization_target"}},
		{"all default weights zero", "health: {weights: {utilization: 0, sla: 0, csat: 0, engagement: 0, billing: 0, best_practice: 0, contacts: 0}}",
			[]string{"health.weights", "positive"}},
		{"unknown profile key", "health:\n  profiles:\n    - name: ent\n      segments: [e]\n      target: 0.3\n", []string{"target", "line 5"}},
		{"unknown component in a profile", "health:\n  profiles:\n    - name: ent\n      segments: [e]\n      weights:\n        utilisation: 0.3\n",
			[]string{"utilisation", "line 6", "known: utilization"}},
		{"negative profile weight", "health: {profiles: [{name: ent, segments: [e], weights: {sla: -0.1}}]}", []string{"health.profiles[ent].weights.sla", "negative"}},
		{"profile weights all zero", "health: {weights: {utilization: 0.5, sla: 0.5, csat: 0, engagement: 0, billing: 0, best_practice: 0, contacts: 0}, " +
			"profiles: [{name: ent, segments: [e], weights: {utilization: 0, sla: 0}}]}", []string{"health.profiles[ent].weights", "positive"}},
		{"segment in two profiles", "health: {profiles: [{name: a, segments: [x, y]}, {name: b, segments: [z, y]}]}",
			[]string{"health.profiles[b]", `segment "y"`, "profile a"}},
		{"profile without name", "health: {profiles: [{segments: [x]}]}", []string{"health.profiles[0]", "name"}},
		{"profile named default", "health: {profiles: [{name: default, segments: [x]}]}", []string{"health.profiles[default]", "reserved"}},
		{"two profiles of one name", "health: {profiles: [{name: a, segments: [x]}, {name: a, segments: [y]}]}", []string{"health.profiles[a]", "twice"}},
		{"profile without segments", "health: {profiles: [{name: a}]}", []string{"health.profiles[a]", "segments"}},
		{"negative profile target", "health: {profiles: [{name: a, segments: [x], utilization_target: -1}]}", []string{"health.profiles[a].utilization_target"}},
		{"non-whole-day profile cadence", "health: {profiles: [{name: a, segments: [x], review_cadence: 36h}]}", []string{"health.profiles[a].review_cadence", "36h"}},
		{"positive score 0", "health: {positive_score: 0}", []string{"positive_score"}},
		{"bands out of order", "health: {bands: {critical: 70, at_risk: 60}}", []string{"health.bands"}},
		{"bands above 100", "health: {bands: {critical: 40, at_risk: 120}}", []string{"health.bands"}},
		{"grr warning above target", "targets: {grr: {warning: 0.95, target: 0.9}}", []string{"targets.grr"}},
		{"nrr target zero", "targets: {nrr: {warning: 0, target: 0}}", []string{"targets.nrr"}},
		{"coverage above 1", "targets: {coverage: 1.5}", []string{"targets.coverage"}},
		{"reasons limit 0", "churn: {reasons_limit: 0}", []string{"churn.reasons_limit"}},
		{"negative pool", "sources: {psa: {max_open_conns: -1}}", []string{"sources.psa.max_open_conns"}},
		{"tls cert without key", "sources: {billing: {tls: {cert_file: c.pem}}}", []string{"sources.billing.tls"}},
		{"unknown query, flow style", "queries: {client: {sql: SELECT 1}}", []string{`line 1: unknown key "client" in queries; did you mean "clients"?`}},
		{"clients disabled", "queries: {clients: {disabled: true}}", []string{"queries.clients", "cannot be disabled"}},
		{"sql and file", "queries: {contacts: {sql: SELECT 1, file: contacts.sql}}", []string{"queries.contacts", "not both"}},
		{"missing query file", "queries: {contacts: {file: does-not-exist.sql}}", []string{"queries.contacts.file"}},
		{"write statement", "queries: {endpoints: {sql: 'DELETE FROM endpoints'}}", []string{"queries.endpoints", "DELETE"}},
		{"unknown parameter", "queries: {endpoints: {sql: 'SELECT client_id, 1 AS endpoints FROM e WHERE d < :yesterday'}}",
			[]string{"queries.endpoints", ":yesterday"}},
		{"window_start outside windowed queries", "queries:\n  contracts:\n    sql: SELECT * FROM contracts WHERE start_date > :window_start\n",
			[]string{"queries.contracts", ":window_start"}},
		{"report: empty MSP name", "report: {msp_name: ' '}", []string{"report.msp_name"}},
		{"report: unknown component", "report:\n  recommendations:\n    csatt: {target: 50}\n",
			[]string{`line 3: unknown health component "csatt" in report.recommendations; did you mean "csat"?`}},
		{"report: unknown key", "report:\n  recommendations:\n    csat: {treshold: 50}\n",
			[]string{`line 3: unknown key "treshold" in report.recommendations.csat`}},
		{"report: target above 100", "report: {recommendations: {sla: {target: 101}}}", []string{"report.recommendations.sla.target"}},
		{"report: empty text", "report: {recommendations: {sla: {text: ''}}}", []string{"report.recommendations.sla.text"}},
		{"window_start in reviews", "queries: {reviews: {sql: 'SELECT client_id, MAX(held_at) AS last_review_at FROM r WHERE held_at > :window_start'}}",
			[]string{"queries.reviews", ":window_start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unsetEnv(t, DefaultBillingDSNEnv)
			_, err := Parse([]byte(tt.yaml), t.TempDir())
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.yaml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestWindowedQueriesMayUseWindowStart(t *testing.T) {
	c := mustParse(t, `
queries:
  tickets:
    sql: |
      SELECT client_id, COUNT(*) AS tickets
      FROM tickets
      WHERE created_at > :window_start AND created_at <= :now
      GROUP BY client_id
  surveys:
    sql: >
      SELECT client_id, COUNT(*) AS responses,
      SUM(score >= :positive_score) AS positive
      FROM surveys WHERE answered_at > :window_start GROUP BY client_id
`, "")
	for name, want := range map[string][]string{
		model.QueryTickets: {ParamWindowStart, ParamNow},
		model.QuerySurveys: {ParamPositiveScore, ParamWindowStart},
	} {
		st, ok := c.Statement(name)
		if !ok {
			t.Fatalf("%s not enabled", name)
		}
		if !slices.Equal(st.Params, want) {
			t.Errorf("%s params = %v, want %v", name, st.Params, want)
		}
		if strings.Contains(st.SQL, ":") {
			t.Errorf("%s SQL still has a named placeholder: %s", name, st.SQL)
		}
	}
}

func TestDisabledQuery(t *testing.T) {
	c := mustParse(t, "queries: {surveys: {disabled: true}, contracts: {disabled: true}}", "")
	for _, name := range []string{model.QuerySurveys, model.QueryContracts} {
		if c.Enabled(name) {
			t.Errorf("Enabled(%s) = true for a disabled query", name)
		}
		if _, ok := c.Statement(name); ok {
			t.Errorf("Statement(%s) exists for a disabled query", name)
		}
	}
	if !c.Enabled(model.QueryTickets) || !c.Enabled(model.QueryClients) {
		t.Errorf("other queries should stay enabled")
	}
	if c.Enabled("no_such_query") {
		t.Errorf("Enabled of an unknown query name")
	}
}

func TestDefaultStatements(t *testing.T) {
	unsetEnv(t, DefaultBillingDSNEnv)
	t.Setenv(DefaultBillingDSNEnv, "x")
	c := mustParse(t, "", "")
	for _, f := range fact.All {
		st, ok := c.Statement(f.Name)
		if !ok {
			t.Errorf("default %s not enabled", f.Name)
			continue
		}
		// What each fact's rows depend on is checked by TestUnusedParams.
		if got, want := strings.Count(st.SQL, "?"), len(st.Params); got != want {
			t.Errorf("default %s has %d '?' for %d params", f.Name, got, want)
		}
	}
}

func TestQueryFiles(t *testing.T) {
	unsetEnv(t, DefaultBillingDSNEnv)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sql"), 0o755); err != nil {
		t.Fatal(err)
	}
	rel := "SELECT client_id, COUNT(*) AS renewal_contacts FROM people WHERE role = 'renewal' AND hired <= :today GROUP BY client_id\n"
	abs := "SELECT client_id, COUNT(*) AS endpoints FROM assets GROUP BY client_id"
	absPath := filepath.Join(t.TempDir(), "endpoints.sql")
	for p, text := range map[string]string{filepath.Join(dir, "sql", "contacts.sql"): rel, absPath: abs} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "retention.yml")
	yaml := "queries:\n  contacts: {file: sql/contacts.sql}\n  endpoints: {file: " + absPath + "}\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	// Load resolves relative query files against the config file's directory,
	// whatever the working directory is.
	c, err := Load(cfgPath)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	st, _ := c.Statement(model.QueryContacts)
	if !strings.Contains(st.SQL, "FROM people") || !slices.Equal(st.Params, []string{ParamToday}) {
		t.Errorf("contacts statement = %+v, want the file's", st)
	}
	st, _ = c.Statement(model.QueryEndpoints)
	if !strings.Contains(st.SQL, "FROM assets") {
		t.Errorf("endpoints statement = %+v, want the absolute file's", st)
	}

	// Parse with another directory does not find the relative file.
	if _, err := Parse([]byte(yaml), t.TempDir()); err == nil || !strings.Contains(err.Error(), "queries.contacts.file") {
		t.Errorf("Parse with another dir: err = %v, want a missing file error", err)
	}
	// Load names the config file in its errors.
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("nope: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Load(bad) err = %v, want one naming %s and the key", err, bad)
	}
}

func TestParseWindow(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in        string
		want      time.Duration
		wantDays  int
		wholeDays bool
		wantErr   bool
	}{
		{in: "30d", want: 30 * day, wantDays: 30, wholeDays: true},
		{in: "365d", want: 365 * day, wantDays: 365, wholeDays: true},
		{in: "1y", want: 365 * day, wantDays: 365, wholeDays: true},
		{in: "12w", want: 84 * day, wantDays: 84, wholeDays: true},
		{in: "48h", want: 2 * day, wantDays: 2, wholeDays: true},
		{in: "36h", want: 36 * time.Hour, wantDays: 1, wholeDays: false},
		{in: "1d12h", want: 36 * time.Hour, wantDays: 1, wholeDays: false},
		{in: "90m", want: 90 * time.Minute, wantDays: 0, wholeDays: false},
		{in: "", wantErr: true},
		{in: "0d", wantErr: true},
		{in: "-1d", wantErr: true},
		{in: "30", wantErr: true},
		{in: "30 days", wantErr: true},
		{in: "month", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w, err := ParseWindow(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseWindow(%q) = %+v, want an error", tt.in, w)
				}
				if !strings.Contains(err.Error(), tt.in) {
					t.Errorf("error %q does not quote the window", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseWindow(%q): %v", tt.in, err)
			}
			if w.Label != tt.in || w.String() != tt.in {
				t.Errorf("label = %q, want the text as written %q", w.Label, tt.in)
			}
			if w.Duration != tt.want || w.Days() != tt.wantDays || w.WholeDays() != tt.wholeDays {
				t.Errorf("ParseWindow(%q) = %v, %d days, whole %v; want %v, %d, %v",
					tt.in, w.Duration, w.Days(), w.WholeDays(), tt.want, tt.wantDays, tt.wholeDays)
			}
		})
	}
}

func TestDefaultWeights(t *testing.T) {
	w := Default().Health.Weights
	if sum := w.Sum(); sum < 1-1e-9 || sum > 1+1e-9 {
		t.Errorf("default weights sum to %v, want 1", sum)
	}
	if len(w) != len(model.Components) || w[model.ComponentBestPractice] != 0.10 || w[model.ComponentContacts] != 0.05 {
		t.Errorf("default weights wrong: %+v", w)
	}
}

func TestProfiles(t *testing.T) {
	c := mustParse(t, `
health:
  weights: {csat: 0.3}
  utilization_target: 0.25
  profiles:
    - name: enterprise
      segments: [enterprise, no-such-segment-yet]
      weights: {utilization: 0.1}
      review_cadence: 30d
    - name: unsegmented
      segments: [""]
      utilization_target: 0.4
`, "")
	ent := c.Params().ProfileFor("enterprise")
	if ent.Name != "enterprise" || ent.UtilizationTarget != 0.25 || ent.ReviewCadence.Days() != 30 {
		t.Errorf("enterprise profile = %+v", ent)
	}
	// Left-out weights are the default profile's, including its overrides.
	if ent.Weights[model.ComponentUtilization] != 0.1 || ent.Weights[model.ComponentCSAT] != 0.3 || ent.Weights[model.ComponentSLA] != 0.2 || len(ent.Weights) != len(model.Components) {
		t.Errorf("enterprise weights = %v", ent.Weights)
	}
	if c.Params().ProfileFor("no-such-segment-yet") != ent {
		t.Errorf("a profile's second segment gets another profile")
	}
	if p := c.Params().ProfileFor(""); p.Name != "unsegmented" || p.UtilizationTarget != 0.4 || p.ReviewCadence.Days() != 90 {
		t.Errorf("profile of clients without a segment = %+v", p)
	}
	def := c.Params().ProfileFor("smb")
	if def.Name != DefaultProfile || def.UtilizationTarget != 0.25 || def.Weights[model.ComponentUtilization] != 0.2 {
		t.Errorf("default profile = %+v", def)
	}
	if names := []string{c.Params().Profiles[0].Name, c.Params().Profiles[1].Name, c.Params().Profiles[2].Name}; !slices.Equal(names, []string{"default", "enterprise", "unsegmented"}) || len(c.Params().Profiles) != 3 {
		t.Errorf("profiles = %v", names)
	}
	// The default weights are not changed by a profile.
	if c.Health.Weights[model.ComponentUtilization] != 0.2 {
		t.Errorf("default weights changed: %v", c.Health.Weights)
	}
}

func TestPlan(t *testing.T) {
	// 23:30 UTC on 14 June is already 15 June in Auckland (UTC+12).
	now := time.Date(2024, 6, 14, 23, 30, 0, 0, time.UTC)
	c, err := ParseEnv([]byte("time_zone: Pacific/Auckland\nwindows: {tickets: [7d, 30d]}"), "", func(string) string { return "x" })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range c.Plan(PSA, now) {
		names = append(names, q.Name())
	}
	// Every PSA fact in table order, the tickets once per distinct
	// window (the ticket windows, then those of utilization and SLA),
	// the surveys for the CSAT window.
	var want []string
	for _, f := range fact.All {
		switch {
		case f.Source != PSA:
		case f.Name == model.QueryTickets:
			want = append(want, "tickets[7d]", "tickets[30d]", "tickets[90d]")
		case f.Name == model.QuerySurveys:
			want = append(want, "surveys[90d]")
		default:
			want = append(want, f.Name)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("PSA plan = %v, want %v", names, want)
	}
	billing := c.Plan(Billing, now)
	if len(billing) != 1 || billing[0].Name() != "invoices" {
		t.Fatalf("billing plan = %v", billing)
	}
	akl, _ := time.LoadLocation("Pacific/Auckland")
	today := time.Date(2024, 6, 15, 0, 0, 0, 0, akl)
	if got := billing[0].Args; len(got) != 3 || slices.ContainsFunc(got, func(a any) bool { return !a.(time.Time).Equal(today) }) {
		t.Errorf("invoices args = %v, want today in Auckland %v for each", got, today)
	}
	for _, q := range c.Plan(PSA, now) {
		switch q.Name() {
		case "contracts":
			// Today, for the renewal notice, then today less the history
			// the cohorts need (775 days).
			if len(q.Args) != 2 || !q.Args[0].(time.Time).Equal(today) {
				t.Fatalf("contracts args = %v, want today %v first", q.Args, today)
			}
			if !q.Args[1].(time.Time).Equal(today.AddDate(0, 0, -775)) {
				t.Errorf("contracts history start = %v", q.Args[1])
			}
		case "surveys[90d]":
			if q.Args[0] != 4 || !q.Args[1].(time.Time).Equal(now.Add(-90*24*time.Hour)) || !q.Args[2].(time.Time).Equal(now) {
				t.Errorf("surveys args = %v", q.Args)
			}
		}
	}
	// Disabled queries are not planned.
	c = mustParse(t, "queries: {reviews: {disabled: true}}", "")
	for _, q := range c.Plan(PSA, now) {
		if q.Fact.Name == model.QueryReviews {
			t.Errorf("disabled reviews planned")
		}
	}
}

// TestPlanPlaceholders: each bound value has its '?' in the statement; a
// '?' or ':name' inside a string literal is not a placeholder.
func TestPlanPlaceholders(t *testing.T) {
	c := mustParse(t, `queries: {contacts: {sql: "SELECT client_id, COUNT(*) AS renewal_contacts FROM contacts WHERE note <> '?:today' AND d <= :today GROUP BY client_id"}}`, "")
	for _, q := range c.Plan(PSA, time.Date(2024, 6, 15, 8, 0, 0, 0, time.UTC)) {
		marks := q.Placeholders()
		if len(marks) != len(q.Args) || strings.Count(q.SQL, "?") < len(marks) {
			t.Fatalf("%s: %d placeholders for %d values", q.Name(), len(marks), len(q.Args))
		}
		for _, at := range marks {
			if q.SQL[at] != '?' {
				t.Errorf("%s: placeholder at %d is %q", q.Name(), at, q.SQL[at])
			}
		}
		if q.Fact.Name == model.QueryContacts && (len(marks) != 1 || marks[0] < strings.Index(q.SQL, "d <= ")) {
			t.Errorf("contacts placeholders %v in %s", marks, q.SQL)
		}
	}
}

// TestUnusedParams: the default queries use every parameter their facts
// depend on; a custom query that leaves one out is named with why.
func TestUnusedParams(t *testing.T) {
	def, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fact.All {
		if got := def.UnusedParams(f.Name); len(got) > 0 {
			t.Errorf("default %s query: unused %v", f.Name, got)
		}
	}
	cfg, err := Parse([]byte(`
queries:
  tickets:
    sql: SELECT client_id, COUNT(*) AS tickets FROM tickets GROUP BY client_id
  surveys:
    sql: SELECT client_id, COUNT(*) AS responses, SUM(score >= 4) AS positive FROM surveys WHERE answered_at > :window_start AND answered_at <= :now GROUP BY client_id
  reviews:
    sql: SELECT client_id, MAX(held_at) AS last_review_at FROM reviews WHERE held_at <= :now GROUP BY client_id
  contacts:
    sql: SELECT client_id, COUNT(*) AS renewal_contacts FROM contacts GROUP BY client_id
`), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		model.QueryTickets: {":window_start (each window must read only its own rows)", ":now or :today (rows dated after the refresh must not count)"},
		model.QuerySurveys: {":positive_score (health.positive_score decides which scores are positive)"},
	}
	for _, f := range fact.All {
		if got := cfg.UnusedParams(f.Name); !slices.Equal(got, want[f.Name]) {
			t.Errorf("%s: unused %q, want %q", f.Name, got, want[f.Name])
		}
	}
}

// TestReportRecommendations: a rule given in part keeps the rest of its
// default, and the components left out keep theirs.
func TestReportRecommendations(t *testing.T) {
	def, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte("report:\n  msp_name: Northwind IT\n  recommendations:\n    sla: {text: Call us.}\n    csat: {target: 0}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if def.Report.MSPName != "Your MSP" || c.Report.MSPName != "Northwind IT" {
		t.Errorf("MSP names %q, %q", def.Report.MSPName, c.Report.MSPName)
	}
	r, d := c.Report.Recommendations, def.Report.Recommendations
	if len(d) != len(model.Components) {
		t.Fatalf("%d default rules for %d components", len(d), len(model.Components))
	}
	if r["sla"].Text != "Call us." || r["sla"].Target != d["sla"].Target {
		t.Errorf("sla rule %+v, want the default target %v with the new text", r["sla"], d["sla"].Target)
	}
	if r["csat"].Target != 0 || r["csat"].Text != d["csat"].Text {
		t.Errorf("csat rule %+v, want target 0 with the default text", r["csat"])
	}
	if r["billing"] != d["billing"] {
		t.Errorf("billing rule %+v, want the default %+v", r["billing"], d["billing"])
	}
}

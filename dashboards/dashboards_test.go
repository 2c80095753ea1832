package dashboards

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// target is one panel query of a generated dashboard.
type target struct {
	Dashboard, Panel, RefID, Expr, Datasource string
	Type                                      string // panel type: timeseries, table, stat...
}

// generateFor returns the dashboards generated for the configuration text.
func generateFor(t testing.TB, yml string) []File {
	t.Helper()
	cfg, err := config.Parse([]byte(yml), "")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// targets walks the generated dashboards for every panel query.
func targets(t testing.TB) []target {
	t.Helper()
	files := generateFor(t, "")
	var out []target
	for _, f := range files {
		var d struct {
			Panels []struct {
				Title      string `json:"title"`
				Type       string `json:"type"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
				Targets []struct {
					RefID      string `json:"refId"`
					Expr       string `json:"expr"`
					Datasource struct {
						UID string `json:"uid"`
					} `json:"datasource"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(f.JSON, &d); err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, p := range d.Panels {
			if p.Type == "row" {
				rows++
				if len(p.Targets) != 0 {
					t.Errorf("%s / row %s has queries", f.UID, p.Title)
				}
				continue
			}
			if rows == 0 {
				t.Errorf("%s / %s comes before the dashboard's first row", f.UID, p.Title)
			}
			if p.Datasource.UID != "${datasource}" {
				t.Errorf("%s / %s: panel data source %q, want ${datasource}", f.UID, p.Title, p.Datasource.UID)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s / %s has no query", f.UID, p.Title)
			}
			for _, q := range p.Targets {
				out = append(out, target{f.UID, p.Title, q.RefID, q.Expr, q.Datasource.UID, p.Type})
			}
		}
	}
	return out
}

// substitute replaces the dashboard variables as Grafana would with
// "All" selected and the given client.
func substitute(expr, clientID string) string {
	return strings.NewReplacer(`$segment`, `.*`, `$account_manager`, `.*`, `$client_id`, clientID).Replace(expr)
}

// TestQueriesUseProducedNames: every name a panel queries is a metric the
// exporter serves or a recording rule the project ships, and every query
// reads from the $datasource variable.
func TestQueriesUseProducedNames(t *testing.T) {
	known := append(m.All(), m.RecordingRules()...)
	re := regexp.MustCompile(`[a-z_:]*retention_[a-z_:]+`)
	ts := targets(t)
	if len(ts) < 40 {
		t.Fatalf("only %d panel queries", len(ts))
	}
	for _, q := range ts {
		if q.Datasource != "${datasource}" {
			t.Errorf("%s / %s / %s: data source %q, want ${datasource}", q.Dashboard, q.Panel, q.RefID, q.Datasource)
		}
		names := re.FindAllString(q.Expr, -1)
		if len(names) == 0 && !strings.Contains(q.Expr, `__name__=~"retention_`) {
			t.Errorf("%s / %s: %q queries no retention series", q.Dashboard, q.Panel, q.Expr)
		}
		for _, n := range names {
			if !slices.Contains(known, n) {
				t.Errorf("%s / %s: %s is neither served nor recorded", q.Dashboard, q.Panel, n)
			}
		}
	}
}

// TestQueriesParse runs every panel query, variables substituted, through
// promtool as a recording rule.
func TestQueriesParse(t *testing.T) {
	testenv.Integration(t)
	var exprs []string
	for _, q := range targets(t) {
		exprs = append(exprs, substitute(q.Expr, "c1"))
	}
	if err := promtest.CheckExpressions(t.TempDir(), exprs); err != nil {
		t.Error(err)
	}
}

// TestThresholdsFollowConfig: a user's bands and targets reach the
// dashboards; utilization targets are each client's own, from its profile.
func TestThresholdsFollowConfig(t *testing.T) {
	files := generateFor(t, `
health:
  bands: {critical: 33, at_risk: 66}
  utilization_target: 0.35
targets:
  grr: {warning: 0.81, target: 0.87}
  nrr: {warning: 0.93, target: 1.02}
  coverage: 0.55
alerts:
  over_utilization_factor: 2.5
`)
	all := ""
	for _, f := range files {
		all += string(f.JSON)
	}
	for _, want := range []string{`"value": 33`, `"value": 66`, `health_score < 66`,
		`"value": 0.81`, `"value": 0.87`, `"value": 0.93`, `"value": 1.02`, `"value": 0.55`, `"value": 2.5`,
		`2.5 * max by (client_id) (last_over_time(retention_client_utilization_target_ratio{`, `retention_client_utilization_ratio / on (client_id) group_left () retention_client_utilization_target_ratio`} {
		if !strings.Contains(all, want) {
			t.Errorf("generated dashboards lack %s", want)
		}
	}
	for _, old := range []string{`"value": 0.35`, `"value": 0.85`, `"value": 0.95`} {
		if strings.Contains(all, old) {
			t.Errorf("generated dashboards hold %s: a fixed target instead of the config's or the client's", old)
		}
	}
	if strings.Contains(all, `"value": 60,`) {
		t.Error("the default at-risk band 60 is still in the dashboards")
	}
}

// TestNoEmptyValues: the SDK leaves unset enum options as "", which
// Grafana's schema rejects; every one must be set. No generated dashboard
// holds an empty string anywhere.
func TestNoEmptyValues(t *testing.T) {
	files, err := filepath.Glob("json/*.json")
	if err != nil || len(files) != 4 {
		t.Fatalf("generated dashboards: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `": ""`) || strings.Contains(line, `[""`) {
				t.Errorf("%s:%d: empty value: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestGrafanaSchema type-checks every generated dashboard against
// Grafana's published schema (@grafana/schema, TypeScript 5.9).
func TestGrafanaSchema(t *testing.T) {
	testenv.Integration(t)
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install the Debian packages nodejs and npm (the test command does)", tool)
		}
	}
	out, err := exec.Command("bash", "schemacheck/check.sh", "json").CombinedOutput()
	if err != nil {
		t.Fatalf("schema check: %v\n%s", err, out)
	}
	// The harness must still reject what Grafana rejects: each invalid
	// dashboard for an error of its own, not the run for a broken harness.
	out, err = exec.Command("bash", "schemacheck/check.sh", "schemacheck/testdata/invalid").CombinedOutput()
	if err == nil {
		t.Fatalf("the schema check accepted invalid dashboards:\n%s", out)
	}
	invalid, _ := filepath.Glob("schemacheck/testdata/invalid/*.json")
	for _, f := range invalid {
		if !strings.Contains(string(out), f+":") {
			t.Errorf("the schema check did not reject %s:\n%s", f, out)
		}
	}
}

// TestLinksFindTheirFields: a table link reading ${__data.fields.X} needs
// column X in the data; neither organize nor filterFieldsByName may drop it
// (hiding is fine).
func TestLinksFindTheirFields(t *testing.T) {
	files, _ := filepath.Glob("json/*.json")
	fieldRef := regexp.MustCompile(`\$\{__data\.fields\.([a-z_]+)\}`)
	links := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var d struct {
			Panels []json.RawMessage `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		for _, raw := range d.Panels {
			var p struct {
				Title           string `json:"title"`
				Transformations []struct {
					ID      string `json:"id"`
					Options struct {
						ExcludeByName map[string]bool `json:"excludeByName"`
						Include       *struct {
							Names []string `json:"names"`
						} `json:"include"`
						Exclude *struct {
							Names []string `json:"names"`
						} `json:"exclude"`
					} `json:"options"`
				} `json:"transformations"`
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			for _, ref := range fieldRef.FindAllStringSubmatch(string(raw), -1) {
				links++
				for _, tr := range p.Transformations {
					o := tr.Options
					removed := false
					switch tr.ID {
					case "organize":
						removed = o.ExcludeByName[ref[1]]
					case "filterFieldsByName":
						removed = (o.Include != nil && len(o.Include.Names) > 0 && !slices.Contains(o.Include.Names, ref[1])) ||
							(o.Exclude != nil && slices.Contains(o.Exclude.Names, ref[1]))
					}
					if removed {
						t.Errorf("%s / %s: a link reads field %s, which %s removes", f, p.Title, ref[1], tr.ID)
					}
				}
			}
		}
	}
	if links == 0 {
		t.Error("no table links to the client dashboard")
	}
}

// TestTablesHideWithHideFrom: tables hide a column with hideFrom.viz, the
// "Hide in table" of Grafana 12.2 and later. custom.hidden is no longer in
// the table's field config, and the schema check cannot see it: field
// config under custom is open in @grafana/schema.
func TestTablesHideWithHideFrom(t *testing.T) {
	files, _ := filepath.Glob("json/*.json")
	hidden := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), `"custom.hidden"`) {
			t.Errorf("%s hides a column with custom.hidden; use custom.hideFrom.viz", f)
		}
		hidden += strings.Count(string(b), `"custom.hideFrom.viz"`)
	}
	if hidden == 0 {
		t.Error("no table hides a column: the NOC tables hide client_id, which their links read")
	}
}

// TestHistoryQueriesReadThroughLookback: the trend and direction queries
// read the exporter's own series, never a recording rule (a rule has no
// history from before Prometheus first evaluated it), each through
// last_over_time over historyLookback, and keep no target label: every
// read is aggregated by identity labels only, or only filters.
func TestHistoryQueriesReadThroughLookback(t *testing.T) {
	qs := HistoryQueries(t)
	var trends []string
	for _, q := range qs {
		if !q.Direction && !slices.Contains(trends, q.Panel) {
			trends = append(trends, q.Panel)
		}
	}
	slices.Sort(trends)
	want := []string{"Health components over time", "Health distribution", "Health score", "Logo churn over time",
		"MRR and MRR at risk", "MRR movements, per 30d", "Revenue retention over time", "SLA compliance and CSAT", "Tickets and endpoints", "Utilization"}
	if !slices.Equal(trends, want) {
		t.Errorf("trend panels %q, want %q", trends, want)
	}

	identity := []string{m.LabelClientID, m.LabelClient, m.LabelComponent, m.LabelWindow, m.LabelSegment, m.LabelCurrency, m.LabelMovement}
	name := regexp.MustCompile(`[a-z_:]*retention_[a-z_:]+`)
	read := regexp.MustCompile(`last_over_time\(retention_[a-z_]+(\{[^{}]*\})?\[` + regexp.QuoteMeta(historyLookback) + `\]( offset \d+d)?\)`)
	aggregated := regexp.MustCompile(`max by \(([a-z_, ]+)\) \($`)
	filtered := regexp.MustCompile(`and on \(client_id\) \(?$`)
	joined := regexp.MustCompile(`\* on \(client_id\) group_left \(account_manager\) topk by \(client_id\) \(1, $`)
	for _, q := range qs {
		where := q.Dashboard + " / " + q.Panel + " / " + q.RefID
		names := name.FindAllString(q.Expr, -1)
		for _, n := range names {
			if slices.Contains(m.RecordingRules(), n) {
				t.Errorf("%s reads the recording rule %s, which has no backfilled history", where, n)
			}
		}
		reads := read.FindAllStringIndex(q.Expr, -1)
		if len(reads) != len(names) {
			t.Errorf("%s reads %d series, %d of them through last_over_time([%s]): %s", where, len(names), len(reads), historyLookback, q.Expr)
		}
		for _, r := range reads {
			before := q.Expr[:r[0]]
			switch {
			case filtered.MatchString(before), joined.MatchString(before):
			case aggregated.MatchString(before):
				for _, l := range strings.Split(aggregated.FindStringSubmatch(before)[1], ", ") {
					if !slices.Contains(identity, l) {
						t.Errorf("%s keeps the label %s: %s", where, l, q.Expr)
					}
				}
			default:
				t.Errorf("%s keeps the target labels of %s", where, q.Expr[r[0]:r[1]])
			}
		}
	}
}

// panelsOf decodes the panels of one generated dashboard.
func panelsOf(t *testing.T, files []File, uid string) map[string]map[string]any {
	t.Helper()
	for _, f := range files {
		if f.UID != uid {
			continue
		}
		var d struct {
			Panels []map[string]any `json:"panels"`
		}
		if err := json.Unmarshal(f.JSON, &d); err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, p := range d.Panels {
			out[p["title"].(string)] = p
		}
		return out
	}
	t.Fatalf("no dashboard %s", uid)
	return nil
}

// TestDirectionPanels: the clients whose health fell or rose most over 7
// and 30 days are on the leadership dashboard, the clients newly at risk
// on the NOC; their queries and colours follow the configuration, their
// rows open the client detail, and the filters apply.
func TestDirectionPanels(t *testing.T) {
	files := generateFor(t, `
health:
  bands: {critical: 33, at_risk: 66}
alerts:
  health_drop: 12
`)
	const (
		now      = `max by (client_id, client) (last_over_time(retention_client_health_score[1d]))`
		then     = `max by (client_id) (last_over_time(retention_client_health_score[1d] offset %s))`
		managers = ` * on (client_id) group_left (account_manager) topk by (client_id) (1, last_over_time(retention_client_info{segment=~"$segment", account_manager=~"$account_manager"}[1d]))`
	)
	type want struct {
		dashboard, title string
		exprA            string
		sortDesc         bool
		steps            map[string][]any // column: threshold step values
	}
	var wants []want
	for _, w := range []string{"7d", "30d"} {
		for _, rising := range []bool{false, true} {
			title, pick, cond := "Biggest health falls, "+w, "bottomk", "< 0"
			if rising {
				title, pick, cond = "Biggest health rises, "+w, "topk", "> 0"
			}
			wants = append(wants, want{m.DashboardLeadership, title,
				pick + "(10, ((" + now + " - on (client_id) group_left () " + fmt.Sprintf(then, w) + ") " + cond + ")" + managers + ")",
				rising, map[string][]any{"Change " + w: {nil, -12.0, 0.0}, "Health": {nil, 33.0, 66.0}}})
		}
	}
	wants = append(wants, want{m.DashboardNOC, "Newly at risk",
		"((" + now + " < 66) and on (client_id) (" + fmt.Sprintf(then, "7d") + " >= 66))" + managers,
		false, map[string][]any{"Health": {nil, 33.0, 66.0}, "Health 7d ago": {nil, 33.0, 66.0}}})

	for _, w := range wants {
		p, ok := panelsOf(t, files, w.dashboard)[w.title]
		if !ok {
			t.Errorf("%s has no panel %q", w.dashboard, w.title)
			continue
		}
		raw, _ := json.Marshal(p)
		var panel struct {
			Type    string `json:"type"`
			Targets []struct {
				RefID   string `json:"refId"`
				Expr    string `json:"expr"`
				Instant bool   `json:"instant"`
				Format  string `json:"format"`
			} `json:"targets"`
			Options struct {
				SortBy []struct {
					DisplayName string `json:"displayName"`
					Desc        bool   `json:"desc"`
				} `json:"sortBy"`
			} `json:"options"`
			FieldConfig struct {
				Overrides []struct {
					Matcher struct {
						Options string `json:"options"`
					} `json:"matcher"`
					Properties []struct {
						ID    string          `json:"id"`
						Value json.RawMessage `json:"value"`
					} `json:"properties"`
				} `json:"overrides"`
			} `json:"fieldConfig"`
		}
		if err := json.Unmarshal(raw, &panel); err != nil {
			t.Fatal(err)
		}
		if panel.Type != "table" {
			t.Errorf("%s is a %s, want a table", w.title, panel.Type)
		}
		for i, q := range panel.Targets {
			if !q.Instant || q.Format != "table" {
				t.Errorf("%s / %s: instant %v, format %s; want an instant table query", w.title, q.RefID, q.Instant, q.Format)
			}
			if i == 0 && q.Expr != w.exprA {
				t.Errorf("%s / A:\n got %s\nwant %s", w.title, q.Expr, w.exprA)
			}
			if i > 0 && !strings.HasSuffix(q.Expr, " and on (client_id) ("+w.exprA+")") {
				t.Errorf("%s / %s does not keep the clients of A: %s", w.title, q.RefID, q.Expr)
			}
		}
		if len(panel.Options.SortBy) != 1 || panel.Options.SortBy[0].Desc != w.sortDesc {
			t.Errorf("%s sorted by %+v", w.title, panel.Options.SortBy)
		}
		props := map[string]map[string]json.RawMessage{}
		for _, o := range panel.FieldConfig.Overrides {
			props[o.Matcher.Options] = map[string]json.RawMessage{}
			for _, pr := range o.Properties {
				props[o.Matcher.Options][pr.ID] = pr.Value
			}
		}
		for column, steps := range w.steps {
			var th struct {
				Steps []struct {
					Value any `json:"value"`
				} `json:"steps"`
			}
			if err := json.Unmarshal(props[column]["thresholds"], &th); err != nil {
				t.Errorf("%s / %s: thresholds %s: %v", w.title, column, props[column]["thresholds"], err)
				continue
			}
			var got []any
			for _, s := range th.Steps {
				got = append(got, s.Value)
			}
			if !reflect.DeepEqual(got, steps) {
				t.Errorf("%s / %s: threshold steps %v, want %v", w.title, column, got, steps)
			}
		}
		if !strings.Contains(string(props["Client"]["links"]), "var-client_id=${__data.fields.client_id}") {
			t.Errorf("%s: the Client column does not open the client detail", w.title)
		}
		if string(props["client_id"]["custom.hideFrom.viz"]) != "true" {
			t.Errorf("%s: the client_id column is not hidden", w.title)
		}
	}
}

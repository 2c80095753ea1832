//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

// Package dashboards generates the Grafana dashboards from a
// configuration with grafana-foundation-sdk: the NOC wall screen, the
// leadership view, the client detail and the exporter's health. Bands,
// targets and windows come from the same configuration as the exporter
// and the alert rules.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// File is one generated dashboard.
type File struct {
	UID  string
	Name string // file name
	JSON []byte
}

// Generate builds every dashboard for cfg as Grafana dashboard JSON.
func Generate(cfg *config.Config) ([]File, error) {
	builders := []struct {
		uid string
		b   *dashboard.DashboardBuilder
	}{
		{m.DashboardNOC, noc(cfg)},
		{m.DashboardLeadership, leadership(cfg)},
		{m.DashboardClient, client(cfg)},
		{m.DashboardExporter, exporterHealth(cfg)},
	}
	var out []File
	for _, x := range builders {
		d, err := x.b.Build()
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", x.uid, err)
		}
		// Panels name the data source too, not only their queries.
		for _, p := range d.Panels {
			if p.Panel != nil {
				ref := ds()
				p.Panel.Datasource = &ref
			}
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
		// The SDK's own marshalling escapes <, > and & for HTML; JSON does
		// not need it, and PromQL reads better without.
		text := htmlEscapes.Replace(b.String())
		out = append(out, File{UID: x.uid, Name: x.uid + ".json", JSON: []byte(text)})
	}
	return out, nil
}

var htmlEscapes = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// ds points every query at the $datasource variable.
func ds() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

// base is a dashboard with the settings all four share.
func base(uid, title, description string, tags ...string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags(append([]string{"retention"}, tags...)).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Timezone("browser").
		Refresh("1m").
		Time("now-30d", "now").
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type("prometheus").
			Hide(dashboard.VariableHideDontHide))
}

// filterVar is a multi-value variable over a label of retention_client_info.
func filterVar(name, label string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(ds()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(fmt.Sprintf("label_values(%s, %s)", m.ClientInfo, name))}).
		Definition(fmt.Sprintf("label_values(%s, %s)", m.ClientInfo, name)).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
		Hide(dashboard.VariableHideDontHide).
		Multi(true).
		IncludeAll(true).
		AllValue(".*")
}

// filters selects the clients of the chosen segments and account managers.
const filters = `segment=~"$segment", account_manager=~"$account_manager"`

// infoJoin adds segment and account manager to per-client series and keeps
// only the clients the filters select.
func infoJoin(expr string) string {
	return fmt.Sprintf("%s * on (client_id) group_left (segment, account_manager) %s{%s}", expr, m.ClientInfo, filters)
}

// historyLookback is how far back the trend and direction queries look
// for a series' latest sample. Backfilled history has one sample per series
// per day (backfill --step, 1d by default), at midnight; Prometheus's own
// lookback of 5 minutes would find nothing between two of them and draw
// the past as dots. It must be at least the backfill step.
const historyLookback = "1d"

// latest is the latest sample of sel within historyLookback, one series
// per combination of the labels by. The max over the rest merges series
// that differ only in target labels (job, instance, pod): backfilled and
// live samples, or two replicas, make one line.
func latest(by, sel string) string {
	return fmt.Sprintf("max by (%s) (last_over_time(%s[%s]))", by, sel, historyLookback)
}

// latestAgo is latest as it stood ago (a PromQL duration) earlier.
func latestAgo(by, sel, ago string) string {
	return fmt.Sprintf("max by (%s) (last_over_time(%s[%s] offset %s))", by, sel, historyLookback, ago)
}

// selectedClients holds the clients the filters select, to keep with
// "and on (client_id)".
func selectedClients() string {
	return fmt.Sprintf("last_over_time(%s{%s}[%s])", m.ClientInfo, filters, historyLookback)
}

// accountManagers is one info series per selected client, to join its
// account manager with "* on (client_id) group_left (account_manager)".
// Over historyLookback a client may have two (another target, or a new
// account manager since yesterday); a join needs exactly one.
func accountManagers() string {
	return fmt.Sprintf("topk by (client_id) (1, %s)", selectedClients())
}

// query is a range query for time series panels.
func query(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return legendOf(prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds()).Expr(expr).Range().
		EditorMode(prometheus.QueryEditorModeCode).Format(prometheus.PromQueryFormatTimeSeries), legend)
}

func legendOf(q *prometheus.DataqueryBuilder, legend string) *prometheus.DataqueryBuilder {
	if legend != "" {
		q.LegendFormat(legend)
	}
	return q
}

// instant is an instant query for stats and bar gauges.
func instant(ref, expr, legend string) *prometheus.DataqueryBuilder {
	return legendOf(prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds()).Expr(expr).Instant().
		EditorMode(prometheus.QueryEditorModeCode).Format(prometheus.PromQueryFormatTimeSeries), legend)
}

// tableQuery is an instant query returning a table, one row per series.
func tableQuery(ref, expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().RefId(ref).Datasource(ds()).Expr(expr).Instant().
		EditorMode(prometheus.QueryEditorModeCode).Format(prometheus.PromQueryFormatTable)
}

func step(v *float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: v, Color: color}
}

func thresholds(steps ...dashboard.Threshold) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(steps)
}

// healthThresholds colour a health score by the configured bands.
func healthThresholds(cfg *config.Config) *dashboard.ThresholdsConfigBuilder {
	b := cfg.Health.Bands
	return thresholds(step(nil, "red"), step(cog.ToPtr(b.Critical), "orange"), step(cog.ToPtr(b.AtRisk), "green"))
}

// countThresholds: zero is good, any is bad.
func countThresholds(color string) *dashboard.ThresholdsConfigBuilder {
	return thresholds(step(nil, "green"), step(cog.ToPtr(1.0), color))
}

func thresholdColors() *dashboard.FieldColorBuilder {
	return dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdThresholds)
}

// clientLink opens the client detail dashboard; id is the data-link
// variable holding the client's id.
func clientLink(id string) *dashboard.DashboardLinkBuilder {
	return dashboard.NewDashboardLinkBuilder("Client detail").
		Type(dashboard.DashboardLinkTypeLink).
		Url("/d/" + m.DashboardClient + "/client-detail?var-client_id=" + id + "&${datasource:queryparam}").
		Icon("dashboard").
		Tooltip("Open the client's detail dashboard").
		TargetBlank(false)
}

// organize hides columns and renames the rest of a table.
func organize(exclude []string, rename map[string]string, order []string) dashboard.DataTransformerConfig {
	ex := map[string]bool{}
	for _, c := range exclude {
		ex[c] = true
	}
	idx := map[string]int{}
	for i, c := range order {
		idx[c] = i
	}
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
		"excludeByName": ex, "renameByName": rename, "indexByName": idx,
	}}
}

func merge() dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}
}

// targetThresholds colours a ratio against a configured target: red below
// the warning, orange below the target, green from it on.
func targetThresholds(t config.Threshold) *dashboard.ThresholdsConfigBuilder {
	return thresholds(step(nil, "red"), step(cog.ToPtr(t.Warning), "orange"), step(cog.ToPtr(t.Target), "green"))
}

// componentLegend says what each health component scores.
func componentLegend() string {
	parts := make([]string, len(model.Components))
	for i, c := range model.Components {
		parts[i] = fmt.Sprintf("%s: %s", c.Name, c.Description)
	}
	return strings.Join(parts, "; ") + "."
}

// fixedColor draws a field in one named colour.
func fixedColor(c string) []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": c}}}
}

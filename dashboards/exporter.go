//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

func exporterHealth(cfg *config.Config) *dashboard.DashboardBuilder {
	interval := float64(cfg.RefreshInterval) / 1e9
	stale := float64(cfg.Alerts.StaleAfter) / 1e9
	d := base(m.DashboardExporter, "Retention / Exporter health",
		"Whether retention_exporter reads its databases: source up, data age, refresh and query durations, query errors and skipped rows.",
		"exporter").
		Time("now-6h", "now")
	row(d, "Now")
	d.WithPanel(smallStat("Source up", "1 when every enabled query of the source succeeded in the last refresh.",
		m.SourceUp, "{{source}}", units.NoUnit, 0, thresholds(step(nil, "red"), step(cog.ToPtr(1.0), "green"))).
		Span(6).Height(5))
	d.WithPanel(freshness(cfg).Span(6).Height(5))
	d.WithPanel(smallStat("Series served", "Per-client and per-contract series served in all.",
		"count("+m.PerClientSeries+")", "", units.Short, 0, thresholds(step(nil, "blue"))).Span(6).Height(5))
	d.WithPanel(smallStat("Build", "Exporter version.", m.BuildInfo, "{{version}}", units.NoUnit, 0, thresholds(step(nil, "text"))).
		TextMode(common.BigValueTextModeName).Span(6).Height(5))
	row(d, "Data age and refresh")
	d.WithPanel(withBands(series("Data age", "Seconds since each source was last read; orange after two refresh intervals, red when stale.", units.Seconds),
		thresholds(step(nil, "green"), step(cog.ToPtr(2*interval), "orange"), step(cog.ToPtr(stale), "red"))).
		WithTarget(query("A", fmt.Sprintf("time() - %s", m.SourceLastSuccess), "{{source}} {{instance}}")).
		Span(12).Height(8))
	d.WithPanel(series("Refresh duration", "Duration of the last refresh of each source.", units.Seconds).
		WithTarget(query("A", m.RefreshDuration, "{{source}} {{instance}}")).
		Span(12).Height(8))
	row(d, "Queries")
	d.WithPanel(series("Query duration", "Duration of each query in the last refresh.", units.Seconds).
		WithTarget(query("A", m.QueryDuration, "{{source}} {{query}}")).
		Span(12).Height(8))
	d.WithPanel(series("Query errors and skipped rows", "Failed query runs and skipped rows per hour, by query and reason.", units.Short).
		WithTarget(query("A", fmt.Sprintf("increase(%s[1h])", m.QueryErrors), "errors {{source}} {{query}}")).
		WithTarget(query("B", fmt.Sprintf("increase(%s[1h])", m.InvalidRows), "skipped {{query}} {{reason}}")).
		Span(12).Height(8))
	d.WithPanel(tableBase("Queries", "Every enabled query: whether it succeeded in the last refresh (a query fails alone), "+
		"the age of the rows it serves, its duration and its failed runs in the last hour.").
		WithTarget(tableQuery("A", m.QueryUp)).
		WithTarget(tableQuery("B", fmt.Sprintf("time() - %s", m.QueryLastSuccess))).
		WithTarget(tableQuery("C", m.QueryDuration)).
		WithTarget(tableQuery("D", fmt.Sprintf("increase(%s[1h])", m.QueryErrors))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "job", "__name__"},
			map[string]string{"instance": "Instance", "source": "Source", "query": "Query", "Value #A": "Up",
				"Value #B": "Rows age", "Value #C": "Duration", "Value #D": "Errors (1h)"},
			[]string{"instance", "source", "query", "Value #A", "Value #B", "Value #C", "Value #D"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Up").Desc(false)}).
		OverrideByName("Rows age", []dashboard.DynamicConfigValue{{Id: "unit", Value: units.Seconds}, {Id: "decimals", Value: 0}}).
		OverrideByName("Duration", []dashboard.DynamicConfigValue{{Id: "unit", Value: units.Seconds}}).
		Span(24).Height(8))
	return d
}

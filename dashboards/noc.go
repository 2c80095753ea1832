//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// bigStat is a wall-screen number: large value, coloured background.
func bigStat(title, description, expr, unit string, th *dashboard.ThresholdsConfigBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).Description(description).
		WithTarget(instant("A", expr, "")).
		Unit(unit).Decimals(0).
		Thresholds(th).ColorScheme(thresholdColors()).
		ColorMode(common.BigValueColorModeBackground).
		GraphMode(common.BigValueGraphModeNone).
		JustifyMode(common.BigValueJustifyModeCenter).
		TextMode(common.BigValueTextModeValue).
		Orientation(common.VizOrientationAuto).
		PercentChangeColorMode(common.PercentChangeColorModeStandard).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		NoValue("0")
}

// recorded sums a recording rule over the filters, 0 when nothing matches.
func recorded(rule, extra string) string {
	sel := filters
	if extra != "" {
		sel = extra + ", " + filters
	}
	return fmt.Sprintf("sum(%s{%s}) or vector(0)", rule, sel)
}

func noc(cfg *config.Config) *dashboard.DashboardBuilder {
	b := cfg.Health.Bands
	d := base(m.DashboardNOC, "Retention / NOC",
		"Wall screen: clients at risk and newly at risk, renewals coming up, lapsed contracts and over-utilization. Open in kiosk mode with the dark theme: /d/"+m.DashboardNOC+"?kiosk&theme=dark",
		"noc").
		Time("now-24h", "now").
		Refresh("1m").
		WithVariable(filterVar("segment", "Segment")).
		WithVariable(filterVar("account_manager", "Account manager"))

	stats := []*stat.PanelBuilder{
		bigStat("Active clients", "Clients active today.",
			fmt.Sprintf("count(%s{%s}) or vector(0)", m.ClientInfo, filters), units.Short,
			thresholds(step(nil, "blue"))),
		bigStat("Critical", fmt.Sprintf("Clients with a health score below %g.", b.Critical),
			recorded(m.ClientsByBand, `band="critical"`), units.Short, countThresholds("red")),
		bigStat("At risk", fmt.Sprintf("Clients with a health score from %g to %g.", b.Critical, b.AtRisk),
			recorded(m.ClientsByBand, `band="at_risk"`), units.Short, countThresholds("orange")),
	}
	mrr := stat.NewPanelBuilder().
		Title("MRR at risk").Description(fmt.Sprintf("Monthly recurring revenue of clients with health below %g, per currency.", b.AtRisk)).
		WithTarget(instant("A", fmt.Sprintf("sum by (currency) (%s{%s})", m.MRRAtRisk, filters), "{{currency}}")).
		Unit(units.Short).Decimals(0).
		Thresholds(thresholds(step(nil, "green"), step(cog.ToPtr(1.0), "orange"))).ColorScheme(thresholdColors()).
		ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeNone).
		JustifyMode(common.BigValueJustifyModeCenter).TextMode(common.BigValueTextModeValueAndName).
		Orientation(common.VizOrientationAuto).PercentChangeColorMode(common.PercentChangeColorModeStandard).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		NoValue("0")
	for _, h := range cfg.Alerts.RenewalHorizons {
		stats = append(stats, bigStat("Renewals ≤ "+h.Label, "Contracts ending within "+h.Label+" (today included).",
			recorded(m.RenewalsDue, fmt.Sprintf("horizon=%q", h.Label)), units.Short, thresholds(step(nil, "blue"))))
	}
	stats = append(stats, bigStat("Lapsed contracts", "Contracts past their end date with no renewal or cancellation: service continues unsigned.",
		recorded(m.ContractsLapsed, ""), units.Short, countThresholds("red")))

	// One row of big numbers across the screen.
	row(d, "Now")
	w := 24 / uint32(len(stats)+1)
	for i, s := range stats {
		if i == 3 {
			d.WithPanel(mrr.Span(w).Height(5))
		}
		d.WithPanel(s.Span(w).Height(5))
	}
	row(d, "At risk and renewing")
	d.WithPanel(atRiskTable(cfg).Span(14).Height(13))
	d.WithPanel(renewalsTable(cfg).Span(10).Height(13))
	row(d, "What changed")
	d.WithPanel(newlyAtRisk(cfg).Span(10).Height(9))
	d.WithPanel(overUtilization(cfg).Span(8).Height(9))
	d.WithPanel(freshness(cfg).Span(6).Height(9))
	return d
}

func tableBase(title, description string) *table.PanelBuilder {
	return table.NewPanelBuilder().
		Title(title).Description(description).
		ShowHeader(true).
		CellHeight(common.TableCellHeightSm).
		Align(common.FieldTextAlignmentAuto).
		Filterable(false).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{"sum"}).CountRows(false))
}

func atRiskTable(cfg *config.Config) *table.PanelBuilder {
	b := cfg.Health.Bands
	at := fmt.Sprintf("%s < %g", m.ClientHealthScore, b.AtRisk)
	// B and C keep only the clients A lists, so the filters apply to every column.
	listed := infoJoin("(" + at + ")")
	return tableBase("Clients at risk", fmt.Sprintf("Clients with health below %g, weakest first, with their account manager, their learned churn risk (with a model file), the days to their next renewal and their weakest health component. Click a column to sort by it, a client for its detail.", b.AtRisk)).
		WithTarget(tableQuery("A", listed)).
		WithTarget(tableQuery("B", fmt.Sprintf("min by (client_id) (%s >= 0) and on (client_id) (%s)", m.ContractDaysToRenewal, listed))).
		WithTarget(tableQuery("C", fmt.Sprintf("bottomk by (client_id) (1, %s) and on (client_id) (%s)", m.ClientHealthComponentScore, listed))).
		WithTarget(tableQuery("D", fmt.Sprintf("max by (client_id) (%s) and on (client_id) (%s)", m.ClientChurnRisk, listed))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "job", "instance", "segment", "__name__"},
			map[string]string{"client": "Client", "account_manager": "Account manager", "Value #A": "Health",
				"Value #D": "Churn risk", "Value #B": "Days to renewal", "component": "Weakest", "Value #C": "Weakest score"},
			[]string{"client", "account_manager", "Value #A", "Value #D", "Value #B", "component", "Value #C"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Health").Desc(false)}).
		OverrideByName("Health", []dashboard.DynamicConfigValue{
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background", "mode": "basic"}},
			{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
				{"value": nil, "color": "red"}, {"value": b.Critical, "color": "orange"}, {"value": b.AtRisk, "color": "green"}}}},
			{Id: "decimals", Value: 0},
		}).
		OverrideByName("Churn risk", []dashboard.DynamicConfigValue{
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
			{Id: "unit", Value: "percentunit"},
			{Id: "decimals", Value: 0},
			{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
				{"value": nil, "color": "green"}, {"value": cfg.Risk.Threshold / 2, "color": "orange"}, {"value": cfg.Risk.Threshold, "color": "red"}}}},
		}).
		OverrideByName("Client", clientCellLink()).
		OverrideByName("Weakest score", []dashboard.DynamicConfigValue{{Id: "decimals", Value: 0}}).
		OverrideByName("client_id", hidden())
}

func renewalsTable(cfg *config.Config) *table.PanelBuilder {
	horizon := cfg.Alerts.RenewalHorizons[len(cfg.Alerts.RenewalHorizons)-1]
	listed := infoJoin(fmt.Sprintf("(%s >= 0 <= %d)", m.ContractDaysToRenewal, horizon.Days()))
	return tableBase("Upcoming renewals", "Contracts ending within "+horizon.Label+", soonest first, with whether a renewal notice went out and the client's health.").
		WithTarget(tableQuery("A", listed)).
		WithTarget(tableQuery("B", fmt.Sprintf("%s and on (contract_id) (%s)", m.ContractRenewalNoticeSent, listed))).
		WithTarget(tableQuery("C", fmt.Sprintf("%s and on (client_id) (%s)", m.ClientHealthScore, listed))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "job", "instance", "contract_id", "segment", "__name__"},
			map[string]string{"client": "Client", "contract": "Contract", "account_manager": "Account manager",
				"Value #A": "Days", "Value #B": "Notice sent", "Value #C": "Health"},
			[]string{"client", "contract", "account_manager", "Value #A", "Value #B", "Value #C"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Days").Desc(false)}).
		OverrideByName("Notice sent", []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: []map[string]any{{"type": "value", "options": map[string]any{
				"0": map[string]any{"text": "no", "color": "red", "index": 0},
				"1": map[string]any{"text": "yes", "color": "green", "index": 1}}}}},
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
		}).
		OverrideByName("Health", healthCells(cfg)).
		OverrideByName("Client", clientCellLink()).
		OverrideByName("client_id", hidden())
}

// hidden keeps a column in the data, for links, but out of sight: removing
// it with organize or filterFieldsByName would leave ${__data.fields.X}
// nothing to read. Since Grafana 12.2 the table hides with the standard
// hideFrom.viz, which is what "Hide in table" saves; custom.hidden left the
// table's field config then and is only migrated on load.
func hidden() []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{{Id: "custom.hideFrom.viz", Value: true}}
}

func overUtilization(cfg *config.Config) *bargauge.PanelBuilder {
	factor := cfg.Alerts.OverUtilizationFactor
	// Relative to each client's own target: health profiles give segments
	// different targets, so raw tickets per endpoint would rank unfairly.
	relative := fmt.Sprintf("%s / on (client_id) group_left () %s", m.ClientUtilization, m.ClientUtilizationTarget)
	return bargauge.NewPanelBuilder().
		Title("Over-utilizing clients").
		Description(fmt.Sprintf("The ten clients furthest above their own utilization target (tickets per managed endpoint over %s, against the target of their segment's health profile): 1 is on target; orange above it, red above %g× it.",
			cfg.Windows.Utilization.Label, factor)).
		WithTarget(instant("A", fmt.Sprintf("topk(10, %s)", infoJoin("("+relative+")")), "{{client}}")).
		Unit(units.Short).Decimals(2).Min(0).
		Thresholds(thresholds(step(nil, "green"), step(cog.ToPtr(1.0), "orange"), step(cog.ToPtr(factor), "red"))).
		ColorScheme(thresholdColors()).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ValueMode(common.BarGaugeValueModeColor).
		NamePlacement(common.BarGaugeNamePlacementLeft).
		Sizing(common.BarGaugeSizingAuto).
		Orientation(common.VizOrientationHorizontal).
		ShowUnfilled(true).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		DataLinks([]cog.Builder[dashboard.DashboardLink]{clientLink("${__field.labels.client_id}")})
}

func freshness(cfg *config.Config) *stat.PanelBuilder {
	interval := float64(cfg.RefreshInterval) / 1e9
	stale := float64(cfg.Alerts.StaleAfter) / 1e9
	return stat.NewPanelBuilder().
		Title("Data age").
		Description("Time since each database was last read successfully. Orange after two refresh intervals, red when stale. Values stop changing while a source is down: see the exporter health dashboard.").
		WithTarget(instant("A", fmt.Sprintf("time() - max by (source) (%s)", m.SourceLastSuccess), "{{source}}")).
		Unit(units.Seconds).Decimals(0).
		Thresholds(thresholds(step(nil, "green"), step(cog.ToPtr(2*interval), "orange"), step(cog.ToPtr(stale), "red"))).
		ColorScheme(thresholdColors()).
		ColorMode(common.BigValueColorModeBackground).GraphMode(common.BigValueGraphModeNone).
		JustifyMode(common.BigValueJustifyModeCenter).TextMode(common.BigValueTextModeValueAndName).
		Orientation(common.VizOrientationAuto).PercentChangeColorMode(common.PercentChangeColorModeStandard).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

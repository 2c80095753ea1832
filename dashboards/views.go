//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// series is a time series panel with the settings the dashboards share.
func series(title, description, unit string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).Description(description).
		Unit(unit).
		DrawStyle(common.GraphDrawStyleLine).
		LineWidth(2).FillOpacity(10).
		GradientMode(common.GraphGradientModeNone).
		ShowPoints(common.VisibilityModeNever).
		LineInterpolation(common.LineInterpolationLinear).
		AxisPlacement(common.AxisPlacementAuto).
		AxisColorMode(common.AxisColorModeText).
		BarAlignment(common.BarAlignmentCenter).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdPaletteClassic)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeOff)).
		Thresholds(thresholds(step(nil, "green"))).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).ShowLegend(true).Calcs([]string{})).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending))
}

// withBands draws the health bands behind a series.
func withBands(p *timeseries.PanelBuilder, th *dashboard.ThresholdsConfigBuilder) *timeseries.PanelBuilder {
	return p.Thresholds(th).ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeLineAndArea))
}

func smallStat(title, description, expr, legend, unit string, decimals float64, th *dashboard.ThresholdsConfigBuilder) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).Description(description).
		WithTarget(instant("A", expr, legend)).
		Unit(unit).Decimals(decimals).
		Thresholds(th).ColorScheme(thresholdColors()).
		ColorMode(common.BigValueColorModeValue).GraphMode(common.BigValueGraphModeNone).
		JustifyMode(common.BigValueJustifyModeAuto).TextMode(common.BigValueTextModeAuto).
		Orientation(common.VizOrientationAuto).PercentChangeColorMode(common.PercentChangeColorModeStandard).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

func bars(title, description, expr, legend, unit string, th *dashboard.ThresholdsConfigBuilder) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Title(title).Description(description).
		WithTarget(instant("A", expr, legend)).
		Unit(unit).Min(0).
		Thresholds(th).ColorScheme(thresholdColors()).
		DisplayMode(common.BarGaugeDisplayModeBasic).
		ValueMode(common.BarGaugeValueModeColor).
		NamePlacement(common.BarGaugeNamePlacementLeft).
		Sizing(common.BarGaugeSizingAuto).
		Orientation(common.VizOrientationHorizontal).
		ShowUnfilled(true).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

func leadership(cfg *config.Config) *dashboard.DashboardBuilder {
	b := cfg.Health.Bands
	churnW := cfg.Alerts.LogoChurnWindow.Label
	revenueW := cfg.Windows.Revenue[0].Label
	longest := cfg.Windows.Churn[len(cfg.Windows.Churn)-1].Label
	seg := `segment=~"$segment"`
	d := base(m.DashboardLeadership, "Retention / Leadership",
		"Logo churn, revenue retention, MRR and MRR at risk, and the health of the book, over months, with the clients whose health fell or rose most. Churn and revenue filter by segment (churned clients have no account manager series); MRR at risk and health by segment and account manager.",
		"leadership").
		Time("now-90d", "now").
		Refresh("5m").
		WithVariable(filterVar("segment", "Segment")).
		WithVariable(filterVar("account_manager", "Account manager"))

	x := uint32(0)
	for _, w := range cfg.Windows.Churn {
		th := thresholds(step(nil, "green"))
		if w.Label == churnW {
			th = thresholds(step(nil, "green"), step(cog.ToPtr(cfg.Alerts.LogoChurnMax), "red"))
		}
		d.WithPanel(smallStat("Logo churn "+w.Label, "Share of the clients active "+w.Label+" ago that have churned since.",
			fmt.Sprintf("sum(%s{window=%q, %s}) / sum(%s{window=%q, %s})", m.ChurnedClients, w.Label, seg, m.ChurnCohortClients, w.Label, seg),
			"", units.PercentUnit, 1, th).GridPos(grid(x, 0, 4, 5)))
		x += 4
	}
	d.WithPanel(smallStat("Gross revenue retention "+revenueW, "MRR kept from the clients active "+revenueW+" ago, capped at what they paid then, per currency.",
		fmt.Sprintf("sum by (currency) (%s{window=%q, %s}) / sum by (currency) (%s{window=%q, %s})", m.RevenueRetainedMRR, revenueW, seg, m.RevenueCohortMRR, revenueW, seg),
		"{{currency}}", units.PercentUnit, 1, targetThresholds(cfg.Targets.GRR)).GridPos(grid(x, 0, 6, 5)))
	d.WithPanel(smallStat("Net revenue retention "+revenueW, "MRR today of the clients active "+revenueW+" ago over what they paid then, per currency: expansion counts.",
		fmt.Sprintf("sum by (currency) (%s{window=%q, %s}) / sum by (currency) (%s{window=%q, %s})", m.RevenueCurrentMRR, revenueW, seg, m.RevenueCohortMRR, revenueW, seg),
		"{{currency}}", units.PercentUnit, 1, targetThresholds(cfg.Targets.NRR)).GridPos(grid(x+6, 0, 6, 5)))

	d.WithPanel(series("Logo churn over time", "Logo churn of each window as it stood on each day, per segment.", units.PercentUnit).
		WithTarget(query("A", fmt.Sprintf("%s / %s",
			latest("segment, window", fmt.Sprintf("%s{%s}", m.ChurnedClients, seg)),
			latest("segment, window", fmt.Sprintf("%s{%s}", m.ChurnCohortClients, seg))), "{{segment}} {{window}}")).
		GridPos(grid(0, 5, 12, 8)))
	revenue := func(numerator string) string {
		return fmt.Sprintf("%s / %s",
			latest("segment, currency", fmt.Sprintf("%s{window=%q, %s}", numerator, revenueW, seg)),
			latest("segment, currency", fmt.Sprintf("%s{window=%q, %s}", m.RevenueCohortMRR, revenueW, seg)))
	}
	d.WithPanel(series("Revenue retention over time", "Gross and net revenue retention over "+revenueW+", per segment and currency.", units.PercentUnit).
		WithTarget(query("A", revenue(m.RevenueRetainedMRR), "GRR {{segment}} {{currency}}")).
		WithTarget(query("B", revenue(m.RevenueCurrentMRR), "NRR {{segment}} {{currency}}")).
		GridPos(grid(12, 5, 12, 8)))
	d.WithPanel(bars("Churned clients by reason, "+longest, "Clients of the "+longest+" cohort that churned, by the reason recorded.",
		fmt.Sprintf("sort_desc(sum by (reason) (%s{window=%q, %s}))", m.ChurnedClientsByReason, longest, seg), "{{reason}}",
		units.Short, thresholds(step(nil, "red"))).GridPos(grid(0, 13, 8, 9)))
	// The recording rules have no history before Prometheus first
	// evaluated them, so the trends compute MRR at risk and the bands from
	// the client series, which backfill writes too.
	health := latest("client_id", m.ClientHealthScore)
	d.WithPanel(series("MRR and MRR at risk", fmt.Sprintf("Monthly recurring revenue, and the part of it from clients with health below %g.", b.AtRisk), units.Short).
		WithTarget(query("A", fmt.Sprintf("sum by (currency) (%s)", latest("segment, currency", fmt.Sprintf("%s{%s}", m.MRR, seg))), "MRR {{currency}}")).
		WithTarget(query("B", fmt.Sprintf("sum by (currency) ((%s and on (client_id) (%s < %g)) and on (client_id) %s)",
			latest("client_id, currency", m.ClientMRR), health, b.AtRisk, selectedClients()), "at risk {{currency}}")).
		GridPos(grid(8, 13, 8, 9)))
	// The health of the selected clients; a band without clients is 0
	// wherever there are clients at all.
	selected := fmt.Sprintf("(%s and on (client_id) %s)", health, selectedClients())
	inBand := func(cond string) string {
		return fmt.Sprintf("count(%s %s) or 0 * count(%s)", selected, cond, selected)
	}
	d.WithPanel(series("Health distribution", "Clients in each health band.", units.Short).
		WithTarget(query("A", inBand(fmt.Sprintf("< %g", b.Critical)), m.BandCritical)).
		WithTarget(query("B", inBand(fmt.Sprintf(">= %g < %g", b.Critical, b.AtRisk)), m.BandAtRisk)).
		WithTarget(query("C", inBand(fmt.Sprintf(">= %g", b.AtRisk)), m.BandHealthy)).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal).Group("A")).
		FillOpacity(60).
		OverrideByName(m.BandCritical, fixedColor("red")).
		OverrideByName(m.BandAtRisk, fixedColor("orange")).
		OverrideByName(m.BandHealthy, fixedColor("green")).
		GridPos(grid(16, 13, 8, 9)))
	d.WithPanel(bars("Clients at risk by account manager", fmt.Sprintf("Clients with health below %g, per account manager.", b.AtRisk),
		fmt.Sprintf("sort_desc(sum by (account_manager) (%s{band!=%q, %s}))", m.ClientsByBand, m.BandHealthy, filters), "{{account_manager}}",
		units.Short, thresholds(step(nil, "orange"))).GridPos(grid(0, 22, 12, 8)))
	d.WithPanel(bars("MRR at risk by account manager", "MRR of at-risk clients per account manager and currency.",
		fmt.Sprintf("sort_desc(sum by (account_manager, currency) (%s{%s}))", m.MRRAtRisk, filters), "{{account_manager}} {{currency}}",
		units.Short, thresholds(step(nil, "orange"))).GridPos(grid(12, 22, 12, 8)))
	// Whether each client is getting better or worse: falls on top.
	width := uint32(24 / len(directionWindows))
	for row, rising := range []bool{false, true} {
		for i, w := range directionWindows {
			d.WithPanel(healthMoves(cfg, w, rising).GridPos(grid(width*uint32(i), 30+9*uint32(row), width, 9)))
		}
	}
	// Where the revenue went: movements, renewal exposure, cohorts.
	if w, ok := movementWindow(cfg); ok {
		d.WithPanel(mrrMovements(w).GridPos(grid(0, 48, 12, 9)))
	}
	d.WithPanel(renewalExposure(cfg).GridPos(grid(12, 48, 12, 9)))
	logos, net := cohortTables(cfg)
	d.WithPanel(logos.GridPos(grid(0, 57, 24, 10)))
	d.WithPanel(net.GridPos(grid(0, 67, 24, 10)))
	return d
}

func client(cfg *config.Config) *dashboard.DashboardBuilder {
	b := cfg.Health.Bands
	c := `client_id="$client_id"`
	d := base(m.DashboardClient, "Retention / Client detail",
		"One client: health over time against the bands, what drives it, utilization against the target, SLA, CSAT, contracts and invoices.",
		"client").
		WithVariable(dashboard.NewQueryVariableBuilder("client_id").
			Label("Client").
			Datasource(ds()).
			Query(dashboard.StringOrMap{String: cog.ToPtr("query_result(" + m.ClientInfo + ")")}).
			Definition("query_result(" + m.ClientInfo + ")").
			// Show the client's name, select by its id.
			Regex(`/client="(?<text>[^"]*)",client_id="(?<value>[^"]*)"/`).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
			Hide(dashboard.VariableHideDontHide))

	d.WithPanel(smallStat("Health", "Health score now: weighted mean of the components with data.",
		fmt.Sprintf("%s{%s}", m.ClientHealthScore, c), "", units.NoUnit, 0, healthThresholds(cfg)).GridPos(grid(0, 0, 4, 5)))
	d.WithPanel(smallStat("Coverage", "Weight of the components with data over the weight of those configured: how much evidence the score rests on.",
		fmt.Sprintf("%s{%s}", m.ClientHealthCoverage, c), "", units.PercentUnit, 0, thresholds(step(nil, "orange"), step(cog.ToPtr(cfg.Targets.Coverage), "green"))).GridPos(grid(4, 0, 4, 5)))
	d.WithPanel(smallStat("Account manager", "Account manager and segment.",
		fmt.Sprintf("%s{%s}", m.ClientInfo, c), "{{account_manager}} ({{segment}})", units.NoUnit, 0, thresholds(step(nil, "text"))).
		TextMode(common.BigValueTextModeName).GridPos(grid(8, 0, 6, 5)))
	d.WithPanel(smallStat("Review cadence used", "Time since the last business review as a share of the client's own review cadence (its segment's health profile): engagement scores 100 up to 100%, falling to 0 at 200%.",
		fmt.Sprintf("(time() - %s{%s}) / on (client_id) group_left () %s{%s}", m.ClientLastReviewTimestamp, c, m.ClientReviewCadence, c), "", units.PercentUnit, 0,
		thresholds(step(nil, "green"), step(cog.ToPtr(1.0), "orange"), step(cog.ToPtr(2.0), "red"))).
		NoValue("never reviewed").GridPos(grid(14, 0, 5, 5)))
	d.WithPanel(smallStat("Overdue invoices", "Invoices past their due date and unpaid.",
		fmt.Sprintf("%s{%s}", m.ClientOverdueInvoices, c), "", units.Short, 0, countThresholds("red")).GridPos(grid(19, 0, 5, 5)))

	// The trends read each series through latest by client_id: a renamed
	// client stays one line.
	d.WithPanel(withBands(series("Health score", fmt.Sprintf("Health over time against the bands: red below %g, orange below %g.", b.Critical, b.AtRisk), units.NoUnit), healthThresholds(cfg)).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientHealthScore, c)), "health")).
		Min(0).Max(100).
		GridPos(grid(0, 5, 8, 9)))
	d.WithPanel(series("Health components over time", "Each component's score 0-100 over time: which one moved the health score. A missing line is a component without data.", units.NoUnit).
		WithTarget(query("A", latest("client_id, component", fmt.Sprintf("%s{%s}", m.ClientHealthComponentScore, c)), "{{component}}")).
		Min(0).Max(100).
		GridPos(grid(8, 5, 8, 9)))
	d.WithPanel(bars("Health components", "Each component's score 0-100 now; a missing bar is a component without data. "+componentLegend(),
		fmt.Sprintf("sort(%s{%s})", m.ClientHealthComponentScore, c), "{{component}}", units.NoUnit, healthThresholds(cfg)).
		Max(100).GridPos(grid(16, 5, 8, 9)))

	factor := cfg.Alerts.OverUtilizationFactor
	target := latest("client_id", fmt.Sprintf("%s{%s}", m.ClientUtilizationTarget, c))
	d.WithPanel(series("Utilization", fmt.Sprintf("Tickets per managed endpoint over %s, against the target of the client's health profile and %g× it, where the over-utilization alert starts.", cfg.Windows.Utilization.Label, factor), units.Short).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientUtilization, c)), "tickets per endpoint")).
		WithTarget(query("B", target, "target")).
		WithTarget(query("C", fmt.Sprintf("%g * %s", factor, target), fmt.Sprintf("%g× target", factor))).
		GridPos(grid(0, 14, 8, 8)))
	d.WithPanel(withBands(series("SLA compliance and CSAT", fmt.Sprintf("Share of SLA tickets meeting their SLA (%s) and of positive surveys (%s).", cfg.Windows.SLA.Label, cfg.Windows.CSAT.Label), units.PercentUnit),
		thresholds(step(nil, "red"), step(cog.ToPtr(cfg.Alerts.CSATMin), "orange"), step(cog.ToPtr(cfg.Alerts.SLAMin), "green"))).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientSLACompliance, c)), "SLA")).
		WithTarget(query("B", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientCSAT, c)), "CSAT")).
		Min(0).Max(1).
		GridPos(grid(8, 14, 8, 8)))
	d.WithPanel(series("Tickets and endpoints", "Tickets created in each window and endpoints managed.", units.Short).
		WithTarget(query("A", latest("client_id, window", fmt.Sprintf("%s{%s}", m.ClientTickets, c)), "tickets {{window}}")).
		WithTarget(query("B", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientEndpoints, c)), "endpoints")).
		GridPos(grid(16, 14, 8, 8)))

	d.WithPanel(tableBase("Contracts", "Contracts with days to renewal (negative: lapsed), monthly value and whether the renewal notice went out.").
		WithTarget(tableQuery("A", fmt.Sprintf("%s{%s}", m.ContractMonthlyValue, c))).
		WithTarget(tableQuery("B", fmt.Sprintf("%s{%s}", m.ContractDaysToRenewal, c))).
		WithTarget(tableQuery("C", fmt.Sprintf("%s{%s}", m.ContractRenewalNoticeSent, c))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "job", "instance", "client_id", "client", "contract_id", "__name__"},
			map[string]string{"contract": "Contract", "currency": "Currency", "Value #A": "Monthly value",
				"Value #B": "Days to renewal", "Value #C": "Notice sent"},
			[]string{"contract", "Value #B", "Value #A", "currency", "Value #C"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Days to renewal").Desc(false)}).
		GridPos(grid(0, 22, 12, 7)))
	d.WithPanel(smallStat("Overdue amount", "Sum of overdue invoices per currency.",
		fmt.Sprintf("%s{%s}", m.ClientOverdueAmount, c), "{{currency}}", units.Short, 2, countThresholds("red")).
		NoValue("none").GridPos(grid(12, 22, 6, 7)))
	d.WithPanel(smallStat("Renewal contacts", fmt.Sprintf("Active renewal contacts; %d wanted.", cfg.Alerts.RenewalContactsMin),
		fmt.Sprintf("%s{%s}", m.ClientRenewalContacts, c), "", units.Short, 0,
		thresholds(step(nil, "red"), step(cog.ToPtr(1.0), "orange"), step(cog.ToPtr(float64(cfg.Alerts.RenewalContactsMin)), "green"))).GridPos(grid(18, 22, 6, 7)))
	return d
}

func exporterHealth(cfg *config.Config) *dashboard.DashboardBuilder {
	interval := float64(cfg.RefreshInterval) / 1e9
	stale := float64(cfg.Alerts.StaleAfter) / 1e9
	d := base(m.DashboardExporter, "Retention / Exporter health",
		"Whether retention_exporter reads its databases: source up, data age, refresh and query durations, query errors and skipped rows.",
		"exporter").
		Time("now-6h", "now")
	d.WithPanel(smallStat("Source up", "1 when every enabled query of the source succeeded in the last refresh.",
		m.SourceUp, "{{source}}", units.NoUnit, 0, thresholds(step(nil, "red"), step(cog.ToPtr(1.0), "green"))).
		GridPos(grid(0, 0, 6, 5)))
	d.WithPanel(freshness(cfg).GridPos(grid(6, 0, 6, 5)))
	d.WithPanel(smallStat("Series served", "Per-client and per-contract series served in all.",
		`count({__name__=~"retention_(client|contract)_.+"})`, "", units.Short, 0, thresholds(step(nil, "blue"))).GridPos(grid(12, 0, 6, 5)))
	d.WithPanel(smallStat("Build", "Exporter version.", m.BuildInfo, "{{version}}", units.NoUnit, 0, thresholds(step(nil, "text"))).
		TextMode(common.BigValueTextModeName).GridPos(grid(18, 0, 6, 5)))
	d.WithPanel(withBands(series("Data age", "Seconds since each source was last read; orange after two refresh intervals, red when stale.", units.Seconds),
		thresholds(step(nil, "green"), step(cog.ToPtr(2*interval), "orange"), step(cog.ToPtr(stale), "red"))).
		WithTarget(query("A", fmt.Sprintf("time() - %s", m.SourceLastSuccess), "{{source}} {{instance}}")).
		GridPos(grid(0, 5, 12, 8)))
	d.WithPanel(series("Refresh duration", "Duration of the last refresh of each source.", units.Seconds).
		WithTarget(query("A", m.RefreshDuration, "{{source}} {{instance}}")).
		GridPos(grid(12, 5, 12, 8)))
	d.WithPanel(series("Query duration", "Duration of each query in the last refresh.", units.Seconds).
		WithTarget(query("A", m.QueryDuration, "{{source}} {{query}}")).
		GridPos(grid(0, 13, 12, 8)))
	d.WithPanel(series("Query errors and skipped rows", "Failed query runs and skipped rows per hour, by query and reason.", units.Short).
		WithTarget(query("A", fmt.Sprintf("increase(%s[1h])", m.QueryErrors), "errors {{source}} {{query}}")).
		WithTarget(query("B", fmt.Sprintf("increase(%s[1h])", m.InvalidRows), "skipped {{query}} {{reason}}")).
		GridPos(grid(12, 13, 12, 8)))
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
		GridPos(grid(0, 21, 24, 8)))
	return d
}

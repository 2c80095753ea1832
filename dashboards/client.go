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

	row(d, "Now")
	d.WithPanel(smallStat("Health", "Health score now: weighted mean of the components with data.",
		fmt.Sprintf("%s{%s}", m.ClientHealthScore, c), "", units.NoUnit, 0, healthThresholds(cfg)).Span(4).Height(5))
	d.WithPanel(smallStat("Coverage", "Weight of the components with data over the weight of those configured: how much evidence the score rests on.",
		fmt.Sprintf("%s{%s}", m.ClientHealthCoverage, c), "", units.PercentUnit, 0, thresholds(step(nil, "orange"), step(cog.ToPtr(cfg.Targets.Coverage), "green"))).Span(4).Height(5))
	d.WithPanel(smallStat("Account manager", "Account manager and segment.",
		fmt.Sprintf("%s{%s}", m.ClientInfo, c), "{{account_manager}} ({{segment}})", units.NoUnit, 0, thresholds(step(nil, "text"))).
		TextMode(common.BigValueTextModeName).Span(6).Height(5))
	d.WithPanel(smallStat("Review cadence used", "Time since the last business review as a share of the client's own review cadence (its segment's health profile): engagement scores 100 up to 100%, falling to 0 at 200%.",
		fmt.Sprintf("(time() - %s{%s}) / on (client_id) group_left () %s{%s}", m.ClientLastReviewTimestamp, c, m.ClientReviewCadence, c), "", units.PercentUnit, 0,
		thresholds(step(nil, "green"), step(cog.ToPtr(1.0), "orange"), step(cog.ToPtr(2.0), "red"))).
		NoValue("never reviewed").Span(5).Height(5))
	d.WithPanel(smallStat("Overdue invoices", "Invoices past their due date and unpaid.",
		fmt.Sprintf("%s{%s}", m.ClientOverdueInvoices, c), "", units.Short, 0, countThresholds("red")).Span(5).Height(5))

	// The trends read each series through latest by client_id: a renamed
	// client stays one line.
	row(d, "Health")
	d.WithPanel(withBands(series("Health score", fmt.Sprintf("Health over time against the bands: red below %g, orange below %g.", b.Critical, b.AtRisk), units.NoUnit), healthThresholds(cfg)).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientHealthScore, c)), "health")).
		Min(0).Max(100).
		Span(8).Height(9))
	d.WithPanel(series("Health components over time", "Each component's score 0-100 over time: which one moved the health score. A missing line is a component without data.", units.NoUnit).
		WithTarget(query("A", latest("client_id, component", fmt.Sprintf("%s{%s}", m.ClientHealthComponentScore, c)), "{{component}}")).
		Min(0).Max(100).
		Span(8).Height(9))
	d.WithPanel(bars("Health components", "Each component's score 0-100 now; a missing bar is a component without data. "+componentLegend(),
		fmt.Sprintf("sort(%s{%s})", m.ClientHealthComponentScore, c), "{{component}}", units.NoUnit, healthThresholds(cfg)).
		Max(100).Span(8).Height(9))

	clientRisk(cfg, d, c)

	factor := cfg.Alerts.OverUtilizationFactor
	target := latest("client_id", fmt.Sprintf("%s{%s}", m.ClientUtilizationTarget, c))
	row(d, "Service")
	d.WithPanel(series("Utilization", fmt.Sprintf("Tickets per managed endpoint over %s, against the target of the client's health profile and %g× it, where the over-utilization alert starts.", cfg.Windows.Utilization.Label, factor), units.Short).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientUtilization, c)), "tickets per endpoint")).
		WithTarget(query("B", target, "target")).
		WithTarget(query("C", fmt.Sprintf("%g * %s", factor, target), fmt.Sprintf("%g× target", factor))).
		Span(8).Height(8))
	d.WithPanel(withBands(series("SLA compliance and CSAT", fmt.Sprintf("Share of SLA tickets meeting their SLA (%s) and of positive surveys (%s).", cfg.Windows.SLA.Label, cfg.Windows.CSAT.Label), units.PercentUnit),
		thresholds(step(nil, "red"), step(cog.ToPtr(cfg.Alerts.CSATMin), "orange"), step(cog.ToPtr(cfg.Alerts.SLAMin), "green"))).
		WithTarget(query("A", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientSLACompliance, c)), "SLA")).
		WithTarget(query("B", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientCSAT, c)), "CSAT")).
		Min(0).Max(1).
		Span(8).Height(8))
	d.WithPanel(series("Tickets and endpoints", "Tickets created in each window and endpoints managed.", units.Short).
		WithTarget(query("A", latest("client_id, window", fmt.Sprintf("%s{%s}", m.ClientTickets, c)), "tickets {{window}}")).
		WithTarget(query("B", latest("client_id", fmt.Sprintf("%s{%s}", m.ClientEndpoints, c)), "endpoints")).
		Span(8).Height(8))

	row(d, "Contracts and money")
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
		Span(12).Height(7))
	d.WithPanel(smallStat("Overdue amount", "Sum of overdue invoices per currency.",
		fmt.Sprintf("%s{%s}", m.ClientOverdueAmount, c), "{{currency}}", units.Short, 2, countThresholds("red")).
		NoValue("none").Span(6).Height(7))
	d.WithPanel(smallStat("Renewal contacts", fmt.Sprintf("Active renewal contacts; %d wanted.", cfg.Alerts.RenewalContactsMin),
		fmt.Sprintf("%s{%s}", m.ClientRenewalContacts, c), "", units.Short, 0,
		thresholds(step(nil, "red"), step(cog.ToPtr(1.0), "orange"), step(cog.ToPtr(float64(cfg.Alerts.RenewalContactsMin)), "green"))).Span(6).Height(7))
	return d
}

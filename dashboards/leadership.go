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

	row(d, "Churn and revenue retention")
	for _, w := range cfg.Windows.Churn {
		th := thresholds(step(nil, "green"))
		if w.Label == churnW {
			th = thresholds(step(nil, "green"), step(cog.ToPtr(cfg.Alerts.LogoChurnMax), "red"))
		}
		d.WithPanel(smallStat("Logo churn "+w.Label, "Share of the clients active "+w.Label+" ago that have churned since.",
			fmt.Sprintf("sum(%s{window=%q, %s}) / sum(%s{window=%q, %s})", m.ChurnedClients, w.Label, seg, m.ChurnCohortClients, w.Label, seg),
			"", units.PercentUnit, 1, th).Span(4).Height(5))
	}
	d.WithPanel(smallStat("Gross revenue retention "+revenueW, "MRR kept from the clients active "+revenueW+" ago, capped at what they paid then, per currency.",
		fmt.Sprintf("sum by (currency) (%s{window=%q, %s}) / sum by (currency) (%s{window=%q, %s})", m.RevenueRetainedMRR, revenueW, seg, m.RevenueCohortMRR, revenueW, seg),
		"{{currency}}", units.PercentUnit, 1, targetThresholds(cfg.Targets.GRR)).Span(6).Height(5))
	d.WithPanel(smallStat("Net revenue retention "+revenueW, "MRR today of the clients active "+revenueW+" ago over what they paid then, per currency: expansion counts.",
		fmt.Sprintf("sum by (currency) (%s{window=%q, %s}) / sum by (currency) (%s{window=%q, %s})", m.RevenueCurrentMRR, revenueW, seg, m.RevenueCohortMRR, revenueW, seg),
		"{{currency}}", units.PercentUnit, 1, targetThresholds(cfg.Targets.NRR)).Span(6).Height(5))

	row(d, "Over time")
	d.WithPanel(series("Logo churn over time", "Logo churn of each window as it stood on each day, per segment.", units.PercentUnit).
		WithTarget(query("A", fmt.Sprintf("%s / %s",
			latest("segment, window", fmt.Sprintf("%s{%s}", m.ChurnedClients, seg)),
			latest("segment, window", fmt.Sprintf("%s{%s}", m.ChurnCohortClients, seg))), "{{segment}} {{window}}")).
		Span(12).Height(8))
	revenue := func(numerator string) string {
		return fmt.Sprintf("%s / %s",
			latest("segment, currency", fmt.Sprintf("%s{window=%q, %s}", numerator, revenueW, seg)),
			latest("segment, currency", fmt.Sprintf("%s{window=%q, %s}", m.RevenueCohortMRR, revenueW, seg)))
	}
	d.WithPanel(series("Revenue retention over time", "Gross and net revenue retention over "+revenueW+", per segment and currency.", units.PercentUnit).
		WithTarget(query("A", revenue(m.RevenueRetainedMRR), "GRR {{segment}} {{currency}}")).
		WithTarget(query("B", revenue(m.RevenueCurrentMRR), "NRR {{segment}} {{currency}}")).
		Span(12).Height(8))
	riskRow(cfg, d)
	row(d, "Why clients leave, and the health of the book")
	d.WithPanel(bars("Churned clients by reason, "+longest, "Clients of the "+longest+" cohort that churned, by the reason recorded.",
		fmt.Sprintf("sort_desc(sum by (reason) (%s{window=%q, %s}))", m.ChurnedClientsByReason, longest, seg), "{{reason}}",
		units.Short, thresholds(step(nil, "red"))).Span(8).Height(9))
	// The recording rules have no history before Prometheus first
	// evaluated them, so the trends compute MRR at risk and the bands from
	// the client series, which backfill writes too.
	health := latest("client_id", m.ClientHealthScore)
	d.WithPanel(series("MRR and MRR at risk", fmt.Sprintf("Monthly recurring revenue, and the part of it from clients with health below %g.", b.AtRisk), units.Short).
		WithTarget(query("A", fmt.Sprintf("sum by (currency) (%s)", latest("segment, currency", fmt.Sprintf("%s{%s}", m.MRR, seg))), "MRR {{currency}}")).
		WithTarget(query("B", fmt.Sprintf("sum by (currency) ((%s and on (client_id) (%s < %g)) and on (client_id) %s)",
			latest("client_id, currency", m.ClientMRR), health, b.AtRisk, selectedClients()), "at risk {{currency}}")).
		Span(8).Height(9))
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
		Span(8).Height(9))
	row(d, "Per account manager")
	d.WithPanel(bars("Clients at risk by account manager", fmt.Sprintf("Clients with health below %g, per account manager.", b.AtRisk),
		fmt.Sprintf("sort_desc(sum by (account_manager) (%s{band!=%q, %s}))", m.ClientsByBand, m.BandHealthy, filters), "{{account_manager}}",
		units.Short, thresholds(step(nil, "orange"))).Span(12).Height(8))
	d.WithPanel(bars("MRR at risk by account manager", "MRR of at-risk clients per account manager and currency.",
		fmt.Sprintf("sort_desc(sum by (account_manager, currency) (%s{%s}))", m.MRRAtRisk, filters), "{{account_manager}} {{currency}}",
		units.Short, thresholds(step(nil, "orange"))).Span(12).Height(8))
	// Whether each client is getting better or worse: falls on top.
	row(d, "Health falls and rises")
	width := uint32(24 / len(directionWindows))
	for _, rising := range []bool{false, true} {
		for _, w := range directionWindows {
			d.WithPanel(healthMoves(cfg, w, rising).Span(width).Height(9))
		}
	}
	// Where the revenue went: movements, renewal exposure, cohorts.
	row(d, "Revenue movements and renewal exposure")
	if w, ok := movementWindow(cfg); ok {
		d.WithPanel(mrrMovements(w).Span(12).Height(9))
	}
	d.WithPanel(renewalExposure(cfg).Span(12).Height(9))
	logos, net := cohortTables(cfg)
	row(d, "Cohorts")
	d.WithPanel(logos.Span(24).Height(10))
	d.WithPanel(net.Span(24).Height(10))
	return d
}

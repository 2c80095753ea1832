//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// movementWindow is the movement window the monthly bars read: the
// shortest, one bar per window length.
func movementWindow(cfg *config.Config) (config.Window, bool) {
	if len(cfg.Windows.Movements) == 0 {
		return config.Window{}, false
	}
	w := cfg.Windows.Movements[0]
	for _, x := range cfg.Windows.Movements[1:] {
		if x.Duration < w.Duration {
			w = x
		}
	}
	return w, true
}

// mrrMovements draws, every window length over the last year, the MRR that
// came (new, reactivation, expansion: up) and went (contraction, churn:
// down) in the window before, per currency.
func mrrMovements(w config.Window) *timeseries.PanelBuilder {
	seg := `segment=~"$segment"`
	expr := fmt.Sprintf("sum by (currency, movement) (%s)",
		latest("segment, currency, window, movement", fmt.Sprintf("%s{window=%q, %s}", m.MRRMovement, w.Label, seg)))
	p := series("MRR movements, per "+w.Label,
		fmt.Sprintf("Where MRR came from and went, each bar the %s before it, per currency: new, reactivation and expansion up; contraction and churn down. Together they are the change in MRR over the %s.", w.Label, w.Label),
		units.Short).
		WithTarget(query("A", expr, "{{movement}} {{currency}}")).
		DrawStyle(common.GraphDrawStyleBars).
		FillOpacity(80).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal).Group("A")).
		Interval(w.Label).
		TimeFrom("1y")
	colors := map[string]string{
		m.MovementNew: "green", m.MovementReactivation: "blue", m.MovementExpansion: "dark-green",
		m.MovementContraction: "orange", m.MovementChurn: "red",
	}
	for _, mv := range m.Movements {
		props := fixedColor(colors[mv])
		if mv == m.MovementContraction || mv == m.MovementChurn {
			props = append(props, dashboard.DynamicConfigValue{Id: "custom.transform", Value: "negative-Y"})
		}
		p.OverrideByRegexp("^"+mv+" ", props)
	}
	return p
}

// cohortTable is a cohort triangle: a row per cohort month, newest first,
// a column per age in months, each cell the share retained, coloured
// from red (none) to green (all).
func cohortTable(title, description, expr string) *table.PanelBuilder {
	return tableBase(title, description).
		WithTarget(tableQuery("A", expr)).
		// Ages are label values: as numbers they sort 0, 1, … 10, and the
		// matrix takes its columns in the order it meets them.
		WithTransformation(dashboard.DataTransformerConfig{Id: "convertFieldType", Options: map[string]any{
			"conversions": []map[string]any{{"targetField": m.LabelAgeMonths, "destinationType": "number"}},
		}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "sortBy", Options: map[string]any{
			"sort": []map[string]any{{"field": m.LabelAgeMonths, "desc": false}},
		}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "groupingToMatrix", Options: map[string]any{
			"rowField": m.LabelCohort, "columnField": m.LabelAgeMonths, "valueField": "Value", "emptyValue": "null",
		}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "sortBy", Options: map[string]any{
			"sort": []map[string]any{{"field": m.LabelCohort + `\` + m.LabelAgeMonths, "desc": true}},
		}}).
		WithTransformation(organize(nil, map[string]string{m.LabelCohort + `\` + m.LabelAgeMonths: "Cohort \\ age (months)"}, nil)).
		Unit(units.PercentUnit).Decimals(0).Min(0).Max(1).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdContinuousRdYlGr)).
		CellOptions(common.TableCellOptions{TableColoredBackgroundCellOptions: &common.TableColoredBackgroundCellOptions{
			Type: common.TableCellDisplayModeColorBackground, Mode: cog.ToPtr(common.TableCellBackgroundDisplayModeBasic),
		}}).
		OverrideByName("Cohort \\ age (months)", []dashboard.DynamicConfigValue{
			{Id: "custom.cellOptions", Value: map[string]any{"type": "auto"}}, {Id: "unit", Value: "string"},
		}).
		NoValue("No cohorts yet: no client started in the last complete months")
}

// cohortTables are the logo and net MRR cohort tables, from the cohort
// series themselves (the recording rules hold the same ratios).
func cohortTables(cfg *config.Config) (*table.PanelBuilder, *table.PanelBuilder) {
	seg := `segment=~"$segment"`
	retained := latest("segment, cohort, age_months", fmt.Sprintf("%s{%s}", m.CohortRetainedClients, seg))
	clients := latest("segment, cohort", fmt.Sprintf("%s{%s}", m.CohortClients, seg))
	logos := fmt.Sprintf("sum by (cohort, age_months) (%s)\n/ on (cohort) group_left ()\nsum by (cohort) (%s)", retained, clients)
	mrr := latest("segment, cohort, currency, age_months", fmt.Sprintf("%s{%s}", m.CohortMRR, seg))
	mrr0 := latest("segment, cohort, currency, age_months", fmt.Sprintf("%s{age_months=\"0\", %s}", m.CohortMRR, seg))
	net := fmt.Sprintf("sum by (cohort, age_months) (%s)\n/ on (cohort) group_left ()\nsum by (cohort) (%s)", mrr, mrr0)
	months := cfg.Cohorts.Months
	return cohortTable("Cohort logo retention",
			fmt.Sprintf("Clients grouped by the month they became customers (the last %d complete months): the share still active at the end of each later month. Read a row left to right for how a cohort held up; read a column down to compare cohorts at the same age.", months),
			logos),
		cohortTable("Cohort net MRR retention",
			fmt.Sprintf("The same cohorts: their MRR at the end of each later month over their MRR at the end of their first month, all currencies summed at face value (one currency per book reads best; per currency, see %s). Above 100%% the cohort expanded.", m.CohortNetMRRRetention),
			net)
}

// renewalExposure is the MRR of contracts ending within each horizon, by
// the client's health band: renewals in unhealthy hands are the exposure.
func renewalExposure(cfg *config.Config) *bargauge.PanelBuilder {
	expr := fmt.Sprintf("sum by (horizon, band, currency) (%s{%s})", m.RenewalExposure, filters)
	return bars("Renewal exposure by health band",
		fmt.Sprintf("Monthly value of the contracts ending within each horizon (%s), by the health band of their client, per currency.", horizonList(cfg)),
		expr, "≤ {{horizon}} {{band}} {{currency}}", units.Short, thresholds(step(nil, "blue"))).
		OverrideByRegexp(" "+m.BandCritical+" ", fixedColor("red")).
		OverrideByRegexp(" "+m.BandAtRisk+" ", fixedColor("orange")).
		OverrideByRegexp(" "+m.BandHealthy+" ", fixedColor("green"))
}

func horizonList(cfg *config.Config) string {
	labels := make([]string, len(cfg.Alerts.RenewalHorizons))
	for i, h := range cfg.Alerts.RenewalHorizons {
		labels[i] = h.Label
	}
	return strings.Join(labels, ", ")
}

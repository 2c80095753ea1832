//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"
	"github.com/grafana/grafana-foundation-sdk/go/xychart"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// The churn-risk panels show nothing until risk.model_file names a model
// (docs/risk.md); they have no history, since backfill writes no risk.

// riskThresholds colours a churn risk: red from the configured threshold.
func riskThresholds(cfg *config.Config) *dashboard.ThresholdsConfigBuilder {
	return thresholds(step(nil, "green"), step(cog.ToPtr(cfg.Risk.Threshold/2), "orange"), step(cog.ToPtr(cfg.Risk.Threshold), "red"))
}

// aucThresholds colours an AUC: 0.5 is chance.
func aucThresholds() *dashboard.ThresholdsConfigBuilder {
	return thresholds(step(nil, "red"), step(cog.ToPtr(0.6), "orange"), step(cog.ToPtr(0.7), "green"))
}

// riskRow is the leadership dashboard's answer to "does the score predict
// churn?": the model's walk-forward evaluation and calibration.
func riskRow(cfg *config.Config, d *dashboard.DashboardBuilder) {
	row(d, "Does the score predict churn?")
	auc := func(model string) string { return fmt.Sprintf("max(%s{%s=%q})", m.ChurnModelAUC, m.LabelModel, model) }
	d.WithPanel(smallStat("Learned risk AUC", "How often the learned churn risk ranked a client who churned within the horizon above one who stayed, walking forward over the last year: 0.5 is chance, 1 is perfect (docs/risk.md).",
		auc(m.ModelLearned), "", units.NoUnit, 2, aucThresholds()).Span(4).Height(5))
	d.WithPanel(smallStat("Health score AUC", "The same for the configured health score (a lower score riskier), on the same rows: the learned risk should beat it.",
		auc(m.ModelHealthScore), "", units.NoUnit, 2, aucThresholds()).Span(4).Height(5))
	d.WithPanel(smallStat("Brier score", "Mean squared error of the predicted risks, walking forward: lower is better; predicting the base rate for everyone scores about base rate × (1 − base rate).",
		fmt.Sprintf("max(%s)", m.ChurnModelBrier), "", units.NoUnit, 3, thresholds(step(nil, "text"))).Span(4).Height(5))
	d.WithPanel(smallStat("Base rate", fmt.Sprintf("Share of the training rows whose client churned within the horizon. Clients alert from a risk of %g%%.", 100*cfg.Risk.Threshold),
		fmt.Sprintf("max(%s)", m.ChurnModelBaseRate), "", units.PercentUnit, 1, thresholds(step(nil, "text"))).Span(4).Height(5))
	d.WithPanel(smallStat("Churn events", "Training rows whose client churned within the horizon: the evidence the model learned from.",
		fmt.Sprintf("max(%s)", m.ChurnModelEvents), "", units.Short, 0, thresholds(step(nil, "text"))).Span(4).Height(5))
	d.WithPanel(smallStat("Model age", fmt.Sprintf("Time since the model was trained; refit monthly (alert after %s).", cfg.Risk.MaxModelAge.Label),
		fmt.Sprintf("time() - max(%s)", m.ChurnModelTrained), "", units.Seconds, 0,
		thresholds(step(nil, "green"), step(cog.ToPtr(cfg.Risk.MaxModelAge.Duration.Seconds()), "red"))).Span(4).Height(5))
	d.WithPanel(calibration().Span(12).Height(10))
	d.WithPanel(bars("What drives the risk", "Each component's mean contribution to the clients' churn risk, in log-odds: positive raises the risk across the book.",
		fmt.Sprintf("sort_desc(avg by (component) (%s and on (client_id) %s))", m.ClientChurnRiskContribution, selectedClients()), "{{component}}",
		units.NoUnit, thresholds(step(nil, "green"), step(cog.ToPtr(0.0), "red"))).Min(-2).Span(12).Height(10))
}

// calibration plots each bin's observed churn rate against its mean
// predicted risk, with the diagonal where they are equal.
func calibration() *xychart.PanelBuilder {
	byName := func(name string) *xychart.MatcherConfigBuilder {
		return xychart.NewMatcherConfigBuilder().Id("byName").Options(name)
	}
	series := func(name, x, y string) *xychart.XYSeriesConfigBuilder {
		return xychart.NewXYSeriesConfigBuilder().
			Name(xychart.NewXychartXYSeriesConfigNameBuilder().Fixed(name)).
			X(xychart.NewXychartXYSeriesConfigXBuilder().Matcher(byName(x))).
			Y(xychart.NewXychartXYSeriesConfigYBuilder().Matcher(byName(y)))
	}
	bin := func(metric string) string { return fmt.Sprintf("max by (bin) (%s)", metric) }
	return xychart.NewPanelBuilder().
		Title("Calibration").
		Description("Walking forward over the last year, the rows cut into ten bins by predicted risk: each point is a bin's mean predicted risk (x) and the share that churned (y). On the diagonal, a predicted 10% means 10% churned.").
		WithTarget(tableQuery("A", bin(m.ChurnModelCalibrationPredicted))).
		WithTarget(tableQuery("B", bin(m.ChurnModelCalibrationObserved))).
		WithTarget(tableQuery("C", bin(m.ChurnModelCalibrationPredicted))).
		WithTransformation(merge()).
		WithTransformation(organize([]string{"Time", "bin"},
			map[string]string{"Value #A": "Predicted", "Value #B": "Observed", "Value #C": "Diagonal"},
			[]string{"Value #A", "Value #B", "Value #C"})).
		Mapping(xychart.SeriesMappingManual).
		Series([]cog.Builder[xychart.XYSeriesConfig]{
			series("Observed", "Predicted", "Observed"),
			series("Diagonal", "Predicted", "Diagonal"),
		}).
		Show(xychart.XYShowModePoints).
		PointSize(xychart.NewXychartFieldConfigPointSizeBuilder().Fixed(8)).
		PointShape(xychart.PointShapeCircle).
		Unit(units.PercentUnit).Min(0).
		AxisPlacement(common.AxisPlacementAuto).
		AxisColorMode(common.AxisColorModeText).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdPaletteClassic)).
		Thresholds(thresholds(step(nil, "green"))).
		OverrideByName("Diagonal", []dashboard.DynamicConfigValue{
			{Id: "custom.show", Value: string(xychart.XYShowModeLines)},
			{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "text"}},
		}).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).ShowLegend(true).Calcs([]string{})).
		Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeSingle).Sort(common.SortOrderNone))
}

// clientRisk is the client dashboard's churn risk and what drives it.
func clientRisk(cfg *config.Config, d *dashboard.DashboardBuilder, c string) {
	row(d, "Churn risk")
	d.WithPanel(smallStat("Churn risk", fmt.Sprintf("Probability of churning within the model's horizon, learned from your own history (docs/risk.md); the alert fires from %g%%.", 100*cfg.Risk.Threshold),
		fmt.Sprintf("%s{%s}", m.ClientChurnRisk, c), "within {{horizon}}", units.PercentUnit, 0, riskThresholds(cfg)).
		NoValue("no model").Span(6).Height(8))
	d.WithPanel(bars("What drives this client's risk", "Each component's contribution to the risk in log-odds: coefficient × (score − mean) / scale. Positive raises the risk, negative lowers it.",
		fmt.Sprintf("sort_desc(%s{%s})", m.ClientChurnRiskContribution, c), "{{component}}", units.NoUnit,
		thresholds(step(nil, "green"), step(cog.ToPtr(0.0), "red"))).Min(-2).Span(18).Height(8))
}

//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// row starts a row of the dashboard: the panels added after it flow left
// to right by their Span and wrap at the grid's 24 columns, so no panel
// has a hand-placed position.
func row(d *dashboard.DashboardBuilder, title string) {
	d.WithRow(dashboard.NewRowBuilder(title))
}

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

//lint:file-ignore SA1019 Grafana file provisioning and @grafana/schema take the classic dashboard model; dashboardv2 is a different resource format.

package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

// The direction panels compare each client's health now with its health
// some days ago. They read the client series through historyLookback, so
// they work as soon as backfilled history goes back that far.
const (
	// newlyAtRiskWindow is "this week" of the NOC's newly-at-risk table.
	newlyAtRiskWindow = "7d"
	// directionLimit is how many clients a falls or rises table lists.
	directionLimit = 10
)

// directionWindows are the spans of the falls and rises tables.
var directionWindows = []string{"7d", "30d"}

// healthNow is each client's health, named.
func healthNow() string { return latest("client_id, client", m.ClientHealthScore) }

// healthAgo is each client's health ago earlier, by client_id only: a
// client renamed since still compares with its own past.
func healthAgo(ago string) string { return latestAgo("client_id", m.ClientHealthScore, ago) }

// healthChange is each client's health now minus its health ago earlier;
// only clients with a score at both instants have one.
func healthChange(ago string) string {
	return fmt.Sprintf("%s - on (client_id) group_left () %s", healthNow(), healthAgo(ago))
}

// withAccountManager keeps the selected clients of expr, with their
// account manager.
func withAccountManager(expr string) string {
	return fmt.Sprintf("(%s) * on (client_id) group_left (account_manager) %s", expr, accountManagers())
}

// healthMoves lists the clients whose health fell (or rose) most over
// window: the change, and the health now.
func healthMoves(cfg *config.Config, window string, rising bool) *table.PanelBuilder {
	title, verb, pick, cond := "Biggest health falls, "+window, "fell", "bottomk", "< 0"
	if rising {
		title, verb, pick, cond = "Biggest health rises, "+window, "rose", "topk", "> 0"
	}
	listed := fmt.Sprintf("%s(%d, %s)", pick, directionLimit, withAccountManager(fmt.Sprintf("(%s) %s", healthChange(window), cond)))
	change := "Change " + window
	return tableBase(title, fmt.Sprintf("The %d clients whose health score %s most over the last %s, with their health now. A client needs a score now and %s ago to be listed. Click a client for its detail.", directionLimit, verb, window, window)).
		WithTarget(tableQuery("A", listed)).
		WithTarget(tableQuery("B", fmt.Sprintf("%s and on (client_id) (%s)", latest("client_id", m.ClientHealthScore), listed))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time"},
			map[string]string{"client": "Client", "account_manager": "Account manager", "Value #A": change, "Value #B": "Health"},
			[]string{"client", "account_manager", "Value #B", "Value #A"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName(change).Desc(rising)}).
		NoValue(fmt.Sprintf("No client's health %s over %s", verb, window)).
		OverrideByName(change, changeCells(cfg)).
		OverrideByName("Health", healthCells(cfg)).
		OverrideByName("Client", clientCellLink()).
		OverrideByName("client_id", hidden())
}

// newlyAtRisk lists the clients that fell below the at-risk band within
// newlyAtRiskWindow.
func newlyAtRisk(cfg *config.Config) *table.PanelBuilder {
	at := cfg.Health.Bands.AtRisk
	w := newlyAtRiskWindow
	listed := withAccountManager(fmt.Sprintf("(%s < %g) and on (client_id) (%s >= %g)", healthNow(), at, healthAgo(w), at))
	weakest := fmt.Sprintf("bottomk by (client_id) (1, %s)", latest("client_id, component", m.ClientHealthComponentScore))
	return tableBase("Newly at risk", fmt.Sprintf("Clients whose health is below %g now and was %g or more %s ago, weakest first, with their weakest health component. Click a client for its detail.", at, at, w)).
		WithTarget(tableQuery("A", listed)).
		WithTarget(tableQuery("B", fmt.Sprintf("%s and on (client_id) (%s)", healthAgo(w), listed))).
		WithTarget(tableQuery("C", fmt.Sprintf("%s and on (client_id) (%s)", weakest, listed))).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "Value #C"},
			map[string]string{"client": "Client", "account_manager": "Account manager", "Value #A": "Health",
				"Value #B": "Health " + w + " ago", "component": "Weakest"},
			[]string{"client", "account_manager", "Value #A", "Value #B", "component"})).
		SortBy([]cog.Builder[common.TableSortByFieldState]{common.NewTableSortByFieldStateBuilder().DisplayName("Health").Desc(false)}).
		NoValue(fmt.Sprintf("No client fell below %g in %s", at, w)).
		OverrideByName("Health", healthCells(cfg)).
		OverrideByName("Health "+w+" ago", healthCells(cfg)).
		OverrideByName("Client", clientCellLink()).
		OverrideByName("client_id", hidden())
}

// healthCells colour a health score cell by the bands.
func healthCells(cfg *config.Config) []dashboard.DynamicConfigValue {
	b := cfg.Health.Bands
	return []dashboard.DynamicConfigValue{
		{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
		{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
			{"value": nil, "color": "red"}, {"value": b.Critical, "color": "orange"}, {"value": b.AtRisk, "color": "green"}}}},
		{Id: "decimals", Value: 0},
	}
}

// changeCells colour a change of health: red for a fall beyond the
// health-drop alert's, orange for a smaller fall, green for a rise.
func changeCells(cfg *config.Config) []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{
		{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
		{Id: "thresholds", Value: map[string]any{"mode": "absolute", "steps": []map[string]any{
			{"value": nil, "color": "red"}, {"value": -cfg.Alerts.HealthDrop, "color": "orange"}, {"value": 0, "color": "green"}}}},
		{Id: "decimals", Value: 1},
	}
}

// clientCellLink opens the client detail dashboard from a table row; the
// row needs the client_id column.
func clientCellLink() []dashboard.DynamicConfigValue {
	return []dashboard.DynamicConfigValue{
		{Id: "links", Value: []map[string]any{{"title": "Client detail",
			"url": "/d/" + m.DashboardClient + "/client-detail?var-client_id=${__data.fields.client_id}&${datasource:queryparam}"}}},
	}
}

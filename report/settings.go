package report

import (
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
)

// Settings are what the page takes from the configuration: how to name
// and read the data, never data about the client.
type Settings struct {
	MSPName  string
	Location *time.Location
	// Critical and AtRisk are the health bands' thresholds.
	Critical, AtRisk float64
	// The windows' labels, as the series carry them.
	UtilizationWindow, SLAWindow, CSATWindow string
	// Billing says whether a billing source is configured: without one
	// the page has no billing section.
	Billing bool
	// Components are the configured health components, in display order.
	Components []model.Component
	Rules      map[model.Component]config.Recommendation
	// RiskThreshold is the churn risk from which alerts fire.
	RiskThreshold float64
}

// SettingsOf reads the settings of a configuration.
func SettingsOf(cfg *config.Config) Settings {
	s := Settings{
		MSPName:           cfg.Report.MSPName,
		Location:          cfg.Location(),
		Critical:          cfg.Health.Bands.Critical,
		AtRisk:            cfg.Health.Bands.AtRisk,
		UtilizationWindow: cfg.Windows.Utilization.Label,
		SLAWindow:         cfg.Windows.SLA.Label,
		CSATWindow:        cfg.Windows.CSAT.Label,
		Billing:           cfg.BillingConfigured(),
		Rules:             cfg.Report.Recommendations,
		RiskThreshold:     cfg.Risk.Threshold,
	}
	for _, c := range cfg.Params().Components {
		s.Components = append(s.Components, c.Name)
	}
	return s
}

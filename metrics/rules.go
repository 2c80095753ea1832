package metrics

// Recording rules shipped with the alerts (level:metric:operation).
const (
	LogoChurnBySegment = "segment_window:retention_logo_churn:ratio"
	LogoChurn          = "window:retention_logo_churn:ratio"
	GRRBySegment       = "segment_currency_window:retention_gross_revenue_retention:ratio"
	GRR                = "currency_window:retention_gross_revenue_retention:ratio"
	NRRBySegment       = "segment_currency_window:retention_net_revenue_retention:ratio"
	NRR                = "currency_window:retention_net_revenue_retention:ratio"
	MRRAtRisk          = "segment_account_manager_currency:retention_mrr_at_risk:sum"
	ClientsByBand      = "segment_account_manager_band:retention_clients:count"         // band
	RenewalsDue        = "segment_account_manager_horizon:retention_renewals_due:count" // horizon
	ContractsLapsed    = "segment_account_manager:retention_contracts_lapsed:count"
)

// Label values of the recording rules.
const (
	LabelBand    = "band"
	LabelHorizon = "horizon"

	BandCritical = "critical"
	BandAtRisk   = "at_risk"
	BandHealthy  = "healthy"
)

// RecordingRules lists the recording rule names.
func RecordingRules() []string {
	return []string{LogoChurnBySegment, LogoChurn, GRRBySegment, GRR, NRRBySegment, NRR,
		MRRAtRisk, ClientsByBand, RenewalsDue, ContractsLapsed}
}

// Grafana dashboard UIDs, stable so that links from alerts keep working.
const (
	DashboardNOC        = "retention-noc"
	DashboardLeadership = "retention-leadership"
	DashboardClient     = "retention-client"
	DashboardExporter   = "retention-exporter"
)

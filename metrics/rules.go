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
	// MRR of the contracts ending within a horizon, by the client's band.
	RenewalExposure = "segment_account_manager_currency_band_horizon:retention_renewal_exposure_mrr:sum" // band, horizon
	// Cohort tables: share of a cohort's clients, and of its age-0 MRR,
	// left at each age.
	CohortLogoRetentionBySegment = "segment_cohort_age_months:retention_cohort_logo_retention:ratio"
	CohortLogoRetention          = "cohort_age_months:retention_cohort_logo_retention:ratio"
	CohortNetMRRRetentionBySeg   = "segment_currency_cohort_age_months:retention_cohort_net_mrr_retention:ratio"
	CohortNetMRRRetention        = "currency_cohort_age_months:retention_cohort_net_mrr_retention:ratio"
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
		MRRAtRisk, ClientsByBand, RenewalsDue, ContractsLapsed, RenewalExposure,
		CohortLogoRetentionBySegment, CohortLogoRetention, CohortNetMRRRetentionBySeg, CohortNetMRRRetention}
}

// Grafana dashboard UIDs, stable so that links from alerts keep working.
const (
	DashboardNOC        = "retention-noc"
	DashboardLeadership = "retention-leadership"
	DashboardClient     = "retention-client"
	DashboardExporter   = "retention-exporter"
)

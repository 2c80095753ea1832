// Package metrics names every series the exporter serves. The collector,
// the dashboards and the alert rules share these names; nothing else.
package metrics

// Per-client series: labels client_id and client, plus those noted.
const (
	ClientInfo                     = "retention_client_info" // segment, account_manager
	ClientStartTimestamp           = "retention_client_start_timestamp_seconds"
	ClientNextAnniversaryTimestamp = "retention_client_next_anniversary_timestamp_seconds"
	ClientEndpoints                = "retention_client_endpoints"
	ClientTickets                  = "retention_client_tickets" // window
	ClientUtilization              = "retention_client_utilization_ratio"
	ClientSLACompliance            = "retention_client_sla_compliance_ratio"
	ClientSLATickets               = "retention_client_sla_tickets"
	ClientCSAT                     = "retention_client_csat_ratio"
	ClientCSATResponses            = "retention_client_csat_responses"
	ClientBestPractice             = "retention_client_best_practice_ratio"
	ClientLastReviewTimestamp      = "retention_client_last_review_timestamp_seconds"
	ClientRenewalContacts          = "retention_client_renewal_contacts"
	ClientOverdueInvoices          = "retention_client_overdue_invoices"
	ClientOverdueAmount            = "retention_client_overdue_amount" // currency
	ClientOldestOverdueTimestamp   = "retention_client_oldest_overdue_timestamp_seconds"
	ClientMRR                      = "retention_client_mrr" // currency
	ClientHealthScore              = "retention_client_health_score"
	ClientHealthComponentScore     = "retention_client_health_component_score" // component
	ClientHealthCoverage           = "retention_client_health_coverage_ratio"
	// The targets of the client's health profile.
	ClientUtilizationTarget = "retention_client_utilization_target_ratio"
	ClientReviewCadence     = "retention_client_review_cadence_seconds"
	// Churn risk from the model file, when one is configured.
	ClientChurnRisk             = "retention_client_churn_risk_ratio"        // horizon
	ClientChurnRiskContribution = "retention_client_churn_risk_contribution" // component
)

// The churn-risk model's series, when a model file is configured: label
// horizon, plus those noted.
const (
	ChurnModelTrained              = "retention_churn_model_trained_timestamp_seconds"
	ChurnModelAUC                  = "retention_churn_model_auc_ratio" // model
	ChurnModelBrier                = "retention_churn_model_brier_score"
	ChurnModelBaseRate             = "retention_churn_model_base_rate_ratio"
	ChurnModelEvents               = "retention_churn_model_events"
	ChurnModelCalibrationPredicted = "retention_churn_model_calibration_predicted_ratio" // bin
	ChurnModelCalibrationObserved  = "retention_churn_model_calibration_observed_ratio"  // bin
)

// Values of the model label of ChurnModelAUC.
const (
	ModelLearned     = "learned"
	ModelHealthScore = "health_score"
)

// Per-contract series: labels client_id, client, contract_id and contract.
const (
	ContractDaysToRenewal     = "retention_contract_days_to_renewal"
	ContractEndTimestamp      = "retention_contract_end_timestamp_seconds"
	ContractMonthlyValue      = "retention_contract_monthly_value" // currency
	ContractRenewalNoticeSent = "retention_contract_renewal_notice_sent"
	ContractCancelTimestamp   = "retention_contract_cancel_timestamp_seconds"
	ContractInfo              = "retention_contract_info" // contract_type, auto_renew
)

// Portfolio series.
const (
	Clients                = "retention_clients"                   // segment
	ChurnCohortClients     = "retention_churn_cohort_clients"      // segment, window
	ChurnedClients         = "retention_churned_clients"           // segment, window
	ChurnedClientsByReason = "retention_churned_clients_by_reason" // segment, reason, window
	MRR                    = "retention_mrr"                       // segment, currency
	RevenueCohortMRR       = "retention_revenue_cohort_mrr"        // segment, currency, window
	RevenueRetainedMRR     = "retention_revenue_retained_mrr"      // segment, currency, window
	RevenueCurrentMRR      = "retention_revenue_current_mrr"       // segment, currency, window
	// MRR movements over a window, per (client, currency) pair.
	MRRMovement        = "retention_mrr_movement"         // segment, currency, window, movement
	MRRMovementClients = "retention_mrr_movement_clients" // segment, currency, window, movement
	// Cohorts by the calendar month of customer_since.
	CohortClients         = "retention_cohort_clients"          // segment, cohort
	CohortRetainedClients = "retention_cohort_retained_clients" // segment, cohort, age_months
	CohortMRR             = "retention_cohort_mrr"              // segment, cohort, currency, age_months
)

// The exporter's own series.
const (
	BuildInfo         = "retention_exporter_build_info"
	SourceUp          = "retention_source_up"                             // source
	SourceLastSuccess = "retention_source_last_success_timestamp_seconds" // source
	RefreshDuration   = "retention_refresh_duration_seconds"              // source
	QueryUp           = "retention_query_up"                              // source, query
	QueryLastSuccess  = "retention_query_last_success_timestamp_seconds"  // source, query
	QueryDuration     = "retention_query_duration_seconds"                // source, query
	QueryErrors       = "retention_query_errors_total"                    // source, query
	InvalidRows       = "retention_invalid_rows_total"                    // source, query, reason
	// Computing the result and rendering the snapshot, after the reads.
	SnapshotRenderDuration = "retention_snapshot_render_duration_seconds"

	ConfigLastReloadSuccessful = "retention_config_last_reload_successful"
	ConfigLastReloadSuccess    = "retention_config_last_reload_success_timestamp_seconds"
)

// Values of the movement label of MRRMovement and MRRMovementClients, in
// the order they are exported.
const (
	MovementNew          = "new"
	MovementReactivation = "reactivation"
	MovementExpansion    = "expansion"
	MovementContraction  = "contraction"
	MovementChurn        = "churn"
)

// Movements lists every MRR movement.
var Movements = []string{MovementNew, MovementReactivation, MovementExpansion, MovementContraction, MovementChurn}

// PerClientSeries selects every per-client and per-contract series.
const PerClientSeries = `{__name__=~"retention_(client|contract)_.+"}`

// Label names.
const (
	LabelClientID       = "client_id"
	LabelClient         = "client"
	LabelContractID     = "contract_id"
	LabelContract       = "contract"
	LabelSegment        = "segment"
	LabelAccountManager = "account_manager"
	LabelWindow         = "window"
	LabelCurrency       = "currency"
	LabelComponent      = "component"
	LabelReason         = "reason"
	LabelContractType   = "contract_type"
	LabelAutoRenew      = "auto_renew"
	LabelSource         = "source"
	LabelQuery          = "query"
	LabelMovement       = "movement"
	LabelCohort         = "cohort"
	LabelAgeMonths      = "age_months"
	LabelModel          = "model"
	LabelBin            = "bin"
)

// All lists every metric name above.
func All() []string {
	return []string{
		ClientInfo, ClientStartTimestamp, ClientNextAnniversaryTimestamp, ClientEndpoints,
		ClientTickets, ClientUtilization, ClientSLACompliance, ClientSLATickets, ClientCSAT, ClientCSATResponses, ClientBestPractice,
		ClientLastReviewTimestamp, ClientRenewalContacts, ClientOverdueInvoices, ClientOverdueAmount,
		ClientOldestOverdueTimestamp, ClientMRR, ClientHealthScore, ClientHealthComponentScore,
		ClientHealthCoverage, ClientUtilizationTarget, ClientReviewCadence, ClientChurnRisk, ClientChurnRiskContribution,
		ContractDaysToRenewal, ContractEndTimestamp, ContractMonthlyValue, ContractRenewalNoticeSent,
		ContractCancelTimestamp, ContractInfo,
		Clients, ChurnCohortClients, ChurnedClients, ChurnedClientsByReason, MRR,
		RevenueCohortMRR, RevenueRetainedMRR, RevenueCurrentMRR,
		MRRMovement, MRRMovementClients, CohortClients, CohortRetainedClients, CohortMRR,
		ChurnModelTrained, ChurnModelAUC, ChurnModelBrier, ChurnModelBaseRate, ChurnModelEvents,
		ChurnModelCalibrationPredicted, ChurnModelCalibrationObserved,
		BuildInfo, SourceUp, SourceLastSuccess, RefreshDuration, QueryUp, QueryLastSuccess, QueryDuration, QueryErrors, InvalidRows,
		SnapshotRenderDuration, ConfigLastReloadSuccessful, ConfigLastReloadSuccess,
	}
}

package model

// Result is every retention value for one point in time. Pointer fields
// are nil when the value cannot be computed: such a series is absent.
type Result struct {
	Clients   []ClientResult
	Contracts []ContractResult
	Portfolio Portfolio
	// Risk is the churn-risk model the clients' risks come from, nil
	// without one.
	Risk *RiskModel
}

// ClientResult holds the per-client values of a client active today.
type ClientResult struct {
	ID, Name, Segment, AccountManager string

	StartTimestamp           float64
	NextAnniversaryTimestamp float64
	Endpoints                *float64
	Tickets                  []WindowValue
	Utilization              *float64
	SLACompliance            *float64
	SLATickets               *float64 // the compliance ratio's denominator
	CSAT                     *float64
	CSATResponses            *float64 // the CSAT ratio's denominator
	BestPractice             *float64
	LastReviewTimestamp      *float64
	RenewalContacts          *float64
	OverdueInvoices          *float64
	OverdueAmount            []CurrencyValue
	OldestOverdueTimestamp   *float64
	MRR                      []CurrencyValue
	Health                   *float64
	Components               []ComponentScore
	Coverage                 *float64
	// The targets of the client's health profile, set when the
	// component they score is configured.
	UtilizationTarget    *float64
	ReviewCadenceSeconds *float64
	// ChurnRisk is the probability of churning within the risk model's
	// horizon, and RiskContributions each present term's log-odds; nil
	// without a model or without any of its components.
	ChurnRisk         *float64
	RiskContributions []ComponentScore
}

// ContractResult holds the per-contract values of an exported contract.
type ContractResult struct {
	ID, Name, ClientID, ClientName string
	Type                           string // "" when NULL
	AutoRenew                      bool
	Currency                       string

	DaysToRenewal     *float64
	EndTimestamp      *float64
	MonthlyValue      *float64
	RenewalNoticeSent *float64
	CancelTimestamp   *float64
}

// WindowValue is a value for one configured window.
type WindowValue struct {
	Window string
	Value  float64
}

// CurrencyValue is an amount in one currency.
type CurrencyValue struct {
	Currency string
	Value    float64
}

// ComponentScore is one present health component.
type ComponentScore struct {
	Component Component
	Score     float64
}

// Group is a portfolio value; only the labels its metric carries are set.
type Group struct {
	Segment, Currency, Reason, Window string
	Movement, Cohort, Age             string
	Value                             float64
}

// Portfolio holds the aggregate series.
type Portfolio struct {
	Clients         []Group // segment
	ChurnCohort     []Group // segment, window
	Churned         []Group // segment, window
	ChurnedByReason []Group // segment, reason, window
	MRR             []Group // segment, currency
	RevenueCohort   []Group // segment, currency, window
	RevenueRetained []Group // segment, currency, window
	RevenueCurrent  []Group // segment, currency, window
	// MRR movements over each movement window, per (client, currency)
	// pair: the amounts, and how many pairs made each.
	MRRMovement        []Group // segment, currency, window, movement
	MRRMovementClients []Group // segment, currency, window, movement
	// Cohorts of the last complete months by customer_since.
	CohortClients  []Group // segment, cohort
	CohortRetained []Group // segment, cohort, age
	CohortMRR      []Group // segment, cohort, currency, age
}

// Package model holds the facts read from the databases and the pure
// formulas that turn facts and a point in time into retention values.
// It reads no clock and no database, so every formula is a plain function.
package model

import "time"

// Client is one row of the clients fact.
type Client struct {
	ID             string
	Name           string
	Segment        string // "" when NULL
	AccountManager string // "" when NULL
	CustomerSince  Date
	ChurnedAt      *Date
	ChurnReason    *string
}

// Contract is one row of the contracts fact.
type Contract struct {
	ID                  string
	ClientID            string
	Name                string
	Type                *string // NULL matches only NULL when finding successors
	StartDate           Date
	EndDate             *Date // nil: evergreen
	AutoRenew           bool
	MonthlyValue        float64
	NoValue             bool // monthly_value NULL or absent: no known price, not a price of 0
	Currency            string
	CancelledAt         *Date
	RenewalNoticeSentAt *Date // counts only once sent: on or before today
}

// TicketCounts is one client's tickets in a window.
type TicketCounts struct {
	Tickets int64
	// SLATickets and SLABreached are nil when the query leaves them out.
	SLATickets  *int64
	SLABreached *int64
}

// SurveyCounts is one client's CSAT responses in a window.
type SurveyCounts struct {
	Responses int64
	Positive  int64
}

// Assessment is a client's latest best-practice assessment.
type Assessment struct {
	Total int64
	Met   int64
	// AssessedAt is nil when the query leaves the column out or returns
	// NULL; an assessment dated after today is ignored.
	AssessedAt *Date
}

// Overdue is a client's overdue invoices in one currency. A row whose
// OldestDue is on or after billing's today has nothing overdue yet and
// is ignored.
type Overdue struct {
	Currency  string
	Invoices  int64
	Amount    *float64
	OldestDue *Date
}

// The facts, each read by the query of its name: the names of the
// model's inputs.
const (
	QueryClients     = "clients"
	QueryContracts   = "contracts"
	QueryEndpoints   = "endpoints"
	QueryTickets     = "tickets"
	QuerySurveys     = "surveys"
	QueryReviews     = "reviews"
	QueryContacts    = "contacts"
	QueryAssessments = "assessments"
	QueryInvoices    = "invoices"
)

// Facts is everything one source read in one refresh: each field is the
// rows of one query, filled by the fact of that name (package fact). A
// nil field means the query is disabled or failed: its metrics and
// components are absent. A client missing from an enabled map has none
// (zero counts). A source fills only its own queries' fields.
type Facts struct {
	// Now is when the source was read: its today is the date of Now.
	Now         time.Time
	Clients     []Client
	Contracts   []Contract
	Endpoints   map[string]int64
	Tickets     map[string]map[string]TicketCounts // window label → client
	Surveys     map[string]SurveyCounts            // CSAT window
	Reviews     map[string]Date                    // latest review; one after today is ignored
	Contacts    map[string]int64
	Assessments map[string]Assessment // latest assessment; one after today is ignored
	Overdue     map[string][]Overdue  // billing: by client, one per currency
}

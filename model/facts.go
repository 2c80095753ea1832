// Package model holds the facts read from the databases and the pure
// formulas that turn facts and a point in time into retention values.
// It reads no clock and no database, so every formula is a plain function.
package model

import (
	"maps"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

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

// PSAFacts is everything read from the PSA in one refresh. A nil map means
// the query is disabled: its metrics and components are absent. A client
// missing from an enabled map has none (zero counts).
type PSAFacts struct {
	Now         time.Time
	Clients     []Client
	Contracts   []Contract // nil: disabled
	Endpoints   map[string]int64
	Tickets     map[string]map[string]TicketCounts // window label → client
	Surveys     map[string]SurveyCounts            // CSAT window
	Reviews     map[string]Date                    // latest review; one after today is ignored
	Contacts    map[string]int64
	Assessments map[string]Assessment // latest assessment; one after today is ignored
}

// BillingFacts is everything read from billing in one refresh.
type BillingFacts struct {
	Now     time.Time
	Overdue map[string][]Overdue // nil: disabled
}

// Drop removes the facts of one query (one window of a windowed one): it
// failed, and nothing of it counts.
func (f *PSAFacts) Drop(query, window string) { f.take(query, window, nil) }

// Keep puts back the facts of one query (one window of a windowed one)
// from old, an earlier refresh whose rows still count.
func (f *PSAFacts) Keep(query, window string, old *PSAFacts) { f.take(query, window, old) }

// Usable reports whether anything can be computed from the facts: every
// series of the PSA is a client's or sums clients.
func (f *PSAFacts) Usable() bool { return f.Clients != nil }

// take sets one query's facts to old's, or to absent when old is nil.
func (f *PSAFacts) take(query, window string, old *PSAFacts) {
	if old == nil {
		old = &PSAFacts{}
	}
	switch query {
	case config.QueryClients:
		f.Clients = old.Clients
	case config.QueryContracts:
		f.Contracts = old.Contracts
	case config.QueryEndpoints:
		f.Endpoints = old.Endpoints
	case config.QueryTickets:
		// A copy: the map may be shared with the facts of another refresh.
		tickets := maps.Clone(f.Tickets)
		if counts, ok := old.Tickets[window]; ok {
			if tickets == nil {
				tickets = map[string]map[string]TicketCounts{}
			}
			tickets[window] = counts
		} else {
			delete(tickets, window)
		}
		f.Tickets = tickets
	case config.QuerySurveys:
		f.Surveys = old.Surveys
	case config.QueryReviews:
		f.Reviews = old.Reviews
	case config.QueryContacts:
		f.Contacts = old.Contacts
	case config.QueryAssessments:
		f.Assessments = old.Assessments
	default:
		panic("model: no PSA fact " + query)
	}
}

// Drop removes the facts of one billing query; billing has no windowed
// query, so window is "".
func (f *BillingFacts) Drop(query, _ string) { f.take(query, nil) }

// Keep puts back the facts of one billing query from old.
func (f *BillingFacts) Keep(query, _ string, old *BillingFacts) { f.take(query, old) }

// Usable reports whether anything can be computed from the facts: billing
// has its one query.
func (f *BillingFacts) Usable() bool { return f.Overdue != nil }

func (f *BillingFacts) take(query string, old *BillingFacts) {
	if old == nil {
		old = &BillingFacts{}
	}
	switch query {
	case config.QueryInvoices:
		f.Overdue = old.Overdue
	default:
		panic("model: no billing fact " + query)
	}
}

package config

import "slices"

// Source names.
const (
	PSA     = "psa"
	Billing = "billing"
)

// Query names: each is a fact with a documented set of columns.
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

// FactSpec documents one fact query: where it runs, the columns it must
// return, the ones it may return, and the windows it runs for.
type FactSpec struct {
	Name     string
	Source   string
	Required []string
	Optional []string
	// Windows, set for windowed facts, lists the windows the query runs
	// once each for; only windowed queries may use :window_start.
	Windows func(c *Config) []Window
	// Dated is set for facts whose rows are dated: their query must use
	// :now or :today, or rows dated after the refresh count, which is
	// wrong for every past instant (backfill) and for rows planned ahead.
	Dated      bool
	DefaultSQL string
}

// Windowed reports whether the query runs once per window.
func (f FactSpec) Windowed() bool { return f.Windows != nil }

// Facts lists every fact query in the order a refresh runs them. To add
// a fact, add a row here, its decoder in the source package's table and
// its field in model.PSAFacts or model.BillingFacts.
var Facts = []FactSpec{
	{
		Name: QueryClients, Source: PSA,
		Required: []string{"client_id", "name", "customer_since"},
		Optional: []string{"segment", "account_manager", "churned_at", "churn_reason"},
		DefaultSQL: `SELECT client_id, name, segment, account_manager, customer_since,
       churned_at, churn_reason
FROM clients
`,
	},
	{
		Name: QueryContracts, Source: PSA,
		Required: []string{"contract_id", "client_id", "name", "start_date"},
		Optional: []string{"contract_type", "end_date", "auto_renew", "monthly_value",
			"currency", "cancelled_at", "renewal_notice_sent_at"},
		// A renewal notice counts once sent: one dated after today has not
		// been sent yet.
		DefaultSQL: `SELECT contract_id, client_id, name, contract_type, start_date, end_date,
       auto_renew, monthly_value, currency, cancelled_at,
       CASE WHEN renewal_notice_sent_at <= :today THEN renewal_notice_sent_at END
         AS renewal_notice_sent_at
FROM contracts
WHERE end_date IS NULL OR end_date >= :history_start
`,
	},
	{
		Name: QueryEndpoints, Dated: true, Source: PSA,
		Required: []string{"client_id", "endpoints"},
		DefaultSQL: `SELECT client_id, COUNT(*) AS endpoints
FROM endpoints
WHERE added_at <= :today AND (retired_at IS NULL OR retired_at > :today)
GROUP BY client_id
`,
	},
	{
		Name: QueryTickets, Dated: true, Source: PSA, Windows: (*Config).TicketWindows,
		Required: []string{"client_id", "tickets"},
		Optional: []string{"sla_tickets", "sla_breached"},
		DefaultSQL: `SELECT client_id,
       COUNT(*) AS tickets,
       COUNT(sla_breached) AS sla_tickets,
       COALESCE(SUM(CASE WHEN sla_breached = 1 THEN 1 ELSE 0 END), 0) AS sla_breached
FROM tickets
WHERE created_at > :window_start AND created_at <= :now
GROUP BY client_id
`,
	},
	{
		Name: QuerySurveys, Dated: true, Source: PSA,
		Windows:  func(c *Config) []Window { return []Window{c.Windows.CSAT} },
		Required: []string{"client_id", "responses", "positive"},
		DefaultSQL: `SELECT client_id,
       COUNT(*) AS responses,
       SUM(CASE WHEN score >= :positive_score THEN 1 ELSE 0 END) AS positive
FROM surveys
WHERE answered_at > :window_start AND answered_at <= :now
GROUP BY client_id
`,
	},
	{
		Name: QueryReviews, Dated: true, Source: PSA,
		Required: []string{"client_id", "last_review_at"},
		DefaultSQL: `SELECT client_id, MAX(held_at) AS last_review_at
FROM reviews
WHERE held_at <= :today
GROUP BY client_id
`,
	},
	{
		Name: QueryContacts, Source: PSA,
		Required: []string{"client_id", "renewal_contacts"},
		DefaultSQL: `SELECT client_id, COUNT(*) AS renewal_contacts
FROM contacts
WHERE is_renewal_contact = 1 AND active = 1
GROUP BY client_id
`,
	},
	{
		Name: QueryAssessments, Dated: true, Source: PSA,
		Required: []string{"client_id", "standards_total", "standards_met"},
		Optional: []string{"assessed_at"},
		DefaultSQL: `SELECT client_id, assessed_at, standards_total, standards_met
FROM (
  SELECT client_id, assessed_at, standards_total, standards_met,
         ROW_NUMBER() OVER (PARTITION BY client_id
                            ORDER BY assessed_at DESC, assessment_id DESC) AS rn
  FROM assessments
  WHERE assessed_at <= :today
) latest
WHERE rn = 1
`,
	},
	{
		Name: QueryInvoices, Dated: true, Source: Billing,
		Required: []string{"client_id", "overdue_invoices"},
		Optional: []string{"currency", "overdue_amount", "oldest_due_at"},
		// Overdue at today: issued by then, due before it, and unpaid
		// then — an invoice paid since was overdue at a past today.
		DefaultSQL: `SELECT client_id, currency,
       COUNT(*) AS overdue_invoices,
       SUM(amount) AS overdue_amount,
       MIN(due_at) AS oldest_due_at
FROM invoices
WHERE voided = 0 AND issued_at <= :today AND due_at < :today
  AND (paid_at IS NULL OR paid_at > :today)
GROUP BY client_id, currency
`,
	},
}

// Fact returns the spec of a fact query by name.
func Fact(name string) (FactSpec, bool) {
	for _, f := range Facts {
		if f.Name == name {
			return f, true
		}
	}
	return FactSpec{}, false
}

// UnusedParams lists, in words, the parameters a fact's rows depend on
// that its statement leaves out. Such a query runs, but its numbers are
// wrong: a windowed query without :window_start reads the same rows for
// every window, a dated one without :now or :today counts rows dated
// after the refresh, and surveys without :positive_score ignore
// health.positive_score.
func (c *Config) UnusedParams(name string) []string {
	f, ok := Fact(name)
	st, enabled := c.stmts[name]
	if !ok || !enabled {
		return nil
	}
	uses := func(p string) bool { return slices.Contains(st.Params, p) }
	var missing []string
	if f.Windowed() && !uses(ParamWindowStart) {
		missing = append(missing, ":window_start (each window must read only its own rows)")
	}
	if f.Dated && !uses(ParamNow) && !uses(ParamToday) {
		missing = append(missing, ":now or :today (rows dated after the refresh must not count)")
	}
	if f.Name == QuerySurveys && !uses(ParamPositiveScore) {
		missing = append(missing, ":positive_score (health.positive_score decides which scores are positive)")
	}
	return missing
}

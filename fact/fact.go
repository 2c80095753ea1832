// Package fact holds the facts the exporter reads, one entry each: the
// query's name, source, columns, windows and default SQL; the decoder of
// its rows; and the model input it fills. To add a fact, add its entry
// to All, its row decoder and its field in model.Facts; the README's
// "Each kind of thing is one entry" lists what else names it.
package fact

import (
	"maps"
	"reflect"
	"slices"

	"github.com/retention-exporter/retention_exporter/model"
)

// The sources a fact is read from.
const (
	PSA     = "psa"
	Billing = "billing"
)

// Fact is one fact query: where it runs, the columns it must return and
// those it may, the windows it runs for, its default SQL, how its rows
// decode, and the model input they fill.
type Fact struct {
	Name     string
	Source   string
	Required []string
	Optional []string
	// Windows, set for windowed facts, lists the windows the query runs
	// once each for; only windowed queries may use :window_start.
	Windows func(p *model.Params) []model.Window
	// Dated is set for facts whose rows are dated: their query must use
	// :now or :today, or rows dated after the refresh count, which is
	// wrong for every past instant (backfill) and for rows planned ahead.
	Dated bool
	// Backbone is set for the fact without which its source serves
	// nothing: every series of the PSA is a client's or sums clients,
	// and billing has its one query.
	Backbone   bool
	DefaultSQL string
	// decode makes the empty input a run of the query fills (so an
	// enabled query with no rows means "none", not "disabled") and
	// returns the decoder of each row into it.
	decode func(b *builder, window string) func(*Row) error
	// take sets the fact's input in dst to src's, for one window of a
	// windowed fact.
	take func(dst, src *model.Facts, window string)
}

// Windowed reports whether the query runs once per window.
func (f Fact) Windowed() bool { return f.Windows != nil }

// All lists every fact in the order a refresh runs them.
var All = []Fact{
	{
		Name: model.QueryClients, Source: PSA, Backbone: true,
		Required: []string{"client_id", "name", "customer_since"},
		Optional: []string{"segment", "account_manager", "churned_at", "churn_reason"},
		DefaultSQL: `SELECT client_id, name, segment, account_manager, customer_since,
       churned_at, churn_reason
FROM clients
`,
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Clients, b.clients = []model.Client{}, map[string]bool{}
			return b.client
		},
		take: func(dst, src *model.Facts, _ string) { dst.Clients = src.Clients },
	},
	{
		Name: model.QueryContracts, Source: PSA,
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
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Contracts = []model.Contract{}
			return b.contract
		},
		take: func(dst, src *model.Facts, _ string) { dst.Contracts = src.Contracts },
	},
	{
		Name: model.QueryEndpoints, Dated: true, Source: PSA,
		Required: []string{"client_id", "endpoints"},
		DefaultSQL: `SELECT client_id, COUNT(*) AS endpoints
FROM endpoints
WHERE added_at <= :today AND (retired_at IS NULL OR retired_at > :today)
GROUP BY client_id
`,
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Endpoints = map[string]int64{}
			return func(r *Row) error { return b.perClient(r, "endpoints", b.facts.Endpoints) }
		},
		take: func(dst, src *model.Facts, _ string) { dst.Endpoints = src.Endpoints },
	},
	{
		Name: model.QueryTickets, Dated: true, Source: PSA, Windows: ticketWindows,
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
		decode: func(b *builder, window string) func(*Row) error {
			if b.facts.Tickets == nil {
				b.facts.Tickets = map[string]map[string]model.TicketCounts{}
			}
			into := map[string]model.TicketCounts{}
			b.facts.Tickets[window] = into
			return func(r *Row) error { return b.tickets(r, into) }
		},
		take: takeTickets,
	},
	{
		Name: model.QuerySurveys, Dated: true, Source: PSA,
		Windows:  func(p *model.Params) []model.Window { return []model.Window{p.Windows.CSAT} },
		Required: []string{"client_id", "responses", "positive"},
		DefaultSQL: `SELECT client_id,
       COUNT(*) AS responses,
       SUM(CASE WHEN score >= :positive_score THEN 1 ELSE 0 END) AS positive
FROM surveys
WHERE answered_at > :window_start AND answered_at <= :now
GROUP BY client_id
`,
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Surveys = map[string]model.SurveyCounts{}
			return b.survey
		},
		take: func(dst, src *model.Facts, _ string) { dst.Surveys = src.Surveys },
	},
	{
		Name: model.QueryReviews, Dated: true, Source: PSA,
		Required: []string{"client_id", "last_review_at"},
		DefaultSQL: `SELECT client_id, MAX(held_at) AS last_review_at
FROM reviews
WHERE held_at <= :today
GROUP BY client_id
`,
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Reviews = map[string]model.Date{}
			return b.review
		},
		take: func(dst, src *model.Facts, _ string) { dst.Reviews = src.Reviews },
	},
	{
		Name: model.QueryContacts, Source: PSA,
		Required: []string{"client_id", "renewal_contacts"},
		DefaultSQL: `SELECT client_id, COUNT(*) AS renewal_contacts
FROM contacts
WHERE is_renewal_contact = 1 AND active = 1
GROUP BY client_id
`,
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Contacts = map[string]int64{}
			return func(r *Row) error { return b.perClient(r, "renewal_contacts", b.facts.Contacts) }
		},
		take: func(dst, src *model.Facts, _ string) { dst.Contacts = src.Contacts },
	},
	{
		Name: model.QueryAssessments, Dated: true, Source: PSA,
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
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Assessments = map[string]model.Assessment{}
			return b.assessment
		},
		take: func(dst, src *model.Facts, _ string) { dst.Assessments = src.Assessments },
	},
	{
		Name: model.QueryInvoices, Dated: true, Source: Billing, Backbone: true,
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
		decode: func(b *builder, _ string) func(*Row) error {
			b.facts.Overdue = map[string][]model.Overdue{}
			return b.invoice
		},
		take: func(dst, src *model.Facts, _ string) { dst.Overdue = src.Overdue },
	},
}

// Get returns a fact by name.
func Get(name string) (Fact, bool) {
	i := slices.IndexFunc(All, func(f Fact) bool { return f.Name == name })
	if i < 0 {
		return Fact{}, false
	}
	return All[i], true
}

// ticketWindows are the distinct windows the tickets query runs for: the
// ticket windows plus the utilization and SLA windows.
func ticketWindows(p *model.Params) []model.Window {
	ws := slices.Clone(p.Windows.Tickets)
	for _, w := range []model.Window{p.Windows.Utilization, p.Windows.SLA} {
		if !slices.ContainsFunc(ws, func(x model.Window) bool { return x.Label == w.Label }) {
			ws = append(ws, w)
		}
	}
	return ws
}

// takeTickets takes one window of the tickets, copying the map: it may
// be shared with the facts of another refresh.
func takeTickets(dst, src *model.Facts, window string) {
	tickets := maps.Clone(dst.Tickets)
	if counts, ok := src.Tickets[window]; ok {
		if tickets == nil {
			tickets = map[string]map[string]model.TicketCounts{}
		}
		tickets[window] = counts
	} else {
		delete(tickets, window)
	}
	dst.Tickets = tickets
}

// Keep puts back one query's facts (one window of a windowed one) from
// old, an earlier read whose rows still count.
func Keep(f *model.Facts, name, window string, old *model.Facts) { mustGet(name).take(f, old, window) }

// Drop removes one query's facts (one window of a windowed one): it
// failed, and nothing of it counts.
func Drop(f *model.Facts, name, window string) { mustGet(name).take(f, &model.Facts{}, window) }

// Usable reports whether anything can be computed from a source's
// facts: its backbone fact is there.
func Usable(source string, f *model.Facts) bool {
	for _, x := range All {
		if x.Source == source && x.Backbone {
			// The backbone's input alone, compared with no input.
			probe := &model.Facts{}
			x.take(probe, f, "")
			return !reflect.DeepEqual(probe, &model.Facts{})
		}
	}
	return false
}

func mustGet(name string) Fact {
	f, ok := Get(name)
	if !ok {
		panic("fact: no fact " + name)
	}
	return f
}

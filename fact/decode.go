package fact

import (
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// builder decodes fact rows into facts. Each decode function handles one
// row; an error of type *InvalidRow skips the row.
type builder struct {
	facts *model.Facts
	// clients holds every client id of the clients fact: rows of other
	// facts naming another client are skipped.
	clients map[string]bool
	seen    map[string]bool // keys already decoded by the current query run
}

func (b *builder) knownClient(r *Row) (string, error) {
	id, err := r.key("client_id")
	if err != nil {
		return "", err
	}
	if b.clients != nil && !b.clients[id] {
		return "", invalid(ReasonUnknownClient, "client_id %q is not in the clients fact", id)
	}
	return id, nil
}

// once rejects a second row with the same key in one query run.
func (b *builder) once(key string) error {
	if b.seen[key] {
		return invalid(ReasonDuplicateID, "%q appears more than once", key)
	}
	b.seen[key] = true
	return nil
}

// Decoder decodes the rows of a source's queries into its facts.
type Decoder struct{ b builder }

// NewDecoder starts the facts of a read of a source at now.
func NewDecoder(now time.Time) *Decoder {
	return &Decoder{builder{facts: &model.Facts{Now: now}}}
}

// Facts are the facts decoded so far.
func (d *Decoder) Facts() *model.Facts { return d.b.facts }

// Start prepares a run of a fact query for one window and returns its
// row decoder. A row it skips returns an *InvalidRow error.
func (d *Decoder) Start(name, window string) func(*Row) error {
	d.b.seen = map[string]bool{}
	return mustGet(name).decode(&d.b, window)
}

// Drop removes what a failed run of a fact query decoded: it is absent.
func (d *Decoder) Drop(name, window string) {
	Drop(d.b.facts, name, window)
	if name == model.QueryClients {
		d.b.clients = nil
	}
}

func (b *builder) client(r *Row) error {
	id, err := r.key("client_id")
	if err != nil {
		return err
	}
	c := model.Client{ID: id}
	if c.Name, _, err = r.text("name"); err != nil {
		return err
	}
	if c.CustomerSince, err = r.reqDate("customer_since"); err != nil {
		return err
	}
	if c.Segment, _, err = r.text("segment"); err != nil {
		return err
	}
	if c.AccountManager, _, err = r.text("account_manager"); err != nil {
		return err
	}
	if c.ChurnedAt, err = r.date("churned_at"); err != nil {
		return err
	}
	if c.ChurnReason, err = r.optText("churn_reason"); err != nil {
		return err
	}
	if c.ChurnedAt != nil && *c.ChurnedAt < c.CustomerSince {
		return invalid(ReasonEndBeforeStart, "client %q churned %s before becoming a customer %s", id, c.ChurnedAt, c.CustomerSince)
	}
	if err := b.once(id); err != nil {
		return err
	}
	b.clients[id] = true
	b.facts.Clients = append(b.facts.Clients, c)
	return nil
}

func (b *builder) contract(r *Row) error {
	id, err := r.key("contract_id")
	if err != nil {
		return err
	}
	k := model.Contract{ID: id}
	if k.ClientID, err = b.knownClient(r); err != nil {
		return err
	}
	if k.Name, _, err = r.text("name"); err != nil {
		return err
	}
	if k.Type, err = r.optText("contract_type"); err != nil {
		return err
	}
	if k.StartDate, err = r.reqDate("start_date"); err != nil {
		return err
	}
	if k.EndDate, err = r.date("end_date"); err != nil {
		return err
	}
	if k.AutoRenew, err = r.bool("auto_renew"); err != nil {
		return err
	}
	var priced bool
	if k.MonthlyValue, priced, err = r.float("monthly_value"); err != nil {
		return err
	}
	k.NoValue = !priced
	if k.Currency, _, err = r.text("currency"); err != nil {
		return err
	}
	if k.CancelledAt, err = r.date("cancelled_at"); err != nil {
		return err
	}
	if k.RenewalNoticeSentAt, err = r.date("renewal_notice_sent_at"); err != nil {
		return err
	}
	if k.EndDate != nil && *k.EndDate < k.StartDate {
		return invalid(ReasonEndBeforeStart, "contract %q ends %s before it starts %s", id, k.EndDate, k.StartDate)
	}
	if err := b.once(id); err != nil {
		return err
	}
	b.facts.Contracts = append(b.facts.Contracts, k)
	return nil
}

// perClient decodes a fact of one count per client.
func (b *builder) perClient(r *Row, col string, into map[string]int64) error {
	id, err := b.knownClient(r)
	if err != nil {
		return err
	}
	n, err := r.count(col)
	if err != nil {
		return err
	}
	if err := b.once(id); err != nil {
		return err
	}
	into[id] = n
	return nil
}

func (b *builder) tickets(r *Row, into map[string]model.TicketCounts) error {
	id, err := b.knownClient(r)
	if err != nil {
		return err
	}
	var t model.TicketCounts
	if t.Tickets, err = r.count("tickets"); err != nil {
		return err
	}
	if t.SLATickets, err = r.optCount("sla_tickets"); err != nil {
		return err
	}
	if t.SLABreached, err = r.optCount("sla_breached"); err != nil {
		return err
	}
	if t.SLATickets != nil && t.SLABreached != nil && *t.SLABreached > *t.SLATickets {
		return invalid(ReasonCountExceedsTotal, "client %q: %d SLA breaches of %d SLA tickets", id, *t.SLABreached, *t.SLATickets)
	}
	if err := b.once(id); err != nil {
		return err
	}
	into[id] = t
	return nil
}

func (b *builder) survey(r *Row) error {
	id, err := b.knownClient(r)
	if err != nil {
		return err
	}
	var s model.SurveyCounts
	if s.Responses, err = r.count("responses"); err != nil {
		return err
	}
	if s.Positive, err = r.count("positive"); err != nil {
		return err
	}
	if s.Positive > s.Responses {
		return invalid(ReasonCountExceedsTotal, "client %q: %d positive of %d responses", id, s.Positive, s.Responses)
	}
	if err := b.once(id); err != nil {
		return err
	}
	b.facts.Surveys[id] = s
	return nil
}

func (b *builder) review(r *Row) error {
	id, err := b.knownClient(r)
	if err != nil {
		return err
	}
	d, err := r.date("last_review_at")
	if err != nil || d == nil {
		return err
	}
	if err := b.once(id); err != nil {
		return err
	}
	b.facts.Reviews[id] = *d
	return nil
}

func (b *builder) assessment(r *Row) error {
	id, err := b.knownClient(r)
	if err != nil {
		return err
	}
	var a model.Assessment
	if a.Total, err = r.count("standards_total"); err != nil {
		return err
	}
	if a.Met, err = r.count("standards_met"); err != nil {
		return err
	}
	if a.AssessedAt, err = r.date("assessed_at"); err != nil {
		return err
	}
	if a.Met > a.Total {
		return invalid(ReasonCountExceedsTotal, "client %q: %d standards met of %d", id, a.Met, a.Total)
	}
	if err := b.once(id); err != nil {
		return err
	}
	b.facts.Assessments[id] = a
	return nil
}

func (b *builder) invoice(r *Row) error {
	id, err := r.key("client_id")
	if err != nil {
		return err
	}
	o := model.Overdue{}
	if o.Currency, _, err = r.text("currency"); err != nil {
		return err
	}
	if o.Invoices, err = r.count("overdue_invoices"); err != nil {
		return err
	}
	amount, ok, err := r.float("overdue_amount")
	if err != nil {
		return err
	}
	if ok {
		o.Amount = &amount
	}
	if o.OldestDue, err = r.date("oldest_due_at"); err != nil {
		return err
	}
	if err := b.once(id + "\x00" + o.Currency); err != nil {
		return err
	}
	b.facts.Overdue[id] = append(b.facts.Overdue[id], o)
	return nil
}

package model

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Compute derives every retention value from the facts. psa nil means no
// PSA data (nothing per client can be computed); billing nil with billing
// configured means billing data is unavailable.
func Compute(p *Params, psa, billing *Facts) *Result {
	if psa == nil {
		return &Result{}
	}
	c := newComputation(p, psa, billing)
	res := &Result{}
	today := c.mrrOn(c.today)
	for _, i := range c.sortedClients() {
		cl := c.psa.Clients[i]
		if !cl.activeAt(c.today) {
			continue
		}
		res.Clients = append(res.Clients, c.client(cl, today[i]))
		if psa.Contracts != nil {
			res.Contracts = append(res.Contracts, c.contracts(cl)...)
		}
	}
	res.Portfolio = c.portfolio()
	res.Risk = p.Risk
	return res
}

type computation struct {
	p       *Params
	psa     *Facts
	billing *Facts
	today   Date
	byID    map[string][]Contract
	// mrr caches mrrOn: today's MRR and that at each window's start are
	// read by the client values, the portfolio, revenue and movements.
	mrr map[Date][]map[string]float64
}

func newComputation(p *Params, psa, billing *Facts) *computation {
	c := &computation{p: p, psa: psa, billing: billing, today: DateOf(psa.Now.In(p.Location)),
		mrr: map[Date][]map[string]float64{}}
	c.indexContracts()
	return c
}

func (c *computation) indexContracts() {
	c.byID = map[string][]Contract{}
	for _, k := range c.psa.Contracts {
		c.byID[k.ClientID] = append(c.byID[k.ClientID], k)
	}
	for id := range c.byID {
		slices.SortFunc(c.byID[id], func(a, b Contract) int { return cmp.Compare(a.ID, b.ID) })
	}
}

// sortedClients lists the positions of the clients in order of their ids.
func (c *computation) sortedClients() []int {
	order := make([]int, len(c.psa.Clients))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(c.psa.Clients[i].ID, c.psa.Clients[j].ID) })
	return order
}

func (c *computation) timestamp(d Date) float64 {
	return float64(d.Midnight(c.p.Location).Unix())
}

// activeAt: customer_since <= d and (churned_at is NULL or churned_at > d).
func (cl Client) activeAt(d Date) bool {
	return cl.CustomerSince <= d && (cl.ChurnedAt == nil || *cl.ChurnedAt > d)
}

// InForceAt: start_date <= d, not cancelled by d, not ended before d.
func (k Contract) InForceAt(d Date) bool {
	return k.StartDate <= d &&
		(k.CancelledAt == nil || *k.CancelledAt > d) &&
		(k.EndDate == nil || *k.EndDate >= d)
}

func sameType(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// lapsed: not cancelled, ended within the lapse window before today, and
// not superseded by a later contract of the same type in force today.
func (c *computation) lapsed(k Contract) bool {
	if k.CancelledAt != nil || k.EndDate == nil {
		return false
	}
	end := *k.EndDate
	if end >= c.today || end < c.today.AddDays(-c.p.Windows.Lapsed.Days()) {
		return false
	}
	for _, o := range c.byID[k.ClientID] {
		if o.ID != k.ID && sameType(o.Type, k.Type) && o.InForceAt(c.today) && o.StartDate > k.StartDate {
			return false
		}
	}
	return true
}

// mrrOn is every client's MRR at d, by their position in the facts,
// computed once per date: today's and that at each window's start are
// read by the client values, the portfolio, revenue and movements.
func (c *computation) mrrOn(d Date) []map[string]float64 {
	if all, ok := c.mrr[d]; ok {
		return all
	}
	all := make([]map[string]float64, len(c.psa.Clients))
	for i, cl := range c.psa.Clients {
		all[i] = c.mrrAt(cl, d)
	}
	c.mrr[d] = all
	return all
}

// mrrAt is a client's contracted monthly revenue per currency at d; nil
// when there is none.
func (c *computation) mrrAt(cl Client, d Date) map[string]float64 {
	if !cl.activeAt(d) {
		return nil
	}
	var m map[string]float64
	for _, k := range c.byID[cl.ID] {
		if k.InForceAt(d) && !k.NoValue {
			if m == nil {
				m = map[string]float64{}
			}
			m[k.Currency] += k.MonthlyValue
		}
	}
	return m
}

// lastReview is a client's latest review held on or before today. A
// review dated after today, which a query not bound to :today may return,
// has not happened yet and is ignored: the query returns only the latest
// review, so an earlier one cannot stand in for it.
func (c *computation) lastReview(cl Client) (Date, bool) {
	d, ok := c.psa.Reviews[cl.ID]
	if !ok || d > c.today {
		return 0, false
	}
	return d, true
}

// lastAssessment is a client's latest assessment made on or before
// today. One dated after today, which a query not bound to :today may
// return, has not been made yet and is ignored like a future review: the
// query returns only the latest assessment, so an earlier one cannot
// stand in for it. An assessment without a date counts.
func (c *computation) lastAssessment(cl Client) (Assessment, bool) {
	a, ok := c.psa.Assessments[cl.ID]
	if !ok || (a.AssessedAt != nil && *a.AssessedAt > c.today) {
		return Assessment{}, false
	}
	return a, true
}

// noticeSent: a renewal notice counts for the current term once sent,
// start_date <= renewal_notice_sent_at <= today.
func (c *computation) noticeSent(k Contract) bool {
	n := k.RenewalNoticeSentAt
	return n != nil && *n >= k.StartDate && *n <= c.today
}

func (c *computation) client(cl Client, mrr map[string]float64) ClientResult {
	r := ClientResult{
		ID: cl.ID, Name: cl.Name, Segment: cl.Segment, AccountManager: cl.AccountManager,
		StartTimestamp:           c.timestamp(cl.CustomerSince),
		NextAnniversaryTimestamp: c.timestamp(cl.CustomerSince.NextAnniversary(c.today)),
	}
	psa := c.psa
	if psa.Endpoints != nil {
		r.Endpoints = ptr(float64(psa.Endpoints[cl.ID]))
	}
	for _, w := range c.p.Windows.Tickets {
		if counts, ok := psa.Tickets[w.Label]; ok {
			r.Tickets = append(r.Tickets, WindowValue{Window: w.Label, Value: float64(counts[cl.ID].Tickets)})
		}
	}
	if util, ok := psa.Tickets[c.p.Windows.Utilization.Label]; ok && r.Endpoints != nil && *r.Endpoints > 0 {
		r.Utilization = ptr(float64(util[cl.ID].Tickets) / *r.Endpoints)
	}
	if sla, ok := psa.Tickets[c.p.Windows.SLA.Label]; ok {
		t := sla[cl.ID]
		if t.SLATickets != nil && *t.SLATickets > 0 && t.SLABreached != nil {
			r.SLACompliance = ptr(float64(*t.SLATickets-*t.SLABreached) / float64(*t.SLATickets))
			r.SLATickets = ptr(float64(*t.SLATickets))
		}
	}
	if s, ok := psa.Surveys[cl.ID]; ok && s.Responses > 0 {
		r.CSAT = ptr(float64(s.Positive) / float64(s.Responses))
		r.CSATResponses = ptr(float64(s.Responses))
	}
	if a, ok := c.lastAssessment(cl); ok && a.Total > 0 {
		r.BestPractice = ptr(float64(a.Met) / float64(a.Total))
	}
	if d, ok := c.lastReview(cl); ok {
		r.LastReviewTimestamp = ptr(c.timestamp(d))
	}
	if psa.Contacts != nil {
		r.RenewalContacts = ptr(float64(psa.Contacts[cl.ID]))
	}
	oldest := c.billingValues(cl, &r)
	for _, cur := range sortedKeys(mrr) {
		r.MRR = append(r.MRR, CurrencyValue{Currency: cur, Value: mrr[cur]})
	}
	c.health(cl, &r, oldest)
	c.risk(&r)
	return r
}

// billingValues sets the overdue values and returns the oldest overdue
// due date, nil when there is none or billing is unavailable. A row whose
// oldest due date is not before billing's today has no invoice overdue
// then (overdue means due_at < today) and is ignored.
func (c *computation) billingValues(cl Client, r *ClientResult) *Date {
	if !c.billingAvailable() {
		return nil
	}
	billingToday := c.billingToday()
	var n int64
	var oldest *Date
	for _, o := range c.billing.Overdue[cl.ID] {
		if o.OldestDue != nil && *o.OldestDue >= billingToday {
			continue
		}
		n += o.Invoices
		if o.Amount != nil && o.Invoices > 0 {
			r.OverdueAmount = append(r.OverdueAmount, CurrencyValue{Currency: o.Currency, Value: *o.Amount})
		}
		if o.OldestDue != nil && o.Invoices > 0 && (oldest == nil || *o.OldestDue < *oldest) {
			oldest = o.OldestDue
		}
	}
	slices.SortFunc(r.OverdueAmount, func(a, b CurrencyValue) int { return cmp.Compare(a.Currency, b.Currency) })
	r.OverdueInvoices = ptr(float64(n))
	if oldest != nil {
		r.OldestOverdueTimestamp = ptr(c.timestamp(*oldest))
	}
	return oldest
}

func (c *computation) billingAvailable() bool {
	return c.p.Billing && c.billing != nil && c.billing.Overdue != nil
}

// billingToday is the calendar date of billing's refresh, the today its
// overdue invoices are as of.
func (c *computation) billingToday() Date {
	return DateOf(c.billing.Now.In(c.p.Location))
}

func (c *computation) contracts(cl Client) []ContractResult {
	var out []ContractResult
	for _, k := range c.byID[cl.ID] {
		inForce := k.InForceAt(c.today)
		dated := (inForce && k.EndDate != nil) || c.lapsed(k)
		if !dated && !(inForce && k.EndDate == nil) {
			continue
		}
		r := ContractResult{
			ID: k.ID, Name: k.Name, ClientID: cl.ID, ClientName: cl.Name,
			AutoRenew: k.AutoRenew, Currency: k.Currency,
		}
		if !k.NoValue {
			r.MonthlyValue = ptr(k.MonthlyValue)
		}
		if k.Type != nil {
			r.Type = *k.Type
		}
		if dated {
			r.DaysToRenewal = ptr(float64(*k.EndDate - c.today))
			r.EndTimestamp = ptr(c.timestamp(*k.EndDate))
			sent := 0.0
			if c.noticeSent(k) {
				sent = 1
			}
			r.RenewalNoticeSent = ptr(sent)
		}
		if inForce && k.CancelledAt != nil && *k.CancelledAt > c.today {
			r.CancelTimestamp = ptr(c.timestamp(*k.CancelledAt))
		}
		out = append(out, r)
	}
	return out
}

// UtilizationScore maps u = utilization / target to 0–100.
func UtilizationScore(u float64) float64 {
	switch {
	case u <= 1:
		return 100
	case u < 3:
		return 100 - 50*(u-1)
	default:
		return 0
	}
}

// EngagementScore maps days since the last review to 0–100 for cadence c.
func EngagementScore(days, cadence int) float64 {
	d, c := float64(days), float64(cadence)
	switch {
	case d <= c:
		return 100
	case d < 2*c:
		return 100 * (1 - (d-c)/c)
	default:
		return 0
	}
}

// BillingScore maps days since the oldest overdue due date to 0–100.
func BillingScore(days, limit int) float64 {
	return max(0, 100*(1-float64(days)/float64(limit)))
}

// ContactsScore maps the number of renewal contacts to 0–100.
func ContactsScore(n int64) float64 {
	switch {
	case n >= 2:
		return 100
	case n == 1:
		return 50
	default:
		return 0
	}
}

// NormalizeReason trims and lower-cases a churn reason; NULL and blank
// become "unknown".
func NormalizeReason(r *string) string {
	if r == nil {
		return "unknown"
	}
	s := strings.ToLower(strings.TrimSpace(*r))
	if s == "" {
		return "unknown"
	}
	return s
}

func ptr(v float64) *float64 { return &v }

// tidy rounds a 0-100 score to nine decimals, so that binary fractions
// (0.6 / 0.2 = 2.9999999999999996) do not show as 2.8e-14 instead of 0.
func tidy(score float64) float64 { return math.Round(score*1e9) / 1e9 }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// Story is a scripted client whose situation the dashboards and alerts
// must show.
type Story struct {
	ID, Name, AccountManager string
}

// Stories are the scripted clients of every dataset.
type Stories struct {
	// AtRisk over-utilizes (3× the target), has falling CSAT, half its SLA
	// tickets breached, no review for 200 days, an invoice 30 days overdue,
	// and its contract renews in 45 days with no renewal notice sent. Its
	// health score is 27.5: critical.
	AtRisk Story
	// Lapsed's contract ended 25 days ago without a renewal: service
	// continues unsigned (days to renewal -25).
	Lapsed Story
	// Overdue is 50 days overdue on an invoice.
	Overdue Story
	// New became a customer 20 days ago and has had no review yet.
	New Story
	// Notice has announced its cancellation for 30 days from today.
	Notice Story
}

// All lists the stories.
func (s Stories) All() []Story { return []Story{s.AtRisk, s.Lapsed, s.Overdue, s.New, s.Notice} }

func (g *gen) storyRand(k int) *rand.Rand { return rand.New(rand.NewPCG(g.o.Seed, 1<<41+uint64(k))) }

// stories writes the scripted clients and reserves their names.
func (g *gen) stories() Stories {
	t := g.today
	am := func(k int) string { return g.ams[k%len(g.ams)] }
	mk := func(id, name, segment, amName, currency string, since model.Date, p profile, endpoints int) *client {
		g.names[name] = true
		return &client{id: id, name: name, segment: segment, am: amName, currency: currency,
			since: since, profile: p, mood: steady(p, since), endpoints: endpoints}
	}
	var s Stories

	// At risk: every input scripted.
	c := mk("CLS001", "Summit Dental Group", "mid-market", am(0), "USD", t.AddDays(-800), atRisk, 80)
	c.contracts = []contractRow{
		{id: "CLS001-M01", name: "Managed Services", kind: "managed", start: c.since, end: datePtr(t.AddDays(-686)),
			value: 6200, sent: datePtr(t.AddDays(-750))},
		{id: "CLS001-M02", name: "Managed Services renewal", kind: "managed", start: t.AddDays(-685), end: datePtr(t.AddDays(45)),
			value: 6500},
	}
	g.atRisk(c)
	s.AtRisk = Story{c.id, c.name, c.am}

	r := g.storyRand(2)
	c = mk("CLS002", "Brightline Logistics", "smb", am(1), "EUR", t.AddDays(-420), healthy, 20)
	c.contracts = []contractRow{{id: "CLS002-M01", name: "Managed Services", kind: "managed", start: c.since,
		end: datePtr(t.AddDays(-25)), value: 1800, sent: datePtr(t.AddDays(-100))}}
	g.write(r, c)
	s.Lapsed = Story{c.id, c.name, c.am}

	r = g.storyRand(3)
	c = mk("CLS003", "Cedar & Finch Accounting", "smb", am(2), "USD", t.AddDays(-700), healthy, 25)
	c.contracts = []contractRow{{id: "CLS003-M01", name: "Managed Services", kind: "managed", start: c.since,
		end: datePtr(t.AddDays(200)), value: 2400, autoRenew: true}}
	g.row(g.psa, "clients", c.id, c.name, c.segment, c.am, c.since, nil, nil)
	g.writeContracts(c)
	g.endpointsOf(r, c)
	g.ticketsOf(r, c)
	g.reviewsOf(r, c)
	g.contactsOf(r, c)
	g.assessmentsOf(r, c)
	g.monthlyInvoices(c, 2400, t.AddDays(-50))
	s.Overdue = Story{c.id, c.name, c.am}

	r = g.storyRand(4)
	c = mk("CLS004", "Nova Robotics", "enterprise", am(3), "USD", t.AddDays(-20), healthy, 150)
	c.contracts = []contractRow{{id: "CLS004-M01", name: "Managed Services", kind: "managed", start: c.since,
		end: datePtr(t.AddDays(1075)), value: 24000}}
	g.row(g.psa, "clients", c.id, c.name, c.segment, c.am, c.since, nil, nil)
	g.writeContracts(c)
	g.endpointsOf(r, c)
	g.ticketsOf(r, c)
	g.contactsOf(r, c)
	g.invoicesOf(r, c)
	s.New = Story{c.id, c.name, c.am}

	r = g.storyRand(5)
	c = mk("CLS005", "Harborview Clinic", "smb", am(4), "GBP", t.AddDays(-1200), watch, 18)
	c.contracts = []contractRow{{id: "CLS005-M01", name: "Managed Services", kind: "managed", start: c.since,
		end: datePtr(t.AddDays(300)), value: 1500, cancel: datePtr(t.AddDays(30))}}
	g.write(r, c)
	s.Notice = Story{c.id, c.name, c.am}
	return s
}

func (g *gen) writeContracts(c *client) {
	for _, k := range c.contracts {
		g.row(g.psa, "contracts", k.id, c.id, k.name, k.kind, k.start, k.end, k.autoRenew,
			Money(k.value), c.currency, k.cancel, k.sent)
	}
}

// monthlyInvoices bills amount every 30 days back from today, all paid
// on time but one that falls due on overdueDue and stays unpaid.
func (g *gen) monthlyInvoices(c *client, amount float64, overdueDue model.Date) {
	n := 0
	for due := overdueDue; due.AddDays(-30) >= g.historyStart(c); due = due.AddDays(-30) {
		n++
		var paid *model.Date
		if due != overdueDue {
			paid = datePtr(due.AddDays(-3))
		}
		g.row(g.billing, "invoices", fmt.Sprintf("INV-%s-%03d", c.id, n), c.id, due.AddDays(-30), due,
			Money(amount), c.currency, paid, false)
	}
}

// atRisk writes the at-risk story's activity, every number chosen.
func (g *gen) atRisk(c *client) {
	t, now := g.today, g.now
	g.row(g.psa, "clients", c.id, c.name, c.segment, c.am, c.since, nil, nil)
	g.writeContracts(c)
	for i := range c.endpoints {
		g.row(g.psa, "endpoints", fmt.Sprintf("%s-E%05d", c.id, i+1), c.id, "workstation", c.since.AddDays(10), nil)
	}
	n := 0
	ticket := func(created time.Time, breached any) string {
		n++
		id := fmt.Sprintf("%s-T%06d", c.id, n)
		closed := created.Add(4 * time.Hour)
		var closedAt any = closed
		if !closed.Before(now) {
			closedAt = nil
		}
		g.row(g.psa, "tickets", id, c.id, created, closedAt, "normal", breached)
		return id
	}
	// Before the last 90 days: 0.15 tickets per endpoint per 30 days,
	// SLA met, happy surveys.
	start := c.since.AddDays(10).Midnight(time.UTC)
	old := now.Add(-91 * 24 * time.Hour)
	step := time.Duration(float64(30*24*time.Hour) / (0.15 * float64(c.endpoints)))
	k := 0
	for at := start; at.Before(old); at = at.Add(step) {
		id := ticket(at, false)
		if k++; k%10 == 0 {
			g.row(g.psa, "surveys", id+"-S", c.id, id, at.Add(6*time.Hour), 4+k%2)
		}
	}
	// Days 30-90: 22 tickets, then the last 30 days: 48 (0.6 per
	// endpoint: three times the target). Every other one breaches its SLA.
	var recent []string
	for i := range 22 {
		ticket(now.Add(-31*24*time.Hour-time.Duration(i)*58*24*time.Hour/22), i%2 == 0)
	}
	for i := range 48 {
		recent = append(recent, ticket(now.Add(-time.Hour-time.Duration(i)*29*24*time.Hour/48), i%2 == 1))
	}
	// Ten recent surveys, two positive.
	for i, score := range []int{5, 4, 2, 1, 1, 2, 1, 2, 3, 1} {
		created := now.Add(-time.Hour - time.Duration(i+5)*29*24*time.Hour/48)
		g.row(g.psa, "surveys", recent[i+5]+"-S", c.id, recent[i+5], created.Add(5*time.Hour), score)
	}
	for i, d := range []int{-500, -410, -320, -200} {
		g.row(g.psa, "reviews", fmt.Sprintf("%s-R%03d", c.id, i+1), c.id, t.AddDays(d), "QBR")
	}
	g.row(g.psa, "contacts", c.id+"-P01", c.id, "Dana Whitfield", true, true)
	g.row(g.psa, "contacts", c.id+"-P02", c.id, "Rob Castillo", true, false)
	g.row(g.psa, "contacts", c.id+"-P03", c.id, "Mia Chen", false, true)
	g.row(g.psa, "assessments", c.id+"-A01", c.id, t.AddDays(-400), 60, 40)
	g.row(g.psa, "assessments", c.id+"-A02", c.id, t.AddDays(-150), 60, 27)
	g.monthlyInvoices(c, 6500, t.AddDays(-30))
}

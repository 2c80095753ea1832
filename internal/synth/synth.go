// Package synth generates a believable managed service provider: clients
// onboarding and churning over three years, contracts renewed by
// successors, endpoints, tickets, CSAT, reviews, contacts, assessments
// and invoices — for the reference schema, deterministic for a seed and
// a point in time, at any size. A few scripted stories (Stories) give the
// dashboards and alerts something definite to show.
package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// Options size and pin a dataset.
type Options struct {
	// Clients is the number of clients active today (at least 10); about
	// 45% more churned ones make the history.
	Clients int
	Seed    uint64
	// Now is the point in time the data is relative to (UTC); its date is
	// today. Tickets and surveys end before it.
	Now time.Time
}

// Summary says what was generated.
type Summary struct {
	Rows    map[string]int
	Stories Stories
}

const historyDays = 3 * 365

type profile int

const (
	healthy profile = iota
	watch
	atRisk
)

var segments = []weighted[string]{{"smb", 60}, {"mid-market", 30}, {"enterprise", 10}}

type gen struct {
	o       Options
	now     time.Time
	today   model.Date
	psa     Sink
	billing Sink
	rows    map[string]int
	names   names
	ams     []string
	err     error
}

func (g *gen) row(s Sink, table string, values ...any) {
	if g.err != nil {
		return
	}
	g.rows[table]++
	g.err = s.Row(table, values...)
}

// Generate writes a dataset to the psa and billing sinks.
func Generate(o Options, psa, billing Sink) (*Summary, error) {
	if o.Clients < 10 {
		return nil, errors.New("synth: at least 10 clients")
	}
	if o.Now.IsZero() {
		return nil, errors.New("synth: Now is required")
	}
	now := o.Now.UTC().Truncate(time.Second)
	g := &gen{o: o, now: now, today: model.DateOf(now), psa: psa, billing: billing,
		rows: map[string]int{}, names: names{}, ams: accountManagers(o.Clients, o.Seed)}
	stories := g.stories()
	regular := o.Clients - len(stories.All())
	churned := int(math.Round(0.45 * float64(o.Clients)))
	for i := range regular + churned {
		r := rand.New(rand.NewPCG(o.Seed, uint64(i)))
		g.client(r, fmt.Sprintf("CL%06d", i+1), i >= regular)
		if g.err != nil {
			return nil, g.err
		}
	}
	return &Summary{Rows: g.rows, Stories: stories}, g.err
}

// client is everything the generator knows of one client while writing it.
type client struct {
	id, name, segment, am, currency string
	since                           model.Date
	churned                         *model.Date
	reason                          *string
	profile                         profile
	mood                            mood
	endpoints                       int
	contracts                       []contractRow
}

type contractRow struct {
	id, name, kind    string
	start             model.Date
	end, cancel, sent *model.Date
	autoRenew         bool
	value             float64
}

func datePtr(d model.Date) *model.Date { return &d }

func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

func (g *gen) client(r *rand.Rand, id string, churned bool) {
	c := &client{id: id, segment: pick(r, segments), am: g.ams[r.IntN(len(g.ams))]}
	c.name = g.names.company(r)
	c.currency = pick(r, []weighted[string]{{"USD", 70}, {"EUR", 20}, {"GBP", 10}})
	if churned {
		end := g.today.AddDays(-between(r, 1, historyDays))
		c.churned = &end
		c.since = end.AddDays(-between(r, 120, 5*365))
		if r.IntN(10) > 0 {
			reason := pick(r, churnReasons)
			c.reason = &reason
		}
	} else {
		c.since = g.today.AddDays(-between(r, 7, 6*365))
	}
	g.moodOf(r, c)
	switch c.segment {
	case "smb":
		c.endpoints = between(r, 5, 30)
	case "mid-market":
		c.endpoints = between(r, 30, 120)
	default:
		c.endpoints = between(r, 120, 400)
	}
	g.contractsOf(r, c)
	g.write(r, c)
}

// contractsOf builds the managed-services chain backwards from its last
// term, plus add-ons.
func (g *gen) contractsOf(r *rand.Rand, c *client) {
	var base float64
	switch c.segment {
	case "smb":
		base = float64(between(r, 500, 3000))
	case "mid-market":
		base = float64(between(r, 3000, 12000))
	default:
		base = float64(between(r, 12000, 60000))
	}
	autoRenew := r.IntN(10) < 3
	termMonths := []int{12, 24, 36}[r.IntN(3)]
	var last model.Date
	notice := false
	switch {
	case c.churned != nil:
		last = c.churned.AddDays(between(r, 0, 300))
	case r.IntN(100) < 12:
		// Evergreen managed services.
		c.contracts = append(c.contracts, contractRow{id: c.id + "-M01", name: "Managed Services", kind: "managed",
			start: c.since, autoRenew: autoRenew, value: base})
		g.addOns(r, c, base)
		return
	case r.IntN(100) < 3 && c.since < g.today.AddDays(-120):
		// Lapsed: the last term ended without a successor. Only clients
		// older than the lapse window can have lapsed.
		last = g.today.AddDays(-between(r, 5, 85))
	default:
		notice = r.IntN(100) < 2
		last = g.today.AddDays(between(r, 1, termMonths*30))
	}
	// Terms ending at last, going back to customer_since.
	var terms []contractRow
	end := last
	value := base
	for {
		start := end.AddDays(-termMonths*365/12 + 1)
		if start <= c.since || len(terms) > 20 {
			start = c.since
		}
		terms = append(terms, contractRow{kind: "managed", start: start, end: datePtr(end), autoRenew: autoRenew, value: math.Round(value)})
		if start == c.since {
			break
		}
		end = start.AddDays(-1)
		value /= 1 + float64(between(r, 2, 8))/100
	}
	for i := range terms {
		k := &terms[len(terms)-1-i]
		y, _, _ := k.start.YMD()
		k.id = fmt.Sprintf("%s-M%02d", c.id, i+1)
		k.name = fmt.Sprintf("Managed Services %d", y)
		// A renewal notice goes out 60-100 days before the end, when that
		// day has come, most of the time.
		sentOn := k.end.AddDays(-between(r, 60, 100))
		p := map[profile]int{healthy: 90, watch: 70, atRisk: 50}[c.profile]
		if sentOn <= g.today && sentOn >= k.start && r.IntN(100) < p {
			k.sent = datePtr(sentOn)
		}
		c.contracts = append(c.contracts, *k)
	}
	cur := &c.contracts[len(c.contracts)-1]
	if c.churned != nil {
		cur.cancel = datePtr(*c.churned)
	}
	if notice {
		cur.cancel = datePtr(g.today.AddDays(between(r, 10, 80)))
	}
	g.addOns(r, c, base)
}

func (g *gen) addOns(r *rand.Rand, c *client, base float64) {
	if r.IntN(2) == 0 {
		g.addOn(c, contractRow{id: c.id + "-B01", name: "Cloud Backup", kind: "backup",
			start: c.since.AddDays(between(r, 0, 365)), value: math.Round(base * 0.08)})
	}
	if r.IntN(4) == 0 {
		g.addOn(c, contractRow{id: c.id + "-S01", name: "Security Suite", kind: "security",
			start: c.since.AddDays(between(r, 30, 700)), value: math.Round(base * 0.15)})
	}
}

// addOn adds an evergreen add-on that started before today and before the
// client left; it ends with the client.
func (g *gen) addOn(c *client, k contractRow) {
	if k.start > g.today || (c.churned != nil && k.start >= *c.churned) {
		return
	}
	if c.churned != nil {
		k.cancel = datePtr(*c.churned)
	}
	c.contracts = append(c.contracts, k)
}

// mrrOn is the client's contracted monthly revenue on d.
func (c *client) mrrOn(d model.Date) float64 {
	total := 0.0
	for _, k := range c.contracts {
		if k.start <= d && (k.cancel == nil || *k.cancel > d) && (k.end == nil || *k.end >= d) {
			total += k.value
		}
	}
	return total
}

// lastDay is the last day the client was served.
func (g *gen) lastDay(c *client) model.Date {
	if c.churned != nil {
		return c.churned.AddDays(-1)
	}
	return g.today
}

func (g *gen) historyStart(c *client) model.Date {
	return max(c.since, g.today.AddDays(-historyDays))
}

func (g *gen) write(r *rand.Rand, c *client) {
	g.row(g.psa, "clients", c.id, c.name, c.segment, c.am, c.since, c.churned, c.reason)
	for _, k := range c.contracts {
		g.row(g.psa, "contracts", k.id, c.id, k.name, k.kind, k.start, k.end, k.autoRenew,
			Money(k.value), c.currency, k.cancel, k.sent)
	}
	g.endpointsOf(r, c)
	g.ticketsOf(r, c)
	g.reviewsOf(r, c)
	g.contactsOf(r, c)
	g.assessmentsOf(r, c)
	g.invoicesOf(r, c)
}

var endpointKinds = []weighted[string]{{"workstation", 60}, {"laptop", 15}, {"server", 10}, {"network", 10}, {"mobile", 5}}

func (g *gen) endpointsOf(r *rand.Rand, c *client) {
	// Today's fleet, plus a share retired along the way.
	retiredShare := between(r, 5, 25)
	total := c.endpoints * (100 + retiredShare) / 100
	for i := range total {
		added := c.since.AddDays(between(r, 0, max(0, int(g.lastDay(c)-c.since))))
		if i < c.endpoints/2 {
			added = c.since
		}
		var retired *model.Date
		switch {
		case c.churned != nil:
			retired = datePtr(*c.churned)
		case i >= c.endpoints:
			retired = datePtr(added.AddDays(between(r, 1, max(1, int(g.today-added)))))
		}
		g.row(g.psa, "endpoints", fmt.Sprintf("%s-E%05d", c.id, i+1), c.id, pick(r, endpointKinds), added, retired)
	}
}

var priorities = []weighted[string]{{"low", 30}, {"normal", 50}, {"high", 15}, {"critical", 5}}

func (g *gen) ticketsOf(r *rand.Rand, c *client) {
	start := g.historyStart(c).Midnight(time.UTC)
	end := g.lastDay(c).AddDays(1).Midnight(time.UTC)
	if c.churned == nil {
		end = g.now.Add(-time.Hour)
	}
	span := end.Sub(start)
	if span <= 0 {
		return
	}
	// Tickets come month by month at the client's rate then.
	own := ownTicketRate(r)
	n := 0
	for from := start; from.Before(end); from = from.Add(month * 24 * time.Hour) {
		to := from.Add(month * 24 * time.Hour)
		if to.After(end) {
			to = end
		}
		chunk := to.Sub(from)
		u := c.mood.at(model.DateOf(from.Add(chunk / 2)))
		expected := float64(c.endpoints) * ticketRate(own, u) * chunk.Hours() / 24 / month
		for range int(expected + r.Float64()) {
			n++
			created := from.Add(time.Duration(r.Int64N(int64(chunk)))).Truncate(time.Second)
			g.ticket(r, c, fmt.Sprintf("%s-T%06d", c.id, n), created)
		}
	}
}

// ticket writes one ticket and, sometimes, its survey.
func (g *gen) ticket(r *rand.Rand, c *client, id string, created time.Time) {
	u := c.mood.at(model.DateOf(created))
	var closed *time.Time
	if t := created.Add(time.Duration(between(r, 30, 72*60)) * time.Minute); t.Before(g.now) {
		closed = &t
	}
	var breached any
	if r.IntN(100) < 85 {
		breached = r.IntN(1000) < breachPermille(u)
	}
	g.row(g.psa, "tickets", id, c.id, created, closed, pick(r, priorities), breached)
	if closed != nil && r.IntN(5) == 0 {
		answered := closed.Add(time.Duration(between(r, 60, 48*60)) * time.Minute)
		if answered.Before(g.now) {
			g.row(g.psa, "surveys", id+"-S", c.id, id, answered, surveyScore(r, u))
		}
	}
}

func (g *gen) reviewsOf(r *rand.Rand, c *client) {
	habit := reviewHabit(r)
	n := 0
	for q := g.historyStart(c); q <= g.lastDay(c); q = q.AddDays(91) {
		if r.Float64() >= reviewHeld(c.mood.at(q), habit) {
			continue
		}
		held := q.AddDays(between(r, 0, 80))
		if held > g.lastDay(c) {
			continue
		}
		n++
		kind := "QBR"
		if r.IntN(5) == 0 {
			kind = "Health check"
		}
		g.row(g.psa, "reviews", fmt.Sprintf("%s-R%03d", c.id, n), c.id, held, kind)
	}
}

func (g *gen) contactsOf(r *rand.Rand, c *client) {
	renewal := map[profile][]weighted[int]{
		healthy: {{2, 50}, {3, 30}, {1, 20}},
		watch:   {{1, 50}, {2, 40}, {0, 10}},
		atRisk:  {{0, 40}, {1, 50}, {2, 10}},
	}[c.profile]
	k := pick(r, renewal)
	n := max(k, between(r, 1, 6))
	for i := range n {
		active := c.churned == nil && r.IntN(10) > 0
		g.row(g.psa, "contacts", fmt.Sprintf("%s-P%02d", c.id, i+1), c.id, personName(r), i < k, active || (i < k && c.churned == nil))
	}
}

func (g *gen) assessmentsOf(r *rand.Rand, c *client) {
	if r.IntN(5) == 0 {
		return // never assessed
	}
	total := map[string]int{"smb": 40, "mid-market": 60, "enterprise": 80}[c.segment]
	own := ownStandards(r)
	n := 0
	for d := g.historyStart(c).AddDays(between(r, 10, 60)); d <= g.lastDay(c); d = d.AddDays(182) {
		n++
		met := int(standardsMet(r, own, c.mood.at(d)) * float64(total))
		g.row(g.psa, "assessments", fmt.Sprintf("%s-A%02d", c.id, n), c.id, d, total, met)
	}
}

func (g *gen) invoicesOf(r *rand.Rand, c *client) {
	y, m, _ := g.historyStart(c).YMD()
	slow := slowPayer(r)
	for n := 1; ; n++ {
		issued := model.NewDate(y, m, 1)
		m++
		if issued > g.lastDay(c) {
			return
		}
		amount := c.mrrOn(issued)
		if amount <= 0 {
			continue
		}
		due := issued.AddDays(30)
		u := c.mood.at(due)
		paid := datePtr(due.AddDays(-between(r, 0, 20)))
		if r.Float64() < lateShare(u, slow) {
			paid = datePtr(due.AddDays(between(r, 1, lateDays(u))))
		}
		if due < g.today && due >= g.today.AddDays(-120) && r.IntN(1000) < unpaidPermille(u) {
			paid = nil
		}
		if paid != nil && *paid > g.today {
			paid = nil // not paid yet
		}
		g.row(g.billing, "invoices", fmt.Sprintf("INV-%s-%03d", c.id, n), c.id, issued, due,
			Money(amount), c.currency, paid, r.IntN(100) == 0)
	}
}

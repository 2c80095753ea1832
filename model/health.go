package model

// Component is a health component: the value of the component label and
// the key of its weight. Code names components by the constants below,
// so a misspelt component does not compile.
type Component string

// The health components.
const (
	ComponentUtilization  Component = "utilization"
	ComponentSLA          Component = "sla"
	ComponentCSAT         Component = "csat"
	ComponentEngagement   Component = "engagement"
	ComponentBilling      Component = "billing"
	ComponentBestPractice Component = "best_practice"
	ComponentContacts     Component = "contacts"
)

// ComponentSpec is one health component: its name, default weight, the
// queries that feed it, what it scores, and its formula.
type ComponentSpec struct {
	Name          Component
	DefaultWeight float64
	// Queries feed the component: it is configured when all of them are
	// enabled, whether or not their data is available now.
	Queries []string
	// Description says what the component scores, for docs and panels.
	Description string
	// score is the component's 0–100 score for a client; ok is false
	// when the component has no input.
	score func(c *computation, in scoreInput) (score float64, ok bool)
}

// Components lists every health component in display order. To add
// one, add its entry here: the config, the collector, the dashboards
// and the rules take their lists from this table, and a test fails until
// the docs describe it (README, "Each kind of thing is one entry").
var Components = []ComponentSpec{
	{ComponentUtilization, 0.20, []string{QueryTickets, QueryEndpoints},
		"tickets per endpoint against the utilization target",
		func(c *computation, in scoreInput) (float64, bool) {
			if in.r.Utilization == nil {
				return 0, false
			}
			return UtilizationScore(*in.r.Utilization / in.profile.UtilizationTarget), true
		}},
	{ComponentSLA, 0.20, []string{QueryTickets},
		"share of SLA tickets that met their SLA",
		func(c *computation, in scoreInput) (float64, bool) { return percent(in.r.SLACompliance) }},
	{ComponentCSAT, 0.15, []string{QuerySurveys},
		"share of positive CSAT responses",
		func(c *computation, in scoreInput) (float64, bool) { return percent(in.r.CSAT) }},
	{ComponentEngagement, 0.15, []string{QueryReviews},
		"days since the last business review against the review cadence",
		func(c *computation, in scoreInput) (float64, bool) {
			if c.psa.Reviews == nil {
				return 0, false
			}
			last := in.client.CustomerSince
			if d, ok := c.lastReview(in.client); ok {
				last = d
			}
			return EngagementScore(int(c.today-last), in.profile.ReviewCadence.Days()), true
		}},
	{ComponentBilling, 0.15, []string{QueryInvoices},
		"days the oldest overdue invoice is overdue",
		func(c *computation, in scoreInput) (float64, bool) {
			switch {
			case in.r.OverdueInvoices == nil:
				return 0, false
			case *in.r.OverdueInvoices == 0:
				return 100, true
			case in.oldestOverdue == nil:
				return 0, false
			}
			return BillingScore(int(c.billingToday()-*in.oldestOverdue), c.p.OverdueLimit.Days()), true
		}},
	{ComponentBestPractice, 0.10, []string{QueryAssessments},
		"share of standards met in the latest assessment",
		func(c *computation, in scoreInput) (float64, bool) { return percent(in.r.BestPractice) }},
	{ComponentContacts, 0.05, []string{QueryContacts},
		"active renewal contacts (2 or more score 100)",
		func(c *computation, in scoreInput) (float64, bool) {
			if in.r.RenewalContacts == nil {
				return 0, false
			}
			return ContactsScore(int64(*in.r.RenewalContacts)), true
		}},
}

// scoreInput is what a component score reads besides the facts.
type scoreInput struct {
	client        Client
	r             *ClientResult
	profile       *Profile
	oldestOverdue *Date
}

func percent(ratio *float64) (float64, bool) {
	if ratio == nil {
		return 0, false
	}
	return 100 * *ratio, true
}

// health computes the component scores, their weighted mean and
// coverage with the profile of the client's segment.
func (c *computation) health(cl Client, r *ClientResult, oldestOverdue *Date) {
	p := c.p.ProfileFor(cl.Segment)
	in := scoreInput{client: cl, r: r, profile: p, oldestOverdue: oldestOverdue}
	var sum, present, configured float64
	for _, comp := range c.p.Components {
		w := p.Weights[comp.Name]
		configured += w
		switch comp.Name {
		case ComponentUtilization:
			r.UtilizationTarget = ptr(p.UtilizationTarget)
		case ComponentEngagement:
			r.ReviewCadenceSeconds = ptr(p.ReviewCadence.Duration.Seconds())
		}
		s, ok := comp.score(c, in)
		if !ok {
			continue
		}
		r.Components = append(r.Components, ComponentScore{Component: comp.Name, Score: tidy(s)})
		sum += w * s
		present += w
	}
	if present > 0 {
		r.Health = ptr(tidy(sum / present))
	}
	if configured > 0 {
		r.Coverage = ptr(present / configured)
	}
}

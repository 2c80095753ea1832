package model

import (
	"cmp"
	"slices"
)

type groupKey struct{ segment, currency, reason, window, movement, cohort, age string }

// groups accumulates portfolio values by label set.
type groups map[groupKey]float64

func (g groups) add(k groupKey, v float64) { g[k] += v }

func (g groups) sorted() []Group {
	out := make([]Group, 0, len(g))
	for k, v := range g {
		out = append(out, Group{Segment: k.segment, Currency: k.currency, Reason: k.reason, Window: k.window,
			Movement: k.movement, Cohort: k.cohort, Age: k.age, Value: v})
	}
	slices.SortFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.Segment, b.Segment), cmp.Compare(a.Window, b.Window),
			cmp.Compare(a.Cohort, b.Cohort), cmp.Compare(len(a.Age), len(b.Age)), cmp.Compare(a.Age, b.Age),
			cmp.Compare(a.Currency, b.Currency), cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Movement, b.Movement))
	})
	return out
}

func (c *computation) portfolio() Portfolio {
	var p Portfolio
	clients, mrr := groups{}, groups{}
	today := c.mrrOn(c.today)
	for i, cl := range c.psa.Clients {
		if !cl.activeAt(c.today) {
			continue
		}
		clients.add(groupKey{segment: cl.Segment}, 1)
		if c.psa.Contracts != nil {
			for cur, v := range today[i] {
				mrr.add(groupKey{segment: cl.Segment, currency: cur}, v)
			}
		}
	}
	p.Clients = clients.sorted()
	if c.psa.Contracts != nil {
		p.MRR = mrr.sorted()
	}
	p.ChurnCohort, p.Churned, p.ChurnedByReason = c.churn()
	if c.psa.Contracts != nil {
		p.RevenueCohort, p.RevenueRetained, p.RevenueCurrent = c.revenue()
		p.MRRMovement, p.MRRMovementClients = c.movements()
	}
	p.CohortClients, p.CohortRetained, p.CohortMRR = c.cohorts()
	if c.psa.Contracts == nil {
		p.CohortMRR = nil
	}
	return p
}

// churn counts, per window W, the clients active at today-W and those of
// them who churned in (today-W, today], by segment and by reason.
func (c *computation) churn() (cohort, churned, byReason []Group) {
	reasons := c.reasonLabels()
	co, ch, br := groups{}, groups{}, groups{}
	for _, w := range c.p.Windows.Churn {
		start := c.today.AddDays(-w.Days())
		for _, cl := range c.psa.Clients {
			if !cl.activeAt(start) {
				continue
			}
			co.add(groupKey{segment: cl.Segment, window: w.Label}, 1)
			ch.add(groupKey{segment: cl.Segment, window: w.Label}, 0)
			if churnedIn(cl, start, c.today) {
				ch.add(groupKey{segment: cl.Segment, window: w.Label}, 1)
				br.add(groupKey{segment: cl.Segment, window: w.Label, reason: reasons[NormalizeReason(cl.ChurnReason)]}, 1)
			}
		}
	}
	return co.sorted(), ch.sorted(), br.sorted()
}

func churnedIn(cl Client, start, end Date) bool {
	return cl.ChurnedAt != nil && *cl.ChurnedAt > start && *cl.ChurnedAt <= end
}

// reasonLabels maps each normalised reason of a client churned in any
// window to its label: itself for the most frequent ones, "other" beyond
// the limit. Ties go to the alphabetically first reason.
func (c *computation) reasonLabels() map[string]string {
	counts := map[string]int{}
	for _, cl := range c.psa.Clients {
		for _, w := range c.p.Windows.Churn {
			start := c.today.AddDays(-w.Days())
			if cl.activeAt(start) && churnedIn(cl, start, c.today) {
				counts[NormalizeReason(cl.ChurnReason)]++
				break
			}
		}
	}
	ranked := sortedKeys(counts)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Compare(counts[b], counts[a]) })
	labels := make(map[string]string, len(ranked))
	for i, r := range ranked {
		if i < c.p.ReasonsLimit {
			labels[r] = r
		} else {
			labels[r] = "other"
		}
	}
	return labels
}

// revenue sums, per window W, the MRR at today-W of the clients active
// then, and over the same clients min(MRR today, MRR then) and MRR today.
// Series exist only where the cohort's MRR is positive.
func (c *computation) revenue() (cohort, retained, current []Group) {
	co, re, cu := groups{}, groups{}, groups{}
	for _, w := range c.p.Windows.Revenue {
		start := c.today.AddDays(-w.Days())
		thens, nows := c.mrrOn(start), c.mrrOn(c.today)
		for i, cl := range c.psa.Clients {
			if !cl.activeAt(start) {
				continue
			}
			// The cohort is the (client, currency) pairs with MRR then:
			// MRR in a currency the client did not pay in then is new
			// business, not expansion.
			then, now := thens[i], nows[i]
			for cur, v := range then {
				if v <= 0 {
					continue
				}
				k := groupKey{segment: cl.Segment, currency: cur, window: w.Label}
				co.add(k, v)
				re.add(k, min(v, now[cur]))
				cu.add(k, now[cur])
			}
		}
	}
	for k, v := range co {
		if v <= 0 {
			delete(co, k)
		}
	}
	for k := range re {
		if _, ok := co[k]; !ok {
			delete(re, k)
		}
	}
	for k := range cu {
		if _, ok := co[k]; !ok {
			delete(cu, k)
		}
	}
	// A cohort currency with no MRR today still has numerators of 0.
	for k := range co {
		re.add(k, 0)
		cu.add(k, 0)
	}
	return co.sorted(), re.sorted(), cu.sorted()
}

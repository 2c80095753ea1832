package model

import (
	"fmt"
	"strconv"
	"time"
)

// Movements, in the order they are exported.
const (
	MovementNew          = "new"
	MovementReactivation = "reactivation"
	MovementExpansion    = "expansion"
	MovementContraction  = "contraction"
	MovementChurn        = "churn"
)

// Movements lists every MRR movement.
var Movements = []string{MovementNew, MovementReactivation, MovementExpansion, MovementContraction, MovementChurn}

// movements classifies, per movement window W, each (client, currency)
// pair by its MRR a at today-W and b today. A pair with a > 0 or b > 0
// makes one movement, net over the window; a pair with a = b makes none
// but still gives its segment and currency their five series. Amounts
// sum into amount and pairs count into pairs.
func (c *computation) movements() (amount, pairs []Group) {
	// Summed per segment, currency and window first: a key per pair and
	// movement would hash seven strings ten times per pair.
	type key struct{ segment, currency, window string }
	type sums struct{ amount, pairs [5]float64 }
	acc := map[key]*sums{}
	for _, w := range c.cfg.Windows.Movements {
		start := c.today.AddDays(-w.Days())
		for _, cl := range c.psa.Clients {
			then, now := c.mrrOn(cl, start), c.mrrToday(cl)
			for _, cur := range currencies(then, now) {
				a, b := max(then[cur], 0), max(now[cur], 0)
				if a == 0 && b == 0 {
					continue
				}
				k := key{cl.Segment, cur, w.Label}
				x := acc[k]
				if x == nil {
					x = &sums{}
					acc[k] = x
				}
				var i int
				var v float64
				switch {
				case a == 0 && c.hadMRRBefore(cl, cur, start):
					i, v = 1, b
				case a == 0:
					i, v = 0, b
				case b == 0:
					i, v = 4, a
				case a < b:
					i, v = 2, b-a
				case b < a:
					i, v = 3, a-b
				default:
					continue
				}
				x.amount[i] += v
				x.pairs[i]++
			}
		}
	}
	am, n := groups{}, groups{}
	for k, x := range acc {
		for i, mv := range Movements {
			g := groupKey{segment: k.segment, currency: k.currency, window: k.window, movement: mv}
			am[g], n[g] = x.amount[i], x.pairs[i]
		}
	}
	return am.sorted(), n.sorted()
}

// currencies lists the currencies of two MRR maps, each once.
func currencies(a, b map[string]float64) []string {
	out := sortedKeys(a)
	for _, cur := range sortedKeys(b) {
		if _, ok := a[cur]; !ok {
			out = append(out, cur)
		}
	}
	return out
}

// hadMRRBefore reports whether the client had MRR > 0 in cur on some date
// before d. MRR only changes on the dates a client starts or churns or a
// contract starts, is cancelled or ends, so it is enough to look on those.
func (c *computation) hadMRRBefore(cl Client, cur string, d Date) bool {
	changes := []Date{cl.CustomerSince}
	for _, k := range c.byID[cl.ID] {
		changes = append(changes, k.StartDate)
		if k.CancelledAt != nil {
			changes = append(changes, *k.CancelledAt)
		}
		if k.EndDate != nil {
			changes = append(changes, k.EndDate.AddDays(1))
		}
	}
	for _, at := range changes {
		if at < d && c.mrrAt(cl, at)[cur] > 0 {
			return true
		}
	}
	return false
}

// cohorts counts, for each of the last complete calendar months (the
// cohort months), the clients whose customer_since falls in it, by their
// current segment; and at each age, the last day of the month that many
// months later, on or before today: how many of them were active and
// their MRR. A currency has MRR series only where the cohort had MRR in
// it at age 0.
func (c *computation) cohorts() (clients, retained, mrr []Group) {
	cl, re, mr := groups{}, groups{}, groups{}
	ty, tm, _ := c.today.YMD()
	first := monthIndex(ty, tm) - c.cfg.Cohorts.Months
	type member struct {
		client Client
		month  int
	}
	var members []member
	for _, x := range c.psa.Clients {
		y, m, _ := x.CustomerSince.YMD()
		if i := monthIndex(y, m); i >= first && i < first+c.cfg.Cohorts.Months {
			members = append(members, member{x, i})
		}
	}
	// Cohort MRR by segment, cohort month and currency at each age.
	type mrrKey struct {
		segment, currency string
		month, age        int
	}
	byAge := map[mrrKey]float64{}
	for _, x := range members {
		label := monthLabel(x.month)
		cl.add(groupKey{segment: x.client.Segment, cohort: label}, 1)
		for age := 0; lastDay(x.month+age) <= c.today; age++ {
			end := lastDay(x.month + age)
			k := groupKey{segment: x.client.Segment, cohort: label, age: strconv.Itoa(age)}
			re.add(k, 0)
			if x.client.activeAt(end) {
				re.add(k, 1)
			}
			for cur, v := range c.mrrAt(x.client, end) {
				byAge[mrrKey{x.client.Segment, cur, x.month, age}] += v
			}
		}
	}
	// A cohort currency with MRR at age 0 has a series at every age, 0
	// once that MRR has gone; one without has none.
	for k, v := range byAge {
		if k.age != 0 || v <= 0 {
			continue
		}
		for age := 0; lastDay(k.month+age) <= c.today; age++ {
			mr.add(groupKey{segment: k.segment, cohort: monthLabel(k.month), currency: k.currency, age: strconv.Itoa(age)},
				byAge[mrrKey{k.segment, k.currency, k.month, age}])
		}
	}
	return cl.sorted(), re.sorted(), mr.sorted()
}

// monthIndex counts months since year 0: consecutive months differ by 1.
func monthIndex(y int, m time.Month) int { return y*12 + int(m) - 1 }

func monthLabel(i int) string { return fmt.Sprintf("%04d-%02d", i/12, i%12+1) }

// lastDay is the last day of month i.
func lastDay(i int) Date { return NewDate(i/12, time.Month(i%12+1)+1, 0) }

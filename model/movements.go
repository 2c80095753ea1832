package model

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/retention-exporter/retention_exporter/metrics"
)

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
	for _, w := range c.p.Windows.Movements {
		start := c.today.AddDays(-w.Days())
		thens, nows := c.mrrOn(start), c.mrrOn(c.today)
		for i, cl := range c.psa.Clients {
			then, now := thens[i], nows[i]
			for cur := range currencies(then, now) {
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
				var mv int
				var v float64
				switch {
				case a == 0 && c.hadMRRBefore(cl, cur, start):
					mv, v = 1, b
				case a == 0:
					mv, v = 0, b
				case b == 0:
					mv, v = 4, a
				case a < b:
					mv, v = 2, b-a
				case b < a:
					mv, v = 3, a-b
				default:
					continue
				}
				x.amount[mv] += v
				x.pairs[mv]++
			}
		}
	}
	am, n := groups{}, groups{}
	for k, x := range acc {
		for i, mv := range metrics.Movements {
			g := groupKey{segment: k.segment, currency: k.currency, window: k.window, movement: mv}
			am[g], n[g] = x.amount[i], x.pairs[i]
		}
	}
	return am.sorted(), n.sorted()
}

// currencies yields the currencies of two MRR maps, each once, in no
// order: each currency of a client adds to a sum of its own.
func currencies(a, b map[string]float64) iter.Seq[string] {
	return func(yield func(string) bool) {
		for cur := range a {
			if !yield(cur) {
				return
			}
		}
		for cur := range b {
			if _, ok := a[cur]; !ok && !yield(cur) {
				return
			}
		}
	}
}

// hadMRRBefore reports whether the client had MRR > 0 in cur on some date
// before d. MRR only changes on the dates a client starts or churns or a
// contract starts, is cancelled or ends, so it is enough to look on those.
func (c *computation) hadMRRBefore(cl Client, cur string, d Date) bool {
	if cl.CustomerSince < d && c.mrrIn(cl, cur, cl.CustomerSince) > 0 {
		return true
	}
	for _, k := range c.byID[cl.ID] {
		changes := append(make([]Date, 0, 3), k.StartDate)
		if k.CancelledAt != nil {
			changes = append(changes, *k.CancelledAt)
		}
		if k.EndDate != nil {
			changes = append(changes, k.EndDate.AddDays(1)) // the first day without it
		}
		for _, at := range changes {
			if at < d && c.mrrIn(cl, cur, at) > 0 {
				return true
			}
		}
	}
	return false
}

// mrrIn is a client's MRR in one currency at d: mrrAt's value for cur,
// without building the map.
func (c *computation) mrrIn(cl Client, cur string, d Date) float64 {
	if !cl.activeAt(d) {
		return 0
	}
	var v float64
	for _, k := range c.byID[cl.ID] {
		if k.Currency == cur && k.InForceAt(d) && !k.NoValue {
			v += k.MonthlyValue
		}
	}
	return v
}

// cohorts counts, for each of the last complete calendar months (the
// cohort months), the clients whose customer_since falls in it, by their
// current segment; and at each age, the last day of the month that many
// months later, on or before today: how many of them were active and
// their MRR. A currency has MRR series only where the cohort had MRR in
// it at age 0.
func (c *computation) cohorts() (clients, retained, mrr []Group) {
	ty, tm, _ := c.today.YMD()
	first := monthIndex(ty, tm) - c.p.CohortMonths
	// Counted on small keys first and made groups once: a group key per
	// client and age would hash seven strings a few million times at
	// 20,000 clients.
	type cohort struct {
		segment string
		month   int
	}
	type mrrKey struct {
		cohort
		currency string
	}
	byCohort := map[cohort]*ages{}
	byAge := map[mrrKey][]float64{} // MRR at each age
	for _, x := range c.psa.Clients {
		y, m, _ := x.CustomerSince.YMD()
		month := monthIndex(y, m)
		if month < first || month >= first+c.p.CohortMonths {
			continue
		}
		k := cohort{x.Segment, month}
		a := byCohort[k]
		if a == nil {
			a = &ages{}
			for end := lastDay(month); end <= c.today; end = lastDay(month + len(a.ends)) {
				a.ends = append(a.ends, end)
			}
			a.active = make([]float64, len(a.ends))
			byCohort[k] = a
		}
		a.members++
		// Each client and contract is placed once: a client is active,
		// and a contract in force, on a run of consecutive month ends,
		// found by binary search.
		since, left := x.CustomerSince, orNever(x.ChurnedAt)
		lo, hi := a.within(since, left)
		for age := lo; age < hi; age++ {
			a.active[age]++
		}
		for _, ct := range c.byID[x.ID] {
			if ct.NoValue {
				continue
			}
			until := min(left, orNever(ct.CancelledAt))
			if ct.EndDate != nil {
				until = min(until, ct.EndDate.AddDays(1))
			}
			lo, hi := a.within(max(since, ct.StartDate), until)
			if lo >= hi {
				continue
			}
			mk := mrrKey{k, ct.Currency}
			sums := byAge[mk]
			if sums == nil {
				sums = make([]float64, len(a.ends))
				byAge[mk] = sums
			}
			for age := lo; age < hi; age++ {
				sums[age] += ct.MonthlyValue
			}
		}
	}
	cl, re, mr := groups{}, groups{}, groups{}
	for k, a := range byCohort {
		label := monthLabel(k.month)
		cl.add(groupKey{segment: k.segment, cohort: label}, a.members)
		for age, v := range a.active {
			re.add(groupKey{segment: k.segment, cohort: label, age: strconv.Itoa(age)}, v)
		}
	}
	// A cohort currency with MRR at age 0 has a series at every age, 0
	// once that MRR has gone; one without has none.
	for k, byAge := range byAge {
		if byAge[0] <= 0 {
			continue
		}
		label := monthLabel(k.month)
		for age, v := range byAge {
			mr.add(groupKey{segment: k.segment, cohort: label, currency: k.currency, age: strconv.Itoa(age)}, v)
		}
	}
	return cl.sorted(), re.sorted(), mr.sorted()
}

// ages are a cohort's ages: their month ends up to today, and the
// members active at each.
type ages struct {
	members float64
	ends    []Date
	active  []float64
}

// within returns the ages [lo, hi) whose month ends fall in [from, until).
func (a *ages) within(from, until Date) (lo, hi int) {
	lo, _ = slices.BinarySearch(a.ends, from)
	hi, _ = slices.BinarySearch(a.ends, until)
	return lo, max(lo, hi)
}

// never is a date after every other: no end.
const never = Date(math.MaxInt32)

func orNever(d *Date) Date {
	if d == nil {
		return never
	}
	return *d
}

// monthIndex counts months since year 0: consecutive months differ by 1.
func monthIndex(y int, m time.Month) int { return y*12 + int(m) - 1 }

func monthLabel(i int) string { return fmt.Sprintf("%04d-%02d", i/12, i%12+1) }

// lastDay is the last day of month i.
func lastDay(i int) Date { return NewDate(i/12, time.Month(i%12+1)+1, 0) }

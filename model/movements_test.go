package model_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// TestMovements: each (client, currency) pair makes one movement per
// window, net over it. today is 2024-06-15; the 365d window starts
// 2023-06-16, the 30d one 2024-05-16.
func TestMovements(t *testing.T) {
	since := day("2020-01-01")
	clients := []model.Client{
		{ID: "SW", Segment: "s", CustomerSince: since}, // switches EUR to USD
		{ID: "RE", Segment: "s", CustomerSince: since}, // a gap without a contract, then signs again
		{ID: "RN", Segment: "s", CustomerSince: since}, // renewed at a higher price
		{ID: "CT", Segment: "s", CustomerSince: since}, // renewed at a lower price
		{ID: "LS", Segment: "s", CustomerSince: day("2023-01-01")},
		{ID: "CH", Segment: "s", CustomerSince: since, ChurnedAt: dp("2024-06-01")},
		{ID: "FU", Segment: "s", CustomerSince: day("2024-07-01")}, // a customer from next month
		{ID: "NC", Segment: "s", CustomerSince: since},             // no contracts at all
	}
	k := func(id, client, start string, end *model.Date, value float64, cur string) model.Contract {
		return model.Contract{ID: id, ClientID: client, StartDate: day(start), EndDate: end, MonthlyValue: value, Currency: cur}
	}
	contracts := []model.Contract{
		k("sw1", "SW", "2020-01-01", dp("2023-12-31"), 100, "EUR"),
		k("sw2", "SW", "2024-01-01", nil, 120, "USD"),
		k("re1", "RE", "2020-01-01", dp("2022-12-31"), 50, "USD"),
		k("re2", "RE", "2024-03-01", nil, 80, "USD"),
		k("rn1", "RN", "2020-01-01", dp("2024-01-31"), 200, "USD"),
		k("rn2", "RN", "2024-02-01", nil, 260, "USD"),
		k("ct1", "CT", "2020-01-01", dp("2024-05-31"), 300, "USD"),
		k("ct2", "CT", "2024-06-01", nil, 100, "USD"),
		k("ls1", "LS", "2023-09-01", nil, 90, "USD"), // first contract after customer_since
		k("ch1", "CH", "2020-01-01", nil, 70, "USD"),
		k("fu1", "FU", "2024-07-01", nil, 500, "USD"),
	}
	res := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients, Contracts: contracts}, nil)
	p := res.Portfolio
	// SW's EUR churns and its USD is new (it never paid in USD before);
	// RE reactivates; RN expands 200 → 260, CT contracts 300 → 100; LS
	// is new; CH churned with 70. Over 30d only CT and CH moved, and
	// SW's EUR has no pair.
	checkGroups(t, "movement", p.MRRMovement, map[string]float64{
		"s|USD||365d|new||": 210, "s|USD||365d|reactivation||": 80, "s|USD||365d|expansion||": 60,
		"s|USD||365d|contraction||": 200, "s|USD||365d|churn||": 70,
		"s|EUR||365d|new||": 0, "s|EUR||365d|reactivation||": 0, "s|EUR||365d|expansion||": 0,
		"s|EUR||365d|contraction||": 0, "s|EUR||365d|churn||": 100,
		"s|USD||30d|new||": 0, "s|USD||30d|reactivation||": 0, "s|USD||30d|expansion||": 0,
		"s|USD||30d|contraction||": 200, "s|USD||30d|churn||": 70,
	})
	checkGroups(t, "movement clients", p.MRRMovementClients, map[string]float64{
		"s|USD||365d|new||": 2, "s|USD||365d|reactivation||": 1, "s|USD||365d|expansion||": 1,
		"s|USD||365d|contraction||": 1, "s|USD||365d|churn||": 1,
		"s|EUR||365d|new||": 0, "s|EUR||365d|reactivation||": 0, "s|EUR||365d|expansion||": 0,
		"s|EUR||365d|contraction||": 0, "s|EUR||365d|churn||": 1,
		"s|USD||30d|new||": 0, "s|USD||30d|reactivation||": 0, "s|USD||30d|expansion||": 0,
		"s|USD||30d|contraction||": 1, "s|USD||30d|churn||": 1,
	})

	none := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients}, nil).Portfolio
	if none.MRRMovement != nil || none.MRRMovementClients != nil || none.CohortMRR != nil {
		t.Errorf("without a contracts fact: movements %v, cohort MRR %v", none.MRRMovement, none.CohortMRR)
	}
}

// TestCohorts: clients by the month of customer_since, over the last
// complete months, each age on the last day of a later month. today is
// 2024-06-15, so with 5 months the cohorts are 2024-01 to 2024-05 and
// June is not complete.
func TestCohorts(t *testing.T) {
	clients := []model.Client{
		{ID: "L1", Segment: "s", CustomerSince: day("2024-02-29")}, // leap day: age 0 ends that day
		{ID: "M31", Segment: "s", CustomerSince: day("2024-01-31"), ChurnedAt: dp("2024-04-10")},
		{ID: "F2", Segment: "s", CustomerSince: day("2024-02-10"), ChurnedAt: dp("2024-02-20")},
		{ID: "J", Segment: "s", CustomerSince: day("2024-06-03")},  // this month: no cohort yet
		{ID: "FU", Segment: "s", CustomerSince: day("2024-07-01")}, // not a customer yet
		{ID: "OLD", Segment: "s", CustomerSince: day("2023-12-31")},
		{ID: "E", Segment: "e", CustomerSince: day("2024-05-01")},
		{ID: "B", Segment: "b", CustomerSince: day("2024-03-05"), ChurnedAt: dp("2024-05-31")}, // gone on age 2's last day
	}
	contracts := []model.Contract{
		{ID: "l1", ClientID: "L1", StartDate: day("2024-02-29"), MonthlyValue: 100, Currency: "USD"},
		{ID: "m1", ClientID: "M31", StartDate: day("2024-01-31"), EndDate: dp("2024-03-15"), MonthlyValue: 50, Currency: "EUR"},
		{ID: "e1", ClientID: "E", StartDate: day("2024-05-20"), MonthlyValue: 10, Currency: "USD"},
		{ID: "e2", ClientID: "E", StartDate: day("2024-06-01"), MonthlyValue: 30, Currency: "EUR"}, // none at age 0: no series
		// On a month's last day, a contract that ends that day is in
		// force, one cancelled that day is not, one starting that day is.
		{ID: "b1", ClientID: "B", StartDate: day("2024-03-05"), EndDate: dp("2024-04-30"), MonthlyValue: 7, Currency: "USD"},
		{ID: "b2", ClientID: "B", StartDate: day("2024-03-05"), CancelledAt: dp("2024-04-30"), MonthlyValue: 20, Currency: "USD"},
		{ID: "b3", ClientID: "B", StartDate: day("2024-04-30"), MonthlyValue: 300, Currency: "USD"},
	}
	cfg := parseConfig(t, "cohorts: {months: 5}")
	p := model.Compute(cfg.Params(), &model.Facts{Now: testNow, Clients: clients, Contracts: contracts}, nil).Portfolio
	checkGroups(t, "cohort clients", p.CohortClients, map[string]float64{
		"s|||||2024-01|": 1, "s|||||2024-02|": 2, "e|||||2024-05|": 1, "b|||||2024-03|": 1,
	})
	checkGroups(t, "cohort retained", p.CohortRetained, map[string]float64{
		// M31 is active to 2024-04-10.
		"s|||||2024-01|0": 1, "s|||||2024-01|1": 1, "s|||||2024-01|2": 1, "s|||||2024-01|3": 0, "s|||||2024-01|4": 0,
		// F2 churned before its first month ended.
		"s|||||2024-02|0": 1, "s|||||2024-02|1": 1, "s|||||2024-02|2": 1, "s|||||2024-02|3": 1,
		"e|||||2024-05|0": 1,
		"b|||||2024-03|0": 1, "b|||||2024-03|1": 1, "b|||||2024-03|2": 0,
	})
	checkGroups(t, "cohort MRR", p.CohortMRR, map[string]float64{
		// M31's contract ends 2024-03-15: its cohort's EUR is 0 from age 2.
		"s|EUR||||2024-01|0": 50, "s|EUR||||2024-01|1": 50, "s|EUR||||2024-01|2": 0, "s|EUR||||2024-01|3": 0, "s|EUR||||2024-01|4": 0,
		"s|USD||||2024-02|0": 100, "s|USD||||2024-02|1": 100, "s|USD||||2024-02|2": 100, "s|USD||||2024-02|3": 100,
		"e|USD||||2024-05|0": 10,
		"b|USD||||2024-03|0": 27, "b|USD||||2024-03|1": 307, "b|USD||||2024-03|2": 0,
	})
}

// TestMovementIdentities: over many generated portfolios, per segment,
// currency and window, MRR today − MRR then = new + reactivation +
// expansion − contraction − churn, and the revenue cohort's current −
// cohort MRR = expansion − contraction − churn. Whole-number values keep
// the sums exact. New and reactivation are checked against a day-by-day
// search of the client's past.
func TestMovementIdentities(t *testing.T) {
	cfg := parseConfig(t, "windows: {revenue: [30d, 365d], movements: [30d, 365d]}")
	r := rand.New(rand.NewPCG(1, 2))
	for run := range 300 {
		psa := randomPortfolio(r)
		res := model.Compute(cfg.Params(), psa, nil)
		p := res.Portfolio
		c := model.Inspect(cfg.Params(), psa)
		mv := groupMap(t, "movement", p.MRRMovement)
		for _, w := range cfg.Windows.Movements {
			start := c.Today().AddDays(-w.Days())
			delta := map[[2]string]float64{} // segment, currency
			for _, cl := range psa.Clients {
				for cur, v := range c.MRRAt(cl, c.Today()) {
					delta[[2]string{cl.Segment, cur}] += v
				}
				for cur, v := range c.MRRAt(cl, start) {
					delta[[2]string{cl.Segment, cur}] -= v
				}
			}
			for sc, want := range delta {
				key := func(m string) string { return sc[0] + "|" + sc[1] + "||" + w.Label + "|" + m + "||" }
				got := mv[key(metrics.MovementNew)] + mv[key(metrics.MovementReactivation)] + mv[key(metrics.MovementExpansion)] -
					mv[key(metrics.MovementContraction)] - mv[key(metrics.MovementChurn)]
				if got != want {
					t.Fatalf("run %d, %v %s: movements net %v, MRR change %v", run, sc, w.Label, got, want)
				}
			}
			cohort := groupMap(t, "cohort", p.RevenueCohort)
			current := groupMap(t, "current", p.RevenueCurrent)
			for k, co := range cohort {
				if !strings.HasSuffix(k, "|"+w.Label) {
					continue
				}
				sc := strings.TrimSuffix(k, "||"+w.Label) // segment|currency
				key := func(m string) string { return sc + "||" + w.Label + "|" + m + "||" }
				if got, want := current[k]-co, mv[key(metrics.MovementExpansion)]-mv[key(metrics.MovementContraction)]-mv[key(metrics.MovementChurn)]; got != want {
					t.Fatalf("run %d, %s: current − cohort %v, expansion − contraction − churn %v\n%v\n%+v", run, k, got, want, p.MRRMovement, psa)
				}
			}
			// New against reactivation, day by day.
			for _, cl := range psa.Clients {
				for cur, b := range c.MRRAt(cl, c.Today()) {
					if b <= 0 || c.MRRAt(cl, start)[cur] > 0 {
						continue
					}
					had := false
					for d := cl.CustomerSince; d < start && !had; d++ {
						had = c.MRRAt(cl, d)[cur] > 0
					}
					if had != c.HadMRRBefore(cl, cur, start) {
						t.Fatalf("run %d, client %s %s %s: had MRR before %v, classified %v", run, cl.ID, cur, w.Label, had, !had)
					}
				}
			}
		}
	}
}

// randomPortfolio is a small portfolio with every kind of movement: clients
// that start, churn, gain and lose contracts, switch currency, and
// contracts that end, are cancelled, overlap, or have no value.
func randomPortfolio(r *rand.Rand) *model.Facts {
	today := day("2024-01-01").AddDays(r.IntN(900))
	psa := &model.Facts{Now: today.Midnight(time.UTC).Add(9 * time.Hour)}
	segments := []string{"a", "b", ""}
	currencies := []string{"USD", "EUR"}
	for i := range 1 + r.IntN(25) {
		id := string(rune('A'+i%26)) + string(rune('a'+i/26))
		cl := model.Client{ID: id, Segment: segments[r.IntN(3)], CustomerSince: today.AddDays(-r.IntN(1500) + 30)}
		if r.IntN(4) == 0 {
			d := cl.CustomerSince.AddDays(1 + r.IntN(900))
			cl.ChurnedAt = &d
		}
		psa.Clients = append(psa.Clients, cl)
		for j := range r.IntN(5) {
			k := model.Contract{
				ID: id + string(rune('0'+j)), ClientID: id,
				StartDate:    cl.CustomerSince.AddDays(r.IntN(1200) - 100),
				MonthlyValue: float64(r.IntN(6) * 50),
				Currency:     currencies[r.IntN(2)],
			}
			if r.IntN(3) > 0 {
				e := k.StartDate.AddDays(r.IntN(500))
				k.EndDate = &e
			}
			if r.IntN(6) == 0 {
				c := k.StartDate.AddDays(r.IntN(400))
				k.CancelledAt = &c
			}
			psa.Contracts = append(psa.Contracts, k)
		}
	}
	return psa
}

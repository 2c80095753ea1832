package model_test

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
)

// All tests run at a fixed instant: today is Saturday 2024-06-15 (UTC).
// Window starts used below, worked out by hand:
//
//	today - 30d  = 2024-05-16
//	today - 90d  = 2024-03-17 (also the oldest end date of a lapsed contract)
//	today - 365d = 2023-06-16 (2024-02-29 lies in between)
var testNow = time.Date(2024, time.June, 15, 12, 0, 0, 0, time.UTC)

const eps = 1e-9

// day parses a YYYY-MM-DD literal.
func day(s string) model.Date {
	tm, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return model.NewDate(tm.Year(), tm.Month(), tm.Day())
}

func dp(s string) *model.Date { d := day(s); return &d }
func sp(s string) *string     { return &s }
func ip(n int64) *int64       { return &n }
func fp(v float64) *float64   { return &v }

// ts is 00:00 UTC of a date as Unix seconds, computed by the standard library.
func ts(s string) float64 {
	tm, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return float64(tm.Unix())
}

// defaultConfig is the checked default config without billing.
func defaultConfig(t *testing.T) *config.Config {
	t.Helper()
	return parseConfig(t, "")
}

// billingConfig is the default config with an explicit billing source.
func billingConfig(t *testing.T) *config.Config {
	t.Helper()
	return parseConfig(t, "sources: {billing: {dsn_env: RETENTION_TEST_BILLING_DSN}}")
}

func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	var data []byte
	if yaml != "" {
		data = []byte(yaml)
	}
	// An empty environment: the implicit billing source is not configured.
	cfg, err := config.ParseEnv(data, "", func(string) string { return "" })
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	return cfg
}

func checkOpt(t *testing.T, what string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil:
		t.Errorf("%s absent, want %v", what, *want)
	case want == nil:
		t.Errorf("%s = %v, want absent", what, *got)
	case math.Abs(*got-*want) > eps:
		t.Errorf("%s = %v, want %v", what, *got, *want)
	}
}

func checkFloat(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > eps {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func clientByID(t *testing.T, res *model.Result, id string) *model.ClientResult {
	t.Helper()
	for i := range res.Clients {
		if res.Clients[i].ID == id {
			return &res.Clients[i]
		}
	}
	t.Fatalf("client %q has no per-client series", id)
	return nil
}

func clientIDs(res *model.Result) []string {
	var ids []string
	for _, c := range res.Clients {
		ids = append(ids, c.ID)
	}
	return ids
}

// longClient is a client active since long before every window.
func longClient(id string) model.Client {
	return model.Client{ID: id, Name: "Client " + id, CustomerSince: day("2020-01-01")}
}

func TestComputeNilPSA(t *testing.T) {
	res := model.Compute(defaultConfig(t).Params(), nil, nil)
	if len(res.Clients) != 0 || len(res.Contracts) != 0 || len(res.Portfolio.Clients) != 0 {
		t.Errorf("Compute without PSA facts = %+v, want empty", res)
	}
}

func TestComputeOnlyClientsActiveToday(t *testing.T) {
	psa := &model.Facts{
		Now: testNow,
		Clients: []model.Client{
			{ID: "z-long", Name: "Long", CustomerSince: day("2020-01-01")},
			{ID: "b-since-today", Name: "New", CustomerSince: day("2024-06-15")},
			{ID: "c-since-tomorrow", Name: "Future", CustomerSince: day("2024-06-16")},
			{ID: "d-churned-today", Name: "Gone", CustomerSince: day("2020-01-01"), ChurnedAt: dp("2024-06-15")},
			{ID: "e-churned-tomorrow", Name: "Leaving", CustomerSince: day("2020-01-01"), ChurnedAt: dp("2024-06-16")},
			{ID: "f-churned-long-ago", Name: "Old", CustomerSince: day("2010-01-01"), ChurnedAt: dp("2015-01-01")},
		},
		Contracts: []model.Contract{
			{ID: "k-gone", ClientID: "d-churned-today", StartDate: day("2020-01-01"), MonthlyValue: 10, Currency: "USD"},
			{ID: "k-future", ClientID: "c-since-tomorrow", StartDate: day("2024-06-01"), MonthlyValue: 10, Currency: "USD"},
		},
	}
	res := model.Compute(defaultConfig(t).Params(), psa, nil)
	want := []string{"b-since-today", "e-churned-tomorrow", "z-long"} // sorted by id
	if got := clientIDs(res); !slices.Equal(got, want) {
		t.Errorf("clients with series = %v, want %v", got, want)
	}
	if len(res.Contracts) != 0 {
		t.Errorf("contracts of inactive clients exported: %+v", res.Contracts)
	}
}

func TestComputeClientTimestamps(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	tests := []struct {
		name          string
		yaml          string
		now           time.Time
		since         string
		wantActive    bool
		wantStart     float64
		wantNextAnniv float64
	}{
		{
			name: "ordinary", now: testNow, since: "2019-09-01", wantActive: true,
			wantStart: ts("2019-09-01"), wantNextAnniv: ts("2024-09-01"),
		},
		{
			name: "anniversary today", now: testNow, since: "2019-06-15", wantActive: true,
			wantStart: ts("2019-06-15"), wantNextAnniv: ts("2024-06-15"),
		},
		{
			name: "customer since today", now: testNow, since: "2024-06-15", wantActive: true,
			wantStart: ts("2024-06-15"), wantNextAnniv: ts("2025-06-15"),
		},
		{
			name: "29 February customer, next one in a common year", now: testNow, since: "2020-02-29", wantActive: true,
			wantStart: ts("2020-02-29"), wantNextAnniv: ts("2025-02-28"),
		},
		{
			name: "customer since before 1970", now: testNow, since: "1968-02-29", wantActive: true,
			wantStart: ts("1968-02-29"), wantNextAnniv: ts("2025-02-28"),
		},
		{
			// 23:30 UTC is already the 16th in Berlin: today is the 16th there.
			name: "today in the configured zone", yaml: "time_zone: Europe/Berlin",
			now: time.Date(2024, 6, 15, 23, 30, 0, 0, time.UTC), since: "2024-06-16", wantActive: true,
			wantStart:     float64(time.Date(2024, 6, 16, 0, 0, 0, 0, berlin).Unix()),
			wantNextAnniv: float64(time.Date(2025, 6, 16, 0, 0, 0, 0, berlin).Unix()),
		},
		{
			name: "same instant in UTC is still the 15th", now: time.Date(2024, 6, 15, 23, 30, 0, 0, time.UTC),
			since: "2024-06-16", wantActive: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parseConfig(t, tt.yaml)
			psa := &model.Facts{Now: tt.now, Clients: []model.Client{{ID: "c1", Name: "One", CustomerSince: day(tt.since)}}}
			res := model.Compute(cfg.Params(), psa, nil)
			if !tt.wantActive {
				if len(res.Clients) != 0 {
					t.Fatalf("client exported, want none")
				}
				return
			}
			c := clientByID(t, res, "c1")
			checkFloat(t, "start timestamp", c.StartTimestamp, tt.wantStart)
			checkFloat(t, "next anniversary timestamp", c.NextAnniversaryTimestamp, tt.wantNextAnniv)
		})
	}
}

func TestComputeClientIdentity(t *testing.T) {
	psa := &model.Facts{Now: testNow, Clients: []model.Client{{
		ID: "c1", Name: "Acme", Segment: "smb", AccountManager: "Ann", CustomerSince: day("2020-01-01"),
	}}}
	c := clientByID(t, model.Compute(defaultConfig(t).Params(), psa, nil), "c1")
	if c.Name != "Acme" || c.Segment != "smb" || c.AccountManager != "Ann" {
		t.Errorf("identity = %q/%q/%q, want Acme/smb/Ann", c.Name, c.Segment, c.AccountManager)
	}
}

func TestComputeClientValues(t *testing.T) {
	type want struct {
		endpoints, util, sla, csat, bp, review, contacts *float64
		tickets                                          []model.WindowValue
	}
	tests := []struct {
		name string
		mod  func(*model.Facts)
		want want
	}{
		{
			name: "every input present",
			mod: func(p *model.Facts) {
				p.Endpoints = map[string]int64{"c1": 10, "other": 99}
				p.Tickets = map[string]map[string]model.TicketCounts{
					"30d": {"c1": {Tickets: 3, SLATickets: ip(2), SLABreached: ip(2)}},
					"90d": {"c1": {Tickets: 9, SLATickets: ip(4), SLABreached: ip(1)}},
				}
				p.Surveys = map[string]model.SurveyCounts{"c1": {Responses: 5, Positive: 4}}
				p.Assessments = map[string]model.Assessment{"c1": {Total: 20, Met: 15}}
				p.Reviews = map[string]model.Date{"c1": day("2024-05-01")}
				p.Contacts = map[string]int64{"c1": 2}
			},
			want: want{
				endpoints: fp(10),
				tickets:   []model.WindowValue{{"30d", 3}, {"90d", 9}},
				util:      fp(0.3),  // 3 tickets in 30d / 10 endpoints
				sla:       fp(0.75), // SLA window is 90d: (4 - 1) / 4
				csat:      fp(0.8),  // 4 / 5
				bp:        fp(0.75), // 15 / 20
				review:    fp(ts("2024-05-01")),
				contacts:  fp(2),
			},
		},
		{
			name: "enabled queries without a row for the client: zero counts, ratios absent",
			mod: func(p *model.Facts) {
				p.Endpoints = map[string]int64{}
				p.Tickets = map[string]map[string]model.TicketCounts{"30d": {}, "90d": {}}
				p.Surveys = map[string]model.SurveyCounts{}
				p.Assessments = map[string]model.Assessment{}
				p.Reviews = map[string]model.Date{}
				p.Contacts = map[string]int64{}
			},
			want: want{endpoints: fp(0), contacts: fp(0), tickets: []model.WindowValue{{"30d", 0}, {"90d", 0}}},
		},
		{
			name: "disabled queries (nil maps): everything absent",
			mod:  func(p *model.Facts) {},
			want: want{},
		},
		{
			name: "utilization absent when endpoints = 0",
			mod: func(p *model.Facts) {
				p.Endpoints = map[string]int64{"c1": 0}
				p.Tickets = map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 5}}, "90d": {"c1": {Tickets: 5}}}
			},
			want: want{endpoints: fp(0), tickets: []model.WindowValue{{"30d", 5}, {"90d", 5}}},
		},
		{
			name: "utilization absent when the endpoints query is disabled",
			mod: func(p *model.Facts) {
				p.Tickets = map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 5}}, "90d": {}}
			},
			want: want{tickets: []model.WindowValue{{"30d", 5}, {"90d", 0}}},
		},
		{
			name: "utilization 0 with endpoints and no tickets",
			mod: func(p *model.Facts) {
				p.Endpoints = map[string]int64{"c1": 4}
				p.Tickets = map[string]map[string]model.TicketCounts{"30d": {}, "90d": {}}
			},
			want: want{endpoints: fp(4), util: fp(0), tickets: []model.WindowValue{{"30d", 0}, {"90d", 0}}},
		},
		{
			name: "only the windows that were read are exported",
			mod: func(p *model.Facts) {
				p.Endpoints = map[string]int64{"c1": 4}
				p.Tickets = map[string]map[string]model.TicketCounts{"90d": {"c1": {Tickets: 8}}}
			},
			want: want{endpoints: fp(4), tickets: []model.WindowValue{{"90d", 8}}},
		},
		{
			name: "SLA absent when there are no SLA tickets",
			mod: func(p *model.Facts) {
				p.Tickets = map[string]map[string]model.TicketCounts{"90d": {"c1": {Tickets: 8, SLATickets: ip(0), SLABreached: ip(0)}}}
			},
			want: want{tickets: []model.WindowValue{{"90d", 8}}},
		},
		{
			name: "SLA absent when the query leaves the SLA columns out",
			mod: func(p *model.Facts) {
				p.Tickets = map[string]map[string]model.TicketCounts{"90d": {"c1": {Tickets: 8}}}
			},
			want: want{tickets: []model.WindowValue{{"90d", 8}}},
		},
		{
			name: "SLA fully breached is 0, not absent",
			mod: func(p *model.Facts) {
				p.Tickets = map[string]map[string]model.TicketCounts{"90d": {"c1": {Tickets: 3, SLATickets: ip(3), SLABreached: ip(3)}}}
			},
			want: want{sla: fp(0), tickets: []model.WindowValue{{"90d", 3}}},
		},
		{
			name: "SLA with no breach is 1",
			mod: func(p *model.Facts) {
				p.Tickets = map[string]map[string]model.TicketCounts{"90d": {"c1": {Tickets: 3, SLATickets: ip(2), SLABreached: ip(0)}}}
			},
			want: want{sla: fp(1), tickets: []model.WindowValue{{"90d", 3}}},
		},
		{
			name: "CSAT absent with zero responses",
			mod: func(p *model.Facts) {
				p.Surveys = map[string]model.SurveyCounts{"c1": {Responses: 0, Positive: 0}}
			},
			want: want{},
		},
		{
			name: "CSAT 0 when no response is positive",
			mod: func(p *model.Facts) {
				p.Surveys = map[string]model.SurveyCounts{"c1": {Responses: 3, Positive: 0}}
			},
			want: want{csat: fp(0)},
		},
		{
			name: "best practice absent when total = 0",
			mod: func(p *model.Facts) {
				p.Assessments = map[string]model.Assessment{"c1": {Total: 0, Met: 0}}
			},
			want: want{},
		},
		{
			name: "best practice 0 when nothing is met",
			mod: func(p *model.Facts) {
				p.Assessments = map[string]model.Assessment{"c1": {Total: 8, Met: 0}}
			},
			want: want{bp: fp(0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psa := &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			tt.mod(psa)
			c := clientByID(t, model.Compute(defaultConfig(t).Params(), psa, nil), "c1")
			checkOpt(t, "endpoints", c.Endpoints, tt.want.endpoints)
			checkOpt(t, "utilization", c.Utilization, tt.want.util)
			checkOpt(t, "SLA compliance", c.SLACompliance, tt.want.sla)
			checkOpt(t, "CSAT", c.CSAT, tt.want.csat)
			checkOpt(t, "best practice", c.BestPractice, tt.want.bp)
			checkOpt(t, "last review", c.LastReviewTimestamp, tt.want.review)
			checkOpt(t, "renewal contacts", c.RenewalContacts, tt.want.contacts)
			if !slices.Equal(c.Tickets, tt.want.tickets) {
				t.Errorf("tickets = %v, want %v", c.Tickets, tt.want.tickets)
			}
			if c.OverdueInvoices != nil || c.OverdueAmount != nil || c.OldestOverdueTimestamp != nil {
				t.Errorf("billing values without billing: %v %v %v", c.OverdueInvoices, c.OverdueAmount, c.OldestOverdueTimestamp)
			}
		})
	}
}

func TestComputeBillingValues(t *testing.T) {
	overdue := map[string][]model.Overdue{"c1": {
		{Currency: "USD", Invoices: 2, Amount: fp(150.5), OldestDue: dp("2024-06-05")},
		{Currency: "EUR", Invoices: 1, Amount: fp(20), OldestDue: dp("2024-05-16")},
	}}
	tests := []struct {
		name        string
		billingCfg  bool
		billing     *model.Facts
		wantCount   *float64
		wantAmounts []model.CurrencyValue
		wantOldest  *float64
	}{
		{
			name: "overdue in two currencies", billingCfg: true,
			billing:     &model.Facts{Now: testNow, Overdue: overdue},
			wantCount:   fp(3),
			wantAmounts: []model.CurrencyValue{{"EUR", 20}, {"USD", 150.5}}, // sorted by currency
			wantOldest:  fp(ts("2024-05-16")),
		},
		{
			name: "no overdue invoice: 0, nothing else", billingCfg: true,
			billing:   &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{}},
			wantCount: fp(0),
		},
		{
			name: "amount column left out", billingCfg: true,
			billing: &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{"c1": {
				{Currency: "USD", Invoices: 1, OldestDue: dp("2024-06-01")},
			}}},
			wantCount: fp(1), wantOldest: fp(ts("2024-06-01")),
		},
		{name: "billing configured but unavailable", billingCfg: true, billing: nil},
		{name: "billing configured, invoices disabled", billingCfg: true, billing: &model.Facts{Now: testNow}},
		{
			name: "billing not configured: facts ignored", billingCfg: false,
			billing: &model.Facts{Now: testNow, Overdue: overdue},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig(t)
			if tt.billingCfg {
				cfg = billingConfig(t)
			}
			psa := &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			c := clientByID(t, model.Compute(cfg.Params(), psa, tt.billing), "c1")
			checkOpt(t, "overdue invoices", c.OverdueInvoices, tt.wantCount)
			checkOpt(t, "oldest overdue", c.OldestOverdueTimestamp, tt.wantOldest)
			if !slices.Equal(c.OverdueAmount, tt.wantAmounts) {
				t.Errorf("overdue amount = %v, want %v", c.OverdueAmount, tt.wantAmounts)
			}
		})
	}
}

func TestScoreFunctions(t *testing.T) {
	t.Run("utilization", func(t *testing.T) {
		for _, tt := range []struct{ u, want float64 }{
			{0, 100}, {0.5, 100}, {1, 100},
			{1.5, 75}, {2, 50}, {2.5, 25}, {2.9, 5},
			{3, 0}, {4, 0},
		} {
			checkFloat(t, fmt.Sprintf("UtilizationScore(%v)", tt.u), model.UtilizationScore(tt.u), tt.want)
		}
	})
	t.Run("engagement", func(t *testing.T) {
		for _, tt := range []struct {
			d, c int
			want float64
		}{
			{0, 90, 100}, {90, 90, 100},
			{91, 90, 100 * (1 - 1.0/90)}, {135, 90, 50}, {171, 90, 10},
			{179, 90, 100.0 / 90}, {180, 90, 0}, {400, 90, 0},
			{45, 30, 50}, {60, 30, 0},
		} {
			checkFloat(t, fmt.Sprintf("EngagementScore(%d, %d)", tt.d, tt.c), model.EngagementScore(tt.d, tt.c), tt.want)
		}
	})
	t.Run("billing", func(t *testing.T) {
		for _, tt := range []struct {
			o, limit int
			want     float64
		}{
			{0, 60, 100}, {1, 60, 100 * (1 - 1.0/60)}, {30, 60, 50}, {45, 60, 25},
			{59, 60, 100.0 / 60}, {60, 60, 0}, {90, 60, 0}, {15, 30, 50},
		} {
			checkFloat(t, fmt.Sprintf("BillingScore(%d, %d)", tt.o, tt.limit), model.BillingScore(tt.o, tt.limit), tt.want)
		}
	})
	t.Run("contacts", func(t *testing.T) {
		for _, tt := range []struct {
			n    int64
			want float64
		}{{0, 0}, {1, 50}, {2, 100}, {7, 100}} {
			checkFloat(t, fmt.Sprintf("ContactsScore(%d)", tt.n), model.ContactsScore(tt.n), tt.want)
		}
	})
}

// fullPSA gives client c1 every PSA input, with component scores:
//
//	utilization   2 tickets / 10 endpoints = 0.2, u = 0.2 / 0.2 = 1 → 100
//	sla           (4 - 1) / 4                                    → 75
//	csat          4 / 5                                          → 80
//	engagement    last review 135 days ago, cadence 90           → 50
//	best_practice 15 / 20                                        → 75
//	contacts      1 renewal contact                              → 50
func fullPSA() *model.Facts {
	return &model.Facts{
		Now:       testNow,
		Clients:   []model.Client{longClient("c1")},
		Endpoints: map[string]int64{"c1": 10},
		Tickets: map[string]map[string]model.TicketCounts{
			"30d": {"c1": {Tickets: 2}},
			"90d": {"c1": {Tickets: 7, SLATickets: ip(4), SLABreached: ip(1)}},
		},
		Surveys:     map[string]model.SurveyCounts{"c1": {Responses: 5, Positive: 4}},
		Reviews:     map[string]model.Date{"c1": day("2024-06-15").AddDays(-135)},
		Contacts:    map[string]int64{"c1": 1},
		Assessments: map[string]model.Assessment{"c1": {Total: 20, Met: 15}},
	}
}

// overdue30 has the oldest overdue invoice due 30 days ago: billing 50.
func overdue30() *model.Facts {
	return &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{"c1": {
		{Currency: "USD", Invoices: 2, Amount: fp(100), OldestDue: dp("2024-05-16")},
	}}}
}

func TestComputeHealth(t *testing.T) {
	psaOnly := []model.ComponentScore{
		{"utilization", 100}, {"sla", 75}, {"csat", 80}, {"engagement", 50},
		{"best_practice", 75}, {"contacts", 50},
	}
	withBilling := func(score float64) []model.ComponentScore {
		cs := slices.Clone(psaOnly)
		return slices.Insert(cs, 4, model.ComponentScore{"billing", score})
	}
	// Weighted sum of the PSA components (weights sum to 0.85):
	// 0.2*100 + 0.2*75 + 0.15*80 + 0.15*50 + 0.1*75 + 0.05*50 = 64.5
	const psaSum, psaWeights = 64.5, 0.85

	tests := []struct {
		name           string
		yaml           string
		psa            func() *model.Facts
		billing        *model.Facts
		wantComponents []model.ComponentScore
		wantHealth     *float64
		wantCoverage   *float64
	}{
		{
			name: "all seven components",
			yaml: "sources: {billing: {dsn_env: X}}", psa: fullPSA, billing: overdue30(),
			wantComponents: withBilling(50),
			wantHealth:     fp(psaSum + 0.15*50), // 72, weights sum to 1
			wantCoverage:   fp(1),
		},
		{
			name: "billing configured, no overdue invoice: 100",
			yaml: "sources: {billing: {dsn_env: X}}", psa: fullPSA,
			billing:        &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{}},
			wantComponents: withBilling(100),
			wantHealth:     fp(psaSum + 0.15*100), // 79.5
			wantCoverage:   fp(1),
		},
		{
			name: "billing not configured: its weight is left out",
			psa:  fullPSA, billing: overdue30(),
			wantComponents: psaOnly,
			wantHealth:     fp(psaSum / psaWeights),
			wantCoverage:   fp(1),
		},
		{
			name: "billing configured but unavailable: it counts in the coverage",
			yaml: "sources: {billing: {dsn_env: X}}", psa: fullPSA, billing: nil,
			wantComponents: psaOnly,
			wantHealth:     fp(psaSum / psaWeights),
			wantCoverage:   fp(psaWeights / 1.0),
		},
		{
			name: "billing configured, facts without overdue map: unavailable",
			yaml: "sources: {billing: {dsn_env: X}}", psa: fullPSA, billing: &model.Facts{Now: testNow},
			wantComponents: psaOnly,
			wantHealth:     fp(psaSum / psaWeights),
			wantCoverage:   fp(psaWeights),
		},
		{
			name: "billing configured, invoices query disabled",
			yaml: "sources: {billing: {dsn_env: X}}\nqueries: {invoices: {disabled: true}}",
			psa:  fullPSA, billing: &model.Facts{Now: testNow},
			wantComponents: psaOnly,
			wantHealth:     fp(psaSum / psaWeights),
			wantCoverage:   fp(1),
		},
		{
			name: "surveys disabled: csat absent and out of the coverage",
			yaml: "queries: {surveys: {disabled: true}}",
			psa: func() *model.Facts {
				p := fullPSA()
				p.Surveys = nil
				return p
			},
			wantComponents: []model.ComponentScore{
				{"utilization", 100}, {"sla", 75}, {"engagement", 50}, {"best_practice", 75}, {"contacts", 50},
			},
			// (64.5 - 0.15*80) / (0.85 - 0.15) = 52.5 / 0.7 = 75
			wantHealth:   fp(75),
			wantCoverage: fp(1),
		},
		{
			name: "only contacts present",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}, Contacts: map[string]int64{"c1": 2}}
			},
			wantComponents: []model.ComponentScore{{"contacts", 100}},
			wantHealth:     fp(100),
			wantCoverage:   fp(0.05 / 0.85),
		},
		{
			name: "no component present: score absent, coverage 0",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			},
			wantComponents: nil,
			wantHealth:     nil,
			wantCoverage:   fp(0),
		},
		{
			name: "no component present: endpoints 0 and no SLA tickets",
			psa: func() *model.Facts {
				return &model.Facts{
					Now: testNow, Clients: []model.Client{longClient("c1")},
					Endpoints: map[string]int64{"c1": 0},
					Tickets:   map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 4}}, "90d": {}},
				}
			},
			wantComponents: nil,
			wantHealth:     nil,
			wantCoverage:   fp(0),
		},
		{
			name: "engagement counts from customer_since without a review",
			psa: func() *model.Facts {
				c := model.Client{ID: "c1", Name: "c1", CustomerSince: day("2024-06-15").AddDays(-100)}
				return &model.Facts{Now: testNow, Clients: []model.Client{c}, Reviews: map[string]model.Date{}}
			},
			// d = 100, c = 90: 100 * (1 - 10/90)
			wantComponents: []model.ComponentScore{{"engagement", 100 * (1 - 10.0/90)}},
			wantHealth:     fp(100 * (1 - 10.0/90)),
			wantCoverage:   fp(0.15 / 0.85),
		},
		{
			name: "engagement of a customer since today without a review",
			psa: func() *model.Facts {
				c := model.Client{ID: "c1", Name: "c1", CustomerSince: day("2024-06-15")}
				return &model.Facts{Now: testNow, Clients: []model.Client{c}, Reviews: map[string]model.Date{}}
			},
			wantComponents: []model.ComponentScore{{"engagement", 100}},
			wantHealth:     fp(100),
			wantCoverage:   fp(0.15 / 0.85),
		},
		{
			name: "engagement at exactly two cadences is 0",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")},
					Reviews: map[string]model.Date{"c1": day("2024-06-15").AddDays(-180)}}
			},
			wantComponents: []model.ComponentScore{{"engagement", 0}},
			wantHealth:     fp(0),
			wantCoverage:   fp(0.15 / 0.85),
		},
		{
			name: "utilization 1.5 times the target",
			psa: func() *model.Facts {
				return &model.Facts{
					Now: testNow, Clients: []model.Client{longClient("c1")},
					Endpoints: map[string]int64{"c1": 10},
					Tickets:   map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 3}}, "90d": {}},
				}
			},
			// 3 / 10 = 0.3; u = 0.3 / 0.2 = 1.5; 100 - 50 * 0.5
			wantComponents: []model.ComponentScore{{"utilization", 75}},
			wantHealth:     fp(75),
			wantCoverage:   fp(0.2 / 0.85),
		},
		{
			name: "utilization three times the target is 0",
			psa: func() *model.Facts {
				return &model.Facts{
					Now: testNow, Clients: []model.Client{longClient("c1")},
					Endpoints: map[string]int64{"c1": 10},
					Tickets:   map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 6}}},
				}
			},
			wantComponents: []model.ComponentScore{{"utilization", 0}},
			wantHealth:     fp(0),
			wantCoverage:   fp(0.2 / 0.85),
		},
		{
			name: "configured utilization target",
			yaml: "health: {utilization_target: 0.1}",
			psa: func() *model.Facts {
				return &model.Facts{
					Now: testNow, Clients: []model.Client{longClient("c1")},
					Endpoints: map[string]int64{"c1": 10},
					Tickets:   map[string]map[string]model.TicketCounts{"30d": {"c1": {Tickets: 2}}},
				}
			},
			// 2 / 10 = 0.2; u = 0.2 / 0.1 = 2 → 50
			wantComponents: []model.ComponentScore{{"utilization", 50}},
			wantHealth:     fp(50),
			wantCoverage:   fp(0.2 / 0.85),
		},
		{
			name: "configured review cadence",
			yaml: "health: {review_cadence: 30d}",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")},
					Reviews: map[string]model.Date{"c1": day("2024-06-15").AddDays(-45)}}
			},
			wantComponents: []model.ComponentScore{{"engagement", 50}},
			wantHealth:     fp(50),
			wantCoverage:   fp(0.15 / 0.85),
		},
		{
			name: "configured overdue limit",
			yaml: "sources: {billing: {dsn_env: X}}\nhealth: {overdue_limit: 30d}",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			},
			billing: &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{"c1": {
				{Currency: "USD", Invoices: 1, OldestDue: dp("2024-05-31")},
			}}},
			// 15 days overdue of 30 → 50
			wantComponents: []model.ComponentScore{{"billing", 50}},
			wantHealth:     fp(50),
			wantCoverage:   fp(0.15 / 1.0),
		},
		{
			name: "billing uses the oldest overdue invoice across currencies",
			yaml: "sources: {billing: {dsn_env: X}}",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			},
			billing: &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{"c1": {
				{Currency: "USD", Invoices: 1, OldestDue: dp("2024-06-14")},
				{Currency: "EUR", Invoices: 1, OldestDue: dp("2024-05-01")}, // 45 days: 25
			}}},
			wantComponents: []model.ComponentScore{{"billing", 25}},
			wantHealth:     fp(25),
			wantCoverage:   fp(0.15),
		},
		{
			name: "billing 60 or more days overdue is 0",
			yaml: "sources: {billing: {dsn_env: X}}",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			},
			billing: &model.Facts{Now: testNow, Overdue: map[string][]model.Overdue{"c1": {
				{Currency: "USD", Invoices: 1, OldestDue: dp("2024-01-01")},
			}}},
			wantComponents: []model.ComponentScore{{"billing", 0}},
			wantHealth:     fp(0),
			wantCoverage:   fp(0.15),
		},
		{
			name: "configured weights",
			yaml: "health: {weights: {csat: 3, contacts: 1}}",
			psa: func() *model.Facts {
				return &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")},
					Surveys:  map[string]model.SurveyCounts{"c1": {Responses: 5, Positive: 4}},
					Contacts: map[string]int64{"c1": 1}}
			},
			// (3*80 + 1*50) / 4; configured: 0.2 + 0.2 + 3 + 0.15 + 0.1 + 1 = 4.65
			wantComponents: []model.ComponentScore{{"csat", 80}, {"contacts", 50}},
			wantHealth:     fp(72.5),
			wantCoverage:   fp(4 / 4.65),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parseConfig(t, tt.yaml)
			c := clientByID(t, model.Compute(cfg.Params(), tt.psa(), tt.billing), "c1")
			if len(c.Components) != len(tt.wantComponents) {
				t.Fatalf("components = %v, want %v", c.Components, tt.wantComponents)
			}
			for i, w := range tt.wantComponents {
				g := c.Components[i]
				if g.Component != w.Component || math.Abs(g.Score-w.Score) > eps {
					t.Errorf("component %d = %v, want %v", i, g, w)
				}
			}
			checkOpt(t, "health", c.Health, tt.wantHealth)
			checkOpt(t, "coverage", c.Coverage, tt.wantCoverage)
		})
	}
}

type wantContract struct {
	days, end, monthly, notice, cancel *float64
}

func TestComputeContracts(t *testing.T) {
	managed := sp("managed")
	// base is a contract of c1 in force today, ending 2024-12-31.
	// Days to renewal: 15 days left in June, then 31+31+30+31+30+31 = 184.
	base := func(id string) model.Contract {
		return model.Contract{
			ID: id, ClientID: "c1", Name: "Contract " + id, Type: managed,
			StartDate: day("2024-01-01"), EndDate: dp("2024-12-31"),
			AutoRenew: true, MonthlyValue: 100, Currency: "USD",
		}
	}
	with := func(k model.Contract, f func(*model.Contract)) model.Contract { f(&k); return k }
	dated := func(days float64, end string, notice float64) wantContract {
		return wantContract{days: fp(days), end: fp(ts(end)), monthly: fp(100), notice: fp(notice)}
	}

	tests := []struct {
		name      string
		contracts []model.Contract
		want      map[string]wantContract // by contract id; others must be absent
		wantMRR   []model.CurrencyValue
	}{
		{
			name:      "in force with an end date",
			contracts: []model.Contract{base("k1")},
			want:      map[string]wantContract{"k1": dated(199, "2024-12-31", 0)},
			wantMRR:   []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "in force on its end date: 0 days",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.EndDate = dp("2024-06-15")
			})},
			want:    map[string]wantContract{"k1": dated(0, "2024-06-15", 0)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "started today",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate = day("2024-06-15")
			})},
			want:    map[string]wantContract{"k1": dated(199, "2024-12-31", 0)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "lapsed yesterday: -1 days, not in MRR",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate = day("2023-06-15"), dp("2024-06-14")
			})},
			want: map[string]wantContract{"k1": dated(-1, "2024-06-14", 0)},
		},
		{
			name: "lapsed exactly 90 days ago",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate = day("2023-03-17"), dp("2024-03-17")
			})},
			want: map[string]wantContract{"k1": dated(-90, "2024-03-17", 0)},
		},
		{
			name: "ended 91 days ago: gone",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate = day("2023-03-16"), dp("2024-03-16")
			})},
			want: map[string]wantContract{},
		},
		{
			name: "ended and cancelled: not lapsed",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate, k.CancelledAt = day("2023-06-15"), dp("2024-06-14"), dp("2024-06-14")
			})},
			want: map[string]wantContract{},
		},
		{
			name: "evergreen in force: monthly value only",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.EndDate = nil
				k.RenewalNoticeSentAt = dp("2024-02-01")
			})},
			want:    map[string]wantContract{"k1": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "evergreen not started yet: gone",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate = day("2024-06-16"), nil
			})},
			want: map[string]wantContract{},
		},
		{
			name: "dated contract not started yet: gone",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate = day("2024-07-01"), dp("2025-06-30")
			})},
			want: map[string]wantContract{},
		},
		{
			name: "cancellation announced for a later date",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.CancelledAt = dp("2024-07-01")
			})},
			want: map[string]wantContract{"k1": {
				days: fp(199), end: fp(ts("2024-12-31")), monthly: fp(100), notice: fp(0), cancel: fp(ts("2024-07-01")),
			}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "cancellation tomorrow",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.CancelledAt = dp("2024-06-16")
			})},
			want: map[string]wantContract{"k1": {
				days: fp(199), end: fp(ts("2024-12-31")), monthly: fp(100), notice: fp(0), cancel: fp(ts("2024-06-16")),
			}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "evergreen with cancellation announced",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.EndDate, k.CancelledAt = nil, dp("2024-09-30")
			})},
			want:    map[string]wantContract{"k1": {monthly: fp(100), cancel: fp(ts("2024-09-30"))}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "cancelled today: no longer in force",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.CancelledAt = dp("2024-06-15")
			})},
			want: map[string]wantContract{},
		},
		{
			name: "renewal notice sent during the term",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.RenewalNoticeSentAt = dp("2024-05-01")
			})},
			want:    map[string]wantContract{"k1": dated(199, "2024-12-31", 1)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "renewal notice sent on the start date",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.RenewalNoticeSentAt = dp("2024-01-01")
			})},
			want:    map[string]wantContract{"k1": dated(199, "2024-12-31", 1)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "renewal notice from before the start (previous term)",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.RenewalNoticeSentAt = dp("2023-12-31")
			})},
			want:    map[string]wantContract{"k1": dated(199, "2024-12-31", 0)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "renewal notice on a lapsed contract",
			contracts: []model.Contract{with(base("k1"), func(k *model.Contract) {
				k.StartDate, k.EndDate, k.RenewalNoticeSentAt = day("2023-06-01"), dp("2024-05-31"), dp("2024-04-01")
			})},
			want: map[string]wantContract{"k1": dated(-15, "2024-05-31", 1)},
		},
		{
			name: "lapsed contract superseded by a later one of the same type",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2024-06-01"), dp("2025-05-31") }),
			},
			// k2: 199 days to 2024-12-31 (see base), then 31+28+31+30+31 = 151 more → 350.
			want:    map[string]wantContract{"k2": dated(350, "2025-05-31", 0)},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "NULL type is superseded by NULL type",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.Type, k.StartDate, k.EndDate = nil, day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.Type, k.StartDate, k.EndDate = nil, day("2024-06-01"), nil }),
			},
			want:    map[string]wantContract{"k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "NULL type is not superseded by a typed contract",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.Type, k.StartDate, k.EndDate = nil, day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2024-06-01"), nil }),
			},
			want:    map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "typed contract is not superseded by a NULL-type one",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.Type, k.StartDate, k.EndDate = nil, day("2024-06-01"), nil }),
			},
			want:    map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "not superseded by another type",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.Type, k.StartDate, k.EndDate = sp("backup"), day("2024-06-01"), nil }),
			},
			want:    map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "not superseded by a successor that has not started",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2024-07-01"), dp("2025-06-30") }),
			},
			want: map[string]wantContract{"k1": dated(-15, "2024-05-31", 0)},
		},
		{
			name: "not superseded by a successor cancelled today",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) {
					k.StartDate, k.EndDate, k.CancelledAt = day("2024-06-01"), nil, dp("2024-06-15")
				}),
			},
			want: map[string]wantContract{"k1": dated(-15, "2024-05-31", 0)},
		},
		{
			name: "not superseded by an in-force contract that started earlier",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-01-01"), nil }),
			},
			want:    map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "not superseded by an in-force contract with the same start date",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), nil }),
			},
			want:    map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
			wantMRR: []model.CurrencyValue{{"USD", 100}},
		},
		{
			name: "not superseded by another client's contract",
			contracts: []model.Contract{
				with(base("k1"), func(k *model.Contract) { k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31") }),
				with(base("k2"), func(k *model.Contract) { k.ClientID, k.StartDate, k.EndDate = "c2", day("2024-06-01"), nil }),
			},
			want: map[string]wantContract{"k1": dated(-15, "2024-05-31", 0), "k2": {monthly: fp(100)}},
		},
		{
			name: "MRR per currency from contracts in force only",
			contracts: []model.Contract{
				base("k1"),
				with(base("k2"), func(k *model.Contract) { k.EndDate, k.MonthlyValue = nil, 50.5 }),
				with(base("k3"), func(k *model.Contract) { k.Type, k.MonthlyValue, k.Currency = sp("backup"), 30, "EUR" }),
				// not started, lapsed, cancelled: none of them count
				with(base("k4"), func(k *model.Contract) { k.StartDate, k.EndDate, k.MonthlyValue = day("2024-07-01"), nil, 1000 }),
				with(base("k5"), func(k *model.Contract) {
					k.Type, k.StartDate, k.EndDate, k.MonthlyValue = sp("old"), day("2023-01-01"), dp("2024-06-01"), 1000
				}),
				with(base("k6"), func(k *model.Contract) { k.CancelledAt, k.MonthlyValue = dp("2024-06-01"), 1000 }),
			},
			want: map[string]wantContract{
				"k1": dated(199, "2024-12-31", 0),
				"k2": {monthly: fp(50.5)},
				"k3": {days: fp(199), end: fp(ts("2024-12-31")), monthly: fp(30), notice: fp(0)},
				"k5": {days: fp(-14), end: fp(ts("2024-06-01")), monthly: fp(1000), notice: fp(0)},
			},
			wantMRR: []model.CurrencyValue{{"EUR", 30}, {"USD", 150.5}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psa := &model.Facts{
				Now:       testNow,
				Clients:   []model.Client{{ID: "c1", Name: "Acme", CustomerSince: day("2020-01-01")}, longClient("c2")},
				Contracts: tt.contracts,
			}
			res := model.Compute(defaultConfig(t).Params(), psa, nil)
			got := map[string]model.ContractResult{}
			for _, r := range res.Contracts {
				if _, dup := got[r.ID]; dup {
					t.Errorf("contract %s exported twice", r.ID)
				}
				got[r.ID] = r
			}
			for id := range got {
				if _, ok := tt.want[id]; !ok {
					t.Errorf("contract %s exported, want absent: %+v", id, got[id])
				}
			}
			for id, w := range tt.want {
				r, ok := got[id]
				if !ok {
					t.Errorf("contract %s absent", id)
					continue
				}
				checkOpt(t, id+" days to renewal", r.DaysToRenewal, w.days)
				checkOpt(t, id+" end timestamp", r.EndTimestamp, w.end)
				checkOpt(t, id+" monthly value", r.MonthlyValue, w.monthly)
				checkOpt(t, id+" renewal notice sent", r.RenewalNoticeSent, w.notice)
				checkOpt(t, id+" cancel timestamp", r.CancelTimestamp, w.cancel)
			}
			c := clientByID(t, res, "c1")
			if !slices.Equal(c.MRR, tt.wantMRR) {
				t.Errorf("c1 MRR = %v, want %v", c.MRR, tt.wantMRR)
			}
		})
	}
}

func TestComputeContractLabels(t *testing.T) {
	psa := &model.Facts{
		Now:     testNow,
		Clients: []model.Client{{ID: "c1", Name: "Acme", CustomerSince: day("2020-01-01")}},
		Contracts: []model.Contract{
			{ID: "k2", ClientID: "c1", Name: "Backup", StartDate: day("2024-01-01"), MonthlyValue: 5, Currency: "EUR"},
			{ID: "k1", ClientID: "c1", Name: "Managed", Type: sp("managed"), StartDate: day("2024-01-01"),
				EndDate: dp("2024-12-31"), AutoRenew: true, MonthlyValue: 100, Currency: "USD"},
		},
	}
	res := model.Compute(defaultConfig(t).Params(), psa, nil)
	want := []model.ContractResult{
		{ID: "k1", Name: "Managed", ClientID: "c1", ClientName: "Acme", Type: "managed", AutoRenew: true, Currency: "USD"},
		{ID: "k2", Name: "Backup", ClientID: "c1", ClientName: "Acme", Type: "", AutoRenew: false, Currency: "EUR"},
	}
	if len(res.Contracts) != len(want) {
		t.Fatalf("contracts = %+v, want %d", res.Contracts, len(want))
	}
	for i, w := range want {
		g := res.Contracts[i]
		if g.ID != w.ID || g.Name != w.Name || g.ClientID != w.ClientID || g.ClientName != w.ClientName ||
			g.Type != w.Type || g.AutoRenew != w.AutoRenew || g.Currency != w.Currency {
			t.Errorf("contract %d = %+v, want labels %+v", i, g, w)
		}
	}
}

func TestComputeContractsDisabled(t *testing.T) {
	psa := &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}, Contracts: nil}
	res := model.Compute(defaultConfig(t).Params(), psa, nil)
	if len(res.Contracts) != 0 {
		t.Errorf("contracts = %v, want none", res.Contracts)
	}
	if c := clientByID(t, res, "c1"); c.MRR != nil {
		t.Errorf("client MRR = %v, want absent", c.MRR)
	}
	p := res.Portfolio
	if p.MRR != nil || p.RevenueCohort != nil || p.RevenueRetained != nil || p.RevenueCurrent != nil {
		t.Errorf("portfolio MRR/revenue = %v %v %v %v, want absent", p.MRR, p.RevenueCohort, p.RevenueRetained, p.RevenueCurrent)
	}
	if len(p.Clients) != 1 || len(p.ChurnCohort) == 0 {
		t.Errorf("client and churn series should not depend on contracts: %+v", p)
	}
}

func TestNormalizeReason(t *testing.T) {
	tests := []struct {
		in   *string
		want string
	}{
		{nil, "unknown"},
		{sp(""), "unknown"},
		{sp("  \t "), "unknown"},
		{sp("Price"), "price"},
		{sp("  Moved Away\n"), "moved away"},
		{sp("PRICE"), "price"},
	}
	for _, tt := range tests {
		if got := model.NormalizeReason(tt.in); got != tt.want {
			in := "<nil>"
			if tt.in != nil {
				in = fmt.Sprintf("%q", *tt.in)
			}
			t.Errorf("NormalizeReason(%s) = %q, want %q", in, got, tt.want)
		}
	}
}

// groupMap turns groups into "segment|currency|reason|window" → value,
// failing on a label set that occurs twice.
func groupMap(t *testing.T, what string, gs []model.Group) map[string]float64 {
	t.Helper()
	m := map[string]float64{}
	for _, g := range gs {
		k := strings.Join([]string{g.Segment, g.Currency, g.Reason, g.Window}, "|")
		if g.Movement != "" || g.Cohort != "" || g.Age != "" {
			k += "|" + strings.Join([]string{g.Movement, g.Cohort, g.Age}, "|")
		}
		if _, dup := m[k]; dup {
			t.Errorf("%s: %s twice", what, k)
		}
		m[k] = g.Value
	}
	return m
}

func checkGroups(t *testing.T, what string, got []model.Group, want map[string]float64) {
	t.Helper()
	g := groupMap(t, what, got)
	var keys []string
	for k := range g {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := g[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		gv, gok := g[k]
		wv, wok := want[k]
		switch {
		case !gok:
			t.Errorf("%s{%s} absent, want %v", what, k, wv)
		case !wok:
			t.Errorf("%s{%s} = %v, want absent", what, k, gv)
		case math.Abs(gv-wv) > eps:
			t.Errorf("%s{%s} = %v, want %v", what, k, gv, wv)
		}
	}
}

func TestPortfolioChurnWindowBoundaries(t *testing.T) {
	since := day("2020-01-01")
	clients := []model.Client{
		{ID: "A", CustomerSince: since},
		{ID: "B", CustomerSince: since, ChurnedAt: dp("2024-06-15"), ChurnReason: sp(" Price ")}, // churned today
		{ID: "C", CustomerSince: since, ChurnedAt: dp("2024-05-16")},                             // exactly today-30d, NULL reason
		{ID: "D", CustomerSince: day("2024-05-16")},                                              // joined exactly at today-30d
		{ID: "D2", CustomerSince: day("2024-05-17")},                                             // joined after today-30d
		{ID: "G", CustomerSince: since, ChurnedAt: dp("2023-06-17"), ChurnReason: sp("PRICE")},   // a day inside 365d
		{ID: "F", CustomerSince: since, ChurnedAt: dp("2023-06-16"), ChurnReason: sp("x")},       // exactly today-365d
		{ID: "H", CustomerSince: since, ChurnedAt: dp("2024-06-16")},                             // churns tomorrow
		{ID: "Fut", CustomerSince: day("2024-06-16")},                                            // not a customer yet
	}
	for i := range clients {
		clients[i].Name, clients[i].Segment = clients[i].ID, "s"
	}
	res := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients}, nil)
	p := res.Portfolio

	// Active today: A, D, D2, H.
	checkGroups(t, "clients", p.Clients, map[string]float64{"s|||": 4})
	// 30d  (start 2024-05-16): A, B, D, H         churned: B
	// 90d  (start 2024-03-17): A, B, C, H         churned: B, C
	// 365d (start 2023-06-16): A, B, C, G, H      churned: B, C, G
	checkGroups(t, "cohort", p.ChurnCohort, map[string]float64{
		"s|||30d": 4, "s|||90d": 4, "s|||365d": 5,
	})
	checkGroups(t, "churned", p.Churned, map[string]float64{
		"s|||30d": 1, "s|||90d": 2, "s|||365d": 3,
	})
	checkGroups(t, "churned by reason", p.ChurnedByReason, map[string]float64{
		"s||price|30d":    1,
		"s||price|90d":    1,
		"s||unknown|90d":  1,
		"s||price|365d":   2,
		"s||unknown|365d": 1,
	})
}

func TestPortfolioChurnSegments(t *testing.T) {
	since := day("2020-01-01")
	clients := []model.Client{
		{ID: "E1", Segment: "ent", CustomerSince: since},
		{ID: "S1", Segment: "smb", CustomerSince: since, ChurnedAt: dp("2024-06-10"), ChurnReason: sp("Price")},
		{ID: "S2", Segment: "smb", CustomerSince: since},
		{ID: "S3", Segment: "smb", CustomerSince: since, ChurnedAt: dp("2024-01-10"), ChurnReason: sp("")},
		{ID: "N1", Segment: "", CustomerSince: since},
		{ID: "G1", Segment: "gone", CustomerSince: since, ChurnedAt: dp("2022-01-01")},
		{ID: "W1", Segment: "new", CustomerSince: day("2024-06-01")},
	}
	res := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients}, nil)
	p := res.Portfolio
	checkGroups(t, "clients", p.Clients, map[string]float64{
		"|||": 1, "ent|||": 1, "smb|||": 1, "new|||": 1,
	})
	// S3 churned 2024-01-10: in the 365d cohort only.
	checkGroups(t, "cohort", p.ChurnCohort, map[string]float64{
		"|||30d": 1, "|||90d": 1, "|||365d": 1,
		"ent|||30d": 1, "ent|||90d": 1, "ent|||365d": 1,
		"smb|||30d": 2, "smb|||90d": 2, "smb|||365d": 3,
	})
	checkGroups(t, "churned", p.Churned, map[string]float64{
		"|||30d": 0, "|||90d": 0, "|||365d": 0,
		"ent|||30d": 0, "ent|||90d": 0, "ent|||365d": 0,
		"smb|||30d": 1, "smb|||90d": 1, "smb|||365d": 2,
	})
	checkGroups(t, "churned by reason", p.ChurnedByReason, map[string]float64{
		"smb||price|30d": 1, "smb||price|90d": 1, "smb||price|365d": 1, "smb||unknown|365d": 1,
	})
}

func TestPortfolioReasonsLimit(t *testing.T) {
	type churn struct {
		at, reason string
	}
	tests := []struct {
		name   string
		limit  int
		churns []churn
		want   map[string]float64
	}{
		{
			name:  "beyond the limit becomes other",
			limit: 2,
			churns: []churn{
				{"2024-06-01", "price"}, {"2024-06-01", "Price"}, {"2024-06-01", " PRICE "},
				{"2024-06-01", "service"}, {"2024-06-01", "Service"},
				{"2024-06-01", "moved"}, {"2024-06-01", "acquired"},
				{"2024-01-10", "budget"}, // 365d only
			},
			want: map[string]float64{
				"s||price|30d": 3, "s||service|30d": 2, "s||other|30d": 2,
				"s||price|90d": 3, "s||service|90d": 2, "s||other|90d": 2,
				"s||price|365d": 3, "s||service|365d": 2, "s||other|365d": 3,
			},
		},
		{
			name:   "ties go to the alphabetically first reason",
			limit:  1,
			churns: []churn{{"2024-06-01", "b"}, {"2024-06-01", "a"}},
			want: map[string]float64{
				"s||a|30d": 1, "s||other|30d": 1,
				"s||a|90d": 1, "s||other|90d": 1,
				"s||a|365d": 1, "s||other|365d": 1,
			},
		},
		{
			// Ranked over the clients churned in any window, so a reason has
			// the same label in every window.
			name:  "ranking spans all windows",
			limit: 1,
			churns: []churn{
				{"2024-01-10", "old"}, {"2024-01-11", "old"}, {"2024-01-12", "old"},
				{"2024-06-10", "new"},
			},
			want: map[string]float64{
				"s||other|30d": 1,
				"s||other|90d": 1,
				"s||old|365d":  3, "s||other|365d": 1,
			},
		},
		{
			name:   "NULL and blank share unknown",
			limit:  20,
			churns: []churn{{"2024-06-01", "<nil>"}, {"2024-06-01", "  "}, {"2024-06-01", "Unknown"}},
			want: map[string]float64{
				"s||unknown|30d": 3, "s||unknown|90d": 3, "s||unknown|365d": 3,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parseConfig(t, fmt.Sprintf("churn: {reasons_limit: %d}", tt.limit))
			var clients []model.Client
			for i, c := range tt.churns {
				cl := model.Client{ID: fmt.Sprint(i), Segment: "s", CustomerSince: day("2020-01-01"), ChurnedAt: dp(c.at)}
				if c.reason != "<nil>" {
					cl.ChurnReason = sp(c.reason)
				}
				clients = append(clients, cl)
			}
			res := model.Compute(cfg.Params(), &model.Facts{Now: testNow, Clients: clients}, nil)
			checkGroups(t, "churned by reason", res.Portfolio.ChurnedByReason, tt.want)
		})
	}
}

func TestPortfolioMRRAndRevenue(t *testing.T) {
	since := day("2020-01-01")
	clients := []model.Client{
		{ID: "R1", Segment: "s", CustomerSince: since},
		{ID: "R2", Segment: "s", CustomerSince: since},
		{ID: "R3", Segment: "s", CustomerSince: since, ChurnedAt: dp("2024-03-01")},
		{ID: "R4", Segment: "s", CustomerSince: since},
		{ID: "R5", Segment: "s", CustomerSince: day("2024-01-01")},
		{ID: "R6", Segment: "s", CustomerSince: since},
		{ID: "E1", Segment: "eu", CustomerSince: since},
		{ID: "Z1", Segment: "zero", CustomerSince: since},
		{ID: "N1", Segment: "new", CustomerSince: day("2024-01-01")},
		{ID: "F1", Segment: "s", CustomerSince: day("2024-06-16")},
	}
	k := func(id, client string, start string, end *model.Date, value float64, cur string) model.Contract {
		return model.Contract{ID: id, ClientID: client, StartDate: day(start), EndDate: end, MonthlyValue: value, Currency: cur}
	}
	contracts := []model.Contract{
		k("r1", "R1", "2020-01-01", nil, 100, "USD"),               // steady
		k("r2a", "R2", "2020-01-01", dp("2024-01-31"), 100, "USD"), // expansion 100 → 150
		k("r2b", "R2", "2024-02-01", nil, 150, "USD"),
		k("r3", "R3", "2020-01-01", nil, 200, "USD"),               // churned: 200 → 0
		k("r4a", "R4", "2020-01-01", dp("2024-05-31"), 300, "USD"), // contraction 300 → 100
		k("r4b", "R4", "2024-06-01", nil, 100, "USD"),
		k("r5", "R5", "2024-01-01", nil, 500, "USD"),              // not in the cohort
		k("r6", "R6", "2024-01-01", nil, 70, "USD"),               // in the cohort without MRR then
		k("e1a", "E1", "2020-01-01", dp("2023-12-31"), 50, "EUR"), // currency switch EUR → USD
		k("e1b", "E1", "2024-01-01", nil, 60, "USD"),
		k("z1", "Z1", "2020-01-01", nil, 0, "USD"), // cohort MRR 0: no series
		k("n1", "N1", "2024-01-01", nil, 40, "USD"),
		k("f1", "F1", "2024-06-01", nil, 999, "USD"), // client not active yet
	}
	res := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients, Contracts: contracts}, nil)
	p := res.Portfolio

	checkGroups(t, "clients", p.Clients, map[string]float64{
		"s|||": 5, "eu|||": 1, "zero|||": 1, "new|||": 1,
	})
	// Active clients only: R1 100 + R2 150 + R4 100 + R5 500 + R6 70.
	checkGroups(t, "mrr", p.MRR, map[string]float64{
		"s|USD||": 920, "eu|USD||": 60, "zero|USD||": 0, "new|USD||": 40,
	})
	// 365d cohort (active at 2023-06-16): R1, R2, R3, R4, R6, E1, Z1.
	//   s/USD then: 100 + 100 + 200 + 300 + 0          = 700
	//   retained:   min(100,100) + min(100,150) + min(200,0) + min(300,100) = 300
	//   current:    100 + 150 + 0 + 100                = 350
	//   (R6 had no MRR then: its 70 is new business, not expansion)
	//   eu/EUR then 50, today 0; eu/USD had no cohort MRR: no series.
	//   zero/USD cohort MRR is 0: no series.
	checkGroups(t, "revenue cohort", p.RevenueCohort, map[string]float64{
		"s|USD||365d": 700, "eu|EUR||365d": 50,
	})
	checkGroups(t, "revenue retained", p.RevenueRetained, map[string]float64{
		"s|USD||365d": 300, "eu|EUR||365d": 0,
	})
	checkGroups(t, "revenue current", p.RevenueCurrent, map[string]float64{
		"s|USD||365d": 350, "eu|EUR||365d": 0,
	})
}

func TestPortfolioRevenueWindows(t *testing.T) {
	// Two revenue windows: the 30d cohort (start 2024-05-16) sees the
	// contraction on 2024-06-01, the 365d cohort also the earlier expansion.
	cfg := parseConfig(t, "windows: {revenue: [30d, 1y]}")
	clients := []model.Client{{ID: "c1", Segment: "s", CustomerSince: day("2020-01-01")}}
	contracts := []model.Contract{
		{ID: "a", ClientID: "c1", StartDate: day("2020-01-01"), EndDate: dp("2023-12-31"), MonthlyValue: 100, Currency: "USD"},
		{ID: "b", ClientID: "c1", StartDate: day("2024-01-01"), EndDate: dp("2024-05-31"), MonthlyValue: 400, Currency: "USD"},
		{ID: "c", ClientID: "c1", StartDate: day("2024-06-01"), MonthlyValue: 250, Currency: "USD"},
	}
	p := model.Compute(cfg.Params(), &model.Facts{Now: testNow, Clients: clients, Contracts: contracts}, nil).Portfolio
	// 30d: then 400 (contract b), now 250. 1y = 365d: then 100 (contract a), now 250.
	checkGroups(t, "revenue cohort", p.RevenueCohort, map[string]float64{"s|USD||30d": 400, "s|USD||1y": 100})
	checkGroups(t, "revenue retained", p.RevenueRetained, map[string]float64{"s|USD||30d": 250, "s|USD||1y": 100})
	checkGroups(t, "revenue current", p.RevenueCurrent, map[string]float64{"s|USD||30d": 250, "s|USD||1y": 250})
}

// TestComputeHealthProfiles: a client is scored with its segment's
// profile; what the profile leaves out is the default profile's.
func TestComputeHealthProfiles(t *testing.T) {
	cfg := parseConfig(t, `
health:
  profiles:
    - name: enterprise
      segments: [enterprise, strategic]
      weights: {utilization: 0.4, contacts: 0}
      utilization_target: 0.1
      review_cadence: 45d
`)
	psa := fullPSA()
	ent := longClient("e1")
	ent.Segment = "enterprise"
	psa.Clients = append(psa.Clients, ent)
	psa.Endpoints["e1"] = psa.Endpoints["c1"]
	for _, w := range psa.Tickets {
		w["e1"] = w["c1"]
	}
	psa.Surveys["e1"], psa.Reviews["e1"] = psa.Surveys["c1"], psa.Reviews["c1"]
	psa.Contacts["e1"], psa.Assessments["e1"] = psa.Contacts["c1"], psa.Assessments["c1"]
	res := model.Compute(cfg.Params(), psa, nil)

	// The default profile, as without profiles: 64.5 / 0.85.
	def := clientByID(t, res, "c1")
	checkOpt(t, "default health", def.Health, fp(64.5/0.85))
	checkOpt(t, "default utilization target", def.UtilizationTarget, fp(0.2))
	checkOpt(t, "default review cadence", def.ReviewCadenceSeconds, fp(90*86400))

	// enterprise: utilization 0.2 / 0.1 = 2 → 50; engagement 135 days
	// with cadence 45 → 0; contacts weigh 0 but still show their score.
	// 0.4*50 + 0.2*75 + 0.15*80 + 0.15*0 + 0.1*75 + 0*50 = 54.5 over 1.0.
	e := clientByID(t, res, "e1")
	want := []model.ComponentScore{{"utilization", 50}, {"sla", 75}, {"csat", 80}, {"engagement", 0}, {"best_practice", 75}, {"contacts", 50}}
	if !slices.Equal(e.Components, want) {
		t.Errorf("enterprise components = %v, want %v", e.Components, want)
	}
	checkOpt(t, "enterprise health", e.Health, fp(54.5))
	checkOpt(t, "enterprise coverage", e.Coverage, fp(1))
	checkOpt(t, "enterprise utilization target", e.UtilizationTarget, fp(0.1))
	checkOpt(t, "enterprise review cadence", e.ReviewCadenceSeconds, fp(45*86400))
}

// TestUnpricedContract: a contract whose monthly value is unknown (NULL)
// is in force and exposed, but has no monthly value series and adds
// nothing to MRR: unknown is not a price of 0.
func TestUnpricedContract(t *testing.T) {
	clients := []model.Client{
		{ID: "P1", Segment: "s", CustomerSince: day("2020-01-01")},
		{ID: "U1", Segment: "u", CustomerSince: day("2020-01-01")},
	}
	contracts := []model.Contract{
		{ID: "p1", ClientID: "P1", StartDate: day("2020-01-01"), MonthlyValue: 80, Currency: "EUR"},
		{ID: "p2", ClientID: "P1", StartDate: day("2020-01-01"), NoValue: true, Currency: "EUR"},
		{ID: "u1", ClientID: "U1", StartDate: day("2020-01-01"), EndDate: dp("2025-01-01"), NoValue: true, Currency: "EUR"},
	}
	res := model.Compute(defaultConfig(t).Params(), &model.Facts{Now: testNow, Clients: clients, Contracts: contracts}, nil)
	checkGroups(t, "mrr", res.Portfolio.MRR, map[string]float64{"s|EUR||": 80})
	if got := clientByID(t, res, "U1").MRR; len(got) != 0 {
		t.Errorf("U1 MRR %v, want none", got)
	}
	seen := map[string]bool{}
	for _, k := range res.Contracts {
		seen[k.ID] = true
		if (k.MonthlyValue != nil) != (k.ID == "p1") {
			t.Errorf("contract %s: monthly value %v", k.ID, k.MonthlyValue)
		}
	}
	if !seen["p2"] || !seen["u1"] {
		t.Errorf("unpriced contracts missing from %v", seen)
	}
}

package model_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// Everything is as of now: a fact dated after today has not happened yet.
// The default queries leave such rows out; these tests feed them to the
// model as a query not bound to :today would, and check that they do not
// count either.

// contractAt computes c1's contracts at now and returns the one of id.
func contractAt(t *testing.T, now time.Time, k model.Contract) model.ContractResult {
	t.Helper()
	psa := &model.Facts{Now: now, Clients: []model.Client{longClient("c1")}, Contracts: []model.Contract{k}}
	for _, r := range model.Compute(defaultConfig(t).Params(), psa, nil).Contracts {
		if r.ID == k.ID {
			return r
		}
	}
	t.Fatalf("contract %s absent at %s", k.ID, now)
	return model.ContractResult{}
}

func TestAsOfRenewalNotice(t *testing.T) {
	// In force 2024-01-01 to 2024-12-31; today is 2024-06-15.
	contract := func(notice *model.Date) model.Contract {
		return model.Contract{
			ID: "k1", ClientID: "c1", Name: "Managed", Type: sp("managed"),
			StartDate: day("2024-01-01"), EndDate: dp("2024-12-31"),
			MonthlyValue: 100, Currency: "USD", RenewalNoticeSentAt: notice,
		}
	}
	lapsed := func(notice *model.Date) model.Contract {
		k := contract(notice)
		k.StartDate, k.EndDate = day("2023-06-01"), dp("2024-05-31")
		return k
	}
	tests := []struct {
		name       string
		now        time.Time
		k          model.Contract
		wantDays   float64
		wantNotice float64
	}{
		{"notice sent today counts", testNow, contract(dp("2024-06-15")), 199, 1},
		{"notice dated tomorrow has not been sent", testNow, contract(dp("2024-06-16")), 199, 0},
		{"notice dated next week has not been sent", testNow, contract(dp("2024-06-22")), 199, 0},
		{"the same notice once its day has come", time.Date(2024, time.June, 22, 0, 0, 0, 0, time.UTC), contract(dp("2024-06-22")), 192, 1},
		{"and after it", time.Date(2024, time.July, 1, 9, 0, 0, 0, time.UTC), contract(dp("2024-06-22")), 183, 1},
		{"lapsed contract, notice dated after today", testNow, lapsed(dp("2024-06-20")), -15, 0},
		{"lapsed contract, notice sent before today", testNow, lapsed(dp("2024-04-01")), -15, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := contractAt(t, tt.now, tt.k)
			checkOpt(t, "days to renewal", r.DaysToRenewal, fp(tt.wantDays))
			checkOpt(t, "renewal notice sent", r.RenewalNoticeSent, fp(tt.wantNotice))
		})
	}
}

func TestAsOfNoticeInZone(t *testing.T) {
	// 2024-06-15 23:30 UTC is already 2024-06-16 in Berlin: a notice dated
	// 2024-06-16 is sent there, not in UTC.
	now := time.Date(2024, time.June, 15, 23, 30, 0, 0, time.UTC)
	k := model.Contract{
		ID: "k1", ClientID: "c1", Name: "Managed", StartDate: day("2024-01-01"), EndDate: dp("2024-12-31"),
		MonthlyValue: 100, Currency: "USD", RenewalNoticeSentAt: dp("2024-06-16"),
	}
	for _, tt := range []struct {
		yaml string
		want float64
	}{{"", 0}, {"time_zone: Europe/Berlin", 1}} {
		psa := &model.Facts{Now: now, Clients: []model.Client{longClient("c1")}, Contracts: []model.Contract{k}}
		res := model.Compute(parseConfig(t, tt.yaml).Params(), psa, nil)
		if len(res.Contracts) != 1 {
			t.Fatalf("%q: contracts = %+v", tt.yaml, res.Contracts)
		}
		checkOpt(t, "renewal notice sent ("+tt.yaml+")", res.Contracts[0].RenewalNoticeSent, fp(tt.want))
	}
}

func TestAsOfLastReview(t *testing.T) {
	// A customer for 100 days on 2024-06-15, so without a review engagement
	// counts those 100 days: 100 * (1 - 10/90) with the 90-day cadence.
	client := model.Client{ID: "c1", Name: "c1", CustomerSince: day("2024-03-07")}
	noReview := 100 * (1 - 10.0/90)
	tests := []struct {
		name           string
		now            time.Time
		review         model.Date
		wantLast       *float64
		wantEngagement float64
	}{
		{"review held today counts", testNow, day("2024-06-15"), fp(ts("2024-06-15")), 100},
		{"review dated tomorrow has not been held", testNow, day("2024-06-16"), nil, noReview},
		{"review planned for next week has not been held", testNow, day("2024-06-22"), nil, noReview},
		{
			"the same review read a week later", time.Date(2024, time.June, 25, 8, 0, 0, 0, time.UTC),
			day("2024-06-22"), fp(ts("2024-06-22")), 100,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psa := &model.Facts{Now: tt.now, Clients: []model.Client{client}, Reviews: map[string]model.Date{"c1": tt.review}}
			c := clientByID(t, model.Compute(defaultConfig(t).Params(), psa, nil), "c1")
			checkOpt(t, "last review", c.LastReviewTimestamp, tt.wantLast)
			want := []model.ComponentScore{{"engagement", tt.wantEngagement}}
			if len(c.Components) != 1 || c.Components[0].Component != want[0].Component ||
				math.Abs(c.Components[0].Score-want[0].Score) > eps {
				t.Errorf("components = %v, want %v", c.Components, want)
			}
			checkOpt(t, "health", c.Health, fp(tt.wantEngagement))
		})
	}
}

func TestAsOfAssessment(t *testing.T) {
	// c1 has 2 renewal contacts (contacts 100, weight 0.05) and an
	// assessment of 15 of 20 standards met (best_practice 75, weight 0.10);
	// the PSA components configured weigh 0.85 in all.
	counted := []model.ComponentScore{{"best_practice", 75}, {"contacts", 100}}
	ignored := []model.ComponentScore{{"contacts", 100}}
	berlinLate := time.Date(2024, time.June, 15, 23, 30, 0, 0, time.UTC) // already the 16th in Berlin
	tests := []struct {
		name           string
		yaml           string
		now            time.Time
		assessedAt     *model.Date
		wantBP         *float64
		wantComponents []model.ComponentScore
		wantHealth     float64
		wantCoverage   float64
	}{
		// (0.10*75 + 0.05*100) / 0.15 = 12.5 / 0.15
		{"assessment made today counts", "", testNow, dp("2024-06-15"), fp(0.75), counted, 12.5 / 0.15, 0.15 / 0.85},
		{"assessment made yesterday counts", "", testNow, dp("2024-06-14"), fp(0.75), counted, 12.5 / 0.15, 0.15 / 0.85},
		{"assessment without a date counts", "", testNow, nil, fp(0.75), counted, 12.5 / 0.15, 0.15 / 0.85},
		{"assessment dated tomorrow has not been made", "", testNow, dp("2024-06-16"), nil, ignored, 100, 0.05 / 0.85},
		{"assessment planned for next week has not been made", "", testNow, dp("2024-06-22"), nil, ignored, 100, 0.05 / 0.85},
		{
			"the same assessment read a week later", "", time.Date(2024, time.June, 22, 8, 0, 0, 0, time.UTC),
			dp("2024-06-22"), fp(0.75), counted, 12.5 / 0.15, 0.15 / 0.85,
		},
		{"dated the 16th, late on the 15th in UTC", "", berlinLate, dp("2024-06-16"), nil, ignored, 100, 0.05 / 0.85},
		{"dated the 16th, the 16th in Berlin", "time_zone: Europe/Berlin", berlinLate, dp("2024-06-16"), fp(0.75), counted, 12.5 / 0.15, 0.15 / 0.85},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psa := &model.Facts{
				Now: tt.now, Clients: []model.Client{longClient("c1")},
				Contacts:    map[string]int64{"c1": 2},
				Assessments: map[string]model.Assessment{"c1": {Total: 20, Met: 15, AssessedAt: tt.assessedAt}},
			}
			c := clientByID(t, model.Compute(parseConfig(t, tt.yaml).Params(), psa, nil), "c1")
			checkOpt(t, "best practice", c.BestPractice, tt.wantBP)
			if len(c.Components) != len(tt.wantComponents) {
				t.Fatalf("components = %v, want %v", c.Components, tt.wantComponents)
			}
			for i, want := range tt.wantComponents {
				if got := c.Components[i]; got.Component != want.Component || math.Abs(got.Score-want.Score) > eps {
					t.Errorf("components = %v, want %v", c.Components, tt.wantComponents)
				}
			}
			checkOpt(t, "health", c.Health, fp(tt.wantHealth))
			checkOpt(t, "coverage", c.Coverage, fp(tt.wantCoverage))
		})
	}
}

func TestAsOfOverdue(t *testing.T) {
	tests := []struct {
		name        string
		billingNow  time.Time
		overdue     []model.Overdue
		wantCount   float64
		wantAmounts []model.CurrencyValue
		wantOldest  *float64
		wantBilling float64
	}{
		{
			name: "due yesterday is overdue", billingNow: testNow,
			overdue:   []model.Overdue{{Currency: "USD", Invoices: 1, Amount: fp(100), OldestDue: dp("2024-06-14")}},
			wantCount: 1, wantAmounts: []model.CurrencyValue{{"USD", 100}}, wantOldest: fp(ts("2024-06-14")),
			wantBilling: 100 * (1 - 1.0/60),
		},
		{
			name: "oldest due today: nothing overdue yet", billingNow: testNow,
			overdue:     []model.Overdue{{Currency: "USD", Invoices: 1, Amount: fp(100), OldestDue: dp("2024-06-15")}},
			wantBilling: 100,
		},
		{
			name: "oldest due next month: nothing overdue yet", billingNow: testNow,
			overdue:     []model.Overdue{{Currency: "USD", Invoices: 2, Amount: fp(300), OldestDue: dp("2024-07-15")}},
			wantBilling: 100,
		},
		{
			name: "a currency overdue, another not yet", billingNow: testNow,
			overdue: []model.Overdue{
				{Currency: "EUR", Invoices: 3, Amount: fp(50), OldestDue: dp("2024-07-01")},
				{Currency: "USD", Invoices: 2, Amount: fp(120), OldestDue: dp("2024-05-16")},
			},
			wantCount: 2, wantAmounts: []model.CurrencyValue{{"USD", 120}}, wantOldest: fp(ts("2024-05-16")),
			wantBilling: 50, // 30 days of 60
		},
		{
			name: "billing read yesterday: due yesterday was not overdue then", billingNow: testNow.Add(-24 * time.Hour),
			overdue:     []model.Overdue{{Currency: "USD", Invoices: 1, Amount: fp(100), OldestDue: dp("2024-06-14")}},
			wantBilling: 100,
		},
		{
			name: "without a due date the row stands", billingNow: testNow,
			overdue:   []model.Overdue{{Currency: "USD", Invoices: 1, Amount: fp(100)}},
			wantCount: 1, wantAmounts: []model.CurrencyValue{{"USD", 100}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			psa := &model.Facts{Now: testNow, Clients: []model.Client{longClient("c1")}}
			billing := &model.Facts{Now: tt.billingNow, Overdue: map[string][]model.Overdue{"c1": tt.overdue}}
			c := clientByID(t, model.Compute(billingConfig(t).Params(), psa, billing), "c1")
			checkOpt(t, "overdue invoices", c.OverdueInvoices, fp(tt.wantCount))
			checkOpt(t, "oldest overdue", c.OldestOverdueTimestamp, tt.wantOldest)
			if !slices.Equal(c.OverdueAmount, tt.wantAmounts) {
				t.Errorf("overdue amount = %v, want %v", c.OverdueAmount, tt.wantAmounts)
			}
			var want []model.ComponentScore
			if tt.wantCount == 0 || tt.wantOldest != nil {
				want = []model.ComponentScore{{"billing", tt.wantBilling}}
			}
			if len(c.Components) != len(want) ||
				(len(want) == 1 && (c.Components[0].Component != "billing" || math.Abs(c.Components[0].Score-tt.wantBilling) > eps)) {
				t.Errorf("components = %v, want %v", c.Components, want)
			}
		})
	}
}

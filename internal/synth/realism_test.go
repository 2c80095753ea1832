package synth_test

import (
	"context"
	"io"
	"math"

	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/embedded"
	"github.com/retention-exporter/retention_exporter/internal/synth"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// computeOn loads a generated MSP into the embedded engine and computes
// every value the exporter would serve, through the real source reader.
func computeOn(t *testing.T, o synth.Options) (*model.Result, *synth.Summary) {
	t.Helper()
	logrus.SetOutput(io.Discard)
	db, err := embedded.Start("127.0.0.1:0", "psa", "billing")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	psaDB, billingDB, err := db.CreateReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer psaDB.Close()
	defer billingDB.Close()
	sum, err := synth.Load(ctx, o, psaDB, billingDB)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SYNTH_PSA", db.DSN("psa"))
	t.Setenv("SYNTH_BILLING", db.DSN("billing"))
	cfg, err := config.Parse([]byte("sources:\n  psa: {dsn_env: SYNTH_PSA}\n  billing: {dsn_env: SYNTH_BILLING}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	psa, err := source.Open("psa", cfg.Sources.PSA, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer psa.Close()
	billing, err := source.Open("billing", cfg.Sources.Billing, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer billing.Close()
	// The exporter reads a little after the data was made.
	readAt := o.Now.Add(time.Minute)
	pf, reps, err := psa.ReadPSA(ctx, cfg, readAt)
	if err != nil {
		t.Fatal(err)
	}
	bf, breps, err := billing.ReadBilling(ctx, cfg, readAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(reps, breps...) {
		if len(r.Invalid) > 0 {
			t.Errorf("generated data has invalid rows in %s: %v %v", r.Query, r.Invalid, r.Examples)
		}
	}
	return model.Compute(cfg.Params(), pf, bf), sum
}

func TestStoriesAndDistributions(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	res, sum := computeOn(t, synth.Options{Clients: 300, Seed: 1, Now: now})
	today := model.DateOf(now)
	ts := func(days int) float64 { return float64(today.AddDays(days).Midnight(time.UTC).Unix()) }

	clients := map[string]model.ClientResult{}
	for _, c := range res.Clients {
		clients[c.ID] = c
	}
	if len(clients) != 300 {
		t.Errorf("%d active clients, want 300", len(clients))
	}
	contracts := map[string][]model.ContractResult{}
	for _, k := range res.Contracts {
		contracts[k.ClientID] = append(contracts[k.ClientID], k)
	}
	st := sum.Stories

	// At risk: every component scripted; the score is worked out in the
	// Stories documentation: 0.2·0 + 0.2·50 + 0.15·20 + 0.15·0 + 0.15·50 + 0.1·45 + 0.05·50.
	a := clients[st.AtRisk.ID]
	if a.Health == nil || *a.Health != 27.5 {
		t.Errorf("%s health %v, want 27.5", st.AtRisk.Name, deref(a.Health))
	}
	if deref(a.Utilization) != 0.6 || deref(a.CSAT) != 0.2 || deref(a.SLACompliance) != 0.5 {
		t.Errorf("%s utilization %v, CSAT %v, SLA %v", st.AtRisk.Name, deref(a.Utilization), deref(a.CSAT), deref(a.SLACompliance))
	}
	if k := current(contracts[st.AtRisk.ID]); k == nil || deref(k.DaysToRenewal) != 45 || deref(k.RenewalNoticeSent) != 0 {
		t.Errorf("%s renewal: %+v", st.AtRisk.Name, k)
	}
	// Lapsed.
	if k := current(contracts[st.Lapsed.ID]); k == nil || deref(k.DaysToRenewal) != -25 {
		t.Errorf("%s: %+v, want a contract lapsed 25 days ago", st.Lapsed.Name, k)
	}
	// Overdue.
	o := clients[st.Overdue.ID]
	if deref(o.OldestOverdueTimestamp) != ts(-50) || deref(o.OverdueInvoices) != 1 {
		t.Errorf("%s: %v overdue invoices, oldest at %v, want 1 due 50 days ago", st.Overdue.Name, deref(o.OverdueInvoices), deref(o.OldestOverdueTimestamp))
	}
	// New, never reviewed.
	n := clients[st.New.ID]
	if n.LastReviewTimestamp != nil || n.StartTimestamp != ts(-20) {
		t.Errorf("%s: started %v, last review %v", st.New.Name, n.StartTimestamp, deref(n.LastReviewTimestamp))
	}
	// Gave notice.
	if k := current(contracts[st.Notice.ID]); k == nil || deref(k.CancelTimestamp) != ts(30) {
		t.Errorf("%s: %+v, want a cancellation in 30 days", st.Notice.Name, k)
	}

	// Distributions a real MSP would recognise.
	var cohort, churned float64
	for _, g := range res.Portfolio.ChurnCohort {
		if g.Window == "365d" {
			cohort += g.Value
		}
	}
	for _, g := range res.Portfolio.Churned {
		if g.Window == "365d" {
			churned += g.Value
		}
	}
	monthly := 1 - math.Pow(1-churned/cohort, 1.0/12)
	if monthly < 0.008 || monthly > 0.025 {
		t.Errorf("monthly logo churn %.2f%% (%v of %v in a year), want about 1-2%%", 100*monthly, churned, cohort)
	}
	var healthy, atRisk, critical int
	for _, c := range res.Clients {
		switch h := deref(c.Health); {
		case h < 40:
			critical++
		case h < 60:
			atRisk++
		default:
			healthy++
		}
	}
	if healthy < 220 || critical+atRisk < 10 || critical < 2 {
		t.Errorf("health: %d healthy, %d at risk, %d critical; want most healthy with a tail at risk", healthy, atRisk, critical)
	}
	lapsed, evergreen, autoRenew, currencies := 0, 0, 0, map[string]bool{}
	for _, k := range res.Contracts {
		if k.DaysToRenewal != nil && *k.DaysToRenewal < 0 {
			lapsed++
		}
		if k.DaysToRenewal == nil {
			evergreen++
		}
		if k.AutoRenew {
			autoRenew++
		}
		currencies[k.Currency] = true
	}
	if lapsed < 3 || evergreen < 30 || autoRenew < 30 || len(currencies) != 3 {
		t.Errorf("contracts: %d lapsed, %d evergreen, %d auto-renewing, currencies %v", lapsed, evergreen, autoRenew, currencies)
	}
	if len(res.Portfolio.ChurnedByReason) < 5 {
		t.Errorf("churn reasons: %v", res.Portfolio.ChurnedByReason)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// current is the managed-services contract with a renewal date.
func current(ks []model.ContractResult) *model.ContractResult {
	for i := range ks {
		if ks[i].Type == "managed" && ks[i].DaysToRenewal != nil {
			return &ks[i]
		}
	}
	return nil
}

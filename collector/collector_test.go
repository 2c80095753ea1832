package collector

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

func f(v float64) *float64 { return &v }

// sample is a result with one of everything, and a client name that is
// not valid UTF-8.
func sample() *model.Result {
	return &model.Result{
		Clients: []model.ClientResult{{
			ID: "c1", Name: "Acme \xff Corp", Segment: "smb", AccountManager: "Alice",
			StartTimestamp: 1.6e9, NextAnniversaryTimestamp: 1.8e9,
			Endpoints: f(10), Tickets: []model.WindowValue{{Window: "30d", Value: 5}},
			Utilization: f(0.5), SLACompliance: f(0.75), CSAT: f(0.5), BestPractice: f(0.75),
			LastReviewTimestamp: f(1.7e9), RenewalContacts: f(2), OverdueInvoices: f(1),
			OverdueAmount: []model.CurrencyValue{{Currency: "USD", Value: 500}}, OldestOverdueTimestamp: f(1.75e9),
			MRR:    []model.CurrencyValue{{Currency: "USD", Value: 1000}},
			Health: f(55.5), Components: []model.ComponentScore{{Component: "sla", Score: 75}}, Coverage: f(1),
		}, {
			// Everything optional absent.
			ID: "c2", Name: "Beta", StartTimestamp: 1.6e9, NextAnniversaryTimestamp: 1.8e9,
		}},
		Contracts: []model.ContractResult{{
			ID: "k1", Name: "Managed", ClientID: "c1", ClientName: "Acme \xff Corp", Type: "managed",
			AutoRenew: true, Currency: "USD", DaysToRenewal: f(45), EndTimestamp: f(1.8e9),
			MonthlyValue: f(1000), RenewalNoticeSent: f(0),
		}},
		Portfolio: model.Portfolio{
			Clients:         []model.Group{{Segment: "smb", Value: 1}, {Segment: "", Value: 1}},
			ChurnedByReason: []model.Group{{Segment: "smb", Reason: "price", Window: "30d", Value: 2}},
			MRR:             []model.Group{{Segment: "smb", Currency: "USD", Value: 1000}},
		},
	}
}

func TestCollectAndCompare(t *testing.T) {
	c := New(sample(), Options{ComponentScores: true, Contracts: true})
	want := `
# HELP retention_client_info Client attributes; value 1. Join on client_id for segment and account manager.
# TYPE retention_client_info gauge
retention_client_info{account_manager="Alice",client="Acme � Corp",client_id="c1",segment="smb"} 1
retention_client_info{account_manager="",client="Beta",client_id="c2",segment=""} 1
# HELP retention_client_utilization_ratio Tickets per managed endpoint in the utilization window.
# TYPE retention_client_utilization_ratio gauge
retention_client_utilization_ratio{client="Acme � Corp",client_id="c1"} 0.5
# HELP retention_client_overdue_amount Sum of overdue invoice amounts.
# TYPE retention_client_overdue_amount gauge
retention_client_overdue_amount{client="Acme � Corp",client_id="c1",currency="USD"} 500
# HELP retention_contract_info Contract attributes; value 1.
# TYPE retention_contract_info gauge
retention_contract_info{auto_renew="true",client="Acme � Corp",client_id="c1",contract="Managed",contract_id="k1",contract_type="managed"} 1
# HELP retention_contract_cancel_timestamp_seconds Announced cancellation date of a contract still in force.
# TYPE retention_contract_cancel_timestamp_seconds gauge
# HELP retention_churned_clients_by_reason Churned clients of the window's cohort by normalised reason.
# TYPE retention_churned_clients_by_reason gauge
retention_churned_clients_by_reason{reason="price",segment="smb",window="30d"} 2
# HELP retention_clients Clients active today.
# TYPE retention_clients gauge
retention_clients{segment=""} 1
retention_clients{segment="smb"} 1
`
	names := []string{"retention_client_info", "retention_client_utilization_ratio", "retention_client_overdue_amount",
		"retention_contract_info", "retention_contract_cancel_timestamp_seconds", "retention_churned_clients_by_reason", "retention_clients"}
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

func TestLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(New(sample(), Options{ComponentScores: true, Contracts: true}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// Days to renewal is named by the product's contract; its base-unit
		// twin is retention_contract_end_timestamp_seconds.
		if p.Metric == "retention_contract_days_to_renewal" && strings.Contains(p.Text, "base unit") {
			continue
		}
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// TestRenderMatchesExpfmt: the hand-rolled rendering is byte for byte
// what client_golang's objects and expfmt write for the same samples,
// including escapes, invalid UTF-8 and special values.
func TestRenderMatchesExpfmt(t *testing.T) {
	r := sample()
	r.Clients = append(r.Clients, model.ClientResult{
		ID: `c\3`, Name: "Quote \"Q\" back\\slash\nnew line", Segment: "\xc3", AccountManager: "",
		StartTimestamp: -1, NextAnniversaryTimestamp: 4.102444800e9,
		Endpoints: f(math.Copysign(0, -1)), Utilization: f(math.Inf(1)), SLACompliance: f(math.NaN()),
		CSAT: f(1e-7), BestPractice: f(0.1 + 0.2), OverdueInvoices: f(1 << 62), Health: f(math.Inf(-1)),
	})
	c := New(r, Options{ComponentScores: true, Contracts: true})
	got, want := renderBoth(t, c)
	if got != want {
		t.Errorf("rendered text differs from expfmt's:\n%s", diffLines(got, want))
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(got)); err != nil {
		t.Errorf("rendered text differs from the collector: %v", err)
	}
}

// FuzzRenderMatchesExpfmt: whatever the names, ids and values a database
// holds, the rendering is what expfmt writes, and it parses.
func FuzzRenderMatchesExpfmt(f *testing.F) {
	f.Add("c1", "Acme", "smb", "Alice", 55.5)
	f.Add("", "", "", "", 0.0)
	f.Add("c\\\"2", "a\nb\\c\"d", "\xff\xfe", "{x=\"y\"}", math.Inf(-1))
	f.Add(strings.Repeat("é", 255), "日本語 株式会社", "seg ment", "#HELP", 1e300)
	f.Fuzz(func(t *testing.T, id, name, segment, manager string, v float64) {
		r := &model.Result{
			Clients: []model.ClientResult{{ID: id, Name: name, Segment: segment, AccountManager: manager,
				StartTimestamp: v, Health: &v, Components: []model.ComponentScore{{Component: model.Component(segment), Score: v}}}},
			Contracts: []model.ContractResult{{ID: manager, Name: segment, ClientID: id, ClientName: name,
				Type: name, Currency: segment, MonthlyValue: &v}},
			Portfolio: model.Portfolio{ChurnedByReason: []model.Group{{Segment: segment, Reason: name, Window: manager, Value: v}}},
		}
		c := New(r, Options{ComponentScores: true, Contracts: true})
		got, want := renderBoth(t, c)
		if got != want {
			t.Fatalf("rendered text differs from expfmt's:\n%s", diffLines(got, want))
		}
		if _, err := scrape.Parse([]byte(got)); err != nil {
			t.Fatalf("rendered text does not parse: %v\n%s", err, got)
		}
	})
}

// renderBoth renders c with Render and, family by family, with
// client_golang's objects and expfmt, and checks the sample count.
func renderBoth(t *testing.T, c *Collector) (got, want string) {
	t.Helper()
	var g bytes.Buffer
	n, err := c.Render(&g)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	samples := 0
	for _, fam := range c.families {
		mf := &dto.MetricFamily{Name: &fam.name, Help: &fam.help, Type: dto.MetricType_GAUGE.Enum()}
		c.each(fam, func(m prometheus.Metric) {
			pb := &dto.Metric{}
			if err := m.Write(pb); err != nil {
				t.Fatal(err)
			}
			mf.Metric = append(mf.Metric, pb)
		})
		samples += len(mf.Metric)
		if len(mf.Metric) > 0 {
			if _, err := expfmt.MetricFamilyToText(&w, mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != samples {
		t.Errorf("Render counted %d samples, expfmt wrote %d", n, samples)
	}
	return g.String(), w.String()
}

// TestRenderStopsAtWriteError: a failed write is reported, not swallowed.
func TestRenderStopsAtWriteError(t *testing.T) {
	_, err := New(sample(), Options{}).Render(failWriter{})
	if err == nil {
		t.Fatal("Render succeeded on a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + g[i] + "\n want " + w[i]
		}
	}
	return "lengths " + strconv.Itoa(len(g)) + " and " + strconv.Itoa(len(w)) + " lines"
}

func TestOptionsDropDetail(t *testing.T) {
	c := New(sample(), Options{})
	var b bytes.Buffer
	if _, err := c.Render(&b); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"retention_client_health_component_score", "retention_contract_"} {
		if strings.Contains(b.String(), name) {
			t.Errorf("%s rendered although dropped by options", name)
		}
	}
	if !strings.Contains(b.String(), "retention_client_health_score{") {
		t.Error("the health score itself must stay")
	}
}

// TestFamiliesAreTheVocabulary: the collector serves exactly the
// retention names the metrics package lists, besides the exporter's own.
func TestFamiliesAreTheVocabulary(t *testing.T) {
	served := map[string]bool{}
	for _, f := range New(&model.Result{}, Options{ComponentScores: true, Contracts: true}).families {
		served[f.name] = true
	}
	own := map[string]bool{metrics.BuildInfo: true, metrics.SourceUp: true, metrics.SourceLastSuccess: true,
		metrics.RefreshDuration: true, metrics.QueryUp: true, metrics.QueryLastSuccess: true, metrics.QueryDuration: true, metrics.QueryErrors: true, metrics.InvalidRows: true,
		metrics.ConfigLastReloadSuccessful: true, metrics.ConfigLastReloadSuccess: true, metrics.SnapshotRenderDuration: true}
	for _, n := range metrics.All() {
		if !served[n] && !own[n] {
			t.Errorf("%s is listed but not served", n)
		}
		delete(served, n)
	}
	for n := range served {
		t.Errorf("%s is served but not listed in metrics.All", n)
	}
}

// TestSplitKeepsEveryFamilyWhole: the shares of a split render, together,
// exactly the families of the whole, each family in one share.
func TestSplitKeepsEveryFamilyWhole(t *testing.T) {
	c := New(sample(), Options{ComponentScores: true, Contracts: true})
	var whole bytes.Buffer
	if _, err := c.Render(&whole); err != nil {
		t.Fatal(err)
	}
	want := familyBlocks(whole.String())
	for n := 1; n <= 5; n++ {
		var got []string
		for _, share := range c.Split(n) {
			var b bytes.Buffer
			if _, err := share.Render(&b); err != nil {
				t.Fatal(err)
			}
			got = append(got, familyBlocks(b.String())...)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("split in %d: the shares render other families than the whole", n)
		}
	}
}

// familyBlocks cuts an exposition into its families' text, sorted.
func familyBlocks(text string) []string {
	var blocks []string
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, "# HELP ") {
			blocks = append(blocks, "")
		}
		blocks[len(blocks)-1] += line
	}
	slices.Sort(blocks)
	return blocks
}

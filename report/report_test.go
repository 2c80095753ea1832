package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

func f(v float64) *float64 { return &v }

var (
	q3Start = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	q3End   = time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	review  = time.Date(2026, 8, 14, 0, 0, 0, 0, time.UTC)
	churn   = time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)
	renewal = time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC)
)

func stamp(t time.Time) float64 { return float64(t.Unix()) }

// dayResult is the result at one day of a hand-made quarter: Acme (c1)
// all quarter, with no SLA tickets in July, no surveys, a review on
// 14 Aug, a new assessment on 2 Aug and its managed contract renewed on
// 10 Aug; Beta (c2) until it churns on 15 Aug.
func dayResult(at time.Time) *model.Result {
	i := float64(at.Sub(q3Start).Hours() / 24)
	acme := model.ClientResult{
		ID: "c1", Name: "Acme & Sons <Ltd>", Segment: "smb", AccountManager: "Alice",
		StartTimestamp: stamp(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)), NextAnniversaryTimestamp: stamp(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)),
		Endpoints: f(40 + float64(int(i)/30)), Tickets: []model.WindowValue{{Window: "30d", Value: 10 + i/10}, {Window: "90d", Value: 30}},
		Utilization: f((10 + i/10) / 40), UtilizationTarget: f(0.2), ReviewCadenceSeconds: f(90 * 86400),
		LastReviewTimestamp: f(stamp(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))),
		BestPractice:        f(0.5), RenewalContacts: f(1), OverdueInvoices: f(0),
		MRR:    []model.CurrencyValue{{Currency: "USD", Value: 6500}},
		Health: f(70 - i/5), Coverage: f(0.85),
	}
	acme.Components = []model.ComponentScore{{Component: "utilization", Score: 100 - i/3}, {Component: "engagement", Score: 60}}
	if at.Month() != time.July {
		acme.SLACompliance, acme.SLATickets = f(0.9), f(20)
		acme.Components = append(acme.Components, model.ComponentScore{Component: "sla", Score: 90})
	}
	if !at.Before(review) {
		acme.LastReviewTimestamp = f(stamp(review))
		acme.Components[1].Score = 100
	}
	if !at.Before(time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)) {
		acme.BestPractice = f(0.75)
	}
	acme.Components = append(acme.Components, model.ComponentScore{Component: "best_practice", Score: 100 * *acme.BestPractice},
		model.ComponentScore{Component: "contacts", Score: 50})
	if at.Equal(q3End) {
		acme.OverdueInvoices, acme.OldestOverdueTimestamp = f(2), f(stamp(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)))
		acme.OverdueAmount = []model.CurrencyValue{{Currency: "USD", Value: 1234.5}}
	}
	r := &model.Result{Clients: []model.ClientResult{acme}}
	old := model.ContractResult{ID: "k1", Name: "Managed 2025", ClientID: "c1", ClientName: acme.Name, Type: "managed", Currency: "USD",
		MonthlyValue: f(6200), EndTimestamp: f(stamp(renewal.AddDate(0, 0, -1))), DaysToRenewal: f(renewal.AddDate(0, 0, -1).Sub(at).Hours() / 24),
		RenewalNoticeSent: f(1)}
	renewed := model.ContractResult{ID: "k2", Name: "Managed 2026", ClientID: "c1", ClientName: acme.Name, Type: "managed", Currency: "USD",
		MonthlyValue: f(6500), EndTimestamp: f(stamp(time.Date(2027, 8, 9, 0, 0, 0, 0, time.UTC))), RenewalNoticeSent: f(0)}
	renewed.DaysToRenewal = f(time.Date(2027, 8, 9, 0, 0, 0, 0, time.UTC).Sub(at).Hours() / 24)
	if at.Before(renewal) {
		r.Contracts = append(r.Contracts, old)
	} else {
		r.Contracts = append(r.Contracts, renewed)
	}
	if at.Before(churn) {
		r.Clients = append(r.Clients, model.ClientResult{ID: "c2", Name: "Beta", StartTimestamp: stamp(q3Start.AddDate(-1, 0, 0)),
			NextAnniversaryTimestamp: stamp(q3Start.AddDate(1, 0, 0)), Health: f(50)})
	}
	// Portfolio series are no client's.
	r.Portfolio.Clients = []model.Group{{Segment: "smb", Value: 2}}
	return r
}

var opts = collector.Options{ComponentScores: true, Contracts: true}

// recordQuarter records the hand-made quarter.
func recordQuarter(t *testing.T, want func(string) bool) *Recorder {
	t.Helper()
	days := Days(q3Start, q3End, time.UTC)
	rec := NewRecorder(days, time.UTC, opts, want)
	for i, d := range days {
		if err := rec.Add(i, dayResult(d)); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

func settings(t *testing.T) Settings {
	t.Helper()
	cfg, err := config.ParseEnv(nil, "", func(string) string { return "x" })
	if err != nil {
		t.Fatal(err)
	}
	return SettingsOf(cfg)
}

// TestRecorderIsTheCollector: each day of a client's data holds exactly
// the client's samples of the collector backfill writes with, and the
// JSON has the documented shape.
func TestRecorderIsTheCollector(t *testing.T) {
	rec := recordQuarter(t, nil)
	if got := rec.Clients(); len(got) != 1 || got[0] != "c1" {
		t.Errorf("clients active at the end %v, want [c1]", got)
	}
	for _, id := range []string{"c1", "c2"} {
		d := rec.Data(id)
		if d.ClientID != id || d.From != "2026-07-01" || d.To != "2026-09-30" || len(d.Days) != 92 {
			t.Fatalf("%s: %s to %s, %d days", id, d.From, d.To, len(d.Days))
		}
		for i, day := range d.Days {
			at := q3Start.AddDate(0, 0, i)
			var want []string
			_ = collector.New(dayResult(at), opts).Each(func(s *collector.Sample) error {
				if l := labelsOf(s); l[metrics.LabelClientID] == id {
					want = append(want, key(s.Metric, l, s.Value))
				}
				return nil
			})
			var got []string
			for _, s := range day.Series {
				got = append(got, key(s.Name, s.Labels, s.Value))
			}
			if day.Date != at.Format(time.DateOnly) || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%s on %s:\ngot  %v\nwant %v", id, day.Date, got, want)
			}
		}
	}
	if n := len(rec.Data("c2").Days[45].Series); n != 0 {
		t.Errorf("c2 has %d series after it churned", n)
	}

	var b bytes.Buffer
	if err := rec.Data("c1").WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["client_id"] != "c1" || doc["from"] != "2026-07-01" || doc["to"] != "2026-09-30" || doc["risk"] != nil {
		t.Errorf("JSON header: %v %v %v %v", doc["client_id"], doc["from"], doc["to"], doc["risk"])
	}
	first := doc["days"].([]any)[0].(map[string]any)
	s := first["series"].([]any)[0].(map[string]any)
	if first["date"] != "2026-07-01" || s["name"] != metrics.ClientInfo || s["labels"].(map[string]any)["client"] != "Acme & Sons <Ltd>" || s["value"] != 1.0 {
		t.Errorf("first series of the first day: %v", first)
	}

	// Recording one client records the same for it.
	one := recordQuarter(t, func(id string) bool { return id == "c1" })
	a, _ := json.Marshal(one.Data("c1"))
	if b := bytes.TrimSpace(b.Bytes()); !bytes.Equal(jsonCompact(t, b), a) {
		t.Error("recording c1 alone differs from recording every client")
	}
}

func jsonCompact(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func labelsOf(s *collector.Sample) map[string]string {
	m := map[string]string{}
	for i, n := range s.Names {
		if s.Values[i] != "" {
			m[n] = s.Values[i]
		}
	}
	return m
}

func key(name string, labels map[string]string, v float64) string {
	b, _ := json.Marshal(labels)
	return fmt.Sprintf("%s%s %v", name, b, v)
}

// points counts the points a chart of the page draws.
func points(t *testing.T, html, id string) int {
	t.Helper()
	svg := regexp.MustCompile(`(?s)<svg class="chart" id="` + id + `".*?</svg>`).FindString(html)
	if svg == "" {
		t.Fatalf("no chart %s", id)
	}
	n := 0
	for _, m := range regexp.MustCompile(`<polyline class="line" points="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		n += len(strings.Fields(m[1]))
	}
	return n + strings.Count(svg, `<circle class="dot"`)
}

// TestRenderPage: the page says what the data says, "no data" where it
// has none, draws a point for each day with a value, and asks for
// nothing outside itself.
func TestRenderPage(t *testing.T) {
	rec := recordQuarter(t, nil)
	var b bytes.Buffer
	if err := Render(&b, rec.Data("c1"), settings(t)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<h1>Acme &amp; Sons &lt;Ltd&gt;</h1>") {
		t.Error("the client's name is not escaped")
	}
	page := html.UnescapeString(b.String())
	for _, want := range []string{
		"Your MSP", "Business review Q3 2026", "1 Jul 2026 – 30 Sep 2026",
		"Customer since</dt><dd>1 Mar 2024", "Next anniversary</dt><dd>1 Mar 2027",
		"no data (no SLA tickets)", "90% of 20 tickets", "no data (no responses)",
		"40 on 1 Jul 2026; 43 on 30 Sep 2026",
		"Managed 2025 ended on 9 Aug 2026; renewed by Managed 2026.",
		"Business reviews held in the period</dt><dd>14 Aug 2026 (the one before: 2 Mar 2026)",
		"due by 12 Nov 2026 (90 days after the last review)",
		"75% of the standards met on 30 Sep 2026 (50% on 1 Jul 2026, +25 points; a new assessment on 2 Aug 2026).",
		"2 invoices overdue on 30 Sep 2026: USD 1,234.50.", "The oldest was due on 1 Sep 2026, 29 days before.",
		"Business reviews rose 40 points, from 60 on 1 Jul 2026 to 100 on 30 Sep 2026.",
		"SLA compliance: no data on 1 Jul 2026, 90 on 30 Sep 2026.",
		"Customer satisfaction</td><td class=\"num\">no data</td><td class=\"num\">no data</td>",
		"USD 6,500",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The rules at the end: utilization 70 < 100, contacts 50 < 100;
	// SLA 90 and engagement 100 meet theirs; CSAT has no data.
	recs := regexp.MustCompile(`<li><strong>([^<]*)</strong>`).FindAllStringSubmatch(page, -1)
	var names []string
	for _, r := range recs {
		names = append(names, r[1])
	}
	if strings.Join(names, ",") != "Utilization,Best practice,Renewal contacts" {
		t.Errorf("recommendations for %v", names)
	}
	if got := points(t, page, "health-chart"); got != 92 {
		t.Errorf("the health chart draws %d points, want one for each of 92 days", got)
	}
	if got := points(t, page, "utilization-chart"); got != 92 {
		t.Errorf("the utilization chart draws %d points, want 92", got)
	}
	for _, external := range []string{"http://", "https://", "<script", "src=", "url(", "@import", "<link"} {
		if strings.Contains(page, external) {
			t.Errorf("the page holds %q: it must read offline, alone", external)
		}
	}
	if strings.Contains(page, "ZgotmplZ") {
		t.Error("the template refused a value (ZgotmplZ)")
	}

	b.Reset()
	if err := Render(&b, rec.Data("c2"), settings(t)); err != nil {
		t.Fatal(err)
	}
	page = b.String()
	if !strings.Contains(page, "Churned on 15 Aug 2026: the report ends on 14 Aug 2026") || !strings.Contains(page, "None: the client churned.") {
		t.Errorf("the churned client's page does not say it churned:\n%s", page)
	}
	if got := points(t, page, "health-chart"); got != 45 {
		t.Errorf("the churned client's health chart draws %d points, want 45", got)
	}
}

// TestRisk: the risk serving's model gives at the end is recorded beside
// the days and read on the page.
func TestRisk(t *testing.T) {
	rec := recordQuarter(t, nil)
	res := dayResult(q3End)
	res.Risk = &model.RiskModel{Horizon: model.Window{Label: "90d", Duration: 90 * 24 * time.Hour}, TrainedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Evaluation: model.RiskEvaluation{BaseRate: 0.04}}
	res.Clients[0].ChurnRisk = f(0.12)
	res.Clients[0].RiskContributions = []model.ComponentScore{{Component: "utilization", Score: 0.8}, {Component: "engagement", Score: -0.3}}
	if err := rec.AddRisk(res); err != nil {
		t.Fatal(err)
	}
	d := rec.Data("c1")
	if d.Risk == nil || d.Risk.Date != "2026-09-30" || len(d.Risk.Series) != 5 {
		t.Fatalf("risk %+v", d.Risk)
	}
	if rec.Data("c2").Risk != nil {
		t.Error("a client churned before the end has a risk")
	}
	var b bytes.Buffer
	if err := Render(&b, d, settings(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Churn risk within 90d: 12%, where 4% of clients churn within 90d on average; at or above the 10% at which we act.", "Raising it: Utilization.",
		"Lowering it: Business reviews.", "(trained 1 Dec 2026), applied to the scores of 30 Sep 2026."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	days := Days(time.Date(2026, 10, 24, 0, 0, 0, 0, berlin), time.Date(2026, 10, 26, 0, 0, 0, 0, berlin), berlin)
	if len(days) != 3 || days[2].Sub(days[1]) != 25*time.Hour || days[1].Hour() != 0 {
		t.Errorf("days across the change to winter time: %v", days)
	}
	for _, tt := range []struct {
		from, to time.Time
		want     string
	}{
		{q3Start, q3End, "Q3 2026"},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), "Q1 2026"},
		{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), "February 2026"},
		{q3Start, q3End.AddDate(0, 0, -1), ""},
	} {
		if got := periodName(tt.from, tt.to); got != tt.want {
			t.Errorf("periodName(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestChartTicks: the x axis names month starts, and the first day only
// when no month starts within the week after it.
func TestChartTicks(t *testing.T) {
	for _, tt := range []struct {
		from, to time.Time
		want     string
	}{
		{q3Start, q3End, "1 Jul,1 Aug,1 Sep"},
		{time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), "1 Nov,1 Dec"},
		{time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), "20 Oct,1 Nov,1 Dec"},
	} {
		var days []day
		for _, d := range Days(tt.from, tt.to, time.UTC) {
			days = append(days, day{date: d})
		}
		var got []string
		for _, x := range newChart("c", 100, days).XTicks {
			got = append(got, x.Label)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%s to %s: ticks %v, want %s", tt.from, tt.to, got, tt.want)
		}
	}
}

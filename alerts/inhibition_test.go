package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// startShippedAlertmanager runs the shipped Alertmanager configuration
// with its receivers pointed at a test webhook and business hours set to
// businessDays (e.g. "sunday:saturday" for always).
func startShippedAlertmanager(t *testing.T, businessDays string) (*promtest.Process, *webhook) {
	t.Helper()
	hook := &webhook{}
	srv := httptest.NewServer(hook)
	t.Cleanup(srv.Close)
	cfg, err := os.ReadFile(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	text := rewriteAlertmanager(string(cfg), srv.URL)
	text = regexp.MustCompile(`weekdays: \[[^]]*\]`).ReplaceAllString(text, "weekdays: ['"+businessDays+"']")
	text = strings.ReplaceAll(text, "end_time: '18:00'", "end_time: '24:00'")
	text = strings.ReplaceAll(text, "start_time: '08:00'", "start_time: '00:00'")
	am, err := promtest.StartAlertmanager(filepath.Join(t.TempDir(), "am"), text)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(am.Stop)
	return am, hook
}

func post(t *testing.T, am *promtest.Process, alerts ...map[string]string) {
	t.Helper()
	var body []map[string]any
	for _, l := range alerts {
		body = append(body, map[string]any{"labels": l, "startsAt": time.Now().UTC().Format(time.RFC3339)})
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("posting alerts: %s", resp.Status)
	}
}

func client(alert, severity, source, id string) map[string]string {
	return map[string]string{"alertname": alert, "category": "client", "severity": severity, "source": source,
		"instance": "exporter:9866", "client_id": id, "client": "Client " + id, "account_manager": "Bob"}
}

// on labels a client alert with the health component it is about.
func on(labels map[string]string, component string) map[string]string {
	labels["component"] = component
	return labels
}

// key names an alert in these tests: its name, client and source.
func key(labels map[string]string) string {
	return labels["alertname"] + "/" + labels["client_id"] + labels["source"]
}

// delivered reports which of the posted alerts have reached the webhook,
// and the receiver they reached.
func delivered(hook *webhook) map[string]string {
	got := map[string]string{}
	for _, n := range hook.all() {
		for _, a := range n.Alerts {
			got[key(a.Labels)] = n.Receiver
		}
	}
	return got
}

// amAlert is an alert as Alertmanager's API v2 lists it, with whether it
// is held back and by which alerts.
type amAlert struct {
	Fingerprint string            `json:"fingerprint"`
	Labels      map[string]string `json:"labels"`
	Status      struct {
		State       string   `json:"state"`
		InhibitedBy []string `json:"inhibitedBy"`
		SilencedBy  []string `json:"silencedBy"`
	} `json:"status"`
}

func amAlerts(t *testing.T, am *promtest.Process) []amAlert {
	t.Helper()
	var alerts []amAlert
	if err := am.GetJSON(context.Background(), "/api/v2/alerts", &alerts); err != nil {
		t.Fatal(err)
	}
	return alerts
}

// inhibitions maps each alert Alertmanager holds to the alert inhibiting
// it, "" when it is active; the API computes this when asked.
func inhibitions(t *testing.T, am *promtest.Process) map[string]string {
	t.Helper()
	alerts := amAlerts(t, am)
	byFingerprint := map[string]string{}
	for _, a := range alerts {
		byFingerprint[a.Fingerprint] = key(a.Labels)
	}
	got := map[string]string{}
	for _, a := range alerts {
		var by []string
		for _, fp := range a.Status.InhibitedBy {
			by = append(by, byFingerprint[fp])
		}
		for _, id := range a.Status.SilencedBy {
			by = append(by, "silence "+id)
		}
		if (a.Status.State == "active") != (len(by) == 0) {
			by = append(by, "state "+a.Status.State)
		}
		got[key(a.Labels)] = strings.Join(by, ", ")
	}
	return got
}

// flushes counts the times Alertmanager has run the notification pipeline
// of the aggregation group holding the alert. A group flushes again only
// after its previous flush has finished, notification sent included.
func flushes(am *promtest.Process, a amAlert) int {
	id := a.Labels["alertname"] + "[" + a.Fingerprint[:7] + "]"
	n := 0
	for _, line := range strings.Split(am.Log(), "\n") {
		if strings.Contains(line, "msg=flushing ") && strings.Contains(line, id) {
			n++
		}
	}
	return n
}

func TestInhibition(t *testing.T) {
	testenv.Integration(t)
	t.Parallel()
	am, hook := startShippedAlertmanager(t, "sunday:saturday")
	post(t, am,
		map[string]string{"alertname": "RetentionSourceDown", "category": "exporter", "severity": "critical", "source": "psa", "instance": "exporter:9866"},
		// One billing query other than invoices stale: it holds back nothing.
		map[string]string{"alertname": "RetentionDataStale", "category": "exporter", "severity": "warning", "source": "billing", "query": "credits", "instance": "exporter:9866"},
		client("RetentionCSATLow", "warning", "psa", "c1"),
		client("RetentionRenewalAtRisk", "critical", "psa", "c1"),
		client("RetentionInvoiceOverdue", "warning", "billing", "c2"),
		client("RetentionClientHealthCritical", "critical", "billing", "c3"),
		client("RetentionCSATLow", "warning", "billing", "c3"),
		client("RetentionSLAComplianceLow", "warning", "billing", "c4"),
		// Not psa, which is down: as c3 and c4.
		client("RetentionClientHealthAtRisk", "warning", "billing", "c5"),
		on(client("RetentionInvoiceOverdue", "warning", "billing", "c5"), "billing"),
		client("RetentionRenewalNoticeNotSent", "warning", "billing", "c5"),
		on(client("RetentionCSATLow", "warning", "billing", "c6"), "csat"),
	)
	// Each alert and the alert holding it back ("" for none). The inhibitor
	// learns of the source alerts asynchronously: wait for all of them.
	want := map[string]string{
		"RetentionSourceDown/psa":                 "",
		"RetentionDataStale/billing":              "",
		"RetentionCSATLow/c1psa":                  "RetentionSourceDown/psa",
		"RetentionRenewalAtRisk/c1psa":            "RetentionSourceDown/psa",
		"RetentionInvoiceOverdue/c2billing":       "", // billing is up
		"RetentionClientHealthCritical/c3billing": "",
		"RetentionCSATLow/c3billing":              "RetentionClientHealthCritical/c3billing",
		"RetentionSLAComplianceLow/c4billing":     "", // no critical for c4
		"RetentionClientHealthAtRisk/c5billing":   "",
		// The health alert names the weakest components already.
		"RetentionInvoiceOverdue/c5billing": "RetentionClientHealthAtRisk/c5billing",
		// Not about one component: it still goes out.
		"RetentionRenewalNoticeNotSent/c5billing": "",
		"RetentionCSATLow/c6billing":              "", // no health alert for c6
	}
	var got map[string]string
	if !testenv.Poll(30*time.Second, func() bool { got = inhibitions(t, am); return maps.Equal(got, want) }) {
		t.Fatalf("Alertmanager holds back %v, want %v", got, want)
	}
	// The alerts not held back reach their receivers.
	sent := map[string]string{
		"RetentionSourceDown/psa":                 "oncall",
		"RetentionDataStale/billing":              "oncall",
		"RetentionInvoiceOverdue/c2billing":       "account-managers",
		"RetentionClientHealthCritical/c3billing": "account-managers-critical",
		"RetentionSLAComplianceLow/c4billing":     "account-managers",
		"RetentionClientHealthAtRisk/c5billing":   "account-managers",
		"RetentionRenewalNoticeNotSent/c5billing": "account-managers",
		"RetentionCSATLow/c6billing":              "account-managers",
	}
	if !testenv.Poll(30*time.Second, func() bool { got = delivered(hook); return maps.Equal(got, sent) }) {
		t.Errorf("delivered %v, want %v", got, sent)
	}
}

// TestBusinessHours: outside business hours warnings wait; critical
// client alerts and exporter alerts do not.
func TestBusinessHours(t *testing.T) {
	testenv.Integration(t)
	t.Parallel()
	// Business days that never include today.
	tomorrow := strings.ToLower(time.Now().UTC().Add(24 * time.Hour).Weekday().String())
	am, hook := startShippedAlertmanager(t, tomorrow)
	post(t, am,
		client("RetentionCSATLow", "warning", "psa", "c1"),
		client("RetentionRenewalAtRisk", "critical", "psa", "c2"),
		map[string]string{"alertname": "RetentionInvalidRows", "category": "exporter", "severity": "warning", "source": "psa", "instance": "exporter:9866"},
		map[string]string{"alertname": "RetentionLogoChurnHigh", "category": "portfolio", "severity": "warning", "source": "psa", "window": "30d", "instance": "exporter:9866"},
	)
	var got map[string]string
	if !testenv.Poll(30*time.Second, func() bool {
		got = delivered(hook)
		return got["RetentionRenewalAtRisk/c2psa"] == "account-managers-critical" && got["RetentionInvalidRows/psa"] == "oncall"
	}) {
		t.Errorf("urgent alerts not delivered outside business hours: %v", got)
	}
	// The warnings are neither inhibited nor silenced; once their groups
	// have flushed twice, the first flush is over and sent nothing.
	held := map[string]bool{"RetentionCSATLow/c1psa": true, "RetentionLogoChurnHigh/psa": true}
	for _, a := range amAlerts(t, am) {
		if !held[key(a.Labels)] {
			continue
		}
		delete(held, key(a.Labels))
		if a.Status.State != "active" {
			t.Errorf("%s is %s, want active: only the time of day should hold it back", key(a.Labels), a.Status.State)
		}
		if !testenv.Poll(30*time.Second, func() bool { return flushes(am, a) >= 2 }) {
			t.Fatalf("%s: its group did not flush twice\n%s", key(a.Labels), am.Log())
		}
		if r, ok := delivered(hook)[key(a.Labels)]; ok {
			t.Errorf("%s delivered to %s outside business hours", key(a.Labels), r)
		}
	}
	for k := range held {
		t.Errorf("Alertmanager does not hold %s", k)
	}
}

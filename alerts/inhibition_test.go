package alerts

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/promtest"
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

// delivered reports which of the posted alerts reached the webhook, after
// giving Alertmanager time for several grouping rounds.
func delivered(hook *webhook, settle time.Duration) map[string]string {
	time.Sleep(settle)
	got := map[string]string{}
	for _, n := range hook.all() {
		for _, a := range n.Alerts {
			got[a.Labels["alertname"]+"/"+a.Labels["client_id"]+a.Labels["source"]] = n.Receiver
		}
	}
	return got
}

func TestInhibition(t *testing.T) {
	am, hook := startShippedAlertmanager(t, "sunday:saturday")
	post(t, am,
		map[string]string{"alertname": "RetentionSourceDown", "category": "exporter", "severity": "critical", "source": "psa", "instance": "exporter:9866"},
		client("RetentionCSATLow", "warning", "psa", "c1"),
		client("RetentionRenewalAtRisk", "critical", "psa", "c1"),
		client("RetentionInvoiceOverdue", "warning", "billing", "c2"),
		client("RetentionClientHealthCritical", "critical", "billing", "c3"),
		client("RetentionCSATLow", "warning", "billing", "c3"),
		client("RetentionSLAComplianceLow", "warning", "billing", "c4"),
	)
	got := delivered(hook, 6*time.Second)
	want := map[string]string{
		"RetentionSourceDown/psa":                 "oncall",
		"RetentionInvoiceOverdue/c2billing":       "account-managers", // billing is up
		"RetentionClientHealthCritical/c3billing": "account-managers-critical",
		"RetentionSLAComplianceLow/c4billing":     "account-managers", // no critical for c4
	}
	for k, r := range want {
		if got[k] != r {
			t.Errorf("%s delivered to %q, want %q", k, got[k], r)
		}
	}
	for _, k := range []string{"RetentionCSATLow/c1psa", "RetentionRenewalAtRisk/c1psa", "RetentionCSATLow/c3billing"} {
		if r, ok := got[k]; ok {
			t.Errorf("%s delivered to %s: it should be held back", k, r)
		}
	}
}

// TestBusinessHours: outside business hours warnings wait; critical
// client alerts and exporter alerts do not.
func TestBusinessHours(t *testing.T) {
	// Business days that never include today.
	tomorrow := strings.ToLower(time.Now().UTC().Add(24 * time.Hour).Weekday().String())
	am, hook := startShippedAlertmanager(t, tomorrow)
	post(t, am,
		client("RetentionCSATLow", "warning", "psa", "c1"),
		client("RetentionRenewalAtRisk", "critical", "psa", "c2"),
		map[string]string{"alertname": "RetentionInvalidRows", "category": "exporter", "severity": "warning", "source": "psa", "instance": "exporter:9866"},
		map[string]string{"alertname": "RetentionLogoChurnHigh", "category": "portfolio", "severity": "warning", "source": "psa", "window": "30d", "instance": "exporter:9866"},
	)
	got := delivered(hook, 6*time.Second)
	if got["RetentionRenewalAtRisk/c2psa"] != "account-managers-critical" || got["RetentionInvalidRows/psa"] != "oncall" {
		t.Errorf("urgent alerts not delivered outside business hours: %v", got)
	}
	for _, k := range []string{"RetentionCSATLow/c1psa", "RetentionLogoChurnHigh/psa"} {
		if r, ok := got[k]; ok {
			t.Errorf("%s delivered to %s outside business hours", k, r)
		}
	}
}

package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/stack"
)

// notification is one webhook call of Alertmanager.
type notification struct {
	Receiver string
	Status   string `json:"status"`
	Alerts   []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"alerts"`
}

type webhook struct {
	mu  sync.Mutex
	got []notification
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var n notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	n.Receiver = strings.TrimPrefix(r.URL.Path, "/")
	w.mu.Lock()
	w.got = append(w.got, n)
	w.mu.Unlock()
}

func (w *webhook) all() []notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]notification(nil), w.got...)
}

// find returns the first notification holding a firing alert with the labels.
func (w *webhook) find(labels map[string]string) (notification, map[string]string, bool) {
	for _, n := range w.all() {
		for _, a := range n.Alerts {
			match := a.Status == "firing"
			for k, v := range labels {
				match = match && a.Labels[k] == v
			}
			if match {
				return n, a.Annotations, true
			}
		}
	}
	return notification{}, nil, false
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestEndToEnd follows a database row to a notification: MariaDB with a
// generated MSP, the exporter, Prometheus with the generated rules and
// Alertmanager with the shipped configuration. The scripted at-risk
// client's critical alert reaches the account managers' webhook; when the
// database stops, the source-down alert reaches on-call while the client
// alerts neither resolve nor fire again.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()

	// The webhook receiver and Alertmanager with the shipped configuration;
	// only the receivers' addresses and the grouping delays are changed.
	hook := &webhook{}
	hookServer := httptest.NewServer(hook)
	defer hookServer.Close()
	amConfig, err := os.ReadFile(alertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	am, err := promtest.StartAlertmanager(filepath.Join(t.TempDir(), "am"), rewriteAlertmanager(string(amConfig), hookServer.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer am.Stop()

	// The product, with the generated rules' for durations shortened.
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Marshal(Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	short := regexp.MustCompile(`(?m)^(\s+for: )\S+$`).ReplaceAll(rules, []byte("${1}3s"))
	s := stack.Start(t, stack.Options{Clients: 30, Rules: short, AlertmanagerAddr: strings.TrimPrefix(am.URL, "http://")})
	story := s.Stories.AtRisk
	prom, db := s.Prometheus, s.DB
	defer func() {
		if t.Failed() {
			t.Logf("alertmanager log:\n%s\nnotifications: %+v", am.Log(), hook.all())
		}
	}()

	// The at-risk client's critical alert arrives, routed and labelled.
	want := map[string]string{"alertname": "RetentionClientHealthCritical", "client": story.Name, "client_id": story.ID,
		"account_manager": story.AccountManager, "segment": "mid-market", "severity": "critical", "category": "client"}
	var n notification
	var ann map[string]string
	waitUntil(t, 90*time.Second, "the at-risk client's alert at the webhook", func() bool {
		var ok bool
		n, ann, ok = hook.find(want)
		return ok
	})
	if n.Receiver != "account-managers-critical" {
		t.Errorf("the critical client alert went to %q, want account-managers-critical", n.Receiver)
	}
	if !strings.Contains(ann["summary"], story.Name+": health 28, critical") || !strings.Contains(ann["description"], "account manager "+story.AccountManager) {
		t.Errorf("annotations %v", ann)
	}
	// Utilization and engagement tie at 0, in either order; CSAT (20) is third.
	for _, part := range []string{"Weakest components: ", "utilization 0; ", "engagement 0; ", "0; csat 20; "} {
		if !strings.Contains(ann["description"], part) {
			t.Errorf("description does not name the weakest components (%q): %q", part, ann["description"])
		}
	}
	for _, a := range n.Alerts {
		if a.Labels["client_id"] != story.ID {
			t.Errorf("a notification grouped per client holds %s", a.Labels["client_id"])
		}
		if a.Labels["severity"] == "warning" {
			t.Errorf("warning %s delivered although the client is critical", a.Labels["alertname"])
		}
	}

	// The database stops: on-call hears of it; the client alerts stay quiet.
	before := len(hook.all())
	db.Kill()
	waitUntil(t, 60*time.Second, "the source-down alert at the webhook", func() bool {
		_, _, ok := hook.find(map[string]string{"alertname": "RetentionSourceDown", "source": "psa"})
		return ok
	})
	if n, _, _ := hook.find(map[string]string{"alertname": "RetentionSourceDown", "source": "psa"}); n.Receiver != "oncall" {
		t.Errorf("source down went to %q, want oncall", n.Receiver)
	}
	time.Sleep(8 * time.Second) // several evaluation and grouping rounds
	for _, n := range hook.all()[before:] {
		for _, a := range n.Alerts {
			if a.Labels["category"] == "client" {
				t.Errorf("client alert %s %s for %s while the database is down", a.Labels["alertname"], a.Status, a.Labels["client"])
			}
		}
	}
	// Prometheus still has the client alert firing: the exporter serves the
	// last good data with up 0.
	res, err := prom.Query(ctx, fmt.Sprintf(`ALERTS{alertname="RetentionClientHealthCritical",alertstate="firing",client_id=%q}`, story.ID))
	if err != nil || len(res) != 1 {
		t.Errorf("the client alert is no longer firing in Prometheus: %v %v", res, err)
	}
}

// rewriteAlertmanager points the receivers at the test's webhook and
// shortens the grouping delays; routes, inhibitions and repeat intervals
// stay as shipped.
func rewriteAlertmanager(cfg, hookURL string) string {
	cfg = strings.ReplaceAll(cfg, "http://alert-receiver:5001", hookURL)
	cfg = regexp.MustCompile(`(?m)^(\s+group_wait: )\S+`).ReplaceAllString(cfg, "${1}1s")
	return regexp.MustCompile(`(?m)^(\s+group_interval: )\S+`).ReplaceAllString(cfg, "${1}2s")
}

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
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/stack"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// notification is one webhook call of Alertmanager.
type notification struct {
	Receiver string
	GroupKey string `json:"groupKey"`
	Status   string `json:"status"`
	Alerts   []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
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

// TestEndToEnd follows a database row to a notification: MariaDB with a
// generated MSP, the exporter, Prometheus with the generated rules and
// Alertmanager with the shipped configuration. The scripted at-risk
// client's critical alert reaches the account managers' webhook; when the
// database stops, the source-down alert reaches on-call while the client
// alerts neither resolve nor fire again.
func TestEndToEnd(t *testing.T) {
	testenv.Integration(t)
	t.Parallel()
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
	s := stack.Start(t, stack.Options{Clients: 30, Rules: shortRules(t), AlertmanagerAddr: strings.TrimPrefix(am.URL, "http://")})
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
	testenv.WaitFor(t, 90*time.Second, "the at-risk client's alert at the webhook", func() bool {
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
	active := firingOrPending(t, prom)
	atRisk := false
	for _, a := range active {
		atRisk = atRisk || a.Labels["alertname"] == "RetentionClientHealthCritical" && a.Labels["client_id"] == story.ID && a.State == "firing"
	}
	if !atRisk {
		t.Fatalf("the at-risk client's alert is not firing in Prometheus: %v", active)
	}
	before := len(hook.all())
	killed := time.Now()
	db.Kill()
	sourceDown := map[string]string{"alertname": "RetentionSourceDown", "source": "psa"}
	testenv.WaitFor(t, 60*time.Second, "the source-down alert at the webhook", func() bool {
		_, _, ok := hook.find(sourceDown)
		return ok
	})
	if n, _, _ := hook.find(sourceDown); n.Receiver != "oncall" {
		t.Errorf("source down went to %q, want oncall", n.Receiver)
	}

	// Prometheus: once the client rules have been evaluated six times
	// after the source went down (1s apart, over three of the exporter's
	// 2s refreshes), every client alert firing before is still firing,
	// active since the same time. A resolve would show as a missing alert,
	// a new firing as a later activeAt.
	var down time.Time
	for _, a := range promAlerts(t, prom) {
		if a.Labels["alertname"] == sourceDown["alertname"] && a.Labels["source"] == sourceDown["source"] {
			down = a.ActiveAt
		}
	}
	if down.IsZero() {
		t.Fatal("RetentionSourceDown reached the webhook but is not active in Prometheus")
	}
	const rounds = 6
	testenv.WaitFor(t, 60*time.Second, "six evaluations of the client rules after the source went down", func() bool {
		last, every := lastEvaluation(t, prom, "retention.clients")
		return !last.Before(down.Add(rounds * every))
	})
	after := firingOrPending(t, prom)
	for k, a := range active {
		if a.State != "firing" {
			continue
		}
		b, ok := after[k]
		switch {
		case !ok:
			t.Errorf("client alert %s resolved while the database is down", k)
		case b.State != "firing" || !b.ActiveAt.Equal(a.ActiveAt):
			t.Errorf("client alert %s is %s since %s, was firing since %s: it resolved and fired again", k, b.State, b.ActiveAt, a.ActiveAt)
		}
	}

	// Alertmanager: every client alert is held back by its source's
	// RetentionSourceDown, so no flush of their groups can notify.
	testenv.WaitFor(t, 30*time.Second, "every client alert inhibited by its source's RetentionSourceDown", func() bool {
		alerts := amAlerts(t, am)
		inhibitor := map[string]string{} // source → fingerprint of its RetentionSourceDown
		for _, a := range alerts {
			if a.Labels["alertname"] == "RetentionSourceDown" {
				inhibitor[a.Labels["source"]] = a.Fingerprint
			}
		}
		clients := 0
		for _, a := range alerts {
			if a.Labels["category"] != "client" {
				continue
			}
			clients++
			if fp, ok := inhibitor[a.Labels["source"]]; !ok || !slices.Contains(a.Status.InhibitedBy, fp) {
				return false
			}
		}
		return clients > 0
	})
	// The webhook: once it has every notification Alertmanager sent, none
	// since the kill resolves a client alert or announces it firing anew.
	testenv.WaitFor(t, 30*time.Second, "Alertmanager's notifications at the webhook", func() bool {
		return amNotifications(t, am) == len(hook.all())
	})
	for _, n := range hook.all()[before:] {
		for _, a := range n.Alerts {
			if a.Labels["category"] == "client" && (a.Status != "firing" || a.StartsAt.After(killed)) {
				t.Errorf("client alert %s %s (starts %s) for %s while the database is down", a.Labels["alertname"], a.Status, a.StartsAt, a.Labels["client"])
			}
		}
	}
}

// promAlert is an alert as Prometheus's API lists it.
type promAlert struct {
	Labels   map[string]string `json:"labels"`
	State    string            `json:"state"`
	ActiveAt time.Time         `json:"activeAt"`
}

func promAlerts(t *testing.T, prom *promtest.Process) []promAlert {
	t.Helper()
	var body struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	if err := prom.GetJSON(context.Background(), "/api/v1/alerts", &body); err != nil {
		t.Fatal(err)
	}
	return body.Data.Alerts
}

// firingOrPending are the client alerts Prometheus has pending or firing,
// by labels.
func firingOrPending(t *testing.T, prom *promtest.Process) map[string]promAlert {
	t.Helper()
	m := map[string]promAlert{}
	for _, a := range promAlerts(t, prom) {
		if a.Labels["category"] == "client" {
			m[fmt.Sprint(a.Labels)] = a
		}
	}
	return m
}

// lastEvaluation returns when Prometheus last evaluated a rule group, and
// the group's interval.
func lastEvaluation(t *testing.T, prom *promtest.Process, group string) (time.Time, time.Duration) {
	t.Helper()
	var body struct {
		Data struct {
			Groups []struct {
				Name           string    `json:"name"`
				Interval       float64   `json:"interval"`
				LastEvaluation time.Time `json:"lastEvaluation"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := prom.GetJSON(context.Background(), "/api/v1/rules", &body); err != nil {
		t.Fatal(err)
	}
	for _, g := range body.Data.Groups {
		if g.Name == group {
			return g.LastEvaluation, time.Duration(g.Interval * float64(time.Second))
		}
	}
	t.Fatalf("Prometheus has no rule group %s", group)
	return time.Time{}, 0
}

// amNotifications is the number of notifications Alertmanager has sent
// to webhooks, by its own count.
func amNotifications(t *testing.T, am *promtest.Process) int {
	t.Helper()
	b, err := am.Get(context.Background(), "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	const series = `alertmanager_notifications_total{integration="webhook"} `
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
	}
	t.Fatalf("Alertmanager does not serve %s", series)
	return 0
}

// shortRules are the default configuration's rules with every for
// duration 3s, so that end-to-end tests see alerts fire in seconds.
func shortRules(t *testing.T) []byte {
	t.Helper()
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Marshal(Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^(\s+for: )\S+$`).ReplaceAll(rules, []byte("${1}3s"))
}

// rewriteAlertmanager points the receivers at the test's webhook and
// shortens the grouping delays; routes, inhibitions and repeat intervals
// stay as shipped.
func rewriteAlertmanager(cfg, hookURL string) string {
	cfg = strings.ReplaceAll(cfg, "http://alert-receiver:5001", hookURL)
	cfg = regexp.MustCompile(`(?m)^(\s+group_wait: )\S+`).ReplaceAllString(cfg, "${1}1s")
	return regexp.MustCompile(`(?m)^(\s+group_interval: )\S+`).ReplaceAllString(cfg, "${1}2s")
}

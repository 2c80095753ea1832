package alerts

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/config"
	m "github.com/retention-exporter/retention_exporter/metrics"
)

func defaultRules(t *testing.T) *File {
	t.Helper()
	cfg, err := config.Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return Generate(cfg)
}

func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install the Debian package prometheus (the test command does)")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestPromtool checks the committed rules and runs their unit tests.
func TestPromtool(t *testing.T) {
	promtool(t, "check", "rules", FileName)
	promtool(t, "test", "rules", "tests/retention.rules.test.yml")
}

// TestEveryAlertIsComplete: labels and annotations every alert needs, a
// runbook section, and a promtool test that checks it firing.
func TestEveryAlertIsComplete(t *testing.T) {
	runbooks, err := os.ReadFile("../docs/runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("tests/retention.rules.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	alertsDoc, err := os.ReadFile("../docs/alerts.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range defaultRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				if !strings.Contains(string(alertsDoc), r.Record) {
					t.Errorf("recording rule %s is not in docs/alerts.md", r.Record)
				}
				continue
			}
			for _, l := range []string{"severity", "category"} {
				if r.Labels[l] == "" {
					t.Errorf("%s has no %s label", r.Alert, l)
				}
			}
			for _, a := range []string{"summary", "description", "runbook_url", "dashboard_url"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s has no %s annotation", r.Alert, a)
				}
			}
			if !strings.Contains(string(runbooks), "\n## "+r.Alert+"\n") {
				t.Errorf("docs/runbooks.md has no section ## %s", r.Alert)
			}
			if !strings.Contains(string(alertsDoc), r.Alert) {
				t.Errorf("%s is not in docs/alerts.md", r.Alert)
			}
			if !regexp.MustCompile(`alertname: ` + r.Alert + `\n        exp_alerts:\n          - exp_labels`).Match(tests) {
				t.Errorf("no promtool test sees %s fire", r.Alert)
			}
			if r.Labels["category"] == "client" && !strings.Contains(r.Expr, "group_left (segment, account_manager) "+m.ClientInfo) {
				t.Errorf("%s does not carry account manager and segment", r.Alert)
			}
		}
	}
}

// TestRulesUseServedNames: every retention_ name in an expression is a
// metric the exporter serves or a recording rule.
func TestRulesUseServedNames(t *testing.T) {
	known := append(m.All(), m.RecordingRules()...)
	re := regexp.MustCompile(`[a-z_:]*retention_[a-z_:]+`)
	for _, g := range defaultRules(t).Groups {
		for _, r := range g.Rules {
			for _, name := range re.FindAllString(r.Expr, -1) {
				if !slices.Contains(known, name) {
					t.Errorf("%s%s uses %s, which nothing produces", r.Alert, r.Record, name)
				}
			}
		}
	}
}

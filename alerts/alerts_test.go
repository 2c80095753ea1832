package alerts

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
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

// testFile is where the promtool unit tests of a rule group live: one file
// per group, so that a change to one group's rules touches one file.
func testFile(group string) string { return filepath.Join("tests", group+".test.yml") }

// TestPromtool checks the committed rules and runs the unit tests of each
// rule group; every group has a test file and every test file a group.
func TestPromtool(t *testing.T) {
	testenv.Integration(t)
	t.Parallel()
	promtool(t, "check", "rules", FileName)
	files, err := filepath.Glob(testFile("*"))
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for _, g := range defaultRules(t).Groups {
		groups[g.Name] = true
		if !slices.Contains(files, testFile(g.Name)) {
			t.Errorf("rule group %s has no unit tests in %s", g.Name, testFile(g.Name))
		}
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			if g := strings.TrimSuffix(filepath.Base(f), ".test.yml"); !groups[g] {
				t.Errorf("%s tests no rule group: there is no group %s", f, g)
			}
			promtool(t, "test", "rules", f)
		})
	}
}

// TestEveryAlertIsComplete: labels and annotations every alert needs, a
// runbook section, and a promtool test in its group's file that checks it
// firing.
func TestEveryAlertIsComplete(t *testing.T) {
	runbooks, err := os.ReadFile("../docs/runbooks.md")
	if err != nil {
		t.Fatal(err)
	}
	alertsDoc, err := os.ReadFile("../docs/alerts.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range defaultRules(t).Groups {
		tests, err := os.ReadFile(testFile(g.Name))
		if err != nil {
			t.Error(err)
		}
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
				t.Errorf("no promtool test in %s sees %s fire", testFile(g.Name), r.Alert)
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

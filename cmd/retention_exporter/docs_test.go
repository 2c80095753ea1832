package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/metrics"
)

var docFiles = []string{"../../README.md", "../../docs/metrics.md", "../../docs/configuration.md", "../../docs/synthetic-data.md", "../../docs/alerts.md", "../../docs/runbooks.md", "../../docs/dashboards.md", "../../docs/deploy.md", "../../docs/benchmarks.md", "../../docs/backfill.md", "../../docs/risk.md", "../../docs/report.md"}

// promqlExamples returns the expressions of the ```promql blocks: each
// runs until a blank or comment line.
func promqlExamples(t *testing.T) []string {
	t.Helper()
	var exprs []string
	for _, f := range docFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		in := false
		var cur []string
		flush := func() {
			if len(cur) > 0 {
				exprs = append(exprs, strings.Join(cur, "\n"))
				cur = nil
			}
		}
		for _, line := range strings.Split(string(b), "\n") {
			trimmed := strings.TrimSpace(line)
			switch {
			case trimmed == "```promql":
				in = true
			case in && trimmed == "```":
				flush()
				in = false
			case in && (trimmed == "" || strings.HasPrefix(trimmed, "#")):
				flush()
			case in:
				cur = append(cur, line)
			}
		}
	}
	return exprs
}

// TestDocsPromQLParses checks every documented PromQL example with promtool.
func TestDocsPromQLParses(t *testing.T) {
	testenv.Integration(t)
	exprs := promqlExamples(t)
	if len(exprs) < 10 {
		t.Fatalf("found only %d PromQL examples", len(exprs))
	}
	if err := promtest.CheckExpressions(t.TempDir(), exprs); err != nil {
		t.Errorf("the documented examples: %v", err)
	}
}

// TestDocsNameOnlyServedMetrics catches a documented metric name that the
// exporter does not serve.
func TestDocsNameOnlyServedMetrics(t *testing.T) {
	known := map[string]bool{}
	for _, n := range append(metrics.All(), metrics.RecordingRules()...) {
		known[n] = true
	}
	// The commands are named like metrics: cmd/retention_*.
	commands, err := filepath.Glob("../retention_*")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands {
		known[filepath.Base(c)] = true
	}
	re := regexp.MustCompile(`[a-z_:]*retention_[a-z_:]+`)
	for _, f := range docFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range re.FindAllString(string(b), -1) {
			if strings.HasPrefix(name, "retention_exporter") || known[name] {
				continue
			}
			// A prefix such as retention_contract_ stands for a group.
			name = strings.TrimLeft(name, "_:")
			if known[name] {
				continue
			}
			prefix := strings.HasSuffix(name, "_") && slices.ContainsFunc(metrics.All(), func(n string) bool {
				return strings.HasPrefix(n, name)
			})
			if !prefix {
				t.Errorf("%s names %s, which is not served", f, name)
			}
		}
	}
}

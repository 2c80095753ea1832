package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// tableRows returns the first cell of each row of the markdown table
// whose header row starts with header, backquotes removed.
func tableRows(t *testing.T, path, header string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, header):
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			cells := strings.Split(line, "|")
			rows = append(rows, strings.Trim(strings.TrimSpace(cells[1]), "`"))
		case in:
			return rows
		}
	}
	if !in {
		t.Fatalf("%s has no table headed %q", path, header)
	}
	return rows
}

// TestDocsListEveryFactAndComponent: the docs' tables and lists of facts
// and health components are the tables of fact.All and model.Components,
// in order: adding one fails here until the docs say what it is.
func TestDocsListEveryFactAndComponent(t *testing.T) {
	var facts, dated, components []string
	for _, f := range fact.All {
		facts = append(facts, f.Name)
		if f.Dated {
			dated = append(dated, f.Name)
		}
	}
	for _, c := range model.Components {
		components = append(components, string(c.Name))
	}
	for _, c := range []struct {
		doc, header string
		want        []string
		// details: the table may have rows besides those wanted.
		details bool
	}{
		{"../../docs/configuration.md", "| query | source |", facts, false},
		{"../../docs/mapping.md", "| fact | GLPI |", facts, true},
		{"../../docs/mapping.md", "| fact | ITFlow |", facts, false},
		{"../../docs/metrics.md", "| component | weight |", components, false},
	} {
		got := tableRows(t, c.doc, c.header)
		if c.details {
			got = slices.DeleteFunc(got, func(r string) bool { return !slices.Contains(c.want, r) })
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s, table %q lists %v, want %v", c.doc, c.header, got, c.want)
		}
	}
	// The component table gives each default weight.
	b, _ := os.ReadFile("../../docs/metrics.md")
	for _, c := range model.Components {
		if row := fmt.Sprintf("| `%s` | %.2f |", c.Name, c.DefaultWeight); !strings.Contains(string(b), row) {
			t.Errorf("docs/metrics.md lacks the row %q", row)
		}
	}
	// Lists in prose.
	for _, c := range []struct {
		doc, pattern string
		want         []string
	}{
		{"../../docs/configuration.md", `A dated fact \(([^)]*)\)`, dated},
		{"../../docs/dashboards.md", "`retention_client_health_component_score` \\(([^)]*)\\)", components},
	} {
		b, err := os.ReadFile(c.doc)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(c.pattern).FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no list matching %s", c.doc, c.pattern)
			continue
		}
		got := strings.FieldsFunc(strings.NewReplacer("`", "", "and", "").Replace(string(m[1])), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s lists %v, want %v", c.doc, got, c.want)
		}
	}
	b, _ = os.ReadFile("../../docs/configuration.md")
	weights := make([]string, len(model.Components))
	for i, c := range model.Components {
		weights[i] = fmt.Sprintf("%.2f", c.DefaultWeight)
	}
	if row := "| `health.weights.*` | " + strings.Join(weights, ", ") + " | " + strings.Join(components, ", ") + " |"; !strings.Contains(string(b), row) {
		t.Errorf("docs/configuration.md lacks the row %q", row)
	}
}

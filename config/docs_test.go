package config

import (
	"os"
	"strings"
	"testing"
)

// TestDocsYAMLExamplesParse: every YAML example of docs/configuration.md
// is a valid configuration, its queries included.
func TestDocsYAMLExamplesParse(t *testing.T) {
	t.Setenv(DefaultBillingDSNEnv, "x")
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.TrimSpace(line) == "```yaml":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			blocks = append(blocks, strings.Join(cur, "\n"))
			in = false
		case in:
			cur = append(cur, line)
		}
	}
	if len(blocks) < 3 {
		t.Fatalf("found %d YAML examples", len(blocks))
	}
	for _, y := range blocks {
		if _, err := Parse([]byte(y), ""); err != nil {
			t.Errorf("%v\n%s", err, y)
		}
	}
}

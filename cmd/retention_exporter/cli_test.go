package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeIsDefault(t *testing.T) {
	var cli CLI
	p, err := newParser(&cli)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := p.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Command() != "serve" {
		t.Errorf("default command %q, want serve", ctx.Command())
	}
	if got := cli.Serve.ListenAddress; len(got) != 1 || got[0] != ":9866" {
		t.Errorf("listen address %v", got)
	}
	if cli.Serve.TelemetryPath != "/metrics" {
		t.Errorf("telemetry path %q", cli.Serve.TelemetryPath)
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("RETENTION_EXPORTER_CONFIG_FILE", "/etc/retention.yml")
	t.Setenv("RETENTION_EXPORTER_WEB_LISTEN_ADDRESS", "127.0.0.1:1234,[::1]:1234")
	t.Setenv("RETENTION_EXPORTER_LOG_LEVEL", "debug")
	t.Setenv("RETENTION_EXPORTER_WEB_CONFIG_FILE", "/etc/web.yml")
	var cli CLI
	p, err := newParser(&cli)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse([]string{}); err != nil {
		t.Fatal(err)
	}
	if cli.ConfigFile != "/etc/retention.yml" || cli.LogLevel != "debug" || cli.Serve.ConfigFile != "/etc/web.yml" {
		t.Errorf("environment not applied: %+v", cli)
	}
	if got := cli.Serve.ListenAddress; len(got) != 2 || got[1] != "[::1]:1234" {
		t.Errorf("listen addresses %v", got)
	}
}

// TestCheckConfig runs the built binary: exit status and message.
func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, config string
		ok           bool
		message      string
	}{
		{"defaults", "", true, "OK"},
		{"valid", "refresh_interval: 10m\nwindows:\n  tickets: [7d, 30d]\n", true, "OK"},
		{"unknown key", "refresh_interval: 10m\nrefresh_intervall: 5m\n", false, "line 2: field refresh_intervall not found"},
		{"write query", "queries:\n  clients:\n    sql: DELETE FROM clients\n", false, "queries.clients: DELETE is not allowed"},
		{"two statements", "queries:\n  reviews:\n    sql: SELECT 1; DROP TABLE reviews\n", false, "queries.reviews: only a single statement"},
		{"insert select", "queries:\n  contacts:\n    sql: INSERT INTO x SELECT * FROM contacts\n", false, "queries.contacts"},
		{"bad window", "windows:\n  churn: [30x]\n", false, "line 2"},
		{"unknown param", "queries:\n  endpoints:\n    sql: SELECT client_id, 1 AS endpoints FROM endpoints WHERE added_at <= :tomorrow\n", false, "unknown parameter :tomorrow"},
		{"bad bands", "health:\n  bands:\n    critical: 70\n    at_risk: 60\n", false, "health.bands"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(strings.ReplaceAll(c.name, " ", "_")+".yml", c.config)
			out, err := exec.Command(binary, "check-config", "--config.file="+path).CombinedOutput()
			if c.ok != (err == nil) {
				t.Fatalf("exit error %v, want ok=%v\n%s", err, c.ok, out)
			}
			if !strings.Contains(string(out), c.message) {
				t.Errorf("output %q does not name the problem (%q)", out, c.message)
			}
		})
	}
	if _, err := exec.Command(binary, "check-config", "--config.file="+filepath.Join(dir, "missing.yml")).CombinedOutput(); err == nil {
		t.Error("a missing config file passed")
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "retention_exporter, version") {
		t.Errorf("--version: %v\n%s", err, out)
	}
}

// TestMissingDSN: serving without a DSN fails at once with a message
// naming the variable.
func TestMissingDSN(t *testing.T) {
	cmd := exec.Command(binary)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "RETENTION_PSA_DSN") {
		t.Errorf("want a failure naming RETENTION_PSA_DSN, got %v\n%s", err, out)
	}
}

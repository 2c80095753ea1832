// Package stack starts the whole product for end-to-end tests: a private
// MariaDB with the reference schema, the read-only account and a
// generated MSP; the exporter binary reading it; and Prometheus scraping
// the exporter with a rule file.
package stack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/exporter"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

// Options shape a stack.
type Options struct {
	Clients int    // generated active clients
	Rules   []byte // Prometheus rule file
	// AlertmanagerAddr, when set, receives Prometheus' alerts.
	AlertmanagerAddr string
	// RiskModel, when set, is the churn-risk model file the exporter serves.
	RiskModel []byte
}

// Stack is a running product.
type Stack struct {
	DB           *mariadbtest.Server
	Stories      synth.Stories
	ExporterAddr string
	Prometheus   *promtest.Process
	exporterLog  string
}

const password = "stack-Password"

// MSP is a private MariaDB holding a generated MSP in the reference
// schema, readable by the exporter's read-only account.
type MSP struct {
	DB      *mariadbtest.Server
	Stories synth.Stories
	Summary *synth.Summary
}

// StartMSP runs MariaDB under dir with a generated MSP of the given size
// relative to now; it stops when the test ends.
func StartMSP(t *testing.T, dir string, clients int, now time.Time) *MSP {
	t.Helper()
	db, err := mariadbtest.New(filepath.Join(dir, "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	for _, st := range []struct{ db, sql string }{
		{"", "CREATE DATABASE psa; CREATE DATABASE billing;"},
		{"psa", mysqlschema.PSA}, {"billing", mysqlschema.Billing},
		{"", strings.ReplaceAll(mysqlschema.Grants, "change-me", password)},
	} {
		if err := db.Exec(st.db, st.sql); err != nil {
			t.Fatal(err)
		}
	}
	psaDB, _ := db.Root("psa")
	billingDB, _ := db.Root("billing")
	sum, err := synth.Load(context.Background(), synth.Options{Clients: clients, Seed: 1, Now: now}, psaDB, billingDB)
	psaDB.Close()
	billingDB.Close()
	if err != nil {
		t.Fatal(err)
	}
	return &MSP{DB: db, Stories: sum.Stories, Summary: sum}
}

// DSN is the read-only account's DSN of database psa or billing.
func (m *MSP) DSN(database string) string {
	return m.DB.DSN("retention_exporter", password, database)
}

// Config is the default configuration reading the MSP through DSN files
// written into dir, with the sources it opens; they close when the test ends.
func (m *MSP) Config(t *testing.T, dir string) (*config.Config, exporter.PSA, exporter.Billing) {
	t.Helper()
	var yml strings.Builder
	yml.WriteString("sources:\n")
	for _, src := range []string{config.PSA, config.Billing} {
		path := filepath.Join(dir, src+"_dsn")
		if err := os.WriteFile(path, []byte(m.DSN(src)), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&yml, "  %s:\n    dsn_file: %s\n", src, path)
	}
	cfg, err := config.ParseEnv([]byte(yml.String()), dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	psa, billing, err := serve.Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.CloseSources(psa, billing) })
	return cfg, psa, billing
}

// Start runs the stack; everything stops when the test ends.
func Start(t *testing.T, o Options) *Stack {
	t.Helper()
	dir := t.TempDir()
	msp := StartMSP(t, dir, o.Clients, time.Now())
	db := msp.DB
	s := &Stack{DB: db, Stories: msp.Stories}

	bin := filepath.Join(dir, "retention_exporter")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/retention-exporter/retention_exporter/cmd/retention_exporter").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	port, err := mariadbtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s.ExporterAddr = fmt.Sprintf("127.0.0.1:%d", port)
	cfgPath := filepath.Join(dir, "retention.yml")
	yml := "refresh_interval: 2s\nsources:\n  psa:\n    query_timeout: 2s\n  billing:\n    dsn_env: RETENTION_BILLING_DSN\n    query_timeout: 2s\n"
	if o.RiskModel != nil {
		if err := os.WriteFile(filepath.Join(dir, "risk-model.json"), o.RiskModel, 0o600); err != nil {
			t.Fatal(err)
		}
		yml += "risk:\n  model_file: risk-model.json\n"
	}
	if err := os.WriteFile(cfgPath, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	exp := exec.Command(bin, "--config.file="+cfgPath, "--web.listen-address="+s.ExporterAddr)
	exp.Env = append(os.Environ(),
		"RETENTION_PSA_DSN="+db.DSN("retention_exporter", password, "psa"),
		"RETENTION_BILLING_DSN="+db.DSN("retention_exporter", password, "billing"))
	s.exporterLog = filepath.Join(dir, "exporter.log")
	logFile, err := os.Create(s.exporterLog)
	if err != nil {
		t.Fatal(err)
	}
	exp.Stdout, exp.Stderr = logFile, logFile
	if err := exp.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exp.Process.Kill(); _ = exp.Wait(); logFile.Close() })

	promDir := filepath.Join(dir, "prom")
	if err := os.MkdirAll(promDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(promDir, "rules.yml"), o.Rules, 0o600); err != nil {
		t.Fatal(err)
	}
	alerting := ""
	if o.AlertmanagerAddr != "" {
		alerting = fmt.Sprintf("alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['%s']}]\n", o.AlertmanagerAddr)
	}
	prom, err := promtest.StartPrometheus(promDir, fmt.Sprintf(`
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
%s
scrape_configs:
  - job_name: retention
    static_configs: [{targets: ['%s']}]
`, alerting, s.ExporterAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	s.Prometheus = prom
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("exporter log:\n%s\nprometheus log:\n%s", s.ExporterLog(), prom.Log())
		}
	})
	return s
}

// ExporterLog returns what the exporter printed.
func (s *Stack) ExporterLog() string {
	b, _ := os.ReadFile(s.exporterLog)
	return string(b)
}

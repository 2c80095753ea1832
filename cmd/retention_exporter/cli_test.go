package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
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
		{"unknown key", "refresh_interval: 10m\nrefresh_intervall: 5m\n", false, `line 2: unknown key "refresh_intervall" at the top level; did you mean "refresh_interval"? (allowed there: refresh_interval, max_staleness,`},
		{"write query", "queries:\n  clients:\n    sql: DELETE FROM clients\n", false, "queries.clients: DELETE is not allowed"},
		{"two statements", "queries:\n  reviews:\n    sql: SELECT 1; DROP TABLE reviews\n", false, "queries.reviews: only a single statement"},
		{"insert select", "queries:\n  contacts:\n    sql: INSERT INTO x SELECT * FROM contacts\n", false, "queries.contacts"},
		{"bad window", "windows:\n  churn: [30x]\n", false, "line 2"},
		{"unknown param", "queries:\n  endpoints:\n    sql: SELECT client_id, 1 AS endpoints FROM endpoints WHERE added_at <= :tomorrow\n", false, "unknown parameter :tomorrow"},
		{"bad bands", "health:\n  bands:\n    critical: 70\n    at_risk: 60\n", false, "health.bands"},
		{"plan", "windows:\n  tickets: [7d]\nqueries:\n  reviews:\n    disabled: true\n", true, "psa runs: " + psaPlanWithout(model.QueryReviews) + "\n"},
		{"profile", "health:\n  profiles:\n    - name: enterprise\n      segments: [enterprise, '']\n      weights: {contacts: 0.2}\n      review_cadence: 30d\n", true,
			`health profile enterprise (segments "enterprise", ""): utilization target 0.2, review cadence 30d, weights utilization 0.2, sla 0.2, csat 0.15, engagement 0.15, billing 0.15, best_practice 0.1, contacts 0.2`},
		{"segment in two profiles", "health:\n  profiles:\n    - {name: a, segments: [x]}\n    - {name: b, segments: [x]}\n", false, `health.profiles[b]: segment "x" is already in profile a`},
		{"missing dsn_file", "sources:\n  psa:\n    dsn_file: " + filepath.Join(dir, "no_such_dsn") + "\n", false,
			"source psa: reading DSN file: open " + filepath.Join(dir, "no_such_dsn") + ": no such file or directory"},
		{"dsn_file", "sources:\n  psa:\n    dsn_file: " + write("psa_dsn", "reader:s3cret@tcp(psa-db:3306)/psa\n") + "\n", true,
			"psa DSN: file " + filepath.Join(dir, "psa_dsn") + ", reader@psa-db:3306/psa"},
		{"misspelt component", "health:\n  weights:\n    utilisation: 0.2\n", false, `line 3: unknown health component "utilisation"`},
		{"mapping params", "params:\n  kinds: [Laptop, Server]\n  spare: 3\nqueries:\n  endpoints:\n    sql: SELECT client_id, COUNT(*) AS endpoints FROM endpoints WHERE kind IN (:kinds) AND added_at <= :today GROUP BY client_id\n", true,
			"  param :kinds = [\"Laptop\" \"Server\"]\n  param :spare = 3\n  warning: params.spare is declared but no enabled query uses :spare"},
		{"undeclared param", "queries:\n  endpoints:\n    sql: SELECT client_id, COUNT(*) AS endpoints FROM endpoints WHERE kind IN (:kinds) AND added_at <= :today GROUP BY client_id\n", false,
			"queries.endpoints: unknown parameter :kinds"},
		{"risk model", "risk:\n  model_file: " + write("model.json", `{"horizon": "90d", "horizon_seconds": 7776000, "trained_at": 1764547200, "step": "30d", "penalty": 1,
  "intercept": -3, "components": [{"name": "sla", "mean": 90, "scale": 10, "coefficient": -0.5}], "left_out": [],
  "evaluation": {"rows": 10, "events": 1, "churners": 1, "base_rate": 0.1, "walk_forward_rows": 0, "walk_forward_events": 0,
    "auc": null, "auc_low": null, "auc_high": null, "brier": null, "health_score_auc": null, "calibration": []}}`) + "\n", true,
			"churn risk within 90d from " + filepath.Join(dir, "model.json") + ", trained 2025-12-01: sla -0.500; alert from 10%"},
		{"missing risk model", "risk:\n  model_file: no_such_model.json\n", false,
			"risk.model_file: open " + filepath.Join(dir, "no_such_model.json") + ": no such file or directory"},
		{"malformed risk model", "risk:\n  model_file: " + write("bad.json", `{"horizon": "90d",`) + "\n", false,
			"risk.model_file: " + filepath.Join(dir, "bad.json") + ": not a churn-risk model file"},
		{"unknown risk component", "risk:\n  model_file: " + write("odd.json", `{"horizon": "90d", "trained_at": 1, "intercept": 0, "components": [{"name": "vibes", "mean": 0, "scale": 1, "coefficient": 1}]}`) + "\n", false,
			`risk.model_file: ` + filepath.Join(dir, "odd.json") + `: component "vibes": not a health component`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := write(strings.ReplaceAll(c.name, " ", "_")+".yml", c.config)
			out, err := exec.Command(exporterBinary(t), "check-config", "--config.file="+path).CombinedOutput()
			if c.ok != (err == nil) {
				t.Fatalf("exit error %v, want ok=%v\n%s", err, c.ok, out)
			}
			if !strings.Contains(string(out), c.message) {
				t.Errorf("output %q does not name the problem (%q)", out, c.message)
			}
			if strings.Contains(string(out), "s3cret") {
				t.Errorf("output shows a DSN's password: %s", out)
			}
		})
	}
	if _, err := exec.Command(exporterBinary(t), "check-config", "--config.file="+filepath.Join(dir, "missing.yml")).CombinedOutput(); err == nil {
		t.Error("a missing config file passed")
	}
}

// exited is the panic of a test's kong.Exit: it stops Parse as os.Exit would.
type exited int

// TestHelpNamesDSNVariables: --help is where someone looks for how to
// pass a DSN, and DSNs have no flag.
func TestHelpNamesDSNVariables(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"check-config", "--help"}} {
		var out bytes.Buffer
		var cli CLI
		p, err := newParser(&cli, kong.Writers(&out, &out), kong.Exit(func(code int) { panic(exited(code)) }))
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if r := recover(); r != exited(0) {
					t.Errorf("%v: exit %v, want 0", args, r)
				}
			}()
			_, _ = p.Parse(args)
		}()
		for _, want := range []string{config.DefaultPSADSNEnv, config.DefaultBillingDSNEnv, "dsn_env", "dsn_file"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v does not mention %s:\n%s", args, want, out.String())
			}
		}
	}
}

// TestVersion: a plain go build, as TestMain's, prints a version, not an
// empty field.
func TestVersion(t *testing.T) {
	out, err := exec.Command(exporterBinary(t), "--version").CombinedOutput()
	if err != nil || !regexp.MustCompile(`^retention_exporter, version \S`).Match(out) {
		t.Errorf("--version: %v\n%s", err, out)
	}
}

func TestFillVersion(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	const rev, when = "b72f3ad471ad8be68e3d9e193bf68915c1b01b52", "2026-03-10T12:00:00Z"
	cases := []struct {
		name    string
		stamped buildVersion
		info    *debug.BuildInfo
		want    buildVersion
	}{
		{
			name: "go build in a clean checkout",
			info: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260310120000-b72f3ad471ad"},
				Settings: vcs("vcs", "git", "vcs.revision", rev, "vcs.time", when, "vcs.modified", "false")},
			want: buildVersion{"v0.0.0-20260310120000-b72f3ad471ad", rev, when},
		},
		{
			name: "go build with local changes",
			info: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260310120000-b72f3ad471ad+dirty"},
				Settings: vcs("vcs.revision", rev, "vcs.time", when, "vcs.modified", "true")},
			want: buildVersion{"v0.0.0-20260310120000-b72f3ad471ad+dirty", rev + "-modified", when},
		},
		{
			name: "go install of a release",
			info: &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}},
			want: buildVersion{Version: "v1.2.3"},
		},
		{
			name: "-buildvcs=false",
			info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("-buildvcs", "false")},
			want: buildVersion{Version: "(devel)"},
		},
		{
			name:    "stamped by .ci/build.sh",
			stamped: buildVersion{"9.8.7", "0123abc", "20260310-12:00:00"},
			info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
				Settings: vcs("vcs.revision", rev, "vcs.time", when, "vcs.modified", "true")},
			want: buildVersion{"9.8.7", "0123abc", "20260310-12:00:00"},
		},
		{
			name:    "no build information",
			stamped: buildVersion{Version: "9.8.7"},
			want:    buildVersion{Version: "9.8.7"},
		},
	}
	for _, c := range cases {
		if got := fillVersion(c.stamped, c.info); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestMissingDSN: serving without a DSN fails at once with a message
// naming the variable.
func TestMissingDSN(t *testing.T) {
	cmd := exec.Command(exporterBinary(t))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "RETENTION_PSA_DSN") {
		t.Errorf("want a failure naming RETENTION_PSA_DSN, got %v\n%s", err, out)
	}
}

// psaPlanWithout is the PSA's plan, in table order, with 7d ticket
// windows and one query disabled: the tickets run for 7d and the
// utilization and SLA windows, the surveys for the CSAT window.
func psaPlanWithout(disabled string) string {
	var names []string
	for _, f := range fact.All {
		switch {
		case f.Source != config.PSA || f.Name == disabled:
		case f.Name == model.QueryTickets:
			names = append(names, "tickets[7d]", "tickets[30d]", "tickets[90d]")
		case f.Name == model.QuerySurveys:
			names = append(names, "surveys[90d]")
		default:
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}

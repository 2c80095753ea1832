package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
	Volumes map[string]any `yaml:"volumes"`
}

type composeService struct {
	Image      string         `yaml:"image"`
	Build      map[string]any `yaml:"build"`
	Profiles   []string       `yaml:"profiles"`
	User       string         `yaml:"user"`
	ReadOnly   bool           `yaml:"read_only"`
	Entrypoint []string       `yaml:"entrypoint"`
	Command    []string       `yaml:"command"`
	Volumes    []string       `yaml:"volumes"`
	Secrets    []string       `yaml:"secrets"`
	DependsOn  any            `yaml:"depends_on"`
}

// mount returns the source mounted at target, if any.
func (s composeService) mount(target string) (string, bool) {
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) > 1 && parts[1] == target {
			return parts[0], true
		}
	}
	return "", false
}

// flag returns the value of --name=value in args.
func flag(args []string, name string) (string, bool) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// dependsOn returns the condition on which s waits for service, "" when
// it does not depend on it.
func (s composeService) dependsOn(service string) string {
	switch d := s.DependsOn.(type) {
	case []any:
		for _, name := range d {
			if name == service {
				return "service_started"
			}
		}
	case map[string]any:
		if c, ok := d[service].(map[string]any); ok {
			cond, _ := c["condition"].(string)
			return cond
		}
	}
	return ""
}

// localize rewrites a service's in-container paths (the targets of its
// mounts) to local ones, given the local path of each mount's source.
func localize(t *testing.T, s composeService, local map[string]string) *strings.Replacer {
	t.Helper()
	var pairs []string
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		path, ok := local[parts[0]]
		if !ok {
			t.Fatalf("no local path for the mount %s", v)
		}
		pairs = append(pairs, parts[1], path)
	}
	return strings.NewReplacer(pairs...)
}

// runsLikeExporter checks that a job of the exporter's image reads as the
// exporter does: built from the same image, with its secrets, and its
// --config.file mounted from the same file.
func runsLikeExporter(t *testing.T, name string, job, exporter composeService) {
	t.Helper()
	if job.Image != exporter.Image || job.Build == nil {
		t.Errorf("%s image %q (build %v), want the exporter's %q, built", name, job.Image, job.Build, exporter.Image)
	}
	if !slices.Equal(job.Secrets, exporter.Secrets) {
		t.Errorf("%s secrets %v, want the exporter's %v", name, job.Secrets, exporter.Secrets)
	}
	cfg, _ := flag(exporter.Command, "config.file")
	if got, _ := flag(job.Command, "config.file"); got != cfg {
		t.Errorf("%s --config.file %q, want the exporter's %q", name, got, cfg)
	}
	if a, _ := exporter.mount(cfg); a == "" {
		t.Errorf("the exporter does not mount its config %s", cfg)
	} else if b, _ := job.mount(cfg); b != a {
		t.Errorf("%s mounts %q as %s, the exporter %q", name, b, cfg, a)
	}
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("compose/compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yml: %v", err)
	}
	return c
}

// TestComposeFile: it parses, every file it mounts exists, every image is
// pinned, and the services an operator needs are there.
func TestComposeFile(t *testing.T) {
	c := readCompose(t)
	for _, want := range []string{"mariadb", "datagen", "exporter", "prometheus", "alertmanager", "grafana"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("no %s service", want)
		}
	}
	pinned := regexp.MustCompile(`^[a-z0-9./_-]+:v?[0-9]+(\.[0-9]+)+$`)
	for name, s := range c.Services {
		if s.Build == nil && !pinned.MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if !strings.HasPrefix(src, ".") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("%s: named volume %s is not declared", name, src)
				}
				continue
			}
			if _, err := os.Stat(filepath.Join("compose", src)); err != nil {
				t.Errorf("%s mounts %s: %v", name, src, err)
			}
		}
		for _, sec := range s.Secrets {
			if _, ok := c.Secrets[sec]; !ok {
				t.Errorf("%s: secret %s is not declared", name, sec)
			}
		}
	}
	for name, s := range c.Secrets {
		if _, err := os.Stat(filepath.Join("compose", s.File)); err != nil {
			t.Errorf("secret %s: %v", name, err)
		}
	}
}

// TestComposeBackfillProfile: the backfill profile's two one-shot services
// run only when asked for (and the refit profile's too), the backfill as the exporter runs (image,
// config, secrets), the loader with Prometheus's own image on Prometheus's
// data volume, after the backfill succeeded; and Prometheus keeps what
// the backfill writes. TestComposeStack runs both commands.
func TestComposeBackfillProfile(t *testing.T) {
	c := readCompose(t)
	for name, s := range c.Services {
		want := []string(nil)
		for _, p := range []string{"backfill", "refit"} {
			if strings.HasPrefix(name, p) {
				want = []string{p}
			}
		}
		if !slices.Equal(s.Profiles, want) {
			t.Errorf("%s: profiles %v, want %v", name, s.Profiles, want)
		}
	}
	exporter, bf, load, prom := c.Services["exporter"], c.Services["backfill"], c.Services["backfill-load"], c.Services["prometheus"]

	runsLikeExporter(t, "backfill", bf, exporter)
	if !slices.Contains(bf.Command, "backfill") {
		t.Errorf("backfill command %v runs no backfill", bf.Command)
	}
	if bf.dependsOn("mariadb") != "service_healthy" {
		t.Errorf("backfill does not wait for a healthy mariadb: %v", bf.DependsOn)
	}
	// The backfill writes nothing outside --output: its root stays read-only.
	if !bf.ReadOnly {
		t.Errorf("backfill has a writable root: it writes nothing outside --output")
	}
	out, ok := flag(bf.Command, "output")
	if !ok {
		t.Fatalf("backfill command %v has no --output", bf.Command)
	}
	blocks, _ := bf.mount(out)
	if _, ok := c.Volumes[blocks]; !ok {
		t.Fatalf("backfill --output %s is not on a named volume (%q)", out, blocks)
	}
	if bf.User != "0:0" {
		t.Errorf("backfill runs as %q: a fresh volume is root's", bf.User)
	}

	if load.Image != prom.Image {
		t.Errorf("backfill-load image %q, want Prometheus's %q (its shell, its user)", load.Image, prom.Image)
	}
	if load.dependsOn("backfill") != "service_completed_successfully" {
		t.Errorf("backfill-load does not wait for the backfill to succeed: %v", load.DependsOn)
	}
	data, _ := flag(prom.Command, "storage.tsdb.path")
	volume, _ := prom.mount(data)
	if _, ok := c.Volumes[volume]; !ok {
		t.Fatalf("Prometheus's --storage.tsdb.path %s is not on a named volume", data)
	}
	if got, _ := load.mount(data); got != volume {
		t.Errorf("backfill-load mounts %q at %s, Prometheus %q", got, data, volume)
	}
	if !slices.ContainsFunc(load.Volumes, func(v string) bool { return strings.HasPrefix(v, blocks+":") }) {
		t.Errorf("backfill-load does not mount the backfill's volume %s: %v", blocks, load.Volumes)
	}

	// Prometheus deletes blocks older than its retention as it loads them.
	from, _ := flag(bf.Command, "from")
	back, err := model.ParseDuration(from)
	if err != nil {
		t.Fatalf("backfill --from=%s: %v", from, err)
	}
	ret, _ := flag(prom.Command, "storage.tsdb.retention.time")
	retention, err := model.ParseDuration(ret)
	if err != nil || retention < back+model.Duration(24*time.Hour) {
		t.Errorf("Prometheus retention %q does not keep a backfill from %s (%v)", ret, from, err)
	}
}

// TestComposeRefitProfile: the refit profile's fit runs fit-risk as the
// exporter runs (image, config, secrets) and writes the model into a named
// volume the exporter mounts read-only; the refit service, once the fit
// succeeded, POSTs the exporter's /-/reload with a pinned curl that fails
// on an error status. The stack's config names no model as shipped, and
// its risk block, once enabled, names the file the fit writes.
// TestComposeStack runs both.
func TestComposeRefitProfile(t *testing.T) {
	c := readCompose(t)
	exporter, fit, reload := c.Services["exporter"], c.Services["refit-model"], c.Services["refit"]
	if fit.Command == nil || reload.Command == nil {
		t.Fatal("no refit-model or refit service")
	}
	runsLikeExporter(t, "refit-model", fit, exporter)
	if !slices.Contains(fit.Command, "fit-risk") || slices.Contains(fit.Command, "--force") {
		t.Errorf("refit-model runs %v, want fit-risk without --force: a refused fit keeps the old model", fit.Command)
	}
	if fit.dependsOn("mariadb") != "service_healthy" {
		t.Errorf("refit-model does not wait for a healthy mariadb: %v", fit.DependsOn)
	}
	if !fit.ReadOnly {
		t.Error("refit-model has a writable root: it writes nothing outside its --output directory")
	}
	out, ok := flag(fit.Command, "output")
	if !ok {
		t.Fatalf("refit-model command %v has no --output", fit.Command)
	}
	dir := filepath.Dir(out)
	volume, _ := fit.mount(dir)
	if _, ok := c.Volumes[volume]; !ok {
		t.Fatalf("refit-model --output %s is not on a named volume (%q)", out, volume)
	}
	if fit.User != "0:0" {
		t.Errorf("refit-model runs as %q: a fresh volume is root's", fit.User)
	}
	if slices.Contains(fit.Volumes, volume+":"+dir+":ro") {
		t.Errorf("refit-model mounts %s read-only", dir)
	}
	if !slices.Contains(exporter.Volumes, volume+":"+dir+":ro") {
		t.Errorf("the exporter does not mount the volume %s read-only at %s: %v", volume, dir, exporter.Volumes)
	}

	if reload.dependsOn("refit-model") != "service_completed_successfully" {
		t.Errorf("refit does not wait for the fit to succeed: %v", reload.DependsOn)
	}
	if reload.dependsOn("exporter") == "" {
		t.Errorf("refit does not start the exporter it reloads: %v", reload.DependsOn)
	}
	if !reload.ReadOnly {
		t.Error("refit has a writable root")
	}
	method, url, failOnError := curlRequest(append(slices.Clone(reload.Entrypoint), reload.Command...))
	if len(reload.Entrypoint) == 0 || reload.Entrypoint[0] != "curl" || method != "POST" || !failOnError {
		t.Errorf("refit runs %v %v: want curl --fail --request POST", reload.Entrypoint, reload.Command)
	}
	listen, ok := flag(exporter.Command, "web.listen-address")
	if !ok {
		listen = ":9866" // the exporter's default
	}
	_, port, _ := strings.Cut(listen, ":")
	if want := "http://exporter:" + port + "/-/reload"; url != want {
		t.Errorf("refit POSTs to %q, want %q", url, want)
	}

	text, err := os.ReadFile("compose/retention_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := config.Parse(text, "compose")
	if err != nil {
		t.Fatal(err)
	}
	if shipped.Risk.ModelFile != "" {
		t.Errorf("compose/retention_exporter.yml names the model file %s: the exporter would not start before the first refit", shipped.Risk.ModelFile)
	}
	if _, modelFile := enableRisk(t, "compose/retention_exporter.yml", string(text)); modelFile != out {
		t.Errorf("compose/retention_exporter.yml's risk block names %s, refit-model writes %s", modelFile, out)
	}
	for doc, cmd := range map[string]string{
		"../docs/risk.md":   "--profile refit run --rm refit",
		"../docs/deploy.md": "docker compose -f deploy/compose/compose.yml --profile refit run --rm refit",
	} {
		b, _ := os.ReadFile(doc)
		if !strings.Contains(string(b), cmd) {
			t.Errorf("%s does not say %s", doc, cmd)
		}
	}
}

// TestPrometheusAndAlertmanagerFiles: every Prometheus and Alertmanager
// file in deploy/ passes promtool / amtool.
func TestPrometheusAndAlertmanagerFiles(t *testing.T) {
	testenv.Integration(t)
	dir := t.TempDir()
	prom, err := os.ReadFile("compose/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Abs("../alerts/retention.rules.yml")
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(prom), "/etc/prometheus/rules/retention.rules.yml", rules)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("promtool", "check", "config", path).CombinedOutput(); err != nil {
		t.Errorf("promtool check config compose/prometheus.yml: %v\n%s", err, out)
	}
	if out, err := exec.Command("amtool", "check-config", "alertmanager/alertmanager.yml").CombinedOutput(); err != nil {
		t.Errorf("amtool check-config: %v\n%s", err, out)
	}
}

// TestComposeStack runs the stack's own pieces outside containers: a
// private MariaDB initialised by the stack's init SQL with data from the
// stack's datagen command, the exporter with the stack's config and
// secrets, and Prometheus with the stack's prometheus.yml, addresses
// rewritten to local ports. The exporter target is up with data, and the
// recording rules have data.
func TestComposeStack(t *testing.T) {
	testenv.Integration(t)
	dir := t.TempDir()
	c := readCompose(t)
	port, _ := mariadbtest.FreePort()
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	// The release binaries build while Prometheus and MariaDB start:
	// neither needs them, and Prometheus takes about 5s to start scraping
	// a target, which it can as well spend before the exporter is up.
	bins := filepath.Join(dir, "bin")
	cmd := exec.Command("bash", "../.ci/build.sh")
	cmd.Env = append(os.Environ(), "OUT="+bins)
	var buildOut []byte
	var buildErr error
	built := make(chan struct{})
	go func() { defer close(built); buildOut, buildErr = cmd.CombinedOutput() }()
	defer func() { <-built }() // the build writes into dir, removed after the test

	// Prometheus with the stack's prometheus.yml, scraping every second.
	prom, err := os.ReadFile("compose/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Abs("../alerts/retention.rules.yml")
	promCfg := strings.NewReplacer(
		"exporter:9866", addr,
		"alertmanager:9093", "127.0.0.1:1",
		"/etc/prometheus/rules/retention.rules.yml", rules,
		"scrape_interval: 30s", "scrape_interval: 1s",
		"evaluation_interval: 30s", "evaluation_interval: 1s",
	).Replace(string(prom))
	// The stack's flags but for the paths: its retention keeps the history.
	var promFlags []string
	for _, a := range c.Services["prometheus"].Command {
		if !strings.HasPrefix(a, "--config.file=") && !strings.HasPrefix(a, "--storage.tsdb.path=") {
			promFlags = append(promFlags, a)
		}
	}
	p, err := promtest.StartPrometheus(filepath.Join(dir, "prom"), promCfg, promFlags...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()

	// MariaDB, started as the image does before running its init scripts.
	db, err := mariadbtest.New(filepath.Join(dir, "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	defer db.Stop()

	// The datagen service's own command, writing to a local directory.
	<-built
	if buildErr != nil {
		t.Fatalf("build: %v\n%s", buildErr, buildOut)
	}
	seed := filepath.Join(dir, "seed")
	var args []string
	for _, a := range c.Services["datagen"].Entrypoint[1:] {
		args = append(args, strings.Replace(a, "--out=/seed", "--out="+seed, 1))
	}
	if out, err := exec.Command(filepath.Join(bins, "retention_datagen"), args...).CombinedOutput(); err != nil {
		t.Fatalf("datagen %v: %v\n%s", args, err, out)
	}

	// MariaDB initialised by the init scripts, in order, as the image does.
	schema, _ := filepath.Abs("mysql")
	scripts, _ := filepath.Glob("compose/mariadb/*.sql")
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.NewReplacer("/schema/", schema+"/", "/seed/", seed+"/").Replace(string(b))
		run := exec.Command("mariadb", "--socket="+db.Socket(), "-uroot")
		run.Stdin = strings.NewReader(text)
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", s, err, out)
		}
	}

	// The exporter with the stack's config; secrets point at the local server.
	cfg, err := os.ReadFile("compose/retention_exporter.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"psa_dsn", "billing_dsn"} {
		dsn, err := os.ReadFile(filepath.Join("compose/secrets", name))
		if err != nil {
			t.Fatal(err)
		}
		local := strings.Replace(string(dsn), "mariadb:3306", fmt.Sprintf("127.0.0.1:%d", db.Port), 1)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(local), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg = []byte(strings.ReplaceAll(string(cfg), "/run/secrets/"+name, path))
	}
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	exp := exec.Command(filepath.Join(bins, "retention_exporter"), "--config.file="+cfgPath, "--web.listen-address="+addr)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RETENTION_") {
			env = append(env, kv)
		}
	}
	exp.Env = env
	logPath := filepath.Join(dir, "exporter.log")
	logFile, _ := os.Create(logPath)
	exp.Stdout, exp.Stderr = logFile, logFile
	if err := exp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = exp.Process.Kill(); _ = exp.Wait() }()

	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for _, q := range []string{
		`up{job="retention"} == 1`,
		`retention_source_up{source="billing"} == 1`,
		`sum(retention_clients) == 300`,
		`segment_account_manager_band:retention_clients:count`,
	} {
		for {
			res, err := p.Query(ctx, q)
			if err == nil && len(res) > 0 {
				break
			}
			if time.Now().After(deadline) {
				b, _ := os.ReadFile(logPath)
				t.Fatalf("%s: no result (%v)\nexporter log:\n%s\nprometheus log:\n%s", q, err, b, p.Log())
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	if resp, err := http.Get("http://" + addr + "/-/ready"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("exporter not ready: %v", err)
	}

	// The refit profile: the refit-model service's command with the
	// stack's config and secrets writes the model into a local directory,
	// then, the config's risk block enabled as the docs say, the refit
	// service's request reloads the running exporter, which serves churn
	// risk from it. The next refit, with the model named, is the monthly one.
	riskDir := filepath.Join(dir, "risk")
	if err := os.Mkdir(riskDir, 0o755); err != nil {
		t.Fatal(err)
	}
	blocks := filepath.Join(dir, "blocks")
	promData := filepath.Join(dir, "prom", "data")
	local := map[string]string{"./retention_exporter.yml": cfgPath, "backfill-blocks": blocks, "prometheus-data": promData, "risk-model": riskDir}
	fit, reload := c.Services["refit-model"], c.Services["refit"]
	fitPaths := localize(t, fit, local)
	var fitArgs []string
	for _, a := range fit.Command {
		fitArgs = append(fitArgs, fitPaths.Replace(a))
	}
	modelOut, _ := flag(fitArgs, "output")
	refit := func(what string) {
		t.Helper()
		run := exec.Command(filepath.Join(bins, "retention_exporter"), fitArgs...)
		run.Env = env
		start := time.Now()
		b, err := run.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "Wrote ") {
			t.Fatalf("%s: refit-model %v: %v\n%s", what, fitArgs, err, b)
		}
		t.Logf("%s: refit-model %v took %s", what, fit.Command, time.Since(start).Round(100*time.Millisecond))
		if fi, err := os.Stat(modelOut); err != nil || fi.Mode().Perm()&0o004 == 0 {
			t.Errorf("%s: the model %s is not readable by the exporter's user: %v", what, modelOut, err)
		}
		method, url, _ := curlRequest(append(slices.Clone(reload.Entrypoint), reload.Command...))
		req, _ := http.NewRequest(method, strings.Replace(url, "exporter:9866", addr, 1), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: refit's reload: %v", what, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: refit's reload: %s %s", what, resp.Status, body)
		}
	}
	refit("first refit")
	enabled, modelFile := enableRisk(t, "compose/retention_exporter.yml", string(cfg))
	if err := os.WriteFile(cfgPath, []byte(fitPaths.Replace(enabled)), 0o600); err != nil {
		t.Fatal(err)
	}
	if fitPaths.Replace(modelFile) != modelOut {
		t.Fatalf("the enabled risk block names %s, refit-model writes %s", modelFile, modelOut)
	}
	refit("monthly refit")
	deadline = time.Now().Add(30 * time.Second)
	for _, q := range []string{
		`retention_config_last_reload_successful == 1`,
		`retention_churn_model_trained_timestamp_seconds > 0`,
		`count(retention_client_churn_risk_ratio) > 0`,
	} {
		for {
			res, err := p.Query(ctx, q)
			if err == nil && len(res) > 0 {
				break
			}
			if time.Now().After(deadline) {
				b, _ := os.ReadFile(logPath)
				t.Fatalf("%s: no result (%v)\nexporter log:\n%s", q, err, b)
			}
			time.Sleep(300 * time.Millisecond)
		}
	}

	// The backfill profile: the backfill service's command with the
	// stack's config and secrets, writing into a local directory, then the
	// loader's script moving the blocks into this running Prometheus's
	// data directory; the year of history appears beside the live data.
	bf := c.Services["backfill"]
	paths := localize(t, bf, local)
	var bfArgs []string
	for _, a := range bf.Command {
		bfArgs = append(bfArgs, paths.Replace(a))
	}
	run := exec.Command(filepath.Join(bins, "retention_exporter"), bfArgs...)
	run.Env = env
	start := time.Now()
	out, err := run.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Wrote ") {
		t.Fatalf("backfill %v: %v\n%s", bfArgs, err, out)
	}
	t.Logf("backfill %v took %s", bf.Command, time.Since(start).Round(100*time.Millisecond))
	first := oldestBlock(t, blocks)
	if age := time.Since(first); age < 364*24*time.Hour {
		t.Errorf("the backfill starts %s ago (%s), want a year", age.Round(time.Hour), first)
	}

	load := c.Services["backfill-load"]
	uid := fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	script := strings.NewReplacer("$$", "$", "65534:65534", uid).Replace(localize(t, load, local).Replace(load.Command[0]))
	loadCmd := exec.Command(load.Entrypoint[0], append(load.Entrypoint[1:], script)...)
	if out, err := loadCmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Loaded ") {
		t.Fatalf("backfill-load: %v\n%s\nscript:\n%s", err, out, script)
	}
	if left, _ := os.ReadDir(blocks); len(left) != 0 {
		t.Errorf("backfill-load left %d entries in the backfill's volume", len(left))
	}
	if _, err := os.Stat(filepath.Join(promData, ".backfill-load")); !os.IsNotExist(err) {
		t.Errorf("backfill-load left its staging directory: %v", err)
	}

	// Prometheus loads new blocks once a minute.
	deadline = time.Now().Add(150 * time.Second)
	for {
		res, err := p.QueryAt(ctx, `sum(retention_clients{job="retention"}) > 0`, first)
		if err == nil && len(res) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no clients on %s, the first backfilled day (%v)\nprometheus log:\n%s", first.Format(time.DateOnly), err, p.Log())
		}
		time.Sleep(time.Second)
	}
}

// oldestBlock returns the first sample's time of the blocks in dir.
func oldestBlock(t *testing.T, dir string) time.Time {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no blocks in %s: %v", dir, err)
	}
	oldest := int64(math.MaxInt64)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "meta.json"))
		if err != nil {
			t.Fatal(err)
		}
		var meta struct {
			MinTime int64 `json:"minTime"`
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			t.Fatal(err)
		}
		oldest = min(oldest, meta.MinTime)
	}
	return time.UnixMilli(oldest)
}

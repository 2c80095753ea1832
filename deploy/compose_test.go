package deploy

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/promtest"
)

type composeFile struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Image      string         `yaml:"image"`
		Build      map[string]any `yaml:"build"`
		Entrypoint []string       `yaml:"entrypoint"`
		Command    []string       `yaml:"command"`
		Volumes    []string       `yaml:"volumes"`
		Secrets    []string       `yaml:"secrets"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
	Volumes map[string]any `yaml:"volumes"`
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

// TestPrometheusAndAlertmanagerFiles: every Prometheus and Alertmanager
// file in deploy/ passes promtool / amtool.
func TestPrometheusAndAlertmanagerFiles(t *testing.T) {
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
	p, err := promtest.StartPrometheus(filepath.Join(dir, "prom"), promCfg)
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
}

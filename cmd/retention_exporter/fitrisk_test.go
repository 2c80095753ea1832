package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/synth"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/risk"
)

var (
	synthOnce sync.Once
	synthErr  error
)

// riskConfig reads the synthetic MSP that synthDB loads.
const riskConfig = `sources:
  psa: {dsn_env: RISK_PSA_DSN}
  billing: {dsn_env: RISK_BILLING_DSN}
`

// synthDB loads, once, a synthetic MSP with three years of history into
// the databases psa_synth and billing_synth of the shared server, readable
// by the read-only account, and points RISK_*_DSN at them.
func synthDB(t *testing.T) *mariadbtest.Server {
	t.Helper()
	db := sharedDB(t)
	synthOnce.Do(func() {
		root := filepath.Join("..", "..", "deploy", "mysql")
		synthErr = db.Exec("", "CREATE DATABASE psa_synth; CREATE DATABASE billing_synth;")
		for _, st := range []struct{ db, file string }{{"psa_synth", "psa.sql"}, {"billing_synth", "billing.sql"}} {
			if synthErr == nil {
				synthErr = db.ExecFile(st.db, filepath.Join(root, st.file))
			}
		}
		if synthErr == nil {
			synthErr = db.Exec("", "GRANT SELECT ON psa_synth.* TO '"+roUser+"'@'%'; GRANT SELECT ON billing_synth.* TO '"+roUser+"'@'%';")
		}
		if synthErr != nil {
			return
		}
		psa, err := db.Root("psa_synth")
		if err != nil {
			synthErr = err
			return
		}
		defer psa.Close()
		billing, err := db.Root("billing_synth")
		if err != nil {
			synthErr = err
			return
		}
		defer billing.Close()
		_, synthErr = synth.Load(context.Background(), synth.Options{Clients: 200, Seed: 1, Now: time.Now().Add(-time.Minute)}, psa, billing)
	})
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	t.Setenv("RISK_PSA_DSN", db.DSN(roUser, roPassword, "psa_synth"))
	t.Setenv("RISK_BILLING_DSN", db.DSN(roUser, roPassword, "billing_synth"))
	return db
}

// fitRisk runs the binary's fit-risk with riskConfig in dir.
func fitRisk(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	return fitRiskWith(t, dir, riskConfig, args...)
}

// fitRiskWith runs the binary's fit-risk with the config text in dir.
func fitRiskWith(t *testing.T, dir, config string, args ...string) (string, bool) {
	t.Helper()
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exporterBinary(t), append([]string{"--config.file=" + cfgPath, "fit-risk"}, args...)...)
	cmd.Env = readerEnv(sharedDB(t), sharedDB(t))
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), roPassword) {
		t.Errorf("the DSN password appears in the output")
	}
	return string(out), err == nil
}

// TestFitRiskCommand: fit-risk on MariaDB prints the evaluation and
// writes the same file twice; it refuses with the reasons and writes
// nothing, unless forced; the exporter serves the file's model, the
// formula applied to today's component scores; a malformed file fails a
// reload and keeps the model.
func TestFitRiskCommand(t *testing.T) {
	synthDB(t)
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first.json"), filepath.Join(dir, "second.json")
	out, ok := fitRisk(t, dir, "--output="+first)
	if !ok {
		t.Fatalf("fit-risk failed:\n%s", out)
	}
	for _, want := range []string{"Churn within 90d, learned from ", "component", "(intercept)", "Walk-forward over the last 365 days", "AUC ", "bin", "Wrote " + first} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out, ok := fitRisk(t, dir, "--output="+second); !ok {
		t.Fatalf("second fit-risk failed:\n%s", out)
	}
	a, b := readBytes(t, first), readBytes(t, second)
	if !bytes.Equal(a, b) {
		t.Error("two fits of the same history wrote different files")
	}
	var file risk.File
	if err := json.Unmarshal(a, &file); err != nil {
		t.Fatal(err)
	}
	if file.Horizon != "90d" || file.HorizonSeconds != 90*86400 || len(file.Components) == 0 || file.Evaluation.AUC == nil {
		t.Fatalf("model file: %s", a)
	}

	refused := filepath.Join(dir, "refused.json")
	out, ok = fitRisk(t, dir, "--output="+refused, "--min-churners=100000")
	want := "no model written: too few churners: the labelled rows hold "
	if ok || !strings.Contains(out, want) || !strings.Contains(out, "fewer than the 100000 needed (--min-churners) (--force writes it anyway)") {
		t.Errorf("a refused fit: ok %v, output:\n%s", ok, out)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused fit wrote %s", refused)
	}
	if out, ok = fitRisk(t, dir, "--output="+refused, "--min-churners=100000", "--force"); !ok || !strings.Contains(out, "Written despite: too few churners") {
		t.Errorf("a forced fit: ok %v, output:\n%s", ok, out)
	}
	if _, err := risk.ReadFile(refused); err != nil {
		t.Errorf("the forced model: %v", err)
	}

	// The first fit of a configuration that already names the model file
	// it writes: fit-risk does not need the model it replaces.
	named := filepath.Join(dir, "named.json")
	if out, ok := fitRiskWith(t, dir, riskConfig+"risk:\n  model_file: "+named+"\n", "--output="+named); !ok {
		t.Errorf("fit-risk with the model file it writes named but absent:\n%s", out)
	} else if b := readBytes(t, named); !bytes.Equal(a, b) {
		t.Error("naming the model file changed the fit")
	}

	// Serving the first model.
	model := filepath.Join(t.TempDir(), "risk-model.json")
	if err := os.WriteFile(model, a, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, sharedDB(t), riskConfig+"risk:\n  model_file: "+model+"\n")
	_, f := p.readyScrape(t)
	scores := map[string]map[string]float64{}
	for _, s := range f.Samples(metrics.ClientHealthComponentScore) {
		if scores[s.Labels["client_id"]] == nil {
			scores[s.Labels["client_id"]] = map[string]float64{}
		}
		scores[s.Labels["client_id"]][s.Labels["component"]] = s.Value
	}
	risks := f.Samples(metrics.ClientChurnRisk)
	if len(risks) == 0 {
		t.Fatal("no churn risk served")
	}
	for _, s := range risks {
		id := s.Labels["client_id"]
		lp, present := file.Intercept, 0
		for _, c := range file.Components {
			if v, ok := scores[id][c.Name]; ok {
				contribution := c.Coefficient * (v - c.Mean) / c.Scale
				lp += contribution
				present++
				if got := value(t, f, metrics.ClientChurnRiskContribution, L{"client_id": id, "component": c.Name}); math.Abs(got-contribution) > 1e-12 {
					t.Errorf("client %s %s contribution %v, want %v", id, c.Name, got, contribution)
				}
			}
		}
		if want := 1 / (1 + math.Exp(-lp)); present == 0 || math.Abs(s.Value-want) > 1e-12 || s.Labels["horizon"] != "90d" {
			t.Errorf("client %s risk %v %v, want %v from %d components", id, s.Value, s.Labels, want, present)
		}
	}
	if got := value(t, f, metrics.ChurnModelTrained, L{"horizon": "90d"}); got != float64(file.TrainedAt) {
		t.Errorf("trained at %v, want %v", got, file.TrainedAt)
	}
	if got := value(t, f, metrics.ChurnModelAUC, L{"horizon": "90d", "model": "learned"}); got != *file.Evaluation.AUC {
		t.Errorf("learned AUC %v, want %v", got, *file.Evaluation.AUC)
	}
	if got := value(t, f, metrics.ChurnModelAUC, L{"horizon": "90d", "model": "health_score"}); got != *file.Evaluation.HealthScoreAUC {
		t.Errorf("health score AUC %v, want %v", got, *file.Evaluation.HealthScoreAUC)
	}
	if got := len(f.Samples(metrics.ChurnModelCalibrationObserved)); got != 10 {
		t.Errorf("%d calibration bins", got)
	}

	// A malformed model file fails the reload and keeps the model.
	if err := os.WriteFile(model, []byte(`{"horizon": "90d",`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := p.post(t, "/-/reload"); got != http.StatusInternalServerError {
		t.Errorf("reload with a malformed model file: %d, want 500", got)
	}
	testenv.WaitFor(t, 10*time.Second, "the failed reload to show", func() bool {
		return value(t, p.scrape(t), metrics.ConfigLastReloadSuccessful, L{}) == 0
	})
	if got := len(p.scrape(t).Samples(metrics.ClientChurnRisk)); got != len(risks) {
		t.Errorf("%d churn risks after a failed reload, want %d", got, len(risks))
	}
	if !strings.Contains(p.logs.String(), model) {
		t.Errorf("the log does not name the malformed file %s:\n%s", model, p.logs.String())
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/risk"
)

// fitRiskRun is what one fit-risk cost and found.
type fitRiskRun struct {
	wall    time.Duration
	peakRSS int64 // bytes
	file    risk.File
	refused string
	// The exporter's idle refreshes without and with the model.
	without, with []refresh
}

func (r fitRiskRun) row(n int) string {
	e := r.file.Evaluation
	auc := "–"
	if e.AUC != nil {
		auc = fmt.Sprintf("%.3f (%.3f–%.3f); score %.3f", *e.AUC, *e.AUCLow, *e.AUCHigh, *e.HealthScoreAUC)
	}
	refused := "no"
	if r.refused != "" {
		refused = r.refused
	}
	w, m := median(wholes(r.without)), median(wholes(r.with))
	rw, rm := median(renders(r.without)), median(renders(r.with))
	return fmt.Sprintf("| %d | %s | %s MiB | %s | %d | %d | %s | %s | %s → %s | %s → %s (%+.1f%%) |",
		n, r.wall.Round(time.Second), thousands(r.peakRSS>>20), thousands(int64(e.Rows)), e.Events, e.Churners, auc, refused,
		rw.Round(time.Millisecond), rm.Round(time.Millisecond), w.Round(time.Millisecond), m.Round(time.Millisecond),
		100*(m.Seconds()-w.Seconds())/w.Seconds())
}

func renders(rs []refresh) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = r.render
	}
	return out
}

// fitRisk loads an MSP of n clients, runs the exporter's fit-risk command
// with its defaults (3 years, 30-day steps, 90-day horizon; --force, so
// that a refusal is reported rather than fatal), then measures the
// exporter's idle refreshes without and with the model.
func (b *bench) fitRisk(n int) (fitRiskRun, error) {
	var r fitRiskRun
	if err := b.loadMSP(n); err != nil {
		return r, err
	}
	cfgText := exporterConfig()
	cfgPath, err := b.writeConfig(cfgText)
	if err != nil {
		return r, err
	}
	model := filepath.Join(b.dir, "risk-model.json")
	out, wall, rss, err := b.runExporter(cfgPath, "fit-risk", "--output="+model, "--force")
	if err != nil {
		return r, err
	}
	r.wall, r.peakRSS = wall, rss
	if _, after, ok := strings.Cut(string(out), "Written despite: "); ok {
		r.refused, _, _ = strings.Cut(after, "\n")
	}
	data, err := os.ReadFile(model)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r.file); err != nil {
		return r, err
	}
	if r.without, err = b.idle(cfgText); err != nil {
		return r, err
	}
	r.with, err = b.idle(append(cfgText, fmt.Sprintf("risk:\n  model_file: %s\n", model)...))
	return r, err
}

// idle runs the exporter with cfg until b.Runs refreshes after the first
// have been published, and returns them.
func (b *bench) idle(cfg []byte) ([]refresh, error) {
	cfgPath, err := b.writeConfig(cfg)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(b.dsnEnv(), b.Exporter, func(addr string) []string {
		return []string{"--config.file=" + cfgPath, "--web.listen-address=" + addr, "--log.level=warn"}
	})
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	refreshes := newRefreshLog(config.PSA, config.Billing)
	t := target{base: "http://" + srv.addr, last: "retention_source_up", sized: true, whole: refreshes.addText}
	if err := waitReady(t); err != nil {
		return nil, err
	}
	return idleRefreshes(t, refreshes, b.Runs, 30*time.Minute)
}

// runFitRisks measures each size and prints the table.
func (b *bench) runFitRisks(sizes []int) error {
	fmt.Println("| active clients | fit-risk wall time | peak RSS | labelled rows | events | churners | walk-forward AUC (95% interval); health score | refused | render without → with model (median) | whole refresh without → with model (median) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---|---|---:|---:|")
	for _, n := range sizes {
		r, err := b.fitRisk(n)
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		fmt.Println(r.row(n))
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/risk"
)

// The demo learns churn risk as `retention_exporter fit-risk` does by
// default: monthly instants over three years, a 90-day horizon.
const (
	riskFrom    = 1095 * 24 * time.Hour
	riskStep    = 30 * 24 * time.Hour
	riskHorizon = 90 * 24 * time.Hour
)

// learnRisk fits churn risk on the synthetic MSP's history, writes the
// model file and a configuration naming it into dir, and returns the
// configuration's path. The demo serves the model even when fit-risk
// would refuse it, and says why.
func learnRisk(ctx context.Context, cfg *config.Config, dir string, wall time.Time, logger *slog.Logger) (string, error) {
	y, m, d := wall.In(cfg.Location()).Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, cfg.Location())
	o := serve.FitRiskOptions{T: t, From: t.Add(-riskFrom), Step: riskStep, Horizon: riskHorizon,
		Learn: risk.Options{Penalty: 1, MinChurners: 30}}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "Learning churn risk from %d monthly instants of history, as retention_exporter fit-risk does.\n", len(o.Instants())-1)
	ds, l, err := serve.FitRisk(ctx, cfg, o, logger)
	if err != nil {
		return "", fmt.Errorf("learning churn risk: %w", err)
	}
	e := l.Evaluation
	if e.AUC != nil {
		fmt.Fprintf(os.Stderr, "Churn risk learned in %s from %d rows: walk-forward AUC %.2f (95%% interval %.2f to %.2f), the health score's %.2f.\n",
			time.Since(start).Round(100*time.Millisecond), len(ds.Rows), *e.AUC, *e.AUCLow, *e.AUCHigh, *e.HealthScoreAUC)
	}
	if len(l.Refusals) > 0 {
		fmt.Fprintf(os.Stderr, "fit-risk would refuse this model (%s); the demo serves it anyway.\n", strings.Join(l.Refusals, "; "))
	}
	data, err := risk.NewFile(l, "90d", "30d", 1, riskHorizon, t).Encode()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "risk-model.json"), data, 0o644); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "retention_exporter.yml")
	if err := os.WriteFile(path, []byte("risk:\n  model_file: risk-model.json\n"), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

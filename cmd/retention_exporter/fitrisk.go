package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	promodel "github.com/prometheus/common/model"
	"golang.org/x/term"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/risk"
)

// FitRiskCmd learns churn risk from the replayed history.
type FitRiskCmd struct {
	From        string  `default:"1095d" help:"How far back the instants go: a duration before today such as 1095d, or a date (YYYY-MM-DD)." placeholder:"DATE"`
	At          string  `help:"The day whose start is T, up to which outcomes are known (YYYY-MM-DD); default: today in the configured time zone." placeholder:"DATE"`
	Step        string  `default:"30d" help:"Time between instants, a Prometheus duration."`
	Horizon     string  `default:"90d" help:"How far ahead of an instant a churn counts, a Prometheus duration."`
	Penalty     float64 `default:"1.0" help:"Weight of the L2 penalty on the coefficients."`
	MinChurners int     `name:"min-churners" default:"30" help:"Fewest churners among the labelled rows a model is written with."`
	Output      string  `required:"" type:"path" help:"Model file to write (JSON); name it as risk.model_file in the configuration." placeholder:"FILE"`
	Force       bool    `help:"Write the model even when it is refused (too few churners, no walk-forward instant, no evidence of skill)."`
}

// Help is the detail of fit-risk --help.
func (f *FitRiskCmd) Help() string {
	return "Replays the history at instants --step apart back to --from, as backfill computes it, labels each client at each instant by whether it churned " +
		"within --horizon after, fits a penalised logistic regression of that label on the dated health components, evaluates it walking forward " +
		"over the last 365 days, prints the evaluation and writes the model file (docs/risk.md). " + dsnHelp
}

// options turns the flags into fit options; wall is the wall clock.
func (f *FitRiskCmd) options(cfg *config.Config, wall time.Time) (serve.FitRiskOptions, error) {
	loc := cfg.Location()
	var o serve.FitRiskOptions
	y, m, d := wall.In(loc).Date()
	o.T = time.Date(y, m, d, 0, 0, 0, 0, loc)
	if f.At != "" {
		at, err := time.ParseInLocation(time.DateOnly, f.At, loc)
		if err != nil {
			return o, fmt.Errorf("--at %q: not a date such as 2026-01-31", f.At)
		}
		if at.After(o.T) {
			return o, fmt.Errorf("--at %s is after today (%s): outcomes are known only up to today", f.At, o.T.Format(time.DateOnly))
		}
		o.T = at
	}
	var err error
	if o.Step, err = positive("--step", f.Step); err != nil {
		return o, err
	}
	if o.Horizon, err = positive("--horizon", f.Horizon); err != nil {
		return o, err
	}
	if back, err := promodel.ParseDuration(f.From); err == nil && back > 0 {
		o.From = o.T.Add(-time.Duration(back))
	} else if o.From, err = time.ParseInLocation(time.DateOnly, f.From, loc); err != nil {
		return o, fmt.Errorf("--from %q: neither a duration such as 1095d nor a date such as 2024-01-31", f.From)
	}
	if !o.From.Before(o.T) {
		return o, fmt.Errorf("--from %s is not before %s", o.From.Format(time.DateOnly), o.T.Format(time.DateOnly))
	}
	if f.Penalty < 0 {
		return o, fmt.Errorf("--penalty %g: must not be negative", f.Penalty)
	}
	o.Learn = risk.Options{Penalty: f.Penalty, MinChurners: f.MinChurners}
	return o, nil
}

func positive(flag, s string) (time.Duration, error) {
	d, err := promodel.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: not a positive duration such as 30d", flag, s)
	}
	return time.Duration(d), nil
}

// Run fits and writes the model file.
func (f *FitRiskCmd) Run(cli *CLI, logger *slog.Logger) error {
	// The model file the configuration names is the one this replaces:
	// it may not exist yet, or be lost.
	cfg, err := config.LoadWithoutModel(cli.ConfigFile)
	if err != nil {
		return err
	}
	o, err := f.options(cfg, time.Now())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return f.fit(ctx, cfg, o, os.Stdout, os.Stderr, logger)
}

// fit learns, prints the evaluation on out and progress on progress, and
// writes the model file unless the fit is refused.
func (f *FitRiskCmd) fit(ctx context.Context, cfg *config.Config, o serve.FitRiskOptions, out io.Writer, progress *os.File, logger *slog.Logger) error {
	tty := term.IsTerminal(int(progress.Fd()))
	report := func(what string) func(done, total int) {
		return func(done, total int) {
			if tty {
				fmt.Fprintf(progress, "\r%s %d/%d   ", what, done, total)
				if done == total {
					fmt.Fprintln(progress)
				}
				return
			}
			logger.Info(what, "done", done, "total", total)
		}
	}
	read := report("instants read")
	o.Read = func(done, total int, _ time.Time) { read(done, total) }
	o.Learn.Progress = report("walk-forward instants fitted")
	logger.Info("fitting churn risk", "t", o.T.Format(time.RFC3339), "from", o.From.Format(time.DateOnly), "step", f.Step,
		"horizon", f.Horizon, "instants", len(o.Instants()))
	d, l, err := serve.FitRisk(ctx, cfg, o, logger)
	if err != nil {
		return err
	}
	printEvaluation(out, d, l, f.Horizon, f.Step)
	if len(l.Refusals) > 0 && !f.Force {
		return errors.New(l.Refused())
	}
	file := risk.NewFile(l, f.Horizon, f.Step, f.Penalty, o.Horizon, o.T)
	data, err := file.Encode()
	if err != nil {
		return err
	}
	if err := writeAtomic(f.Output, data); err != nil {
		return err
	}
	if len(l.Refusals) > 0 {
		fmt.Fprintf(out, "\nWritten despite: %s.\n", strings.Join(l.Refusals, "; "))
	}
	fmt.Fprintf(out, "\nWrote %s. Name it as risk.model_file in the configuration; the exporter loads it at start and on reload.\n", f.Output)
	return nil
}

// writeAtomic writes a file through a temporary file in its directory,
// so that an exporter reloading it never reads half of it.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printEvaluation writes the fit and its evaluation as a person reads them.
func printEvaluation(w io.Writer, d *risk.Dataset, l *risk.Learned, horizon, step string) {
	e := l.Evaluation
	first, last := "", ""
	if len(d.Instants) > 0 {
		first, last = d.Instants[0].Format(time.DateOnly), d.Instants[len(d.Instants)-1].Format(time.DateOnly)
	}
	fmt.Fprintf(w, "Churn within %s, learned from %d instants every %s (%s to %s), outcomes known to %s\n",
		horizon, len(d.Instants), step, first, last, d.T.Format(time.DateOnly))
	fmt.Fprintf(w, "Labelled rows %d, events %d, churners %d, base rate %s\n\n", e.Rows, e.Events, e.Churners, percent(e.BaseRate))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "component\tcoefficient\tmean\tscale\t")
	fmt.Fprintf(tw, "(intercept)\t%+.3f\t\t\t\n", l.Model.Intercept)
	for _, t := range l.Model.Terms {
		fmt.Fprintf(tw, "%s\t%+.3f\t%.1f\t%.1f\t\n", t.Component, t.Coefficient, t.Mean, t.Scale)
	}
	tw.Flush()
	fmt.Fprintln(w, "A negative coefficient: a higher score, less churn. Left out: contacts (its inputs are read as they stand today, not as they were)")
	for _, o := range l.Model.LeftOut {
		fmt.Fprintf(w, "  and %s (%s)\n", o.Component, o.Why)
	}
	fmt.Fprintln(w)
	if e.AUC == nil {
		fmt.Fprintf(w, "Walk-forward: %d instants evaluated, %d skipped (no event in their training rows); no AUC, Brier score or calibration.\n",
			len(e.Evaluated), len(e.Skipped))
		return
	}
	fmt.Fprintf(w, "Walk-forward over the last 365 days: %d instants evaluated, %d skipped; %d rows, %d events\n",
		len(e.Evaluated), len(e.Skipped), e.WalkForwardRows, e.WalkForwardEvents)
	fmt.Fprintf(w, "  AUC %.3f (95%% interval %.3f to %.3f); the health score's AUC on the same rows %.3f\n",
		*e.AUC, *e.AUCLow, *e.AUCHigh, *e.HealthScoreAUC)
	fmt.Fprintf(w, "  Brier score %.4f (always predicting the base rate scores about %.4f)\n\n", *e.Brier, e.BaseRate*(1-e.BaseRate))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bin\tpredicted\tobserved\trows\t")
	for i, b := range e.Calibration {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t\n", i+1, percent(b.Predicted), percent(b.Observed), b.Rows)
	}
	tw.Flush()
}

func percent(r float64) string { return fmt.Sprintf("%.1f%%", 100*r) }

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/term"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/serve"
)

// backfillOptions are the options of the demo's backfill: daily instants
// from `from` (a duration such as 365d) before the start of today, as
// `retention_exporter backfill --from=365d` computes them.
func backfillOptions(cfg *config.Config, dir, from string, wall time.Time) (backfill.Options, error) {
	back, err := model.ParseDuration(from)
	if err != nil || back <= 0 {
		return backfill.Options{}, fmt.Errorf("--backfill-from %q: not a positive duration such as 365d or 90d", from)
	}
	// The backfill refuses a directory that is not empty too, but only once
	// the data is generated.
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return backfill.Options{}, fmt.Errorf("--backfill %s is not empty (it holds %s): give an empty or new directory", dir, entries[0].Name())
	}
	to := backfill.DefaultTo(wall, cfg.Location())
	o := backfill.Options{
		From:   to.Add(-time.Duration(back)),
		To:     to,
		Step:   24 * time.Hour,
		Output: dir,
		// The job the shipped Prometheus configurations and the scrape
		// configuration printed below use.
		Labels: map[string]string{"job": "retention"},
	}
	return o, o.Check(wall)
}

// runBackfill computes the demo MSP's history with the exporter's default
// configuration, through the sources serving opens, and writes it into
// o.Output; it reports progress on w.
func runBackfill(ctx context.Context, cfg *config.Config, o backfill.Options, w *os.File, logger *slog.Logger) (*backfill.Stats, error) {
	total := len(backfill.Instants(o.From, o.To, o.Step))
	fmt.Fprintf(w, "Backfilling %d days of history (%s to %s) into %s.\n", total,
		o.From.Format(time.DateOnly), o.To.Format(time.DateOnly), o.Output)
	o.Progress = progress(w, term.IsTerminal(int(w.Fd())))
	return serve.Backfill(ctx, cfg, o, logger)
}

// progress redraws one line on a terminal, and otherwise prints a line
// every tenth of the way.
func progress(w io.Writer, tty bool) func(backfill.Progress) {
	lastTenth := 0
	return func(p backfill.Progress) {
		eta := p.Elapsed / time.Duration(p.Done) * time.Duration(p.Total-p.Done)
		line := fmt.Sprintf("%s  %d/%d days  %3.0f%%  ETA %s", p.Instant.Format(time.DateOnly), p.Done, p.Total,
			100*float64(p.Done)/float64(p.Total), eta.Round(time.Second))
		if tty {
			end := "   "
			if p.Done == p.Total {
				end = "\n"
			}
			fmt.Fprint(w, "\r"+line+end)
			return
		}
		if tenth := 10 * p.Done / p.Total; tenth > lastTenth {
			lastTenth = tenth
			fmt.Fprintln(w, line)
		}
	}
}

// loadHelp says how to look at the history: a Prometheus whose data
// directory is dir, scraping the demo as the job the blocks are labelled
// with, so that the history and the live samples are one series.
func loadHelp(dir, target string, st *backfill.Stats, elapsed time.Duration) string {
	return fmt.Sprintf(`
Wrote %d blocks (%.1f MB, %d samples over %d days) to %s in %s.

To see that history next to the live data, run a Prometheus on it that
scrapes this demo (Prometheus keeps 15 days by default; 400d keeps the year):

  cat > demo-prometheus.yml <<'EOF'
  scrape_configs:
    - job_name: retention
      static_configs:
        - targets: ['%s']
  EOF
  prometheus --config.file=demo-prometheus.yml --storage.tsdb.path=%s --storage.tsdb.retention.time=400d

and query it at http://localhost:9090, for example:
  sum by (segment) (retention_clients)

`, len(st.Blocks), float64(st.Bytes)/1e6, st.Samples, st.Instants, dir, elapsed.Round(time.Second), target, dir)
}

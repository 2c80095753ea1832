package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/term"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/serve"
)

// BackfillCmd computes the past and writes it as Prometheus TSDB blocks.
type BackfillCmd struct {
	From          string            `required:"" help:"First instant: a date (YYYY-MM-DD, midnight in the configured time zone), an RFC 3339 time, or a duration before --to such as 365d." placeholder:"DATE"`
	To            string            `help:"Last instant, as --from; default: the start of today in the configured time zone (yesterday's when that is within 3 hours)." placeholder:"DATE"`
	Step          string            `default:"1d" help:"Time between instants, a Prometheus duration."`
	Output        string            `required:"" type:"path" help:"Directory to write the blocks into; it must be empty or new." placeholder:"DIR"`
	Overwrite     bool              `help:"Replace the blocks already in the output directory."`
	Series        string            `default:"all" enum:"all,portfolio" help:"Series to write: ${enum}. portfolio leaves out the per-client and per-contract series, for very large portfolios."`
	Label         map[string]string `default:"job=retention" help:"Label added to every series, as Prometheus adds its scrape target's (repeatable; giving any replaces the default)." placeholder:"NAME=VALUE"`
	BlockDuration string            `name:"block-duration" help:"Time range of each block, a multiple of 2h; default: the largest range Prometheus compacts into (486h)." placeholder:"DURATION"`
}

// Help is the detail of backfill --help.
func (b *BackfillCmd) Help() string {
	return "Computes every client, contract and portfolio series at each instant from --from to --to with the same queries, model and configuration as serve, " +
		"and writes them as Prometheus TSDB blocks. Move the blocks into Prometheus's data directory to load them (docs/backfill.md). " + dsnHelp
}

// options turns the flags into backfill options; wall is the wall clock.
func (b *BackfillCmd) options(cfg *config.Config, wall time.Time) (backfill.Options, error) {
	loc := cfg.Location()
	o := backfill.Options{Output: b.Output, Overwrite: b.Overwrite, PortfolioOnly: b.Series == "portfolio", Labels: b.Label}
	var err error
	step, err := model.ParseDuration(b.Step)
	if err != nil || step <= 0 {
		return o, fmt.Errorf("--step %q: not a positive duration such as 1d or 6h", b.Step)
	}
	o.Step = time.Duration(step)
	if b.To == "" {
		o.To = backfill.DefaultTo(wall, loc)
	} else if o.To, err = parseInstant(b.To, loc); err != nil {
		return o, fmt.Errorf("--to: %w", err)
	}
	if back, err := model.ParseDuration(b.From); err == nil && back > 0 {
		o.From = o.To.Add(-time.Duration(back))
	} else if o.From, err = parseInstant(b.From, loc); err != nil {
		return o, fmt.Errorf("--from: %w", err)
	}
	if b.BlockDuration != "" {
		d, err := model.ParseDuration(b.BlockDuration)
		if err != nil {
			return o, fmt.Errorf("--block-duration: %w", err)
		}
		o.BlockDuration = time.Duration(d)
	}
	return o, o.Check(wall)
}

// parseInstant reads a date (midnight in loc) or an RFC 3339 time.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (2026-01-31) nor an RFC 3339 time (2026-01-31T06:00:00Z)", s)
	}
	return t, nil
}

// memoryLimit is the Go runtime's soft memory limit while backfilling,
// unless GOMEMLIMIT sets one: the garbage collector works harder near it
// rather than letting the heap double.
const memoryLimit = 800 << 20

// Run backfills.
func (b *BackfillCmd) Run(cli *CLI, logger *slog.Logger) error {
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	o, err := b.options(cfg, time.Now())
	if err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// Every series of a block is held until the block is written;
		// a soft limit keeps the garbage around them small.
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runBackfill(ctx, cfg, o, os.Stderr, logger)
}

// runBackfill backfills and reports on w.
func runBackfill(ctx context.Context, cfg *config.Config, o backfill.Options, w *os.File, logger *slog.Logger) error {
	total := len(backfill.Instants(o.From, o.To, o.Step))
	logger.Info("backfilling", "from", o.From.Format(time.RFC3339), "to", o.To.Format(time.RFC3339), "step", model.Duration(o.Step),
		"instants", total, "output", o.Output, "series", map[bool]string{true: "portfolio", false: "all"}[o.PortfolioOnly])
	tty := term.IsTerminal(int(w.Fd()))
	o.Progress = progress(w, tty, logger)
	st, err := serve.Backfill(ctx, cfg, o, logger)
	if tty {
		fmt.Fprintln(w)
	}
	if err != nil {
		return err
	}
	logger.Info("backfill done", "blocks", len(st.Blocks), "bytes", st.Bytes, "instants", st.Instants, "samples", st.Samples,
		"read", st.Read.Round(time.Millisecond), "compute", st.Compute.Round(time.Millisecond), "write", st.Write.Round(time.Millisecond))
	fmt.Fprintf(w, "Wrote %d blocks (%s, %d samples over %d instants) to %s.\n"+
		"Move them into Prometheus's data directory to load them: see docs/backfill.md.\n",
		len(st.Blocks), megabytes(st.Bytes), st.Samples, st.Instants, o.Output)
	return nil
}

// progress reports each instant: one line redrawn in place with an ETA on
// a terminal, a log line per instant otherwise.
func progress(w io.Writer, tty bool, logger *slog.Logger) func(backfill.Progress) {
	return func(p backfill.Progress) {
		eta := time.Duration(0)
		if p.Done > 0 {
			eta = p.Elapsed / time.Duration(p.Done) * time.Duration(p.Total-p.Done)
		}
		if tty {
			fmt.Fprintf(w, "\r%s  %d/%d instants  %3.0f%%  %d samples  ETA %s   ", p.Instant.Format(time.DateOnly), p.Done, p.Total,
				100*float64(p.Done)/float64(p.Total), p.Samples, eta.Round(time.Second))
			return
		}
		logger.Info("instant written", "instant", p.Instant.Format(time.RFC3339), "done", p.Done, "total", p.Total,
			"samples", p.Samples, "eta", eta.Round(time.Second))
	}
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// Package backfill computes the retention series at past instants, with
// the queries, model and config that serving uses, and writes them as
// Prometheus TSDB blocks.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	promodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/replay"
)

// MinLag is how close to the wall clock the last instant may come: a
// running Prometheus holds the last hours in its head block, which
// backfilled blocks must not overlap.
const MinLag = 3 * time.Hour

// PSA reads the PSA's facts; *source.DB is one.
type PSA = replay.PSA

// Billing reads the billing facts; *source.DB is one.
type Billing = replay.Billing

// Options say what to compute and where to write it.
type Options struct {
	// From and To are the first and the last instant; To is included when
	// it falls on a step.
	From, To time.Time
	Step     time.Duration
	Output   string
	// Overwrite replaces the blocks already in Output.
	Overwrite bool
	// PortfolioOnly writes only the portfolio series.
	PortfolioOnly bool
	// Labels are added to every series, as a scrape adds its target's
	// labels (job, instance).
	Labels map[string]string
	// BlockDuration is the time range of each block; see DefaultBlockDuration.
	BlockDuration time.Duration
	// Progress, when set, is called after each instant is written.
	Progress func(Progress)
}

// Progress is how far a backfill has come.
type Progress struct {
	Done, Total int
	Instant     time.Time
	Elapsed     time.Duration
	Samples     int64
}

// Stats is what a backfill did and what it cost.
type Stats struct {
	Instants int
	Samples  int64
	Blocks   []string // block directories written, in time order
	Bytes    int64    // size of the blocks on disk
	// Read is the time spent reading the databases (the slower source
	// of each instant, as they are read in parallel); Compute the time
	// spent computing the results; Write the time spent appending and
	// writing blocks.
	Read, Compute, Write time.Duration
}

// Check reports options that cannot give a valid backfill; wall is the
// wall clock.
func (o Options) Check(wall time.Time) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.To.After(wall) {
		return fmt.Errorf("to %s is in the future (it is now %s): a backfill computes the past; "+
			"end at %s or earlier", o.To.Format(time.RFC3339), wall.Format(time.RFC3339), wall.Add(-MinLag).Format(time.RFC3339))
	}
	if latest := wall.Add(-MinLag); o.To.After(latest) {
		return fmt.Errorf("to %s is within %s of the wall clock (%s): Prometheus holds recent hours in its head block, "+
			"which blocks must not overlap; end at %s or earlier", o.To.Format(time.RFC3339), MinLag, wall.Format(time.RFC3339),
			latest.Format(time.RFC3339))
	}
	// The output directory is checked before any database is read.
	_, err := Inspect(o.Output, o.Overwrite)
	return err
}

// check is Check without the wall clock.
func (o Options) check() error {
	if o.Step <= 0 {
		return fmt.Errorf("step %s: must be a positive duration", o.Step)
	}
	if o.From.After(o.To) {
		return fmt.Errorf("from %s is after to %s", o.From.Format(time.RFC3339), o.To.Format(time.RFC3339))
	}
	if o.Output == "" {
		return errors.New("no output directory")
	}
	if o.BlockDuration != 0 {
		if err := checkBlockDuration(o.BlockDuration); err != nil {
			return err
		}
	}
	for name, value := range o.Labels {
		if !promodel.LegacyValidation.IsValidLabelName(name) || name == promodel.MetricNameLabel {
			return fmt.Errorf("label %q: not a valid label name", name)
		}
		if value == "" {
			return fmt.Errorf("label %s: empty value", name)
		}
	}
	return nil
}

// DefaultTo is the default last instant: the start of today in loc, or of
// yesterday when today's began less than MinLag before wall.
func DefaultTo(wall time.Time, loc *time.Location) time.Time {
	y, m, d := wall.In(loc).Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if to.After(wall.Add(-MinLag)) {
		to = time.Date(y, m, d-1, 0, 0, 0, 0, loc)
	}
	return to
}

// Instants lists the instants from from to to, step apart.
func Instants(from, to time.Time, step time.Duration) []time.Time {
	var ts []time.Time
	for t := from; !t.After(to); t = t.Add(step) {
		ts = append(ts, t)
	}
	return ts
}

// Run computes every instant and writes the blocks into o.Output.
// Billing is nil when it is not configured; the logger, which may be nil,
// takes the TSDB's own messages. Blocks are written into a temporary
// directory and moved into Output only when every instant has been
// written, so a failure leaves Output as it was.
func Run(ctx context.Context, cfg *config.Config, psa PSA, billing Billing, o Options, logger *slog.Logger) (*Stats, error) {
	// The caller checks the wall clock: Run reads none, so tests can pin it.
	if err := o.check(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.BlockDuration == 0 {
		o.BlockDuration = DefaultBlockDuration
	}
	out, err := prepare(o.Output, o.Overwrite)
	if err != nil {
		return nil, err
	}
	defer out.cleanup()

	instants := Instants(o.From, o.To, o.Step)
	w := &writer{dir: out.tmp, blockMs: o.BlockDuration.Milliseconds(), logger: logger, extra: labels.FromMap(o.Labels), ids: newHasher()}
	st := &Stats{}
	start := time.Now()
	copts := collector.Options{
		ComponentScores: cfg.Series.ComponentScores,
		Contracts:       cfg.Series.Contracts,
		PortfolioOnly:   o.PortfolioOnly,
	}
	err = replay.Run(ctx, cfg, psa, billing, instants, func(in replay.Instant) error {
		st.Read += in.Read
		st.Compute += in.Compute
		writing := time.Now()
		n, err := w.instant(ctx, in.At.UnixMilli(), collector.New(in.Result, copts))
		if err != nil {
			return fmt.Errorf("writing the samples of %s: %w", in.At.Format(time.RFC3339), err)
		}
		st.Write += time.Since(writing)
		st.Instants++
		st.Samples += n
		if o.Progress != nil {
			o.Progress(Progress{Done: st.Instants, Total: len(instants), Instant: in.At, Elapsed: time.Since(start), Samples: st.Samples})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.Instants != len(instants) {
		return nil, fmt.Errorf("read %d of %d instants", st.Instants, len(instants))
	}
	writing := time.Now()
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	st.Write += time.Since(writing)
	if st.Blocks, st.Bytes, err = out.commit(w.blocks); err != nil {
		return nil, err
	}
	return st, nil
}

// DefaultBlockDuration is the largest range Prometheus compacts blocks
// into by default (ranges grow 2h × 3ⁿ and stop at 31 days): 486h, about
// 20 days. Blocks of that range, aligned as Prometheus aligns its own,
// are neither split nor merged, and expire as a whole once older than
// the retention.
var DefaultBlockDuration = largestRange(31 * 24 * time.Hour)

// minBlock is the range of Prometheus's head blocks, the smallest it
// compacts from (tsdb.DefaultBlockDuration).
const minBlock = 2 * time.Hour

// largestRange is the largest of Prometheus's default compaction ranges
// (minBlock × 3ⁿ for n below 10, as tsdb.ExponentialBlockRanges makes
// them) within limit.
func largestRange(limit time.Duration) time.Duration {
	best := minBlock
	for r, n := minBlock, 0; n < 10 && r <= limit; r, n = 3*r, n+1 {
		best = r
	}
	return best
}

func checkBlockDuration(d time.Duration) error {
	min := minBlock
	if d < min || d%min != 0 {
		return fmt.Errorf("block duration %s: must be a multiple of %s", d, min)
	}
	return nil
}

// Package exporter runs the refresh loop: it reads the sources, keeps the
// last good facts for at most max_staleness, computes the result and
// publishes it as a pre-rendered snapshot that scrapes serve.
package exporter

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// PSA reads the PSA's facts; *source.DB is one.
type PSA interface {
	Name() string
	Target() string
	ReadPSA(ctx context.Context, cfg *config.Config, now time.Time) (*model.PSAFacts, []source.QueryReport, error)
}

// Billing reads the billing facts; *source.DB is one.
type Billing interface {
	Name() string
	Target() string
	ReadBilling(ctx context.Context, cfg *config.Config, now time.Time) (*model.BillingFacts, []source.QueryReport, error)
}

// named is what the exporter's own metrics need of a source.
type named interface {
	Name() string
	Target() string
}

// Exporter owns the sources, the last good facts and the snapshot.
type Exporter struct {
	cfg    *config.Config
	logger *slog.Logger
	psa    PSA
	bill   Billing // nil when billing is not configured

	mu           sync.Mutex // serialises refreshes
	psaFacts     *model.PSAFacts
	billingFacts *model.BillingFacts

	snapshot atomic.Pointer[Snapshot]
	ready    atomic.Bool

	registry        *prometheus.Registry // the exporter's own retention_* metrics
	own             *cachedPart
	ownVersion      atomic.Uint64 // bumped after every change to the own metrics
	runtime         *cachedPart   // build info, Go and process metrics
	up              *prometheus.GaugeVec
	lastSuccess     *prometheus.GaugeVec
	refreshDuration *prometheus.GaugeVec
	renderDuration  *prometheus.GaugeVec
	queryDuration   *prometheus.GaugeVec
	queryErrors     *prometheus.CounterVec
	invalidRows     *prometheus.CounterVec
	reloadOK        prometheus.Gauge
	reloadTime      prometheus.Gauge

	wake chan struct{} // a reload asks the loop for a refresh now

	// Guarded by mu: whether a refresh with the PSA's data has been
	// published, since when each failing source has failed, and how many
	// refreshes in a row had a failure.
	announced bool
	downMu    sync.Mutex // the two sources' reads record at once
	downSince map[string]time.Time
	failures  int
	// firstRetry is the wait after the first failed refresh; it doubles
	// with each failure after it, up to the refresh interval.
	firstRetry time.Duration
}

// FirstRetry is how long the loop waits after a refresh fails before it
// tries again: a brief failure at start-up must not leave the exporter
// unready for a whole refresh interval.
const FirstRetry = 5 * time.Second

// New returns an exporter for the sources; billing is nil when not configured.
func New(cfg *config.Config, psa PSA, billing Billing, logger *slog.Logger) *Exporter {
	e := &Exporter{cfg: cfg, psa: psa, bill: billing, logger: logger, registry: prometheus.NewRegistry(),
		wake: make(chan struct{}, 1), downSince: map[string]time.Time{}, firstRetry: FirstRetry}
	e.up = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.SourceUp,
		Help: "1 when the last refresh read the source, else 0."}, []string{metrics.LabelSource})
	e.lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.SourceLastSuccess,
		Help: "Time of the last successful refresh of the source: the 'now' its metrics are computed for."}, []string{metrics.LabelSource})
	e.refreshDuration = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.RefreshDuration,
		Help: "Duration of the last refresh of the source."}, []string{metrics.LabelSource})
	e.queryDuration = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: metrics.QueryDuration,
		Help: "Duration of the query in the last refresh, summed over its windows."}, []string{metrics.LabelSource, metrics.LabelQuery})
	e.queryErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metrics.QueryErrors,
		Help: "Query runs that failed."}, []string{metrics.LabelSource, metrics.LabelQuery})
	e.invalidRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: metrics.InvalidRows,
		Help: "Rows skipped because they could not be used, by reason."}, []string{metrics.LabelSource, metrics.LabelQuery, metrics.LabelReason})
	e.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.ConfigLastReloadSuccessful,
		Help: "1 when the last configuration reload succeeded (or none was tried), 0 when it failed and the previous configuration stays."})
	e.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.ConfigLastReloadSuccess,
		Help: "Time the configuration in use was loaded."})
	e.renderDuration = newRenderDuration(e.registry)
	e.reloadOK.Set(1)
	e.reloadTime.SetToCurrentTime()
	e.registry.MustRegister(e.up, e.lastSuccess, e.refreshDuration, e.queryDuration, e.queryErrors, e.invalidRows,
		e.reloadOK, e.reloadTime)
	runtime := prometheus.NewRegistry()
	runtime.MustRegister(versioncollector.NewCollector("retention_exporter"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.own = &cachedPart{gatherer: e.registry}
	e.runtime = &cachedPart{gatherer: runtime, ttl: time.Second}
	e.initSeries()
	e.publish()
	return e
}

// initSeries creates the per-source and per-query series at zero, so that
// rate() and alerts see them before the first failure.
func (e *Exporter) initSeries() {
	cfg := e.cfg
	for _, s := range e.sources() {
		e.up.WithLabelValues(s.Name()).Set(0)
		for _, f := range config.Facts {
			if f.Source != s.Name() || !cfg.Enabled(f.Name) {
				continue
			}
			e.queryErrors.WithLabelValues(s.Name(), f.Name)
			for _, r := range source.Reasons {
				e.invalidRows.WithLabelValues(s.Name(), f.Name, r)
			}
		}
	}
}

// Reconfigure swaps in a new configuration and sources, then asks the
// loop for a refresh. It waits for a running refresh to finish, so a
// refresh never mixes two configurations. It returns the previous
// sources for the caller to close. Facts read under the previous
// configuration keep serving until the refresh replaces them.
func (e *Exporter) Reconfigure(cfg *config.Config, psa PSA, billing Billing) (oldPSA PSA, oldBilling Billing) {
	e.mu.Lock()
	oldPSA, oldBilling = e.psa, e.bill
	e.cfg, e.psa, e.bill = cfg, psa, billing
	if billing == nil {
		e.billingFacts = nil
		e.up.DeleteLabelValues(config.Billing)
		e.lastSuccess.DeleteLabelValues(config.Billing)
	}
	e.initSeries()
	e.mu.Unlock()
	e.reloadOK.Set(1)
	e.reloadTime.SetToCurrentTime()
	e.ownVersion.Add(1)
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return oldPSA, oldBilling
}

// Sources returns the sources in use.
func (e *Exporter) Sources() (PSA, Billing) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.psa, e.bill
}

// ReloadFailed records a reload that kept the previous configuration.
func (e *Exporter) ReloadFailed() {
	e.reloadOK.Set(0)
	e.ownVersion.Add(1)
}

func (e *Exporter) sources() []named {
	if e.bill == nil {
		return []named{e.psa}
	}
	return []named{e.psa, e.bill}
}

// Snapshot returns the latest published snapshot.
func (e *Exporter) Snapshot() *Snapshot { return e.snapshot.Load() }

// Ready reports whether the PSA has been read at least once.
func (e *Exporter) Ready() bool { return e.ready.Load() }

// Run refreshes at start and then every refresh interval until ctx ends.
// After a refresh in which a source failed, it tries again sooner: 5s,
// doubling with each failure, up to the interval. A refresh slower than
// the interval delays the next one; they never overlap.
func (e *Exporter) Run(ctx context.Context) {
	for {
		e.Refresh(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-time.After(e.nextWait()):
		}
	}
}

// nextWait is the time until the next refresh.
func (e *Exporter) nextWait() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return retryDelay(e.firstRetry, e.failures, time.Duration(e.cfg.RefreshInterval))
}

// retryDelay is the wait after `failures` refreshes in a row had a failed
// source: first, doubling each time, never more than interval; interval
// when the last refresh read every source.
func retryDelay(first time.Duration, failures int, interval time.Duration) time.Duration {
	if failures == 0 {
		return interval
	}
	d := first
	for range failures - 1 {
		if d >= interval {
			break
		}
		d *= 2
	}
	return min(d, interval)
}

// Refresh reads every source at now, expires facts older than
// max_staleness, and publishes a new snapshot. It reports whether every
// source was read.
func (e *Exporter) Refresh(ctx context.Context, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := time.Now()
	var wg sync.WaitGroup
	var psaFacts *model.PSAFacts
	var billingFacts *model.BillingFacts
	var psaErr, billingErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		f, reps, err := e.psa.ReadPSA(ctx, e.cfg, now)
		e.record(e.psa, now, start, reps, err, e.psaFacts != nil)
		psaFacts, psaErr = f, err
	}()
	if e.bill != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			f, reps, err := e.bill.ReadBilling(ctx, e.cfg, now)
			e.record(e.bill, now, start, reps, err, e.billingFacts != nil)
			billingFacts, billingErr = f, err
		}()
	}
	wg.Wait()
	ok := psaErr == nil && billingErr == nil
	if ok {
		e.failures = 0
	} else {
		e.failures++
	}

	if psaFacts != nil {
		e.psaFacts = psaFacts
	}
	if billingFacts != nil {
		e.billingFacts = billingFacts
	}
	maxAge := time.Duration(e.cfg.MaxStaleness)
	if e.psaFacts != nil && now.Sub(e.psaFacts.Now) > maxAge {
		e.logger.Warn("PSA data is older than max_staleness: dropping every series derived from it",
			"last_success", e.psaFacts.Now, "max_staleness", maxAge)
		e.psaFacts = nil
	}
	if e.billingFacts != nil && now.Sub(e.billingFacts.Now) > maxAge {
		e.logger.Warn("billing data is older than max_staleness: dropping every series derived from it",
			"last_success", e.billingFacts.Now, "max_staleness", maxAge)
		e.billingFacts = nil
	}
	rendering := time.Now()
	if snap := e.publish(); snap != nil {
		e.rendered(time.Since(rendering))
		level, msg := slog.LevelDebug, "published"
		if !e.announced && e.psaFacts != nil {
			level, msg, e.announced = slog.LevelInfo, "first refresh published: serving the PSA's data", true
		}
		e.logger.Log(ctx, level, msg, "duration", time.Since(start), "series", snap.Series,
			"bytes", snap.PlainLen, "gzip_bytes", len(snap.Gzip))
	}
	// Ready only once the PSA's data is being served, not merely read.
	if psaFacts != nil {
		e.ready.Store(true)
	}
	return ok
}

// record turns one source read into the exporter's own metrics and logs;
// hadData says whether earlier data of the source is still served.
func (e *Exporter) record(db named, now, start time.Time, reps []source.QueryReport, err error, hadData bool) {
	defer e.ownVersion.Add(1)
	e.refreshDuration.WithLabelValues(db.Name()).Set(time.Since(start).Seconds())
	durations := map[string]float64{}
	for _, r := range reps {
		durations[r.Query] += r.Duration.Seconds()
		if r.Err != nil {
			e.queryErrors.WithLabelValues(db.Name(), r.Query).Inc()
		}
		reasons := make([]string, 0, len(r.Invalid))
		for reason := range r.Invalid {
			reasons = append(reasons, reason)
		}
		sort.Strings(reasons)
		for _, reason := range reasons {
			n := r.Invalid[reason]
			e.invalidRows.WithLabelValues(db.Name(), r.Query, reason).Add(float64(n))
			e.logger.Warn("skipped invalid rows", "database", db.Name(), "query", r.Query, "window", r.Window,
				"reason", reason, "rows", n, "first", r.Examples[reason])
		}
	}
	for q, d := range durations {
		e.queryDuration.WithLabelValues(db.Name(), q).Set(d)
	}
	retry := retryDelay(e.firstRetry, e.failures+1, time.Duration(e.cfg.RefreshInterval))
	e.downMu.Lock()
	defer e.downMu.Unlock()
	if err != nil {
		e.up.WithLabelValues(db.Name()).Set(0)
		if _, down := e.downSince[db.Name()]; !down {
			e.downSince[db.Name()] = start
		}
		msg := "refresh failed; serving the last good data until max_staleness"
		if !hadData {
			msg = "refresh failed; no data has been read from this source yet, so none of it is served"
		}
		e.logger.Error(msg, "database", db.Name(), "target", db.Target(), "retry_in", retry, "err", err)
		return
	}
	e.up.WithLabelValues(db.Name()).Set(1)
	e.lastSuccess.WithLabelValues(db.Name()).Set(float64(now.UnixMilli()) / 1000)
	if since, down := e.downSince[db.Name()]; down {
		delete(e.downSince, db.Name())
		e.logger.Info("source recovered", "database", db.Name(), "target", db.Target(),
			"failing_for", time.Since(since).Round(time.Second))
		return
	}
	e.logger.Debug("refreshed", "database", db.Name(), "duration", time.Since(start))
}

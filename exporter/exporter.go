// Package exporter runs the refresh loop: it reads the sources, keeps the
// last good facts for at most max_staleness, computes the result and
// publishes it as a pre-rendered snapshot that scrapes serve.
package exporter

import (
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"
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
	ReadPSA(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error)
}

// Billing reads the billing facts; *source.DB is one.
type Billing interface {
	Name() string
	Target() string
	ReadBilling(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error)
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
	psaFacts     *model.Facts
	billingFacts *model.Facts
	// lastGood is when each planned query (each window of a windowed one)
	// last succeeded, by source and name: its rows serve until then plus
	// max_staleness. gone marks those already dropped, to log it once.
	lastGood map[string]time.Time
	gone     map[string]bool

	snapshot atomic.Pointer[Snapshot]
	ready    atomic.Bool

	registry       *prometheus.Registry // the exporter's own retention_* metrics
	own            *cachedPart
	ownVersion     atomic.Uint64 // bumped after every change to the own metrics
	runtime        *cachedPart   // build info, Go and process metrics
	state          *ownMetrics   // the sources' and queries' own series
	renderDuration *prometheus.GaugeVec
	reloadOK       prometheus.Gauge
	reloadTime     prometheus.Gauge

	wake chan struct{} // a reload asks the loop for a refresh now

	// Guarded by mu: whether a refresh with the PSA's data has been
	// published, and how many refreshes in a row had a failure.
	announced bool
	failures  int
	// Since when each failing source has failed; the two sources' reads
	// record at once.
	downMu    sync.Mutex
	downSince map[string]time.Time
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
		wake: make(chan struct{}, 1), downSince: map[string]time.Time{}, firstRetry: FirstRetry,
		lastGood: map[string]time.Time{}, gone: map[string]bool{}, state: &ownMetrics{}}
	e.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.ConfigLastReloadSuccessful,
		Help: "1 when the last configuration reload succeeded (or none was tried), 0 when it failed and the previous configuration stays."})
	e.reloadTime = prometheus.NewGauge(prometheus.GaugeOpts{Name: metrics.ConfigLastReloadSuccess,
		Help: "Time the configuration in use was loaded."})
	e.renderDuration = newRenderDuration(e.registry)
	e.reloadOK.Set(1)
	e.reloadTime.SetToCurrentTime()
	e.registry.MustRegister(e.state, e.reloadOK, e.reloadTime)
	runtime := prometheus.NewRegistry()
	runtime.MustRegister(versioncollector.NewCollector("retention_exporter"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.own = &cachedPart{gatherer: e.registry}
	e.runtime = &cachedPart{gatherer: runtime, ttl: time.Second}
	e.state.configure(cfg)
	e.publish()
	return e
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
	}
	e.state.configure(cfg)
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
	var psaFacts *model.Facts
	var billingFacts *model.Facts
	var psaReps, billingReps []source.QueryReport
	var psaErr, billingErr error
	// The queries each source runs at now, as the sources plan them.
	psaPlan, billingPlan := e.cfg.Plan(config.PSA, now), e.cfg.Plan(config.Billing, now)
	wg.Go(func() {
		start := time.Now()
		psaFacts, psaReps, psaErr = e.psa.ReadPSA(ctx, e.cfg, now)
		e.record(e.psa, psaPlan, now, start, psaReps, psaErr)
	})
	if e.bill != nil {
		wg.Go(func() {
			start := time.Now()
			billingFacts, billingReps, billingErr = e.bill.ReadBilling(ctx, e.cfg, now)
			e.record(e.bill, billingPlan, now, start, billingReps, billingErr)
		})
	}
	wg.Wait()
	ok := psaErr == nil && billingErr == nil
	if ok {
		e.failures = 0
	} else {
		e.failures++
	}

	fresh, keep, drop := e.judge(config.PSA, psaPlan, now, psaReps, psaErr)
	e.psaFacts = merge(config.PSA, e.psaFacts, psaFacts, fresh, keep, drop)
	if e.bill != nil {
		fresh, keep, drop := e.judge(config.Billing, billingPlan, now, billingReps, billingErr)
		e.billingFacts = merge(config.Billing, e.billingFacts, billingFacts, fresh, keep, drop)
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
	if e.psaFacts != nil {
		e.ready.Store(true)
	}
	return ok
}

// record turns one source read into the exporter's own metrics and logs.
func (e *Exporter) record(db named, plan []config.PlannedQuery, now, start time.Time, reps []source.QueryReport, err error) {
	defer e.ownVersion.Add(1)
	var planned []string
	for _, q := range plan {
		if !slices.Contains(planned, q.Fact.Name) {
			planned = append(planned, q.Fact.Name)
		}
	}
	e.state.record(db.Name(), float64(now.UnixMilli())/1000, time.Since(start).Seconds(), planned, reps, err == nil)
	for _, r := range reps {
		reasons := make([]string, 0, len(r.Invalid))
		for reason := range r.Invalid {
			reasons = append(reasons, reason)
		}
		sort.Strings(reasons)
		for _, reason := range reasons {
			e.logger.Warn("skipped invalid rows", "database", db.Name(), "query", r.Query, "window", r.Window,
				"reason", reason, "rows", r.Invalid[reason], "first", r.Examples[reason])
		}
	}
	retry := retryDelay(e.firstRetry, e.failures+1, time.Duration(e.cfg.RefreshInterval))
	e.downMu.Lock()
	defer e.downMu.Unlock()
	if err != nil {
		if _, down := e.downSince[db.Name()]; !down {
			e.downSince[db.Name()] = start
		}
		failedQuery := false
		for _, r := range reps {
			if r.Err == nil {
				continue
			}
			failedQuery = true
			msg := "query failed; its last good rows serve until max_staleness"
			if _, had := e.lastGood[queryKey(db.Name(), r.Query, r.Window)]; !had {
				msg = "query failed; no rows of it have been read yet, so nothing it feeds is served"
			}
			e.logger.Error(msg, "database", db.Name(), "query", r.Query, "window", r.Window, "retry_in", retry, "err", r.Err)
		}
		if !failedQuery {
			msg := "refresh failed; serving the last good data until max_staleness"
			if !e.hadRows(db.Name()) {
				msg = "refresh failed; no data has been read from this source yet, so none of it is served"
			}
			e.logger.Error(msg, "database", db.Name(), "target", db.Target(), "retry_in", retry, "err", err)
		}
		return
	}
	if since, down := e.downSince[db.Name()]; down {
		delete(e.downSince, db.Name())
		e.logger.Info("source recovered", "database", db.Name(), "target", db.Target(),
			"failing_for", time.Since(since).Round(time.Second))
		return
	}
	e.logger.Debug("refreshed", "database", db.Name(), "duration", time.Since(start))
}

// hadRows reports whether any query of the source has succeeded before.
func (e *Exporter) hadRows(src string) bool {
	for k := range e.lastGood {
		if strings.HasPrefix(k, src+"/") {
			return true
		}
	}
	return false
}

package exporter

import (
	"maps"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	m "github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/source"
)

// ownMetrics is what the exporter knows of its sources and queries,
// collected as const metrics at each gather: a source or query that a
// reload removes is dropped from the state, so it leaves no series.
type ownMetrics struct {
	mu      sync.Mutex
	sources map[string]*sourceState
}

type sourceState struct {
	up          float64
	lastSuccess float64 // 0: never
	duration    *float64
	queries     map[string]*queryState // by fact name
}

type queryState struct {
	up          float64
	lastSuccess float64 // 0: never
	duration    *float64
	errors      float64
	invalid     map[string]float64 // by reason
}

var (
	descSourceUp = prometheus.NewDesc(m.SourceUp,
		"1 when every enabled query of the source succeeded in the last refresh, else 0.", []string{m.LabelSource}, nil)
	descSourceLastSuccess = prometheus.NewDesc(m.SourceLastSuccess,
		"Time of the last refresh in which every enabled query of the source succeeded.", []string{m.LabelSource}, nil)
	descRefreshDuration = prometheus.NewDesc(m.RefreshDuration,
		"Duration of the last refresh of the source.", []string{m.LabelSource}, nil)
	descQueryUp = prometheus.NewDesc(m.QueryUp,
		"1 when the query (every window of it) succeeded in the last refresh, else 0.", []string{m.LabelSource, m.LabelQuery}, nil)
	descQueryLastSuccess = prometheus.NewDesc(m.QueryLastSuccess,
		"Time of the last refresh in which the query succeeded: the 'now' its rows were read for.", []string{m.LabelSource, m.LabelQuery}, nil)
	descQueryDuration = prometheus.NewDesc(m.QueryDuration,
		"Duration of the query in the last refresh, summed over its windows.", []string{m.LabelSource, m.LabelQuery}, nil)
	descQueryErrors = prometheus.NewDesc(m.QueryErrors,
		"Query runs that failed.", []string{m.LabelSource, m.LabelQuery}, nil)
	descInvalidRows = prometheus.NewDesc(m.InvalidRows,
		"Rows skipped because they could not be used, by reason.", []string{m.LabelSource, m.LabelQuery, m.LabelReason}, nil)
)

// configure keeps the state of the sources and enabled queries of cfg,
// adds the new ones at zero (so that rate() and alerts see them before
// the first failure) and drops the rest.
func (o *ownMetrics) configure(cfg *config.Config) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sources == nil {
		o.sources = map[string]*sourceState{}
	}
	want := map[string]bool{config.PSA: true, config.Billing: cfg.BillingConfigured()}
	for name, on := range want {
		if !on {
			delete(o.sources, name)
			continue
		}
		s := o.sources[name]
		if s == nil {
			s = &sourceState{queries: map[string]*queryState{}}
			o.sources[name] = s
		}
		for _, f := range fact.All {
			enabled := f.Source == name && cfg.Enabled(f.Name)
			switch q := s.queries[f.Name]; {
			case !enabled:
				delete(s.queries, f.Name)
			case q == nil:
				s.queries[f.Name] = &queryState{invalid: map[string]float64{}}
			}
		}
	}
}

// Describe sends nothing: the collector is unchecked, its series vary.
func (o *ownMetrics) Describe(chan<- *prometheus.Desc) {}

// Collect sends the state's series.
func (o *ownMetrics) Collect(ch chan<- prometheus.Metric) {
	o.mu.Lock()
	defer o.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, name := range slices.Sorted(maps.Keys(o.sources)) {
		s := o.sources[name]
		gauge(descSourceUp, s.up, name)
		if s.lastSuccess > 0 {
			gauge(descSourceLastSuccess, s.lastSuccess, name)
		}
		if s.duration != nil {
			gauge(descRefreshDuration, *s.duration, name)
		}
		for _, qn := range slices.Sorted(maps.Keys(s.queries)) {
			q := s.queries[qn]
			gauge(descQueryUp, q.up, name, qn)
			if q.lastSuccess > 0 {
				gauge(descQueryLastSuccess, q.lastSuccess, name, qn)
			}
			if q.duration != nil {
				gauge(descQueryDuration, *q.duration, name, qn)
			}
			ch <- prometheus.MustNewConstMetric(descQueryErrors, prometheus.CounterValue, q.errors, name, qn)
			for _, r := range fact.Reasons {
				ch <- prometheus.MustNewConstMetric(descInvalidRows, prometheus.CounterValue, q.invalid[r], name, qn, r)
			}
		}
	}
}

// record sets a source's state from one read: up when every query
// succeeded, each query's state from its reports (a windowed query is up
// when every window succeeded), and failed for the queries of the plan
// that did not run because the database could not be reached. A read
// that succeeded (ok) ran every query.
func (o *ownMetrics) record(name string, nowSec, duration float64, planned []string, reps []source.QueryReport, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sources[name]
	if s == nil {
		return
	}
	s.duration = &duration
	ran := map[string]bool{}
	failed := map[string]bool{}
	durations := map[string]float64{}
	for _, r := range reps {
		ran[r.Query] = true
		durations[r.Query] += r.Duration.Seconds()
		q := s.queries[r.Query]
		if q == nil {
			continue
		}
		if r.Err != nil {
			failed[r.Query] = true
			q.errors++
		}
		for reason, n := range r.Invalid {
			q.invalid[reason] += float64(n)
		}
	}
	allOK := true
	for _, qn := range planned {
		q := s.queries[qn]
		if q == nil {
			continue
		}
		if !ran[qn] && !ok {
			failed[qn] = true // not run: the database could not be reached
		}
		if d, ok := durations[qn]; ok {
			q.duration = &d
		}
		if failed[qn] {
			q.up, allOK = 0, false
			continue
		}
		q.up, q.lastSuccess = 1, nowSec
	}
	s.up = 0
	if allOK {
		s.up, s.lastSuccess = 1, nowSec
	}
}

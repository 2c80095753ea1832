package exporter

import (
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// queryKey names one planned query of a source: a windowed query once
// per window.
func queryKey(src, query, window string) string {
	if window != "" {
		query += "[" + window + "]"
	}
	return src + "/" + query
}

// judge records when each query of src's plan at now last succeeded,
// from a read's reports, and sorts out the queries that did not: keep,
// those whose last good rows are at most max_staleness old; drop, the
// rest. A read without error read every query. fresh reports whether any
// query succeeded.
func (e *Exporter) judge(src string, plan []config.PlannedQuery, now time.Time, reps []source.QueryReport, err error) (fresh bool, keep, drop []config.PlannedQuery) {
	ok := map[string]bool{}
	for _, r := range reps {
		if r.Err == nil {
			ok[queryKey(src, r.Query, r.Window)] = true
		}
	}
	maxAge := time.Duration(e.cfg.MaxStaleness)
	for _, q := range plan {
		k := queryKey(src, q.Fact.Name, q.Window.Label)
		last, seen := e.lastGood[k]
		switch {
		case err == nil || ok[k]:
			fresh = true
			e.lastGood[k], e.gone[k] = now, false
		case seen && now.Sub(last) <= maxAge:
			keep = append(keep, q)
		default:
			drop = append(drop, q)
			if seen && !e.gone[k] {
				e.gone[k] = true
				msg := "query rows are older than max_staleness: dropping what the query feeds"
				if q.Fact.Backbone {
					msg = q.Fact.Name + " rows are older than max_staleness: dropping every series of the source"
				}
				e.logger.Warn(msg, "query", q.Name(), "database", src, "last_success", last, "max_staleness", maxAge)
			}
		}
	}
	return fresh, keep, drop
}

// merge is what serves of a source after a read: the rows read now, the
// last good rows of the queries to keep, nothing of those to drop. When
// no query succeeded, the last facts serve as they were, computed for the
// time they were read. Facts that are not usable (the PSA without its
// clients) serve nothing.
func merge(src string, old, read *model.Facts, fresh bool, keep, drop []config.PlannedQuery) *model.Facts {
	f := read
	if !fresh {
		if old == nil {
			return nil
		}
		c := *old
		f = &c
	}
	for _, q := range keep {
		fact.Keep(f, q.Fact.Name, q.Window.Label, old)
	}
	for _, q := range drop {
		fact.Drop(f, q.Fact.Name, q.Window.Label)
	}
	if !fact.Usable(src, f) {
		return nil
	}
	return f
}

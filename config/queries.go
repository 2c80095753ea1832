package config

import (
	"slices"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// Source names.
const (
	PSA     = fact.PSA
	Billing = fact.Billing
)

// UnusedParams lists, in words, the parameters a fact's rows depend on
// that its statement leaves out. Such a query runs, but its numbers are
// wrong: a windowed query without :window_start reads the same rows for
// every window, a dated one without :now or :today counts rows dated
// after the refresh, and surveys without :positive_score ignore
// health.positive_score.
func (c *Config) UnusedParams(name string) []string {
	f, ok := fact.Get(name)
	st, enabled := c.stmts[name]
	if !ok || !enabled {
		return nil
	}
	uses := func(p string) bool { return slices.Contains(st.Params, p) }
	var missing []string
	if f.Windowed() && !uses(ParamWindowStart) {
		missing = append(missing, ":window_start (each window must read only its own rows)")
	}
	if f.Dated && !uses(ParamNow) && !uses(ParamToday) {
		missing = append(missing, ":now or :today (rows dated after the refresh must not count)")
	}
	if f.Name == model.QuerySurveys && !uses(ParamPositiveScore) {
		missing = append(missing, ":positive_score (health.positive_score decides which scores are positive)")
	}
	return missing
}

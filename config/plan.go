package config

import (
	"slices"
	"time"

	"github.com/retention-exporter/retention_exporter/fact"
	"github.com/retention-exporter/retention_exporter/model"
)

// PlannedQuery is one run of a fact query as a refresh makes it: the
// statement and the value bound to each placeholder.
type PlannedQuery struct {
	Fact fact.Fact
	// Window is set for windowed facts, which run once per window.
	Window model.Window
	SQL    string
	Args   []any
	stmt   Statement
}

// Near says where in the statement as written a parse error is, from
// the server's quote of the SQL it was sent and the line of that quote;
// "" when the quote is not found.
func (q PlannedQuery) Near(snippet string, line int) string { return q.stmt.Near(snippet, line) }

// Name is the fact's name, with the window for windowed facts:
// "tickets[30d]".
func (q PlannedQuery) Name() string {
	if q.Window.Label == "" {
		return q.Fact.Name
	}
	return q.Fact.Name + "[" + q.Window.Label + "]"
}

// Placeholders are the offsets in SQL of the '?' each of Args binds.
func (q PlannedQuery) Placeholders() []int { return slices.Clone(q.stmt.marks) }

// Plan lists the queries a refresh of a source runs at now, in order,
// with their bound values: tickets once per distinct ticket window,
// surveys for the CSAT window. Disabled queries are left out.
func (c *Config) Plan(source string, now time.Time) []PlannedQuery {
	var plan []PlannedQuery
	for _, f := range fact.All {
		if f.Source != source || !c.Enabled(f.Name) {
			continue
		}
		windows := []model.Window{{}}
		if f.Windows != nil {
			windows = f.Windows(c.params)
		}
		st := c.stmts[f.Name]
		for _, w := range windows {
			plan = append(plan, PlannedQuery{Fact: f, Window: w, SQL: st.SQL, Args: c.bind(st, now, w), stmt: st})
		}
	}
	return plan
}

// bind returns the value of each placeholder of a statement at now:
// times in the configured zone, dates as midnight of that day there.
func (c *Config) bind(st Statement, now time.Time, w model.Window) []any {
	now = now.In(c.location)
	midnight := func(daysBack int) time.Time {
		y, m, d := now.Date()
		return time.Date(y, m, d-daysBack, 0, 0, 0, 0, c.location)
	}
	args := make([]any, len(st.Params))
	for i, p := range st.Params {
		switch p {
		case ParamNow:
			args[i] = now
		case ParamToday:
			args[i] = midnight(0)
		case ParamHistoryStart:
			args[i] = midnight(c.HistoryDays())
		case ParamWindowStart:
			args[i] = now.Add(-w.Duration)
		case ParamPositiveScore:
			args[i] = c.Health.PositiveScore
		default:
			args[i], _ = c.paramValue(p)
		}
	}
	return args
}

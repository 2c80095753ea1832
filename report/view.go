package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/metrics"
	"github.com/retention-exporter/retention_exporter/model"
)

// noData is how the page says a value that cannot be computed: never 0.
const noData = "no data"

// day is one day of the data, its series by name.
type day struct {
	date   time.Time
	series map[string][]Series
}

// get is the value of the first series of that name whose labels include
// the given pairs.
func (d day) get(name string, pairs ...string) (float64, bool) {
	if s, ok := d.find(name, pairs...); ok {
		return s.Value, true
	}
	return 0, false
}

func (d day) find(name string, pairs ...string) (Series, bool) {
	for _, s := range d.series[name] {
		match := true
		for i := 0; i+1 < len(pairs); i += 2 {
			if s.Labels[pairs[i]] != pairs[i+1] {
				match = false
				break
			}
		}
		if match {
			return s, true
		}
	}
	return Series{}, false
}

func (d day) ptr(name string, pairs ...string) *float64 {
	if v, ok := d.get(name, pairs...); ok {
		return &v
	}
	return nil
}

// view is the data indexed by day, with the settings to read it by.
type view struct {
	s    Settings
	days []day
	// first and last are the first and last days the client was a
	// customer; -1 when it never was in the period.
	first, last int
}

func newView(d *Data, s Settings) (*view, error) {
	v := &view{s: s, first: -1, last: -1}
	for i, dd := range d.Days {
		t, err := time.ParseInLocation(time.DateOnly, dd.Date, s.Location)
		if err != nil {
			return nil, fmt.Errorf("day %d: %w", i, err)
		}
		x := day{date: t, series: map[string][]Series{}}
		for _, s := range dd.Series {
			x.series[s.Name] = append(x.series[s.Name], s)
		}
		if _, ok := x.get(metrics.ClientInfo); ok {
			if v.first < 0 {
				v.first = i
			}
			v.last = i
		}
		v.days = append(v.days, x)
	}
	return v, nil
}

func (v *view) start() day { return v.days[v.first] }
func (v *view) end() day   { return v.days[v.last] }

// Formatting: dates as "2 Jan 2006", scores as whole points, ratios as
// percentages.

func fmtDate(t time.Time) string { return t.Format("2 Jan 2006") }

func (v *view) fmtStamp(ts float64) string {
	return fmtDate(v.stamp(ts))
}

func (v *view) stamp(ts float64) time.Time { return time.Unix(int64(ts), 0).In(v.s.Location) }

func fmtScore(p *float64) string {
	if p == nil {
		return noData
	}
	return fmt.Sprintf("%.0f", *p)
}

func fmtPercent(p *float64) string {
	if p == nil {
		return noData
	}
	return fmt.Sprintf("%.0f%%", 100**p)
}

func fmtCount(v float64) string { return thousands(int64(math.Round(v))) }

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fmtMoney(currency string, v float64) string {
	whole := thousands(int64(math.Floor(v)))
	cents := int64(math.Round((v - math.Floor(v)) * 100))
	if cents == 0 {
		return currency + " " + whole
	}
	if cents == 100 {
		return currency + " " + thousands(int64(math.Floor(v))+1)
	}
	return fmt.Sprintf("%s %s.%02d", currency, whole, cents)
}

// signed is a change in points: +5, −12.
func signed(d float64) string {
	r := math.Round(d)
	switch {
	case r > 0:
		return fmt.Sprintf("+%.0f", r)
	case r < 0:
		return fmt.Sprintf("−%.0f", -r)
	}
	return "0"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%s %s", thousands(int64(n)), many)
}

// componentNames are how the page names the health components.
var componentNames = map[model.Component]string{
	model.ComponentUtilization:  "Utilization",
	model.ComponentSLA:          "SLA compliance",
	model.ComponentCSAT:         "Customer satisfaction",
	model.ComponentEngagement:   "Business reviews",
	model.ComponentBilling:      "Billing",
	model.ComponentBestPractice: "Best practice",
	model.ComponentContacts:     "Renewal contacts",
}

func componentName(c model.Component) string {
	if n, ok := componentNames[c]; ok {
		return n
	}
	return string(c)
}

// band names the health band of a score.
func (v *view) band(score float64) string {
	switch {
	case score < v.s.Critical:
		return "critical"
	case score < v.s.AtRisk:
		return "at risk"
	}
	return "healthy"
}

func bandClass(band string) string { return strings.ReplaceAll(band, " ", "-") }

// periodName is "Q3 2026" for a calendar quarter, "July 2026" for a
// calendar month, else "".
func periodName(from, to time.Time) string {
	next := to.AddDate(0, 0, 1)
	if from.Day() != 1 || next.Day() != 1 {
		return ""
	}
	switch months := (next.Year()-from.Year())*12 + int(next.Month()-from.Month()); {
	case months == 3 && (from.Month()-1)%3 == 0:
		return fmt.Sprintf("Q%d %d", (from.Month()-1)/3+1, from.Year())
	case months == 1:
		return from.Format("January 2006")
	}
	return ""
}

// months lists the calendar months of the days: for each, the index of
// its first and last day.
func (v *view) months() [][2]int {
	var out [][2]int
	for i, d := range v.days {
		if i == 0 || d.date.Month() != v.days[i-1].date.Month() || d.date.Year() != v.days[i-1].date.Year() {
			out = append(out, [2]int{i, i})
		}
		out[len(out)-1][1] = i
	}
	return out
}

// lastActiveIn is the last day in [a, b] the client was a customer, -1
// when none.
func (v *view) lastActiveIn(a, b int) int {
	for i := min(b, v.last); i >= max(a, v.first); i-- {
		if _, ok := v.days[i].get(metrics.ClientInfo); ok {
			return i
		}
	}
	return -1
}

// componentScore is a component's score on a day.
func componentScore(d day, c model.Component) *float64 {
	return d.ptr(metrics.ClientHealthComponentScore, metrics.LabelComponent, string(c))
}

// move is a component's score at the start and the end.
type move struct {
	component  model.Component
	start, end *float64
}

// changes says in words which components moved most: those present at
// both ends by how far they moved (at most three, by a whole point or
// more as shown), then
// those present at one end only.
func (v *view) changes() []string {
	var both, one []move
	for _, c := range v.s.Components {
		m := move{c, componentScore(v.start(), c), componentScore(v.end(), c)}
		switch {
		case m.start != nil && m.end != nil:
			if math.Round(*m.end) != math.Round(*m.start) {
				both = append(both, m)
			}
		case m.start != nil || m.end != nil:
			one = append(one, m)
		}
	}
	slices.SortStableFunc(both, func(a, b move) int {
		return cmp.Compare(math.Abs(*b.end-*b.start), math.Abs(*a.end-*a.start))
	})
	var out []string
	from, to := fmtDate(v.start().date), fmtDate(v.end().date)
	for _, m := range both[:min(3, len(both))] {
		verb := "rose"
		if *m.end < *m.start {
			verb = "fell"
		}
		out = append(out, fmt.Sprintf("%s %s %s, from %s on %s to %s on %s.", componentName(m.component), verb,
			plural(int(math.Abs(math.Round(*m.end)-math.Round(*m.start))), "point", "points"), fmtScore(m.start), from, fmtScore(m.end), to))
	}
	for _, m := range one {
		out = append(out, fmt.Sprintf("%s: %s on %s, %s on %s.", componentName(m.component), fmtScore(m.start), from, fmtScore(m.end), to))
	}
	if len(out) == 0 {
		out = append(out, "No component moved by a point or more.")
	}
	return out
}

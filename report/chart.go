package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// chart is a daily line drawn as inline SVG: one x position per day of
// the period, gaps where the value is absent.
type chart struct {
	ID, Summary string
	W, H        float64
	// The plot area.
	X, Y, PW, PH float64
	Bands        []band
	YTicks       []tick
	XTicks       []tick
	// Lines are the runs of consecutive days with a value, as polyline
	// points; Dots the days with a value and none beside them.
	Lines []string
	Dots  []point2
	// Refs are reference lines drawn dashed (a target).
	Refs []string
	// Points is the number of days drawn.
	Points int
}

type band struct {
	Y, H  float64
	Class string
}

type tick struct {
	At    float64
	Label string
}

type point2 struct{ X, Y float64 }

const (
	chartW      = 700.0
	marginLeft  = 40.0
	marginRight = 8.0
	marginTop   = 8.0
	marginBot   = 22.0
)

func newChart(id string, h float64, days []day) *chart {
	c := &chart{ID: id, W: chartW, H: h, X: marginLeft, Y: marginTop, PW: chartW - marginLeft - marginRight, PH: h - marginTop - marginBot}
	// Month starts label the x axis, and the first day unless a month
	// starts close after it; thinned to at most 12 labels.
	var starts []int
	for i, d := range days {
		if d.date.Day() == 1 || (i == 0 && !slices.ContainsFunc(days[1:min(8, len(days))], func(d day) bool { return d.date.Day() == 1 })) {
			starts = append(starts, i)
		}
	}
	step := (len(starts) + 11) / 12
	for k, i := range starts {
		if k%step == 0 {
			c.XTicks = append(c.XTicks, tick{c.x(i, len(days)), days[i].date.Format("2 Jan")})
		}
	}
	return c
}

// x is the centre of day i of n.
func (c *chart) x(i, n int) float64 { return round1(c.X + (float64(i)+0.5)*c.PW/float64(n)) }

// y is the height of value v on a scale from 0 to top.
func (c *chart) y(v, top float64) float64 {
	v = math.Max(0, math.Min(v, top))
	return round1(c.Y + c.PH*(1-v/top))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// series draws values (nil: absent) on a scale from 0 to top, as runs.
func (c *chart) series(values []*float64, top float64) (lines []string, dots []point2, points int) {
	var run []string
	flush := func(last int) {
		switch len(run) {
		case 0:
		case 1:
			dots = append(dots, point2{c.x(last, len(values)), c.y(*values[last], top)})
		default:
			lines = append(lines, strings.Join(run, " "))
		}
		run = nil
	}
	for i, v := range values {
		if v == nil {
			flush(i - 1)
			continue
		}
		run = append(run, fmt.Sprintf("%g,%g", c.x(i, len(values)), c.y(*v, top)))
		points++
	}
	flush(len(values) - 1)
	return lines, dots, points
}

// healthChart is the daily health score over the band thresholds.
func healthChart(days []day, scores []*float64, critical, atRisk float64) *chart {
	c := newChart("health-chart", 180, days)
	c.Bands = []band{
		{c.y(critical, 100), c.y(0, 100) - c.y(critical, 100), "critical"},
		{c.y(atRisk, 100), c.y(critical, 100) - c.y(atRisk, 100), "at-risk"},
		{c.y(100, 100), c.y(atRisk, 100) - c.y(100, 100), "healthy"},
	}
	for _, v := range []float64{0, critical, atRisk, 100} {
		c.YTicks = append(c.YTicks, tick{c.y(v, 100), fmt.Sprintf("%g", v)})
	}
	c.Lines, c.Dots, c.Points = c.series(scores, 100)
	c.Summary = fmt.Sprintf("Health score each day, 0 to 100, over the bands: critical below %g, at risk below %g; %d of %d days with a score.",
		critical, atRisk, c.Points, len(days))
	return c
}

// utilizationChart is tickets per endpoint each day against the target.
func utilizationChart(days []day, util, target []*float64) *chart {
	c := newChart("utilization-chart", 130, days)
	top := 0.0
	for i := range days {
		if util[i] != nil {
			top = math.Max(top, *util[i])
		}
		if target[i] != nil {
			top = math.Max(top, *target[i])
		}
	}
	top = niceCeil(1.1 * top)
	for _, v := range []float64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, tick{c.y(v, top), fmt.Sprintf("%.2f", v)})
	}
	c.Refs, _, _ = c.series(target, top)
	c.Lines, c.Dots, c.Points = c.series(util, top)
	c.Summary = fmt.Sprintf("Tickets per endpoint each day (solid) against the target (dashed); %d of %d days with a value.", c.Points, len(days))
	return c
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten; 1 for nothing.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*p >= v {
			return f * p
		}
	}
	return 10 * p
}

package synth

import (
	"math"
	"math/rand/v2"

	"github.com/retention-exporter/retention_exporter/model"
)

// The churn story, in one place: docs/synthetic-data.md tells it.
//
// Every client has a latent unhappiness u, from 0 (content) to 1 (on
// the way out), that changes month by month. It starts at a baseline
// set by the client's health profile. Now and then trouble begins (with
// the monthly chance onset): u climbs by 0.05–0.13 a month towards a peak of
// 0.7–1, and each month the trouble may pass (recovery), after which u
// falls back to the baseline, halving the excess every month.
//
// Each month a client leaves with a probability, the hazard, that
// rises steeply with u. Whether a client churns is set by the dataset's
// size (Options.Clients active today, about 45% more churned during the
// history), and when by a steady flow of leavers over the history. The
// client's profile and unhappiness are then drawn from the process
// given that outcome (moodOf): a client that left in a month was most
// likely deep in trouble by then, its unhappiness having risen over the
// months before, and a client active today has survived every month of
// its own path, though it may be in trouble now.
//
// The signals read u on the day they happen (the functions at the end):
// tickets per endpoint, SLA breaches, CSAT, held reviews, late and
// unpaid invoices, and best-practice assessments. Renewal contacts and
// renewal notices, which the data holds as they stand today, follow the
// profile alone.

// month is the step of the churn story, in days.
const month = 30

// temper is how a profile's clients feel: the range of their baseline
// unhappiness, and the monthly chance that trouble begins.
type temper struct {
	baseline [2]float64
	onset    float64
}

var tempers = map[profile]temper{
	healthy: {[2]float64{0.03, 0.2}, 0.025},
	watch:   {[2]float64{0.25, 0.45}, 0.04},
	atRisk:  {[2]float64{0.45, 0.65}, 0.06},
}

// Trouble rises by riseMin to riseMin+riseSpan a month towards a peak of
// peakMin to 1, and passes with the monthly chance recovery.
const (
	riseMin, riseSpan = 0.05, 0.08
	peakMin           = 0.7
	recovery          = 0.04
)

// profiles is the prior of the health profiles, before the outcome
// (churned or active today) is known.
var profiles = []weighted[profile]{{healthy, 75}, {watch, 15}, {atRisk, 10}}

// hazard is the monthly probability that a client with unhappiness u
// leaves: 0.1% at 0.1, 0.6% at 0.3, 2.9% at 0.5, 13% at 0.7, 25% at
// 0.8 and 62% at 1.
func hazard(u float64) float64 { return 1 / (1 + math.Exp(7.5-8*u)) }

// mood is a client's unhappiness month by month from a start date.
type mood struct {
	from model.Date
	u    []float64 // u[k] is the unhappiness k months after from
}

// at is the unhappiness on d, interpolated between months.
func (m mood) at(d model.Date) float64 {
	x := float64(d-m.from) / month
	switch k := int(x); {
	case len(m.u) == 0:
		return 0
	case x <= 0:
		return m.u[0]
	case k >= len(m.u)-1:
		return m.u[len(m.u)-1]
	default:
		f := x - float64(k)
		return m.u[k]*(1-f) + m.u[k+1]*f
	}
}

// steady is a mood that stays at the middle of a profile's baseline.
func steady(p profile, from model.Date) mood {
	b := tempers[p].baseline
	return mood{from: from, u: []float64{(b[0] + b[1]) / 2}}
}

// path draws n months of a profile's unhappiness.
func path(r *rand.Rand, p profile, n int) []float64 {
	t := tempers[p]
	base := t.baseline[0] + r.Float64()*(t.baseline[1]-t.baseline[0])
	u := make([]float64, n)
	var excess, peak, rise float64
	trouble := false
	for k := range u {
		if k > 0 {
			switch {
			case trouble && r.Float64() < recovery:
				trouble = false
			case !trouble && r.Float64() < t.onset:
				trouble = true
				peak = peakMin + (1-peakMin)*r.Float64()
				rise = riseMin + riseSpan*r.Float64()
			}
			if trouble {
				excess = min(excess+rise, max(0, peak-base))
			} else {
				excess /= 2
			}
		}
		u[k] = min(1, max(0, base+excess+0.04*(r.Float64()-0.5)))
	}
	return u
}

// maxTries bounds the draws of moodOf. It takes about 20 draws a client
// on average and a few hundred at most, so the bound is not reached in
// practice.
const maxTries = 100000

// moodOf draws a client's profile and unhappiness from customer_since
// to its last day, given its outcome: for a churned client, that it
// left in the month of its churn date; for an active one, that it
// stayed until today. It draws paths and keeps one with the probability
// of that outcome under the hazard (the months before are survived;
// the churn month, scaled by the highest hazard, is left in).
func (g *gen) moodOf(r *rand.Rand, c *client) {
	last := g.today
	if c.churned != nil {
		last = *c.churned
	}
	n := int(last-c.since)/month + 1
	top := hazard(1)
	for try := 0; ; try++ {
		p := pick(r, profiles)
		u := path(r, p, n+1)
		keep := 1.0
		for k := range n - 1 {
			keep *= 1 - hazard(u[k])
		}
		if c.churned != nil {
			keep *= hazard(u[n-1]) / top
		} else {
			keep *= 1 - hazard(u[n-1])
		}
		if r.Float64() < keep || try == maxTries {
			c.profile, c.mood = p, mood{from: c.since, u: u}
			return
		}
	}
}

// The signals, at unhappiness u. A client is quiet while u stays at 0.3
// or below; strain is how far it has gone beyond, rising smoothly to 1
// at u = 0.65, so that the signals turn quickly once trouble takes hold
// rather than nagging about clients that are merely lukewarm.
func strain(u float64) float64 {
	x := min(1, max(0, (u-0.3)/0.35))
	return x * x * (3 - 2*x)
}

// ownTicketRate draws a client's tickets per endpoint per 30 days when
// content, and ticketRate is its rate at u: that, plus up to 0.5.
func ownTicketRate(r *rand.Rand) float64 { return 0.04 + r.Float64()*0.14 }
func ticketRate(own, u float64) float64  { return own + 0.5*strain(u) }

// breachPermille is the breaches per thousand SLA tickets: 2% when
// content, so that one breached ticket in a quiet quarter is not a
// pattern, up to 47%.
func breachPermille(u float64) int { return int(20 + 450*strain(u)) }

// surveyScore is a CSAT score: positive (4 or 5) for 90% of surveys when
// content, down to 15%.
func surveyScore(r *rand.Rand, u float64) int {
	if r.Float64() < 0.9-0.75*strain(u) {
		return pick(r, []weighted[int]{{5, 65}, {4, 35}})
	}
	return pick(r, []weighted[int]{{3, 40}, {2, 30}, {1, 30}})
}

// Habits have nothing to do with unhappiness, so that not every missed
// review or late invoice is a warning: one client in seven holds half
// the reviews the others do (habit 0.5), and one in five pays late out
// of habit (slow), though not very late.
func reviewHabit(r *rand.Rand) float64 {
	if r.IntN(7) == 0 {
		return 0.5
	}
	return 1
}
func slowPayer(r *rand.Rand) bool { return r.IntN(5) == 0 }

// reviewHeld is the chance that a quarter's review is held: 90% when
// content, down to 10%, times the client's habit.
func reviewHeld(u, habit float64) float64 { return habit * (0.9 - 0.8*strain(u)) }

// lateShare is the share of invoices paid after their due date: 10%
// when content, up to 60%, and 35 points more for a slow payer. lateDays
// is the most days late: 20 when content, up to 70.
func lateShare(u float64, slow bool) float64 {
	if slow {
		return 0.45 + 0.5*strain(u)
	}
	return 0.1 + 0.5*strain(u)
}
func lateDays(u float64) int { return 20 + int(50*strain(u)) }

// unpaidPermille is the invoices per thousand still unpaid, of those due
// in the last 120 days: 0.5% when content, up to 25.5%.
func unpaidPermille(u float64) int { return int(5 + 250*strain(u)) }

// ownStandards draws the share of best-practice standards a client
// meets when content, and standardsMet is the share an assessment at u
// finds: that, less up to 0.45, give or take 0.03.
func ownStandards(r *rand.Rand) float64 { return 0.75 + r.Float64()*0.2 }
func standardsMet(r *rand.Rand, own, u float64) float64 {
	return min(1, max(0, own-0.45*strain(u)+0.06*(r.Float64()-0.5)))
}

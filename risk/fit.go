package risk

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/retention-exporter/retention_exporter/model"
)

// LeftOut is a candidate component a fit leaves out, and why.
type LeftOut struct {
	Component model.Component
	Why       string
}

// Fitted is a logistic regression of the label on standardised scores.
type Fitted struct {
	Intercept float64
	Terms     []model.RiskTerm
	LeftOut   []LeftOut
	// features are the candidates' indexes of Terms.
	features []int
}

// The Newton iterations stop when no parameter moves more than
// tolerance, or after maxIterations. A step is halved, at most
// maxHalvings times, until it lowers the objective by at least armijo
// times the decrease its slope promises; when none does, the
// iterations stop.
const (
	tolerance     = 1e-10
	maxIterations = 100
	maxHalvings   = 50
	armijo        = 1e-4
)

// fit fits the model on rows (in the order sortRows gives): each
// candidate present in some row and with spread there is a feature,
// standardised by its mean and population standard deviation over the
// rows where it is present; an absent score counts as the mean. It
// minimises the negative log-likelihood plus penalty/2 times the sum of
// the squared coefficients (the intercept is not penalised), by Newton's
// method on this smooth, strictly convex objective. Each step is halved
// until it lowers the objective: a full step can overshoot and diverge
// when a feature has far outliers (a billing score of 0 where nearly
// every client scores 100 lies many standard deviations out).
func (d *Dataset) fit(rows []int, penalty float64) (Fitted, error) {
	var f Fitted
	if len(rows) == 0 {
		return f, errors.New("no rows to fit")
	}
	for j, comp := range d.Candidates {
		var n, sum float64
		for _, i := range rows {
			if v := d.score(i, j); !math.IsNaN(v) {
				n++
				sum += v
			}
		}
		if n == 0 {
			f.LeftOut = append(f.LeftOut, LeftOut{comp, "never present"})
			continue
		}
		mean := sum / n
		var ss float64
		for _, i := range rows {
			if v := d.score(i, j); !math.IsNaN(v) {
				ss += (v - mean) * (v - mean)
			}
		}
		scale := math.Sqrt(ss / n)
		if scale == 0 || math.IsNaN(scale) {
			f.LeftOut = append(f.LeftOut, LeftOut{comp, fmt.Sprintf("no spread (always %g)", mean)})
			continue
		}
		f.features = append(f.features, j)
		f.Terms = append(f.Terms, model.RiskTerm{Component: comp, Mean: mean, Scale: scale})
	}
	k := len(f.Terms) + 1 // the intercept is parameter 0
	x := make([]float64, len(rows)*k)
	var events float64
	for r, i := range rows {
		row := x[r*k : (r+1)*k]
		row[0] = 1
		for t, j := range f.features {
			if v := d.score(i, j); !math.IsNaN(v) {
				row[t+1] = (v - f.Terms[t].Mean) / f.Terms[t].Scale
			}
		}
		if d.Rows[i].Churned {
			events++
		}
	}
	beta := make([]float64, k)
	// Start from the base rate, clamped away from 0 and 1.
	rate := min(max(events/float64(len(rows)), 1e-6), 1-1e-6)
	beta[0] = math.Log(rate / (1 - rate))
	// objective is the penalised negative log-likelihood at b.
	objective := func(b []float64) float64 {
		var sum float64
		for r, i := range rows {
			lp := 0.0
			for a, v := range x[r*k : (r+1)*k] {
				lp += b[a] * v
			}
			// log(1 + e^lp), without overflow.
			sum += max(lp, 0) + math.Log1p(math.Exp(-math.Abs(lp)))
			if d.Rows[i].Churned {
				sum -= lp
			}
		}
		for a := 1; a < k; a++ {
			sum += penalty / 2 * b[a] * b[a]
		}
		return sum
	}
	current := objective(beta)
	trial := make([]float64, k)
	grad := mat.NewVecDense(k, nil)
	hess := mat.NewSymDense(k, nil)
	step := mat.NewVecDense(k, nil)
	var chol mat.Cholesky
	for range maxIterations {
		grad.Zero()
		hess.Zero()
		g, h := grad.RawVector().Data, hess.RawSymmetric().Data
		for r, i := range rows {
			row := x[r*k : (r+1)*k]
			lp := 0.0
			for a, v := range row {
				lp += beta[a] * v
			}
			p := model.Sigmoid(lp)
			y := 0.0
			if d.Rows[i].Churned {
				y = 1
			}
			w := p * (1 - p)
			for a, va := range row {
				g[a] += (p - y) * va
				for b := a; b < k; b++ {
					h[a*k+b] += w * va * row[b]
				}
			}
		}
		for a := 1; a < k; a++ {
			g[a] += penalty * beta[a]
			h[a*k+a] += penalty
		}
		if !chol.Factorize(hess) {
			return f, errors.New("the fit's Hessian is singular")
		}
		if err := chol.SolveVecTo(step, grad); err != nil {
			return f, fmt.Errorf("solving the Newton step: %w", err)
		}
		// The step is a descent direction: slope is the objective's
		// decrease per unit of it, positive while the Hessian is.
		slope := mat.Dot(grad, step)
		t, lowered := 1.0, false
		for range maxHalvings {
			for a := range beta {
				trial[a] = beta[a] - t*step.AtVec(a)
			}
			if next := objective(trial); next <= current-armijo*t*slope {
				current, lowered = next, true
				break
			}
			t /= 2
		}
		if !lowered {
			break // no step lowers it: the minimum, to floating point
		}
		moved := 0.0
		for a := range beta {
			moved = max(moved, math.Abs(trial[a]-beta[a]))
		}
		copy(beta, trial)
		if moved < tolerance {
			break
		}
	}
	f.Intercept = beta[0]
	for t := range f.Terms {
		f.Terms[t].Coefficient = beta[t+1]
	}
	return f, nil
}

// predict is the fitted probability of row i.
func (f *Fitted) predict(d *Dataset, i int) float64 {
	lp := f.Intercept
	for t, j := range f.features {
		if v := d.score(i, j); !math.IsNaN(v) {
			lp += f.Terms[t].Contribution(v)
		}
	}
	return model.Sigmoid(lp)
}

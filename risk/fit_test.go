package risk

import (
	"math"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// TestFitFarOutliers: a billing score of 0 where nearly every client
// scores 100 lies seven standard deviations out; a full Newton step
// from the base rate overshoots there and diverges. The fit must still
// reach the optimum: the penalised likelihood's gradient vanishes, and a
// low score means more churn.
func TestFitFarOutliers(t *testing.T) {
	const n, low = 1000, 20
	d := &Dataset{Candidates: []model.Component{model.ComponentBilling}, Instants: []time.Time{time.Unix(0, 0)}}
	rows := make([]int, n)
	for i := range n {
		// Half the clients scoring 0 churn, 3% of the others.
		v, churned := 100.0, i%100 < 3
		if i < low {
			v, churned = 0, i%2 == 0
		}
		d.Rows = append(d.Rows, Row{Client: int32(i), Churned: churned})
		d.scores = append(d.scores, v)
		rows[i] = i
	}
	const penalty = 1
	f, err := d.fit(rows, penalty)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Terms) != 1 || f.Terms[0].Coefficient >= 0 {
		t.Fatalf("fitted %+v, want one term with a negative coefficient", f)
	}
	// The gradient of the objective in the intercept and the coefficient.
	term := f.Terms[0]
	var g0, g1 float64
	for i, r := range d.Rows {
		z := (d.scores[i] - term.Mean) / term.Scale
		p := model.Sigmoid(f.Intercept + term.Coefficient*z)
		y := 0.0
		if r.Churned {
			y = 1
		}
		g0 += p - y
		g1 += (p - y) * z
	}
	g1 += penalty * term.Coefficient
	if math.Abs(g0) > 1e-6 || math.Abs(g1) > 1e-6 {
		t.Errorf("gradient at the fit (%g, %g) = (%g, %g), want 0", f.Intercept, term.Coefficient, g0, g1)
	}
}

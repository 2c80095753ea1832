package risk

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

// Evaluation is how well a model ranks and predicts churn: over every
// labelled row, and over the pooled walk-forward predictions, where no
// row is predicted by a model that saw its own future.
type Evaluation struct {
	Rows, Events, Churners int
	BaseRate               float64
	// Evaluated are the walk-forward instants; Skipped those whose
	// training rows held no event.
	Evaluated, Skipped []time.Time
	// The walk-forward values are nil when no instant was evaluated.
	WalkForwardRows, WalkForwardEvents int
	AUC, AUCLow, AUCHigh               *float64
	Brier                              *float64
	HealthScoreAUC                     *float64
	Calibration                        []model.CalibrationBin
}

// EvaluationWindow is how far back from T the walk-forward instants go.
const EvaluationWindow = 365 * 24 * time.Hour

// Bootstrap settings: resamples of clients, and the fixed seed that
// makes the interval the same on every run.
const (
	resamples                 = 1000
	seed1, seed2              = 20261207, 90
	calibrationBins           = 10
	intervalLow, intervalHigh = 0.025, 0.975
)

// prediction is one pooled walk-forward prediction.
type prediction struct {
	row  int
	p    float64
	y    bool
	risk float64 // the health score's ranking: higher is riskier
}

// walkForward fits, for each instant v at most EvaluationWindow before T
// whose rows are labelled, a model on the rows labelled by v, and
// predicts the rows at v. progress, when set, is told each instant done.
func (d *Dataset) walkForward(penalty float64, progress func(done, total int)) ([]prediction, []time.Time, []time.Time, error) {
	labelled := d.labelled()
	var instants []int32
	for i, at := range d.Instants {
		if d.Labelled(at) && !at.Before(d.T.Add(-EvaluationWindow)) {
			instants = append(instants, int32(i))
		}
	}
	var preds []prediction
	var evaluated, skipped []time.Time
	for n, inst := range instants {
		v := d.Instants[inst]
		var train, test []int
		events := 0
		for _, i := range labelled {
			r := d.Rows[i]
			switch at := d.Instants[r.Instant]; {
			case !at.Add(d.Horizon).After(v):
				train = append(train, i)
				if r.Churned {
					events++
				}
			case r.Instant == inst:
				test = append(test, i)
			}
		}
		if events == 0 || len(test) == 0 {
			skipped = append(skipped, v)
		} else {
			f, err := d.fit(train, penalty)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, i := range test {
				preds = append(preds, prediction{row: i, p: f.predict(d, i), y: d.Rows[i].Churned})
			}
			evaluated = append(evaluated, v)
		}
		if progress != nil {
			progress(n+1, len(instants))
		}
	}
	return preds, evaluated, skipped, nil
}

// evaluate fills the evaluation of the final model: the counts over all
// labelled rows and the walk-forward measures over preds, with the
// configured health score (over the final model's components) ranked
// on the same rows.
func (d *Dataset) evaluate(final *Fitted, preds []prediction) Evaluation {
	var e Evaluation
	churners := map[int32]bool{}
	for _, i := range d.labelled() {
		e.Rows++
		if r := d.Rows[i]; r.Churned {
			e.Events++
			churners[r.Client] = true
		}
	}
	e.Churners = len(churners)
	if e.Rows > 0 {
		e.BaseRate = float64(e.Events) / float64(e.Rows)
	}
	if len(preds) == 0 {
		return e
	}
	e.WalkForwardRows = len(preds)
	var brier float64
	for _, p := range preds {
		if p.y {
			e.WalkForwardEvents++
		}
		y := 0.0
		if p.y {
			y = 1
		}
		brier += (p.p - y) * (p.p - y)
	}
	e.Brier = ptr(brier / float64(len(preds)))
	if e.WalkForwardEvents > 0 && e.WalkForwardEvents < len(preds) {
		auc := d.auc(preds, func(p prediction) float64 { return p.p })
		e.AUC = &auc
		low, high := d.interval(preds)
		e.AUCLow, e.AUCHigh = &low, &high
		d.healthRisk(final, preds)
		h := d.auc(preds, func(p prediction) float64 { return p.risk })
		e.HealthScoreAUC = &h
	}
	e.Calibration = d.calibration(preds)
	return e
}

// healthRisk sets each prediction's health-score ranking: the weighted
// mean, with the row's profile weights, of the final model's components
// present in the row, negated (a lower score is riskier). A row with
// none of them takes the mean of the others.
func (d *Dataset) healthRisk(final *Fitted, preds []prediction) {
	var sum float64
	var n int
	missing := []int{}
	for k := range preds {
		i := preds[k].row
		weights := d.params.Profiles[d.Rows[i].Profile].Weights
		var ws, s float64
		for t, j := range final.features {
			if v := d.score(i, j); !math.IsNaN(v) {
				w := weights[final.Terms[t].Component]
				ws += w
				s += w * v
			}
		}
		if ws == 0 {
			missing = append(missing, k)
			continue
		}
		preds[k].risk = -s / ws
		sum += preds[k].risk
		n++
	}
	mean := 0.0
	if n > 0 {
		mean = sum / float64(n)
	}
	for _, k := range missing {
		preds[k].risk = mean
	}
}

// auc is the probability that a random event ranks above a random
// non-event by score, ties counting half.
func (d *Dataset) auc(preds []prediction, score func(prediction) float64) float64 {
	return weightedAUC(preds, byScore(preds, score), score, nil, d)
}

// byScore orders the predictions by ascending score.
func byScore(preds []prediction, score func(prediction) float64) []int {
	order := make([]int, len(preds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(score(preds[a]), score(preds[b])) })
	return order
}

// weightedAUC sweeps the rows in ascending score, each weighted by its
// client's weight (all 1 when weight is nil): each tie group's events
// beat the non-events below it and tie with those in it.
func weightedAUC(preds []prediction, order []int, score func(prediction) float64, weight []float64, d *Dataset) float64 {
	w := func(k int) float64 {
		if weight == nil {
			return 1
		}
		return weight[d.Rows[preds[k].row].Client]
	}
	var below, pairs, pos, neg float64
	for g := 0; g < len(order); {
		end := g
		var gp, gn float64
		for ; end < len(order) && score(preds[order[end]]) == score(preds[order[g]]); end++ {
			if preds[order[end]].y {
				gp += w(order[end])
			} else {
				gn += w(order[end])
			}
		}
		pairs += gp * (below + gn/2)
		below += gn
		pos += gp
		neg += gn
		g = end
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return pairs / (pos * neg)
}

// interval is the AUC's 95 % interval from a bootstrap over clients:
// each resample draws as many clients as the predictions hold, with
// replacement (a client's rows stay together), and is drawn again when
// it holds no event or no non-event.
func (d *Dataset) interval(preds []prediction) (low, high float64) {
	score := func(p prediction) float64 { return p.p }
	order := byScore(preds, score)
	var clients []int32
	seen := map[int32]bool{}
	for _, p := range preds {
		if c := d.Rows[p.row].Client; !seen[c] {
			seen[c] = true
			clients = append(clients, c)
		}
	}
	slices.SortFunc(clients, func(a, b int32) int { return cmp.Compare(d.Clients[a], d.Clients[b]) })
	rng := rand.New(rand.NewPCG(seed1, seed2))
	weight := make([]float64, len(d.Clients))
	aucs := make([]float64, 0, resamples)
	for len(aucs) < resamples {
		clear(weight)
		for range clients {
			weight[clients[rng.IntN(len(clients))]]++
		}
		if a := weightedAUC(preds, order, score, weight, d); !math.IsNaN(a) {
			aucs = append(aucs, a)
		}
	}
	slices.Sort(aucs)
	return quantile(aucs, intervalLow), quantile(aucs, intervalHigh)
}

// quantile is the q-quantile of sorted values, interpolating linearly
// between the closest ranks.
func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// calibration sorts the predictions by probability (ties by client id,
// then instant) and cuts them into bins whose sizes differ by at most
// one, the first bins taking the remainder.
func (d *Dataset) calibration(preds []prediction) []model.CalibrationBin {
	sorted := slices.Clone(preds)
	slices.SortFunc(sorted, func(a, b prediction) int {
		if c := cmp.Compare(a.p, b.p); c != 0 {
			return c
		}
		ra, rb := d.Rows[a.row], d.Rows[b.row]
		if c := cmp.Compare(d.Clients[ra.Client], d.Clients[rb.Client]); c != 0 {
			return c
		}
		return d.Instants[ra.Instant].Compare(d.Instants[rb.Instant])
	})
	var bins []model.CalibrationBin
	size, extra := len(sorted)/calibrationBins, len(sorted)%calibrationBins
	start := 0
	for b := range calibrationBins {
		n := size
		if b < extra {
			n++
		}
		if n == 0 {
			continue
		}
		var p, y float64
		for _, x := range sorted[start : start+n] {
			p += x.p
			if x.y {
				y++
			}
		}
		bins = append(bins, model.CalibrationBin{Predicted: p / float64(n), Observed: y / float64(n), Rows: n})
		start += n
	}
	return bins
}

func ptr(v float64) *float64 { return &v }

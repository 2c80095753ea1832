package risk

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/model"
)

var (
	day = 24 * time.Hour
	// testT is the start of "today" of the synthetic histories.
	testT = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
)

// testParams scores with every component and the default weights.
func testParams() *model.Params {
	w := map[model.Component]float64{}
	for _, c := range model.Components {
		w[c.Name] = c.DefaultWeight
	}
	return &model.Params{Location: time.UTC, Components: model.Components,
		Profiles: []*model.Profile{{Name: "default", Weights: w, UtilizationTarget: 0.2, ReviewCadence: model.Window{Label: "90d", Duration: 90 * day}}}}
}

// history is a synthetic MSP with a known monthly churn hazard: each
// client has a latent unhappiness z; its utilization score falls with z
// (strongly), its SLA score too (weakly), its CSAT score does not depend
// on it, and each month it churns with probability sigmoid(base + slope*z).
type history struct {
	clients []model.Client
	// results holds each instant's scores, ascending.
	instants []time.Time
	results  []*model.Result
	z        map[string]float64
}

func simulate(seed uint64, clients int, base, slope float64) *history {
	r := rand.New(rand.NewPCG(seed, 7))
	h := &history{z: map[string]float64{}}
	for k := 36; k >= 1; k-- {
		h.instants = append(h.instants, testT.Add(-time.Duration(k)*30*day))
	}
	h.results = make([]*model.Result, len(h.instants))
	for i := range h.results {
		h.results[i] = &model.Result{}
	}
	clamp := func(v float64) float64 { return math.Round(100*min(100, max(0, v))) / 100 }
	for c := range clients {
		id := fmt.Sprintf("c%05d", c)
		z := r.NormFloat64()
		h.z[id] = z
		first := r.IntN(len(h.instants) + 12) // some started before the first instant
		cl := model.Client{ID: id}
		for i := max(0, first-12); i < len(h.instants); i++ {
			h.results[i].Clients = append(h.results[i].Clients, model.ClientResult{ID: id, Components: []model.ComponentScore{
				{Component: model.ComponentUtilization, Score: clamp(70 - 15*z + 8*r.NormFloat64())},
				{Component: model.ComponentSLA, Score: clamp(80 - 6*z + 8*r.NormFloat64())},
				{Component: model.ComponentCSAT, Score: clamp(75 + 8*r.NormFloat64())},
			}})
			if r.Float64() < model.Sigmoid(base+slope*z) {
				d := model.DateOf(h.instants[i].Add(time.Duration(1+r.IntN(30)) * day))
				cl.ChurnedAt = &d
				break
			}
		}
		h.clients = append(h.clients, cl)
	}
	return h
}

func (h *history) dataset() *Dataset {
	d := NewDataset(testParams(), testT, 90*day)
	for i, at := range h.instants {
		if d.Labelled(at) {
			d.Add(at, h.results[i])
		}
	}
	d.Label(h.clients)
	return d
}

// TestFitKnownAnswer: with one binary feature and no penalty, the fit is
// the closed form: the intercept and slope reproduce each group's
// observed log-odds.
func TestFitKnownAnswer(t *testing.T) {
	d := NewDataset(testParams(), testT, 90*day)
	at := testT.Add(-120 * day)
	res := &model.Result{}
	var clients []model.Client
	churn := model.DateOf(at.Add(10 * day))
	// Score 0: 30 of 100 churn; score 100: 10 of 200.
	for i := range 300 {
		id := fmt.Sprintf("c%03d", i)
		score, churned := 0.0, i < 30
		if i >= 100 {
			score, churned = 100, i < 110
		}
		res.Clients = append(res.Clients, model.ClientResult{ID: id, Components: []model.ComponentScore{{Component: model.ComponentUtilization, Score: score}}})
		c := model.Client{ID: id}
		if churned {
			c.ChurnedAt = &churn
		}
		clients = append(clients, c)
	}
	d.Add(at, res)
	d.Label(clients)
	f, err := d.fit(d.labelled(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Terms) != 1 {
		t.Fatalf("terms %v, left out %v", f.Terms, f.LeftOut)
	}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	term := f.Terms[0]
	if m, s := 200.0/3, 100*math.Sqrt(2)/3; math.Abs(term.Mean-m) > 1e-9 || math.Abs(term.Scale-s) > 1e-9 {
		t.Errorf("mean %v scale %v, want %v and %v", term.Mean, term.Scale, m, s)
	}
	at0 := f.Intercept + term.Contribution(0)
	at100 := f.Intercept + term.Contribution(100)
	if math.Abs(at0-logit(0.3)) > 1e-8 || math.Abs(at100-logit(0.05)) > 1e-8 {
		t.Errorf("log-odds %v and %v, want %v and %v", at0, at100, logit(0.3), logit(0.05))
	}
	// With a penalty, the penalised gradient is zero at the fit: the
	// intercept's residuals sum to 0 and the slope's balance the penalty.
	f, err = d.fit(d.labelled(), 5)
	if err != nil {
		t.Fatal(err)
	}
	var g0, g1 float64
	for i := range d.Rows {
		x := (d.score(i, 0) - f.Terms[0].Mean) / f.Terms[0].Scale
		y := 0.0
		if d.Rows[i].Churned {
			y = 1
		}
		p := f.predict(d, i)
		g0 += p - y
		g1 += (p - y) * x
	}
	g1 += 5 * f.Terms[0].Coefficient
	if math.Abs(g0) > 1e-8 || math.Abs(g1) > 1e-8 {
		t.Errorf("gradient at the penalised fit: %v, %v", g0, g1)
	}
}

// TestRecovery: on a history with a known hazard, the coefficients have
// the right signs and order, and the walk-forward AUC is within a few
// points of the true model's on the same rows.
func TestRecovery(t *testing.T) {
	h := simulate(1, 3000, -4, 1)
	d := h.dataset()
	l, err := d.Learn(Options{Penalty: 1, MinChurners: 30})
	if err != nil {
		t.Fatal(err)
	}
	coef := map[model.Component]float64{}
	for _, term := range l.Model.Terms {
		coef[term.Component] = term.Coefficient
	}
	u, s, c := coef[model.ComponentUtilization], coef[model.ComponentSLA], coef[model.ComponentCSAT]
	if !(u < s && s < 0 && math.Abs(c) < math.Abs(s)/2) {
		t.Errorf("coefficients utilization %.3f, sla %.3f, csat %.3f: want utilization < sla < 0 and csat near 0", u, s, c)
	}
	if len(l.Refusals) > 0 {
		t.Errorf("refused: %v", l.Refusals)
	}
	preds, _, _, err := d.walkForward(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k := range preds {
		preds[k].risk = h.z[d.Clients[d.Rows[preds[k].row].Client]]
	}
	truth := d.auc(preds, func(p prediction) float64 { return p.risk })
	if got := *l.Evaluation.AUC; math.Abs(got-truth) > 0.03 {
		t.Errorf("walk-forward AUC %.3f, the true model's %.3f", got, truth)
	}
	t.Logf("AUC %.3f (%.3f to %.3f), true %.3f, health score %.3f, Brier %.4f, base rate %.4f",
		*l.Evaluation.AUC, *l.Evaluation.AUCLow, *l.Evaluation.AUCHigh, truth, *l.Evaluation.HealthScoreAUC, *l.Evaluation.Brier, l.Evaluation.BaseRate)
}

// TestNoFuture: changing every outcome after a walk-forward instant v
// leaves the predictions at v as they were.
func TestNoFuture(t *testing.T) {
	h := simulate(2, 1500, -4, 1)
	d := h.dataset()
	before, evaluated, _, err := d.walkForward(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := evaluated[len(evaluated)/2]
	r := rand.New(rand.NewPCG(3, 3))
	changed := 0
	for i := range h.clients {
		c := &h.clients[i]
		// Outcomes after v: churn moved, removed or added after v.
		if c.ChurnedAt == nil || c.ChurnedAt.Midnight(time.UTC).After(v) {
			if r.IntN(2) == 0 {
				c.ChurnedAt = nil
			} else {
				at := model.DateOf(v.Add(time.Duration(1+r.IntN(200)) * day))
				c.ChurnedAt = &at
			}
			changed++
		}
	}
	d2 := h.dataset()
	after, _, _, err := d2.walkForward(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(ds *Dataset, ps []prediction) map[string]float64 {
		out := map[string]float64{}
		for _, p := range ps {
			if r := ds.Rows[p.row]; ds.Instants[r.Instant].Equal(v) {
				out[ds.Clients[r.Client]] = p.p
			}
		}
		return out
	}
	b, a := at(d, before), at(d2, after)
	if len(b) == 0 || changed == 0 {
		t.Fatalf("%d predictions at %s, %d outcomes changed", len(b), v, changed)
	}
	for id, p := range b {
		if a[id] != p {
			t.Errorf("client %s at %s: %v before, %v after changing outcomes after it", id, v.Format(time.DateOnly), p, a[id])
		}
	}
}

// TestRefusals: too few churners, and churn that does not depend on the
// signals, are refused with messages naming why.
func TestRefusals(t *testing.T) {
	d := simulate(4, 1500, -4, 1).dataset()
	l, err := d.Learn(Options{Penalty: 1, MinChurners: 100000})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("no model written: too few churners: the labelled rows hold %d churners, fewer than the 100000 needed (--min-churners) (--force writes it anyway)",
		l.Evaluation.Churners)
	if got := l.Refused(); got != want {
		t.Errorf("refusal\n got %q\nwant %q", got, want)
	}

	d = simulate(5, 3000, -4, 0).dataset()
	l, err = d.Learn(Options{Penalty: 1, MinChurners: 30})
	if err != nil {
		t.Fatal(err)
	}
	e := l.Evaluation
	want = fmt.Sprintf("no model written: no evidence that it ranks churners above chance: the AUC's 95%% interval, %.3f to %.3f, reaches 0.5 (--force writes it anyway)",
		*e.AUCLow, *e.AUCHigh)
	if got := l.Refused(); got != want {
		t.Errorf("refusal\n got %q\nwant %q", got, want)
	}

	// No walk-forward instant: every labelled instant is older than a year.
	h := simulate(6, 1000, -4, 1)
	old := NewDataset(testParams(), testT, 90*day)
	for i, at := range h.instants {
		if at.Before(testT.Add(-EvaluationWindow)) {
			old.Add(at, h.results[i])
		}
	}
	old.Label(h.clients)
	l, err = old.Learn(Options{Penalty: 1, MinChurners: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Refused(); !strings.Contains(got, "too few churners") || !strings.Contains(got, "no walk-forward instant could be evaluated") {
		t.Errorf("refusal %q does not name both reasons", got)
	}
	if l.Evaluation.AUC != nil {
		t.Errorf("an AUC without a walk-forward instant")
	}
	f, err := NewFile(l, "90d", "30d", 1, 90*day, testT).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(f, []byte(`"auc": null`)) || !bytes.Contains(f, []byte(`"calibration": []`)) {
		t.Errorf("walk-forward fields are not null:\n%s", f)
	}
	m, err := Decode(f)
	if err != nil || m.Evaluation.AUC != nil || len(m.Evaluation.Calibration) != 0 {
		t.Errorf("decoding the forced file: %v, %+v", err, m)
	}
}

// TestDeterministic: the same history gives the same file, byte for byte.
func TestDeterministic(t *testing.T) {
	var files [][]byte
	for range 2 {
		d := simulate(7, 1000, -4, 1).dataset()
		l, err := d.Learn(Options{Penalty: 1, MinChurners: 30})
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewFile(l, "90d", "30d", 1, 90*day, testT).Encode()
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two fits of the same history wrote different files")
	}
}

// TestCalibrationBins: sizes differ by at most one, the first bins take
// the remainder, and each bin's means are its rows'.
func TestCalibrationBins(t *testing.T) {
	d := NewDataset(testParams(), testT, 90*day)
	res := &model.Result{}
	for i := range 23 {
		res.Clients = append(res.Clients, model.ClientResult{ID: fmt.Sprintf("c%02d", i)})
	}
	d.Add(testT.Add(-100*day), res)
	var preds []prediction
	for i := range 23 {
		preds = append(preds, prediction{row: 22 - i, p: float64(i) / 100, y: i%4 == 0})
	}
	bins := d.calibration(preds)
	var sizes []int
	for _, b := range bins {
		sizes = append(sizes, b.Rows)
	}
	if !slices.Equal(sizes, []int{3, 3, 3, 2, 2, 2, 2, 2, 2, 2}) {
		t.Errorf("bin sizes %v", sizes)
	}
	if b := bins[0]; math.Abs(b.Predicted-0.01) > 1e-12 || math.Abs(b.Observed-1.0/3) > 1e-12 {
		t.Errorf("first bin %+v, want predicted 0.01 and observed 1/3", b)
	}
}

// TestAUCTies: ties count half.
func TestAUCTies(t *testing.T) {
	d := NewDataset(testParams(), testT, 90*day)
	res := &model.Result{}
	for i := range 4 {
		res.Clients = append(res.Clients, model.ClientResult{ID: fmt.Sprint(i)})
	}
	d.Add(testT.Add(-100*day), res)
	preds := []prediction{{row: 0, p: 0.1}, {row: 1, p: 0.5, y: true}, {row: 2, p: 0.5}, {row: 3, p: 0.9, y: true}}
	// Events 0.5 and 0.9 against non-events 0.1 and 0.5: 1 + 0.5 + 1 + 1 of 4.
	if got := d.auc(preds, func(p prediction) float64 { return p.p }); got != 3.5/4 {
		t.Errorf("AUC %v, want %v", got, 3.5/4)
	}
}

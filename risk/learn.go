package risk

import (
	"fmt"
	"strings"
)

// Options are the settings of a fit.
type Options struct {
	// Penalty weighs the L2 penalty on the coefficients.
	Penalty float64
	// MinChurners is the fewest churners among the labelled rows a model
	// is written with.
	MinChurners int
	// Progress, when set, is told each walk-forward instant done.
	Progress func(done, total int)
}

// Learned is a fitted model with its evaluation, and the reasons it
// should not be used, if any.
type Learned struct {
	Model      Fitted
	Evaluation Evaluation
	// Refusals say why the model should not be written; --force writes
	// it anyway.
	Refusals []string
}

// Learn fits the final model on every labelled row and evaluates it
// walking forward. The dataset's rows must be labelled (Label).
func (d *Dataset) Learn(o Options) (*Learned, error) {
	preds, evaluated, skipped, err := d.walkForward(o.Penalty, o.Progress)
	if err != nil {
		return nil, err
	}
	rows := d.labelled()
	if len(rows) == 0 {
		return nil, fmt.Errorf("no labelled rows: no instant is %s or more before %s", d.Horizon, d.T.Format("2006-01-02"))
	}
	final, err := d.fit(rows, o.Penalty)
	if err != nil {
		return nil, err
	}
	l := &Learned{Model: final, Evaluation: d.evaluate(&final, preds)}
	e := &l.Evaluation
	e.Evaluated, e.Skipped = evaluated, skipped
	if e.Churners < o.MinChurners {
		l.Refusals = append(l.Refusals, fmt.Sprintf("too few churners: the labelled rows hold %d churners, fewer than the %d needed (--min-churners)",
			e.Churners, o.MinChurners))
	}
	switch {
	case len(evaluated) == 0:
		l.Refusals = append(l.Refusals, "no walk-forward instant could be evaluated: no instant in the last 365 days has its outcome known "+
			"and an event in the rows labelled before it")
	case e.AUCLow == nil:
		l.Refusals = append(l.Refusals, "no evidence that it ranks churners above chance: the walk-forward rows hold no event or no non-event")
	case *e.AUCLow <= 0.5:
		l.Refusals = append(l.Refusals, fmt.Sprintf("no evidence that it ranks churners above chance: the AUC's 95%% interval, %.3f to %.3f, reaches 0.5",
			*e.AUCLow, *e.AUCHigh))
	}
	return l, nil
}

// Refused is the message of a refused fit: every reason that applies.
func (l *Learned) Refused() string {
	return "no model written: " + strings.Join(l.Refusals, "; ") + " (--force writes it anyway)"
}

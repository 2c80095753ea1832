package model

import (
	"math"
	"time"
)

// RiskModel is a churn-risk model learned from the MSP's own history
// (fit-risk writes it, package risk reads its file): logistic regression
// on standardised component scores.
type RiskModel struct {
	// Horizon is how far ahead the risk looks, as written ("90d").
	Horizon   Window
	TrainedAt time.Time
	Intercept float64
	Terms     []RiskTerm
	// Evaluation is what the model's own series show.
	Evaluation RiskEvaluation
}

// RiskTerm is one component of a risk model: its score standardised by
// the training mean and scale, times its coefficient.
type RiskTerm struct {
	Component   Component
	Mean, Scale float64
	Coefficient float64
}

// Contribution is the term's log-odds for a score.
func (t RiskTerm) Contribution(score float64) float64 {
	return t.Coefficient * (score - t.Mean) / t.Scale
}

// RiskEvaluation is a risk model's evaluation. The walk-forward values
// are nil when no walk-forward instant could be evaluated.
type RiskEvaluation struct {
	Events         int
	BaseRate       float64
	AUC            *float64
	HealthScoreAUC *float64
	Brier          *float64
	Calibration    []CalibrationBin
}

// CalibrationBin is one bin of predictions: their mean, the churn rate
// observed among them, and how many rows it holds.
type CalibrationBin struct {
	Predicted, Observed float64
	Rows                int
}

// Sigmoid is the probability of a log-odds.
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// Predict is the churn risk of a client from its present component
// scores, with each term's contribution; ok is false when none of the
// model's components is present.
func (m *RiskModel) Predict(scores []ComponentScore) (risk float64, contributions []ComponentScore, ok bool) {
	lp := m.Intercept
	for _, t := range m.Terms {
		for _, s := range scores {
			if s.Component == t.Component {
				c := t.Contribution(s.Score)
				lp += c
				contributions = append(contributions, ComponentScore{Component: t.Component, Score: c})
				ok = true
			}
		}
	}
	return Sigmoid(lp), contributions, ok
}

// risk sets a client's churn risk and contributions from the model.
func (c *computation) risk(r *ClientResult) {
	if c.p.Risk == nil {
		return
	}
	if risk, contributions, ok := c.p.Risk.Predict(r.Components); ok {
		r.ChurnRisk, r.RiskContributions = ptr(risk), contributions
	}
}

package risk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	promodel "github.com/prometheus/common/model"

	"github.com/retention-exporter/retention_exporter/model"
)

// File is the model file fit-risk writes and the exporter serves from.
type File struct {
	Horizon        string  `json:"horizon"`
	HorizonSeconds float64 `json:"horizon_seconds"`
	TrainedAt      int64   `json:"trained_at"`
	Step           string  `json:"step"`
	Penalty        float64 `json:"penalty"`
	Intercept      float64 `json:"intercept"`
	// Components are the model's terms; LeftOut the candidates it left
	// out, with why.
	Components []FileTerm    `json:"components"`
	LeftOut    []FileLeftOut `json:"left_out"`
	Evaluation FileEval      `json:"evaluation"`
}

// FileTerm is one term: coefficient * (score - mean) / scale.
type FileTerm struct {
	Name        string  `json:"name"`
	Mean        float64 `json:"mean"`
	Scale       float64 `json:"scale"`
	Coefficient float64 `json:"coefficient"`
}

// FileLeftOut is a candidate component the model leaves out.
type FileLeftOut struct {
	Name string `json:"name"`
	Why  string `json:"why"`
}

// FileEval is the evaluation: counts over every labelled row, and the
// walk-forward measures (null when no instant was evaluated).
type FileEval struct {
	Rows              int       `json:"rows"`
	Events            int       `json:"events"`
	Churners          int       `json:"churners"`
	BaseRate          float64   `json:"base_rate"`
	WalkForwardRows   int       `json:"walk_forward_rows"`
	WalkForwardEvents int       `json:"walk_forward_events"`
	AUC               *float64  `json:"auc"`
	AUCLow            *float64  `json:"auc_low"`
	AUCHigh           *float64  `json:"auc_high"`
	Brier             *float64  `json:"brier"`
	HealthScoreAUC    *float64  `json:"health_score_auc"`
	Calibration       []FileBin `json:"calibration"`
}

// FileBin is one calibration bin.
type FileBin struct {
	Predicted float64 `json:"predicted"`
	Observed  float64 `json:"observed"`
	Rows      int     `json:"rows"`
}

// NewFile is the model file of a fit at trainedAt.
func NewFile(l *Learned, horizon, step string, penalty float64, horizonDur time.Duration, trainedAt time.Time) *File {
	f := &File{Horizon: horizon, HorizonSeconds: horizonDur.Seconds(), TrainedAt: trainedAt.Unix(), Step: step,
		Penalty: penalty, Intercept: l.Model.Intercept, Components: []FileTerm{}, LeftOut: []FileLeftOut{}}
	for _, t := range l.Model.Terms {
		f.Components = append(f.Components, FileTerm{Name: string(t.Component), Mean: t.Mean, Scale: t.Scale, Coefficient: t.Coefficient})
	}
	for _, o := range l.Model.LeftOut {
		f.LeftOut = append(f.LeftOut, FileLeftOut{Name: string(o.Component), Why: o.Why})
	}
	e := l.Evaluation
	f.Evaluation = FileEval{Rows: e.Rows, Events: e.Events, Churners: e.Churners, BaseRate: e.BaseRate,
		WalkForwardRows: e.WalkForwardRows, WalkForwardEvents: e.WalkForwardEvents,
		AUC: e.AUC, AUCLow: e.AUCLow, AUCHigh: e.AUCHigh, Brier: e.Brier, HealthScoreAUC: e.HealthScoreAUC,
		Calibration: []FileBin{}}
	for _, b := range e.Calibration {
		f.Evaluation.Calibration = append(f.Evaluation.Calibration, FileBin(b))
	}
	return f
}

// Encode is the file's bytes: indented JSON, the same for the same fit.
func (f *File) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadFile reads and checks a model file; known are the health
// components a model may name.
func ReadFile(path string) (*model.RiskModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Decode reads a model file's bytes into the model the exporter serves.
func Decode(data []byte) (*model.RiskModel, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a churn-risk model file: %w", err)
	}
	h, err := promodel.ParseDuration(f.Horizon)
	if err != nil || h <= 0 {
		return nil, fmt.Errorf("horizon %q: not a positive duration such as 90d", f.Horizon)
	}
	if f.TrainedAt <= 0 {
		return nil, errors.New("trained_at missing")
	}
	m := &model.RiskModel{Horizon: model.Window{Label: f.Horizon, Duration: time.Duration(h)},
		TrainedAt: time.Unix(f.TrainedAt, 0).UTC(), Intercept: f.Intercept}
	if !finite(f.Intercept) {
		return nil, errors.New("intercept is not a finite number")
	}
	for _, t := range f.Components {
		c := model.Component(t.Name)
		if !slices.ContainsFunc(model.Components, func(s model.ComponentSpec) bool { return s.Name == c }) {
			return nil, fmt.Errorf("component %q: not a health component", t.Name)
		}
		if slices.ContainsFunc(m.Terms, func(x model.RiskTerm) bool { return x.Component == c }) {
			return nil, fmt.Errorf("component %q: given twice", t.Name)
		}
		if !finite(t.Mean) || !finite(t.Coefficient) || !finite(t.Scale) || t.Scale <= 0 {
			return nil, fmt.Errorf("component %q: mean, scale and coefficient must be finite numbers and scale positive", t.Name)
		}
		m.Terms = append(m.Terms, model.RiskTerm{Component: c, Mean: t.Mean, Scale: t.Scale, Coefficient: t.Coefficient})
	}
	e := f.Evaluation
	m.Evaluation = model.RiskEvaluation{Events: e.Events, BaseRate: e.BaseRate, AUC: e.AUC, HealthScoreAUC: e.HealthScoreAUC, Brier: e.Brier}
	for _, b := range e.Calibration {
		m.Evaluation.Calibration = append(m.Evaluation.Calibration, model.CalibrationBin(b))
	}
	return m, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

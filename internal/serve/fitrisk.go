package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/replay"
	"github.com/retention-exporter/retention_exporter/risk"
)

// FitRiskOptions say what history to learn from.
type FitRiskOptions struct {
	// T is the start of today: the instants are T - k*Step back to From,
	// and outcomes are known up to T.
	T, From       time.Time
	Step, Horizon time.Duration
	Learn         risk.Options
	// Read, when set, is told each instant read.
	Read func(done, total int, at time.Time)
}

// Instants are the instants a fit reads, ascending: those whose outcome
// is known by T, and T itself, whose clients give the outcomes.
func (o FitRiskOptions) Instants() []time.Time {
	ts := []time.Time{o.T}
	for k := 1; ; k++ {
		t := o.T.Add(-time.Duration(k) * o.Step)
		if t.Before(o.From) {
			break
		}
		if !t.Add(o.Horizon).After(o.T) {
			ts = append(ts, t)
		}
	}
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	return ts
}

// FitRisk replays the history o asks for, with the configuration's
// sources opened as serving opens them, and learns churn risk from it.
func FitRisk(ctx context.Context, cfg *config.Config, o FitRiskOptions, logger *slog.Logger) (*risk.Dataset, *risk.Learned, error) {
	if o.Step <= 0 || o.Horizon <= 0 {
		return nil, nil, errors.New("step and horizon must be positive")
	}
	psa, billing, err := Open(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	defer CloseSources(psa, billing)
	instants := o.Instants()
	d := risk.NewDataset(replay.Params(cfg), o.T, o.Horizon)
	done := 0
	err = replay.Run(ctx, cfg, psa, billing, instants, func(in replay.Instant) error {
		done++
		if in.At.Equal(o.T) {
			d.Label(in.PSA.Clients)
		} else {
			d.Add(in.At, in.Result)
		}
		if o.Read != nil {
			o.Read(done, len(instants), in.At)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("replaying the history: %w", err)
	}
	l, err := d.Learn(o.Learn)
	if err != nil {
		return nil, nil, err
	}
	return d, l, nil
}

// Package replay computes the retention values at past instants with the
// queries, model and config that serving uses. It is the one way to
// compute an instant: backfill writes its values as blocks, fit-risk
// learns churn risk from them, report draws a client's period from them.
package replay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

// PSA reads the PSA's facts; *source.DB is one.
type PSA interface {
	ReadPSA(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error)
}

// Billing reads the billing facts; *source.DB is one.
type Billing interface {
	ReadBilling(ctx context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error)
}

// Instant is one instant's facts and the values computed from them.
type Instant struct {
	At      time.Time
	PSA     *model.Facts
	Billing *model.Facts // nil without billing
	Result  *model.Result
	// Read is the time spent reading the databases (the slower source,
	// as they are read in parallel); Compute the time spent computing.
	Read, Compute time.Duration
}

// Params are the parameters an instant is computed with: serving's,
// without a churn-risk model, since today's model applied to the past
// would know the future.
func Params(cfg *config.Config) *model.Params {
	p := *cfg.Params()
	p.Risk = nil
	return &p
}

// Run reads and computes every instant, in order, and calls each with
// it. Billing is nil when it is not configured. The instants are read
// with as many readers as the PSA's pool has connections, each in its
// own read-only transaction and each source in parallel. Run stops at
// the first failure to read, or error of each, and returns it.
func Run(ctx context.Context, cfg *config.Config, psa PSA, billing Billing, instants []time.Time, each func(Instant) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	params := Params(cfg)
	done := 0
	for f := range readAll(ctx, cfg, psa, billing, instants, max(1, cfg.Sources.PSA.MaxOpenConns)) {
		if f.err != nil {
			return fmt.Errorf("reading the databases at %s: %w", f.At.Format(time.RFC3339), f.err)
		}
		computing := time.Now()
		f.Result = model.Compute(params, f.PSA, f.Billing)
		f.Compute = time.Since(computing)
		if err := each(f.Instant); err != nil {
			return err
		}
		done++
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if done != len(instants) {
		return fmt.Errorf("read %d of %d instants", done, len(instants))
	}
	return nil
}

// read is one instant's read.
type read struct {
	Instant
	err error
}

// readAll reads the instants with readers in parallel and returns their
// facts in order of the instants. It stops at the first failure, which
// it sends, or when ctx ends.
func readAll(ctx context.Context, cfg *config.Config, psa PSA, billing Billing, instants []time.Time, readers int) <-chan read {
	lanes := make([]chan read, readers)
	for k := range lanes {
		// Unbuffered: a reader holds one instant's facts until they are
		// taken, so at most readers+2 instants are in memory at once (with the
		// one being handed on and the one being used).
		lanes[k] = make(chan read)
		go func() {
			defer close(lanes[k])
			for i := k; i < len(instants); i += readers {
				f := readInstant(ctx, cfg, psa, billing, instants[i])
				select {
				case lanes[k] <- f:
				case <-ctx.Done():
					return
				}
				if f.err != nil {
					return
				}
			}
		}()
	}
	out := make(chan read)
	go func() {
		defer close(out)
		for i := range instants {
			f, ok := <-lanes[i%readers]
			if !ok {
				return
			}
			select {
			case out <- f:
			case <-ctx.Done():
				return
			}
			if f.err != nil {
				return
			}
		}
	}()
	return out
}

func readInstant(ctx context.Context, cfg *config.Config, psa PSA, billing Billing, at time.Time) read {
	f := read{Instant: Instant{At: at}}
	start := time.Now()
	var wg sync.WaitGroup
	var psaErr, billingErr error
	wg.Go(func() { f.PSA, _, psaErr = psa.ReadPSA(ctx, cfg, at) })
	if billing != nil {
		wg.Go(func() { f.Billing, _, billingErr = billing.ReadBilling(ctx, cfg, at) })
	}
	wg.Wait()
	f.Read = time.Since(start)
	switch {
	case psaErr != nil:
		f.err = fmt.Errorf("%s: %w", config.PSA, psaErr)
	case billingErr != nil:
		f.err = fmt.Errorf("%s: %w", config.Billing, billingErr)
	}
	return f
}

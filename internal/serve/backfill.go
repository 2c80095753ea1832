package serve

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/retention-exporter/retention_exporter/backfill"
	"github.com/retention-exporter/retention_exporter/config"
)

// Backfill opens the configuration's sources as serving does, writes
// the history o asks for and closes them. The logger takes the messages
// of opening the sources; the TSDB's own are dropped, since the backfill
// reports its blocks itself.
func Backfill(ctx context.Context, cfg *config.Config, o backfill.Options, logger *slog.Logger) (*backfill.Stats, error) {
	psa, billing, err := Open(cfg, logger)
	if err != nil {
		return nil, err
	}
	defer CloseSources(psa, billing)
	// A nil exporter.Billing converts to a nil backfill.Billing.
	st, err := backfill.Run(ctx, cfg, psa, billing, o, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, fmt.Errorf("backfill failed, nothing written to %s: %w", o.Output, err)
	}
	return st, nil
}

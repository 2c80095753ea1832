package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/collector"
	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/replay"
	"github.com/retention-exporter/retention_exporter/report"
)

// ReportOptions say whose report and which days.
type ReportOptions struct {
	// Client is a client's id, or its exact name; empty with All.
	Client string
	// All records every client.
	All bool
	// Days are the instants, each a midnight, in order.
	Days []time.Time
	// Read, when set, is told each day read.
	Read func(done, total int)
}

// Report replays each day once, with the configuration's sources opened
// as serving opens them, and records the client's series, or every
// client's. It returns the ids to report on: the client, or with All
// every client active on the last day.
func Report(ctx context.Context, cfg *config.Config, o ReportOptions, logger *slog.Logger) (*report.Recorder, []string, error) {
	if len(o.Days) == 0 {
		return nil, nil, errors.New("no days to report on")
	}
	if o.All == (o.Client != "") {
		return nil, nil, errors.New("give a client or all clients")
	}
	psa, billing, err := Open(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	defer CloseSources(psa, billing)
	id := ""
	var want func(string) bool
	if !o.All {
		want = func(c string) bool { return c == id }
	}
	rec := report.NewRecorder(o.Days, cfg.Location(), collector.Options{
		ComponentScores: cfg.Series.ComponentScores,
		Contracts:       cfg.Series.Contracts,
	}, want)
	serving := cfg.Params()
	done := 0
	err = replay.Run(ctx, cfg, psa, billing, o.Days, func(in replay.Instant) error {
		if done == 0 && !o.All {
			if id, err = findClient(in.PSA.Clients, o.Client, o.Days, cfg.Location()); err != nil {
				return err
			}
		}
		if err := rec.Add(done, in.Result); err != nil {
			return err
		}
		done++
		// Backfill writes no churn risk: today's model applied to the
		// past would know the future. The report shows the risk
		// serving's model gives at the end, and says so.
		if done == len(o.Days) && serving.Risk != nil {
			if err := rec.AddRisk(model.Compute(serving, in.PSA, in.Billing)); err != nil {
				return err
			}
		}
		if o.Read != nil {
			o.Read(done, len(o.Days))
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("replaying the period: %w", err)
	}
	if o.All {
		return rec, rec.Clients(), nil
	}
	return rec, []string{id}, nil
}

// findClient is the id of the client named by its id, or else by its
// exact name, that was a customer at some day of the period.
func findClient(clients []model.Client, name string, days []time.Time, loc *time.Location) (string, error) {
	var found []model.Client
	for _, c := range clients {
		if c.ID == name {
			found = []model.Client{c}
			break
		}
		if c.Name == name {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no client has the id or the name %q", name)
	case 1:
	default:
		var ids []string
		for _, c := range found {
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		return "", fmt.Errorf("%d clients are named %q: give one of their ids (%s)", len(found), name, strings.Join(ids, ", "))
	}
	c := found[0]
	first, last := model.DateOf(days[0].In(loc)), model.DateOf(days[len(days)-1].In(loc))
	if c.CustomerSince > last || (c.ChurnedAt != nil && *c.ChurnedAt <= first) {
		since := fmt.Sprintf("a customer from %s", c.CustomerSince)
		if c.ChurnedAt != nil {
			since += fmt.Sprintf(" until it churned on %s", *c.ChurnedAt)
		}
		return "", fmt.Errorf("%s (%s) was not a customer from %s to %s: %s", c.Name, c.ID, first, last, since)
	}
	return c.ID, nil
}

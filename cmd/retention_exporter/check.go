package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/source"
)

// checkConnect runs every enabled query of every configured source once
// at now and prints a line per query: what it read, or what is wrong in
// words a mapping author can act on. It returns an error when any query
// has a problem. Nothing printed holds a DSN or a password: source errors
// are scrubbed, and a source is named by user, address and database.
func checkConnect(ctx context.Context, w io.Writer, cfg *config.Config, now time.Time) error {
	sources := []string{config.PSA}
	if cfg.BillingConfigured() {
		sources = append(sources, config.Billing)
	}
	failed, total := 0, 0
	for _, name := range sources {
		src := cfg.Sources.PSA
		if name == config.Billing {
			src = cfg.Sources.Billing
		}
		db, err := source.Open(name, src, cfg.Location())
		if err != nil {
			fmt.Fprintf(w, "%s: %v\n", name, err)
			failed++
			continue
		}
		fmt.Fprintf(w, "%s (%s), at %s:\n", name, db.Target(), now.In(cfg.Location()).Format(time.RFC3339))
		if err := db.Ping(ctx); err != nil {
			fmt.Fprintf(w, "  %v\n", err)
			db.Close()
			failed++
			continue
		}
		reports := db.Check(ctx, cfg, now)
		db.Close()
		for _, r := range reports {
			total++
			problems := queryProblems(cfg, r)
			if len(problems) > 0 {
				failed++
			}
			writeReport(w, r, problems)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d queries have problems (see above)", failed, total)
	}
	fmt.Fprintf(w, "all %d queries OK\n", total)
	return nil
}

// queryProblems lists what is wrong with a query's result, in words.
func queryProblems(cfg *config.Config, r source.QueryReport) []string {
	var out []string
	if r.Err != nil {
		out = append(out, r.Err.Error())
	}
	for _, p := range cfg.UnusedParams(r.Query) {
		out = append(out, "the statement does not use "+p)
	}
	if r.Err != nil {
		return out
	}
	if n := r.Invalid[source.ReasonUnparsableValue]; n > 0 {
		out = append(out, fmt.Sprintf("%d of %d rows have a value that cannot be read as its column's type, such as %s; "+
			"cast or convert the column in the statement (docs/configuration.md lists each column's type)",
			n, r.Rows, r.Examples[source.ReasonUnparsableValue]))
	}
	skipped := 0
	for _, n := range r.Invalid {
		skipped += n
	}
	switch {
	case r.Rows == 0 && r.Query == config.QueryClients:
		out = append(out, "no rows: the mapping finds no clients, so every other fact has none either")
	case r.Rows > 0 && skipped == r.Rows && r.Invalid[source.ReasonUnparsableValue] == 0:
		out = append(out, "every row was skipped: "+skippedText(r))
	}
	return out
}

func writeReport(w io.Writer, r source.QueryReport, problems []string) {
	name := r.Query
	if r.Window != "" {
		name += "[" + r.Window + "]"
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "  %-18s PROBLEM\n", name)
		for _, p := range problems {
			fmt.Fprintf(w, "      %s\n", p)
		}
		return
	}
	line := fmt.Sprintf("%d rows", r.Rows)
	if len(r.Invalid) > 0 {
		line += ", skipped " + skippedText(r)
	}
	fmt.Fprintf(w, "  %-18s OK       %s in %s\n", name, line, r.Duration.Round(time.Millisecond))
}

// skippedText lists skipped rows by reason, each with its first example.
func skippedText(r source.QueryReport) string {
	reasons := make([]string, 0, len(r.Invalid))
	for reason := range r.Invalid {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = fmt.Sprintf("%d %s (first: %s)", r.Invalid[reason], reason, r.Examples[reason])
	}
	return strings.Join(parts, "; ")
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
	var read, unread []string // sources reached, and not: the latter's queries did not run
	for _, name := range sources {
		db, err := source.Open(name, cfg.Source(name), cfg.Location())
		if err != nil {
			fmt.Fprintf(w, "%s: %v\n", name, err)
			unread = append(unread, name)
			continue
		}
		fmt.Fprintf(w, "%s (%s), at %s:\n", name, db.Target(), now.In(cfg.Location()).Format(time.RFC3339))
		if err := db.Ping(ctx); err != nil {
			fmt.Fprintf(w, "  %v\n", err)
			db.Close()
			unread = append(unread, name)
			continue
		}
		read = append(read, name)
		reports := db.Check(ctx, cfg, now)
		db.Close()
		for _, r := range reports {
			total++
			problems := r.Problems(cfg)
			if len(problems) > 0 {
				failed++
			}
			writeReport(w, r, problems)
		}
	}
	if len(unread) > 0 {
		return errors.New(summary(read, unread, failed, total))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d queries have problems (see above)", failed, total)
	}
	fmt.Fprintf(w, "all %d queries OK\n", total)
	return nil
}

// summary says what a check reached when a source could not be read.
func summary(read, unread []string, failed, total int) string {
	their := "its queries"
	if len(unread) > 1 {
		their = "their queries"
	}
	s := fmt.Sprintf("could not read %s, so %s did not run", strings.Join(unread, " and "), their)
	switch {
	case len(read) == 0:
		return s + "; no query ran"
	case failed > 0:
		return s + fmt.Sprintf("; %d of %d queries of %s have problems (see above)", failed, total, strings.Join(read, " and "))
	}
	if total == 1 {
		return s + "; the one query of " + read[0] + " is OK"
	}
	return s + fmt.Sprintf("; all %d queries of %s OK", total, strings.Join(read, " and "))
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
		line += ", skipped " + r.Skipped()
	}
	fmt.Fprintf(w, "  %-18s OK       %s in %s\n", name, line, r.Duration.Round(time.Millisecond))
}

// checkDSNs checks, without connecting, where each configured source's
// DSN comes from: a DSN file must exist and hold a valid DSN, and so must
// a variable that is set. A variable that is not set is only noted, so
// that a configuration can be checked where its secrets are not.
func checkDSNs(cfg *config.Config) (string, error) {
	var w strings.Builder
	for _, name := range []string{config.PSA, config.Billing} {
		if name == config.Billing && !cfg.BillingConfigured() {
			continue
		}
		s := cfg.Source(name)
		from := "file " + s.DSNFile
		if s.DSNFile == "" {
			from = "$" + s.DSNEnv
			if strings.TrimSpace(os.Getenv(s.DSNEnv)) == "" {
				fmt.Fprintf(&w, "  %s DSN: %s, not set here (--connect needs it)\n", name, from)
				continue
			}
		}
		db, err := source.Open(name, s, cfg.Location())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&w, "  %s DSN: %s, %s\n", name, from, db.Target())
		db.Close()
	}
	return w.String(), nil
}

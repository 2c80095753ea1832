package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/serve"
	"github.com/retention-exporter/retention_exporter/report"
)

// ReportCmd writes a client's business review for a period.
type ReportCmd struct {
	Client string `help:"The client: its id, or its exact name." placeholder:"ID"`
	All    bool   `help:"One report for each client active at --to, written into the directory --output (empty or new)."`
	From   string `help:"First day of the period (YYYY-MM-DD); with --to. Default: the last complete calendar quarter in the configured time zone." placeholder:"DATE"`
	To     string `help:"Last day of the period, included (YYYY-MM-DD); with --from." placeholder:"DATE"`
	Output string `required:"" type:"path" help:"File to write; with --all, a directory." placeholder:"FILE"`
	Format string `default:"html" enum:"html,json" help:"What to write: ${enum}. html is a page to read and print; json is the client's series at each day, as backfill writes them."`
}

// Help is the detail of report --help.
func (r *ReportCmd) Help() string {
	return "Computes the client at midnight of each day of the period, as backfill does, and writes one self-contained page " +
		"(service delivered, health, commitments, billing, recommendations) or the series it is drawn from (docs/report.md). " + dsnHelp
}

// period is the days a report covers: --from to --to, or the last
// complete calendar quarter before wall.
func (r *ReportCmd) period(loc *time.Location, wall time.Time) (from, to time.Time, err error) {
	switch {
	case r.From == "" && r.To == "":
		y, m, _ := wall.In(loc).Date()
		quarter := time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
		return quarter.AddDate(0, -3, 0), quarter.AddDate(0, 0, -1), nil
	case r.From == "" || r.To == "":
		return from, to, errors.New("--from and --to go together (without them: the last complete calendar quarter)")
	}
	if from, err = time.ParseInLocation(time.DateOnly, r.From, loc); err != nil {
		return from, to, fmt.Errorf("--from %q: not a date such as 2026-07-01", r.From)
	}
	if to, err = time.ParseInLocation(time.DateOnly, r.To, loc); err != nil {
		return from, to, fmt.Errorf("--to %q: not a date such as 2026-09-30", r.To)
	}
	if to.Before(from) {
		return from, to, fmt.Errorf("--to %s is before --from %s", r.To, r.From)
	}
	if to.After(wall) {
		return from, to, fmt.Errorf("--to %s has not begun yet: a report reads days that have", r.To)
	}
	return from, to, nil
}

func (r *ReportCmd) check() error {
	if r.All == (r.Client != "") {
		return errors.New("give --client ID (or an exact name) or --all")
	}
	if r.All {
		if entries, err := os.ReadDir(r.Output); err == nil && len(entries) > 0 {
			return fmt.Errorf("--output %s is not empty: --all writes into an empty or new directory", r.Output)
		} else if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("--output: %w", err)
		}
	}
	return nil
}

// Run replays the period and writes the report(s).
func (r *ReportCmd) Run(cli *CLI, logger *slog.Logger) error {
	if err := r.check(); err != nil {
		return err
	}
	cfg, err := config.Load(cli.ConfigFile)
	if err != nil {
		return err
	}
	from, to, err := r.period(cfg.Location(), time.Now())
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return r.write(ctx, cfg, report.Days(from, to, cfg.Location()), os.Stderr, logger)
}

// write replays the days, showing progress on progress, and writes.
func (r *ReportCmd) write(ctx context.Context, cfg *config.Config, days []time.Time, progress *os.File, logger *slog.Logger) error {
	tty := term.IsTerminal(int(progress.Fd()))
	o := serve.ReportOptions{Client: r.Client, All: r.All, Days: days, Read: func(done, total int) {
		if tty {
			fmt.Fprintf(progress, "\rdays read %d/%d   ", done, total)
			if done == total {
				fmt.Fprintln(progress)
			}
			return
		}
		logger.Info("day read", "done", done, "total", total)
	}}
	logger.Info("reporting", "from", days[0].Format(time.DateOnly), "to", days[len(days)-1].Format(time.DateOnly),
		"days", len(days), "client", r.Client, "all", r.All, "format", r.Format)
	rec, ids, err := serve.Report(ctx, cfg, o, logger)
	if err != nil {
		return err
	}
	settings := report.SettingsOf(cfg)
	if !r.All {
		d := rec.Data(ids[0])
		if err := r.writeFile(r.Output, d, settings); err != nil {
			return err
		}
		fmt.Fprintf(progress, "Wrote %s: %s from %s to %s.\n", r.Output, ids[0], d.From, d.To)
		return nil
	}
	if err := os.MkdirAll(r.Output, 0o755); err != nil {
		return err
	}
	names := map[string]string{}
	for _, id := range ids {
		name := fileName(id) + "." + r.Format
		if other, ok := names[name]; ok {
			return fmt.Errorf("clients %q and %q give the same file name %s", other, id, name)
		}
		names[name] = id
		if err := r.writeFile(filepath.Join(r.Output, name), rec.Data(id), settings); err != nil {
			return err
		}
	}
	fmt.Fprintf(progress, "Wrote %d reports to %s, one for each client active on %s.\n", len(ids), r.Output, days[len(days)-1].Format(time.DateOnly))
	return nil
}

// writeFile writes one report, atomically: a stopped run leaves no
// half-written page.
func (r *ReportCmd) writeFile(path string, d *report.Data, s report.Settings) error {
	var b bytes.Buffer
	var err error
	if r.Format == "json" {
		err = d.WriteJSON(&b)
	} else {
		err = report.Render(&b, d, s)
	}
	if err == nil {
		err = writeAtomic(path, b.Bytes())
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// fileName is a client id as a file name: as it is when it is safe,
// else made safe and told apart by a hash of the id.
func fileName(id string) string {
	safe := unsafeName.ReplaceAllString(id, "_")
	if safe == id && id != "" && id[0] != '.' {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return fmt.Sprintf("%s-%s", safe, hex.EncodeToString(sum[:4]))
}

// Command retention_datagen writes a synthetic MSP as SQL for the
// reference schema: psa.sql and billing.sql, ready for the mysql or
// mariadb client. Deterministic for a seed and a point in time.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/alecthomas/kong"

	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

type cli struct {
	Clients int       `default:"300" help:"Clients active today (about 45% more churned ones make the history)."`
	Seed    uint64    `default:"1" help:"Random seed: the same seed and --now give the same data."`
	Now     time.Time `help:"Point in time the data is relative to (RFC 3339; default: now)." format:"2006-01-02T15:04:05Z07:00"`
	Out     string    `default:"." type:"path" help:"Directory for psa.sql and billing.sql."`
	Schema  bool      `help:"Start each file with the reference DDL (CREATE TABLE IF NOT EXISTS)."`
}

func main() {
	var c cli
	kong.Parse(&c, kong.Name("retention_datagen"),
		kong.Description("Write a synthetic MSP as SQL for the retention_exporter reference schema."))
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "retention_datagen:", err)
		os.Exit(1)
	}
}

func run(c cli) error {
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	psa, err := os.Create(filepath.Join(c.Out, "psa.sql"))
	if err != nil {
		return err
	}
	defer psa.Close()
	billing, err := os.Create(filepath.Join(c.Out, "billing.sql"))
	if err != nil {
		return err
	}
	defer billing.Close()
	if c.Schema {
		if _, err := psa.WriteString(mysqlschema.PSA + "\n"); err != nil {
			return err
		}
		if _, err := billing.WriteString(mysqlschema.Billing + "\n"); err != nil {
			return err
		}
	}
	start := time.Now()
	sum, err := synth.WriteSQL(synth.Options{Clients: c.Clients, Seed: c.Seed, Now: c.Now}, psa, billing)
	if err != nil {
		return err
	}
	if err := psa.Close(); err != nil {
		return err
	}
	if err := billing.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s and %s in %s\n", psa.Name(), billing.Name(), time.Since(start).Round(time.Millisecond))
	for _, t := range []string{"clients", "contracts", "endpoints", "tickets", "surveys", "reviews", "contacts", "assessments", "invoices"} {
		fmt.Fprintf(os.Stderr, "  %-12s %9d rows\n", t, sum.Rows[t])
	}
	for _, s := range sum.Stories.All() {
		fmt.Fprintf(os.Stderr, "  story %s %s\n", s.ID, s.Name)
	}
	return nil
}

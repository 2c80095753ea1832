package main

import (
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
)

// floor is the database's own time for a refresh's queries: the median
// over runs of the slower of the two sources' scripts, since the exporter
// reads the two databases in parallel.
func (b *bench) floor(cfg *config.Config) (time.Duration, error) {
	// The exporter plans each refresh at its own clock, once it runs;
	// planning the floor right before it runs is as close to those
	// instants as a floor measured first gets.
	now := time.Now()
	psaScript, err := floorScript(cfg.Plan(config.PSA, now))
	if err != nil {
		return 0, err
	}
	billingScript, err := floorScript(cfg.Plan(config.Billing, now))
	if err != nil {
		return 0, err
	}
	var floors []time.Duration
	for range b.Runs {
		psa, err := queryTime(b.db, "psa", psaScript)
		if err != nil {
			return 0, err
		}
		billing, err := queryTime(b.db, "billing", billingScript)
		if err != nil {
			return 0, err
		}
		floors = append(floors, max(psa, billing))
	}
	return median(floors), nil
}

// floorScript is a source's refresh as one script for the mariadb
// client, which binds no parameters: the plan's statements in order,
// each with its values written in.
func floorScript(plan []config.PlannedQuery) (string, error) {
	var b strings.Builder
	for _, q := range plan {
		sql, err := literalSQL(q)
		if err != nil {
			return "", err
		}
		b.WriteString(sql)
		b.WriteString(";\n")
	}
	return b.String(), nil
}

// queryTime is how long the mariadb client takes to run the script, less
// what it takes to start, connect and run SELECT 1.
func queryTime(db *mariadbtest.Server, database, script string) (time.Duration, error) {
	start := time.Now()
	if err := clientText(db, database, "SELECT 1;"); err != nil {
		return 0, err
	}
	startup := time.Since(start)
	start = time.Now()
	if err := clientText(db, database, script); err != nil {
		return 0, err
	}
	return max(0, time.Since(start)-startup), nil
}

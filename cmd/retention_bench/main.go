// Command retention_bench measures retention_exporter against a private
// MariaDB holding a generated MSP: refresh time next to the time MariaDB
// itself needs for the same default queries (run by the mariadb client),
// peak RSS, series count, /metrics size and latency, and scrape latency
// under concurrent scrapers while refreshes run. Optionally it runs
// Debian's prometheus-sql-exporter with the same queries under the same
// load, and reports the database's work during the load for both. It
// prints a Markdown report; docs/benchmarks.md holds one.
//
// Files by job: this one the command line and the order of the steps;
// db.go the dataset and MariaDB's counters; floor.go the database floor;
// exporter.go and refreshes.go running retention_exporter and timing its
// refreshes; backfill.go, fitrisk.go and report.go the backfill, fit-risk and report commands; load.go the scrapers; static.go the static-bytes baseline;
// sqlexporter.go prometheus-sql-exporter; stats.go and proc.go the
// numbers.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
)

type cli struct {
	Clients     []int         `default:"300,2000" help:"Dataset sizes (active clients)."`
	Runs        int           `default:"5" help:"Refreshes and floor runs per size; medians are reported."`
	Scrapers    int           `default:"50" help:"Concurrent scrapers in the load phase."`
	Duration    time.Duration `default:"60s" help:"Length of each load phase."`
	Pace        time.Duration `default:"1s" help:"Also load retention_exporter with every scraper scraping once per this interval, as Prometheus servers do; 0 skips it."`
	Exporter    string        `required:"" type:"existingfile" help:"retention_exporter binary to measure (build with .ci/build.sh)."`
	SQLExporter string        `name:"sql-exporter" type:"existingfile" help:"prometheus-sql-exporter binary (Debian: /usr/bin/prometheus-sql-exporter) to load the same way; empty skips it."`
	Backfill    string        `help:"Measure the backfill command instead: clients:days pairs, such as 2000:1095,20000:365 (daily instants)." placeholder:"SPANS"`
	FitRisk     []int         `name:"fit-risk" help:"Measure the fit-risk command instead, with its defaults, at these sizes (active clients), and the exporter's refreshes without and with the model." placeholder:"CLIENTS"`
	Report      []int         `help:"Measure the report command instead, over the last complete quarter, at these sizes (active clients): one client as a page and as JSON, and --all." placeholder:"CLIENTS"`

	// The baseline server, run as a child process of the bench itself.
	ServeBytes string `hidden:"" help:"Serve this file as a gzip /metrics body and nothing else."`
	Listen     string `hidden:"" help:"Address for --serve-bytes."`
}

// refreshInterval is both exporters' pause between two reads of the
// database: retention_exporter waits its refresh_interval once a refresh
// has ended, prometheus-sql-exporter its job interval once a run has.
const refreshInterval = time.Second

func main() {
	var c cli
	kong.Parse(&c, kong.Name("retention_bench"), kong.Description("Measure retention_exporter against a private MariaDB."))
	run := run
	if c.ServeBytes != "" {
		run = serveBytes
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "retention_bench:", err)
		os.Exit(1)
	}
}

// bench is what every measurement shares.
type bench struct {
	cli
	db    *mariadbtest.Server
	dbPID int
	dir   string
}

func run(c cli) error {
	dir, err := os.MkdirTemp("", "retention-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := mariadbtest.New(filepath.Join(dir, "db"), 0)
	if err != nil {
		return err
	}
	db.Args = []string{"--innodb-buffer-pool-size=2G"}
	if err := db.Start(); err != nil {
		return err
	}
	defer db.Stop()
	pid, err := os.ReadFile(filepath.Join(db.Dir, "mysqld.pid"))
	if err != nil {
		return err
	}
	b := &bench{cli: c, db: db, dir: dir}
	if b.dbPID, err = strconv.Atoi(strings.TrimSpace(string(pid))); err != nil {
		return fmt.Errorf("mysqld.pid: %w", err)
	}
	nproc, _ := exec.Command("nproc").Output()
	version, _ := exec.Command("mariadbd", "--version").Output()
	fmt.Printf("Machine: %s cores; %s\n", strings.TrimSpace(string(nproc)), strings.TrimSpace(string(version)))
	if c.Backfill != "" {
		spans, err := parseSpans(c.Backfill)
		if err != nil {
			return err
		}
		return b.runBackfills(spans)
	}
	if len(c.FitRisk) > 0 {
		return b.runFitRisks(c.FitRisk)
	}
	if len(c.Report) > 0 {
		return b.runReports(c.Report)
	}
	fmt.Printf("Runs per size: %d; load: %d scrapers for %s with Accept-Encoding: gzip.\n\n", c.Runs, c.Scrapers, c.Duration)
	fmt.Println("| clients | series | per client | DB floor (median) | exporter read (median) | ratio | whole refresh (median) | /metrics plain | gzip | scrape idle (median) | load p50 | load p99 | scrapes | errors | refreshes under load (median read) | peak RSS |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var rows []string
	for _, n := range c.Clients {
		line, r, err := b.measure(n)
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		fmt.Println(line)
		rows = append(rows, r...)
	}
	fmt.Println()
	if c.SQLExporter != "" {
		fmt.Printf("prometheus-sql-exporter runs its queries on a job interval (%s pause between runs, as retention_exporter's refresh_interval) and serves the cached results: a scrape does not query the database.\n\n", refreshInterval)
	}
	fmt.Println("| clients | server and load | series | load p50 | load p99 | scrapes | errors | gzip | refreshes during load | DB SELECTs during load | DB statements during load | DB CPU during load | peak RSS |")
	fmt.Println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Println(r)
	}
	return nil
}

// measure loads an MSP of n clients and measures the floor, then each
// server in turn. It returns the row of the first table and the rows of
// the second.
func (b *bench) measure(n int) (string, []string, error) {
	if err := b.loadMSP(n); err != nil {
		return "", nil, err
	}
	cfgText := exporterConfig()
	cfg, err := config.Parse(cfgText, "")
	if err != nil {
		return "", nil, err
	}
	floor, err := b.floor(cfg)
	if err != nil {
		return "", nil, err
	}
	line, row, err := b.retentionExporter(n, cfgText, floor)
	if err != nil {
		return "", nil, err
	}
	static, err := b.staticServer(n)
	if err != nil {
		return "", nil, err
	}
	rows := []string{row, static}
	if b.SQLExporter != "" {
		other, err := b.sqlExporter(n, cfg)
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, other)
	}
	return line, rows, nil
}

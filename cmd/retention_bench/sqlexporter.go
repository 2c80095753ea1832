package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
)

// sqlExporter runs prometheus-sql-exporter with the same queries and
// measures it under the same load; it is stopped on return.
func (b *bench) sqlExporter(n int, cfg *config.Config) (string, error) {
	// It cannot bind parameters: its queries keep the values of the
	// moment it starts, where retention_exporter plans each refresh anew.
	now := time.Now()
	plan := append(cfg.Plan(config.PSA, now), cfg.Plan(config.Billing, now)...)
	conf, err := sqlExporterConfig(plan, func(database string) string {
		return "mysql://" + b.db.DSN("retention_exporter", "bench", database)
	})
	if err != nil {
		return "", err
	}
	cfgPath := filepath.Join(b.dir, "sql_exporter.yml")
	if err := os.WriteFile(cfgPath, conf, 0o600); err != nil {
		return "", err
	}
	// It logs JSON to stdout; at warn level only failures.
	srv, err := startServer([]string{"LOGLEVEL=warn"}, b.SQLExporter, func(addr string) []string {
		return []string{"-config.file=" + cfgPath, "-web.listen-address=" + addr}
	})
	if err != nil {
		return "", err
	}
	defer srv.stop()

	// It serves /metrics at once, empty until each query has run once.
	var names []string
	for _, q := range plan {
		names = append(names, "sql_"+sqlExporterName(q))
	}
	slices.Sort(names)
	t := target{base: "http://" + srv.addr, last: names[len(names)-1]}
	var plain []byte
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if plain, err = scrape.Get(http.DefaultClient, t.base+"/metrics"); err == nil &&
			!slices.ContainsFunc(names, func(name string) bool { return !bytes.Contains(plain, []byte("\n"+name+"{")) }) {
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("prometheus-sql-exporter: not every query ran: %v", err)
		}
	}
	series := 0
	for _, l := range strings.Split(string(plain), "\n") {
		if strings.HasPrefix(l, "sql_") && !strings.HasPrefix(l, "sql_exporter_") {
			series++
		}
	}
	_, gz, err := scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{})
	if err != nil {
		return "", err
	}
	r, err := b.load(t, 0)
	if err != nil {
		return "", err
	}
	return r.row(n, "prometheus-sql-exporter", "", series, gz, peakRSS(srv.cmd.Process.Pid)), nil
}

// Columns of the default queries by kind; the others are text, exported
// as labels.
var (
	numberColumns = map[string]bool{
		"auto_renew": true, "monthly_value": true, "endpoints": true, "tickets": true,
		"sla_tickets": true, "sla_breached": true, "responses": true, "positive": true,
		"renewal_contacts": true, "standards_total": true, "standards_met": true,
		"overdue_invoices": true, "overdue_amount": true,
	}
	dateColumns = map[string]bool{
		"customer_since": true, "churned_at": true, "start_date": true, "end_date": true,
		"cancelled_at": true, "renewal_notice_sent_at": true, "last_review_at": true,
		"assessed_at": true, "oldest_due_at": true,
	}
)

type sqlExporterFile struct {
	Jobs []sqlExporterJob `yaml:"jobs"`
}

type sqlExporterJob struct {
	Name        string             `yaml:"name"`
	Interval    string             `yaml:"interval"`
	Connections []string           `yaml:"connections"`
	Queries     []sqlExporterQuery `yaml:"queries"`
}

type sqlExporterQuery struct {
	Name   string   `yaml:"name"`
	Help   string   `yaml:"help"`
	Labels []string `yaml:"labels,omitempty"`
	Values []string `yaml:"values"`
	Query  string   `yaml:"query"`
}

// sqlExporterName names a planned query as a metric name allows:
// tickets[30d] is tickets_30d.
func sqlExporterName(q config.PlannedQuery) string {
	return strings.NewReplacer("[", "_", "]", "").Replace(q.Name())
}

// sqlExporterConfig configures prometheus-sql-exporter with the planned
// queries, values written in: one job per source, as retention_exporter
// reads them, each connecting to connection(source). Its values must be
// numbers and its labels text, and a NULL in either drops the value or
// the row with an error logged for each; queries returning dates or
// text beyond client_id therefore run wrapped in a select that turns
// dates into Unix seconds (0 when absent) and NULL text into "", as its
// documentation advises (cast labels to text and values to float).
func sqlExporterConfig(plan []config.PlannedQuery, connection func(source string) string) ([]byte, error) {
	var f sqlExporterFile
	job := map[string]int{}
	for _, q := range plan {
		source := q.Fact.Source
		if _, ok := job[source]; !ok {
			job[source] = len(f.Jobs)
			f.Jobs = append(f.Jobs, sqlExporterJob{Name: source, Interval: refreshInterval.String(),
				Connections: []string{connection(source)}})
		}
		sql, err := literalSQL(q)
		if err != nil {
			return nil, err
		}
		sq := sqlExporterQuery{Name: sqlExporterName(q), Help: "Default query " + q.Name() + " of retention_exporter.", Query: sql}
		var exprs []string
		wrap := false
		for _, c := range append(slices.Clone(q.Fact.Required), q.Fact.Optional...) {
			switch {
			case numberColumns[c]:
				sq.Values = append(sq.Values, c)
				exprs = append(exprs, c)
			case dateColumns[c]:
				sq.Values = append(sq.Values, c)
				exprs = append(exprs, "COALESCE(UNIX_TIMESTAMP("+c+"), 0) AS "+c)
				wrap = true
			default:
				sq.Labels = append(sq.Labels, c)
				exprs = append(exprs, "COALESCE("+c+", '') AS "+c)
				wrap = wrap || c != "client_id"
			}
		}
		if wrap {
			sq.Query = "SELECT " + strings.Join(exprs, ", ") + "\nFROM (\n" + sql + ") q\n"
		}
		j := &f.Jobs[job[source]]
		j.Queries = append(j.Queries, sq)
	}
	return yaml.Marshal(f)
}

// Command retention_bench measures retention_exporter against a private
// MariaDB holding a generated MSP: refresh time next to the time MariaDB
// itself needs for the same default queries (run by the mariadb client),
// peak RSS, series count, /metrics size and latency, and scrape latency
// under concurrent scrapers while refreshes run. Optionally it runs
// Debian's prometheus-sql-exporter with the same queries under the same
// load, and reports the database's work during the load for both. It
// prints a Markdown report; docs/benchmarks.md holds one.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/kong"
	"go.yaml.in/yaml/v3"

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

type cli struct {
	Clients     []int         `default:"300,2000" help:"Dataset sizes (active clients)."`
	Runs        int           `default:"5" help:"Refreshes and floor runs per size; medians are reported."`
	Scrapers    int           `default:"50" help:"Concurrent scrapers in the load phase."`
	Duration    time.Duration `default:"60s" help:"Length of each load phase."`
	Pace        time.Duration `default:"1s" help:"Also load retention_exporter with every scraper scraping once per this interval, as Prometheus servers do; 0 skips it."`
	Exporter    string        `required:"" type:"existingfile" help:"retention_exporter binary to measure (build with .ci/build.sh)."`
	SQLExporter string        `name:"sql-exporter" type:"existingfile" help:"prometheus-sql-exporter binary (Debian: /usr/bin/prometheus-sql-exporter) to load the same way; empty skips it."`

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
// exporter in turn. It returns the row of the first table and the rows
// of the second.
func (b *bench) measure(n int) (string, []string, error) {
	now := time.Now().UTC()
	psaSQL, billingSQL := filepath.Join(b.dir, "psa.sql"), filepath.Join(b.dir, "billing.sql")
	pf, _ := os.Create(psaSQL)
	bf, _ := os.Create(billingSQL)
	_, err := synth.WriteSQL(synth.Options{Clients: n, Seed: 1, Now: now}, pf, bf)
	pf.Close()
	bf.Close()
	if err != nil {
		return "", nil, err
	}
	db := b.db
	if err := db.Exec("", "DROP DATABASE IF EXISTS psa; DROP DATABASE IF EXISTS billing; CREATE DATABASE psa; CREATE DATABASE billing;"); err != nil {
		return "", nil, err
	}
	for _, st := range []struct{ db, file, ddl string }{{"psa", psaSQL, mysqlschema.PSA}, {"billing", billingSQL, mysqlschema.Billing}} {
		if err := db.Exec(st.db, st.ddl); err != nil {
			return "", nil, err
		}
		if err := client(db, st.db, st.file); err != nil {
			return "", nil, err
		}
	}
	if err := db.Exec("", strings.ReplaceAll(mysqlschema.Grants, "change-me", "bench")+
		" ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 10;"); err != nil {
		return "", nil, err
	}

	// The floor: the same default queries, values written in, by the mariadb client.
	cfg, err := config.Parse([]byte("sources:\n  billing: {dsn_env: X}\n"), "")
	if err != nil {
		return "", nil, err
	}
	queries := boundQueries(cfg, now)
	floorPSA, floorBilling := floorScripts(queries)
	var floors []time.Duration
	for range b.Runs {
		psa, err := queryTime(db, "psa", floorPSA)
		if err != nil {
			return "", nil, err
		}
		billing, err := queryTime(db, "billing", floorBilling)
		if err != nil {
			return "", nil, err
		}
		// The exporter reads both databases in parallel.
		floors = append(floors, max(psa, billing))
	}

	line, row, err := b.retentionExporter(n, median(floors))
	if err != nil {
		return "", nil, err
	}
	static, err := b.staticServer(n)
	if err != nil {
		return "", nil, err
	}
	rows := []string{row, static}
	if b.SQLExporter != "" {
		other, err := b.sqlExporter(n, queries)
		if err != nil {
			return "", nil, err
		}
		rows = append(rows, other)
	}
	return line, rows, nil
}

// staticServer loads the least any server can do: a process that writes
// the exporter's last gzip body, with its length, and nothing else.
func (b *bench) staticServer(n int) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "--exporter="+b.Exporter, "--serve-bytes="+b.snapshotFile(), "--listen="+addr)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	t := target{base: "http://" + addr, last: "retention_source_up", sized: true}
	var gz int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if _, gz, err = scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("static server: %w", err)
		}
	}
	r, err := b.load(t, 0)
	if err != nil {
		return "", err
	}
	return r.row(n, "static gzip bytes (baseline)", "", 0, gz, peakRSS(cmd.Process.Pid)), nil
}

func freeAddr() (string, error) {
	port, err := mariadbtest.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), nil
}

func (b *bench) snapshotFile() string { return filepath.Join(b.dir, "snapshot.gz") }

// serveBytes is the baseline server's main.
func serveBytes(c cli) error {
	body, err := os.ReadFile(c.ServeBytes)
	if err != nil {
		return err
	}
	length := strconv.Itoa(len(body))
	http.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	return http.ListenAndServe(c.Listen, nil)
}

// retentionExporter runs the exporter, refreshing every refreshInterval,
// and measures it; it is stopped on return.
func (b *bench) retentionExporter(n int, floor time.Duration) (string, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", "", err
	}
	cfgPath := filepath.Join(b.dir, "bench.yml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, "refresh_interval: %s\nmax_staleness: 1h\nsources:\n  billing: {dsn_env: RETENTION_BILLING_DSN, query_timeout: 2m}\n  psa: {query_timeout: 2m}\n", refreshInterval), 0o600); err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// At debug level the exporter logs every source read with its
	// duration: refreshes are timed without scraping /metrics.
	exp := exec.CommandContext(ctx, b.Exporter, "--config.file="+cfgPath, "--web.listen-address="+addr, "--log.level=debug")
	exp.Env = append(os.Environ(),
		"RETENTION_PSA_DSN="+b.db.DSN("retention_exporter", "bench", "psa"),
		"RETENTION_BILLING_DSN="+b.db.DSN("retention_exporter", "bench", "billing"))
	stderr, err := exp.StderrPipe()
	if err != nil {
		return "", "", err
	}
	if err := exp.Start(); err != nil {
		return "", "", err
	}
	defer func() { cancel(); _ = exp.Wait() }()
	refreshes := &refreshLog{}
	go refreshes.read(stderr)
	t := target{base: "http://" + addr, last: "retention_source_up", sized: true}
	for deadline := time.Now().Add(10 * time.Minute); ; {
		if resp, err := http.Get(t.base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return "", "", fmt.Errorf("exporter not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	idle, err := refreshes.next(b.Runs, 30*time.Minute)
	if err != nil {
		return "", "", err
	}
	plain, gz, idleScrape, err := sizes(t, b.Runs)
	if err != nil {
		return "", "", err
	}
	series := 0
	for _, l := range strings.Split(string(plain), "\n") {
		if strings.HasPrefix(l, "retention_client_") || strings.HasPrefix(l, "retention_contract_") {
			series++
		}
	}
	// Refreshes keep running while the scrapers load the exporter.
	r, err := b.load(t, 0)
	if err != nil {
		return "", "", err
	}
	during := refreshes.between(r.start, r.end)
	rows := []string{r.row(n, "retention_exporter", refreshSummary(during), series, gz, peakRSS(exp.Process.Pid))}
	if b.Pace > 0 {
		paced, err := b.load(t, b.Pace)
		if err != nil {
			return "", "", err
		}
		rows = append(rows, paced.row(n, "retention_exporter, each scraper every "+b.Pace.String(),
			refreshSummary(refreshes.between(paced.start, paced.end)), series, gz, peakRSS(exp.Process.Pid)))
	}
	rss := peakRSS(exp.Process.Pid)
	if err := saveGzipBody(t, b.snapshotFile()); err != nil {
		return "", "", err
	}

	refresh := median(reads(idle))
	line := fmt.Sprintf("| %d | %d | %.1f | %s | %s | %.2f | %s | %.1f MB | %.2f MB | %s | %s | %s | %d | %d | %d, median %s | %d MiB |",
		n, series, float64(series)/float64(n), floor.Round(time.Millisecond), refresh.Round(time.Millisecond),
		refresh.Seconds()/floor.Seconds(), median(totals(idle)).Round(time.Millisecond), float64(len(plain))/1e6, float64(gz)/1e6, idleScrape.Round(time.Microsecond*100),
		percentile(r.lat, 0.5).Round(time.Microsecond*100), percentile(r.lat, 0.99).Round(time.Microsecond*100),
		len(r.lat), r.errs, len(during), median(reads(during)).Round(time.Millisecond), rss/1024)
	return line, strings.Join(rows, "\n"), nil
}

// refreshSummary is how many refreshes finished during a load, and the
// median time of their reads.
func refreshSummary(rs []refresh) string {
	return fmt.Sprintf("%d, median %s", len(rs), median(reads(rs)).Round(time.Millisecond))
}

// saveGzipBody writes one gzip /metrics body of t, as sent, to file.
func saveGzipBody(t target, file string) error {
	req, _ := http.NewRequest(http.MethodGet, t.base+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(file, body, 0o600)
}

// refreshLog collects the refreshes the exporter logs at debug level.
type refreshLog struct {
	mu   sync.Mutex
	done []refresh
}

// refresh is one refresh: read is the database reads (the two sources
// are read in parallel, so the slower one), total adds computing and
// rendering the snapshot.
type refresh struct {
	end         time.Time
	read, total time.Duration
}

var (
	readLine      = regexp.MustCompile(`msg=refreshed database=(\S+) duration=(\S+)`)
	publishedLine = regexp.MustCompile(`msg=published duration=(\S+)`)
)

// read follows the exporter's log until it ends, forwarding warnings and
// errors. Each refresh logs its source reads, then its publication;
// refreshes never overlap.
func (l *refreshLog) read(r io.Reader) {
	var slowest time.Duration
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if m := readLine.FindStringSubmatch(line); m != nil {
			d, _ := time.ParseDuration(m[2])
			slowest = max(slowest, d)
		} else if m := publishedLine.FindStringSubmatch(line); m != nil {
			d, _ := time.ParseDuration(m[1])
			l.mu.Lock()
			l.done = append(l.done, refresh{time.Now(), slowest, d})
			l.mu.Unlock()
			slowest = 0
		} else if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			fmt.Fprint(os.Stderr, line)
		}
		if err != nil {
			return
		}
	}
}

// between returns the refreshes that finished between start and end.
func (l *refreshLog) between(start, end time.Time) []refresh {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []refresh
	for _, r := range l.done {
		if r.end.After(start) && r.end.Before(end) {
			out = append(out, r)
		}
	}
	return out
}

// next waits for the n refreshes that finish from now on.
func (l *refreshLog) next(n int, timeout time.Duration) ([]refresh, error) {
	start := time.Now()
	for {
		rs := l.between(start, time.Now())
		if len(rs) >= n {
			return rs[:n], nil
		}
		if time.Since(start) > timeout {
			return nil, fmt.Errorf("only %d refreshes in %s", len(rs), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func reads(rs []refresh) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.read)
	}
	return out
}

func totals(rs []refresh) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, r.total)
	}
	return out
}

// boundQuery is a default query with its parameter values written in.
type boundQuery struct {
	// name is the fact's, with the window's label for windowed facts.
	name string
	fact config.FactSpec
	sql  string
}

// boundQueries writes the default queries with their values filled in, as
// a refresh runs them: tickets once per window, surveys for the CSAT window.
func boundQueries(cfg *config.Config, now time.Time) []boundQuery {
	today := now.Format(time.DateOnly)
	values := map[string]string{
		config.ParamNow:           "'" + now.Format(time.DateTime) + "'",
		config.ParamToday:         "'" + today + "'",
		config.ParamHistoryStart:  "'" + now.AddDate(0, 0, -cfg.HistoryDays()).Format(time.DateOnly) + "'",
		config.ParamPositiveScore: strconv.Itoa(cfg.Health.PositiveScore),
	}
	var out []boundQuery
	for _, f := range config.Facts {
		windows := []config.Window{{}}
		switch f.Name {
		case config.QueryTickets:
			windows = cfg.TicketWindows()
		case config.QuerySurveys:
			windows = []config.Window{cfg.Windows.CSAT}
		}
		for _, w := range windows {
			v := maps(values, config.ParamWindowStart, "'"+now.Add(-w.Duration).Format(time.DateTime)+"'")
			sql := regexp.MustCompile(`:[a-z_]+`).ReplaceAllStringFunc(f.DefaultSQL, func(p string) string { return v[p[1:]] })
			name := f.Name
			if w.Label != "" {
				name += "_" + w.Label
			}
			out = append(out, boundQuery{name: name, fact: f, sql: sql})
		}
	}
	return out
}

// floorScripts joins the bound queries into one script per database, for
// the mariadb client.
func floorScripts(queries []boundQuery) (psa, billing string) {
	var p, b strings.Builder
	for _, q := range queries {
		out := &p
		if q.fact.Source == config.Billing {
			out = &b
		}
		out.WriteString(q.sql + ";\n")
	}
	return p.String(), b.String()
}

func maps(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

func client(db *mariadbtest.Server, database, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("mariadb", "--socket="+db.Socket(), "-uroot", database)
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb: %v: %s", err, out)
	}
	return nil
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

func clientText(db *mariadbtest.Server, database, sql string) error {
	cmd := exec.Command("mariadb", "--socket="+db.Socket(), "-uroot", database)
	cmd.Stdin = strings.NewReader(sql)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mariadb: %v: %s", err, stderr.String())
	}
	return nil
}

// target is an exporter under test.
type target struct {
	base string
	// last is the metric family rendered last: a body holding it is whole.
	last string
	// sized: every response must declare its length. retention_exporter
	// does; promhttp, which prometheus-sql-exporter uses, streams gzip
	// chunked, and a cut chunked body fails to read.
	sized bool
}

// sizes returns the plain body, the gzip size, and the median idle
// latency of a gzip scrape.
func sizes(t target, runs int) ([]byte, int, time.Duration, error) {
	resp, err := http.Get(t.base + "/metrics")
	if err != nil {
		return nil, 0, 0, err
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var lat []time.Duration
	gz := 0
	for range runs * 4 {
		d, n, err := scrapeOnce(http.DefaultClient, t, true, &bytes.Buffer{})
		if err != nil {
			return nil, 0, 0, err
		}
		lat = append(lat, d)
		gz = n
	}
	return plain, gz, median(lat), nil
}

// scrapeOnce fetches /metrics with gzip as Prometheus does and checks the
// response is whole: the declared length and, when verify is set, a
// complete gzip stream ending with the target's last metric family.
// buf is reused between scrapes, as Prometheus reuses its buffers, so
// that the scrapers' garbage collection does not add to the latency.
func scrapeOnce(client *http.Client, t target, verify bool, buf *bytes.Buffer) (time.Duration, int, error) {
	req, _ := http.NewRequest(http.MethodGet, t.base+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	body := buf.Bytes()
	d := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		return d, 0, fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	if t.sized && int64(len(body)) != resp.ContentLength {
		return d, 0, fmt.Errorf("%d bytes of %d", len(body), resp.ContentLength)
	}
	if !verify {
		return d, len(body), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return d, 0, err
	}
	text, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(text, []byte(t.last)) {
		return d, 0, fmt.Errorf("incomplete body: %v", err)
	}
	return d, len(body), nil
}

// loadResult is what the scrapers saw during the load, and what the
// database did meanwhile.
type loadResult struct {
	start, end time.Time
	lat        []time.Duration
	errs       int
	db         dbStats
}

// load runs the scrapers against t and reads the database's counters
// before and after.
func (b *bench) load(t target, pace time.Duration) (loadResult, error) {
	before, err := readDBStats(b.db, b.dbPID)
	if err != nil {
		return loadResult{}, err
	}
	r := loadResult{start: time.Now()}
	r.lat, r.errs = scrapers(t, b.Scrapers, b.Duration, pace)
	r.end = time.Now()
	after, err := readDBStats(b.db, b.dbPID)
	if err != nil {
		return loadResult{}, err
	}
	r.db = dbStats{after.selects - before.selects, after.questions - before.questions, after.cpu - before.cpu}
	return r, nil
}

// row is the load's row of the second table.
func (r loadResult) row(n int, server, refreshes string, series, gz, rssKiB int) string {
	if refreshes == "" {
		refreshes = "–"
	}
	return fmt.Sprintf("| %d | %s | %d | %s | %s | %d | %d | %.2f MB | %s | %d | %d | %.2f s | %d MiB |",
		n, server, series, percentile(r.lat, 0.5).Round(time.Microsecond*100), percentile(r.lat, 0.99).Round(time.Microsecond*100),
		len(r.lat), r.errs, float64(gz)/1e6, refreshes, r.db.selects, r.db.questions, r.db.cpu.Seconds(), rssKiB/1024)
}

// scrapers runs n scrapers concurrently for d, back to back or each once
// per pace, and returns their latencies and error count.
func scrapers(t target, n int, d, pace time.Duration) ([]time.Duration, int) {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	// Every response's length is checked. Decompressing every body would
	// make the scrapers compete with the server for the CPU (at 20,000
	// clients a body is 69 MB of text): one body a second, taken in turn
	// by whichever scraper comes first, is decompressed and checked whole.
	verify := time.NewTicker(time.Second)
	defer verify.Stop()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
			var buf bytes.Buffer
			// Paced scrapers start spread over the interval, as Prometheus
			// spreads its targets; unpaced ones scrape back to back.
			next := time.Now().Add(pace * time.Duration(i) / time.Duration(n))
			for time.Now().Before(end) {
				if pace > 0 {
					if time.Sleep(time.Until(next)); !time.Now().Before(end) {
						break
					}
					next = next.Add(pace)
				}
				whole := false
				select {
				case <-verify.C:
					whole = true
				default:
				}
				l, _, err := scrapeOnce(client, t, whole, &buf)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					lat = append(lat, l)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, errs
}

// dbStats are MariaDB's cumulative counters: SELECT statements, all
// statements clients sent (Questions), and mariadbd's CPU time.
type dbStats struct {
	selects, questions int64
	cpu                time.Duration
}

func readDBStats(db *mariadbtest.Server, pid int) (dbStats, error) {
	var s dbStats
	conn, err := db.Root("")
	if err != nil {
		return s, err
	}
	defer conn.Close()
	rows, err := conn.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Questions')")
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return s, err
		}
		if name == "Com_select" {
			s.selects = v
		} else {
			s.questions = v
		}
	}
	if err := rows.Err(); err != nil {
		return s, err
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// utime and stime are the 14th and 15th fields, counted in the
	// kernel's USER_HZ, which is 100 on Linux. The command name, second,
	// may hold spaces; it ends at the last parenthesis.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	s.cpu = time.Duration(utime+stime) * time.Second / 100
	return s, nil
}

// sqlExporter runs prometheus-sql-exporter with the same queries and
// measures it under the same load; it is stopped on return.
func (b *bench) sqlExporter(n int, queries []boundQuery) (string, error) {
	conf, err := sqlExporterConfig(b.db, queries)
	if err != nil {
		return "", err
	}
	cfgPath := filepath.Join(b.dir, "sql_exporter.yml")
	if err := os.WriteFile(cfgPath, conf, 0o600); err != nil {
		return "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, b.SQLExporter, "-config.file="+cfgPath, "-web.listen-address="+addr)
	// It logs JSON to stdout; at warn level only failures.
	cmd.Env = append(os.Environ(), "LOGLEVEL=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() { cancel(); _ = cmd.Wait() }()

	// It serves /metrics at once, empty until each query has run once.
	var names []string
	for _, q := range queries {
		names = append(names, "sql_"+q.name)
	}
	slices.Sort(names)
	t := target{base: "http://" + addr, last: names[len(names)-1]}
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
	return r.row(n, "prometheus-sql-exporter", "", series, gz, peakRSS(cmd.Process.Pid)), nil
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

// sqlExporterConfig configures prometheus-sql-exporter with the bound
// default queries: one job per database, as the exporter's two sources,
// connecting as the exporter's read-only user. Its values must be
// numbers and its labels text, and a NULL in either drops the value or
// the row with an error logged for each; queries returning dates or
// text beyond client_id therefore run wrapped in a select that turns
// dates into Unix seconds (0 when absent) and NULL text into "", as its
// documentation advises (cast labels to text and values to float).
func sqlExporterConfig(db *mariadbtest.Server, queries []boundQuery) ([]byte, error) {
	sources := []string{config.PSA, config.Billing}
	f := sqlExporterFile{Jobs: make([]sqlExporterJob, len(sources))}
	for i, source := range sources {
		f.Jobs[i] = sqlExporterJob{Name: source, Interval: refreshInterval.String(),
			Connections: []string{"mysql://" + db.DSN("retention_exporter", "bench", source)}}
	}
	for _, q := range queries {
		sq := sqlExporterQuery{Name: q.name, Help: "Default query " + q.name + " of retention_exporter.", Query: q.sql}
		var exprs []string
		wrap := false
		for _, c := range append(slices.Clone(q.fact.Required), q.fact.Optional...) {
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
			sq.Query = "SELECT " + strings.Join(exprs, ", ") + "\nFROM (\n" + q.sql + ") q\n"
		}
		job := &f.Jobs[slices.Index(sources, q.fact.Source)]
		job.Queries = append(job.Queries, sq)
	}
	return yaml.Marshal(f)
}

// peakRSS reads the process's peak resident set (VmHWM) in KiB.
func peakRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return 0
}

func median(ds []time.Duration) time.Duration { return percentile(ds, 0.5) }

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

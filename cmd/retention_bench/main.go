// Command retention_bench measures retention_exporter against a private
// MariaDB holding a generated MSP: refresh time next to the time MariaDB
// itself needs for the same default queries (run by the mariadb client),
// peak RSS, series count, /metrics size and latency, and scrape latency
// under concurrent scrapers while refreshes run. It prints a Markdown
// report; docs/benchmarks.md holds one.
package main

import (
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

	"github.com/retention-exporter/retention_exporter/config"
	mysqlschema "github.com/retention-exporter/retention_exporter/deploy/mysql"
	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/synth"
)

type cli struct {
	Clients  []int         `default:"300,2000" help:"Dataset sizes (active clients)."`
	Runs     int           `default:"5" help:"Refreshes and floor runs per size; medians are reported."`
	Scrapers int           `default:"50" help:"Concurrent scrapers in the load phase."`
	Duration time.Duration `default:"60s" help:"Length of the load phase."`
	Exporter string        `required:"" type:"existingfile" help:"retention_exporter binary to measure (build with .ci/build.sh)."`
}

func main() {
	var c cli
	kong.Parse(&c, kong.Name("retention_bench"), kong.Description("Measure retention_exporter against a private MariaDB."))
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "retention_bench:", err)
		os.Exit(1)
	}
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
	nproc, _ := exec.Command("nproc").Output()
	version, _ := exec.Command("mariadbd", "--version").Output()
	fmt.Printf("Machine: %s cores; %s\n", strings.TrimSpace(string(nproc)), strings.TrimSpace(string(version)))
	fmt.Printf("Runs per size: %d; load: %d scrapers for %s with Accept-Encoding: gzip.\n\n", c.Runs, c.Scrapers, c.Duration)
	fmt.Println("| clients | series | per client | DB floor (median) | exporter refresh (median) | ratio | /metrics plain | gzip | scrape idle (median) | load p50 | load p99 | scrapes | errors | refreshes under load | peak RSS |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range c.Clients {
		line, err := measure(c, db, dir, n)
		if err != nil {
			return fmt.Errorf("%d clients: %w", n, err)
		}
		fmt.Println(line)
	}
	return nil
}

func measure(c cli, db *mariadbtest.Server, dir string, n int) (string, error) {
	now := time.Now().UTC()
	psaSQL, billingSQL := filepath.Join(dir, "psa.sql"), filepath.Join(dir, "billing.sql")
	pf, _ := os.Create(psaSQL)
	bf, _ := os.Create(billingSQL)
	_, err := synth.WriteSQL(synth.Options{Clients: n, Seed: 1, Now: now}, pf, bf)
	pf.Close()
	bf.Close()
	if err != nil {
		return "", err
	}
	if err := db.Exec("", "DROP DATABASE IF EXISTS psa; DROP DATABASE IF EXISTS billing; CREATE DATABASE psa; CREATE DATABASE billing;"); err != nil {
		return "", err
	}
	for _, st := range []struct{ db, file, ddl string }{{"psa", psaSQL, mysqlschema.PSA}, {"billing", billingSQL, mysqlschema.Billing}} {
		if err := db.Exec(st.db, st.ddl); err != nil {
			return "", err
		}
		if err := client(db, st.db, st.file); err != nil {
			return "", err
		}
	}
	if err := db.Exec("", strings.ReplaceAll(mysqlschema.Grants, "change-me", "bench")+
		" ALTER USER 'retention_exporter'@'%' WITH MAX_USER_CONNECTIONS 10;"); err != nil {
		return "", err
	}

	// The floor: the same default queries, values written in, by the mariadb client.
	cfg, err := config.Parse([]byte("sources:\n  billing: {dsn_env: X}\n"), "")
	if err != nil {
		return "", err
	}
	floorPSA, floorBilling := floorScripts(cfg, now)
	var floors []time.Duration
	for range c.Runs {
		start := time.Now()
		if err := clientText(db, "psa", floorPSA); err != nil {
			return "", err
		}
		if err := clientText(db, "billing", floorBilling); err != nil {
			return "", err
		}
		floors = append(floors, time.Since(start))
	}

	// The exporter, refreshing continuously (interval shorter than a refresh).
	port, err := mariadbtest.FreePort()
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cfgPath := filepath.Join(dir, "bench.yml")
	if err := os.WriteFile(cfgPath, []byte("refresh_interval: 1s\nmax_staleness: 1h\nsources:\n  billing: {dsn_env: RETENTION_BILLING_DSN, query_timeout: 2m}\n  psa: {query_timeout: 2m}\n"), 0o600); err != nil {
		return "", err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exp := exec.CommandContext(ctx, c.Exporter, "--config.file="+cfgPath, "--web.listen-address="+addr, "--log.level=warn")
	exp.Env = append(os.Environ(),
		"RETENTION_PSA_DSN="+db.DSN("retention_exporter", "bench", "psa"),
		"RETENTION_BILLING_DSN="+db.DSN("retention_exporter", "bench", "billing"))
	exp.Stderr = os.Stderr
	if err := exp.Start(); err != nil {
		return "", err
	}
	defer func() { cancel(); _ = exp.Wait() }()
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Minute); ; {
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("exporter not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	refreshes, err := refreshDurations(base, c.Runs)
	if err != nil {
		return "", err
	}
	plain, gz, idle, err := sizes(base, c.Runs)
	if err != nil {
		return "", err
	}
	series := 0
	for _, l := range strings.Split(string(plain), "\n") {
		if strings.HasPrefix(l, "retention_client_") || strings.HasPrefix(l, "retention_contract_") {
			series++
		}
	}
	// Refreshes keep running while the scrapers load the exporter.
	underLoad := make(chan []time.Duration, 1)
	go func() {
		ds, _ := refreshesUntil(base, time.Now().Add(c.Duration))
		underLoad <- ds
	}()
	lat, errs := load(base, c.Scrapers, c.Duration)
	during := <-underLoad
	rss := peakRSS(exp.Process.Pid)

	floor, refresh := median(floors), median(refreshes)
	return fmt.Sprintf("| %d | %d | %.1f | %s | %s | %.2f | %.1f MB | %.2f MB | %s | %s | %s | %d | %d | %d, median %s | %d MiB |",
		n, series, float64(series)/float64(n), floor.Round(time.Millisecond), refresh.Round(time.Millisecond),
		refresh.Seconds()/floor.Seconds(), float64(len(plain))/1e6, float64(gz)/1e6, idle.Round(time.Microsecond*100),
		percentile(lat, 0.5).Round(time.Microsecond*100), percentile(lat, 0.99).Round(time.Microsecond*100),
		len(lat), errs, len(during), median(during).Round(time.Millisecond), rss/1024), nil
}

// floorScripts writes the default queries with their values filled in,
// for the mariadb client.
func floorScripts(cfg *config.Config, now time.Time) (psa, billing string) {
	today := now.Format(time.DateOnly)
	values := map[string]string{
		config.ParamNow:           "'" + now.Format(time.DateTime) + "'",
		config.ParamToday:         "'" + today + "'",
		config.ParamHistoryStart:  "'" + now.AddDate(0, 0, -cfg.HistoryDays()).Format(time.DateOnly) + "'",
		config.ParamPositiveScore: strconv.Itoa(cfg.Health.PositiveScore),
	}
	var p, b strings.Builder
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
			out := &p
			if f.Source == config.Billing {
				out = &b
			}
			out.WriteString(sql + ";\n")
		}
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

// refreshDurations samples the exporter's own refresh durations until it
// has n distinct refreshes; a refresh is the slower of its two sources.
func refreshDurations(base string, n int) ([]time.Duration, error) {
	var out []time.Duration
	last := -1.0
	for deadline := time.Now().Add(30 * time.Minute); len(out) < n; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("only %d refreshes", len(out))
		}
		f, err := get(base)
		if err != nil {
			return nil, err
		}
		ts, _ := f.Find("retention_source_last_success_timestamp_seconds", scrape.Labels{"source": "psa"})
		if ts == last {
			continue
		}
		last = ts
		p, _ := f.Find("retention_refresh_duration_seconds", scrape.Labels{"source": "psa"})
		b, _ := f.Find("retention_refresh_duration_seconds", scrape.Labels{"source": "billing"})
		out = append(out, time.Duration(max(p, b)*float64(time.Second)))
	}
	return out, nil
}

// refreshesUntil collects the durations of the refreshes that finish
// before end.
func refreshesUntil(base string, end time.Time) ([]time.Duration, error) {
	var out []time.Duration
	last := -1.0
	for ; time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		f, err := get(base)
		if err != nil {
			return out, err
		}
		ts, _ := f.Find("retention_source_last_success_timestamp_seconds", scrape.Labels{"source": "psa"})
		if ts != last && last >= 0 {
			p, _ := f.Find("retention_refresh_duration_seconds", scrape.Labels{"source": "psa"})
			b, _ := f.Find("retention_refresh_duration_seconds", scrape.Labels{"source": "billing"})
			out = append(out, time.Duration(max(p, b)*float64(time.Second)))
		}
		last = ts
	}
	return out, nil
}

func get(base string) (scrape.Families, error) {
	body, err := scrape.Get(http.DefaultClient, base+"/metrics")
	if err != nil {
		return nil, err
	}
	return scrape.Parse(body)
}

// sizes returns the plain body, the gzip size, and the median idle
// latency of a gzip scrape.
func sizes(base string, runs int) ([]byte, int, time.Duration, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, 0, 0, err
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var lat []time.Duration
	gz := 0
	for range runs * 4 {
		d, n, err := scrapeOnce(http.DefaultClient, base, true)
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
// complete gzip stream ending with the exporter's own metrics.
func scrapeOnce(client *http.Client, base string, verify bool) (time.Duration, int, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK {
		return d, 0, fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	if int64(len(body)) != resp.ContentLength {
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
	if err != nil || !bytes.Contains(text, []byte("retention_source_up")) {
		return d, 0, fmt.Errorf("incomplete body: %v", err)
	}
	return d, len(body), nil
}

// load runs scrapers concurrently for d and returns their latencies and
// error count.
func load(base string, scrapers int, d time.Duration) ([]time.Duration, int) {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for range scrapers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
			// Decompressing every body would make the scrapers compete
			// with the exporter for the CPU: one in twenty is checked whole.
			for i := 0; time.Now().Before(end); i++ {
				l, _, err := scrapeOnce(client, base, i%20 == 0)
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

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

// exporterConfig is retention_exporter's configuration: the defaults,
// both sources, refreshing every refreshInterval. The floor and
// prometheus-sql-exporter plan their queries from it too.
func exporterConfig() []byte {
	return fmt.Appendf(nil, "refresh_interval: %s\nmax_staleness: 1h\nsources:\n  billing: {dsn_env: RETENTION_BILLING_DSN, query_timeout: 2m}\n  psa: {query_timeout: 2m}\n", refreshInterval)
}

// writeConfig writes the exporter's configuration into the bench's
// directory and returns its path.
func (b *bench) writeConfig(cfg []byte) (string, error) {
	path := filepath.Join(b.dir, "bench.yml")
	return path, os.WriteFile(path, cfg, 0o600)
}

// dsnEnv holds the read-only account's DSNs in the exporter's variables.
func (b *bench) dsnEnv() []string {
	return []string{
		"RETENTION_PSA_DSN=" + b.db.DSN("retention_exporter", "bench", "psa"),
		"RETENTION_BILLING_DSN=" + b.db.DSN("retention_exporter", "bench", "billing"),
	}
}

// retentionExporter runs the exporter with cfg and measures it; it is
// stopped on return. It returns the row of the first table and its rows
// of the second.
func (b *bench) retentionExporter(n int, cfg []byte, floor time.Duration) (string, string, error) {
	cfgPath, err := b.writeConfig(cfg)
	if err != nil {
		return "", "", err
	}
	srv, err := startServer(b.dsnEnv(), b.Exporter, func(addr string) []string {
		return []string{"--config.file=" + cfgPath, "--web.listen-address=" + addr, "--log.level=warn"}
	})
	if err != nil {
		return "", "", err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	refreshes := newRefreshLog(config.PSA, config.Billing)
	t := target{base: "http://" + srv.addr, last: "retention_source_up", sized: true, whole: refreshes.addText}
	if err := waitReady(t); err != nil {
		return "", "", err
	}
	idle, err := idleRefreshes(t, refreshes, b.Runs, 30*time.Minute)
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
	during, all := refreshes.during(r.start, r.end, refreshInterval)
	rows := []string{r.row(n, "retention_exporter", refreshSummary(during, all), series, gz, peakRSS(pid))}
	if b.Pace > 0 {
		paced, err := b.load(t, b.Pace)
		if err != nil {
			return "", "", err
		}
		rs, all := refreshes.during(paced.start, paced.end, refreshInterval)
		rows = append(rows, paced.row(n, "retention_exporter, each scraper every "+b.Pace.String(),
			refreshSummary(rs, all), series, gz, peakRSS(pid)))
	}
	rss := peakRSS(pid)
	if err := saveGzipBody(t, b.snapshotFile()); err != nil {
		return "", "", err
	}

	read := median(reads(idle))
	line := fmt.Sprintf("| %d | %d | %.1f | %s | %s | %.2f | %s | %.1f MB | %.2f MB | %s | %s | %s | %d | %d | %s | %d MiB |",
		n, series, float64(series)/float64(n), floor.Round(time.Millisecond), read.Round(time.Millisecond),
		read.Seconds()/floor.Seconds(), median(wholes(idle)).Round(time.Millisecond), float64(len(plain))/1e6, float64(gz)/1e6, idleScrape.Round(time.Microsecond*100),
		percentile(r.lat, 0.5).Round(time.Microsecond*100), percentile(r.lat, 0.99).Round(time.Microsecond*100),
		len(r.lat), r.errs, refreshSummary(during, all), rss/1024)
	return line, strings.Join(rows, "\n"), nil
}

// waitReady waits up to 10 minutes for the exporter's first refresh.
func waitReady(t target) error {
	for deadline := time.Now().Add(10 * time.Minute); ; {
		if resp, err := http.Get(t.base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("exporter not ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// idleRefreshes waits for the n refreshes after the one being served and
// returns them. It reads the exporter's metrics once per refresh, in the
// middle of the pause after it, expecting each refresh to take as long
// as the one before; until a refresh's render time shows, it looks again
// every quarter interval.
func idleRefreshes(t target, l *refreshLog, n int, timeout time.Duration) ([]refresh, error) {
	if err := t.look(); err != nil {
		return nil, err
	}
	first, ok := l.last()
	if !ok {
		return nil, fmt.Errorf("%w (%v)", errNoRefresh, l.err)
	}
	for deadline := time.Now().Add(timeout); ; {
		if rs := l.renderedAfter(first.start); len(rs) >= n {
			return rs[:n], nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("fewer than %d refreshes in %s", n, timeout)
		}
		last, _ := l.last()
		time.Sleep(nextLook(last, time.Now()))
		if err := t.look(); err != nil {
			return nil, err
		}
	}
}

// nextLook is how long to wait at now, having last seen r, before
// reading the exporter's metrics again.
func nextLook(r refresh, now time.Time) time.Duration {
	if !r.rendered {
		return refreshInterval / 4
	}
	// The next refresh starts an interval after r ended; if it takes as
	// long as r, this is the middle of the pause after it.
	return max(0, r.end().Add(refreshInterval+r.whole()+refreshInterval/2).Sub(now))
}

// refreshSummary is how many refreshes ran during a load, and the median
// time of their reads; "at least" when one may have gone unseen.
func refreshSummary(rs []refresh, all bool) string {
	count := fmt.Sprint(len(rs))
	if !all {
		count = "≥ " + count
	}
	return fmt.Sprintf("%s, median %s", count, median(reads(rs)).Round(time.Millisecond))
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

package main

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retention-exporter/retention_exporter/internal/mariadbtest"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/internal/testenv"
)

// TestSourceDownAndBack: the exporter starts while the database is down
// and serves its own metrics; once the database is up it serves the
// fixture; when the database dies the series keep their last values with
// up 0, and vanish after max_staleness — never dropping to zero.
func TestSourceDownAndBack(t *testing.T) {
	testenv.Integration(t)
	db, err := mariadbtest.New(filepath.Join(t.TempDir(), "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	const maxStaleness = 4 * time.Second
	p := startExporter(t, db, `
refresh_interval: 500ms
max_staleness: 4s
sources:
  psa:
    query_timeout: 2s
  billing:
    dsn_env: RETENTION_BILLING_DSN
    query_timeout: 2s
`)

	// Down at start-up: own metrics only, not ready.
	testenv.WaitFor(t, 10*time.Second, "a failed first refresh", func() bool {
		_, ok := p.scrape(t).Find("retention_query_errors_total", L{"source": "psa", "query": "clients"})
		return ok && strings.Contains(p.logs.String(), "refresh failed")
	})
	f := p.scrape(t)
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Fatalf("psa up = %v while the database is down", v)
	}
	if _, ok := f["retention_source_last_success_timestamp_seconds"]; ok {
		t.Error("a last success timestamp before any success")
	}
	if n := countClientSeries(f); n != 0 {
		t.Fatalf("%d client series before any data", n)
	}
	if got := p.status(t, "/-/ready"); got != http.StatusServiceUnavailable {
		t.Fatalf("/-/ready = %d before the PSA was read, want 503", got)
	}

	// The database comes up: the exporter retries and serves data.
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	if err := loadReference(db); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 20*time.Second, "data after the database came up", func() bool {
		_, ok := p.scrape(t).Find("retention_client_health_score", L{"client_id": "c1"})
		return ok
	})
	if got := p.status(t, "/-/ready"); got != http.StatusOK {
		t.Fatalf("/-/ready = %d after the PSA was read, want 200", got)
	}
	before := p.scrape(t)
	health := value(t, before, "retention_client_health_score", L{"client_id": "c1"})
	series := countClientSeries(before)

	// The database dies mid-run.
	db.Kill()
	var lastSuccess float64
	testenv.WaitFor(t, 10*time.Second, "up 0 after the database died", func() bool {
		f := p.scrape(t)
		if v, _ := f.Find("retention_source_up", L{"source": "psa"}); v != 0 {
			return false
		}
		// Stale but kept: the same series with the same values.
		if n := countClientSeries(f); n != series {
			t.Fatalf("%d client series right after the failure, want the %d from before", n, series)
		}
		if v := value(t, f, "retention_client_health_score", L{"client_id": "c1"}); v != health {
			t.Fatalf("health changed from %v to %v while the source is down", health, v)
		}
		lastSuccess = value(t, f, "retention_source_last_success_timestamp_seconds", L{"source": "psa"})
		return true
	})

	// Past max_staleness everything derived from the PSA disappears.
	testenv.WaitFor(t, maxStaleness+10*time.Second, "stale series to vanish", func() bool {
		f := p.scrape(t)
		n := countClientSeries(f)
		if n != 0 && n != series {
			t.Fatalf("%d client series: a snapshot must be all or nothing", n)
		}
		if v, ok := f.Find("retention_client_health_score", L{"client_id": "c1"}); ok && v != health {
			t.Fatalf("health changed from %v to %v while stale", health, v)
		}
		return n == 0
	})
	gone := time.Now()
	if age := gone.Sub(time.UnixMilli(int64(lastSuccess * 1000))); age < maxStaleness {
		t.Errorf("series vanished %s after the last success, before max_staleness %s", age, maxStaleness)
	}
	f = p.scrape(t)
	if _, ok := f["retention_clients"]; ok {
		t.Error("portfolio series outlived max_staleness")
	}
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Errorf("psa up = %v", v)
	}
	if v := value(t, f, "retention_source_last_success_timestamp_seconds", L{"source": "psa"}); v != lastSuccess {
		t.Errorf("last success moved from %v to %v without a success", lastSuccess, v)
	}
}

// TestQueryTimeout: a query slower than query_timeout fails alone: it
// counts an error and its series are absent, not zero, while the queries
// after it run on a new connection and serve.
func TestQueryTimeout(t *testing.T) {
	p := startExporter(t, sharedDB(t), `
refresh_interval: 1h
sources:
  psa:
    query_timeout: 1s
queries:
  tickets:
    sql: |
      SELECT t.client_id, COUNT(*) AS tickets
      FROM tickets t, (SELECT SLEEP(5) AS s) slow
      WHERE t.created_at > :window_start AND t.created_at <= :now
      GROUP BY t.client_id
`)
	testenv.WaitFor(t, 15*time.Second, "the tickets query to time out", func() bool {
		v, _ := p.scrape(t).Find("retention_query_errors_total", L{"source": "psa", "query": "tickets"})
		return v >= 1
	})
	f := p.scrape(t)
	// Each window's run cut at the timeout, not run for its 5s sleep: the
	// exporter's own measure of the query, summed over its two windows,
	// says so.
	if d := value(t, f, "retention_query_duration_seconds", L{"source": "psa", "query": "tickets"}); d >= 5 {
		t.Errorf("the tickets query ran %.1fs over its two windows, want each cut at query_timeout (1s)", d)
	}
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Errorf("psa up = %v after a timeout", v)
	}
	for query, want := range map[string]float64{"tickets": 0, "clients": 1, "surveys": 1, "contacts": 1} {
		if v := value(t, f, "retention_query_up", L{"source": "psa", "query": query}); v != want {
			t.Errorf("query %s up = %v, want %v", query, v, want)
		}
	}
	for _, absent := range []string{"retention_client_tickets", "retention_client_utilization_ratio", "retention_client_sla_compliance_ratio"} {
		if n := len(f.Samples(absent)); n != 0 {
			t.Errorf("%d %s series from a query that timed out", n, absent)
		}
	}
	if _, ok := f.Find("retention_client_health_score", L{"client_id": "c1"}); !ok {
		t.Error("no health score: the other queries' results are not served")
	}
	if got := p.status(t, "/-/ready"); got != http.StatusOK {
		t.Errorf("/-/ready = %d, want 200: the clients query succeeded", got)
	}
	if !strings.Contains(p.logs.String(), "timed out after 1s") {
		t.Error("the log does not say the query timed out")
	}
}

// countClientSeries counts the per-client, per-contract and portfolio
// series: everything derived from the PSA.
func countClientSeries(f scrape.Families) int {
	n := 0
	for name, mf := range f {
		if strings.HasPrefix(name, "retention_") && !isOwnMetric(name) {
			n += len(mf.Metric)
		}
	}
	return n
}

// TestUnresponsiveDatabase: a server that keeps connections open but never
// answers fails the refresh within the timeouts, keeps the last data with
// up 0, and the exporter recovers when it answers again.
func TestUnresponsiveDatabase(t *testing.T) {
	p := startExporter(t, sharedDB(t), `
refresh_interval: 500ms
sources:
  psa:
    query_timeout: 1s
`)
	testenv.WaitFor(t, 15*time.Second, "data", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "psa"})
		return v == 1
	})
	health := value(t, p.scrape(t), "retention_client_health_score", L{"client_id": "c1"})
	if err := sharedDB(t).Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = sharedDB(t).Resume()
		}
	}()
	testenv.WaitFor(t, 15*time.Second, "up 0 while the database hangs", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "psa"})
		return v == 0
	})
	// The failed refresh ended within its timeouts: connecting and
	// preparing the session get one query_timeout, the read one more.
	if d := value(t, p.scrape(t), "retention_refresh_duration_seconds", L{"source": "psa"}); d > 3 {
		t.Errorf("a refresh of the hung database took %.1fs, want it ended by the 1s timeouts", d)
	}
	if v := value(t, p.scrape(t), "retention_client_health_score", L{"client_id": "c1"}); v != health {
		t.Errorf("health %v while the database hangs, want the last value %v", v, health)
	}
	if err := sharedDB(t).Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	testenv.WaitFor(t, 15*time.Second, "recovery", func() bool {
		v, _ := p.scrape(t).Find("retention_source_up", L{"source": "psa"})
		return v == 1
	})
}

// TestReload: an invalid configuration, by SIGHUP or POST /-/reload, leaves
// the previous one serving with the reload metric at 0; a valid one takes
// effect at once.
func TestReload(t *testing.T) {
	p := startExporter(t, sharedDB(t), fixtureConfig)
	testenv.WaitFor(t, 30*time.Second, "readiness", func() bool { return p.status(t, "/-/ready") == http.StatusOK })
	reloadOK := func() float64 {
		return value(t, p.scrape(t), "retention_config_last_reload_successful", L{})
	}
	if v := reloadOK(); v != 1 {
		t.Fatalf("reload metric %v before any reload", v)
	}

	// An unknown key: SIGHUP keeps the old configuration.
	if err := os.WriteFile(p.configPath, []byte(fixtureConfig+"refresh_intervall: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "the failed reload to show", func() bool { return reloadOK() == 0 })
	f := p.scrape(t)
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 1 {
		t.Errorf("psa up = %v after a failed reload", v)
	}
	if _, ok := f.Find("retention_client_tickets", L{"client_id": "c1", "window": "30d"}); !ok {
		t.Error("the old configuration's series are gone after a failed reload")
	}
	// A write query: POST /-/reload refuses it too.
	if err := os.WriteFile(p.configPath, []byte(fixtureConfig+"queries:\n  clients:\n    sql: DELETE FROM clients\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := p.post(t, "/-/reload"); got != http.StatusInternalServerError {
		t.Errorf("POST /-/reload with a write query: %d, want 500", got)
	}

	// A valid configuration with other ticket windows takes effect.
	if err := os.WriteFile(p.configPath, []byte(fixtureConfig+"windows:\n  tickets: [7d, 90d]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := p.post(t, "/-/reload"); got != http.StatusOK {
		t.Fatalf("POST /-/reload with a valid config: %d", got)
	}
	testenv.WaitFor(t, 10*time.Second, "the new ticket window", func() bool {
		_, ok := p.scrape(t).Find("retention_client_tickets", L{"client_id": "c1", "window": "7d"})
		return ok
	})
	if v := reloadOK(); v != 1 {
		t.Errorf("reload metric %v after a good reload", v)
	}
	if _, ok := p.scrape(t).Find("retention_client_tickets", L{"client_id": "c1", "window": "30d"}); ok {
		t.Error("the old ticket window is still served")
	}
	if got := p.status(t, "/-/reload"); got != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", got)
	}
}

// TestReadySoonAfterStartupFailure: a database that is down when the
// exporter starts and up seconds later makes it ready within seconds,
// not after a whole refresh_interval (1h here): a failed refresh is
// retried after 5s, doubling. At the default log level the log says that
// no data is served yet, then that the source recovered and the first
// refresh was published.
func TestReadySoonAfterStartupFailure(t *testing.T) {
	testenv.Integration(t)
	db, err := mariadbtest.New(filepath.Join(t.TempDir(), "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, db, "refresh_interval: 1h\nmax_staleness: 2h\n", "--log.level=info")
	testenv.WaitFor(t, 10*time.Second, "a failed first refresh", func() bool {
		return strings.Contains(p.logs.String(), "refresh failed")
	})
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	if err := loadReference(db); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	testenv.WaitFor(t, time.Minute, "readiness after the database came up", func() bool {
		return p.status(t, "/-/ready") == http.StatusOK
	})
	t.Logf("ready %s after the database came up", time.Since(up).Round(100*time.Millisecond))
	logs := p.logs.String()
	for _, want := range []string{
		`msg="refresh failed; no data has been read from this source yet, so none of it is served" database=psa`,
		`retry_in=5s`,
		`msg="source recovered" database=psa`,
		`msg="first refresh published: serving the PSA's data"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(logs, "level=DEBUG") || strings.Contains(logs, "serving the last good data") {
		t.Errorf("debug lines or a claim of last good data at the default level:\n%s", logs)
	}
}

// TestQueryFailsAlone: a PSA upgrade renames the surveys table mid-run.
// Only what the surveys query feeds is affected: its series keep their
// last good values until max_staleness, then are absent, and the health
// score is the weighted mean of the components left, with less coverage;
// every other series keeps serving unchanged. Restoring the table
// restores every series.
func TestQueryFailsAlone(t *testing.T) {
	testenv.Integration(t)
	db, err := mariadbtest.New(filepath.Join(t.TempDir(), "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	if err := loadReference(db); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, db, `
refresh_interval: 500ms
max_staleness: 4s
sources:
  billing:
    dsn_env: RETENTION_BILLING_DSN
`)
	testenv.WaitFor(t, 20*time.Second, "data", func() bool {
		_, ok := p.scrape(t).Find("retention_client_csat_ratio", L{"client_id": "c1"})
		return ok
	})
	before := retentionSeries(p.scrape(t))
	queryUp := func(f scrape.Families, query string) float64 {
		return value(t, f, "retention_query_up", L{"source": "psa", "query": query})
	}

	if err := db.Exec("psa", "RENAME TABLE surveys TO surveys_renamed"); err != nil {
		t.Fatal(err)
	}
	renamed := time.Now()
	var f scrape.Families
	testenv.WaitFor(t, 10*time.Second, "the surveys query to fail", func() bool {
		f = p.scrape(t)
		return queryUp(f, "surveys") == 0
	})
	// Within max_staleness: everything as before, with the source and the
	// query down and every other query up.
	if time.Since(renamed) < 3*time.Second {
		if got := retentionSeries(f); !maps.Equal(got, before) {
			t.Errorf("within max_staleness the series changed:\n%s", seriesDiff(before, got))
		}
	}
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 0 {
		t.Errorf("psa up = %v with a failing query", v)
	}
	for _, q := range []string{"clients", "contracts", "endpoints", "tickets", "reviews", "contacts", "assessments"} {
		if v := queryUp(f, q); v != 1 {
			t.Errorf("query %s up = %v, want 1: it did not fail", q, v)
		}
	}
	if v := value(t, f, "retention_query_up", L{"source": "billing", "query": "invoices"}); v != 1 {
		t.Errorf("billing's invoices up = %v", v)
	}

	// Past max_staleness: only what surveys feeds is gone.
	testenv.WaitFor(t, 15*time.Second, "the CSAT series to go", func() bool {
		f = p.scrape(t)
		return len(f.Samples("retention_client_csat_ratio")) == 0
	})
	after := retentionSeries(f)
	for k, v := range before {
		got, ok := after[k]
		switch {
		case strings.HasPrefix(k, "retention_client_csat_") || strings.Contains(k, `component="csat"`):
			if ok {
				t.Errorf("%s still served past max_staleness", k)
			}
		case strings.HasPrefix(k, "retention_client_health_score") || strings.HasPrefix(k, "retention_client_health_coverage_ratio"):
			if !ok {
				t.Errorf("%s absent: the other components still score", k)
			}
		case !ok || got != v:
			t.Errorf("%s = %v (served %v), want %v unchanged", k, got, ok, v)
		}
	}
	key := func(name string) string { return name + L{"client": "Acme Corp", "client_id": "c1"}.String() }
	if after[key("retention_client_health_coverage_ratio")] >= before[key("retention_client_health_coverage_ratio")] {
		t.Errorf("coverage %v, want below %v without CSAT", after[key("retention_client_health_coverage_ratio")], before[key("retention_client_health_coverage_ratio")])
	}
	if _, ok := f.Find("retention_query_last_success_timestamp_seconds", L{"source": "psa", "query": "surveys"}); !ok {
		t.Error("the failing query's last success is not served")
	}

	if err := db.Exec("psa", "RENAME TABLE surveys_renamed TO surveys"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "every series back", func() bool {
		f = p.scrape(t)
		return maps.Equal(retentionSeries(f), before)
	})
	if v := value(t, f, "retention_source_up", L{"source": "psa"}); v != 1 {
		t.Errorf("psa up = %v after the table came back", v)
	}
}

// retentionSeries is every client, contract and portfolio sample by name
// and labels.
func retentionSeries(f scrape.Families) map[string]float64 {
	out := map[string]float64{}
	for name := range f {
		if !strings.HasPrefix(name, "retention_") || isOwnMetric(name) {
			continue
		}
		for _, s := range f.Samples(name) {
			out[name+s.Labels.String()] = s.Value
		}
	}
	return out
}

// seriesDiff lists what differs between two sets of series.
func seriesDiff(want, got map[string]float64) string {
	var b strings.Builder
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			fmt.Fprintf(&b, "  %s: want %v, got %v (served %v)\n", k, v, g, ok)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  %s: not wanted, got %v\n", k, v)
		}
	}
	return b.String()
}

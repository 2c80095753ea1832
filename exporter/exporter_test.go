package exporter

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/promslog"

	"github.com/retention-exporter/retention_exporter/config"
	"github.com/retention-exporter/retention_exporter/internal/scrape"
	"github.com/retention-exporter/retention_exporter/model"
	"github.com/retention-exporter/retention_exporter/source"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fakePSA serves facts built for the requested now, or fails.
type fakePSA struct {
	mu      sync.Mutex
	fail    bool
	segment string
	clients int
}

func (f *fakePSA) Name() string   { return config.PSA }
func (f *fakePSA) Target() string { return "fake" }
func (f *fakePSA) set(fail bool, segment string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail, f.segment = fail, segment
}

func (f *fakePSA) ReadPSA(_ context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		err := errors.New("connection refused")
		return nil, []source.QueryReport{{Query: model.QueryClients, Err: err}}, err
	}
	n := max(f.clients, 1)
	facts := &model.Facts{Now: now, Contacts: map[string]int64{}, Reviews: map[string]model.Date{}}
	for i := range n {
		id := fmt.Sprintf("c%04d", i)
		facts.Clients = append(facts.Clients, model.Client{
			ID: id, Name: "Client " + id, Segment: f.segment,
			CustomerSince: model.NewDate(2020, 1, 1),
		})
		facts.Contacts[id] = 1
	}
	return facts, planReports(cfg, config.PSA, now, n), nil
}

// planReports reports every query planned for src as read, as a source
// does; the fakes' facts of the other queries are empty.
func planReports(cfg *config.Config, src string, now time.Time, rows int) []source.QueryReport {
	var reps []source.QueryReport
	for _, q := range cfg.Plan(src, now) {
		reps = append(reps, source.QueryReport{Query: q.Fact.Name, Window: q.Window.Label, Rows: rows})
	}
	return reps
}

type fakeBilling struct{ fail bool }

func (f *fakeBilling) Name() string   { return config.Billing }
func (f *fakeBilling) Target() string { return "fake" }
func (f *fakeBilling) ReadBilling(_ context.Context, cfg *config.Config, now time.Time) (*model.Facts, []source.QueryReport, error) {
	if f.fail {
		return nil, nil, errors.New("billing down")
	}
	return &model.Facts{Now: now, Overdue: map[string][]model.Overdue{}}, planReports(cfg, config.Billing, now, 0), nil
}

func testConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func scrapeOf(t *testing.T, e *Exporter) scrape.Families {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	f, err := scrape.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStalenessLifecycle(t *testing.T) {
	cfg := testConfig(t, "max_staleness: 1h\n")
	psa := &fakePSA{segment: "smb"}
	e := New(cfg, psa, nil, promslog.NewNopLogger())
	ctx := context.Background()

	if e.Ready() {
		t.Fatal("ready before any refresh")
	}
	if got := scrapeOf(t, e).Samples("retention_client_info"); len(got) != 0 {
		t.Fatalf("client series before any refresh: %v", got)
	}

	e.Refresh(ctx, t0)
	if !e.Ready() {
		t.Fatal("not ready after a successful refresh")
	}
	fresh := snapshotText(t, e)
	f := scrapeOf(t, e)
	if v, _ := f.Find("retention_source_up", scrape.Labels{"source": "psa"}); v != 1 {
		t.Fatalf("up = %v", v)
	}
	if v, _ := f.Find("retention_source_last_success_timestamp_seconds", scrape.Labels{"source": "psa"}); v != float64(t0.Unix()) {
		t.Fatalf("last success = %v, want %v", v, t0.Unix())
	}

	// Failing within max_staleness: the same series, computed for the
	// time of the last success, with up 0.
	psa.set(true, "smb")
	e.Refresh(ctx, t0.Add(59*time.Minute))
	if !bytes.Equal(snapshotText(t, e), fresh) {
		t.Error("a failed refresh changed the served data")
	}
	f = scrapeOf(t, e)
	if v, _ := f.Find("retention_source_up", scrape.Labels{"source": "psa"}); v != 0 {
		t.Errorf("up = %v after a failure", v)
	}
	if v, _ := f.Find("retention_query_errors_total", scrape.Labels{"query": "clients"}); v != 1 {
		t.Errorf("query errors = %v, want 1", v)
	}

	// Past max_staleness: nothing derived from the PSA remains.
	e.Refresh(ctx, t0.Add(61*time.Minute))
	if len(snapshotText(t, e)) != 0 {
		t.Errorf("stale data still served:\n%s", snapshotText(t, e))
	}
	if !e.Ready() {
		t.Error("readiness lost: it means the PSA has been read once")
	}

	// Recovery.
	psa.set(false, "smb")
	e.Refresh(ctx, t0.Add(62*time.Minute))
	if got := scrapeOf(t, e).Samples("retention_client_info"); len(got) != 1 {
		t.Errorf("after recovery: %v", got)
	}
}

func TestBillingUnavailable(t *testing.T) {
	cfg := testConfig(t, "sources:\n  billing:\n    dsn_env: X\n")
	bill := &fakeBilling{}
	e := New(cfg, &fakePSA{}, bill, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	c := scrape.Labels{"client_id": "c0000"}
	f := scrapeOf(t, e)
	if v, ok := f.Find("retention_client_overdue_invoices", c); !ok || v != 0 {
		t.Fatalf("overdue invoices = %v, %v; want 0", v, ok)
	}

	bill.fail = true
	e.Refresh(context.Background(), t0.Add(2*time.Hour))
	f = scrapeOf(t, e)
	if _, ok := f.Find("retention_client_overdue_invoices", c); ok {
		t.Error("overdue invoices served after billing went stale")
	}
	if v, _ := f.Find("retention_source_up", scrape.Labels{"source": "billing"}); v != 0 {
		t.Errorf("billing up = %v", v)
	}
	// Engagement (customer since 2020: 0) and contacts (1: 50) are present;
	// billing is configured, so its weight counts in the coverage.
	if v, _ := f.Find("retention_client_health_coverage_ratio", c); math.Abs(v-0.2) > 1e-12 {
		t.Errorf("coverage = %v, want 0.2", v)
	}
}

func TestServeEncodings(t *testing.T) {
	e := New(testConfig(t, ""), &fakePSA{clients: 50, segment: "smb"}, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	srv := httptest.NewServer(e)
	defer srv.Close()

	get := func(method, encoding string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		// A transport without automatic decompression, to see the wire.
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, plain := get(http.MethodGet, "")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix(plain, snapshotText(t, e)) {
		t.Fatal("plain response does not start with the snapshot")
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength != int64(len(plain)) {
		t.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(plain))
	}

	for _, enc := range []string{"gzip", "deflate, gzip;q=1.0, *;q=0.5"} {
		resp, body := get(http.MethodGet, enc)
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding %q: not gzipped", enc)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(unzipped, snapshotText(t, e)) || !bytes.Contains(unzipped, []byte("retention_source_up")) {
			t.Errorf("gzip body is not the snapshot followed by the exporter's metrics")
		}
		if _, err := scrape.Parse(unzipped); err != nil {
			t.Errorf("gzip body does not parse: %v", err)
		}
	}
	if resp, _ := get(http.MethodGet, "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused with q=0")
	}
	if resp, body := get(http.MethodHead, "gzip"); resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d with %d bytes", resp.StatusCode, len(body))
	}
}

// TestScrapesSeeWholeRefreshes scrapes while refreshes alternate between
// two segments: every response must carry one segment only.
func TestScrapesSeeWholeRefreshes(t *testing.T) {
	psa := &fakePSA{clients: 200, segment: "a"}
	e := New(testConfig(t, ""), psa, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 40 {
			psa.set(false, []string{"a", "b"}[i%2])
			e.Refresh(context.Background(), t0.Add(time.Duration(i)*time.Minute))
		}
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				f, err := scrape.Parse(rec.Body.Bytes())
				if err != nil {
					t.Error(err)
					return
				}
				seen := map[string]int{}
				for _, s := range f.Samples("retention_client_info") {
					seen[s.Labels["segment"]]++
				}
				if len(seen) != 1 || (seen["a"] != 200 && seen["b"] != 200) {
					t.Errorf("a scrape mixed refreshes: %v", seen)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestReadyMeansServing: Ready is false until a refresh has read the PSA,
// becomes true by the end of that refresh, and once it is true the PSA's
// data is in the served snapshot.
func TestReadyMeansServing(t *testing.T) {
	const clients = 2000
	e := New(testConfig(t, ""), &fakePSA{clients: clients}, nil, promslog.NewNopLogger())
	if e.Ready() {
		t.Fatal("ready before any refresh")
	}
	done := make(chan struct{})
	go func() { e.Refresh(context.Background(), t0); close(done) }()
	// Spin, not sleep: a Ready set before the snapshot is published shows
	// during the milliseconds that rendering 2000 clients takes.
	for !e.Ready() {
		select {
		case <-done:
			if !e.Ready() {
				t.Fatal("not ready after a refresh that read the PSA")
			}
		default:
			runtime.Gosched()
		}
	}
	f, err := scrape.Parse(snapshotText(t, e))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Samples("retention_client_info")); n != clients {
		t.Fatalf("ready while the served snapshot holds %d of the PSA's %d clients", n, clients)
	}
	<-done
}

// snapshotText is the text of the exporter's current snapshot.
func snapshotText(t *testing.T, e *Exporter) []byte {
	t.Helper()
	b, err := e.Snapshot().Text()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOwnMetricsAreLive: the exporter's own metrics are rendered once and
// reused, yet every change shows in the next scrape.
func TestOwnMetricsAreLive(t *testing.T) {
	psa := &fakePSA{clients: 5}
	e := New(testConfig(t, ""), psa, nil, promslog.NewNopLogger())
	e.Refresh(context.Background(), t0)
	reload := func() float64 {
		v, _ := scrapeOf(t, e).Find("retention_config_last_reload_successful", scrape.Labels{})
		return v
	}
	if v := reload(); v != 1 {
		t.Fatalf("reload metric %v at start", v)
	}
	e.ReloadFailed()
	if v := reload(); v != 0 {
		t.Errorf("reload metric %v right after a failed reload", v)
	}
	psa.set(true, "")
	e.Refresh(context.Background(), t0.Add(time.Minute))
	if v, _ := scrapeOf(t, e).Find("retention_source_up", scrape.Labels{"source": "psa"}); v != 0 {
		t.Errorf("up = %v right after a failed refresh", v)
	}
}

// countingGatherer counts how often it is gathered.
type countingGatherer struct{ n int }

func (c *countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	c.n++
	return nil, nil
}

func TestCachedPart(t *testing.T) {
	g := &countingGatherer{}
	c := &cachedPart{gatherer: g, ttl: time.Second}
	for _, step := range []struct {
		at      time.Duration
		version uint64
		gathers int
	}{
		{0, 0, 1},
		{500 * time.Millisecond, 0, 1},  // fresh: reused
		{1100 * time.Millisecond, 0, 2}, // past the ttl
		{1200 * time.Millisecond, 1, 3}, // a new version
		{1300 * time.Millisecond, 1, 3}, // same version, fresh
	} {
		if _, err := c.get(t0.Add(step.at), step.version); err != nil {
			t.Fatal(err)
		}
		if g.n != step.gathers {
			t.Errorf("at %s version %d: %d gathers, want %d", step.at, step.version, g.n, step.gathers)
		}
	}
}
